"""rnnviz.live_state: payloads and bindings of the live (drag-following) views.

The key property: the settled figure of a network W, with its bindings applied to the forward pass at a
changed network W', equals (in every bound attribute) the figure ``rnnviz.figures`` builds at W'.
That is what the browser shows mid-drag, so a binding pointing at the wrong trace or slice fails here.
"""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz import figures, live_state
from rnnviz.analysis import pca_projection, ripple
from rnnviz.engine import RNNParams, forward
from rnnviz.figures import chain
from rnnviz.presets import make_preset


def _changed(state, name="W_h", index=(0, 0), delta=0.37):
    net = live_state.network_payload([state.params], state.x, [state.h0])
    target = live_state.entry_target(name, index)
    old = np.array(net["layers"][0][name]) if name not in ("x", "h0") else None
    value = (float(old[index]) if old is not None else 0.0) + delta
    changed = live_state.with_entry(net, target, value)
    return net, changed


def _params(net):
    return RNNParams(**net["layers"][0])


def _assert_bound_equal(settled_fig, bindings, changed_net, expected_fig):
    traces = live_state.forward_payload(changed_net)
    patched = live_state.apply_bindings(settled_fig.to_plotly_json(), bindings, traces, changed_net)
    for b in bindings:
        got = patched["data"][b["trace"]][b["attr"]]
        want = expected_fig.data[b["trace"]][b["attr"]]
        if b["attr"] == "text":
            assert np.array_equal(np.asarray(got, dtype=object), np.asarray(want, dtype=object)), b
        else:
            g = np.array(got, dtype=np.float64)
            w = np.array([np.nan if v is None else v for v in np.ravel(want)], dtype=np.float64).reshape(np.shape(g))
            np.testing.assert_allclose(g, w, rtol=0, atol=1e-12, err_msg=str(b))
    return patched


def test_network_payload_round_trips_through_the_engine():
    s = make_preset("saturating", n=4, d=2, k=2, T=9)
    net = live_state.network_payload([s.params], s.x, [s.h0])
    [tr] = live_state.forward_payload(net)
    ref = forward(s.params, s.x, s.h0)
    assert np.array_equal(tr.h, ref.h) and np.array_equal(tr.y, ref.y)


@pytest.mark.parametrize("name,index", [("W_h", (1, 0)), ("W_x", (0, 0)), ("b", (1,)), ("x", (1, 0)), ("h0", (0,))])
def test_with_entry_changes_exactly_one_number(name, index):
    s = make_preset("lesson")
    net, changed = _changed(s, name, index)
    before = live_state.forward_payload(net)[0].h
    after = live_state.forward_payload(changed)[0].h
    assert not np.array_equal(before, after)
    flat_old = np.concatenate([np.ravel(net["layers"][0][k]) for k in ("W_x", "W_h", "b")] +
                              [np.ravel(net["x"]), np.ravel(net["h0s"][0])])
    flat_new = np.concatenate([np.ravel(changed["layers"][0][k]) for k in ("W_x", "W_h", "b")] +
                              [np.ravel(changed["x"]), np.ravel(changed["h0s"][0])])
    assert np.sum(flat_old != flat_new) == 1


def test_entry_target_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown entry"):
        live_state.entry_target("W_q", (0, 0))


@pytest.mark.parametrize("preset,t", [("lesson", 2), ("saturating", 5), ("exploding", 12)])
def test_tanh_curve_bindings_follow_the_figure(preset, t):
    s = make_preset(preset)
    net, changed = _changed(s)
    settled = figures.tanh_curve_figure(forward(s.params, s.x, s.h0), t, decimals=4)
    expected = figures.tanh_curve_figure(forward(_params(changed), s.x, s.h0), t, decimals=4)
    bindings = live_state.tanh_curve_bindings(t, s.n, s.activation, 4)
    _assert_bound_equal(settled, bindings, changed, expected)


@pytest.mark.parametrize("kind", ["pre", "h"])
def test_heatmap_bindings_follow_the_figure(kind):
    s = make_preset("saturating", n=5, T=14)
    net, changed = _changed(s, "W_x", (2, 0))
    tr, tr2 = forward(s.params, s.x, s.h0), forward(_params(changed), s.x, s.h0)
    values = (lambda t: t.pre) if kind == "pre" else (lambda t: t.h[1:])
    settled = figures.heatmap_figure(values(tr), "a", kind, t=3)
    expected = figures.heatmap_figure(values(tr2), "a", kind, t=3)
    _assert_bound_equal(settled, live_state.heatmap_bindings(kind, 0, s.T), changed, expected)


