"""The training page's live view in headless Chromium: does it draw what it promises? (a script, not a test)

    python benchmarks/bench_browser_training.py                 # defaults, n=64, 3 layers; 20 s of play each
    python benchmarks/bench_browser_training.py --seconds 10 --configs defaults
    python benchmarks/bench_browser_training.py --target app    # the live view alone (tests/browser/...app.py)

For each configuration it opens the training page (`streamlit run app.py`, /training; or with --target app
tests/browser/live_training_app.py, the same live view without the rest of the page) in Debian's headless
Chromium (software rendering), sets the sidebar (n=64: "Hidden size n" to its end; 3 layers: "Layers
(stacked)" to its end), presses Play for --seconds at the default 4 frames/s and 5 updates per frame, samples
the page from inside (tests/browser/test_live_training.py's SAMPLER_JS: every 50 ms at most, on animation
frames), then presses Pause, +1 and Reset.  It prints:

- visible: the fraction of samples in which every live chart was drawn and visible (not removed, not hidden);
- frames/s drawn: counter changes per second while playing, against the frames-per-second setting;
- timer on time: the fraction of 50 ms slots in which a 50 ms setInterval in the page fired on time
  (within 75 ms of its previous firing) -- how free the page's main thread stays;
- Pause / +1 / Reset: ms from the press to the last counter change (Pause; 0 = nothing drawn after the press)
  or to the counter showing the new update (+1, Reset);
- server: live frames the server sent per second (websocket messages carrying the live view);
- kB/frame: websocket bytes received while playing per live frame; (view): of which the live view's message.

The machine is shared: figures vary with its load; run it when it is otherwise idle.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.browser.harness import StreamlitServer, launch_browser, new_app_page, slider  # noqa: E402
from tests.browser.test_live_training import APP, SAMPLER_JS, counter, open_live  # noqa: E402

CONFIGS = {"defaults": {}, "n64": {"n": 64}, "layers3": {"layers": 3}}
SLIDERS = {"n": "Hidden size n", "layers": "Layers (stacked)"}
FPS = 4
SPF = 5
# The buttons: the training page's (by key) or the test app's (by name).
BUTTONS = {"page": {name: f".st-key-{key} button" for name, key in
                    (("Play", "tr_play"), ("Pause", "tr_pause"), ("+1", "tr_step"), ("Reset", "tr_reset"))},
           "app": {name: f".st-key-{key} button" for name, key in
                   (("Play", "play"), ("Pause", "pause"), ("+1", "step"), ("Reset", "reset"))}}
TARGET = "page"
LIVE_KEYS = {"page": b"tr_live", "app": b"-live"}  # in the websocket message that carries a live frame


def press(page, name: str) -> float:
    """Click a button; return the page's clock (ms) at the press, as the sampler saw it."""
    page.locator(BUTTONS[TARGET][name]).first.click()
    return page.evaluate("() => window.__rvSampler.clicks[window.__rvSampler.clicks.length - 1][0]")


def open_config(page, url: str, config: dict) -> None:
    """The live view with `config`: query parameters of the test app, or the page's sidebar sliders."""
    if TARGET == "app":
        query = "&".join(f"{k}={v}" for k, v in {**config, "fps": FPS, "spf": SPF}.items())
        open_live(page, url, query)
        return
    page.goto(url + "/training", wait_until="domcontentloaded")
    wait_for(page, "() => { const p = [...document.querySelectorAll('.rv-live .rv-plot')];"
                   " return p.length >= 10 && p.every((d) => d.querySelector('.main-svg')); }")
    for name in config:  # 64 is the end of "Hidden size n", 3 the end of "Layers (stacked)"
        run = page.evaluate("() => window.__rnnvizLive.tr_live.run")
        slider(page, SLIDERS[name]).focus()
        slider(page, SLIDERS[name]).press("End")
        wait_for(page, f"() => window.__rnnvizLive.tr_live.run !== {run!r}")  # the view of the new network
    page.wait_for_timeout(1000)
    open_live(page, url, None, navigate=False)


def changes_after(page, t0: float) -> list:
    return [c for c in page.evaluate("() => window.__rvSampler.counter") if c[0] > t0]


def wait_for(page, predicate, timeout_s: float = 120.0) -> None:
    page.wait_for_function(predicate, timeout=timeout_s * 1000)


