"""Time one rerun of each page after a slider change (AppTest), at the default state and at n=64, T=500.

Targets (issue 4): <= 50 ms at the default state, <= 300 ms at the large state.  The time is the median of
several reruns, each after one slider move (alternating between two values so every rerun changes
something), measured around ``AppTest.run()``: Streamlit's script run, the page, the engine, the figures and
their serialization, plus AppTest's own element-tree parsing (which a real server does not do).

Slider moved: the weight slider W_h[1,1] at the default state; at n = 64 there are no weight sliders (grids
instead), so the step slider t; the lab's spectral-radius slider; the training page's updates-per-frame
slider with 16 / 64 hidden units (that page trains its own network, not the sidebar's; its hidden-size
slider rebuilds the trainer).

    python benchmarks/bench_pages.py [--reruns 9] [--profile] [--pages cell,chain] [--shared-bytecode]

--profile: cProfile over the reruns of every (page, state) that misses its target, top functions printed.
--shared-bytecode: keep one ScriptCache across AppTest runs.  AppTest builds a new one on every run, so it
recompiles the page (and walks its AST for magic) each time, which a server does once: with this flag the
times are closer to a server's (the difference is 5-40 ms, most for the long lab and training pages).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from rnnviz import presets  # noqa: E402
from rnnviz.query import to_query  # noqa: E402
from tests.apptest_utils import open_app  # noqa: E402

TARGET_MS = {"default": 50.0, "n=64, T=500": 300.0}
PAGES = ["cell", "chain", "heatmaps", "phase", "lab", "training"]


def large_query() -> dict:
    """n = 64, T = 500: the long-memory preset at the size limits, t in the middle."""
    return to_query(presets.make_preset("long memory", n=64, T=500).replace(t=250))


def open_page(page: str, query: dict | None) -> AppTest:
    at = open_app(f"pages/{page}.py", query, timeout=120)
    if at.exception:
        raise RuntimeError(f"{page}: {[e.value for e in at.exception]}")
    return at


def mover(page: str, size: str):
    """(widget getter, two values) for the slider this benchmark moves."""
    if page == "training":  # updates per frame: a plain rerun of the page (hidden size is set in setup)
        return (lambda at: at.slider(key="tr_spf")), (6, 5)
    if page == "lab":
        return (lambda at: at.slider(key="lab_rho")), (1.2, 1.5)
    if size == "default":
        return (lambda at: at.sidebar.slider(key="rnnviz_W_h_1_1")), (0.7, 0.6)
    return (lambda at: at.slider(key="rnnviz_t")), (251, 250)


def setup(page: str, size: str) -> AppTest:
    query = large_query() if size != "default" else None
    at = open_page(page, query)
    if page == "training" and size != "default":
        at.slider(key="tr_hidden").set_value(64).run()
    get, values = mover(page, size)
    for value in values:  # warm-up: first runs import and build caches
        get(at).set_value(value).run()
    return at


def rerun_times(at: AppTest, page: str, size: str, reruns: int) -> list[float]:
    get, values = mover(page, size)
    times = []
    for i in range(reruns):
        get(at).set_value(values[i % 2])
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
        if at.exception:
            raise RuntimeError(f"{page} ({size}): {[e.value for e in at.exception]}")
    return times


def profile(page: str, size: str, reruns: int, top: int = 25) -> str:
    """cProfile of the script runs: AppTest runs the script in its own thread, so the profiler is switched
    on inside that thread, around Streamlit's exec of the page (callbacks included)."""
    from streamlit.runtime.scriptrunner import script_runner

    at = setup(page, size)
    profiler = cProfile.Profile()
    original = script_runner.exec_func_with_error_handling

    def profiled(func, ctx):
        profiler.enable()
        try:
            return original(func, ctx)
        finally:
            profiler.disable()

    script_runner.exec_func_with_error_handling = profiled
    try:
        rerun_times(at, page, size, reruns)
    finally:
        script_runner.exec_func_with_error_handling = original
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reruns", type=int, default=9)
    parser.add_argument("--profile", action="store_true", help="cProfile the (page, state) pairs over target")
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--shared-bytecode", action="store_true", help="one ScriptCache across AppTest runs")
    args = parser.parse_args()
    if args.shared_bytecode:
        from streamlit.runtime.scriptrunner.script_cache import ScriptCache
        from streamlit.testing.v1 import app_test

        shared = ScriptCache()
        app_test.ScriptCache = lambda: shared
    pages = [p for p in args.pages.split(",") if (ROOT / "pages" / f"{p}.py").exists()]

    rows, misses = [], []
    for page in pages:
        for size, target in TARGET_MS.items():
            at = setup(page, size)
            times = rerun_times(at, page, size, args.reruns)
            med = 1000 * statistics.median(times)
            best, worst = 1000 * min(times), 1000 * max(times)
            ok = med <= target
            rows.append((page, size, med, best, worst, target, ok))
            if not ok:
                misses.append((page, size))
            print(f"  {page:<9} {size:<12} median {med:7.1f} ms", file=sys.stderr, flush=True)

    print(f"\n{'page':<10} {'state':<13} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'target':>7}  result")
    print("-" * 71)
    for page, size, med, best, worst, target, ok in rows:
        print(f"{page:<10} {size:<13} {med:10.1f} {best:8.1f} {worst:8.1f} {target:7.0f}  {'OK' if ok else 'SLOW'}")
    print("(min is the least disturbed by other load on the machine; the target is checked on the median)")
    cache = "shared bytecode cache" if args.shared_bytecode else "AppTest recompiles the page each run"
    print(f"\nmedian of {args.reruns} reruns after a slider move (AppTest, includes its element-tree parsing; {cache})")
    if misses:
        print("over target: " + ", ".join(f"{p} ({s})" for p, s in misses))
        if args.profile:
            for page, size in misses:
                print(f"\n===== cProfile: {page} ({size}), {args.reruns} reruns =====")
                print(profile(page, size, args.reruns))


if __name__ == "__main__":
    main()
