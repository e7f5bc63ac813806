"""The training page: its loop helpers (TrainingSession, advance, simulator_state) and AppTest runs."""

import json
from urllib.parse import parse_qs

import numpy as np
import pytest
from apptest_utils import chart, decode, open_app, shown

from rnnviz.live_payload import LIVE_CHARTS
from rnnviz.query import from_query, to_query
from rnnviz.state import LIMITS
from rnnviz.trained_link import trained_state
from rnnviz.training import MAX_RECORDED, Trainer, TrainingSession, advance, simulator_state
from rnnviz.ui.live_training import SENT

SETTINGS = dict(task="sine", hidden=8, seed=4, optimizer="adam", lr=0.01, clip=1.0)


# --------------------------------------------------------------------------- loop helpers (no Streamlit)

def test_advance_runs_steps_per_frame_updates_and_records_them():
    session = TrainingSession.build(SETTINGS, steps_per_frame=3)
    snaps = advance(session)
    assert [s.step for s in snaps] == [1, 2, 3]
    assert session.trainer.steps_done == 3 and session.snapshots == snaps
    advance(session, 2)
    assert [s.step for s in session.snapshots] == [1, 2, 3, 4, 5]
    assert len(session.trainer.history["loss"]) == 5


def test_advance_matches_a_plain_trainer_and_reset_restores_the_start():
    session = TrainingSession.build(SETTINGS)
    first = Trainer(**SETTINGS).step(4)
    advance(session, 4)
    assert [s.loss for s in session.snapshots] == [s.loss for s in first]
    session.playing = True
    session.reset()
    assert session.trainer.steps_done == 0 and session.snapshots == [] and not session.playing
    again = advance(session, 1)
    assert again[0].loss == first[0].loss


def test_advance_keeps_evenly_thinned_snapshots(monkeypatch):
    import rnnviz.training as training

    monkeypatch.setattr(training, "MAX_RECORDED", 4)
    session = TrainingSession.build(SETTINGS)
    advance(session, 7)
    assert [s.step for s in session.snapshots] == [1, 3, 5, 7]  # spread over the run, the latest kept
    assert MAX_RECORDED >= 100


def test_advance_stops_playing_on_divergence():
    session = TrainingSession.build(dict(task="sine", optimizer="sgd", lr=50.0, clip=None, seed=0))
    session.playing = True
    advance(session, 20)
    assert session.trainer.diverged and not session.playing
    assert session.trainer.steps_done < 20 and "lr=50" in session.trainer.divergence_reason


def test_simulator_state_carries_trained_weights_and_held_out_inputs():
    session = TrainingSession.build(SETTINGS)
    advance(session, 3)
    state, reason = simulator_state(session.trainer)
    assert reason is None
    assert state.params == session.trainer.params
    np.testing.assert_array_equal(state.x, session.trainer.task.x_test)
    assert not state.h0.any() and state.t == 1
    back, warnings = from_query(to_query(state))
    assert back == state and warnings == []


def test_simulator_state_explains_a_vocabulary_too_large():
    trainer = Trainer("chars", hidden=8, seed=0)
    assert trainer.task.d > LIMITS.d
    state, reason = simulator_state(trainer)
    assert state is None and f"d={trainer.task.d}" in reason and str(LIMITS.d) in reason


# --------------------------------------------------------------------------- AppTest

def live(at) -> dict:
    """The frame the live view (one component, key tr_live) was sent in the last run."""
    element = next(c for c in at.get("bidi_component") if c.proto.id.endswith("-tr_live"))
    return json.loads(element.proto.bytes)


def full_frame(at) -> dict:
    """The live view's full frame.  After Play, Pause or +1 the page sends only what changed since the frames it
    sent last; a view mounted afresh asks for everything (its ``resync`` trigger), and so does this helper."""
    frame = live(at)
    if frame["kind"] != "full":
        assert not at.session_state["training_session"].playing
        del at.session_state["tr_live" + SENT]
        at.run()
        frame = live(at)
    assert frame["kind"] == "full"
    return frame


