"""A value edit reruns only the parts of the page that show values (rnnviz.ui.parts, issue 11).

AppTest keeps only the elements of the last run, so after a partial rerun the tree holds exactly what was sent
again: the views, the share box, and the "edited; Reset" line when that changed, never the sidebar's sliders.
"""

from __future__ import annotations

import pytest
from apptest_utils import fmt, no_exception, open_app, shown_h

from rnnviz.engine import forward
from rnnviz.ui import parts
from rnnviz.ui.page import numbers_key

W11 = "rnnviz_W_h_0_0"


@pytest.fixture
def partial(monkeypatch):
    """Partial reruns as in a browser (AppTest runs whole pages by default)."""
    monkeypatch.setattr(parts, "PARTIAL_RERUNS", True)


def engine_trace(state):
    return forward(state.params, state.x, state.h0)


def link(at) -> str:
    (code,) = at.sidebar.code
    return code.value


def test_a_weight_slider_reruns_the_views_and_the_link_not_the_sidebar(partial):
    at = open_app("pages/cell.py", {"t": "2"})
    no_exception(at)
    assert len(at.sidebar.slider) >= 10 and at.sidebar.button[0].disabled  # full run: not edited yet

    at.slider(key=W11).set_value(0.7).run()
    no_exception(at)
    state = at.session_state["rnnviz_state"]
    assert state.params.W_h[0, 0] == 0.7
    assert len(at.sidebar.slider) == 0 and len(at.main.slider) == 0  # sidebar sliders and step picker: not sent
    assert shown_h(at, 2) == [fmt(v) for v in engine_trace(state).h[2]]  # the views: the engine's new numbers
    assert "Wh=0.7,0.2;0.3,0.6" in link(at)  # the share box and its link
    assert at.query_params["Wh"] in ("0.7,0.2;0.3,0.6", ["0.7,0.2;0.3,0.6"])  # the address bar
    (reset,) = at.sidebar.button  # the network became edited: the Reset line was sent again, enabled
    assert not reset.disabled and any("Edited since" in c.value for c in at.sidebar.caption)

    # A second edit leaves it edited: the Reset line is not sent again.
    at.run()  # a whole run (as on a new visit) puts the sidebar's sliders back in the tree
    at.slider(key=W11).set_value(0.8).run()
    no_exception(at)
    assert at.session_state["rnnviz_state"].params.W_h[0, 0] == 0.8
    assert len(at.sidebar.button) == 0 and "Wh=0.8,0.2;0.3,0.6" in link(at)


def test_a_step_reruns_the_step_picker_views_and_link(partial):
    at = open_app("pages/cell.py", {"t": "1"})
    at.button(key="rnnviz_next").click().run()
    no_exception(at)
    state = at.session_state["rnnviz_state"]
    assert state.t == 2
    assert at.slider(key="rnnviz_t").value == 2  # the step picker was sent again
    assert len(at.sidebar.slider) == 0 and len(at.sidebar.button) == 0  # the weights and Reset were not
    assert "t=2" in link(at)
    assert at.header[0].value == "Step t = 2 of 2"
    assert shown_h(at, 2) == [fmt(v) for v in engine_trace(state).h[2]]


def test_reset_and_sizes_rerun_the_whole_page(partial):
    at = open_app("pages/cell.py")
    at.slider(key=W11).set_value(-1.0).run()
    at.run()  # the whole page again, as on a new visit
    at.button(key="rnnviz_reset").click().run()
    no_exception(at)
    assert at.session_state["rnnviz_state"].params.W_h[0, 0] == 0.5
    assert at.slider(key=W11).value == 0.5 and len(at.sidebar.slider) >= 10  # every slider moved back


def test_a_page_without_views_reruns_whole(partial):
    at = open_app("pages/pytorch.py")
    at.slider(key=W11).set_value(0.25).run()
    no_exception(at)
    assert at.session_state["rnnviz_state"].params.W_h[0, 0] == 0.25
    assert at.slider(key=W11).value == 0.25 and len(at.sidebar.slider) >= 10


def test_a_numbers_table_is_built_and_sent_only_while_its_expander_is_open():
    title = "Numbers: x, a, h (and y) at every step"
    at = open_app("pages/cell.py", {"t": "2"})
    (expander,) = [e for e in at.expander if e.label == title]
    assert len(expander.dataframe) == 0  # closed: nothing built, nothing sent
    at.session_state[numbers_key(title)] = True  # what opening it in the browser does
    at.run()
    no_exception(at)
    (expander,) = [e for e in at.expander if e.label == title]
    (table,) = expander.dataframe
    state = at.session_state["rnnviz_state"]
    h = engine_trace(state).h
    assert [float(v) for v in table.value.filter(like="h").iloc[2]] == [round(float(v), 4) for v in h[2]]


def test_the_lessons_hand_arithmetic_is_a_lazy_table_too():
    """On the lesson's network (the default) the cell page explains -0.090 vs -0.0888: its table only when open."""
    title = "The lesson's hand arithmetic next to the exact values"
    at = open_app("pages/cell.py", {"t": "2"})
    (expander,) = [e for e in at.expander if e.label == title]
    assert len(expander.dataframe) == 0 and len(expander.caption) == 0  # nothing inside a closed one
    (key,) = [k for k in at.session_state if str(k).startswith("numbers_") and at.session_state[k] is False
              and k != numbers_key("Numbers: x, a, h (and y) at every step")]
    at.session_state[key] = True
    at.run()
    no_exception(at)
    (expander,) = [e for e in at.expander if e.label == title]
    (table,) = expander.dataframe
    rows = table.value.set_index("quantity")
    assert rows.loc["h_2[1]", "by hand, 3 decimals kept"] == "-0.090"
    assert "0.3888 rounded" in expander.caption[0].value
