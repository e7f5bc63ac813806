"""AppTest runs of the simulator pages (cell, chain, heatmaps, phase): numbers equal the engine's, URL state."""

from __future__ import annotations

import json

import numpy as np
import pytest
from apptest_utils import (
    RELU_K2_QUERY,
    SIM_PAGES,
    chain_h,
    chain_h_text,
    chart,
    charts,
    decode,
    fmt,
    no_exception,
    open_app,
    shown_h,
    shown_pre,
    trace_named,
    warnings_shown,
)

from rnnviz import presets
from rnnviz.engine import forward
from rnnviz.query import from_query, to_query
from rnnviz.state import LIMITS, default_state, resized

CHART_KEYS = {
    "pages/cell.py": {"cell_tanh"},
    "pages/chain.py": {"chain_figure"},
    "pages/heatmaps.py": {"heatmap_pre", "heatmap_h", "sequence"},
    "pages/phase.py": {"phase_portrait", "ripple"},
}


def lesson_query(t: int = 2) -> dict:
    return to_query(default_state().replace(t=t))


def middle_t_query() -> dict:
    state = presets.make_preset("vanishing").replace(t=6)
    return to_query(state)


def engine(state):
    return forward(state.params, state.x, state.h0)


def check_page(at, page, state):
    """The page ran cleanly, shows all its charts and its sidebar holds ``state``."""
    no_exception(at)
    assert set(charts(at)) == CHART_KEYS[page], page
    assert at.session_state["rnnviz_state"] == state, page
    assert not at.error, [e.value for e in at.error]


# --------------------------------------------------------------------------- every page, several URLs

@pytest.mark.parametrize("page", SIM_PAGES)
def test_every_page_runs_from_the_default(page):
    at = open_app(page)
    check_page(at, page, default_state())
    assert not warnings_shown(at)
    assert dict(at.query_params) == to_query(default_state())
    # the sidebar is drawn by the page itself: the weight sliders are there on every page
    assert at.sidebar.slider(key="rnnviz_W_h_0_0").value == pytest.approx(0.5)


@pytest.mark.parametrize("name, query", [
    ("lesson", lesson_query(2)),
    ("relu k=2", RELU_K2_QUERY),
    ("t in the middle", middle_t_query()),
])
def test_every_page_runs_from_a_url(name, query):
    expected, warnings = from_query(query)
    assert not warnings, warnings
    at = open_app("pages/cell.py", query)
    for page in SIM_PAGES:
        if page != "pages/cell.py":
            at.switch_page(page).run()
        check_page(at, page, expected)
        assert not warnings_shown(at), (page, warnings_shown(at))
        assert at.slider(key="rnnviz_t").value == expected.t
        assert dict(at.query_params) == to_query(expected)


def test_every_page_at_the_largest_size_from_a_preset_and_sizes():
    """n = 64, T = 500 reached through the sidebar: preset, then the size inputs."""
    at = open_app()
    at.sidebar.selectbox(key="rnnviz_preset").select("long memory").run()
    at.sidebar.number_input(key="rnnviz_size_n").set_value(64).run()
    at.sidebar.number_input(key="rnnviz_size_T").set_value(500).run()
    no_exception(at)
    state = at.session_state["rnnviz_state"]
    assert (state.n, state.T) == (64, 500)
    assert state == resized(presets.make_preset("long memory"), n=64, T=500)
    at.slider(key="rnnviz_t").set_value(250).run()
    state = state.replace(t=250)
    tr = engine(state)
    for page in SIM_PAGES:
        if page != "pages/cell.py":
            at.switch_page(page).run()
        check_page(at, page, state)
        assert not at.sidebar.slider, "no per-entry sliders at n = 64"
    # the last page (phase) projects with PCA; the heatmaps page was checked on the way: check h there
    at.switch_page("pages/heatmaps.py").run()
    z = decode(trace_named(chart(at, "heatmap_h"), "h")["z"])
    np.testing.assert_array_equal(z, tr.h[1:].T)
    assert at.main.dataframe[-1].value.shape[0] == 501  # t = 0..T


# --------------------------------------------------------------------------- the cell page's numbers

