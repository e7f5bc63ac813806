"""Idle runs give their memory back: a training run nobody has looked at for a while is released.

Streamlit frees a session's state some time after its tab closes, but a tab left open on a paused run
keeps its trainer (weights, optimizer moments, recorded snapshots) for as long as the tab stays open.
On a shared server that is memory other students need.  Every rerun that touches a run marks it
used (``touch``); ``sweep`` (called on any session's rerun) releases the runs idle for longer than
``ttl`` seconds.  Training is deterministic, so a released run can be rebuilt from its settings.

A closed tab's runs give most of it back at once: ``SessionRuns`` holds the runs of one browser session, and
the page calls ``session_ended`` when Streamlit reports that the session disconnected (a session-scoped
cache_resource's on_release, rnnviz/ui/training_controls.py) rather than waiting for Streamlit to drop the
session after server.disconnectedSessionTTL (it checks that expiry lazily).  That call comes from the server's
thread while the session's last script run may still be using its run, so it drops only the recorded updates
(``TrainingSession.forget_recorded``, nearly all of the memory) and keeps the trainer: nothing the running
script reads disappears, and a tab that reconnects trains on from where it was.  After either release the
freed memory is handed back to the system (``rnnviz._memory.return_freed_memory``).

Runs are held by weak reference: a run whose session has ended is simply forgotten.  No streamlit.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable

from rnnviz._memory import return_freed_memory

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
        if idle:
            return_freed_memory()
        return len(idle)

    def tracked(self) -> int:
        with self._lock:
            return sum(1 for ref, _ in self._last_used.values() if ref() is not None)


class SessionRuns:
    """The training runs of one browser session (weak references), cleared together when it ends."""

    def __init__(self):
        self._lock = threading.Lock()  # added to on the session's script thread, ended on the server's
        self._runs: list[weakref.ref] = []

    def add(self, run) -> None:
        """``run`` belongs to this session (adding it again does nothing)."""
        with self._lock:
            self._runs = [ref for ref in self._runs if ref() is not None]
            if not any(ref() is run for ref in self._runs):
                self._runs.append(weakref.ref(run))

    def session_ended(self) -> list:
        """Every run of the session drops its recorded updates (``forget_recorded``; runs the reaper released
        have none), then the freed memory goes back to the system.  Returns the runs."""
        with self._lock:
            runs = [run for run in (ref() for ref in self._runs) if run is not None and not run.released]
            self._runs = []
        for run in runs:
            run.forget_recorded()
        if runs:
            return_freed_memory()
        return runs


REAPER = IdleReaper()  # the server's one reaper, shared by every session of the process