def test_sequence_bindings_follow_the_outputs():
    s = make_preset("lesson", n=3, d=2, k=2, T=6)
    net, changed = _changed(s, "b", (1,))
    settled = figures.sequence_figure(forward(s.params, s.x, s.h0), t=2)
    expected = figures.sequence_figure(forward(_params(changed), s.x, s.h0), t=2)
    _assert_bound_equal(settled, live_state.sequence_bindings(s.d, s.k, s.T, 0), changed, expected)


@pytest.mark.parametrize("T,t", [(2, 1), (12, 7), (45, 30)])
def test_chain_bindings_follow_the_boxes(T, t):
    s = make_preset("vanishing", n=3, T=T)
    net, changed = _changed(s, "h0", (1,), delta=0.8)
    h0_new = np.array(changed["h0s"][0])
    settled = figures.chain_figure(s.params, forward(s.params, s.x, s.h0), t)
    expected = figures.chain_figure(s.params, forward(s.params, s.x, h0_new), t)
    lo, hi = chain.chain_window(T, t, chain.MAX_CELLS)
    _assert_bound_equal(settled, live_state.chain_bindings(s.n, lo, hi, 4), changed, expected)


@pytest.mark.parametrize("n", [1, 2])
def test_phase_bindings_follow_the_trajectory(n):
    s = make_preset("lesson", n=n, T=8)
    net, changed = _changed(s, "W_h", (0, 0))
    proj = pca_projection(forward(s.params, s.x, s.h0).h)
    proj2 = pca_projection(forward(_params(changed), s.x, s.h0).h)
    settled = figures.phase_portrait_figure(proj.coords, proj.labels, 3)
    expected = figures.phase_portrait_figure(proj2.coords, proj2.labels, 3)
    bindings = live_state.phase_bindings(3, s.T, proj.mean, proj.components)
    _assert_bound_equal(settled, bindings, changed, expected)


def test_phase_bindings_keep_the_settled_projection_for_pca():
    """n > 2: during a drag the states are projected on the settled PCA axes (re-fit on release)."""
    s = make_preset("vanishing", n=4, T=8)
    net, changed = _changed(s, "W_x", (0, 0))
    proj = pca_projection(forward(s.params, s.x, s.h0).h)
    bindings = live_state.phase_bindings(3, s.T, proj.mean, proj.components)
    traces = live_state.forward_payload(changed)
    xs = live_state.select(bindings[0], traces, changed)
    np.testing.assert_allclose(xs, (traces[0].h - proj.mean) @ proj.components[0], atol=1e-12)


def test_ripple_bindings_follow_the_rerun_line():
    s = make_preset("vanishing", n=3, T=10)
    net, changed = _changed(s, "W_h", (1, 1))
    p2 = _params(changed)
    r1 = ripple(s.params, s.x, s.h0, 4, eps=1e-2)
    r2 = ripple(p2, s.x, s.h0, 4, eps=1e-2)
    settled = figures.ripple_figure(r1.delta, 4, 1e-2, linearised=r1.linearised)
    expected = figures.ripple_figure(r2.delta, 4, 1e-2, linearised=r2.linearised)
    _assert_bound_equal(settled, live_state.ripple_bindings(4, s.T, 1e-2, s.d), changed, expected)


def test_vector_span_formats_like_the_pages():
    s = make_preset("lesson")
    net = live_state.network_payload([s.params], s.x, [s.h0])
    b = live_state.binding("h2", "text", "h", (2, 3), "vector", fmt_spec={"decimals": 4})
    assert live_state.select(b, live_state.forward_payload(net), net) == "[-0.0888, 0.3888]"
    assert live_state.fmt(-0.00001, 4) == "0.0000"


def test_live_budget():
    assert live_state.live_enabled(16, 100)
    assert not live_state.live_enabled(17, 10) and not live_state.live_enabled(4, 101)
    assert "released" in live_state.release_note()


