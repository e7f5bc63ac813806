"""Stacked layers on the pages: rnnviz.stacking, the per-layer helpers of rnnviz.training, and AppTest runs
of the heatmaps, chain and training pages with 2 and 3 layers."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from apptest_utils import RELU_K2_QUERY, chart, charts, decode, open_app, trace_named  # noqa: E402

from rnnviz import figures, stacking  # noqa: E402
from rnnviz.engine import RNNParams, backward, forward  # noqa: E402
from rnnviz.losses import loss_and_grad  # noqa: E402
from rnnviz.query import from_query  # noqa: E402
from rnnviz.state import default_state  # noqa: E402
from rnnviz.training import (  # noqa: E402
    Trainer,
    TrainingSession,
    advance,
    backward_sweep,
    backward_sweep_layer,
    gradient_check,
    gradient_check_layer,
    layer_grads,
    layer_list,
    layer_radii,
    loss_grads,
)

RELU_K2 = from_query(RELU_K2_QUERY)[0]


# --------------------------------------------------------------------------- rnnviz.stacking

@pytest.mark.parametrize("state", [default_state(), RELU_K2], ids=["lesson", "relu_k2"])
def test_one_layer_is_exactly_the_simulator_trace(state):
    stack, traces = stacking.stacked_traces(state, 1)
    assert stack == [state.params] and len(traces) == 1
    ref = forward(state.params, state.x, state.h0)
    np.testing.assert_array_equal(traces[0].h, ref.h)
    np.testing.assert_array_equal(traces[0].pre, ref.pre)
    if ref.y is not None:
        np.testing.assert_array_equal(stacking.io_trace(traces).y, ref.y)
    table = figures.stacked_step_table(stack, traces)
    assert table.equals(figures.step_table(state.params, ref))


@pytest.mark.parametrize("L", [2, 3])
def test_stacked_traces_are_the_bridge_stack_run_layer_by_layer(L):
    state = RELU_K2
    stack, traces = stacking.stacked_traces(state, L)
    assert stack == stacking.stacked_layers(state, L) and len(traces) == L
    inputs, h0 = state.x, stacking.stacked_h0(state, L)
    np.testing.assert_array_equal(h0[0], state.h0)
    assert not h0[1:].any()
    for layer, (p, tr) in enumerate(zip(stack, traces, strict=True)):
        ref = forward(p, inputs, h0[layer])  # layer l reads layer l-1's h_1..h_T
        np.testing.assert_array_equal(tr.h, ref.h)
        np.testing.assert_array_equal(tr.pre, ref.pre)
        inputs = ref.h[1:]
    assert stack[0].W_y is None and traces[0].y is None  # the output layer moved to the top
    np.testing.assert_allclose(traces[-1].y, traces[-1].h[1:] @ RELU_K2.params.W_y.T + RELU_K2.params.b_y,
                               rtol=1e-14)
    outside = stacking.io_trace(traces)
    np.testing.assert_array_equal(outside.x, state.x)
    np.testing.assert_array_equal(outside.y, traces[-1].y)
    assert stacking.all_finite(traces)


def test_stacked_step_table_has_every_layer_and_the_top_outputs():
    stack, traces = stacking.stacked_traces(RELU_K2, 3)
    table = figures.stacked_step_table(stack, traces)
    assert list(table.columns[:1]) == ["x[1]"] and list(table.columns[-2:]) == ["y[1]", "y[2]"]
    for layer, tr in enumerate(traces, start=1):
        sup = "⁽¹⁾⁽²⁾⁽³⁾"[3 * (layer - 1):3 * layer]
        np.testing.assert_array_equal(table[[f"h{sup}[{i + 1}]" for i in range(3)]].to_numpy(), tr.h)
        np.testing.assert_array_equal(table[[f"a{sup}[{i + 1}]" for i in range(3)]].to_numpy()[1:], tr.pre)
    np.testing.assert_array_equal(table[["y[1]", "y[2]"]].to_numpy()[1:], traces[-1].y)
    assert len(table.columns) == 1 + 3 * 6 + 2
    assert figures.stacked_step_table(stack, traces, decimals=3).equals(table.round(3))


def test_symbols_notes_and_titles():
    assert stacking.symbol("h", 1, 1) == "h" and stacking.symbol("h", 2, 3) == "h⁽²⁾"
    assert stacking.seed_note(RELU_K2, 1).startswith("One layer")
    note = stacking.seed_note(RELU_K2, 3)
    assert "Layers 2–3" in note and f"[{stacking.STACK_SEED}, l − 1]" in note and "h_0 = 0" in note
    assert "layer 3" in note and "W_y" in note  # the output layer's place
    assert "W_y" not in stacking.seed_note(default_state(), 2)  # k = 0
    assert figures.chain_title(1, 1, "T") == "T" and figures.chain_title(2, 3, "T").startswith("Layer 2 of 3")


def test_chain_figures_top_layer_first_each_with_its_own_trace():
    stack, traces = stacking.stacked_traces(RELU_K2, 3)
    figs = figures.chain_figures(stack, traces, t=2)
    assert [layer for layer, _ in figs] == [3, 2, 1]
    for layer, fig in figs:
        ref = figures.chain_figure(stack[layer - 1], traces[layer - 1], 2)
        assert fig.layout.title.text == figures.chain_title(layer, 3, ref.layout.title.text)
        np.testing.assert_array_equal(np.asarray(fig.data[1].z, float), np.asarray(ref.data[1].z, float))
        assert any(tr.name == "y_t" for tr in fig.data) == (layer == 3)
    (only, fig), = figures.chain_figures([RELU_K2.params], [forward(RELU_K2.params, RELU_K2.x, RELU_K2.h0)], 2)
    assert only == 1 and "Layer" not in fig.layout.title.text


def test_overflow_is_a_plain_message(monkeypatch):
    def relu_state(T):
        return RELU_K2.replace(params=RELU_K2.params.replace(W_h=np.eye(3) * 400.0), x=np.full((T, 1), 5.0),
                               h0=np.zeros(3), t=1)

    _, traces = stacking.stacked_traces(relu_state(60), 3)  # huge but finite
    assert stacking.all_finite(traces)
    with pytest.raises(OverflowError) as exc:  # layer 1 itself overflows
        stacking.stacked_traces(relu_state(200), 3)
    assert str(exc.value) == stacking.OVERFLOW
    # layer 1 finite, layer 2 overflows, so layer 3 would be handed infinite inputs
    real = stacking.stacked_layers

    def exploding(state, layers):
        stack = real(state, layers)
        return [stack[0], stack[1].replace(W_h=np.eye(3) * 1e200), *stack[2:]]

    monkeypatch.setattr(stacking, "stacked_layers", exploding)
    with pytest.raises(OverflowError):
        stacking.stacked_traces(RELU_K2.replace(x=np.full((10, 1), 5.0), t=1), 3)
    with pytest.raises(OverflowError):
        stacking.stacked_traces(RELU_K2.replace(x=np.full((10, 1), 5.0), t=1), 2)


# --------------------------------------------------------------------------- rnnviz.training per-layer helpers

def stacked_trainer(L=3, task="echo", **kw):
    return Trainer(task, hidden=5, layers=L, seed=3, task_options=dict(B=4, T=9) if task == "echo" else None, **kw)


def test_layer_accessors():
    tr = stacked_trainer(3)
    snap = tr.step(1)[0]
    assert layer_list(tr.params) == tr.params and layer_list(tr.params[0]) == [tr.params[0]]
    for i in range(3):
        g = layer_grads(snap.grads, i, 3)
        assert set(g) == ({"W_x", "W_h", "b", "W_y", "b_y"} if i == 2 else {"W_x", "W_h", "b"})
        np.testing.assert_array_equal(g["W_h"], snap.grads[f"layer{i}.W_h"])
    single = Trainer("echo", hidden=4, seed=0, task_options=dict(B=2, T=5)).step(1)[0]
    assert layer_grads(single.grads, 0, 1) == single.grads
    with pytest.raises(ValueError, match="layer"):
        layer_grads(snap.grads, 3, 3)
    radii = layer_radii(tr.params)
    assert len(radii) == 3 and max(radii) == pytest.approx(snap.spectral_radius)
    assert radii[1] == pytest.approx(np.abs(np.linalg.eigvals(tr.params[1].W_h)).max())


def test_session_records_every_layers_radius_and_reset_clears_it():
    session = TrainingSession.build(dict(task="sine", hidden=6, layers=2, seed=1))
    advance(session, 4)
    radii = session.radius_history()
    assert radii.shape == (4, 2)
    np.testing.assert_allclose(radii.max(axis=1), session.trainer.history["spectral_radius"], rtol=0, atol=0)
    np.testing.assert_array_equal(radii[-1], layer_radii(session.trainer.params))
    session.reset()
    assert session.radius_history().shape == (0, 2)
    one = TrainingSession.build(dict(task="sine", hidden=6, seed=1))
    advance(one, 3)
    np.testing.assert_array_equal(one.radius_history()[:, 0], one.trainer.history["spectral_radius"])
    assert one.radii == [] and one.radius_history().shape == (3, 1)  # one layer: nothing extra computed


@pytest.mark.parametrize("task", ["echo", "parity"])
@pytest.mark.parametrize("layer", [0, 1, 2])
def test_gradient_check_layer_agrees_for_every_layer(task, layer):
    tr = stacked_trainer(3, task)
    tr.step(2)
    t = tr.task
    results = gradient_check_layer(tr.params, layer, t.x_test, t.y_test, t.loss, mask=t.mask_test)
    names = {name for name, *_ in results}
    assert names == ({"W_x", "W_h", "b", "W_y", "b_y"} if layer == 2 else {"W_x", "W_h", "b"})
    assert len(results) >= 5
    for name, index, bptt, numeric, rel in results:
        assert rel < 1e-6, (name, index, bptt, numeric)
    # the BPTT numbers are the engine's gradients of the stack for that layer
    _, _, grads, _ = loss_grads(tr.params, t.x_test[None], t.y_test[None], t.loss,
                                None if t.mask_test is None else t.mask_test[None])
    for name, index, bptt, *_ in results:
        assert bptt == pytest.approx(grads[f"layer{layer}.{name}"][index], rel=1e-12, abs=1e-15)


def test_gradient_check_layer_on_one_layer_is_gradient_check():
    tr = Trainer("echo", hidden=4, seed=0, task_options=dict(B=2, T=6))
    t = tr.task
    assert gradient_check_layer(tr.params, 0, t.x_test, t.y_test, t.loss) == \
        gradient_check(tr.params, t.x_test, t.y_test, t.loss)
    with pytest.raises(ValueError, match="layer"):
        gradient_check_layer(tr.params, 1, t.x_test, t.y_test, t.loss)
    with pytest.raises(ValueError, match="unknown parameter"):
        gradient_check_layer(stacked_trainer(2).params, 0, t.x_test, t.y_test, t.loss, entries=[("W_y", (0, 0))])


@pytest.mark.parametrize("layer", [0, 1, 2])
def test_backward_sweep_layer_is_the_engines_backward_for_that_layer(layer):
    tr = stacked_trainer(3)
    tr.step(3)
    t = tr.task
    frames = backward_sweep_layer(tr.params, layer, t.x_test, t.y_test, t.loss, t.mask_test)
    traces = forward(tr.params, t.x_test)
    _, dy = loss_and_grad(t.loss, traces[-1].y, t.y_test, t.mask_test)
    grads = backward(tr.params, traces, dy=dy)
    T = t.x_test.shape[0]
    assert [f.t for f in frames] == list(range(T, -1, -1))
    p = tr.params[layer]
    above = dy @ p.W_y if layer == 2 else grads[layer + 1].x
    for f in frames:
        np.testing.assert_array_equal(f.dh, grads[layer].dh[f.t])
        np.testing.assert_allclose(f.from_output + f.from_future, f.dh, rtol=1e-12, atol=1e-14)
        if f.t:
            np.testing.assert_array_equal(f.from_output, above[f.t - 1])
            slope = 1 - traces[layer].h[f.t] ** 2
            np.testing.assert_allclose(f.carry, p.W_h.T * slope[None, :], rtol=1e-14)
        else:
            assert f.carry is None and not f.from_output.any()


def test_backward_sweep_layer_on_one_layer_is_backward_sweep():
    tr = Trainer("echo", hidden=4, seed=0, task_options=dict(B=2, T=6))
    t = tr.task
    a = backward_sweep_layer(tr.params, 0, t.x_test, t.y_test, t.loss)
    b = backward_sweep(tr.params, t.x_test, t.y_test, t.loss)
    for f, g in zip(a, b, strict=True):
        assert np.array_equal(f.dh, g.dh) and np.array_equal(f.from_future, g.from_future)
    # and the top layer of a stack follows the single-layer formula too
    stack = stacked_trainer(2).params
    top = backward_sweep_layer(stack, 1, t.x_test, t.y_test, t.loss)
    assert isinstance(stack[1], RNNParams) and len(top) == t.x_test.shape[0] + 1


# --------------------------------------------------------------------------- AppTest: simulator pages

@pytest.mark.parametrize("page", ["pages/heatmaps.py", "pages/chain.py"])
def test_one_layer_pages_are_unchanged(page):
    at = open_app(page)
    assert not at.exception
    assert at.number_input(key="sim_layers").value == 1
    assert set(charts(at)) == ({"chain_figure"} if page.endswith("chain.py") else
                               {"heatmap_pre", "heatmap_h", "sequence"})


@pytest.mark.parametrize("L", [2, 3])
def test_heatmaps_show_every_layer_with_the_engines_numbers(L):
    at = open_app("pages/heatmaps.py", RELU_K2_QUERY)
    at.number_input(key="sim_layers").set_value(L).run()
    assert not at.exception and not at.error
    state = at.session_state["rnnviz_state"]
    stack, traces = stacking.stacked_traces(state, L)
    found = charts(at)
    for layer, tr in enumerate(traces, start=1):
        suffix = "" if layer == 1 else f"_l{layer}"
        h = trace_named(found[f"heatmap_h{suffix}"], stacking.symbol("h", layer, L))
        np.testing.assert_array_equal(decode(h["z"]), tr.h[1:].T)
        a = trace_named(found[f"heatmap_pre{suffix}"], stacking.symbol("a", layer, L))
        np.testing.assert_array_equal(decode(a["z"]), tr.pre.T)
    assert set(found) == {"sequence"} | {f"heatmap_{k}{'' if l == 1 else f'_l{l}'}" for k in ("pre", "h")
                                         for l in range(1, L + 1)}
    y = [tr for tr in found["sequence"]["data"] if tr.get("name", "").startswith("y")]
    np.testing.assert_array_equal(decode(y[0]["y"]), traces[-1].y[:, 0])
    assert any("seeded" in c.value and "[7, l − 1]" in c.value for c in at.caption)
    table = next(d.value for d in at.dataframe)
    assert "h⁽²⁾[1]" in table.columns


@pytest.mark.parametrize("L", [2, 3])
def test_chain_shows_one_chain_per_layer(L):
    at = open_app("pages/chain.py", RELU_K2_QUERY)
    at.number_input(key="sim_layers").set_value(L).run()
    assert not at.exception and not at.error
    state = at.session_state["rnnviz_state"]
    stack, traces = stacking.stacked_traces(state, L)
    found = charts(at)
    assert set(found) == {"chain_figure"} | {f"chain_figure_l{l}" for l in range(2, L + 1)}
    for layer in range(1, L + 1):
        spec = found["chain_figure" if layer == 1 else f"chain_figure_l{layer}"]
        ref = figures.chain_figure(stack[layer - 1], traces[layer - 1], state.t)
        z = decode(spec["data"][1]["z"])
        np.testing.assert_array_equal(z, np.array(ref.data[1].z, dtype=float))
        assert spec["layout"]["title"]["text"].startswith(f"Layer {layer} of {L}")
    # back to one layer: the page is as before
    at.number_input(key="sim_layers").set_value(1).run()
    assert set(charts(at)) == {"chain_figure"}


def test_the_layer_count_survives_a_page_switch_and_the_step_picker_still_works():
    at = open_app("pages/chain.py", RELU_K2_QUERY)
    at.number_input(key="sim_layers").set_value(3).run()
    at.switch_page("pages/heatmaps.py").run()
    assert at.number_input(key="sim_layers").value == 3 and "heatmap_h_l3" in charts(at)
    at.slider(key="rnnviz_t").set_value(2).run()
    assert not at.exception
    band = [s for s in chart(at, "heatmap_h_l3")["layout"]["shapes"] if s.get("name") == "selected-step"]
    assert band and band[0]["x0"] == pytest.approx(1.5)
