"""A class of simulated students against one Streamlit server, speaking Streamlit's own websocket protocol.

    python benchmarks/bench_class.py                          # 10, 30, 60 students, 40 s each
    python benchmarks/bench_class.py --students 10 30 --duration 20 --think 3
    python benchmarks/bench_class.py --students 10 --duration 15     # a quick look

Why not browsers: one headless Chromium per student costs more CPU than the server it measures
(benchmarks/bench_concurrency.py used 1.9 of 2 cores).  Here a student is one websocket in one
asyncio loop, talking the protocol the Streamlit frontend talks (streamlit/proto):
  1. connect to ws://127.0.0.1:<port>/_stcore/stream with subprotocol "streamlit" (as the frontend's
     WebsocketConnection does; no Origin header, so no XSRF token is needed for the stream);
  2. send BackMsg.rerun_script = ClientState(query_string=<the student's link>, page_name=<page>):
     the session opens on that page with that network;
  3. read ForwardMsgs until `script_finished`, keeping the widget ids from the deltas
     (Step t slider on the simulator pages, the "+1" training-step button on the training page)
     and the query string the app mirrors into the address bar (page_info_changed);
  4. every few seconds (--think, jittered), "move the slider": rerun_script with WidgetStates holding
     the new slider value (double_array_value, what the frontend sends for st.slider) or a button
     trigger (trigger_value), and time request -> script_finished.
Students are spread over the simulator pages (cell, chain, heatmaps, phase); every --train-every-th
student is on the training page pressing "+1" (one update and a redraw).

Each class size gets a fresh server (so RSS and CPU belong to that size).  Reported per size:
p50/p95/max rerun latency, server CPU per rerun (from /proc/<pid>/stat over the measured window),
server CPU in cores, server RSS at the end and its peak (VmHWM), the load generator's own CPU, errors
(exception elements, timeouts, dropped connections, unexpected finish statuses).  Then: how many
students one core holds with p95 <= 1 s, (a) measured: the largest class size whose p95 <= 1 s and
the cores the server used for it, and (b) from CPU per rerun: 0.7 core / (CPU per rerun x reruns per
student per second).  The machine's load average is printed: on a shared machine the figures are
upper bounds of latency and lower bounds of capacity.

Bounded: at most 100 students, 300 s per size, 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.browser.harness import OUTPUT_DIR, StreamlitServer  # noqa: E402

MAX_STUDENTS, MAX_DURATION = 100, 300.0
SIM_PAGES = ["", "chain", "heatmaps", "phase"]  # "" = the landing page (cell) at /
TRAIN_PAGE = "training"
STEP_SLIDER, TRAIN_BUTTON = "Step t", "+1"
T_STEPS = 12
TARGET_P95_S = 1.0


def student_link(i: int) -> str:
    """Student i's own network: a distinct first input, a 2-unit net, T steps."""
    xs = [f"{1 + (i + 1) / 100:.2f}"] + ["-1" if j % 2 else "2" for j in range(1, T_STEPS)]
    return f"x={'%3B'.join(xs)}&t={1 + i % T_STEPS}"


# --------------------------------------------------------------------------- /proc


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int, key: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


# --------------------------------------------------------------------------- one student


def connect(url: str, timeout: float):
    """The websocket the Streamlit frontend opens (an async context manager)."""
    import websockets

    return websockets.connect(url.replace("http://", "ws://") + "/_stcore/stream", subprotocols=["streamlit"],
                              max_size=None, open_timeout=timeout, ping_interval=None)


