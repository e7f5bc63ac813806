"""Training setups in the URL (rnnviz.training_query): exact round trips, short links, hostile links."""

from __future__ import annotations

from dataclasses import fields, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnviz import tasks as task_lib
from rnnviz.query import QUERY_KEYS
from rnnviz.training import Trainer
from rnnviz.training_query import (
    FIELDS,
    MAX_REPLAY_UPDATES,
    TRAINING_QUERY_KEYS,
    TrainingSetup,
    from_training_query,
    link_notes,
    replay_limit,
    text_fits_link,
    to_training_query,
)
from rnnviz.training_setup import FRAME_RATES, LR_CHOICES, OPTIMIZERS, TASKS


def _text():
    return st.text(alphabet="abc xyz,.é\n&=?#%+;", min_size=2, max_size=120).filter(
        lambda t: len(set(t)) >= 2)


@st.composite
def setups(draw) -> TrainingSetup:
    """Valid setups: what the parser accepts without a warning."""
    task = draw(st.sampled_from(tuple(TASKS)))
    setup = TrainingSetup(
        task=task, delay=draw(st.integers(1, 15)), text=draw(st.one_of(st.just(task_lib.DEFAULT_TEXT), _text())),
        mode=draw(st.sampled_from(task_lib.CHARS_MODES)), seq=draw(st.integers(1, 100)),
        hidden=draw(st.integers(1, 64)), layers=draw(st.integers(1, 3)),
        activation=draw(st.sampled_from(("tanh", "relu"))),
        rho=draw(st.one_of(st.none(), st.integers(1, 60).map(lambda k: k / 20))),
        optimizer=draw(st.sampled_from(tuple(OPTIMIZERS))),
        lr=draw(st.one_of(st.sampled_from(LR_CHOICES), st.floats(1e-12, 100.0, exclude_min=True))),
        clip=draw(st.one_of(st.none(), st.floats(0.001, 1e4))),
        window=draw(st.integers(0, 500)), batch=draw(st.integers(0, 32)), seed=draw(st.integers(0, 2**31 - 1)),
        spf=draw(st.integers(1, 50)), fps=draw(st.sampled_from(FRAME_RATES)),
        updates=draw(st.integers(0, MAX_REPLAY_UPDATES)))
    if setup.minchar:
        setup = replace(setup, window=0, batch=0)
    return replace(setup, window=min(setup.window, setup.steps))


@settings(max_examples=300, deadline=None)
@given(setups())
def test_round_trip_is_exact(setup):
    query = to_training_query(setup)
    assert all(isinstance(v, str) for v in query.values())
    assert from_training_query(query) == (setup, [])


@settings(max_examples=100, deadline=None)
@given(setups())
def test_round_trip_through_a_real_url(setup):
    from urllib.parse import parse_qs, urlencode

    parsed = parse_qs(urlencode(to_training_query(setup)), keep_blank_values=True)
    assert from_training_query(parsed) == (setup, [])


def test_defaults_are_left_out_so_links_stay_short():
    assert to_training_query(TrainingSetup()) == {}
    assert from_training_query({}) == (TrainingSetup(), [])
    assert to_training_query(TrainingSetup(task="echo", delay=10, updates=200)) == {
        "task": "echo", "delay": "10", "updates": "200"}


def test_keys_are_disjoint_from_the_simulators_even_ignoring_case():
    assert len(set(TRAINING_QUERY_KEYS)) == len(TRAINING_QUERY_KEYS)
    assert not {k.lower() for k in TRAINING_QUERY_KEYS} & {k.lower() for k in QUERY_KEYS}


def test_the_table_names_every_setup_field_and_its_defaults():
    assert [f.name for f in FIELDS] == [f.name for f in fields(TrainingSetup)]
    assert all(getattr(TrainingSetup(), f.name) == f.default for f in FIELDS)


@settings(max_examples=100, deadline=None)
@given(setups())
def test_settings_and_back(setup):
    """The page builds its Trainer from setup.settings() and writes its URL from the settings it trains with."""
    more = dict(spf=setup.spf, fps=setup.fps, updates=setup.updates)
    back = TrainingSetup.from_settings(setup.settings(), **more)
    assert back.settings() == setup.settings()


def test_settings_are_the_trainers_and_min_char_rnn_mode_is_carried():
    setup = TrainingSetup(task="chars", mode="minchar", seq=20, optimizer="adagrad", lr=0.1, clip=5.0, hidden=8)
    s = setup.settings()
    assert s["task_options"] == {"text": task_lib.DEFAULT_TEXT, "mode": "minchar", "T": 20}
    assert Trainer(**s).minchar
    again, warnings = from_training_query(to_training_query(setup))
    assert again == setup and not warnings
    assert TrainingSetup(task="sign").settings()["task_options"] == {"sign": True}
    assert TrainingSetup(task="echo", delay=7).settings()["task_options"] == {"delay": 7}


