"""Figure builders of the training page and the lab, fed with real Trainer snapshots."""

import numpy as np
import plotly.graph_objects as go
import pytest

from rnnviz.analysis import eigenvalues, jacobian_norms
from rnnviz.engine import backward, forward
from rnnviz.figures import lab as fl
from rnnviz.figures import training as ft
from rnnviz.figures.style import COLORS, DIVERGING
from rnnviz.losses import loss_and_grad
from rnnviz.training import Trainer, backward_sweep, gradient_check


@pytest.fixture(scope="module")
def sine():
    tr = Trainer("sine", hidden=8, seed=3)
    snaps = tr.step(12)
    return tr, snaps


@pytest.fixture(scope="module")
def parity():
    tr = Trainer("parity", hidden=6, seed=1)
    return tr, tr.step(5)


def test_loss_figure_values_log_axis_and_color(sine):
    tr, _ = sine
    fig = ft.loss_figure(tr.history, "mse")
    assert isinstance(fig, go.Figure)
    assert len(fig.data) == 1
    np.testing.assert_array_equal(fig.data[0].y, tr.history["loss"])
    np.testing.assert_array_equal(fig.data[0].x, np.arange(1, 13))
    assert fig.layout.yaxis.type == "log"
    assert "%{y:.4f}" in fig.data[0].hovertemplate and "loss" in fig.data[0].hovertemplate


def test_loss_figure_adds_accuracy_for_classification(parity):
    tr, _ = parity
    fig = ft.loss_figure(tr.history, "xent")
    assert [t.name for t in fig.data] == ["loss (xent)", "accuracy"]
    np.testing.assert_array_equal(fig.data[1].y, tr.history["accuracy"])
    assert fig.data[1].yaxis == "y2" and fig.data[1].line.color == COLORS["y"]
    # a fixed [0, 1] with ticks a quarter apart: no 1.017 from an autorange
    assert list(fig.layout.yaxis2.range) == [0, 1] and list(fig.layout.yaxis2.tickvals) == [0, 0.25, 0.5, 0.75, 1]


def test_loss_figure_before_any_update_says_so():
    fig = ft.loss_figure({"loss": [], "accuracy": []}, "mse")
    assert "No updates yet" in fig.layout.annotations[0].text


def test_dh_norms_figure_is_magenta_on_log_axis_with_exact_values(sine):
    _, snaps = sine
    snap = snaps[-1]
    fig = ft.dh_norms_figure(snap.dh_norms, snap.step)
    (trace,) = fig.data
    np.testing.assert_array_equal(trace.y, snap.dh_norms)
    np.testing.assert_array_equal(trace.x, np.arange(len(snap.dh_norms)))
    assert trace.line.color == COLORS["grad"] == "#c026d3"
    assert fig.layout.yaxis.type == "log"
    assert "update 12" in fig.layout.title.text


def test_dh_norms_figure_leaves_zeros_out_of_the_log_axis_and_marks_bptt_chunks():
    fig = ft.dh_norms_figure(np.array([0.0, 0.5, 0.0, 2.0, 1.0]), window=2)
    y = np.asarray(fig.data[0].y, dtype=float)
    assert np.isnan(y[0]) and np.isnan(y[2]) and y[1] == 0.5 and y[3] == 2.0
    assert [s.x0 for s in fig.layout.shapes] == [2.5]


def test_matrix_figure_gradient_heatmap_is_diverging_centered_and_symmetric(sine):
    _, snaps = sine
    grad = snaps[-1].grads["W_h"]
    fig = ft.matrix_figure(grad, ft.GRAD_LABELS["W_h"], "grad")
    (hm,) = fig.data
    m = np.max(np.abs(grad))
    np.testing.assert_array_equal(hm.z, grad)
    assert hm.zmid == 0 and hm.zmin == -m and hm.zmax == m
    assert list(hm.colorbar.tickvals) == [-m, 0, m] and hm.colorbar.ticktext[2] == f"{m:.3g}"
    assert [list(c) for c in hm.colorscale] == [list(c) for c in DIVERGING]
    assert hm.colorscale[-1][1] == DIVERGING[-1][1]  # positive end is red (RdBu reversed)
    assert "∂L/∂W_h[%{y},%{x}] = %{z:.4f}" in hm.hovertemplate
    assert fig.layout.yaxis.autorange == "reversed"


def test_matrix_figure_shows_a_bias_vector_as_one_column(sine):
    tr, _ = sine
    fig = ft.matrix_figure(tr.params.b, "b", "weight")
    z = np.asarray(fig.data[0].z)
    assert z.shape == (tr.hidden, 1)
    np.testing.assert_array_equal(z[:, 0], tr.params.b)
    assert "b[%{y}] = %{z:.4f}" in fig.data[0].hovertemplate
    with pytest.raises(ValueError):
        ft.matrix_figure(tr.params.b, "b", "bogus")