def live_chart(at, name: str) -> dict:
    """A live chart's figure, from the full frame (name as in LIVE_CHARTS)."""
    return full_frame(at)["figures"][name]


def metric(at, label: str) -> str:
    return next(m["value"] for m in live(at)["metrics"] if m["label"] == label)


def play_until(at, done, runs: int = 60) -> None:
    """Press Play, then rerun (each run plays one frame; rnnviz.pacing may allow fewer updates than asked)."""
    at.button(key="tr_play").click().run()
    for _ in range(runs):
        if done(at.session_state["training_session"]):
            return
        at.run()
    raise AssertionError("play did not get there")


@pytest.fixture
def page():
    at = open_app("pages/training.py")
    assert not at.exception
    return at


def test_page_runs_with_its_own_sidebar_and_every_view(page):
    at = page
    assert at.selectbox(key="tr_task").value == "sine"
    assert "rnnviz_preset" not in [w.key for w in at.sidebar.selectbox]  # the network sidebar is not drawn
    keys = [c.proto.id.split("-")[-1] for c in at.get("plotly_chart")]
    assert {"tr_fig_sweep", "tr_fig_replay"} <= set(keys)
    assert set(live(at)["figures"]) == set(LIVE_CHARTS)  # the live charts are the component's
    assert any(c.proto.id.endswith("-tr_chain") for c in at.get("bidi_component"))  # the backward pass on the chain
    assert metric(at, "Update") == "0" and metric(at, "Training loss") == "—"
    assert not at.error
    assert "trained=" in at.main.code[-1].value  # the shareable simulator link names the run
    link = at.get("page_link")[0].proto
    assert "cell step-through" in link.label and link.page_script_hash  # 1.67: no page name in the proto
    value = parse_qs(link.query_string)["trained"][-1]
    expected, _ = simulator_state(at.session_state["training_session"].trainer)
    assert trained_state(value) == (expected, [])


def test_step_updates_loss_and_gradient_views(page):
    at = page
    dh_before = decode(live_chart(at, "dh")["data"][0]["y"])
    w_before = decode(live_chart(at, "w_W_h")["data"][0]["z"])
    at.button(key="tr_step").click().run()
    assert not at.exception
    session = at.session_state["training_session"]
    snap = session.snapshots[-1]
    assert metric(at, "Update") == "1"
    assert metric(at, "Training loss") == f"{snap.loss:.4f}"
    dh = live_chart(at, "dh")
    assert "update 1" in dh["layout"]["title"]["text"]
    np.testing.assert_array_equal(decode(dh["data"][0]["y"]), snap.dh_norms)
    np.testing.assert_array_equal(dh_before, snap.dh_norms)  # step 0 showed the gradient at the initial weights
    w_after = decode(live_chart(at, "w_W_h")["data"][0]["z"]).reshape(w_before.shape)
    assert not np.array_equal(w_before, w_after)
    np.testing.assert_array_equal(w_after, session.trainer.params.W_h)
    g = live_chart(at, "g_W_h")["data"][0]
    np.testing.assert_array_equal(decode(g["z"]).reshape(snap.grads["W_h"].shape), snap.grads["W_h"])
    assert g["zmid"] == 0
    loss = live_chart(at, "loss")["data"][0]
    np.testing.assert_array_equal(decode(loss["y"]), [snap.loss])


def test_reset_restores_step_zero_and_the_same_initial_loss(page):
    at = page
    held_out = metric(at, "Held-out loss")
    w0 = decode(live_chart(at, "w_W_h")["data"][0]["z"])
    at.slider(key="tr_spf").set_value(3).run()
    at.button(key="tr_play").click().run()  # one full run while playing = one frame of at most 3 updates
    played = at.session_state["training_session"].trainer.steps_done
    assert 1 <= played <= 3
    assert live(at)["kind"] == "delta" and live(at)["step"] == played  # while playing: only what changed
    at.button(key="tr_pause").click().run()
    at.button(key="tr_step").click().run()
    assert metric(at, "Update") == str(played + 1) and metric(at, "Held-out loss") != held_out
    at.button(key="tr_reset").click().run()
    assert not at.exception
    assert metric(at, "Update") == "0" and metric(at, "Held-out loss") == held_out
    np.testing.assert_array_equal(decode(live_chart(at, "w_W_h")["data"][0]["z"]), w0)


