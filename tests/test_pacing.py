"""Pacing: fair update budgets per session, scaled by model size, with a server-wide cap (fake clock)."""

import threading

import pytest

from rnnviz.pacing import ACTIVE_SECONDS, BURST_SECONDS, PACER, Pacer, update_cost

SMALL = update_cost(hidden=16, layers=1, d=1, T=40, B=32)
BIG = update_cost(hidden=64, layers=3, d=1, T=40, B=32)


class FakeClock:
    def __init__(self):
        self.now = 1000.0
        self._lock = threading.Lock()

    def __call__(self):
        with self._lock:
            return self.now

    def advance(self, seconds):
        with self._lock:
            self.now += seconds


def _play(pacer, clock, sessions, seconds, wanted=50, fps=4.0):
    """Every session asks for `wanted` updates once per frame; returns {session: (updates, frames)}."""
    counts = {sid: [0, 0] for sid in sessions}
    frames = int(seconds * fps)
    for _ in range(frames):
        clock.advance(1.0 / fps)
        for sid, cost in sessions.items():
            counts[sid][0] += pacer.updates_for_frame(sid, cost, wanted)
            counts[sid][1] += 1
    return counts


def test_update_cost_scales_with_the_model():
    assert update_cost(hidden=8, layers=2, d=3, T=10, B=4) == 2 * (64 + 24) * 10 * 4
    assert BIG > 40 * SMALL
    with pytest.raises(ValueError, match="hidden"):
        update_cost(hidden=0, layers=1, d=1, T=1, B=1)


def test_two_sessions_playing_get_comparable_updates():
    clock = FakeClock()
    pacer = Pacer(session_rate=1e8, server_rate=1e8, clock=clock)  # the cap binds: they must share
    counts = _play(pacer, clock, {"a": BIG, "b": BIG}, seconds=60)
    a, b = counts["a"][0], counts["b"][0]
    assert a > 0 and b > 0 and abs(a - b) <= 0.05 * max(a, b)
    expected = 1e8 / 2 * 60 / BIG  # each gets half the server's rate
    assert a == pytest.approx(expected, rel=0.1)


def test_a_tab_asking_more_often_gets_no_more():
    clock = FakeClock()
    pacer = Pacer(session_rate=5e7, server_rate=1e9, clock=clock)
    counts = {"fast": 0, "slow": 0}
    for frame in range(600):  # 60 s: "fast" asks every 0.1 s, "slow" every 0.5 s
        clock.advance(0.1)
        counts["fast"] += pacer.updates_for_frame("fast", BIG, 100)
        if frame % 5 == 4:
            counts["slow"] += pacer.updates_for_frame("slow", BIG, 100)
    assert counts["fast"] == pytest.approx(counts["slow"], rel=0.1)


def test_a_big_model_gets_fewer_updates_per_frame_than_a_small_one():
    clock = FakeClock()
    pacer = Pacer(session_rate=5e7, server_rate=1e8, clock=clock)
    counts = _play(pacer, clock, {"small": SMALL, "big": BIG}, seconds=20, wanted=1000)
    per_frame = {sid: updates / frames for sid, (updates, frames) in counts.items()}
    assert per_frame["big"] < per_frame["small"] / 10
    assert per_frame["big"] > 0  # slow, but it does train
    assert counts["small"][0] == pytest.approx(5e7 * 20 / SMALL, rel=0.05)  # the per-session budget binds


def test_the_server_cap_holds_with_many_sessions():
    clock = FakeClock()
    server_rate = 2e8
    pacer = Pacer(session_rate=1e8, server_rate=server_rate, clock=clock)
    sessions = {f"student{i}": (BIG if i % 3 == 0 else SMALL) for i in range(40)}
    seconds = 30
    counts = _play(pacer, clock, sessions, seconds=seconds, wanted=1000)
    spent = sum(counts[sid][0] * cost for sid, cost in sessions.items())
    slack = sum(sessions.values())  # each new session's first update
    assert spent <= server_rate * seconds + slack
    assert spent >= 0.8 * server_rate * seconds  # and the server's budget is used, not wasted
    small = [counts[sid][0] for sid, cost in sessions.items() if cost == SMALL]
    assert max(small) - min(small) <= 0.05 * max(small)  # equal shares
    assert pacer.playing() == 40 and pacer.rate() == pytest.approx(server_rate / 40)


def test_the_cap_holds_under_threads():
    clock = FakeClock()
    server_rate = 1e8
    pacer = Pacer(session_rate=1e8, server_rate=server_rate, clock=clock)
    spent = []
    barrier = threading.Barrier(16)

    def student(i):
        total = 0
        for _ in range(200):
            barrier.wait()
            if i == 0:
                clock.advance(0.05)
            barrier.wait()
            total += pacer.updates_for_frame(i, SMALL, 1000) * SMALL
        spent.append(total)

    threads = [threading.Thread(target=student, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = 200 * 0.05
    assert sum(spent) <= server_rate * seconds + 16 * SMALL
    assert sum(spent) >= 0.8 * server_rate * seconds


def test_released_and_idle_sessions_free_their_share():
    clock = FakeClock()
    pacer = Pacer(session_rate=1e9, server_rate=1e8, clock=clock)
    for sid in "abcd":
        pacer.updates_for_frame(sid, SMALL, 1)
    assert pacer.playing() == 4 and pacer.rate() == pytest.approx(2.5e7)
    pacer.release("a")
    assert pacer.playing() == 3
    clock.advance(ACTIVE_SECONDS + 0.1)
    pacer.updates_for_frame("b", SMALL, 1)
    assert pacer.playing() == 1 and pacer.rate() == pytest.approx(1e8)


def test_no_savings_while_paused():
    clock = FakeClock()
    pacer = Pacer(session_rate=1e7, server_rate=1e9, clock=clock)
    pacer.updates_for_frame("a", SMALL, 10**6)
    clock.advance(30.0)  # a long pause, still within the forget window
    burst = pacer.updates_for_frame("a", SMALL, 10**6)
    assert 0 < burst * SMALL <= 1e7 * (BURST_SECONDS + ACTIVE_SECONDS)  # not 30 s worth


def test_validation_and_the_shared_instance():
    with pytest.raises(ValueError, match="cost"):
        PACER.updates_for_frame("x", 0.0, 1)
    with pytest.raises(ValueError, match="wanted"):
        PACER.updates_for_frame("x", 1.0, -1)
    with pytest.raises(ValueError, match="server_rate"):
        Pacer(server_rate=float("nan"))
    assert PACER.updates_for_frame("test-shared", SMALL, 0) == 0
    PACER.release("test-shared")


def test_a_trainer_states_its_update_cost():
    from rnnviz.training import Trainer, minchar_settings

    tr = Trainer("sine", hidden=8, layers=2, batch_size=4, task_options={"T": 10, "B": 16})
    assert tr.update_cost == update_cost(hidden=8, layers=2, d=1, T=10, B=4)
    assert Trainer(**minchar_settings(), hidden=8).update_cost == update_cost(hidden=8, layers=1, d=25, T=25, B=1)
