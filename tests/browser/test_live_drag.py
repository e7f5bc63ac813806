"""Live drag (issue 11) in headless Chromium, on tests/browser/live_drag_app.py (lesson network, W_x[1,1] slider).

* a mouse drag changes the shown h_t several times before the button is released, with no rerun sent;
  every mid-drag snapshot equals rnnviz.engine.forward at the value the thumb shows (1e-12: the numbers
  are printed with 12 decimals);
* after release the server's numbers (engine) replace the preview, at the final value;
* keyboard: each arrow press commits; a held arrow key previews every repeat and commits once on key up;
* touch: a finger drag previews and commits the same way.
"""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.engine import forward
from rnnviz.presets import make_preset

from .harness import OUTPUT_DIR, VIEWPORT, attach_probe, goto, probe, wait_for_rerun

LESSON = make_preset("lesson")
SLIDER = "[data-testid='rnnvizLiveSlider']"
SNAPSHOT = """() => ({
  value: document.querySelector("[data-testid='rnnvizLiveSlider']").value,
  h: [...document.querySelectorAll('.h-value')].map(e => [Number(e.dataset.t), Number(e.dataset.i), e.textContent]),
  sources: [...document.querySelectorAll('.rnnviz-live-view')].map(e => e.dataset.source),
  updates: [...document.querySelectorAll('.rnnviz-live-view')].map(e => Number(e.dataset.updates)),
})"""


@pytest.fixture(scope="module")
def live_server(serve):
    with serve(app="tests/browser/live_drag_app.py", log_path=OUTPUT_DIR / "streamlit-live-drag-app.log") as url:
        yield url


def engine_h(w: float) -> np.ndarray:
    W_x = np.array(LESSON.params.W_x)
    W_x[0, 0] = w
    return forward(LESSON.params.replace(W_x=W_x), LESSON.x, LESSON.h0).h


def assert_matches_engine(snap: dict, tol: float = 1.5e-12) -> None:
    """Every shown h_t[i] equals the engine at the thumb's value (printed with 12 decimals)."""
    h = engine_h(float(snap["value"]))
    assert len(snap["h"]) == h[1:].size
    for t, i, text in snap["h"]:
        assert abs(float(text) - h[t, i]) <= tol, f"h_{t}[{i + 1}] shows {text}, engine {h[t, i]!r} at {snap['value']}"


def assert_engine_digits(snap: dict) -> None:
    """The shown numbers are the engine's, digit for digit (what the server prints after a release)."""
    h = engine_h(float(snap["value"]))
    assert [text for *_, text in snap["h"]] == [f"{h[t, i]:.12f}" for t, i, _ in snap["h"]]


def open_app(page, url):
    goto(page, url, "/")
    page.wait_for_selector(".h-value")
    page.wait_for_selector(".rnnviz-live-view .main-svg", timeout=90_000)  # plotly.js arrives once per session
    return page.locator(SLIDER)


def thumb_x(page, value: float) -> tuple[float, float]:
    box = page.locator(SLIDER).bounding_box()
    lo, hi = -3.0, 3.0
    thumb = 16  # Chromium's default range thumb width: its center runs from box.x + 8 to box.x + width - 8
    return box["x"] + thumb / 2 + (value - lo) / (hi - lo) * (box["width"] - thumb), box["y"] + box["height"] / 2


def test_mouse_drag_previews_then_commits(live_server, page):
    open_app(page, live_server)
    start = page.evaluate(SNAPSHOT)
    assert start["sources"] == ["engine", "engine"]
    assert_engine_digits(start)  # the server's own numbers
    p = probe(page)
    sent = p.sent
    x, y = thumb_x(page, float(start["value"]))
    page.mouse.move(x, y)
    page.mouse.down()
    snaps = []
    for k in range(1, 13):
        page.mouse.move(x - 12 * k, y, steps=2)
        page.wait_for_timeout(60)
        snaps.append(page.evaluate(SNAPSHOT))
    assert p.sent == sent, "a rerun was requested while the mouse button was still down"
    shown = {tuple(text for *_, text in s["h"]) for s in snaps}
    assert len(shown) >= 4, f"the numbers changed only {len(shown) - 1} times during the drag"
    assert all(s["sources"][0] == "preview" for s in snaps[1:])
    for s in snaps:
        assert_matches_engine(s)
    assert max(snaps[-1]["updates"]) >= 4  # the chart was redrawn during the drag too
    page.mouse.up()
    wait_for_rerun(page)
    page.wait_for_function("() => [...document.querySelectorAll('.rnnviz-live-view')]"
                           ".every(e => e.dataset.source === 'engine')")
    final = page.evaluate(SNAPSHOT)
    assert float(final["value"]) == float(snaps[-1]["value"]) < float(start["value"])
    assert_engine_digits(final)
    assert page.get_by_text(f"{float(final['value']):.2f}", exact=True).count() >= 1  # committed value printed
    assert not p.page_errors


def test_keyboard_steps_and_held_key(live_server, page):
    slider = open_app(page, live_server)
    p = probe(page)
    value = float(slider.input_value())
    slider.focus()
    for _ in range(2):  # one press, one commit
        sent = p.sent
        page.keyboard.press("ArrowRight")
        wait_for_rerun(page)
        assert p.sent == sent + 1
        value = round(value + 0.01, 2)
        snap = page.evaluate(SNAPSHOT)
        assert float(snap["value"]) == value and snap["sources"][0] == "engine"
        assert_matches_engine(snap)
    sent = p.sent
    for _ in range(5):  # a held key: repeated keydowns, previewed, not committed
        page.keyboard.down("ArrowLeft")
        page.wait_for_timeout(40)
    page.wait_for_timeout(100)
    held = page.evaluate(SNAPSHOT)
    assert float(held["value"]) == pytest.approx(value - 0.05) and held["sources"][0] == "preview"
    assert_matches_engine(held)
    assert p.sent == sent
    page.keyboard.up("ArrowLeft")
    wait_for_rerun(page)
    assert p.sent == sent + 1
    snap = page.evaluate(SNAPSHOT)
    assert snap["sources"][0] == "engine" and float(snap["value"]) == pytest.approx(value - 0.05)
    assert_matches_engine(snap)


def test_touch_drag(live_server, browser):
    ctx = browser.new_context(viewport=VIEWPORT, has_touch=True)
    try:
        page = ctx.new_page()
        page.set_default_timeout(30_000)
        p = attach_probe(page)
        open_app(page, live_server)
        start = page.evaluate(SNAPSHOT)
        cdp = ctx.new_cdp_session(page)
        x, y = thumb_x(page, float(start["value"]))

        def touch(kind, px):
            points = [] if kind == "touchEnd" else [{"x": px, "y": y}]
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

        sent = p.sent
        touch("touchStart", x)
        snaps = []
        for k in range(1, 9):
            touch("touchMove", x + 10 * k)
            page.wait_for_timeout(60)
            snaps.append(page.evaluate(SNAPSHOT))
        assert p.sent == sent
        assert len({tuple(t for *_, t in s["h"]) for s in snaps}) >= 3
        for s in snaps:
            assert_matches_engine(s)
        touch("touchEnd", x)
        wait_for_rerun(page)
        final = page.evaluate(SNAPSHOT)
        assert final["sources"][0] == "engine" and float(final["value"]) > float(start["value"])
        assert_matches_engine(final)
    finally:
        ctx.close()
