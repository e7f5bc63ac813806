"""The top of every page (``page``), the simulator pages' common top, and small display helpers.

AppTest and Streamlit's page reruns execute a page file on its own, so every page calls ``page()``
first and must not rely on app.py having drawn anything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import numpy as np
import streamlit as st

from rnnviz import stacking
from rnnviz.engine import Trace, forward
from rnnviz.figures.style import column_formats
from rnnviz.state import SimState
from rnnviz.ui import compat, messages, parts, session, simulator_controls, theme
from rnnviz.ui.sidebar import network_sidebar

PAGE_TITLE = "rnnviz: vanilla RNNs, step by step"
VIEWS_KEY = "rnnviz_views"


def page_setup() -> None:
    """The app's own navigation (a first deep link hands back to app.py) and a wide layout."""
    if compat.leave_pages_directory_mode():
        st.rerun()
    st.set_page_config(page_title=PAGE_TITLE, page_icon=":material/neurology:", layout="wide")
    session.enter_page()
    theme.apply_theme()


def show_warnings() -> None:
    """What the state needed fixing (a link's bad values, a rejected edit), until the next change."""
    for message in session.warnings():
        messages.warn(message)  # plain text unless Markdown: a link's or a file's text never renders as markup


def page(title: str, caption: str | None = None, sidebar: bool = True,
         views: Callable[[SimState], None] | None = None, top: Callable[[], None] | None = None,
         after: Callable[[SimState], None] | None = None) -> SimState | None:
    """Page setup, the network sidebar, the title and caption, the state's warnings; returns the state.

    ``views(state)``: the page's views, drawn with the warnings as the part ``parts.VIEWS``, which a value
    edit reruns alone; ``top()``: a part drawn above them (``parts.STEP``, the step picker); ``after(state)``:
    what does not depend on the network's values (its sizes only), drawn below them on full runs.
    ``sidebar=False`` (the training page): no network sidebar, no warnings, returns None.
    """
    page_setup()
    if sidebar:
        network_sidebar()
    theme.projector_toggle()
    st.title(title)
    if caption:
        st.caption(caption)
    if not sidebar:
        return None
    if views is None:
        show_warnings()
        return session.current_state()
    if top is not None:
        parts.draw(parts.STEP, top)

    def page_views() -> None:
        with st.container(key=VIEWS_KEY):  # its class: style.css fades its static numbers during a drag's preview
            show_warnings()
            views(session.current_state())

    parts.draw(parts.VIEWS, page_views)
    if after is not None:
        after(session.current_state())
    return session.current_state()


def simulator_page(title: str, caption: str | None, views: Callable[[SimState, Trace, int, int], None],
                   after: Callable[[SimState], None] | None = None) -> None:
    """A simulator page: ``page()`` with the step picker and lesson rounding on top, and views that start
    from the engine's trace: ``views(state, trace, t, decimals)``."""

    def step_and_rounding() -> None:
        step_col, rounding_col = st.columns([5, 2], vertical_alignment="bottom")
        with step_col:
            simulator_controls.step_picker(session.current_state())
        with rounding_col:
            simulator_controls.lesson_rounding_toggle()

    def simulator_views(state: SimState) -> None:
        views(state, simulate(state), state.t, simulator_controls.decimals())

    page(title, caption, views=simulator_views, top=step_and_rounding, after=after)


def simulate(state: SimState) -> Trace:
    """The engine's forward pass for the state; stops the page with a message if it overflowed."""
    trace = forward(state.params, state.x, state.h0)
    finite = np.isfinite(trace.h).all() and (trace.y is None or np.isfinite(trace.y).all())
    if not finite:
        st.error("The hidden state overflowed to infinity (relu with a spectral radius above 1 grows without "
                 "bound over a long sequence). Lower the spectral radius of W_h, shorten T, or use tanh.",
                 icon=":material/error:")
        st.stop()
    return trace


def stacked(state: SimState, trace: Trace, layers: int):
    """(params, traces) of every layer; the page stops with a message if a seeded layer overflowed."""
    if layers == 1:
        return [state.params], [trace]
    try:
        return stacking.stacked_traces(state, layers)
    except OverflowError as exc:
        messages.error(str(exc))
        st.stop()


def numbers_key(title: str, caption: str | None = None) -> str:
    """The key of a ``numbers`` expander (Session State holds whether it is open)."""
    return "numbers_" + hashlib.md5((title + (caption or "")).encode()).hexdigest()[:10]


def number_columns(table, decimals: int) -> dict:
    """``st.dataframe``'s column_config for a large table that is always shown: ``style.column_formats``
    applied in the browser (a Styler formats every cell in Python, on every rerun)."""
    return {column: st.column_config.NumberColumn(format=spec)
            for column, spec in column_formats(table, decimals).items()}


def numbers(table, caption: str | None = None, title: str = "Numbers", hide_index: bool = False) -> None:
    """A chart's numbers as a table in an expander: for screen readers and copy-paste.

    ``table`` (a DataFrame or Styler, or a function that builds one) is built and sent only while the
    expander is open: a closed one costs a weight edit nothing (opening it reruns the part it is in).
    """
    box = st.expander(title, key=numbers_key(title, caption), on_change="rerun")
    if not box.open:
        return
    with box:
        if caption:
            st.caption(caption)
        st.dataframe(table() if callable(table) else table, width="stretch", hide_index=hide_index)

