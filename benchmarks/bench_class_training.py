"""Five students train at the largest settings while new visitors arrive: is the landing page usable within
3 s, does every trainer keep drawing, and does the server's memory come back once they leave (issue 15)?

    python benchmarks/bench_class_training.py                         # 5 trainers, 40 s of play, 150 s after
    python benchmarks/bench_class_training.py --play 20 --follow 60   # a quick look
    python benchmarks/bench_class_training.py --link "hidden=64&layers=3&spf=50&fps=5"   # the heaviest frames

Speaks Streamlit's websocket protocol from Python (benchmarks/bench_class.py's client; no browsers, whose
CPU would swamp the server on a 2-core machine), against one fresh server on 127.0.0.1:
  1. warm-up: the landing page and the training page are opened once (imports paid), then the idle RSS;
  2. reference: --visits new visitors open "/" with nobody training;
  3. --trainers students open /training?<--link> (default hidden=64&layers=3, the page's largest network) and
     press Play (the `tr_play` button's trigger).  The playing page's `st.fragment(run_every=...)` makes the
     server send ForwardMsg.auto_rerun(interval, fragment_id); like the frontend (App.handleAutoRerun's
     setInterval) each trainer then sends BackMsg.rerun_script(ClientState.fragment_id, is_auto_rerun) every
     interval, whether or not the last frame has arrived.  A frame = a fragment run finished
     (FINISHED_FRAGMENT_RUN_SUCCESSFULLY); its live view's payload carries the trainer's update count ("step");
  4. while they play, --visits new visitors open "/", --gap seconds apart: time to the websocket being open,
     to the page title's delta, to script_finished (each visitor is a new session, closed afterwards);
  5. the trainers close their websockets; the server's RSS is followed every 5 s for --follow seconds
     (Streamlit keeps a disconnected session for server.disconnectedSessionTTL, 120 s by default, so a
     reconnecting tab finds it again; it drops the expired ones only when its session storage is next written,
     i.e. when some session disconnects), then one more visitor comes and goes (--no-revisit: not).

Prints per trainer frames/s and updates/s, per visitor the times, the server's CPU, and RSS idle / peak /
over time after closing, and the app exceptions in the server's log.  Exit status 1 when a visitor's page took
longer than 3 s, a trainer stopped drawing (a gap over 5 s), RSS did not come back within 100 MB of idle by the
end, or the server logged an app exception.  Bounded: at most 10 trainers, 120 s of play,
300 s of following; 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import time
import urllib.request
from dataclasses import dataclass, field

from bench_class import REPO, Student, connect, cpu_seconds, pct, rss_mb

from tests.browser.harness import OUTPUT_DIR, StreamlitServer  # bench_class put the repo on sys.path

MAX_TRAINERS, MAX_PLAY, MAX_FOLLOW = 10, 120.0, 300.0
LARGEST = "hidden=64&layers=3"  # rnnviz.training.MAX_HIDDEN, rnnviz.training_setup.MAX_PAGE_LAYERS
PLAY = "Play"  # the label of rnnviz.ui.training_controls.transport's tr_play button
LIVE_COMPONENT = "rnnviz_live_training"
STEP = re.compile(rb'"step":(\d+)')
USABLE_S, RSS_MARGIN_MB, FOLLOW_EVERY_S = 3.0, 100.0, 5.0

# --------------------------------------------------------------------------- a student who trains


@dataclass
class Trainer(Student):
    """Opens the training link, presses Play, then plays the fragment timer the way the frontend does."""

    fragment: str = ""
    interval: float = 0.0
    frames: list[tuple[float, int]] = field(default_factory=list)  # (time finished, the live view's update)
    last_step: int = -1
    playing_since: float = float("nan")

    def _see_element(self, el) -> None:
        super()._see_element(el)
        kind = el.WhichOneof("type")
        if kind == "button" and el.button.label == PLAY:
            self.widget_ids[PLAY] = el.button.id
        elif kind == "bidi_component" and el.bidi_component.component_name.endswith(LIVE_COMPONENT):
            found = STEP.search(el.bidi_component.bytes[:4000])
            if found:
                self.last_step = int(found.group(1))

    def _see(self, msg) -> str | None:
        """Also the fragment timer: auto_rerun starts it, stop_auto_rerun stops it."""
        kind = msg.WhichOneof("type")
        if kind == "auto_rerun":
            self.fragment, self.interval = msg.auto_rerun.fragment_id, msg.auto_rerun.interval
        elif kind == "stop_auto_rerun" and self.fragment in msg.stop_auto_rerun.fragment_ids:
            self.fragment = ""
        return super()._see(msg)

    async def play(self, url: str, stop: asyncio.Event, timeout: float) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        try:
            async with connect(url, timeout) as ws:
                await ws.send(self._rerun())
                await self._read_until_finished(ws, timeout, "open")
                if PLAY not in self.widget_ids:
                    self.errors.append("no Play button on /training")
                    return
                await ws.send(self._rerun((PLAY, True)))
                await self._read_until_finished(ws, timeout, "Play")
                if not self.fragment:
                    self.errors.append("no auto_rerun after Play: the live view is not playing")
                    return
                self.playing_since = time.monotonic()
                timer = asyncio.create_task(self._fragment_timer(ws, stop))
                try:
                    while not stop.is_set():
                        try:
                            raw = await asyncio.wait_for(ws.recv(), 0.5)
                        except (TimeoutError, asyncio.TimeoutError):
                            continue
                        status = self._see(ForwardMsg.FromString(raw))
                        if status == "FINISHED_FRAGMENT_RUN_SUCCESSFULLY":
                            self.frames.append((time.monotonic(), self.last_step))
                        elif status not in (None, "FINISHED_SUCCESSFULLY", "FINISHED_EARLY_FOR_RERUN"):
                            self.errors.append(f"frame: {status}")
                finally:
                    timer.cancel()
        except (TimeoutError, asyncio.TimeoutError):
            self.errors.append(f"timeout ({timeout:.0f}s) waiting for script_finished")
        except Exception as e:  # noqa: BLE001 - a dropped connection is a result, not a crash
            self.errors.append(f"{type(e).__name__}: {str(e)[:160]}")

    async def _read_until_finished(self, ws, timeout: float, what: str) -> None:
        status = await self._until_finished(ws, timeout)
        if status != "FINISHED_SUCCESSFULLY":
            self.errors.append(f"{what}: {status}")

    async def _fragment_timer(self, ws, stop: asyncio.Event) -> None:
        """setInterval(sendUpdateWidgetsMessage(fragmentId, true), interval): on schedule, not after replies."""
        due = time.monotonic()
        while not stop.is_set() and self.fragment:
            due += self.interval
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            await ws.send(self._rerun(fragment_id=self.fragment))

    def rates(self, t0: float, t1: float) -> tuple[float, float]:
        """(frames/s, updates/s) over [t0, t1]."""
        inside = [(t, step) for t, step in self.frames if t0 <= t <= t1]
        if len(inside) < 2:
            return 0.0, 0.0
        span = t1 - t0
        return len(inside) / span, (inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0])


# --------------------------------------------------------------------------- a new visitor


@dataclass
class Visitor(Student):
    """A new session on "/": when its title arrives and when its script run finishes."""

    t_title: float = float("nan")

    def _see_element(self, el) -> None:
        super()._see_element(el)
        if el.WhichOneof("type") == "heading" and self.t_title != self.t_title:
            self.t_title = time.perf_counter()


@dataclass
class Visit:
    start: float  # time.monotonic() at the GET
    http_s: float
    open_s: float
    title_s: float
    finished_s: float
    errors: list[str]


async def visit(url: str, timeout: float) -> Visit:
    """GET / (index.html), then the websocket session on the landing page; times from the GET's start."""
    start, t0 = time.monotonic(), time.perf_counter()
    await asyncio.to_thread(lambda: urllib.request.urlopen(url + "/", timeout=timeout).read())
    t_http = time.perf_counter()
    v = Visitor(-1, "", "")
    nan = float("nan")
    try:
        async with connect(url, timeout) as ws:
            t_open = time.perf_counter()
            await ws.send(v._rerun())
            status = await v._until_finished(ws, timeout)
            t_done = time.perf_counter()
            if status != "FINISHED_SUCCESSFULLY":
                v.errors.append(f"landing page: {status}")
        return Visit(start, t_http - t0, t_open - t0, v.t_title - t0, t_done - t0, v.errors)
    except (TimeoutError, asyncio.TimeoutError):
        return Visit(start, t_http - t0, nan, nan, nan, v.errors + [f"timeout ({timeout:.0f}s)"])