def run_config(browser, url: str, config: dict, seconds: float) -> dict:
    page = new_app_page(browser)
    received = []  # (bytes, carries the live view's frame)
    page.on("websocket", lambda ws: ws.on("framereceived", lambda p: received.append(
        (len(p), isinstance(p, bytes) and LIVE_KEYS[TARGET] in p))))
    try:
        open_config(page, url, config)
        page.wait_for_timeout(500)
        page.evaluate(SAMPLER_JS)  # a fresh sampler: only the play is measured
        seen0 = len(received)
        start_step = counter(page)
        t_play = press(page, "Play")
        page.wait_for_timeout(seconds * 1000)
        s = page.evaluate("() => window.__rvSampler")
        playing = received[seen0:]
        live_msgs = [n for n, live in playing if live]
        play_bytes = sum(n for n, _ in playing)
        t_pause = press(page, "Pause")
        page.wait_for_timeout(2000)
        after = changes_after(page, t_pause)
        pause_ms = (after[-1][0] - t_pause) if after else 0.0
        steps = counter(page)
        drawn = [c for c in s["counter"] if c[0] > t_play]
        t_step = press(page, "+1")
        wait_for(page, f"() => window.__rvSampler.counter.some(c => c[0] > {t_step} && c[1] === {steps + 1})")
        step_ms = next(c[0] for c in changes_after(page, t_step) if c[1] == steps + 1) - t_step
        t_reset = press(page, "Reset")
        wait_for(page, f"() => window.__rvSampler.counter.some(c => c[0] > {t_reset} && c[1] === 0)")
        reset_ms = next(c[0] for c in changes_after(page, t_reset) if c[1] == 0) - t_reset
        elapsed_ms = s["counter"][-1][0] - t_play if s["counter"] else seconds * 1000
        server_frames = max(1, len(live_msgs))
        return {"visible": s["allVisible"] / max(1, s["samples"]), "removed": len(s["removed"]),
                "fps": len(drawn) / (elapsed_ms / 1000), "timer": min(1.0, s["onTime"] / (seconds * 1000 / 50)),
                "pause_ms": pause_ms, "frames_after_pause": len(after), "step_ms": step_ms, "reset_ms": reset_ms,
                "kb_frame": play_bytes / server_frames / 1000,
                "kb_view": sum(live_msgs) / server_frames / 1000, "server_fps": len(live_msgs) / seconds,
                "updates": steps - start_step, "hidden": s["hiddenWhat"],
                "after_pause": [(round(c[0] - t_pause), c[1]) for c in after]}
    finally:
        page.context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    parser.add_argument("--target", default="page", choices=["page", "app"])
    args = parser.parse_args()
    global TARGET
    TARGET = args.target
    from playwright.sync_api import sync_playwright

    rows = []
    with StreamlitServer(app=APP if TARGET == "app" else "app.py") as server, sync_playwright() as pw:
        browser = launch_browser(pw)
        warm = new_app_page(browser)  # warm the server (imports) once
        warm.goto(server.url, wait_until="domcontentloaded")
        warm.wait_for_timeout(3000)
        warm.context.close()
        for name in args.configs:
            rows.append((name, run_config(browser, server.url, CONFIGS[name], args.seconds)))
            print(name, rows[-1][1], flush=True)
        browser.close()
    where = "the training page" if TARGET == "page" else "the live view alone"
    print(f"\n{where}, {args.seconds:.0f} s of play at {FPS} frames/s, {SPF} updates/frame "
          "(headless Chromium, software rendering)")
    head = f"{'config':<10}{'visible':>9}{'removed':>9}{'frames/s':>10}{'of set':>8}{'server':>8}{'timer':>7}" \
           f"{'Pause ms':>10}{'(frames)':>9}{'+1 ms':>8}{'Reset ms':>10}{'kB/frame':>10}{'(view)':>8}"
    print(head)
    for name, r in rows:
        print(f"{name:<10}{r['visible']:>9.1%}{r['removed']:>9d}{r['fps']:>10.2f}{r['fps'] / FPS:>8.0%}"
              f"{r['server_fps']:>8.2f}{r['timer']:>7.0%}{r['pause_ms']:>10.0f}{r['frames_after_pause']:>9d}"
              f"{r['step_ms']:>8.0f}{r['reset_ms']:>10.0f}{r['kb_frame']:>10.1f}{r['kb_view']:>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