def test_lesson_default_shows_h2_and_explains_the_rounding():
    at = open_app()
    at.slider(key="rnnviz_t").set_value(2).run()
    no_exception(at)
    assert shown_h(at, 2) == ["-0.0888", "0.3888"]
    assert shown_pre(at, 2) == ["-0.0890", "0.4104"]
    info = " ".join(i.value for i in at.info)
    assert "-0.090" in info.replace("−", "-") and "-0.0888" in info.replace("−", "-")
    # round like the lesson: 3 decimals everywhere in the derivation
    at.toggle(key="rnnviz_lesson_rounding").set_value(True).run()
    no_exception(at)
    assert shown_h(at, 2) == ["-0.089", "0.389"]
    assert shown_pre(at, 2) == ["-0.089", "0.410"]
    assert all("0.0888" not in e.value for e in at.latex)
    at.toggle(key="rnnviz_lesson_rounding").set_value(False).run()
    assert shown_h(at, 2) == ["-0.0888", "0.3888"]


def test_the_lesson_explanation_leaves_when_the_network_is_not_the_lesson():
    at = open_app()
    at.slider(key="rnnviz_W_h_0_0").set_value(0.55).run()
    assert not any("0.090" in i.value for i in at.info)


@pytest.mark.parametrize("value, t", [(0.7, 2), (-1.25, 2), (2.5, 1)])
def test_cell_slider_moves_h_t_as_the_engine_says(value, t):
    at = open_app()
    at.slider(key="rnnviz_W_h_1_1").set_value(value).run()
    at.slider(key="rnnviz_t").set_value(t).run()
    no_exception(at)
    state = at.session_state["rnnviz_state"]
    assert state.params.W_h[1, 1] == value and state.t == t
    W_h = default_state().params.W_h.copy()
    W_h[1, 1] = value
    tr = forward(default_state().params.replace(W_h=W_h), default_state().x, default_state().h0)
    assert shown_h(at, t) == [fmt(v) for v in tr.h[t]]
    assert shown_pre(at, t) == [fmt(v) for v in tr.pre[t - 1]]
    # the tanh curve marks the same point
    h_marker = trace_named(chart(at, "cell_tanh"), f"h_{t}")
    np.testing.assert_array_equal(decode(h_marker["y"]), tr.h[t])


def test_cell_page_with_an_output_layer_prints_y_t():
    at = open_app("pages/cell.py", RELU_K2_QUERY)
    state, _ = from_query(RELU_K2_QUERY)
    tr = engine(state)
    t = state.t
    assert shown_h(at, t) == [fmt(v) for v in tr.h[t]]
    y_lines = [e.value for e in at.latex if "{y_{" + str(t) + "}}} &= W_y" in e.value]
    assert len(y_lines) == 1
    assert y_lines[0].rstrip("$\n ").endswith(  # y_t on the last of three aligned lines: never cut off
        r"\begin{bmatrix}" + r"\\".join(fmt(v) for v in tr.y[t - 1]) + r"\end{bmatrix}}}\end{aligned}")
    assert "relu" in y_lines[0] or any(r"\operatorname{relu}" in e.value for e in at.latex)


# --------------------------------------------------------------------------- chain and heatmaps: the engine's numbers

def test_chain_boxes_follow_a_slider():
    at = open_app("pages/chain.py")
    at.slider(key="rnnviz_b_1").set_value(-0.4).run()
    at.slider(key="rnnviz_x_1_0").set_value(0.75).run()
    no_exception(at)
    state = at.session_state["rnnviz_state"]
    assert state.params.b[1] == -0.4 and state.x[1, 0] == 0.75
    tr = engine(state)
    spec = chart(at, "chain_figure")
    drawn = chain_h(spec)
    assert sorted(drawn) == [0, 1, 2]
    for s, h in drawn.items():
        np.testing.assert_array_equal(h, tr.h[s])
    assert chain_h_text(spec)[2] == [f"h_2[{i + 1}] = {fmt(v)}" for i, v in enumerate(tr.h[2])]