@dataclass
class Student:
    i: int
    page: str
    link: str
    widget_ids: dict[str, str] = field(default_factory=dict)  # label -> widget id
    slider_max: int = T_STEPS
    t: int = 1
    query: str = ""
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def training(self) -> bool:
        return self.page == TRAIN_PAGE

    def _rerun(self, widget=None, fragment_id: str = "") -> bytes:
        """A rerun_script BackMsg; with `fragment_id`, the one a run_every fragment's timer sends."""
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query or self.link
        cs.page_name = self.page
        if fragment_id:
            cs.fragment_id, cs.is_auto_rerun = fragment_id, True
        if widget is not None:
            label, value = widget
            w = cs.widget_states.widgets.add()
            w.id = self.widget_ids[label]
            if value is True:
                w.trigger_value = True
            else:
                w.double_array_value.data.append(float(value))
        return msg.SerializeToString()

    async def _until_finished(self, ws, timeout: float) -> str:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        while (status := self._see(ForwardMsg.FromString(await asyncio.wait_for(ws.recv(), timeout)))) is None:
            pass
        return status

    def _see(self, msg) -> str | None:
        """One ForwardMsg: keep the widgets and the link; a script run's finish status, else None."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            self._see_element(msg.delta.new_element)
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
        elif kind == "script_finished":
            return ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
        return None

    def _see_element(self, el) -> None:
        kind = el.WhichOneof("type")
        if kind == "exception":
            self.errors.append(f"exception element: {el.exception.type}: {el.exception.message[:120]}")
        elif kind == "slider" and el.slider.label == STEP_SLIDER:
            self.widget_ids[STEP_SLIDER] = el.slider.id
            self.slider_max = int(el.slider.max)
            self.t = int(el.slider.value[0]) if el.slider.value else self.t
        elif kind == "button" and el.button.label == TRAIN_BUTTON:
            self.widget_ids[TRAIN_BUTTON] = el.button.id

    async def run(self, url: str, clock: "Clock", think: float, timeout: float, rng) -> None:
        try:
            async with connect(url, timeout) as ws:
                await ws.send(self._rerun())
                status = await self._until_finished(ws, timeout)
                if status != "FINISHED_SUCCESSFULLY":
                    self.errors.append(f"first run: {status}")
                label = TRAIN_BUTTON if self.training else STEP_SLIDER
                if label not in self.widget_ids:
                    self.errors.append(f"no {label!r} widget on /{self.page}")
                    return
                clock.loaded += 1
                await clock.go.wait()  # the whole class has opened its page: now measure
                await asyncio.sleep(rng.uniform(0, think))
                while time.monotonic() < clock.stop_at:
                    if self.training:
                        value = True
                    else:
                        self.t = self.t + 1 if self.t < self.slider_max else 1
                        value = self.t
                    t0 = time.perf_counter()
                    await ws.send(self._rerun((label, value)))
                    status = await self._until_finished(ws, timeout)
                    self.latencies.append(time.perf_counter() - t0)
                    if status != "FINISHED_SUCCESSFULLY":
                        self.errors.append(f"rerun: {status}")
                    if not self.training and f"t={self.t}" not in self.query.split("&"):
                        self.errors.append(f"t={self.t} not mirrored into the link: {self.query[-40:]!r}")
                    await asyncio.sleep(think * rng.uniform(0.5, 1.5))
        except (TimeoutError, asyncio.TimeoutError):
            self.errors.append(f"timeout ({timeout:.0f}s) waiting for script_finished")
        except Exception as e:  # noqa: BLE001 - a dropped connection is a result, not a crash
            self.errors.append(f"{type(e).__name__}: {str(e)[:160]}")


# --------------------------------------------------------------------------- one class size


class Clock:
    """Starts the measured window once every student has opened its page (or the wait timed out)."""

    def __init__(self):
        self.loaded, self.go, self.stop_at = 0, asyncio.Event(), 0.0

    def start(self, duration: float) -> None:
        self.stop_at = time.monotonic() + duration
        self.go.set()


@dataclass
class Result:
    students: int
    latencies: list[float]
    reruns: int
    server_cpu_s: float
    window_s: float
    rss_end_mb: float
    rss_peak_mb: float
    rss_idle_mb: float
    client_cpu_s: float
    errors: list[str]
    by_page: dict[str, list[float]] = field(default_factory=dict)
    load_s: float = float("nan")  # from the first student's arrival until the whole class had its page

    @property
    def cpu_per_rerun_ms(self) -> float:
        return 1000 * self.server_cpu_s / self.reruns if self.reruns else float("nan")

    @property
    def server_cores(self) -> float:
        return self.server_cpu_s / self.window_s


async def _class(url: str, pid: int, n: int, args) -> Result:
    rng = random.Random(args.seed + n)
    students = [Student(i, TRAIN_PAGE if args.train_every and i % args.train_every == args.train_every - 1
                        else SIM_PAGES[i % len(SIM_PAGES)], student_link(i)) for i in range(n)]
    clock = Clock()
    ramp = min(10.0, 0.2 * n)  # students arrive over a few seconds, as a class does
    tasks = []
    for s in students:
        tasks.append(asyncio.create_task(s.run(url, clock, args.think, args.timeout, random.Random(rng.random()))))
        await asyncio.sleep(ramp / n)
    t_open = time.monotonic()
    while clock.loaded + sum(bool(s.errors) for s in students) < n and time.monotonic() - t_open < args.timeout:
        await asyncio.sleep(0.1)
    load_s = time.monotonic() - t_open + ramp
    cpu0, client0, t0 = cpu_seconds(pid), time.process_time(), time.monotonic()
    clock.start(args.duration)
    await asyncio.wait_for(asyncio.gather(*tasks), args.duration + args.timeout + 30)
    window = time.monotonic() - t0
    cpu, client = cpu_seconds(pid) - cpu0, time.process_time() - client0
    lat = [x for s in students for x in s.latencies]
    by_page: dict[str, list[float]] = {}
    for s in students:
        by_page.setdefault("/" + s.page, []).extend(s.latencies)
    return Result(n, lat, len(lat), cpu, window, rss_mb(pid), rss_mb(pid, "VmHWM"), 0.0, client,
                  [f"student {s.i} /{s.page}: {e}" for s in students for e in s.errors], by_page, load_s)


async def _warm_up(url: str, timeout: float) -> None:
    """One student opens and leaves: the server pays its imports outside the measurement."""
    clock = Clock()
    clock.start(0.0)
    await Student(-1, "", student_link(0)).run(url, clock, 0.0, timeout, random.Random(0))


def run_class(n: int, args) -> Result:
    server = StreamlitServer(log_path=OUTPUT_DIR / f"bench-class-{n}.log")
    url = server.start(timeout=120)
    try:
        pid = server.proc.pid
        asyncio.run(_warm_up(url, args.timeout))
        idle = rss_mb(pid)
        result = asyncio.run(_class(url, pid, n, args))
        result.rss_idle_mb = idle
        return result
    finally:
        server.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--students", type=int, nargs="+", default=[10, 30, 60])
    ap.add_argument("--duration", type=float, default=40.0, help="measured seconds per class size")
    ap.add_argument("--think", type=float, default=3.0, help="mean seconds between a student's moves")
    ap.add_argument("--train-every", type=int, default=5, help="every k-th student trains (0 = none)")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for one script run")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if any(not 1 <= n <= MAX_STUDENTS for n in args.students) or not 1 <= args.duration <= MAX_DURATION:
        ap.error(f"1..{MAX_STUDENTS} students and 1..{MAX_DURATION:.0f} s per size")
    try:
        import websockets  # noqa: F401
    except ImportError:
        print("the websockets package is missing: pip install -r requirements-dev.txt", file=sys.stderr)
        return 2

    load0 = os.getloadavg()
    print(f"{os.cpu_count()} cores, load average {load0[0]:.1f} at start; think time {args.think:g} s "
          f"(jittered x0.5-1.5), {args.duration:g} s measured per size once the whole class has its page open, "
          f"every {args.train_every}th student trains ('+1' presses), the others step 't' on "
          f"{', '.join('/' + p for p in SIM_PAGES)}")
    head = (f"{'students':>8} {'reruns':>7} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'CPU/rerun ms':>12} "
            f"{'server cores':>12} {'RSS idle/end/peak MB':>21} {'client cores':>12} {'errors':>6}")
    results = []
    for n in args.students:
        r = run_class(n, args)
        results.append(r)
        if len(results) == 1:
            print(head)
        ms = [1000 * x for x in r.latencies]
        print(f"{n:>8} {r.reruns:>7} {pct(ms, .5):>7.0f} {pct(ms, .95):>7.0f} {max(ms, default=float('nan')):>7.0f} "
              f"{r.cpu_per_rerun_ms:>12.0f} {r.server_cores:>12.2f} "
              f"{f'{r.rss_idle_mb:.0f}/{r.rss_end_mb:.0f}/{r.rss_peak_mb:.0f}':>21} "
              f"{r.client_cpu_s / r.window_s:>12.2f} {len(r.errors):>6}", flush=True)
        print(f"         whole class opened its pages in {r.load_s:.0f} s; p50/p95 ms by page: " + ", ".join(
            f"{page} {pct(v, .5) * 1000:.0f}/{pct(v, .95) * 1000:.0f}" for page, v in sorted(r.by_page.items()) if v))
        for e in r.errors[:5]:
            print(f"         {e}")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")

    ok = [r for r in results if r.latencies and pct(r.latencies, .95) <= TARGET_P95_S and not r.errors]
    if ok:
        best = max(ok, key=lambda r: r.students)
        print(f"measured: {best.students} students with p95 <= {TARGET_P95_S:g} s, the server using "
              f"{best.server_cores:.2f} cores (one Streamlit process runs Python code on about one core)")
    else:
        print(f"measured: no class size tried kept p95 <= {TARGET_P95_S:g} s without errors on this machine")
    cpu = [r.cpu_per_rerun_ms for r in results if r.reruns]
    if cpu:
        per_rerun = min(cpu) / 1000  # the least contended measurement is closest to the server's own cost
        rate = 1 / args.think
        print(f"from CPU: {1000 * per_rerun:.0f} ms server CPU per rerun x {rate:.2f} reruns/s per student -> "
              f"one core at 70% busy holds about {0.7 / (per_rerun * rate):.0f} students")
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
