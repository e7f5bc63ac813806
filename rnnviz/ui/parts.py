"""The parts of a page that rerun on their own: a value edit redraws only what it changed.

A Streamlit rerun sends every element of the page again, and the browser re-renders each one: on a simulator
page about 80 elements per weight slider step, most of them the sidebar's own widgets and the step picker,
none of which changed (issue 11: key press -> settled page).  So the parts that depend on the network's
values are fragments with keys, and a callback that changed only values reruns just those
(``rerun_only``), never the sliders the user is holding:

* ``ORIGIN``: the sidebar's "edited since; Reset" line (changes only when the network becomes edited or not);
* ``SHARE``: the sidebar's share box and the address bar (every edit, every step);
* ``STEP``: the step picker and lesson rounding above the views (a step);
* ``VIEWS``: the page's views (every edit, every step).

A page that did not draw a named part (the PyTorch page has no views fragment) reruns whole.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from streamlit.errors import StreamlitAPIException

from rnnviz.state import SimState
from rnnviz.ui import session

ORIGIN = "rnnviz_part_origin"
SHARE = "rnnviz_part_share"
STEP = "rnnviz_part_step"
VIEWS = "rnnviz_part_views"

# AppTest builds its element tree from one run's messages only: after a partial rerun it would hold only the
# parts that ran.  Under AppTest edits rerun the whole page, unless a test sets this to True.
PARTIAL_RERUNS: bool | None = None  # None: on in a browser, off under AppTest


def draw(key: str, part: Callable[[], None]) -> None:
    """Draw ``part()`` as the fragment ``key`` (in the current container: the sidebar or the main area)."""
    st.fragment(part, key=key)()


def rerun_only(*keys: str) -> None:
    """In a callback: rerun only these parts instead of the whole page (see the module's docstring)."""
    on = PARTIAL_RERUNS if PARTIAL_RERUNS is not None else not session.under_apptest()
    if not on:
        return
    try:
        st.rerun(list(keys))
    except StreamlitAPIException:  # a part not drawn on this page: the interaction's full rerun
        pass


def rerun_page() -> None:
    """In a callback of a widget inside a part that changed more (sizes, every slider): rerun the whole page."""
    st.rerun()


def after_edit(before: SimState) -> None:
    """In a callback that changed the network's values (not its sizes): rerun the parts that show them."""
    changed_origin = session.edited(before) != session.edited(session.current_state())
    rerun_only(VIEWS, SHARE, *([ORIGIN] if changed_origin else []))


def after_step() -> None:
    """In a callback that moved the step t (or the rounding): the step picker, the views, the link."""
    rerun_only(STEP, VIEWS, SHARE)