def test_chain_for_relu_with_outputs_matches_the_engine():
    at = open_app("pages/chain.py", RELU_K2_QUERY)
    state, _ = from_query(RELU_K2_QUERY)
    tr = engine(state)
    spec = chart(at, "chain_figure")
    for s, h in chain_h(spec).items():
        np.testing.assert_array_equal(h, tr.h[s])
    y = trace_named(spec, "y_t")
    assert y["customdata"][state.t - 1].split("<br>") == [
        f"y_{state.t}[{i + 1}] = {fmt(v)}" for i, v in enumerate(tr.y[state.t - 1])]


def test_heatmaps_follow_a_slider_and_the_toggle():
    at = open_app("pages/heatmaps.py")
    at.slider(key="rnnviz_W_x_0_0").set_value(-1.5).run()
    no_exception(at)
    tr = engine(at.session_state["rnnviz_state"])
    np.testing.assert_array_equal(decode(trace_named(chart(at, "heatmap_h"), "h")["z"]), tr.h[1:].T)
    np.testing.assert_array_equal(decode(trace_named(chart(at, "heatmap_pre"), "a")["z"]), tr.pre.T)
    assert ":.4f" in trace_named(chart(at, "heatmap_h"), "h")["hovertemplate"]
    at.toggle(key="rnnviz_lesson_rounding").set_value(True).run()
    assert ":.3f" in trace_named(chart(at, "heatmap_h"), "h")["hovertemplate"]
    table = at.main.dataframe[-1]
    assert table.value.shape[0] == 3
    np.testing.assert_array_equal(table.value["h[1]"], tr.h[:, 0])  # the exact values, printed rounded:
    formats = {name: c["type_config"]["format"] for name, c in json.loads(table.proto.columns).items()}
    assert formats == {name: "%.3f" for name in table.value.columns}  # one number format per column


def test_phase_portrait_is_the_engine_trajectory():
    at = open_app("pages/phase.py")
    at.slider(key="rnnviz_h0_0").set_value(0.5).run()
    tr = engine(at.session_state["rnnviz_state"])
    spec = chart(at, "phase_portrait")
    path = trace_named(spec, "h_t")
    np.testing.assert_allclose(decode(path["x"]), tr.h[:, 0], rtol=0, atol=1e-15)
    np.testing.assert_allclose(decode(path["y"]), tr.h[:, 1], rtol=0, atol=1e-15)


# --------------------------------------------------------------------------- URL round trip and the step picker

def test_url_round_trip_and_slider_writes_the_url():
    at = open_app("pages/chain.py", RELU_K2_QUERY)
    state, _ = from_query(RELU_K2_QUERY)
    assert at.session_state["rnnviz_state"] == state
    assert dict(at.query_params) == to_query(state)
    at.slider(key="rnnviz_W_h_2_0").set_value(-0.35).run()
    no_exception(at)
    new = at.session_state["rnnviz_state"]
    assert new.params.W_h[2, 0] == -0.35
    assert new == state.replace(W_h=np.where(np.arange(9).reshape(3, 3) == 6, -0.35, state.params.W_h))
    assert dict(at.query_params) == to_query(new)
    assert at.query_params["Wh"].split(";")[2].startswith("-0.35,")
    # opening the written link in a new session gives the same state
    again = open_app("pages/heatmaps.py", dict(at.query_params))
    assert again.session_state["rnnviz_state"] == new


def test_switching_pages_keeps_the_state_even_when_the_url_is_dropped():
    at = open_app("pages/cell.py", RELU_K2_QUERY)
    at.slider(key="rnnviz_b_2").set_value(0.42).run()
    state = at.session_state["rnnviz_state"]
    sliders = {s.key: s.value for s in at.sidebar.slider}
    for page in SIM_PAGES[1:] + SIM_PAGES[:1]:
        at.query_params.clear()  # a page link without the query
        at.switch_page(page).run()
        no_exception(at)
        assert at.session_state["rnnviz_state"] == state, page
        assert {s.key: s.value for s in at.sidebar.slider} == sliders, page
        assert dict(at.query_params) == to_query(state), page


def test_a_new_link_in_the_same_session_replaces_the_state():
    at = open_app("pages/chain.py")
    at.query_params.clear()
    at.query_params.update(RELU_K2_QUERY)
    at.run()
    assert at.session_state["rnnviz_state"] == from_query(RELU_K2_QUERY)[0]