def test_pause_and_step_send_only_what_changed_and_a_new_visit_gets_every_figure(page):
    """Pause and +1 are drawn from a small delta like a playing frame (the issue's Pause within one frame, +1
    within 500 ms); a view the browser mounts afresh (a visit from another page) gets the whole figures."""
    at = page
    at.button(key="tr_play").click().run()
    at.button(key="tr_pause").click().run()
    steps = at.session_state["training_session"].trainer.steps_done
    frame = live(at)
    assert frame["kind"] == "delta" and frame["step"] == steps and "figures" not in frame
    assert frame["base"] < steps  # it repeats the last frames' points: a browser that missed one continues
    at.button(key="tr_step").click().run()
    frame = live(at)
    assert frame["kind"] == "delta" and frame["step"] == steps + 1
    at.switch_page("pages/cell.py").run()
    at.switch_page("pages/training.py").run()
    assert not at.exception
    frame = live(at)
    assert frame["kind"] == "full" and set(frame["figures"]) == set(LIVE_CHARTS) and frame["step"] == steps + 1
    at.button(key="tr_reset").click().run()
    assert live(at)["kind"] == "full" and live(at)["step"] == 0  # back before the frames it holds


def test_changing_a_setting_rebuilds_and_the_same_seed_gives_the_same_weights(page):
    at = page
    w0 = decode(live_chart(at, "w_W_h")["data"][0]["z"])
    at.button(key="tr_step").click().run()
    at.number_input(key="tr_seed").set_value(7).run()
    assert metric(at, "Update") == "0"
    assert not np.array_equal(decode(live_chart(at, "w_W_h")["data"][0]["z"]), w0)
    at.number_input(key="tr_seed").set_value(0).run()
    np.testing.assert_array_equal(decode(live_chart(at, "w_W_h")["data"][0]["z"]), w0)


@pytest.mark.parametrize("typed, words", [("abc", "not a number"), ("1e9", "outside"), ("-1", "outside"),
                                          ("nan", "outside")])
def test_absurd_learning_rate_is_a_message_not_an_exception(page, typed, words):
    at = page
    at.text_input(key="tr_lr_text").input(typed).run()
    assert not at.exception
    assert any("Learning rate" in shown(e.value) and words in shown(e.value) for e in at.error)
    assert at.session_state["training_session"].trainer.lr == 0.01  # fell back to the slider


def test_bad_chars_text_is_a_message_and_chars_explains_the_simulator_limit(page):
    at = page
    at.selectbox(key="tr_task").select("chars").run()
    assert not at.exception
    assert len(live(at)["sample"]) == 200  # text sampled from the model, in the live view
    assert any("cannot go to the simulator" in shown(w.value) and "d=" in shown(w.value) for w in at.warning)
    at.text_area(key="tr_text").input("a" * 60).run()
    assert not at.exception
    assert any("Text:" in shown(e.value) and "2 distinct characters" in shown(e.value) for e in at.error)
    at.text_area(key="tr_text").input("ab").run()  # too short for T = 25
    assert not at.exception
    assert any("cannot train" in shown(e.value) and "T+1" in shown(e.value) for e in at.error)


def test_bptt_window_too_long_is_explained(page):
    at = page
    at.number_input(key="tr_window").set_value(100).run()  # sine sequences have T = 40
    assert not at.exception
    assert any("bptt_window" in shown(e.value) for e in at.error)


def test_divergence_is_explained_and_keeps_the_last_finite_weights(page):
    at = page
    at.selectbox(key="tr_opt").select("sgd").run()
    at.toggle(key="tr_clip_on").set_value(False).run()
    at.text_input(key="tr_lr_text").input("50").run()
    assert any("very large" in shown(w.value) for w in at.warning)
    play_until(at, lambda s: not s.playing)
    assert not at.exception
    session = at.session_state["training_session"]
    assert session.trainer.diverged and not session.playing
    message = next(shown(e.value) for e in at.error if "diverged" in shown(e.value))
    assert "last finite" in message and "lr=50" in message and "clipping is off" in message.lower()
    assert np.isfinite(session.trainer.params.W_h).all()
    assert at.button(key="tr_play").disabled and at.button(key="tr_step").disabled


