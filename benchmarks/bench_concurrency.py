"""Many simultaneous sessions against one Streamlit server: isolation + rerun latency.

    python benchmarks/bench_concurrency.py                      # 20 sessions, 4 slider moves each
    python benchmarks/bench_concurrency.py --sessions 10 --moves 6 --page cell
    python benchmarks/bench_concurrency.py --slider "Time step t"

What it does (a script, not a test; traffic only to 127.0.0.1, bounded in time):
1. starts `streamlit run app.py` exactly like the browser-test fixture does;
2. opens N browser contexts (= N Streamlit sessions) in one headless Chromium, all at once,
   each on a different URL state: its own input sequence `x` (first input 1.01, 1.02, ...) and
   its own step `t`;
3. in every session, concurrently, moves a slider (default: the first one on the page, or
   --slider LABEL) a few times with the keyboard, waiting for each rerun;
4. checks that each session still shows exactly its own state: the slider holds the value that
   session's own moves give, the URL still carries its own `x` (the app mirrors its state into
   the URL), and no exception box;
5. prints p50/p95 of: page load, server rerun latency (rerun request sent -> script finished,
   from the websocket) and end-to-end rerun latency (key press -> page idle, charts drawn).

Exit code 1 if any session saw another session's state, an exception, or timed out.
Works with whatever pages exist (falls back to "/" and to load-only when there is no slider).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.browser.harness import (  # noqa: E402
    CHROMIUM_ARGS,
    OUTPUT_DIR,
    SEL_APP,
    SEL_BUSY,
    SEL_EXCEPTION,
    SEL_PLOTLY,
    VIEWPORT,
    SessionProbe,
    StreamlitServer,
    app_pages,
    attach_probe,
    find_chromium,
)

T_STEPS = 12


def session_query(i: int) -> tuple[str, str]:
    """(query string, own token) for session i: a distinct first input and a distinct t."""
    token = f"{1 + (i + 1) / 100:.2f}"
    xs = [token] + ["-1" if j % 2 else "2" for j in range(1, T_STEPS)]
    t = 1 + i % (T_STEPS // 2)
    return f"x={';'.join(xs)}&t={t}", token


def proc_cpu_s(pid: int) -> float:
    """utime + stime of one process, in seconds (Linux /proc)."""
    import os

    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def machine_busy_s() -> float:
    """CPU seconds spent non-idle by the whole machine since boot (all cores)."""
    import os

    vals = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = vals[3] + (vals[4] if len(vals) > 4 else 0)
    return (sum(vals[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    def __init__(self, server_pid: int):
        self.pid = server_pid

    def __enter__(self):
        self.t, self.srv, self.all = time.perf_counter(), proc_cpu_s(self.pid), machine_busy_s()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.t
        self.srv = proc_cpu_s(self.pid) - self.srv
        self.all = machine_busy_s() - self.all

    def line(self, name: str) -> str:
        return (f"{name}: wall {self.wall:.1f}s, machine busy {self.all / self.wall:.2f} cores, "
                f"of which streamlit server {self.srv / self.wall:.2f} cores, "
                f"browser+client+other {(self.all - self.srv) / self.wall:.2f} cores")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


async def wait_rerun(page, p: SessionProbe, timeout: float, quiet_ms: float = 150.0) -> None:
    """Async twin of harness.wait_for_rerun."""
    deadline = time.monotonic() + timeout
    while True:
        quiet = (time.perf_counter() - p.last_frame_at) * 1000.0 >= quiet_ms
        if p.completed > p.acked and p.idle and quiet and not p.server_running:
            if await page.get_attribute(SEL_APP, "data-test-script-state") == "notRunning":
                break
        if time.monotonic() > deadline:
            raise TimeoutError(f"no finished rerun in {timeout}s (sent={p.sent} completed={p.completed})")
        await asyncio.sleep(0.025)
    p.acked = p.completed
    left = max(1.0, deadline - time.monotonic()) * 1000
    await page.locator(SEL_BUSY).first.wait_for(state="hidden", timeout=left)
    await page.wait_for_function(
        "s => [...document.querySelectorAll(s)].every(c => c.querySelector('.main-svg'))",
        arg=SEL_PLOTLY, timeout=left,
    )


class Session:
    def __init__(self, i: int, page, probe: SessionProbe, url: str, token: str):
        self.i, self.page, self.probe, self.url, self.token = i, page, probe, url, token
        self.load_ms = float("nan")
        self.e2e_ms: list[float] = []
        self.errors: list[str] = []
        self.slider_label: str | None = None

    async def load(self, timeout: float) -> None:
        t0 = time.perf_counter()
        await self.page.goto(self.url, wait_until="domcontentloaded")
        await wait_rerun(self.page, self.probe, timeout)
        self.load_ms = (time.perf_counter() - t0) * 1000.0
        await self.check_own_state("after load")

    def thumb(self, label: str | None):
        sel = "[data-testid='stSlider'] input[type='range']"
        if label:
            sel += f'[aria-label="{label}"]'
        return self.page.locator(sel).first

    async def move(self, label: str | None, moves: int, timeout: float) -> None:
        thumb = self.thumb(label)
        if await thumb.count() == 0:
            return
        self.slider_label = await thumb.get_attribute("aria-label")
        for _ in range(moves):
            value = float(await thumb.input_value())
            lo, hi = float(await thumb.get_attribute("min")), float(await thumb.get_attribute("max"))
            step = float(await thumb.get_attribute("step") or 1)
            key, expected = ("ArrowRight", value + step) if value + step <= hi + 1e-9 else ("ArrowLeft", value - step)
            if expected < lo - 1e-9:
                return  # a one-value slider: nothing to move
            sent0 = self.probe.sent
            t0 = time.perf_counter()
            await thumb.focus()
            await thumb.press(key)
            while self.probe.sent == sent0 and time.perf_counter() - t0 < 5:
                await asyncio.sleep(0.02)
            await wait_rerun(self.page, self.probe, timeout)
            self.e2e_ms.append((time.perf_counter() - t0) * 1000.0)
            got = float(await self.thumb(self.slider_label).input_value())
            if abs(got - expected) > 1e-6 * max(1.0, abs(expected)):
                self.errors.append(f"slider {self.slider_label!r}: expected {expected:g}, shows {got:g}")
            await self.check_own_state(f"after move {len(self.e2e_ms)}")

    async def check_own_state(self, when: str) -> None:
        exc = await self.page.locator(SEL_EXCEPTION).all_inner_texts()
        if exc:
            self.errors.append(f"{when}: exception box: {exc[0][:300]}")
        q = parse_qs(urlsplit(self.page.url).query)
        if "x" in q:
            first = q["x"][-1].split(";")[0].split(",")[0]
            try:
                ok = abs(float(first) - float(self.token)) < 1e-9
            except ValueError:
                ok = False
            if not ok:
                self.errors.append(f"{when}: URL x starts with {first!r}, expected own token {self.token}")


async def run(args) -> int:
    from playwright.async_api import async_playwright

    exe = find_chromium()
    if exe is None:
        print("chromium not found (apt-get install chromium)", file=sys.stderr)
        return 2
    pages = app_pages()
    # The first page (cell) is the app's default page and lives at "/" (its file stem is not a path).
    path = args.page if args.page is not None else ""
    print(f"pages found: {[p[2] for p in pages] or 'none'}; benchmarking /{path}")

    server = StreamlitServer(log_path=OUTPUT_DIR / "bench-server.log")
    base = server.start(timeout=60)
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
            sessions: list[Session] = []
            for i in range(args.sessions):
                ctx = await browser.new_context(viewport=VIEWPORT)
                page = await ctx.new_page()
                page.set_default_timeout(args.timeout * 1000)
                probe = attach_probe(page)
                q, token = session_query(i)
                sessions.append(Session(i, page, probe, f"{base}/{path}?{q}", token))

            async def guarded(coro, s: Session, what: str):
                try:
                    await coro
                except Exception as e:  # noqa: BLE001 - report, don't crash the whole run
                    s.errors.append(f"{what}: {type(e).__name__}: {str(e)[:300]}")

            if args.warmup:  # first script run pays for imports: keep it out of the numbers
                ctx = await browser.new_context(viewport=VIEWPORT)
                wpage = await ctx.new_page()
                wprobe = attach_probe(wpage)
                await wpage.goto(f"{base}/{path}", wait_until="domcontentloaded")
                await wait_rerun(wpage, wprobe, args.timeout)
                await ctx.close()

            with CpuMeter(server.proc.pid) as cpu_load:
                await asyncio.wait_for(
                    asyncio.gather(*(guarded(s.load(args.timeout), s, "load") for s in sessions)), args.budget)
            with CpuMeter(server.proc.pid) as cpu_move:
                await asyncio.wait_for(asyncio.gather(
                    *(guarded(s.move(args.slider, args.moves, args.timeout), s, "move") for s in sessions
                      if not s.errors)), args.budget)
            await browser.close()
    finally:
        server.stop()

    loads = [s.load_ms for s in sessions if s.load_ms == s.load_ms]
    server_lat = [lat for s in sessions for lat in s.probe.latencies_ms[1:]]  # [0] is the page load
    e2e = [lat for s in sessions for lat in s.e2e_ms]
    failed = [s for s in sessions if s.errors]
    label = next((s.slider_label for s in sessions if s.slider_label), None)
    print(f"sessions={args.sessions} moves/session={args.moves} slider={label!r} warmup={args.warmup}")
    print(cpu_load.line("load phase"))
    print(cpu_move.line("move phase"))
    print(f"{'metric':<34}{'n':>5}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    for name, vals in [("page load (goto -> first run done)", loads),
                       ("rerun, server (request -> finished)", server_lat),
                       ("rerun, end-to-end (key -> drawn)", e2e)]:
        mx = max(vals) if vals else float("nan")
        print(f"{name:<34}{len(vals):>5}{pct(vals, .5):>10.0f}{pct(vals, .95):>10.0f}{mx:>10.0f}")
    n_moves = len(server_lat)
    if n_moves:
        print(f"streamlit server CPU per rerun: {cpu_move.srv * 1000 / n_moves:.0f} ms "
              f"(=> about {n_moves / cpu_move.srv:.0f} reruns/s per core for this page, if the server were alone)")
    if cpu_load.all - cpu_load.srv > 1.5 * max(cpu_load.srv, 1e-9):
        print("note: the browser used most of the CPU: latencies above are client-bound on this machine")
    if label is None:
        print("note: no slider on the page: measured loads only")
    if failed:
        print(f"FAILED: {len(failed)} of {len(sessions)} sessions")
        for s in failed:
            for err in s.errors[:3]:
                print(f"  session {s.i}: {err}")
        return 1
    print(f"OK: all {len(sessions)} sessions kept their own state")
    if loads:
        print(f"summary: load p50={statistics.median(loads):.0f}ms")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--moves", type=int, default=4, help="slider moves per session")
    ap.add_argument("--page", default=None, help="url path of the page (default: the landing page at /)")
    ap.add_argument("--slider", default=None, help="aria-label of the slider to move (default: first slider)")
    ap.add_argument("--no-warmup", dest="warmup", action="store_false", help="count the cold first run too")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds for one load or rerun")
    ap.add_argument("--budget", type=float, default=600.0, help="seconds for each phase as a whole")
    args = ap.parse_args()
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