def test_prev_next_and_the_t_slider_write_t():
    query = middle_t_query()  # T = 12, t = 6
    at = open_app("pages/heatmaps.py", query)
    assert at.query_params["t"] == "6"
    at.button(key="rnnviz_next").click().run()
    assert at.session_state["rnnviz_state"].t == 7 and at.query_params["t"] == "7"
    assert at.slider(key="rnnviz_t").value == 7
    band = [s for s in chart(at, "heatmap_h")["layout"]["shapes"] if s.get("name") == "selected-step"]
    assert band and band[0]["x0"] == 6.5
    at.button(key="rnnviz_prev").click().run()
    at.button(key="rnnviz_prev").click().run()
    assert at.session_state["rnnviz_state"].t == 5 and at.query_params["t"] == "5"
    at.slider(key="rnnviz_t").set_value(12).run()
    assert at.query_params["t"] == "12"
    assert at.button(key="rnnviz_next").disabled and not at.button(key="rnnviz_prev").disabled
    at.slider(key="rnnviz_t").set_value(1).run()
    assert at.button(key="rnnviz_prev").disabled
    assert {k: v for k, v in at.query_params.items() if k != "t"} == {k: v for k, v in query.items() if k != "t"}


# --------------------------------------------------------------------------- presets and reset

def test_each_preset_and_reset():
    at = open_app("pages/chain.py")
    for name in presets.PRESETS:
        at.sidebar.selectbox(key="rnnviz_preset").select(name).run()
        no_exception(at)
        expected = presets.make_preset(name)
        assert at.session_state["rnnviz_state"] == expected, name
        assert dict(at.query_params) == to_query(expected), name
    # vanishing (n = 3, T = 12: 15 weights, 12 + 3 inputs: sliders): move a weight, then reset
    at.sidebar.slider(key="rnnviz_W_h_0_0").set_value(1.1).run()
    assert at.session_state["rnnviz_state"] != presets.make_preset("vanishing")
    at.sidebar.button(key="rnnviz_reset").click().run()
    no_exception(at)
    assert at.session_state["rnnviz_state"] == presets.make_preset("vanishing")
    assert at.sidebar.slider(key="rnnviz_W_h_0_0").value == presets.make_preset("vanishing").params.W_h[0, 0]


def test_reset_after_a_size_change_goes_back_to_the_preset():
    at = open_app()
    at.sidebar.number_input(key="rnnviz_size_n").set_value(4).run()
    at.sidebar.radio(key="rnnviz_act").set_value("relu").run()
    assert at.session_state["rnnviz_state"].n == 4
    at.sidebar.button(key="rnnviz_reset").click().run()
    assert at.session_state["rnnviz_state"] == default_state()
    assert at.sidebar.radio(key="rnnviz_act").value == "tanh"


# --------------------------------------------------------------------------- sizes, limits, pasted inputs

def test_many_entries_switch_sliders_to_data_editors():
    at = open_app()
    assert not at.sidebar.dataframe
    at.sidebar.number_input(key="rnnviz_size_n").set_value(5).run()  # 25 + 5 + 5 = 35 weights > 24
    no_exception(at)
    state = at.session_state["rnnviz_state"]
    assert state.n == 5
    keys = [s.key for s in at.sidebar.slider]
    assert not any(k.startswith(("rnnviz_W_h_", "rnnviz_W_x_", "rnnviz_b_")) for k in keys)
    assert len(at.sidebar.dataframe) >= 3  # W_h, W_x, b grids
    assert at.sidebar.button(key="rnnviz_knob_radius")  # whole-matrix knobs appear
    # the knobs act on the whole matrix
    at.sidebar.button(key="rnnviz_knob_identity").click().run()
    np.testing.assert_array_equal(at.session_state["rnnviz_state"].params.W_h, np.eye(5))
    at.sidebar.number_input(key="rnnviz_knob_rho").set_value(0.5).run()
    at.sidebar.button(key="rnnviz_knob_radius").click().run()
    np.testing.assert_allclose(at.session_state["rnnviz_state"].params.W_h, 0.5 * np.eye(5))
    assert dict(at.query_params) == to_query(at.session_state["rnnviz_state"])


