"""rnnviz.idle: idle training runs are released, used ones are kept, ended ones forgotten (a fake clock); a closed
session's runs are released at once, and the freed memory handed back (malloc_trim)."""

from __future__ import annotations

import gc

import rnnviz.idle as idle_mod
from rnnviz.idle import IdleReaper, SessionRuns
from rnnviz.training import TrainingSession, advance

SETTINGS = dict(task="sine", hidden=4, seed=0)


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_an_idle_run_is_released_and_a_used_one_kept():
    clock = Clock()
    reaper = IdleReaper(ttl=60, clock=clock)
    idle, used = TrainingSession.build(SETTINGS), TrainingSession.build(SETTINGS)
    advance(idle, 3)
    reaper.touch(idle)
    reaper.touch(used)
    clock.now = 50
    reaper.touch(used)
    assert reaper.sweep() == 0 and not idle.released
    clock.now = 61
    assert reaper.sweep() == 1
    assert idle.released and idle.trainer is None and idle.snapshots == [] and not idle.playing
    assert not used.released and used.trainer is not None
    assert idle.settings == SETTINGS  # enough to build the same run again
    assert TrainingSession.build(idle.settings).trainer.params == used.trainer.params  # same seed, same weights


def test_ended_runs_are_forgotten():
    reaper = IdleReaper(ttl=60, clock=Clock())
    run = TrainingSession.build(SETTINGS)
    reaper.touch(run)
    assert reaper.tracked() == 1
    del run
    gc.collect()
    assert reaper.tracked() == 0 and reaper.sweep() == 0


def test_the_training_page_rebuilds_a_released_run_where_it_was():
    """A run the reaper released comes back on the next rerun: same settings, same update, same weights."""
    from apptest_utils import open_app

    at = open_app("pages/training.py")
    for _ in range(3):
        at.button(key="tr_step").click().run()
    before = at.session_state["training_session"]
    weights = before.trainer.params
    before.release()
    at.run()
    assert not at.exception
    after = at.session_state["training_session"]
    assert after is not before and not after.released
    assert after.trainer.steps_done == 3 and after.trainer.params == weights
    at.button(key="tr_step").click().run()  # and it trains on
    assert not at.exception and at.session_state["training_session"].trainer.steps_done == 4


class Trims:
    """Stands in for rnnviz._memory.return_freed_memory: counts the calls."""

    def __init__(self):
        self.calls = 0

    def __call__(self) -> bool:
        self.calls += 1
        return True


def test_a_sweep_hands_memory_back_only_when_it_released_a_run(monkeypatch):
    trims = Trims()
    monkeypatch.setattr(idle_mod, "return_freed_memory", trims)
    clock = Clock()
    reaper = IdleReaper(ttl=60, clock=clock)
    run = TrainingSession.build(SETTINGS)
    reaper.touch(run)
    assert reaper.sweep() == 0 and trims.calls == 0
    clock.now = 61
    assert reaper.sweep() == 1 and trims.calls == 1


def test_an_ended_session_drops_its_runs_recordings_once(monkeypatch):
    trims = Trims()
    monkeypatch.setattr(idle_mod, "return_freed_memory", trims)
    runs = SessionRuns()
    first, second, other = (TrainingSession.build(SETTINGS) for _ in range(3))
    for run in (first, second, other):
        advance(run, 3)
    weights = first.trainer.params
    for run in (first, first, second):
        runs.add(run)
    ended = runs.session_ended()
    assert len(ended) == 2 and ended[0] is first and ended[1] is second  # added twice, ended once
    assert first.snapshots == [] and second.snapshots == []
    assert first.trainer.steps_done == 3 and first.trainer.params == weights  # the trainer stays, untouched
    assert not first.released
    assert len(other.snapshots) == 3  # another session's run keeps its recordings
    assert trims.calls == 1
    assert runs.session_ended() == [] and trims.calls == 1  # nothing left: no second trim
    advance(first, 2)  # a script run still using it records into the new replay
    assert [s.step for s in first.snapshots] == [4, 5]


def test_session_runs_forget_ended_and_released_runs(monkeypatch):
    trims = Trims()
    monkeypatch.setattr(idle_mod, "return_freed_memory", trims)
    runs = SessionRuns()
    gone, kept = TrainingSession.build(SETTINGS), TrainingSession.build(SETTINGS)
    runs.add(gone)
    del gone
    gc.collect()
    runs.add(kept)
    kept.release()  # the idle reaper got it first
    assert runs.session_ended() == [] and trims.calls == 0


def test_a_disconnected_session_gives_its_recordings_back_and_trains_on():
    """Streamlit's session end (the session-scoped cache_resource cleared, as on a websocket disconnect) drops the
    page's recorded updates; if the tab reconnects, the next rerun goes on from the same update and weights."""
    from apptest_utils import open_app
    from streamlit.runtime import caching

    at = open_app("pages/training.py")
    for _ in range(3):
        at.button(key="tr_step").click().run()
    run = at.session_state["training_session"]
    weights = run.trainer.params
    assert len(run.snapshots) == 3
    caching.clear_session_resource_cache("test session id")  # AppTest's session id (LocalScriptRunner)
    assert run.snapshots == [] and run.trainer.params == weights
    at.run()
    assert not at.exception
    assert at.session_state["training_session"] is run and run.trainer.steps_done == 3
    at.button(key="tr_step").click().run()  # and it trains on
    assert not at.exception and run.trainer.steps_done == 4 and [s.step for s in run.snapshots] == [4]
    caching.clear_session_resource_cache("test session id")  # the run is still the session's after a rerun
    assert run.snapshots == []
