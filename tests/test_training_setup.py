"""rnnviz.training_setup: what the training page computes, without Streamlit."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz import tasks as task_lib
from rnnviz import training_setup as setup
from rnnviz.training import TrainingSession, advance, loss_grads

SETTINGS = dict(task="sine", hidden=6, seed=3, optimizer="adam", lr=0.01, clip=1.0)


# --------------------------------------------------------------------------- learning rate

@pytest.mark.parametrize("typed, slider, value", [("", 0.01, 0.01), ("  ", 0.3, 0.3), ("0.005", 0.01, 0.005),
                                                  (" 1e-3 ", 0.01, 0.001), ("100", 0.01, 100.0)])
def test_a_valid_learning_rate_is_used(typed, slider, value):
    lr = setup.parse_learning_rate(typed, slider)
    assert lr.value == value and lr.error is None


@pytest.mark.parametrize("typed, words", [("abc", "not a number"), ("1e9", "outside"), ("-1", "outside"),
                                          ("0", "outside"), ("nan", "outside"), ("inf", "outside"),
                                          ("100.5", "outside")])
def test_a_bad_learning_rate_falls_back_to_the_slider_with_a_message(typed, words):
    lr = setup.parse_learning_rate(typed, 0.03)
    assert lr.value == 0.03 and words in lr.error and "0.03" in lr.error and lr.warning is None


def test_a_huge_typed_text_is_cut_in_the_message():
    lr = setup.parse_learning_rate("x" * 500, 0.01)
    assert "x" * 30 in lr.error and "x" * 31 not in lr.error


def test_a_learning_rate_above_one_is_used_with_a_warning():
    lr = setup.parse_learning_rate("50", 0.01)
    assert lr.value == 50.0 and lr.error is None and "very large" in lr.warning
    assert setup.parse_learning_rate("1", 0.01).warning is None


# --------------------------------------------------------------------------- task -> trainer options

def test_task_options_per_choice():
    assert setup.task_options("sine") == ("sine", None)
    assert setup.task_options("sum") == ("sum", None)
    assert setup.task_options("sign") == ("sum", {"sign": True})
    assert setup.task_options("echo", delay=7) == ("echo", {"delay": 7})
    assert setup.task_options("chars", text="abcab" * 10) == ("chars", {"text": "abcab" * 10})
    assert set(setup.TASKS) == {"sine", "echo", "sum", "sign", "parity", "chars"}


def test_a_text_the_chars_task_cannot_learn_raises_the_tasks_message():
    with pytest.raises(ValueError, match="2 distinct characters"):
        setup.task_options("chars", text="a" * 60)
    with pytest.raises(ValueError):
        setup.task_options("chars", text="x" * (task_lib.MAX_TEXT + 1))


def test_every_task_choice_builds_a_trainer():
    for choice in setup.TASKS:
        text = task_lib.DEFAULT_TEXT if choice == "chars" else None
        task, options = setup.task_options(choice, delay=2, text=text)
        session = TrainingSession.build(dict(SETTINGS, task=task, task_options=options))
        assert session.trainer.steps_done == 0


# --------------------------------------------------------------------------- gradients and recorded weights

def test_current_gradients_before_and_after_an_update():
    session = TrainingSession.build(SETTINGS)
    tr, task = session.trainer, session.trainer.task
    grads, dh_norms, step = setup.current_gradients(session)
    _, _, expected, expected_dh = loss_grads(tr.params, task.x, task.y, task.loss, task.mask, tr.bptt_window)
    assert step is None
    np.testing.assert_array_equal(dh_norms, expected_dh)
    np.testing.assert_array_equal(grads["W_h"], expected["W_h"])
    advance(session, 2)
    grads, dh_norms, step = setup.current_gradients(session)
    snap = session.snapshots[-1]
    assert step == 2 and grads is snap.grads
    np.testing.assert_array_equal(dh_norms, snap.dh_norms)


def test_params_after_each_recorded_step():
    session = TrainingSession.build(SETTINGS)
    initial = session.trainer.params
    assert setup.recorded_steps(session) == [0]
    assert setup.params_after(session, 0) == initial
    advance(session, 3)
    assert setup.recorded_steps(session) == [0, 1, 2, 3]
    assert setup.params_after(session, 0) == initial  # drawn again from the same seed
    assert setup.params_after(session, 3) == session.trainer.params
    assert setup.params_after(session, 2) == session.snapshots[1].params
    assert setup.params_after(session, 2) != setup.params_after(session, 3)


def test_the_settings_key_names_the_settings_in_any_order():
    a = setup.settings_key({"task": "sine", "seed": 1})
    assert a == setup.settings_key({"seed": 1, "task": "sine"})
    assert a != setup.settings_key({"task": "sine", "seed": 2})


@pytest.mark.parametrize("chosen, chosen_for, layers, shown", [
    (None, None, 1, 0), (None, None, 3, 2), (1, 3, 3, 0), (2, 3, 3, 1),
    (1, 2, 3, 2),  # chosen for another layer count: the top layer
    (5, 3, 3, 2),  # out of range
    (1, 1, 1, 0),
])
def test_shown_layer(chosen, chosen_for, layers, shown):
    assert setup.shown_layer(chosen, chosen_for, layers) == shown


# --------------------------------------------------------------------------- captions

def test_captions_follow_the_layers():
    assert "stacked" not in setup.dh_caption(1, 3) and "initial weights" not in setup.dh_caption(1, 3)
    assert "initial weights" in setup.dh_caption(1, None)
    assert "top layer's ∂L/∂h⁽3⁾_t" in setup.dh_caption(3, 1)
    assert "Layer" not in setup.weights_caption(1, 0)
    assert "the inputs x_t" in setup.weights_caption(2, 0) and "layer 1's h_t" in setup.weights_caption(2, 1)
    assert "Layer" not in setup.sweep_caption(1, 0)
    assert "from the output" in setup.sweep_caption(2, 1) and "from layer 2" in setup.sweep_caption(2, 0)
    assert "layer 1 of 2" in setup.gradient_check_caption(4, 0, 2)
    assert setup.gradient_check_caption(4, 0, 1).startswith("At update 4:")
