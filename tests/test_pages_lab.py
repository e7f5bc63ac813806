"""AppTest runs of the vanishing / exploding lab."""

import numpy as np
import pytest
from apptest_utils import chart, charts, decode, open_app

from rnnviz import presets
from rnnviz.analysis import jacobian_norms, spectral_radius
from rnnviz.engine import forward


@pytest.fixture
def lab():
    at = open_app("pages/lab.py")
    assert not at.exception
    return at


def expected_curve(state, W_h, T=40):
    """The lab's default chain for the lesson network (T = 2 < 10): around h = 0 (x = 0, b = 0), T = 40."""
    params = state.params.replace(W_h=W_h, b=np.zeros(state.n), activation="tanh")
    trace = forward(params, np.zeros((T, state.d)), np.zeros(state.n))
    assert not trace.h.any()
    return jacobian_norms(params, trace)


def test_lab_runs_with_the_network_sidebar_and_all_charts(lab):
    at = lab
    assert at.sidebar.selectbox(key="rnnviz_preset").value == "lesson"
    keys = list(charts(at))
    for key in ("jac", "eig", "rescaled", "eig_rescaled", "tanh", "relu", "clip"):
        assert f"lab_fig_{key}" in keys
    state = at.session_state["rnnviz_state"]
    jac = chart(at, "lab_fig_jac")
    curve = expected_curve(state, state.params.W_h)
    np.testing.assert_allclose(decode(jac["data"][0]["y"]), curve[::-1])
    assert jac["layout"]["yaxis"]["type"] == "log"
    # the clipping demo: without clipping this run diverges, with clipping it trains
    # ... and that is the demo's point: an explained st.info, not a red error box of trainer advice (issue 13)
    assert not at.error
    assert any(i.value.startswith("**no clipping: the run blew up") and "as this demo expects" in i.value
               for i in at.info)
    assert any("clip = 1" in s.value for s in at.success)


def test_spectral_radius_slider_changes_the_plotted_curve(lab):
    at = lab
    state = at.session_state["rnnviz_state"]
    at.slider(key="lab_rho").set_value(0.5).run()
    low = decode(chart(at, "lab_fig_rescaled")["data"][1]["y"])
    at.slider(key="lab_rho").set_value(2.5).run()
    assert not at.exception
    high = decode(chart(at, "lab_fig_rescaled")["data"][1]["y"])
    assert not np.allclose(low, high, equal_nan=True)
    scaled, _ = presets.scale_to_spectral_radius(state.params.W_h, 2.5)
    np.testing.assert_allclose(high, expected_curve(state, scaled)[::-1])
    # the current network's curve (trace 0) did not move
    np.testing.assert_allclose(decode(chart(at, "lab_fig_rescaled")["data"][0]["y"]),
                               expected_curve(state, state.params.W_h)[::-1])
    # decay at rho = 0.5 turns into growth at rho = 2.5, 10 steps back
    assert low[10] < 1e-2 and high[10] > 1e2


def test_apply_writes_the_rescaled_W_h_into_the_network(lab):
    at = lab
    before = at.session_state["rnnviz_state"].params.W_h
    at.slider(key="lab_rho").set_value(1.3).run()
    at.button(key="lab_apply").click().run()
    assert not at.exception
    after = at.session_state["rnnviz_state"].params.W_h
    assert spectral_radius(after) == pytest.approx(1.3, rel=1e-12)
    np.testing.assert_allclose(after, before * 1.3 / spectral_radius(before))
    # the page now plots the applied network as "current"
    assert "1.3000" in chart(at, "lab_fig_jac")["data"][0]["name"]


def test_tanh_and_relu_curves_use_the_same_weights(lab):
    at = lab
    state = at.session_state["rnnviz_state"]
    x = presets.make_inputs("random", 40, state.d, seed=0)
    for activation in ("tanh", "relu"):
        p = state.params.replace(activation=activation)
        y = decode(chart(at, f"lab_fig_{activation}")["data"][0]["y"])
        expected = jacobian_norms(p, forward(p, x, state.h0))[::-1]
        np.testing.assert_allclose(y, np.where(expected > 0, expected, np.nan))


def test_network_inputs_choice_uses_the_sidebar_sequence(lab):
    at = lab
    at.selectbox(key="lab_inputs").select("network").run()
    assert not at.exception
    state = at.session_state["rnnviz_state"]
    y = decode(chart(at, "lab_fig_jac")["data"][0]["y"])
    assert len(y) == state.T + 1
