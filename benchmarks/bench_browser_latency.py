"""Live drag and release latency in headless Chromium (issue 11), beside a minimal Streamlit app (not a test).

For each simulator page and the vanishing/exploding lab:

* updates/s during a drag: a mouse drag of a slider (W_h[1,1] on the simulator pages, ρ on the lab) for about
  two seconds; an update is an animation frame in which a chart or live view changed (MutationObserver).
* key -> settled: ArrowRight / ArrowLeft on the slider, time from the key press until the rerun has finished
  and the page is idle (tests/browser/harness.wait_for_rerun); median of several presses, twice: presses
  back to back (each as soon as the page settled: what a run of quick taps costs, with whatever work the page
  still does after settling) and paced (one every --pace-ms, as a person steps a value and looks).

Two references are measured the same way in the same run, and ratios are printed, never absolute thresholds:

* the minimal app: one st.slider, one st.plotly_chart of its value (the issue's yardstick);
* the floor: benchmarks/floor_app.py, a simulator page with everything but its views (its sidebar, step
  picker, share box and partial reruns): what Streamlit's rerun of a page this size costs before any view.

    python benchmarks/bench_browser_latency.py [--presses 11] [--drag-s 2] [--pace-ms 500] [--pages cell lab]
        [--query "n=16&d=4&T=100&t=50" --slider "h_0[1]"]   # another network (default: the lesson's, t = 2)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from rnnviz.live_state import LIVE_MAX_N, LIVE_MAX_T  # noqa: E402
from tests.browser.harness import (  # noqa: E402
    OUTPUT_DIR,
    StreamlitServer,
    goto,
    launch_browser,
    new_app_page,
    probe,
    wait_for_rerun,
)

MINIMAL_APP = '''
import plotly.graph_objects as go
import streamlit as st

w = st.slider("W_h[1,1]", -3.0, 3.0, 0.5, 0.01, key="w")
st.plotly_chart(go.Figure(go.Scatter(y=[0, w, 1])), key="fig")
'''

PAGES = [  # (name, path, slider label: None for the sidebar's --slider)
    ("cell", "/cell", None),
    ("chain", "/chain", None),
    ("heatmaps", "/heatmaps", None),
    ("phase", "/phase", None),
    ("lab", "/lab", "Spectral radius ρ for W_h"),
]

# The largest network whose views follow a drag (above it they update on release), d = 4 as in the issue.  Its
# weights are edited in grids (more than 24 entries), so its drag is on an h_0 slider: --slider "h_0[1]".
LARGEST = f"n={LIVE_MAX_N}&d=4&T={LIVE_MAX_T}&t={LIVE_MAX_T // 2}"
MOVES_PER_SWEEP = 20

# A visible update: an animation frame in which a chart or a live view changed (the thumb itself does not count).
COUNT_FRAMES = """() => {
  window.__frames = 0; window.__dirty = false;
  const main = document.querySelector("[data-testid='stMain']");
  const view = "[data-testid='stPlotlyChart'], .rnnviz-live-view";
  new MutationObserver((mutations) => {
    if (window.__dirty) return;
    if (!mutations.some((m) => (m.target.closest ? m.target : m.target.parentElement).closest(view))) return;
    window.__dirty = true;
    requestAnimationFrame(() => { window.__frames += 1; window.__dirty = false; });
  }).observe(main, {subtree: true, childList: true, attributes: true, characterData: true});
}"""


def _widget(page, label: str):
    """The slider labelled ``label``; opened first if it sits in a closed expander (the sidebar's Inputs)."""
    inner = page.locator(f"input[type='range'][aria-label={label!r}]")
    if not inner.is_visible():
        page.locator("[data-testid='stExpander']").filter(has=inner).locator("summary").last.click()
        inner.wait_for(state="visible")
    return page.locator("[data-testid='stSlider']").filter(has=inner)


def drag_rate(page, label: str, seconds: float) -> float:
    """Visible updates of the main area per second while the slider's thumb is dragged (button held)."""
    widget = _widget(page, label)
    widget.scroll_into_view_if_needed()
    page.evaluate(COUNT_FRAMES)
    box = widget.locator("[data-testid='stSliderThumbValue']").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] + 10
    # About one slider step per mouse event: the sidebar's weights have 600 steps on 250 px (20 px is plenty),
    # the lab's ρ 59 on 850 px (it needs about 15 px per event to change at all).
    track = widget.bounding_box()["width"]
    lo, hi, step = (float(widget.locator("input[type='range']").get_attribute(a)) for a in ("min", "max", "step"))
    amplitude = min(max(20.0, track * step / (hi - lo) * MOVES_PER_SWEEP), track / 3)
    page.mouse.move(x, y)
    page.mouse.down()
    start = time.perf_counter()
    k = 0
    # Back and forth around the start, each sweep as MOVES_PER_SWEEP mouse events sent by the driver in one call
    # (as a real mouse reports a drag: many events per second); one call per event would measure the driver.
    while time.perf_counter() - start < seconds:
        page.mouse.move(x + (amplitude if k % 2 == 0 else -amplitude), y, steps=MOVES_PER_SWEEP)
        k += 1
    k *= MOVES_PER_SWEEP
    frames = page.evaluate("window.__frames")
    elapsed = time.perf_counter() - start
    # ms per redraw of the slowest live view (Plotly.react), measured by the views themselves
    draw_ms = page.evaluate("Math.max(0, ...[...document.querySelectorAll('.rnnviz-live-view')]"
                            ".map(e => Number(e.dataset.drawMs || 0)))")
    page.mouse.up()
    wait_for_rerun(page, require_new=False)
    return frames / elapsed, k / elapsed, draw_ms