def test_gradient_check_button_shows_agreeing_gradients(page):
    at = page
    at.button(key="tr_step").click().run()
    at.button(key="tr_gradcheck").click().run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "relative error" in d.value.columns)
    assert len(table) >= 5 and (table["relative error"] < 1e-5).all()


def test_replay_and_sweep_follow_recorded_updates(page):
    at = page
    at.slider(key="tr_spf").set_value(4).run()
    play_until(at, lambda s: s.trainer.steps_done >= 4)
    at.button(key="tr_pause").click().run()
    session = at.session_state["training_session"]
    replay = chart(at, "tr_fig_replay")
    assert len(replay["frames"]) == len(session.snapshots) == session.trainer.steps_done >= 4
    np.testing.assert_array_equal(decode(replay["frames"][2]["data"][0]["y"]), session.snapshots[2].dh_norms)
    sweep = chart(at, "tr_fig_sweep")
    assert len(sweep["frames"]) == session.trainer.task.T + 1
    at.select_slider(key="tr_sweep_step").set_value(2).run()
    assert not at.exception


# --------------------------------------------------------------------------- stacked layers (tr_layers)

@pytest.fixture(params=[2, 3], ids=["L2", "L3"])
def stacked_page(request, page):
    page.slider(key="tr_layers").set_value(request.param).run()
    assert not page.exception
    return page, request.param


def test_stacked_pages_run_with_every_view_and_default_to_the_top_layer(stacked_page):
    at, L = stacked_page
    session = at.session_state["training_session"]
    assert session.trainer.layers == L and isinstance(session.trainer.params, list)
    keys = [c.proto.id.split("-")[-1] for c in at.get("plotly_chart")]
    assert {"tr_fig_sweep", "tr_fig_replay"} <= set(keys) and set(live(at)["figures"]) == set(LIVE_CHARTS)
    assert at.button_group(key="tr_view_layer").value == L
    assert not at.error
    link = at.get("page_link")[0].proto  # "open in simulator" carries every layer (by the run's name)
    state, _ = trained_state(parse_qs(link.query_string)["trained"][-1])
    assert state.L == L
    assert "top layer" in live_chart(at, "dh")["layout"]["title"]["text"]
    assert "top layer's ∂L/∂h" in live(at)["notes"]["dh"]  # the chart's caption
    top = session.trainer.params[-1]
    np.testing.assert_array_equal(decode(live_chart(at, "w_W_h")["data"][0]["z"]).reshape(top.W_h.shape), top.W_h)


def test_stacked_step_updates_every_view(stacked_page):
    at, L = stacked_page
    at.button(key="tr_step").click().run()
    at.button(key="tr_step").click().run()
    assert not at.exception
    session = at.session_state["training_session"]
    snap = session.snapshots[-1]
    assert metric(at, "Update") == "2" and metric(at, "Training loss") == f"{snap.loss:.4f}"
    np.testing.assert_array_equal(decode(live_chart(at, "dh")["data"][0]["y"]), snap.dh_norms)
    radius = live_chart(at, "radius")["data"]
    assert [tr["name"] for tr in radius] == [f"ρ(W_h), layer {i + 1}" for i in range(L)]
    for i, tr in enumerate(radius):
        np.testing.assert_array_equal(decode(tr["y"]), session.radius_history()[:, i])
    assert metric(at, "max ρ(W_h) over layers") == f"{session.radius_history()[-1].max():.4f}"
    g = decode(live_chart(at, "g_W_h")["data"][0]["z"])
    np.testing.assert_array_equal(g.reshape(snap.grads[f"layer{L - 1}.W_h"].shape), snap.grads[f"layer{L - 1}.W_h"])


