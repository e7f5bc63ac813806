"""Fair CPU for training: how many updates one session may run in this animation frame.

Every playing session earns a budget of work per second and spends it on updates; a server-wide cap
splits the server's rate between the sessions playing, so one student's Play cannot starve the class.

    from rnnviz.pacing import PACER
    cost = trainer.update_cost            # = update_cost(hidden=64, layers=3, d=1, T=40, B=32) for that run
    n = PACER.updates_for_frame(session_id, cost, wanted=steps_per_frame)   # 0 <= n <= wanted
    advance(session, n)                   # or trainer.step(n)
    ...
    PACER.release(session_id)   # on Pause / when the session ends

Work is counted in cost units, ``update_cost`` = layers * (n*n + n*d) * T * B (the multiply-adds of the
recurrence's forward pass; backward and the optimizer scale with it).  The rates are in core-seconds
converted with UNITS_PER_CORE_SECOND, measured on the 2-core development machine (n = 16..64, 1..3 layers:
1.6e8-2.8e8 units per CPU-second).  A session earns min(session_rate, server_rate / playing sessions) per
second of wall time between its requests (a gap counts for at most ACTIVE_SECONDS); what it leaves unspent
is carried over up to BURST_SECONDS worth (or one update, for a model whose single update costs more), so
a paused tab cannot save up a burst while a slow one loses nothing.  A new session may run one update at
once.  A session that has not asked for ACTIVE_SECONDS no longer counts as playing.
Thread-safe: Streamlit runs each session in its own thread, and all of them share the module-level ``PACER``.

Nothing here imports streamlit; the clock is injectable so tests need no sleeping or timing thresholds.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

UNITS_PER_CORE_SECOND = 2e8
SESSION_CORES = 0.5  # one session may use half a core
SERVER_CORES = 1.0  # all sessions together one core: the other serves page reruns on a 2-core machine
ACTIVE_SECONDS = 2.0
BURST_SECONDS = 0.5
FORGET_SECONDS = 60.0  # accounts idle this long are dropped (memory stays bounded with many visitors)


def update_cost(hidden: int, layers: int, d: int, T: int, B: int) -> float:
    """Cost units of one training update: layers * (n*n + n*d) * T * B."""
    for name, value in (("hidden", hidden), ("layers", layers), ("d", d), ("T", T), ("B", B)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return float(layers * (hidden * hidden + hidden * d) * T * B)


@dataclass
class _Account:
    balance: float  # cost units this session may still spend
    last: float  # clock time of its latest request


class Pacer:
    """Per-session budgets of updates with a server-wide cap, shared by every session of the process.

    session_rate, server_rate: cost units per second (default SESSION_CORES / SERVER_CORES cores).
    clock: seconds, monotonic (time.monotonic by default; tests pass a fake one).
    """

    def __init__(self, session_rate: float = SESSION_CORES * UNITS_PER_CORE_SECOND,
                 server_rate: float = SERVER_CORES * UNITS_PER_CORE_SECOND,
                 clock: Callable[[], float] = time.monotonic):
        for name, rate in (("session_rate", session_rate), ("server_rate", server_rate)):
            if not (isinstance(rate, (int, float)) and math.isfinite(rate) and rate > 0):
                raise ValueError(f"{name} must be a finite number > 0, got {rate!r}")
        self.session_rate = float(session_rate)
        self.server_rate = float(server_rate)
        self._clock = clock
        self._lock = threading.Lock()
        self._accounts: dict[Hashable, _Account] = {}

    def updates_for_frame(self, session_id: Hashable, cost: float, wanted: int) -> int:
        """How many of the `wanted` updates (each costing `cost` units) this session may run now (0..wanted)."""
        if not (isinstance(cost, (int, float)) and math.isfinite(cost) and cost > 0):
            raise ValueError(f"cost must be a finite number > 0, got {cost!r}")
        if isinstance(wanted, bool) or not isinstance(wanted, int) or wanted < 0:
            raise ValueError(f"wanted must be an integer >= 0, got {wanted!r}")
        with self._lock:
            now = self._clock()
            self._forget_idle(now)
            account = self._accounts.get(session_id)
            if account is None:  # Play answers at once: a new session may run one update straight away
                account = self._accounts[session_id] = _Account(cost, now)
            rate = self._rate_locked(now)
            saved = min(account.balance, max(rate * BURST_SECONDS, cost))
            account.balance = saved + rate * min(max(0.0, now - account.last), ACTIVE_SECONDS)
            account.last = now
            allowed = min(wanted, int(account.balance // cost))
            account.balance -= allowed * cost
            return allowed

    def rate(self) -> float:
        """Cost units per second each playing session earns right now (session_rate when none plays)."""
        with self._lock:
            return self._rate_locked(self._clock())

    def playing(self) -> int:
        """Sessions that asked for updates within the last ACTIVE_SECONDS."""
        with self._lock:
            now = self._clock()
            return sum(1 for a in self._accounts.values() if now - a.last <= ACTIVE_SECONDS)

    def release(self, session_id: Hashable) -> None:
        """The session stopped playing (Pause, reset, closed): it no longer takes a share of the server."""
        with self._lock:
            self._accounts.pop(session_id, None)

    def _rate_locked(self, now: float) -> float:
        active = sum(1 for a in self._accounts.values() if now - a.last <= ACTIVE_SECONDS)
        return min(self.session_rate, self.server_rate / max(1, active))

    def _forget_idle(self, now: float) -> None:
        idle = [key for key, a in self._accounts.items() if now - a.last > FORGET_SECONDS]
        for key in idle:
            del self._accounts[key]


PACER = Pacer()
