"""Idle runs give their memory back: a training run nobody has looked at for a while is released.

Streamlit frees a session's state some time after its tab closes, but a tab left open on a paused run
keeps its trainer (weights, optimizer moments, recorded snapshots) for as long as the tab stays open.
On a shared server that is memory other students need.  Every rerun that touches a run marks it
used (``touch``); ``sweep`` (called on any session's rerun) releases the runs idle for longer than
``ttl`` seconds.  Training is deterministic, so a released run can be rebuilt from its settings.

Runs are held by weak reference: a run whose session has ended is simply forgotten.  No streamlit.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable

IDLE_SECONDS = 15 * 60  # a paused tab nobody touched for a lesson's quarter hour


class IdleReaper:
    """Which runs were used when; releases (``run.release()``) those idle for longer than ``ttl`` seconds."""

    def __init__(self, ttl: float = IDLE_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()  # every session's script thread shares one reaper
        self._last_used: dict[int, tuple[weakref.ref, float]] = {}

    def touch(self, run) -> None:
        """``run`` was used now."""
        with self._lock:
            self._last_used[id(run)] = (weakref.ref(run), self._clock())

    def sweep(self) -> int:
        """Release every run idle for longer than ``ttl``; forget runs that no longer exist.  How many released."""
        now = self._clock()
        idle = []
        with self._lock:
            for key, (ref, used) in list(self._last_used.items()):
                run = ref()
                if run is None or now - used > self.ttl:
                    del self._last_used[key]
                if run is not None and now - used > self.ttl:
                    idle.append(run)
        for run in idle:
            run.release()
        return len(idle)

    def tracked(self) -> int:
        with self._lock:
            return sum(1 for ref, _ in self._last_used.values() if ref() is not None)


REAPER = IdleReaper()  # the server's one reaper, shared by every session of the process