def test_ripple_bindings_nudge_one_input():
    s = make_preset("lesson", n=3, d=3, T=7)
    net, changed = _changed(s, "W_x", (1, 2))
    p2 = _params(changed)
    r1, r2 = ripple(s.params, s.x, s.h0, 2, eps=1e-3, unit=3), ripple(p2, s.x, s.h0, 2, eps=1e-3, unit=3)
    settled = figures.ripple_figure(r1.delta, 2, 1e-3, linearised=r1.linearised)
    expected = figures.ripple_figure(r2.delta, 2, 1e-3, linearised=r2.linearised)
    _assert_bound_equal(settled, live_state.ripple_bindings(2, s.T, 1e-3, s.d, unit=3), changed, expected)


def test_stacked_output_entries_edit_the_top_layer():
    s = make_preset("lesson", n=2, k=2, T=3)
    from rnnviz import stacking
    stack, _ = stacking.stacked_traces(s, 2)
    net = live_state.network_payload(stack, s.x, [s.h0, np.zeros(2)])
    changed = live_state.with_entry(net, live_state.entry_target("W_y", (1, 0)), 0.25)
    assert changed["layers"][1]["W_y"][1][0] == 0.25 and changed["layers"][0]["W_y"] is None


def test_lab_patches_equal_the_lab_figures_at_that_rho():
    from rnnviz.analysis import eigenvalues, jacobian_norms
    from rnnviz.figures import lab as ft
    from rnnviz.presets import scale_to_spectral_radius

    s = make_preset("vanishing", n=3, T=12)
    p = s.params
    norms = jacobian_norms(p, forward(p, s.x, s.h0))
    lam = eigenvalues(p.W_h)
    curves_at = {}
    for rho in (1.5, 2.35):
        W, _ = scale_to_spectral_radius(p.W_h, rho)
        q = p.replace(W_h=W)
        curves_at[rho] = (jacobian_norms(q, forward(q, s.x, s.h0)), eigenvalues(W))
    settled_jac = ft.jacobian_figure([("current", norms), ("W_h rescaled (ρ = 1.50)", curves_at[1.5][0])])
    settled_eig = ft.eigenvalue_figure([("current W_h", lam), ("rescaled", curves_at[1.5][1])])
    want_jac = ft.jacobian_figure([("current", norms), ("W_h rescaled (ρ = 2.35)", curves_at[2.35][0])])
    want_eig = ft.eigenvalue_figure([("current W_h", lam), ("rescaled", curves_at[2.35][1])])
    jac = live_state.apply_patch(settled_jac.to_plotly_json(),
                                 live_state.jacobian_patch(1, "W_h rescaled (ρ = 2.35)", curves_at[2.35][0]))
    eig = live_state.apply_patch(settled_eig.to_plotly_json(),
                                 live_state.eigenvalue_patch(2, "rescaled", curves_at[2.35][1], others=[lam]))
    pairs = ((jac["data"][1], want_jac.data[1], ("y",)), (eig["data"][2], want_eig.data[2], ("x", "y")))
    for got, want, attrs in pairs:
        for attr in attrs:
            w = np.array(want[attr], dtype=np.float64)
            g = np.array([np.nan if v is None else v for v in got[attr]], dtype=np.float64)
            np.testing.assert_allclose(g, w, rtol=0, atol=0)
    assert jac["data"][1]["name"] == want_jac.data[1].name
    assert jac["data"][1]["hovertemplate"] == want_jac.data[1].hovertemplate
    assert list(eig["data"][2]["text"]) == list(want_eig.data[2].text)
    assert eig["layout"]["xaxis"]["range"] == list(want_eig.layout.xaxis.range)


def test_slider_positions_and_frames_keys():
    positions = live_state.slider_positions(0.05, 3.0, 0.05)
    assert len(positions) == 60 and positions[0] == 0.05 and positions[-1] == 3.0 and 1.5 in positions
    payload = live_state.frames_payload("lab_rho", 2, {0.05: [], 1.5: []})
    assert set(payload["patches"]) == {"0.05", "1.50"}


def test_bridge_labels_are_the_sidebar_slider_labels():
    """The drag bridge finds Streamlit's sliders by label: the same strings as rnnviz.ui.sidebar."""
    from rnnviz.ui import sidebar

    s = make_preset("lesson", n=3, d=2, k=2, T=4)
    entries = live_state.bridge_entries(s.params, s.x, s.h0)
    assert len(entries) == s.params.num_params + s.x.size + s.h0.size
    for label, (name, index, value) in entries.items():
        assert sidebar._entry_label(name, index) == label
        assert value == float({**s.params.arrays(), "x": s.x, "h0": s.h0}[name][index])