@pytest.mark.parametrize("layer", [1, 2])
def test_gradient_heatmaps_follow_the_chosen_layer(page, layer):
    at = page
    at.slider(key="tr_layers").set_value(3).run()
    at.button(key="tr_step").click().run()
    at.button_group(key="tr_view_layer").set_value(layer).run()
    assert not at.exception
    session = at.session_state["training_session"]
    snap = session.snapshots[-1]
    params = session.trainer.params[layer - 1]
    for name in ("W_h", "W_x", "b"):
        expected = snap.grads[f"layer{layer - 1}.{name}"]
        spec = live_chart(at, f"g_{name}")
        z = decode(spec["data"][0]["z"]).reshape(expected.shape if expected.ndim == 2 else (-1,))
        np.testing.assert_array_equal(z, expected)
        assert f"layer {layer}" in spec["layout"]["title"]["text"]
        w = decode(live_chart(at, f"w_{name}")["data"][0]["z"])
        np.testing.assert_array_equal(w.reshape(getattr(params, name).shape), getattr(params, name))
    if layer == 1:  # layer 1's W_x reads the task's inputs: n x d, not n x n
        assert snap.grads["layer0.W_x"].shape == (session.trainer.hidden, session.trainer.task.d)


def test_stacked_sweep_and_gradient_check_run_on_the_chosen_layer(page):
    from rnnviz.training import backward_sweep_layer

    at = page
    at.slider(key="tr_layers").set_value(2).run()
    at.button(key="tr_step").click().run()
    at.button_group(key="tr_view_layer").set_value(1).run()
    session = at.session_state["training_session"]
    task = session.trainer.task
    frames = backward_sweep_layer(session.trainer.params, 0, task.x_test, task.y_test, task.loss, task.mask_test)
    sweep = chart(at, "tr_fig_sweep")
    last = sweep["frames"][-1]  # t = 0: every column filled in
    np.testing.assert_array_equal(decode(last["data"][0]["z"]).reshape(-1, task.T + 1)[:, 0], frames[-1].dh)
    assert "layer 2 above" in sweep["frames"][1]["layout"]["title"]["text"]
    at.button(key="tr_gradcheck").click().run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "relative error" in d.value.columns)
    assert len(table) >= 5 and (table["relative error"] < 1e-5).all()
    assert any("layer 1 of 2" in c.value for c in at.caption)


def test_changing_the_layer_count_goes_back_to_the_top_layer(page):
    at = page
    at.slider(key="tr_layers").set_value(3).run()
    at.button_group(key="tr_view_layer").set_value(1).run()
    at.slider(key="tr_layers").set_value(2).run()
    assert not at.exception and at.button_group(key="tr_view_layer").value == 2
    at.slider(key="tr_layers").set_value(1).run()
    assert not at.exception and metric(at, "ρ(W_h)")
    assert not [b for b in at.get("button_group") if b.key == "tr_view_layer"]


def test_stacked_chars_still_samples_text_and_truncated_bptt_runs(page):
    at = page
    at.slider(key="tr_layers").set_value(2).run()
    at.selectbox(key="tr_task").select("chars").run()
    at.number_input(key="tr_window").set_value(5).run()
    at.button(key="tr_step").click().run()
    assert not at.exception and not at.error
    assert len(live(at)["sample"]) == 200
    session = at.session_state["training_session"]
    assert session.trainer.layers == 2 and session.trainer.bptt_window == 5 and session.trainer.steps_done == 1


def test_live_numbers_tables_appear_only_while_paused_and_the_frame_rate_is_a_choice(page):
    def live_tables(at):  # the live charts' tables sit in expanders titled "Numbers: ..."
        return sum(1 for e in at.expander if e.label.startswith("Numbers:"))

    paused = live_tables(page)
    assert page.select_slider(key="tr_fps").value == 4
    page.select_slider(key="tr_fps").set_value(2).run()
    page.button(key="tr_play").click().run()
    assert not page.exception
    assert page.session_state["tr_fps"] == 2
    playing = live_tables(page)
    assert playing < paused, (playing, paused)
    page.button(key="tr_pause").click().run()
    assert live_tables(page) == paused == 4
