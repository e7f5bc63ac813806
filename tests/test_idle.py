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
