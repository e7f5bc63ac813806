"""The training page opened with a training link: the widgets show the link's settings, its update count is
replayed (the same weights as a direct Trainer run), and the page writes its own setup back to the URL."""

from __future__ import annotations

import json

import numpy as np
import pytest
from apptest_utils import APP, shown
from streamlit.testing.v1 import AppTest

from rnnviz import training_query as tq
from rnnviz.training import Trainer
from rnnviz.training_query import TrainingSetup, from_training_query, to_training_query

PAGE = "pages/training.py"


def open_training(query: dict[str, str] | None = None) -> AppTest:
    """A fresh session whose first visit to the training page carries ``query`` in its URL."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page(PAGE)
    at.query_params.clear()
    at.query_params.update(query or {})
    at.run()
    assert not at.exception, at.exception
    return at


def metric(at, label):
    """A read-out of the live view (one component, key tr_live: its frame carries the metrics)."""
    element = next(c for c in at.get("bidi_component") if c.proto.id.endswith("-tr_live"))
    return next(m["value"] for m in json.loads(element.proto.bytes)["metrics"] if m["label"] == label)


def url_setup(at) -> TrainingSetup:
    setup, warnings = from_training_query({k: v for k, v in at.query_params.items()})
    assert not warnings
    return setup


def trainer(at) -> Trainer:
    return at.session_state["training_session"].trainer


LINKED = TrainingSetup(task="echo", delay=10, hidden=8, layers=2, activation="relu", rho=0.5, optimizer="sgd",
                       lr=0.003, clip=None, window=5, batch=16, seed=7, spf=3, fps=2)


def test_the_widgets_show_the_links_settings():
    at = open_training(to_training_query(LINKED))
    assert at.selectbox(key="tr_task").value == "echo" and at.slider(key="tr_delay").value == 10
    assert at.slider(key="tr_hidden").value == 8 and at.slider(key="tr_layers").value == 2
    assert at.radio(key="tr_act").value == "relu"
    assert at.toggle(key="tr_init_on").value and at.slider(key="tr_init").value == 0.5
    assert at.selectbox(key="tr_opt").value == "sgd" and at.select_slider(key="tr_lr").value == 0.003
    assert at.text_input(key="tr_lr_text").value == ""
    assert not at.toggle(key="tr_clip_on").value
    assert at.number_input(key="tr_window").value == 5 and at.number_input(key="tr_batch").value == 16
    assert at.number_input(key="tr_seed").value == 7
    assert at.slider(key="tr_spf").value == 3 and at.select_slider(key="tr_fps").value == 2
    assert at.session_state["training_session"].settings == LINKED.settings()
    assert metric(at, "Update") == "0" and not [w for w in at.warning if "Training link" in shown(w.value)]
    assert url_setup(at) == LINKED  # the page writes back what it shows
    direct = Trainer(**LINKED.settings())
    assert np.array_equal(trainer(at).params[0].W_h, direct.params[0].W_h)  # the same initial weights


def test_a_typed_learning_rate_and_min_char_rnn_mode():
    linked = TrainingSetup(task="chars", mode="minchar", seq=20, hidden=10, optimizer="adagrad", lr=0.005,
                           clip=5.0, text="hello world, hello there. " * 3)
    at = open_training(to_training_query(linked))
    assert at.select_slider(key="tr_lr").value == 0.01 and at.text_input(key="tr_lr_text").value == "0.005"
    assert at.radio(key="tr_mode").value == "minchar" and at.number_input(key="tr_seq").value == 20
    assert at.text_area(key="tr_text").value == linked.text
    assert at.number_input(key="tr_clip").value == 5.0
    assert not [w for w in at.number_input if w.key in ("tr_window", "tr_batch")]  # min-char-rnn: none
    assert trainer(at).minchar and url_setup(at) == linked


def test_an_update_count_is_replayed_to_the_same_weights_and_loss():
    linked = TrainingSetup(task="sine", hidden=6, seed=3, lr=0.03, updates=40)
    at = open_training(to_training_query(linked))
    tr = trainer(at)
    direct = Trainer(**linked.settings())
    snaps = direct.step(40)
    assert tr.steps_done == 40 and metric(at, "Update") == "40"
    assert tr.history["loss"][-1] == snaps[-1].loss
    assert metric(at, "Training loss") == f"{snaps[-1].loss:.4f}"
    for name in ("W_h", "W_x", "b", "W_y", "b_y"):
        assert np.array_equal(getattr(tr.params, name), getattr(direct.params, name))
    assert url_setup(at).updates == 40
    at.button(key="tr_step").click().run()  # a step while paused: the URL names the new count
    assert trainer(at).steps_done == 41 and url_setup(at).updates == 41


def test_session_state_wins_after_the_first_load():
    at = open_training(to_training_query(TrainingSetup(hidden=5, updates=3)))
    at.slider(key="tr_hidden").set_value(9).run()
    assert not at.exception and at.slider(key="tr_hidden").value == 9
    assert url_setup(at) == TrainingSetup(hidden=9)  # new settings: a new run at update 0
    assert trainer(at).steps_done == 0


def test_a_link_opened_later_in_the_session_is_read():
    at = open_training()
    assert url_setup(at) == TrainingSetup()
    at.query_params.update(to_training_query(TrainingSetup(task="parity", seed=2)))
    at.run()
    assert at.selectbox(key="tr_task").value == "parity" and at.number_input(key="tr_seed").value == 2


def test_hostile_links_warn_and_fall_back():
    query = {key: "garbage!" for key in tq.TRAINING_QUERY_KEYS if key != "text"} | {"updates": "1e30"}
    at = open_training(query)
    warnings = [shown(w.value) for w in at.warning]
    assert any(w.startswith("Training link: hidden:") for w in warnings)
    assert any("updates:" in w and "5000" in w for w in warnings)
    assert at.selectbox(key="tr_task").value == "sine" and at.slider(key="tr_hidden").value == 16
    assert not at.error


def test_a_big_update_count_is_bounded(monkeypatch):
    monkeypatch.setattr(tq, "REPLAY_BUDGET", 5 * Trainer(**TrainingSetup().settings()).update_cost)
    at = open_training(to_training_query(TrainingSetup(updates=200)))
    assert trainer(at).steps_done == 5
    assert any("replays at most 5 updates" in shown(w.value) for w in at.warning)


def test_a_text_too_long_for_a_link_says_so():
    at = open_training(to_training_query(TrainingSetup(task="chars")))
    at.text_area(key="tr_text").input("ab cd " * 200).run()
    assert not at.exception
    assert any("too long for a link" in shown(i.value) for i in at.sidebar.info)
    assert "text" not in at.query_params


@pytest.mark.parametrize("query", [{"task": "chars", "text": "ab", "mode": "minchar"}, {"task": "echo", "delay": "15",
                                                                                      "window": "500"}])
def test_links_that_cannot_train_say_why(query):
    at = open_training(query)
    assert not at.exception and (at.error or at.warning)


def test_picking_min_char_rnn_mode_sets_its_optimizer_and_the_url_carries_it():
    at = open_training(to_training_query(TrainingSetup(task="chars")))
    at.radio(key="tr_mode").set_value("minchar").run()
    assert not at.exception
    assert at.selectbox(key="tr_opt").value == "adagrad" and at.select_slider(key="tr_lr").value == 0.1
    assert at.toggle(key="tr_clip_on").value and at.number_input(key="tr_clip").value == 5.0
    assert trainer(at).minchar
    assert url_setup(at) == TrainingSetup(task="chars", mode="minchar", optimizer="adagrad", lr=0.1, clip=5.0)
