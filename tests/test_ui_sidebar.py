"""The network sidebar (rnnviz.ui.sidebar) through AppTest: labels, ranges, output layer, knobs, editors, upload,
share link, overflow, warnings and session isolation."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from apptest_utils import SIM_PAGES, chart, fmt, no_exception, open_app, shown_h, warnings_shown
from streamlit.testing.v1 import AppTest

from rnnviz import presets
from rnnviz.engine import forward
from rnnviz.query import from_query, to_query
from rnnviz.state import LIMITS, default_state
from rnnviz.ui import sidebar
from rnnviz.ui.session import Keys


def state_of(at):
    return at.session_state[Keys.STATE]


# --------------------------------------------------------------------------- sliders: labels, ranges, output layer

def test_slider_labels_and_ranges_for_the_lesson():
    at = open_app()
    labels = {s.key: s.label for s in at.sidebar.slider}
    assert labels["rnnviz_W_h_0_1"] == "W_h[1,2]"
    assert labels["rnnviz_W_x_1_0"] == "W_x[2,1]"
    assert labels["rnnviz_b_0"] == "b[1]"
    assert labels["rnnviz_x_1_0"] == "x_2[1]"
    assert labels["rnnviz_h0_1"] == "h_0[2]"
    assert len(labels) == 12  # 4 + 2 + 2 weights, 2 inputs, 2 initial states
    s = at.sidebar.slider(key="rnnviz_W_h_0_0")
    assert (s.min, s.max, s.step) == (-3.0, 3.0, 0.01)


def test_slider_range_widens_to_hold_the_values():
    at = open_app("pages/cell.py", {"Wh": "7.5,0;0,-0.25"})
    s = at.sidebar.slider(key="rnnviz_W_h_1_1")
    assert (s.min, s.max) == (-8.0, 8.0) and s.value == -0.25
    at = open_app("pages/cell.py", {"b": "1000000,0"})
    assert at.sidebar.slider(key="rnnviz_b_0").max == LIMITS.max_abs
    no_exception(at)


def test_output_layer_sliders_move_y():
    at = open_app()
    at.sidebar.number_input(key="rnnviz_size_k").set_value(2).run()
    no_exception(at)
    state = state_of(at)
    assert state.k == 2 and at.query_params["k"] == "2" and "Wy" in at.query_params
    keys = {s.key for s in at.sidebar.slider}
    assert {"rnnviz_W_y_0_0", "rnnviz_W_y_1_1", "rnnviz_b_y_0", "rnnviz_b_y_1"} <= keys
    at.sidebar.slider(key="rnnviz_b_y_1").set_value(0.3).run()
    at.slider(key="rnnviz_t").set_value(2).run()
    state = state_of(at)
    tr = forward(state.params, state.x, state.h0)
    y_line = next(e.value for e in at.latex if "{y_{2}}} &= W_y" in e.value)
    assert y_line.rstrip("$\n ").endswith(
        r"\begin{bmatrix}" + r"\\".join(fmt(v) for v in tr.y[1]) + r"\end{bmatrix}}}\end{aligned}")
    # k back to 0: the output layer and its sliders go away
    at.sidebar.number_input(key="rnnviz_size_k").set_value(0).run()
    assert state_of(at).k == 0 and "Wy" not in at.query_params
    assert not any(s.key.startswith("rnnviz_W_y") for s in at.sidebar.slider)


def test_activation_radio():
    at = open_app()
    at.sidebar.radio(key="rnnviz_act").set_value("relu").run()
    no_exception(at)
    assert state_of(at).activation == "relu" and at.query_params["act"] == "relu"
    tr = forward(state_of(at).params, state_of(at).x, state_of(at).h0)
    assert shown_h(at, 1) == [fmt(v) for v in tr.h[1]]
    assert any(r"\operatorname{relu}" in e.value for e in at.latex)


# --------------------------------------------------------------------------- whole-matrix knobs and grids

@pytest.fixture
def big():
    at = open_app("pages/chain.py", {"n": "6"})
    no_exception(at)
    assert not any(s.key.startswith("rnnviz_W_h") for s in at.sidebar.slider)  # 36 + 6 + 6 > 24: grids
    return at


def test_knobs_random_orthogonal_zero_and_a_zero_radius(big):
    at = big
    at.sidebar.number_input(key="rnnviz_knob_seed").set_value(7).run()
    at.sidebar.button(key="rnnviz_knob_random").click().run()
    np.testing.assert_array_equal(state_of(at).params.W_h, presets.random_matrix((6, 6), 7, scale=1 / np.sqrt(6)))
    at.sidebar.button(key="rnnviz_knob_orthogonal").click().run()
    W = state_of(at).params.W_h
    np.testing.assert_allclose(W @ W.T, np.eye(6), atol=1e-12)
    at.sidebar.button(key="rnnviz_knob_zero").click().run()
    assert not state_of(at).params.W_h.any()
    at.sidebar.button(key="rnnviz_knob_radius").click().run()
    no_exception(at)
    assert any("spectral radius is 0" in w for w in warnings_shown(at))
    assert dict(at.query_params) == to_query(state_of(at))


def test_data_editors_are_captioned_with_their_shapes(big):
    captions = [c.value for c in big.sidebar.caption]
    assert "W_h (6 × 6)" in captions and "W_x (6 × 1)" in captions and "b (6)" in captions
    frames = [f.value for f in big.sidebar.dataframe]
    assert any(f.shape == (6, 6) and np.array_equal(f.to_numpy(), state_of(big).params.W_h) for f in frames)


def _editor_script():
    import streamlit as st

    from rnnviz.ui import page, session, sidebar

    session.get_state()
    st.button("apply", key="apply", on_click=sidebar.apply_editor_edits,
              args=(st.session_state.get("edit_name", "W_h"), "fake_edits"))
    page.show_warnings()


@pytest.mark.parametrize("name, edits, check", [
    ("W_h", {"edited_rows": {0: {"col [2]": 0.9}}}, lambda s: s.params.W_h[0, 1] == 0.9),
    ("W_h", {"edited_rows": {"1": {"col [1]": "-0.5"}}}, lambda s: s.params.W_h[1, 0] == -0.5),
    ("x", {"edited_rows": {1: {"x [1]": 4.0}}}, lambda s: s.x[1, 0] == 4.0),
    ("b", {"edited_rows": {1: {"col [1]": 0.25}}}, lambda s: s.params.b[1] == 0.25),
])
def test_editor_edits_update_the_state(name, edits, check):
    at = AppTest.from_function(_editor_script, default_timeout=30)
    at.session_state["edit_name"] = name
    at.session_state["fake_edits"] = edits
    at.run()
    at.button(key="apply").click().run()
    no_exception(at)
    assert check(state_of(at))
    assert not warnings_shown(at)


@pytest.mark.parametrize("edits, words", [
    ({"edited_rows": {0: {"col [1]": None}}}, "not a number"),
    ({"edited_rows": {0: {"col [1]": "abc"}}}, "not a number"),
    ({"edited_rows": {0: {"col [9]": 1.0}}}, "not a number"),
    ({"edited_rows": {0: {"col [1]": float("nan")}}}, "W_h"),
    ({"edited_rows": {0: {"col [1]": 1e300}}}, "W_h"),
])
def test_bad_editor_edits_warn_and_keep_the_state(edits, words):
    at = AppTest.from_function(_editor_script, default_timeout=30)
    at.session_state["fake_edits"] = edits
    at.run()
    at.button(key="apply").click().run()
    no_exception(at)
    assert state_of(at) == default_state()
    assert any(words in w for w in warnings_shown(at)), warnings_shown(at)


# --------------------------------------------------------------------------- upload

def test_upload_csv_good_big_and_garbage():
    at = open_app("pages/chain.py")
    at.sidebar.file_uploader(key="rnnviz_upload").set_value(("x.csv", b"x\n1\n-2\n0.5\n", "text/csv")).run()
    no_exception(at)
    np.testing.assert_array_equal(state_of(at).x, [[1.0], [-2.0], [0.5]])
    assert at.query_params["x"] == "1;-2;0.5"
    good = state_of(at)
    big = b"1\n" * (sidebar.UPLOAD_CAP_BYTES // 2 + 10)
    at.sidebar.file_uploader(key="rnnviz_upload").set_value(("big.csv", big, "text/csv")).run()
    no_exception(at)
    assert state_of(at) == good
    assert any("the limit is" in w for w in warnings_shown(at))
    at.sidebar.file_uploader(key="rnnviz_upload").set_value(("bin.csv", bytes(range(256)) * 4, "text/csv")).run()
    no_exception(at)
    assert state_of(at) == good
    assert any(w.startswith("x:") for w in warnings_shown(at))


# --------------------------------------------------------------------------- share link, overflow, warnings

def test_share_link_opens_the_same_state():
    at = open_app("pages/heatmaps.py", {"n": "3", "act": "relu", "t": "2"})
    link = at.sidebar.code[0].value
    parts = urlsplit(link)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    assert from_query(query)[0] == state_of(at)
    assert ";" in parts.query and "%3B" not in parts.query  # readable: ; and , are not escaped


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning",
                            "ignore:invalid value encountered:RuntimeWarning")
def test_a_relu_overflow_shows_a_message_not_a_traceback():
    x = ";".join(["1"] * 200)
    query = {"act": "relu", "Wh": "1000,0;0,1000", "x": x, "t": "150"}
    for page in SIM_PAGES:
        at = open_app(page, query)
        no_exception(at)
        assert any("overflowed" in e.value for e in at.error), page
        assert not at.get("plotly_chart")
        assert state_of(at) == from_query(query)[0]
    # the network came from a link: no preset is selected, and Reset (nothing edited yet) is off
    assert at.sidebar.selectbox(key="rnnviz_preset").value is None
    assert at.sidebar.button(key="rnnviz_reset").disabled
    # back to a sane network from the sidebar: the page draws again
    at.sidebar.selectbox(key="rnnviz_preset").select("lesson").run()
    no_exception(at)
    assert not at.error and chart(at, "ripple")


def test_warnings_stay_until_the_next_change_then_clear():
    at = open_app("pages/chain.py", {"n": "1000"})
    assert warnings_shown(at)
    at.switch_page("pages/phase.py").run()
    assert warnings_shown(at)  # the page shows what the link needed fixing, on every page
    at.button(key="rnnviz_next").click().run()
    assert warnings_shown(at)  # stepping t is not a fix of the link
    at.sidebar.number_input(key="rnnviz_size_n").set_value(3).run()
    no_exception(at)
    assert not warnings_shown(at)


def test_warning_text_from_the_url_is_escaped():
    at = open_app("pages/cell.py", {"Wh": "**bold** <script>alert(1)</script>"})
    no_exception(at)
    shown = " ".join(warnings_shown(at))
    assert shown.startswith("Wh:")
    assert "<script>" not in shown and "**bold**" not in shown


def test_two_sessions_do_not_share_state():
    a = open_app()
    b = open_app()
    a.sidebar.slider(key="rnnviz_W_h_0_0").set_value(-2.0).run()
    b.run()
    assert state_of(b) == default_state()
    assert state_of(a).params.W_h[0, 0] == -2.0
    assert b.query_params["Wh"] == "0.5,0.2;0.3,0.6"


def test_reset_returns_to_where_the_network_came_from():
    # a link: Reset goes back to the link's network, not to a preset
    query = {"Wh": "0.1,0.2;0.3,0.4", "x": "1;2;3", "t": "2"}
    at = open_app("pages/cell.py", query)
    linked = state_of(at)
    assert at.sidebar.selectbox(key="rnnviz_preset").value is None
    assert any("came from a link" in c.value for c in at.sidebar.caption)
    at.sidebar.slider(key="rnnviz_W_h_0_0").set_value(0.9).run()
    assert state_of(at) != linked and any("Edited since" in c.value for c in at.sidebar.caption)
    at.sidebar.button(key="rnnviz_reset").click().run()
    assert state_of(at) == linked
    assert at.sidebar.button(key="rnnviz_reset").disabled
    at.button(key="rnnviz_next").click().run()  # stepping t is not an edit
    assert at.sidebar.button(key="rnnviz_reset").disabled
    # a link that spells out a preset selects it
    at = open_app("pages/cell.py", to_query(presets.make_preset("vanishing")))
    assert at.sidebar.selectbox(key="rnnviz_preset").value == "vanishing"
    at = open_app("pages/cell.py", {**to_query(presets.make_preset("exploding")), "t": "6"})  # any step t
    assert at.sidebar.selectbox(key="rnnviz_preset").value == "exploding"



def test_the_origin_preset_survives_a_page_switch_that_drops_the_box_key(monkeypatch):
    """Issue 13: a page switch drops the preset box's widget key; the sidebar then said "came from a link"
    (and "Reset goes back to the link") while the box, redrawn on its first option, showed "lesson"."""
    from rnnviz.ui import session

    state = {}
    monkeypatch.setattr(session.st, "session_state", state)
    session.set_origin(presets.make_preset("lesson").replace(t=2))
    del state["rnnviz_preset"]  # what a page switch does to a widget's key
    assert session.chosen_preset() == "lesson" and state["rnnviz_preset"] == "lesson"
    session.set_origin(presets.make_preset("lesson").replace(W_h=[[0.9, 0.2], [0.3, 0.6]]))  # a link
    del state["rnnviz_preset"]
    assert session.chosen_preset() is None
