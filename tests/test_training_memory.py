"""Bounded memory: a long training session keeps a bounded history and replay (tracemalloc, no timing)."""

import gc
import json
import platform
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from rnnviz.training import EvenlyThinned, Trainer, TrainingSession, advance

REPO = Path(__file__).resolve().parents[1]

# The largest settings the page allows: n = 64, 3 layers, 64 distinct characters (d = k = 64).  T and B are
# small because the snapshots' size does not depend on them (only dh_norms, T+1 numbers) and they keep it fast.
TEXT = "".join(chr(c) for c in range(ord("0"), ord("0") + 64)) * 3
LARGEST = dict(task="chars", task_options={"text": TEXT, "T": 4, "B": 2}, hidden=64, layers=3, seed=0,
               optimizer="adam", lr=0.001)
BUDGET = 100 * 2**20  # a generous bound for one session's training state (measured: ~30 MB at 500 and at 2,000)
GROWTH = 5 * 2**20  # 1,500 more updates may add at most this (an unbounded replay would add ~300 MB)


def _traced(updates: int) -> tuple[int, TrainingSession]:
    gc.collect()
    tracemalloc.start()
    try:
        session = TrainingSession.build(LARGEST, steps_per_frame=5)
        while session.trainer.steps_done < updates:
            advance(session)
        gc.collect()
        current, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return current, session


def test_a_long_session_at_the_largest_settings_stays_bounded():
    short, session = _traced(500)
    assert session.trainer.task.d == 64 and len(session.snapshots) <= 201
    del session
    long, session = _traced(2000)
    print(f"traced: {short / 2**20:.1f} MB after 500 updates, {long / 2**20:.1f} MB after 2000")
    assert short < BUDGET and long < BUDGET, (short, long)
    assert long - short < GROWTH, (short, long)
    snaps = session.snapshots
    assert len(snaps) <= 201 and snaps[0].step == 1 and snaps[-1].step == 2000
    assert all(bool(s.grads) == (s.step > 1995) for s in snaps)  # grads of the latest frame only
    assert len(session.trainer.history["loss"]) == 2000


def test_history_is_thinned_evenly_past_its_capacity(monkeypatch):
    import rnnviz.training as training

    monkeypatch.setattr(training, "MAX_HISTORY", 8)
    tr = Trainer("sine", hidden=4, seed=1, task_options={"T": 5, "B": 2})
    snaps = tr.step(21)
    h = tr.history
    assert h["step"].tolist() == [1, 5, 9, 13, 17, 21]  # stride 4 after two thinnings; the latest kept
    assert h["loss"].tolist() == [snaps[i - 1].loss for i in h["step"]]
    assert h["grad_norm"].tolist() == [snaps[i - 1].grad_norm for i in h["step"]]
    assert tr.radius_history().shape == (6, 1)
    tr.step(1)
    assert tr.history["step"].tolist() == [1, 5, 9, 13, 17, 21, 22]


def test_evenly_thinned_keeps_at_most_capacity_plus_the_latest():
    log = EvenlyThinned(10)
    for step in range(1, 100_001):
        log.append(step, step * 2)
        assert len(log) <= 11
    steps = log.steps()
    assert steps[0] == 1 and steps[-1] == 100_000 and log.items()[-1] == 200_000
    gaps = np.diff(steps[:-1])
    assert len(set(gaps.tolist())) == 1 and gaps[0] == log.stride  # evenly spaced
    with pytest.raises(ValueError, match="even"):
        EvenlyThinned(7)


# --------------------------------------------------------------------------- memory handed back (rnnviz._memory)

TRIM_PROBE = """
import json, threading
from rnnviz._memory import return_freed_memory

def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

freed, kept = [], []
def work():  # in a thread, as a Streamlit session's script runs: its own malloc arena
    for _ in range(1500):
        freed.append(bytearray(64 * 1024))  # 96 MB below the mmap threshold, from the arena
        kept.append(bytearray(1024))  # still alive between them: the freed blocks are not at the arena's top
thread = threading.Thread(target=work)
thread.start()
thread.join()
used = rss_mb()
freed.clear()
after_free = rss_mb()
trimmed = return_freed_memory()
print(json.dumps([used, after_free, rss_mb(), trimmed]))
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists() or platform.libc_ver()[0] != "glibc",
                    reason="RSS from /proc and malloc_trim need Linux with glibc")
def test_freed_memory_goes_back_to_the_system_only_when_trimmed():
    """Why a closed tab's release calls malloc_trim(0): glibc keeps a thread's freed blocks otherwise."""
    out = subprocess.run([sys.executable, "-c", TRIM_PROBE], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    used, after_free, trimmed_mb, trimmed = json.loads(out.stdout)
    assert trimmed
    assert used - after_free < 48, (used, after_free)  # freeing alone gives back less than half of the 96 MB
    assert after_free - trimmed_mb > 72, (after_free, trimmed_mb)  # the trim gives back most of it


def test_trimming_can_be_turned_off_and_needs_glibc(monkeypatch):
    import rnnviz._memory as memory

    monkeypatch.setenv("RNNVIZ_NO_MALLOC_TRIM", "1")
    assert memory.return_freed_memory() is False
    monkeypatch.delenv("RNNVIZ_NO_MALLOC_TRIM")
    monkeypatch.setattr(memory, "_libc", lambda: None)  # no C library found
    assert memory.return_freed_memory() is False
    assert memory.keep_freed_memory() is False