async def visits(url: str, n: int, gap: float, timeout: float) -> list[Visit]:
    out = []
    for i in range(n):
        if i:
            await asyncio.sleep(gap)
        out.append(await visit(url, timeout))
    return out


# --------------------------------------------------------------------------- the run


class Sampler:
    """The server's RSS every `every` seconds (peak and the series)."""

    def __init__(self, pid: int):
        self.pid, self.samples = pid, []

    async def run(self, every: float, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.samples.append((time.monotonic(), rss_mb(self.pid)))
            try:
                await asyncio.wait_for(stop.wait(), every)
            except (TimeoutError, asyncio.TimeoutError):
                pass

    def peak(self, t0: float = 0.0) -> float:
        return max((mb for t, mb in self.samples if t >= t0), default=float("nan"))


def threads(pid: int) -> int:
    return round(rss_mb(pid, "Threads") * 1024)  # rss_mb reads a /proc/<pid>/status line in kB


@dataclass
class Outcome:
    idle_mb: float = float("nan")
    reference: list[Visit] = field(default_factory=list)
    busy: list[Visit] = field(default_factory=list)
    trainers: list[Trainer] = field(default_factory=list)
    window: tuple[float, float] = (0.0, 0.0)
    server_cores: float = float("nan")
    peak_mb: float = float("nan")
    after: list[tuple[float, float, int, str]] = field(default_factory=list)  # (s after closing, MB, threads, note)


async def scenario(url: str, pid: int, args) -> Outcome:
    out = Outcome()
    warm = Trainer(-1, "training", "")  # the training page's imports, at the default (small) settings
    async with connect(url, args.timeout) as ws:
        await ws.send(warm._rerun())
        await warm._read_until_finished(ws, args.timeout, "warm-up")
    for e in warm.errors:
        print(f"warm-up on /training: {e}")
    await visit(url, args.timeout)
    await asyncio.sleep(3)
    out.idle_mb = rss_mb(pid)
    out.reference = await visits(url, args.visits, 1.0, args.timeout)

    stop, sampling = asyncio.Event(), asyncio.Event()
    sampler = Sampler(pid)
    sample_task = asyncio.create_task(sampler.run(0.5, sampling))
    out.trainers = [Trainer(i, "training", args.link) for i in range(args.trainers)]
    tasks = []
    for tr in out.trainers:
        tasks.append(asyncio.create_task(tr.play(url, stop, args.timeout)))
        await asyncio.sleep(1.0)  # students press Play a moment apart
    deadline = time.monotonic() + args.timeout
    while (any(tr.playing_since != tr.playing_since and not tr.errors for tr in out.trainers)
           and time.monotonic() < deadline):
        await asyncio.sleep(0.2)
    await asyncio.sleep(3.0)  # every trainer has drawn a few frames: measure from here
    t0, cpu0 = time.monotonic(), cpu_seconds(pid)
    out.busy = await visits(url, args.visits, args.gap, args.timeout)
    await asyncio.sleep(max(0.0, t0 + args.play - time.monotonic()))
    t1, cpu1 = time.monotonic(), cpu_seconds(pid)
    out.window, out.server_cores = (t0, t1), (cpu1 - cpu0) / (t1 - t0)
    stop.set()
    await asyncio.gather(*tasks)  # every trainer's websocket is closed
    t_closed = time.monotonic()
    while True:
        now = time.monotonic() - t_closed
        out.after.append((now, rss_mb(pid), threads(pid), ""))
        if now + FOLLOW_EVERY_S > args.follow:
            break
        await asyncio.sleep(FOLLOW_EVERY_S - (time.monotonic() - t_closed) % FOLLOW_EVERY_S)
    if args.revisit:  # Streamlit drops expired disconnected sessions only when its session storage is written to
        await visit(url, args.timeout)
        await asyncio.sleep(FOLLOW_EVERY_S)
        out.after.append((time.monotonic() - t_closed, rss_mb(pid), threads(pid), "after one more visitor"))
    sampling.set()
    await sample_task
    out.peak_mb = sampler.peak()
    return out


# --------------------------------------------------------------------------- report


def visit_rows(label: str, rows: list[Visit], t0: float) -> None:
    for i, v in enumerate(rows):
        err = "; ".join(v.errors)[:80]
        at = f"{v.start - t0:.1f}" if label == "training" else ""
        print(f"{label:>10} {i + 1:>3} {at:>6} {v.http_s * 1000:>8.0f} {v.open_s * 1000:>8.0f} "
              f"{v.title_s * 1000:>9.0f} {v.finished_s * 1000:>11.0f}  {err}")


def report(out: Outcome, args) -> int:
    failures = []
    print("\nNew visitors on / (ms from the GET of index.html; each a new session):")
    print(f"{'':>10} {'#':>3} {'from s':>6} {'http':>8} {'ws open':>8} {'title':>9} {'finished':>11}")
    visit_rows("idle", out.reference, out.window[0])
    visit_rows("training", out.busy, out.window[0])
    ref = pct([v.finished_s for v in out.reference], .5)
    worst = max((v.finished_s for v in out.busy), default=float("nan"))
    print(f"  median usable {ref * 1000:.0f} ms idle, {pct([v.finished_s for v in out.busy], .5) * 1000:.0f} ms "
          f"while {len(out.trainers)} train (x{pct([v.finished_s for v in out.busy], .5) / ref:.1f}); "
          f"worst {worst * 1000:.0f} ms")
    if not worst <= USABLE_S or any(v.errors for v in out.busy):
        failures.append(f"a new visitor waited {worst:.1f} s (> {USABLE_S:g} s) or failed")

    t0, t1 = out.window
    print(f"\nTrainers /training?{args.link}, measured over {t1 - t0:.0f} s of play "
          f"(server {out.server_cores:.2f} cores):")
    print(f"{'trainer':>8} {'interval s':>10} {'frames/s':>9} {'updates/s':>10} {'updates':>8} "
          f"{'longest gap s':>13} {'from s':>8}")
    for tr in out.trainers:
        fps, ups = tr.rates(t0, t1)
        times = [t0] + [t for t, _ in tr.frames if t0 <= t <= t1] + [t1]
        gap, since = max((b - a, a - t0) for a, b in zip(times, times[1:], strict=False))
        print(f"{tr.i:>8} {tr.interval:>10.2f} {fps:>9.2f} {ups:>10.1f} {tr.last_step:>8} {gap:>13.1f} "
              f"{since:>8.1f}  " + "; ".join(tr.errors)[:80])
        if fps == 0 or tr.errors or gap > 5.0:
            failures.append(f"trainer {tr.i} stopped drawing (frames/s {fps:.2f}, longest gap {gap:.1f} s)")

    print(f"\nServer RSS: idle {out.idle_mb:.0f} MB, peak while training {out.peak_mb:.0f} MB "
          f"(+{out.peak_mb - out.idle_mb:.0f}); after the trainers closed:")
    print(f"{'s after':>8} {'RSS MB':>7} {'over idle':>9} {'threads':>7}")
    back = None
    for s, mb, n, note in out.after:
        print(f"{s:>8.0f} {mb:>7.0f} {mb - out.idle_mb:>+9.0f} {n:>7}  {note}")
        if back is None and mb - out.idle_mb <= RSS_MARGIN_MB:
            back = s
    followed = [mb for _, mb, _, note in out.after if not note]
    end_mb = followed[-1] if followed else float("nan")  # judged before the extra visitor
    print(f"  within {RSS_MARGIN_MB:.0f} MB of idle " + (f"from {back:.0f} s after closing" if back is not None
                                                         else "never in the time followed"))
    if not end_mb - out.idle_mb <= RSS_MARGIN_MB:
        failures.append(f"RSS {end_mb:.0f} MB at the end, {end_mb - out.idle_mb:.0f} MB over idle")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    for f in failures:
        print(f"FAIL: {f}")
    return 1 if failures else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trainers", type=int, default=5)
    ap.add_argument("--link", default=LARGEST, help="the trainers' training link (query string)")
    ap.add_argument("--play", type=float, default=40.0, help="seconds of play measured")
    ap.add_argument("--visits", type=int, default=5, help="new visitors, idle and while training")
    ap.add_argument("--gap", type=float, default=4.0, help="seconds between two visitors while training")
    ap.add_argument("--follow", type=float, default=150.0, help="seconds RSS is followed after closing")
    ap.add_argument("--revisit", action=argparse.BooleanOptionalAction, default=True,
                    help="after following, one more visitor comes and goes (Streamlit then expires old sessions)")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--server-arg", action="append", default=[], help="extra `streamlit run` option")
    args = ap.parse_args()
    if not (1 <= args.trainers <= MAX_TRAINERS and 5 <= args.play <= MAX_PLAY and 0 <= args.follow <= MAX_FOLLOW
            and 1 <= args.visits <= 20):
        ap.error(f"1..{MAX_TRAINERS} trainers, 5..{MAX_PLAY:.0f} s of play, 0..{MAX_FOLLOW:.0f} s of following")
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start; {args.trainers} trainers on "
          f"/training?{args.link}, {args.visits} visitors {args.gap:g} s apart")
    log = OUTPUT_DIR / "bench-class-training.log"
    server = StreamlitServer(log_path=log, extra_args=args.server_arg)
    url = server.start(timeout=120)
    try:
        out = asyncio.run(scenario(url, server.proc.pid, args))
    finally:
        server.stop()
    status = report(out, args)
    uncaught = log.read_text(errors="replace").count("Uncaught app execution")
    print(f"server log: {uncaught} uncaught app exceptions ({log.relative_to(REPO)})")
    return 1 if uncaught else status


if __name__ == "__main__":
    sys.exit(main())
