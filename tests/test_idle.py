"""rnnviz.idle: idle training runs are released, used ones are kept, ended ones forgotten (a fake clock)."""

from __future__ import annotations

import gc

from rnnviz.idle import IdleReaper
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
