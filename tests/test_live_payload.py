"""The live view's frames (rnnviz.live_payload): full frames are the static builders' figures, deltas carry
exactly the trainer's new numbers, and the chain payload's factors are the engine's."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from rnnviz import live_payload as lp
from rnnviz.engine import forward
from rnnviz.losses import loss_and_grad
from rnnviz.training import TrainingSession, advance, backward_sweep_layer, layer_grads, layer_list

ft = lp.ft
DTYPES = {"f4": np.float32, "f8": np.float64, "i4": np.int32}


def unpack(spec) -> np.ndarray:
    """A typed-array spec back to numpy (the browser's plotly.js does the same)."""
    if isinstance(spec, list):
        return np.asarray(spec, dtype=np.float64)
    values = np.frombuffer(base64.b64decode(spec["bdata"]), dtype=DTYPES[spec["dtype"]])
    if "shape" in spec:
        values = values.reshape([int(s) for s in spec["shape"].split(",")])
    return values


def session(**settings) -> TrainingSession:
    base = dict(task="sine", hidden=8, optimizer="adam", lr=0.01, clip=1.0, seed=0)
    return TrainingSession.build(base | settings, steps_per_frame=3)


def roundtrip(frame: dict) -> dict:
    """What the browser receives: the compact JSON bytes, parsed (fails on NaN or numpy leftovers)."""
    return json.loads(lp.encode(frame))


def test_full_frame_carries_every_live_chart_as_the_static_builders_draw_it():
    s = session()
    advance(s)
    frame = roundtrip(lp.live_frame(s, 0))
    assert frame["kind"] == "full" and frame["step"] == 3 and set(frame["figures"]) == set(lp.LIVE_CHARTS)
    loss = frame["figures"]["loss"]["data"][0]
    assert np.array_equal(unpack(loss["y"]), s.trainer.history["loss"])
    title = ft.loss_figure(s.trainer.history, "mse").layout.title.text
    assert frame["figures"]["loss"]["layout"]["title"]["text"] == title
    heat = frame["figures"]["g_W_h"]["data"][0]
    assert np.array_equal(unpack(heat["z"]), s.snapshots[-1].grads["W_h"])


def test_a_frame_ahead_of_the_trainer_or_without_since_is_full():
    s = session()
    assert lp.live_frame(s, 0)["kind"] == "full"
    assert lp.live_frame(s, 0, since=5)["kind"] == "full"  # after a reset the browser is ahead
    advance(s)
    assert lp.live_frame(s, 0, since=0)["kind"] == "delta"


def test_a_reset_starts_another_run_for_the_live_view():
    """The browser drops a frame of its run at an update it already shows; after a Reset the updates count from 0
    again, so the run changes (else a delta at update 0 that took the place of the Reset's full frame in
    Streamlit's queue was dropped, and the view kept the old numbers: a lost Reset under load)."""
    s = session()
    advance(s, 4)
    before = lp.run_key(s, 0)
    s.reset()
    after = lp.run_key(s, 0)
    assert after != before and lp.live_frame(s, 0, since=0)["run"] == after
    assert lp.run_key(s, 0) == after  # stable while nothing else happens
    advance(s, 2)
    assert lp.run_key(s, 0) == after
    s.reset()
    assert lp.run_key(s, 0) not in (before, after)


def test_delta_appends_exactly_the_new_loss_and_radius_points():
    s = session()
    advance(s)
    advance(s)
    frame = roundtrip(lp.live_frame(s, 0, since=3))
    assert frame["kind"] == "delta" and frame["base"] == 3 and frame["step"] == 6
    history = s.trainer.history
    loss = frame["extend"]["loss"]
    assert loss["traces"] == [0] and unpack(loss["x"]).tolist() == [4, 5, 6]
    assert np.array_equal(unpack(loss["y"][0]), history["loss"][3:])
    radius = frame["extend"]["radius"]
    assert np.array_equal(unpack(radius["y"][0]), history["spectral_radius"][3:])
    assert "figures" not in frame


def test_delta_of_stacked_layers_has_one_radius_line_per_layer_and_accuracy_for_xent():
    s = session(task="parity", layers=3)
    advance(s)
    frame = roundtrip(lp.live_frame(s, 1, since=1))
    radii = s.radius_history()
    assert frame["extend"]["radius"]["traces"] == [0, 1, 2]
    for i in range(3):
        assert np.array_equal(unpack(frame["extend"]["radius"]["y"][i]), radii[1:, i])
    assert frame["extend"]["loss"]["traces"] == [0, 1]
    assert np.array_equal(unpack(frame["extend"]["loss"]["y"][1]), s.trainer.history["accuracy"][1:])


def test_delta_gradient_line_is_the_trainers_exact_norms_with_the_builders_title():
    s = session()
    advance(s)
    frame = roundtrip(lp.live_frame(s, 0, since=0))
    (index, props), = frame["set"]["dh"]["traces"]
    snap = s.snapshots[-1]
    assert index == 0 and np.array_equal(unpack(props["y"]), snap.dh_norms)
    expected = ft.dh_norms_figure(snap.dh_norms, snap.step, None).layout
    assert frame["set"]["dh"]["layout"]["title.text"] == expected.title.text
    fixed = {"automargin": False}  # the live line charts keep fixed margins (lp.fixed_margins)
    dh_axis = expected.yaxis.to_plotly_json()
    assert frame["set"]["dh"]["layout"]["yaxis"] == {**json.loads(json.dumps(lp.jsonable(dh_axis))), **fixed}
    loss_axis = ft.loss_figure(s.trainer.history, "mse").layout.yaxis.to_plotly_json()
    assert frame["set"]["loss"]["layout"]["yaxis"] == {**json.loads(json.dumps(lp.jsonable(loss_axis))), **fixed}


def test_the_live_line_charts_have_fixed_margins_wide_enough_for_their_labels():
    s = session()
    advance(s)
    figures = lp.live_frame(s, 0)["figures"]
    for name in lp.FIXED_MARGIN_CHARTS:
        layout = figures[name]["layout"]
        assert layout["yaxis"]["automargin"] is False and layout["margin"]["l"] >= lp.LIVE_MARGIN_LEFT
    assert "automargin" not in figures["g_W_h"]["layout"].get("yaxis", {})  # the heatmaps keep the template's


@pytest.mark.parametrize("task", ["sine", "parity", "chars"])
def test_delta_predictions_replace_the_builders_prediction_traces(task):
    s = session(task=task)
    advance(s)
    evaluation = s.trainer.eval_test()
    figure = ft.predictions_figure(evaluation, s.trainer.task.loss, s.trainer.task.vocab)
    frame = roundtrip(lp.live_frame(s, 0, since=0))
    assert frame["set"]["pred"]["traces"]
    for index, props in frame["set"]["pred"]["traces"]:
        drawn = np.asarray(figure.data[index].y, dtype=np.float64)
        assert np.allclose(unpack(props["y"]), drawn, rtol=1e-6, atol=1e-7)
        if "customdata" in props:
            assert list(props["customdata"]) == list(figure.data[index].customdata)
    assert (frame["sample"] is None) == (task != "chars")


@pytest.mark.parametrize("layers,layer", [(1, 0), (3, 0), (3, 2)])
def test_delta_matrices_are_the_chosen_layers_gradients_and_weights(layers, layer):
    s = session(layers=layers)
    advance(s)
    frame = roundtrip(lp.live_frame(s, layer, since=0))
    grads = layer_grads(s.snapshots[-1].grads, layer, layers)
    params = layer_list(s.trainer.params)[layer]
    for name in lp.MATRICES:
        for prefix, values in (("g", grads[name]), ("w", getattr(params, name))):
            mat = frame["matrices"][f"{prefix}_{name}"]
            grid = values[:, None] if values.ndim == 1 else values
            assert np.array_equal(unpack(mat["z"]), grid.astype(np.float32))  # 7 digits: the hover's 4 decimals exact
            assert mat["m"] == pytest.approx(np.abs(values).max())
            assert mat["mt"] == lp.colorbar(mat["m"])["ticktext"][2]


def test_metrics_are_the_pages_numbers():
    s = session()
    frame = lp.live_frame(s, 0)
    labels = {m["label"]: m["value"] for m in frame["metrics"]}
    assert labels["Update"] == "0" and labels["Training loss"] == "—"
    advance(s)
    labels = {m["label"]: m["value"] for m in lp.live_frame(s, 0, since=0)["metrics"]}
    assert labels["Update"] == "3" and labels["Training loss"] == f"{s.snapshots[-1].loss:.4f}"
    assert labels["Held-out loss"] == f"{s.trainer.eval_test()['loss']:.4f}"


def test_deltas_are_small_at_the_defaults():
    s = session(hidden=16)
    advance(s)
    full, delta = len(lp.encode(lp.live_frame(s, 0))), len(lp.encode(lp.live_frame(s, 0, since=0)))
    assert delta < 8_000 < full  # a few kB per frame; the figures only once


def test_delta_of_a_thinned_history_sends_the_kept_updates_after_since(monkeypatch):
    monkeypatch.setattr("rnnviz.training.MAX_HISTORY", 4)
    s = session()
    for _ in range(3):
        advance(s)  # 9 updates, kept at evenly spaced updates
    history = s.trainer.history
    assert len(history["step"]) < 9
    frame = roundtrip(lp.live_frame(s, 0, since=4))
    loss = frame["extend"]["loss"]
    assert unpack(loss["x"]).tolist() == history["step"][history["step"] > 4].tolist()
    assert unpack(loss["x"])[-1] == 9
    assert np.array_equal(unpack(loss["y"][0]), history["loss"][history["step"] > 4])


# --------------------------------------------------------------------------- the chain payload

def carry_norms_by_hand(params, x) -> list[float]:
    """‖W_hᵀ·diag(f'(a_t))‖₂ for t = 1..T, tanh: f'(a_t) = 1 - h_t², from the forward trace alone."""
    trace = forward(params, np.asarray(x, np.float64))
    return [float(np.linalg.norm(params.W_h.T * (1.0 - trace.h[t] ** 2)[None, :], 2))
            for t in range(1, trace.h.shape[0])]


def test_chain_payload_factors_and_norms_are_the_engines():
    s = session()
    advance(s)
    task = s.trainer.task
    payload = json.loads(json.dumps(lp.chain_payload(s.trainer.params, 0, task.x_test, task.y_test, task.loss,
                                                     task.mask_test, update=3)))
    T = task.x_test.shape[0]
    assert payload["T"] == T and payload["update"] == 3 and payload["factors"][0] is None
    assert np.allclose(payload["factors"][1:], carry_norms_by_hand(s.trainer.params, task.x_test), rtol=1e-12)
    frames = {f.t: f for f in backward_sweep_layer(s.trainer.params, 0, task.x_test, task.y_test, task.loss,
                                                   task.mask_test)}
    assert payload["norms"] == [float(np.linalg.norm(frames[t].dh)) for t in range(T + 1)]
    # dL/dh_{t-1} = W_hᵀ·diag(f'(a_t))·dL/dh_t + output's part: the gain is what the carry did to the norm
    for t in range(1, T + 1):
        sent = np.linalg.norm(frames[t].carry @ frames[t].dh)
        assert payload["gains"][t] == pytest.approx(sent / payload["norms"][t])
        assert payload["gains"][t] <= payload["factors"][t] * (1 + 1e-12)  # never beyond the operator norm
        assert payload["from_future"][t - 1] == pytest.approx(sent)


def test_chain_payload_of_the_last_step_comes_only_from_the_output():
    s = session()
    task = s.trainer.task
    payload = lp.chain_payload(s.trainer.params, 0, task.x_test, task.y_test, task.loss, task.mask_test)
    trace = forward(s.trainer.params, task.x_test)
    _, dy = loss_and_grad(task.loss, trace.y, task.y_test, task.mask_test)
    assert payload["from_future"][-1] == 0.0
    assert payload["norms"][-1] == pytest.approx(np.linalg.norm(dy[-1] @ s.trainer.params.W_y))


def test_chain_payload_of_a_lower_layer_names_its_source():
    s = session(layers=2)
    task = s.trainer.task
    payload = lp.chain_payload(s.trainer.params, 0, task.x_test, task.y_test, task.loss, task.mask_test)
    assert payload["source"] == "layer 2" and payload["layers"] == 2
    top = lp.chain_payload(s.trainer.params, 1, task.x_test, task.y_test, task.loss, task.mask_test)
    assert top["source"] == "output"


def test_deltas_move_the_update_axis_off_one_tick_per_update():
    s = session()
    start = lp.live_frame(s, 0)["figures"]["loss"]["layout"]["xaxis"]
    assert start["dtick"] == 1  # at update 0 the builder labels every update
    advance(s, 20)
    frame = lp.live_frame(s, 0, since=15)
    for name in ("loss", "radius"):
        assert frame["set"][name]["layout"]["xaxis"]["dtick"] is None  # Plotly's own steps past 12 updates
