"""The top of every page (``page``), the simulator pages' common top, and small display helpers.

AppTest and Streamlit's page reruns execute a page file on its own, so every page calls ``page()``
first and must not rely on app.py having drawn anything.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st

from rnnviz import stacking
from rnnviz.engine import Trace, forward
from rnnviz.state import SimState
from rnnviz.ui import compat, messages, session, simulator_controls, theme
from rnnviz.ui.session import Keys
from rnnviz.ui.sidebar import network_sidebar, network_status

PAGE_TITLE = "rnnviz: vanilla RNNs, step by step"


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
         views: Callable[[SimState], None] | None = None) -> SimState | None:
    """Page setup, the network sidebar, the title and caption, the state's warnings; returns the state.

    ``views(state)``: the page's views, drawn in a fragment (``Keys.VIEWS``) with the warnings and the
    sidebar's state-dependent parts.  A weight slider reruns that fragment alone (``session.rerun_views``):
    the sidebar's dozens of widgets are not sent again.  ``sidebar=False`` (the training page): no network
    sidebar, no warnings, returns None.
    """
    page_setup()
    slots = network_sidebar() if sidebar else None
    theme.projector_toggle()
    st.title(title)
    if caption:
        st.caption(caption)
    if slots is None:
        return None
    if views is None:
        state = network_status(slots)
        show_warnings()
        return state

    @st.fragment(key=Keys.VIEWS)
    def page_views() -> None:
        state = network_status(slots)
        show_warnings()
        views(state)

    page_views()
    return session.current_state()


def simulator_page(title: str, caption: str | None,
                   views: Callable[[SimState, Trace, int, int], None]) -> None:
    """A simulator page: ``page()`` whose views fragment starts with the engine's trace, the step picker and
    lesson rounding, then calls ``views(state, trace, t, decimals)``."""

    def simulator_views(state: SimState) -> None:
        trace = simulate(state)
        step_col, rounding_col = st.columns([5, 2], vertical_alignment="bottom")
        with step_col:
            t = simulator_controls.step_picker(state)
        with rounding_col:
            digits = simulator_controls.lesson_rounding_toggle()
        views(state, trace, t, digits)

    page(title, caption, views=simulator_views)


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


def numbers(table, caption: str | None = None, title: str = "Numbers") -> None:
    """A chart's numbers as a table in an expander: for screen readers and copy-paste."""
    with st.expander(title):
        if caption:
            st.caption(caption)
        st.dataframe(table, width="stretch")

