"""Links to trained weights that name the run (rnnviz.trained_link): exact, short, hostile-proof; and the app
opening them (the training page's "open in the simulator" link, a fresh session on the landing page)."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
from apptest_utils import open_app, shown
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnviz.query import query_text
from rnnviz.trained_link import TRAINED_KEY, parse_trained, trained_query, trained_state, trained_value
from rnnviz.training import TrainingSession, advance, simulator_state
from rnnviz.training_query import MAX_REPLAY_UPDATES, TrainingSetup

STACKED = TrainingSetup(task="echo", delay=4, hidden=16, layers=3, activation="relu", rho=0.9, optimizer="sgd",
                        lr=0.03, clip=0.5, window=6, batch=8, seed=11, spf=7, updates=23)


def played(setup: TrainingSetup):
    """The simulator state the training page reaches: frames of ``spf`` updates, as Play runs them."""
    session = TrainingSession.build(setup.settings(), steps_per_frame=setup.spf)
    while session.trainer.steps_done < setup.updates:
        advance(session, min(setup.spf, setup.updates - session.trainer.steps_done))
    state, reason = simulator_state(session.trainer)
    assert reason is None
    return state


@pytest.mark.parametrize("setup", [TrainingSetup(updates=37), STACKED, TrainingSetup(task="sign", hidden=4)],
                         ids=["sine", "echo-3-layers", "sign-untrained"])
def test_the_link_reopens_the_trained_weights_exactly(setup):
    state, warnings = trained_state(trained_value(setup))
    assert warnings == [] and state == played(setup)
    assert state.L == setup.layers


def test_a_stacked_network_keeps_every_layer_and_the_output_on_top():
    session = TrainingSession.build(STACKED.settings())
    advance(session, 5)
    state, _ = simulator_state(session.trainer)
    layers = session.trainer.params
    assert state.params.W_h is not None and (state.params.W_h == layers[0].W_h).all()
    assert (state.params.W_y == layers[-1].W_y).all() and (state.upper[1].W_h == layers[2].W_h).all()


def test_links_stay_short_for_the_largest_networks_the_issue_names():
    for setup in (STACKED, TrainingSetup(hidden=16, layers=3, updates=MAX_REPLAY_UPDATES, lr=0.0123, seed=99999)):
        text = query_text(trained_query(setup))
        assert len(text) <= 300, text


@settings(max_examples=40, deadline=None)
@given(task=st.sampled_from(["sine", "echo", "sum", "sign", "parity"]), hidden=st.integers(1, 16),
       layers=st.integers(1, 3), lr=st.floats(1e-4, 10, allow_nan=False), seed=st.integers(0, 10**6),
       clip=st.none() | st.floats(0.01, 100), updates=st.integers(0, MAX_REPLAY_UPDATES))
def test_the_value_round_trips(task, hidden, layers, lr, seed, clip, updates):
    setup = TrainingSetup(task=task, hidden=hidden, layers=layers, lr=lr, seed=seed, clip=clip, updates=updates)
    assert parse_trained(trained_value(setup)) == (setup, [])


@pytest.mark.parametrize("value", ["", ";;;", "garbage", "updates:-3", "updates:99999999999", "hidden:1e400",
                                   "task:%ZZ", "task:chars;text:" + "x" * 5000, "lr:nan;clip:inf", "\x00:\x00",
                                   "seed:1;seed:2", "Hidden:8"])
def test_hostile_values_warn_and_never_raise(value):
    state, warnings = trained_state(value)
    assert state is not None or warnings
    assert all(isinstance(w, str) and w for w in warnings)


def test_a_run_the_simulator_cannot_show_says_why():
    state, warnings = trained_state(trained_value(TrainingSetup(task="chars", hidden=8)))
    assert state is None and any("d=" in w and "simulator" in w for w in warnings)


def test_an_update_count_above_the_replay_limit_is_named():
    with pytest.raises(ValueError):
        trained_query(TrainingSetup(updates=MAX_REPLAY_UPDATES + 1))


# --------------------------------------------------------------------------- the app

def test_the_landing_page_opens_a_trained_link_and_keeps_it_as_its_link():
    setup = TrainingSetup(task="echo", delay=3, hidden=6, layers=2, updates=12, spf=4)
    at = open_app(query={TRAINED_KEY: trained_value(setup), "t": "3"})
    assert not at.exception and not at.warning, [shown(w.value) for w in at.warning]
    state = at.session_state["rnnviz_state"]
    assert state.replace(t=1) == played(setup) and state.t == 3
    assert dict(at.query_params) == {TRAINED_KEY: trained_value(setup), "t": "3"}  # the name, not the numbers


def test_a_bad_trained_link_falls_back_with_a_message():
    at = open_app(query={TRAINED_KEY: "task:chars;hidden:8", "n": "3"})
    assert not at.exception
    assert any("simulator" in shown(w.value) for w in at.warning)
    assert at.session_state["rnnviz_state"].n == 3  # the rest of the link still counts


def test_the_training_page_links_to_its_weights_by_name():
    at = open_app("pages/training.py")
    at.button(key="tr_step").click().run()
    link = at.get("page_link")[0].proto
    query = {k: v[-1] for k, v in parse_qs(link.query_string).items()}
    expected, _ = simulator_state(at.session_state["training_session"].trainer)
    assert set(query) == {TRAINED_KEY} and "updates:1" in query[TRAINED_KEY]
    assert trained_state(query[TRAINED_KEY]) == (expected, [])
    assert TRAINED_KEY in at.main.code[-1].value and len(at.main.code[-1].value) < 300