def test_predictions_figure_targets_gray_dashed_predictions_from_eval(sine):
    tr, _ = sine
    ev = tr.eval_test()
    fig = ft.predictions_figure(ev, "mse")
    names = [t.name for t in fig.data]
    target = fig.data[names.index("target")]
    pred = fig.data[names.index("prediction y")]
    assert target.line.color == COLORS["target"] and target.line.dash == "dash"
    assert pred.line.color == COLORS["y"]
    np.testing.assert_array_equal(pred.y, ev["y_pred"][:, 0])
    np.testing.assert_array_equal(target.y, ev["y_true"][:, 0])


def test_predictions_figure_masks_echo_steps_without_a_target():
    tr = Trainer("echo", hidden=4, seed=0, task_options={"delay": 3})
    fig = ft.predictions_figure(tr.eval_test(), "mse")
    target = next(t for t in fig.data if t.name == "target")
    assert np.isnan(np.asarray(target.y[:3], dtype=float)).all()
    np.testing.assert_array_equal(target.y[3:], tr.task.y_test[3:, 0])


def test_predictions_figure_for_chars_plots_probability_of_the_target_character():
    tr = Trainer("chars", hidden=8, seed=0)
    ev = tr.eval_test()
    fig = ft.predictions_figure(ev, "xent", tr.task.vocab)
    p = next(t for t in fig.data if t.name == "p(target)")
    idx = ev["y_true"].argmax(axis=1)
    np.testing.assert_allclose(p.y, ev["y_pred"][np.arange(len(idx)), idx])
    assert list(p.text) == [tr.task.vocab[i] for i in idx]


def test_radius_figure_values_and_unit_line(sine):
    tr, snaps = sine
    fig = ft.radius_figure(tr.history)
    np.testing.assert_array_equal(fig.data[0].y, [s.spectral_radius for s in snaps])
    assert fig.data[0].line.color == COLORS["h"]
    assert any(s.y0 == 1.0 for s in fig.layout.shapes)