def key_to_settled(page, label: str, presses: int, pace_ms: float = 0.0) -> list[float]:
    """Ms from each key press on the slider to the settled page; a press every pace_ms at the most."""
    widget = _widget(page, label)
    widget.scroll_into_view_if_needed()
    thumb = widget.locator("input[type='range']")
    times = []
    for i in range(presses):
        if times and pace_ms > times[-1]:
            page.wait_for_timeout(pace_ms - times[-1])
        thumb.focus()
        p = probe(page)
        sent = p.sent
        t0 = time.perf_counter()
        page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
        while p.sent == sent and time.perf_counter() - t0 < 3:
            page.wait_for_timeout(5)
        wait_for_rerun(page, quiet_ms=50)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def measure(browser, url: str, path: str, query: str, label: str, args, drag: bool = True) -> dict:
    """One page: its drag (updates/s, moves/s, ms/redraw) and its key presses (ms), back to back and paced."""
    page = new_app_page(browser)
    try:
        goto(page, url, path, query or None)
        page.wait_for_timeout(1500)  # plotly.js and the first draws
        settled = key_to_settled(page, label, args.presses)  # first: the lab ships its ρ frames from a later run
        paced = key_to_settled(page, label, args.presses, args.pace_ms)
        page.wait_for_timeout(1000)
        rate, moves, draw_ms = drag_rate(page, label, args.drag_s) if drag else (0.0, 0.0, 0.0)
        return {"rate": rate, "moves": moves, "draw_ms": draw_ms, "settled": settled, "paced": paced}
    finally:
        page.context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=11)
    parser.add_argument("--drag-s", type=float, default=2.0)
    parser.add_argument("--pace-ms", type=float, default=500.0, help="paced presses: one every PACE_MS")
    parser.add_argument("--query", default="t=2", help="the network of the simulator pages, the lab and the floor "
                        "(default: the lesson's, at step 2); the largest that follows a drag: " + LARGEST)
    parser.add_argument("--slider", default="W_h[1,1]", help="the sidebar slider to press and drag (not the lab's)")
    names = [name for name, *_ in PAGES]
    parser.add_argument("--pages", nargs="+", default=names, choices=names)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        minimal = Path(tmp) / "minimal_slider_app.py"
        minimal.write_text(MINIMAL_APP)
        app = StreamlitServer(log_path=OUTPUT_DIR / "bench-browser-app.log")
        ref = StreamlitServer(app=str(minimal), log_path=OUTPUT_DIR / "bench-browser-minimal.log")
        floor = StreamlitServer(app="benchmarks/floor_app.py", log_path=OUTPUT_DIR / "bench-browser-floor.log")
        try:
            app_url, ref_url, floor_url = app.start(), ref.start(), floor.start()
            with sync_playwright() as pw:
                browser = launch_browser(pw)
                # The references before and after the pages, pooled: the machine drifts during a run.
                minimal = [measure(browser, ref_url, "/", "", "W_h[1,1]", args)]
                floors = [measure(browser, floor_url, "/", args.query, args.slider, args, drag=False)]
                rows = [(name, measure(browser, app_url, path, args.query, label or args.slider, args))
                        for name, path, label in PAGES if name in args.pages]
                minimal.append(measure(browser, ref_url, "/", "", "W_h[1,1]", args))
                floors.append(measure(browser, floor_url, "/", args.query, args.slider, args, drag=False))
                browser.close()
        finally:
            app.stop()
            ref.stop()
            floor.stop()
    report([("minimal app", pooled(minimal)), ("floor", pooled(floors)), *rows])


def pooled(runs: list[dict]) -> dict:
    """One reference measured twice: its presses together, its drag from the first run."""
    return {**runs[0], **{kind: [t for r in runs for t in r[kind]] for kind in ("settled", "paced")}}


def report(rows) -> None:
    med = {name: {k: statistics.median(r[k]) for k in ("settled", "paced")} for name, r in rows}
    minimal, floor = med["minimal app"], med["floor"]
    print(f"{'page':<12}{'updates/s':>10}{'moves/s':>9}{'ms/redraw':>10}"
          f"{'settled ms':>12}{'/minimal':>9}{'/floor':>7}{'paced ms':>10}{'/minimal':>9}{'/floor':>7}")
    for name, r in rows:
        settled, paced = med[name]["settled"], med[name]["paced"]
        print(f"{name:<12}{r['rate']:>10.1f}{r['moves']:>9.1f}{r['draw_ms']:>10.1f}"
              f"{settled:>12.0f}{settled / minimal['settled']:>9.2f}{settled / floor['settled']:>7.2f}"
              f"{paced:>10.0f}{paced / minimal['paced']:>9.2f}{paced / floor['paced']:>7.2f}")
    print("updates/s: animation frames in which a chart or live view changed while the mouse button was held;\n"
          "moves/s: the mouse moves the driver managed to send (the ceiling on a loaded machine);\n"
          "ms/redraw: the slowest live view's Plotly.react time (1000 / it = the most updates/s the view can draw);\n"
          "settled: key press -> settled page, presses back to back; paced: one press every --pace-ms;\n"
          "floor: benchmarks/floor_app.py, a simulator page without its views (Streamlit's cost for the page).")


if __name__ == "__main__":
    main()