def test_server_side_limit_on_n():
    at = open_app("pages/heatmaps.py", {"n": "1000"})
    no_exception(at)
    expected, warnings = from_query({"n": "1000"})
    assert at.session_state["rnnviz_state"] == expected and expected.n == 64
    assert any("n: 1000 is more than the limit of 64" in w for w in warnings_shown(at))
    assert warnings_shown(at) == warnings


def test_server_side_limit_on_the_length_through_x():
    x = ";".join(["1"] * 600)
    at = open_app("pages/chain.py", {"x": x})
    no_exception(at)
    state = at.session_state["rnnviz_state"]
    assert state.T == 500
    assert any(w.startswith("x:") and "500" in w for w in warnings_shown(at))
    assert at.query_params["x"].count(";") == 499


def test_server_side_limit_on_T_in_the_url():
    """T is a size like n: ?T=100000 must be clipped to 500 with a warning (it is ignored today)."""
    at = open_app("pages/heatmaps.py", {"n": "64", "T": "100000"})
    no_exception(at)
    state = at.session_state["rnnviz_state"]
    assert any(w.startswith("T:") and "500" in w for w in warnings_shown(at)), warnings_shown(at)
    assert (state.n, state.T) == (64, 500)


def test_forged_widget_values_past_the_limits_never_reach_the_state():
    """A client that sends out-of-range widget values (AppTest does not enforce min/max): no exception, and
    the state stays inside LIMITS (Streamlit refuses the value; validate_state would clip it anyway)."""
    at = open_app("pages/heatmaps.py")
    for key, value in [("rnnviz_size_T", 100_000), ("rnnviz_size_n", 1000), ("rnnviz_size_n", -5),
                       ("rnnviz_size_d", 10**9), ("rnnviz_size_k", -1)]:
        at.sidebar.number_input(key=key).set_value(value).run()
        no_exception(at)
        state = at.session_state["rnnviz_state"]
        assert 1 <= state.T <= LIMITS.T and 1 <= state.n <= LIMITS.n, key
        assert 1 <= state.d <= LIMITS.d and 0 <= state.k <= LIMITS.k, key
    at.sidebar.button(key="rnnviz_reset").click().run()
    at.sidebar.slider(key="rnnviz_W_h_0_0").set_value(1e9).run()
    no_exception(at)
    assert abs(at.session_state["rnnviz_state"].params.W_h[0, 0]) <= 3


def test_pasted_inputs_and_a_bad_paste():
    at = open_app("pages/chain.py")
    at.sidebar.text_area(key="rnnviz_paste").input("0.5\n-0.25\n1\n2").run()
    no_exception(at)
    state = at.session_state["rnnviz_state"]
    np.testing.assert_array_equal(state.x, [[0.5], [-0.25], [1.0], [2.0]])
    assert at.query_params["x"] == "0.5;-0.25;1;2"
    for s, h in chain_h(chart(at, "chain_figure")).items():
        np.testing.assert_array_equal(h, engine(state).h[s])
    at.sidebar.text_area(key="rnnviz_paste").input("1\nbanana\n3").run()
    no_exception(at)
    assert at.session_state["rnnviz_state"] == state
    assert any(w.startswith("x:") and "not a number" in w for w in warnings_shown(at))
    at.sidebar.text_area(key="rnnviz_paste").input("\n".join(["1"] * 501)).run()
    no_exception(at)
    assert at.session_state["rnnviz_state"] == state
    assert any("more than the limit of 500" in w for w in warnings_shown(at))


def test_generated_inputs_and_the_input_seed():
    at = open_app("pages/heatmaps.py")
    # changing the seed before any kind is chosen must not raise
    at.sidebar.number_input(key="rnnviz_input_seed").set_value(3).run()
    no_exception(at)
    assert at.session_state["rnnviz_state"] == default_state()
    at.sidebar.selectbox(key="rnnviz_input_kind").select("random").run()
    no_exception(at)
    state = at.session_state["rnnviz_state"]
    np.testing.assert_array_equal(state.x, presets.make_inputs("random", 2, 1, seed=3))