def test_sweep_figure_fills_in_from_T_back_to_0_and_ends_with_the_engine_gradient(sine):
    tr, _ = sine
    task = tr.task
    frames = backward_sweep(tr.params, task.x_test, task.y_test, task.loss, task.mask_test)
    fig = ft.sweep_figure(frames)
    T = task.T
    assert len(fig.frames) == T + 1  # T = 40 <= MAX_FRAMES
    assert fig.frames[0].name == f"t={T}" and fig.frames[-1].name == "t=0"
    first = np.asarray(fig.frames[0].data[0].z, dtype=float)
    assert np.isnan(first[:, :T]).all() and np.isfinite(first[:, T]).all()
    # the full picture is the engine's own dL/dh_t for t = 0..T
    tr_f = forward(tr.params, task.x_test)
    _, dy = loss_and_grad(task.loss, tr_f.y, task.y_test, task.mask_test)
    g = backward(tr.params, tr_f, dy=dy)
    np.testing.assert_allclose(np.asarray(fig.frames[-1].data[0].z, dtype=float), g.dh.T, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(np.asarray(fig.frames[-1].data[1].y, dtype=float), np.linalg.norm(g.dh, axis=1),
                               rtol=1e-12)
    hm = fig.data[0]
    assert hm.zmid == 0 and hm.zmin == -hm.zmax
    assert fig.data[1].line.color == COLORS["grad"]
    assert fig.layout.yaxis2.type == "log"
    assert len(fig.layout.sliders[0].steps) == T + 1 and fig.layout.updatemenus[0].buttons[0].method == "animate"
    table = ft.sweep_table(frames)
    assert list(table.index) == list(range(T, -1, -1))


def test_sweep_figure_caps_frames_for_long_sequences():
    tr = Trainer("sine", hidden=4, seed=0, task_options={"T": 200})
    task = tr.task
    frames = backward_sweep(tr.params, task.x_test, task.y_test, task.loss)
    fig = ft.sweep_figure(frames)
    assert len(fig.frames) <= ft.MAX_FRAMES
    assert fig.frames[0].name == "t=200" and fig.frames[-1].name == "t=0"


def test_frame_indices_keep_first_and_last():
    assert list(ft.frame_indices(5)) == [0, 1, 2, 3, 4]
    idx = ft.frame_indices(1000, 60)
    assert idx[0] == 0 and idx[-1] == 999 and len(idx) <= 60 and np.all(np.diff(idx) > 0)


def test_replay_figure_frames_carry_the_recorded_snapshots(sine):
    tr, snaps = sine
    fig = ft.replay_figure(snaps, tr.history)
    assert len(fig.frames) == len(snaps)
    for frame, snap in zip(fig.frames, snaps, strict=True):
        np.testing.assert_array_equal(np.asarray(frame.data[0].y, dtype=float), snap.dh_norms)
        assert list(frame.data[1].x) == [snap.step]
    np.testing.assert_array_equal(fig.data[0].y, snaps[-1].dh_norms)
    assert fig.layout.sliders[0].active == len(snaps) - 1
    assert fig.layout.yaxis.type == "log"
    table = ft.replay_table(snaps)
    assert list(table.index) == [s.step for s in snaps]
    np.testing.assert_array_equal(table["loss"], [s.loss for s in snaps])


def test_replay_figure_without_snapshots_is_a_note():
    fig = ft.replay_figure([], {"loss": []})
    assert not fig.frames and "No recorded updates" in fig.layout.annotations[-1].text


def test_gradient_check_table_from_real_trainer(sine):
    tr, _ = sine
    task = tr.task
    results = gradient_check(tr.params, task.x_test, task.y_test, task.loss)
    table = ft.gradient_check_table(results)
    assert list(table.columns) == ["weight", "BPTT", "finite difference", "relative error", "agree (< 1e-5)"]
    assert table["weight"][0] == "W_x[1,1]"
    assert table["agree (< 1e-5)"].all()
    np.testing.assert_array_equal(table["BPTT"], [r[2] for r in results])


def test_jacobian_figure_plots_against_steps_back_on_log_axis():
    tr = Trainer("sine", hidden=5, seed=0)
    p = tr.params
    trace = forward(p, tr.task.x_test)
    norms = jacobian_norms(p, trace)
    fig = fl.jacobian_figure([("current", norms), ("other", 2 * norms)])
    T = len(norms) - 1
    np.testing.assert_array_equal(fig.data[0].x, np.arange(T + 1))  # T - t = 0..T
    np.testing.assert_array_equal(fig.data[0].y, norms[::-1])
    np.testing.assert_array_equal(fig.data[1].y, 2 * norms[::-1])
    assert fig.data[0].y[0] == 1.0  # dh_T/dh_T = I
    assert fig.layout.yaxis.type == "log"
    # series colours, the same as the eigenvalue chart's sets: "current" is one colour on the whole lab page
    eig = fl.eigenvalue_figure([("current", eigenvalues(p.W_h)), ("other", eigenvalues(2 * p.W_h))])
    assert [fig.data[i].line.color for i in (0, 1)] == [eig.data[i].marker.color for i in (1, 2)]
    assert fig.data[0].line.color not in COLORS.values() and fig.data[1].line.dash == "dash"
    assert list(fl.jacobian_table([("current", norms)])["current"]) == list(norms[::-1])


def test_eigenvalue_figure_unit_circle_and_points():
    W = np.array([[0.0, -1.2], [1.2, 0.0]])
    lam = eigenvalues(W)
    fig = fl.eigenvalue_figure([("W_h", lam)])
    circle, pts = fig.data
    np.testing.assert_allclose(np.hypot(circle.x, circle.y), 1.0)
    np.testing.assert_allclose(pts.x, lam.real)
    np.testing.assert_allclose(pts.y, lam.imag)
    assert fig.layout.yaxis.scaleanchor == "x"
    assert fig.layout.xaxis.range[1] >= 1.2
    assert "|λ| = 1.2000" in pts.text[0]


def test_clipping_figure_from_two_trainer_runs():
    runs = []
    for label, clip in (("off", None), ("on", 1.0)):
        tr = Trainer("echo", hidden=8, optimizer="sgd", lr=0.05, clip=clip, seed=0)
        tr.step(10)
        runs.append((label, tr.history))
    fig = fl.clipping_figure(runs, 1.0)
    np.testing.assert_array_equal(fig.data[0].y, runs[0][1]["grad_norm"])
    assert fig.layout.yaxis.type == "log"
    assert fig.data[1].line.dash == "dash" and fig.data[0].line.color == COLORS["grad"]
    assert any(s.y0 == 1.0 for s in fig.layout.shapes)
    table = fl.clipping_table(runs)
    assert table.shape == (10, 4)


# --- stacked layers ---

@pytest.fixture(scope="module")
def stacked():
    from rnnviz.training import TrainingSession, advance

    session = TrainingSession.build(dict(task="sine", hidden=5, layers=3, seed=2))
    advance(session, 6)
    return session


def test_radius_figure_draws_one_line_per_layer(stacked):
    history, radii = stacked.trainer.history, stacked.radius_history()
    fig = ft.radius_figure(history, radii)
    assert [tr.name for tr in fig.data] == ["ρ(W_h), layer 1", "ρ(W_h), layer 2", "ρ(W_h), layer 3"]
    assert [tr.line.dash for tr in fig.data] == ["solid", "dash", "dot"]
    assert {tr.line.color for tr in fig.data} == {COLORS["h"]}
    for i, tr in enumerate(fig.data):
        np.testing.assert_array_equal(tr.y, radii[:, i])
        np.testing.assert_array_equal(tr.x, np.arange(1, 7))
        assert f"layer {i + 1}" in tr.hovertemplate and ":.4f" in tr.hovertemplate
    np.testing.assert_array_equal(np.max([tr.y for tr in fig.data], axis=0), history["spectral_radius"])
    assert "each layer" in fig.layout.title.text
    assert any(s.name == "rho-one" for s in fig.layout.shapes)
    empty = ft.radius_figure({"spectral_radius": np.array([])}, np.zeros((0, 3)))  # before any update
    assert len(empty.data) == 3 and len(empty.layout.annotations) >= 1


def test_radius_figure_and_history_table_with_one_layer_are_unchanged(sine):
    tr, _ = sine
    one = np.asarray(tr.history["spectral_radius"])[:, None]
    assert ft.radius_figure(tr.history, one).to_json() == ft.radius_figure(tr.history).to_json()
    assert ft.history_table(tr.history, one).equals(ft.history_table(tr.history))


def test_history_table_adds_a_column_per_layer(stacked):
    table = ft.history_table(stacked.trainer.history, stacked.radius_history())
    cols = [f"spectral_radius layer {i}" for i in (1, 2, 3)]
    assert list(table.columns[-3:]) == cols
    np.testing.assert_array_equal(table[cols].to_numpy(), stacked.radius_history())
    np.testing.assert_array_equal(table["spectral_radius"], table[cols].max(axis=1))


def test_dh_norms_figure_says_top_layer_for_a_stack(stacked):
    snap = stacked.snapshots[-1]
    fig = ft.dh_norms_figure(snap.dh_norms, snap.step, layers=3)
    assert "top layer 3 of 3" in fig.layout.title.text and "update 6" in fig.layout.title.text
    np.testing.assert_array_equal(fig.data[0].y, snap.dh_norms)
    assert "layer" not in ft.dh_norms_figure(snap.dh_norms, snap.step).layout.title.text


def test_matrix_figure_names_the_layer(stacked):
    from rnnviz.training import layer_grads

    g = layer_grads(stacked.snapshots[-1].grads, 1, 3)["W_h"]
    fig = ft.matrix_figure(g, ft.GRAD_LABELS["W_h"], "grad", layer=2)
    np.testing.assert_array_equal(fig.data[0].z, g)
    assert fig.layout.title.text.endswith(", layer 2")
    assert fig.data[0].hovertemplate.startswith("layer 2: ∂L/∂W_h[")
    plain = ft.matrix_figure(g, ft.GRAD_LABELS["W_h"], "grad")
    assert "layer" not in plain.layout.title.text and "layer" not in plain.data[0].hovertemplate


def test_sweep_figure_for_a_lower_layer_names_its_source(stacked):
    from rnnviz.training import backward_sweep_layer

    task = stacked.trainer.task
    frames = backward_sweep_layer(stacked.trainer.params, 0, task.x_test, task.y_test, task.loss, task.mask_test)
    fig = ft.sweep_figure(frames, "layer 2 above")
    titles = [f.layout.title.text for f in fig.frames]
    assert "comes only from layer 2 above" in titles[0]
    assert "+ (from layer 2 above at t)" in titles[1] and "gets nothing from layer 2 above" in titles[-1]
    T = task.T
    np.testing.assert_array_equal(np.asarray(fig.frames[-1].data[0].z)[:, 0], frames[-1].dh)
    assert frames[-1].t == 0 and len(fig.frames) == min(T + 1, ft.MAX_FRAMES)
    top = ft.sweep_figure(backward_sweep_layer(stacked.trainer.params, 2, task.x_test, task.y_test, task.loss,
                                               task.mask_test))
    assert "from the output" in top.frames[0].layout.title.text and "(output at t)" in top.frames[1].layout.title.text


def test_curves_use_the_update_numbers_of_a_thinned_history():
    """After a long run the history is thinned: the x of every curve is history["step"], not 1..len."""
    history = {"step": np.array([2, 4, 8]), "loss": np.array([1.0, 0.5, 0.25]),
               "spectral_radius": np.array([0.9, 1.0, 1.1]), "accuracy": np.array([0.1, 0.2, 0.3]),
               "grad_norm": np.array([1.0, 1.0, 1.0])}
    assert list(ft.loss_figure(history, "mse").data[0].x) == [2, 4, 8]
    assert list(ft.radius_figure(history).data[0].x) == [2, 4, 8]
    assert list(ft.history_table(history).index) == [2, 4, 8]