def test_a_text_too_long_for_a_link_is_left_out_with_a_clear_note():
    long_text = "ab " * 400
    setup = TrainingSetup(task="chars", text=long_text)
    assert not text_fits_link(long_text)
    assert "text" not in to_training_query(setup)
    (note,) = link_notes(setup)
    assert "too long for a link" in note and "default text" in note
    assert link_notes(TrainingSetup(task="chars", text="ab ba")) == []
    assert link_notes(TrainingSetup()) == []


# --------------------------------------------------------------------------- hostile links

HOSTILE_VALUES = ["", " ", "abc", "NaN", "inf", "-inf", "1e400", "-1e400", "1" * 500, "0x10", "1.5", "-3",
                  "999999999999999999999999", "<script>", "𝟙", "None", "off", "OFF", "1,2", "٣"]


@pytest.mark.parametrize("key", TRAINING_QUERY_KEYS)
@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_hostile_values_give_warnings_and_usable_setups(key, value):
    setup, warnings = from_training_query({key: value})
    assert isinstance(setup, TrainingSetup)
    for w in warnings:
        assert w.startswith(key + ":") and "<script>" not in w
    if setup != TrainingSetup() or key == "text":
        # a value that was used as given is valid; it round-trips
        assert from_training_query(to_training_query(setup))[0] == setup
    if setup == TrainingSetup() and value.strip().lower() not in ("", "off") and key != "text":
        assert warnings or str(getattr(setup, FIELDS[TRAINING_QUERY_KEYS.index(key)].name)) == value


@pytest.mark.parametrize("key", TRAINING_QUERY_KEYS)
def test_every_key_rejects_garbage_with_a_warning_naming_it(key):
    setup, warnings = from_training_query({key: "garbage!"})
    if key == "text":  # any text of two distinct characters is a text to learn
        assert setup.text == "garbage!" and not warnings
    else:
        assert setup == TrainingSetup() and len(warnings) == 1 and warnings[0].startswith(f"{key}: ")


def test_huge_counts_are_clipped_with_a_warning():
    setup, warnings = from_training_query({"updates": "10000000", "hidden": "1e30", "seed": "-5"})
    assert (setup.updates, setup.hidden, setup.seed) == (MAX_REPLAY_UPDATES, 64, 0)
    assert len(warnings) == 3 and any("updates: '10000000' is outside 0 to 5000" in w for w in warnings)


def test_rules_between_fields():
    setup, warnings = from_training_query({"task": "chars", "mode": "minchar", "window": "5", "batch": "4"})
    assert (setup.window, setup.batch) == (0, 0) and "min-char-rnn" in warnings[0]
    setup, warnings = from_training_query({"task": "parity", "window": "30"})
    assert setup.window == 10 and "longer than the task's sequences" in warnings[0]


def test_rho_is_snapped_to_the_sliders_step():
    setup, warnings = from_training_query({"rho": "0.93"})
    assert setup.rho == 0.95 and "multiple of 0.05" in warnings[0]


def test_repeated_case_slipped_and_non_text_values():
    setup, warnings = from_training_query({"seed": ["1", "2"], "LR": "0.1", "hidden": 5, "Task": "echo"})
    assert setup.seed == 2 and setup.lr == 0.01 and setup.hidden == 16 and setup.task == "sine"
    assert any("given 2 times" in w for w in warnings)
    assert any("did you mean lr" in w for w in warnings) and any("did you mean task" in w for w in warnings)
    assert any(w.startswith("hidden: expected text") for w in warnings)


@pytest.mark.parametrize("query", [None, 5, "task=echo", ["task"], {1: 2}, {"task": None}, {"task": ["a", None]},
                                   {"task": []}])
def test_garbage_queries_never_raise(query):
    setup, warnings = from_training_query(query)
    assert isinstance(setup, TrainingSetup) and isinstance(warnings, list)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(TRAINING_QUERY_KEYS + ("x", "TASK")),
                       st.one_of(st.text(max_size=30), st.lists(st.text(max_size=5), max_size=3))))
def test_random_queries_never_raise_and_give_buildable_setups(query):
    setup, warnings = from_training_query(query)
    assert isinstance(setup, TrainingSetup)
    assert setup.window <= setup.steps and (not setup.minchar or not (setup.window or setup.batch))


def test_replay_is_bounded_for_big_networks():
    small = Trainer(**TrainingSetup().settings()).update_cost
    big = Trainer(**TrainingSetup(hidden=64, layers=3).settings()).update_cost
    assert replay_limit(small) == MAX_REPLAY_UPDATES
    assert 0 < replay_limit(big) < MAX_REPLAY_UPDATES
