"""Live drag (issue 11) in headless Chromium, on tests/browser/live_drag_app.py (lesson network, W_x[1,1] slider).

* a mouse drag changes the shown h_t several times before the button is released, with no rerun sent;
  every mid-drag snapshot equals rnnviz.engine.forward at the value the thumb shows (1e-12: the numbers
  are printed with 12 decimals);
* after release the server's numbers (engine) replace the preview, at the final value;
* keyboard: each arrow press commits; a held arrow key previews every repeat and commits once on key up;
* touch: a finger drag previews and commits the same way.
"""

from __future__ import annotations

import re
import time

import numpy as np
import pytest

from rnnviz import latex, live_state
from rnnviz.analysis import step_terms
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


# --------------------------------------------------------------------------- the app's own pages (native sliders)

NATIVE = "[data-testid='stSlider'] input[type='range'][aria-label={label!r}]"


def native_drag(page, label: str, steps: int, dx: float, read: str):
    """Drag the native st.slider `label` by steps * dx pixels; returns [(thumb value, read())] mid-drag."""
    widget = page.locator("[data-testid='stSlider']").filter(
        has=page.locator(f"input[type='range'][aria-label={label!r}]"))
    widget.scroll_into_view_if_needed()
    box = widget.locator("[data-testid='stSliderThumbValue']").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] + 10
    page.mouse.move(x, y)
    page.mouse.down()
    snaps = []
    for k in range(1, steps + 1):
        page.mouse.move(x + dx * k, y, steps=2)
        page.wait_for_timeout(80)
        snaps.append(page.evaluate(f"() => [document.querySelector({NATIVE.format(label=label)!r}).value, ({read})()]"))
    page.mouse.up()
    return snaps


CELL_NUMBERS = """() => {
  const view = document.querySelector('.rnnviz-live-view');
  const lines = [...document.querySelectorAll('.rnnviz-latex')];  // the worked lines: KaTeX keeps each source
  return [view.dataset.source, [...view.querySelectorAll('[data-live]')].map(e => e.textContent),
          lines.map(e => e.querySelector('annotation').textContent),
          lines.some(e => Number(getComputedStyle(e.querySelector('.katex-display')).opacity) < 1)];
}"""


def cell_derivation(w: float) -> list[str]:
    """The cell page's worked lines at step 2 of the lesson network with W_h[1,1] = w, as the server prints them."""
    W_h = np.array(LESSON.params.W_h)
    W_h[0, 0] = w
    p = LESSON.params.replace(W_h=W_h)
    terms = step_terms(p, forward(p, LESSON.x, LESSON.h0), 2)
    return latex.derivation(terms, 2, p.activation, 4, W_h=p.W_h, W_x=p.W_x, W_y=p.W_y, b_y=p.b_y)


def test_cell_page_follows_a_native_weight_slider(app_server, page):
    goto(page, app_server, "/cell", "t=2")
    page.wait_for_selector(".rnnviz-live-view [data-live]")
    p = probe(page)
    sent = p.sent
    snaps = native_drag(page, "W_h[1,1]", 8, 9, CELL_NUMBERS)
    assert p.sent <= sent + 1  # at most the release's rerun, none during the drag
    previews = [(float(value), numbers) for value, (source, numbers, *_) in snaps if source == "preview"]
    assert len({tuple(n) for _, n in previews}) >= 4, snaps
    # the worked LaTeX lines follow too, drawn at most every 100 ms (so they may show a value the thumb passed between
    # two snapshots): digit for digit the server's lines at the W_h[1,1] they print, one the drag went through
    drawn = set()
    for value, (source, _, lines, faded) in snaps:
        if source == "preview":
            w = float(re.search(r"\\begin\{bmatrix\}(-?[\d.]+) \\times", lines[2])[1])  # W_h h_1 written out
            assert LESSON.params.W_h[0, 0] <= w <= float(value) and lines == cell_derivation(w), (value, lines)
            assert not faded
            drawn.add(tuple(lines))
    assert len(drawn) >= 3, drawn
    for value, numbers in previews:
        W_h = np.array(LESSON.params.W_h)
        W_h[0, 0] = value
        tr = forward(LESSON.params.replace(W_h=W_h), LESSON.x, LESSON.h0)
        vec = lambda a: "[" + ", ".join(f"{v:.4f}".replace("-0.0000", "0.0000") for v in a) + "]"  # noqa: E731
        assert numbers == [vec(LESSON.x[1]), vec(tr.h[1]), vec(tr.pre[1]), vec(tr.h[2])], (value, numbers)
    wait_for_rerun(page)
    page.wait_for_function("() => document.querySelector('.rnnviz-live-view').dataset.source === 'engine'")
    source, _, lines, _ = page.evaluate(CELL_NUMBERS)
    assert lines == cell_derivation(float(page.locator(NATIVE.format(label="W_h[1,1]")).input_value()))
    assert "rnnviz-previewing" not in page.evaluate("document.body.className")
    assert not p.page_errors


RHO = "input[type='range'][aria-label='Spectral radius ρ for W_h']"


def open_lab_with_frames(page, url):
    """The lab with its ρ views' frames in the tab; returns the ρ slider (its value back where it started)."""
    goto(page, url, "/lab")
    page.wait_for_selector(".rnnviz-live-view .main-svg", timeout=90_000)
    # the ρ frames are prepared off the script thread: shipped from a run after they are ready
    rho = page.locator(RHO)
    for key in ["ArrowRight", "ArrowLeft"] * 5:
        if page.locator(".rnnviz-live-view[data-frames='on']").count() == 2:
            break
        page.wait_for_timeout(1500)
        rho.focus()
        page.keyboard.press(key)
        wait_for_rerun(page)
    assert page.locator(".rnnviz-live-view[data-frames='on']").count() == 2
    return rho


def test_lab_rho_slider_previews_engine_frames(app_server, page):
    rho = open_lab_with_frames(page, app_server)
    # The patches come once per tab: later runs send their id only, and a tab that lost them asks again.
    p = probe(page)
    patch = b"= 0.05)"  # "(ρ = 0.05)": in the patches (every ρ), never in a settled figure at ρ ≥ 1
    p.kept = []
    rho.focus()
    page.keyboard.press("ArrowRight")
    wait_for_rerun(page)
    assert p.kept and not any(patch in frame for frame in p.kept)
    assert page.locator(".rnnviz-live-view[data-frames='on']").count() == 2
    page.evaluate("window.__rnnvizFrames.clear()")
    p.kept, sent = [], p.sent
    page.keyboard.press("ArrowLeft")
    deadline = time.monotonic() + 30
    while p.sent < sent + 2 and time.monotonic() < deadline:  # the press, then the views' request
        page.wait_for_timeout(25)
    wait_for_rerun(page)
    assert p.sent >= sent + 2 and any(patch in frame for frame in p.kept)
    assert page.locator(".rnnviz-live-view[data-frames='on']").count() == 2
    p.kept = None
    start = float(rho.input_value())
    p = probe(page)
    sent = p.sent
    read = "() => [...document.querySelectorAll('.rnnviz-live-view')].map(e => e.dataset.source + e.dataset.updates)"
    snaps = native_drag(page, "Spectral radius ρ for W_h", 6, 12, read)
    assert p.sent <= sent + 1
    moved = [s for s in snaps if float(s[0]) != start]
    assert moved and all(all(v.startswith("preview") for v in views) for _, views in moved), snaps
    assert len({views[0] for _, views in moved}) >= 3, snaps
    wait_for_rerun(page)
    assert not p.page_errors


CHAIN_LAYERS = """() => {
  const gd = document.querySelector('.rnnviz-live-view');
  const overlay = document.querySelector('.rnnviz-live-overlay');
  const shown = overlay && !overlay.hidden;
  const hidden = [...gd.querySelectorAll('.mlayer > g')].filter(g => g.style.visibility === 'hidden')
    .map(g => g.__data__[0].trace.index);
  const size = (el) => { const s = el._fullLayout._size; return [s.l, s.r, s.t, s.b, s.w, s.h]; };
  const base_z = gd.calcdata[1][0].z.map(r => Array.from(r, v => Number.isNaN(v) ? null : v));
  return {source: gd.dataset.source, shown, hidden, base_z,
          overlay_z: shown ? overlay.data[0].z : null, overlay_traces: shown ? overlay.data.length : 0,
          same_area: shown ? JSON.stringify(size(gd)) === JSON.stringify(size(overlay)) : null,
          same_ranges: shown ? ['xaxis', 'yaxis'].every(a => JSON.stringify(gd._fullLayout[a].range)
                                                          === JSON.stringify(overlay._fullLayout[a].range)) : null};
}"""


def chain_z(h: np.ndarray) -> list[list]:
    """chain_figure's z for states h_0 .. h_T: unit n on the first row, a gap column between states."""
    rows = []
    for i in reversed(range(h.shape[1])):
        row = []
        for s in range(len(h)):
            row += ([None] if s else []) + [h[s, i]]
        rows.append(row)
    return rows


def assert_chain_z(z, h: np.ndarray, tol: float = 1e-12) -> None:
    for got, want in zip(z, chain_z(h), strict=True):
        for a, b in zip(got, want, strict=True):
            assert (a is None and b is None) or abs(a - b) <= tol, (z, h)


def test_chain_page_redraws_only_its_squares_while_dragged(app_server, page):
    """The chain's preview redraws its h squares alone, over the settled chart (view.js, drawMoving): the
    squares are the engine's at the thumb's value, on the same plot area; the release draws the whole chart."""
    goto(page, app_server, "/chain", "t=2")
    page.wait_for_selector(".rnnviz-live-view .heatmaplayer image", timeout=90_000)
    settled = page.evaluate(CHAIN_LAYERS)
    assert settled["source"] == "engine" and not settled["shown"] and settled["hidden"] == []
    p = probe(page)
    snaps = native_drag(page, "W_h[1,1]", 8, 9, CHAIN_LAYERS)
    previews = [(float(value), s) for value, s in snaps if s["source"] == "preview"]
    assert len(previews) >= 4, snaps
    for value, s in previews:
        assert s["shown"] and s["hidden"] == live_state.CHAIN_MOVING and s["overlay_traces"] == 2, s
        assert s["same_area"] and s["same_ranges"], s
        assert s["base_z"] == settled["base_z"]  # the settled chart is left as it was drawn
        W_h = np.array(LESSON.params.W_h)
        W_h[0, 0] = value
        assert_chain_z(s["overlay_z"], forward(LESSON.params.replace(W_h=W_h), LESSON.x, LESSON.h0).h)
    wait_for_rerun(page)
    page.wait_for_function("() => document.querySelector('.rnnviz-live-view').dataset.source === 'engine'")
    final = page.evaluate(CHAIN_LAYERS)
    assert not final["shown"] and final["hidden"] == []
    W_h = np.array(LESSON.params.W_h)
    W_h[0, 0] = float(page.locator(NATIVE.format(label="W_h[1,1]")).input_value())
    assert_chain_z(final["base_z"], forward(LESSON.params.replace(W_h=W_h), LESSON.x, LESSON.h0).h)
    assert not p.page_errors


PHASE_STATE = """() => {
  const gd = document.querySelector('.rnnviz-live-view');
  const overlay = gd.parentElement.querySelector('.rnnviz-live-overlay');
  const shown = !!overlay && !overlay.hidden;
  const drawn = shown ? overlay : gd;  // where the preview's points are
  const full = gd._fullLayout;
  return {source: gd.dataset.source, shown, x: drawn.data[1].x, y: drawn.data[1].y,
          xrange: full.xaxis.range, yrange: full.yaxis.range,
          overlay_ranges: shown ? [overlay._fullLayout.xaxis.range, overlay._fullLayout.yaxis.range] : null};
}"""


def drag_event(page, name: str, index: list[int], value: float) -> None:
    """What the drag bridge announces while a sidebar slider's thumb moves."""
    page.evaluate("([t, v]) => window.dispatchEvent(new CustomEvent('rnnviz:drag', "
                  "{detail: {target: t, value: v, final: false, native: true}}))",
                  [{"name": name, "index": index}, value])


def test_phase_portrait_preview_keeps_its_points_inside_the_axes(app_server, page):
    """A split preview (points redrawn alone over the settled chart) keeps the settled axes; a frame whose points
    leave them is drawn whole, so the autoranged axes take them in, and later frames split again over those."""
    goto(page, app_server, "/phase", "t=2")
    page.wait_for_selector(".rnnviz-live-view .scatterlayer", timeout=90_000)

    def inside(s):
        lo_x, hi_x = sorted(s["xrange"])
        lo_y, hi_y = sorted(s["yrange"])
        return all(lo_x <= x <= hi_x for x in s["x"]) and all(lo_y <= y <= hi_y for y in s["y"])

    p = probe(page)
    drag_event(page, "b", [0], 0.2)  # a small move: h stays inside the settled axes
    page.wait_for_function("() => document.querySelector('.rnnviz-live-view').dataset.source === 'preview'")
    page.wait_for_timeout(300)
    small = page.evaluate(PHASE_STATE)
    assert small["shown"] and inside(small) and small["overlay_ranges"] == [small["xrange"], small["yrange"]], small
    drag_event(page, "b", [0], -3.0)  # h_1[1] = tanh(1.6 - 3) = -0.89: outside the settled x axis
    page.wait_for_function("() => { const gd = document.querySelector('.rnnviz-live-view');"
                           " return Math.min(...gd._fullLayout.xaxis.range) < -0.85; }")
    page.wait_for_timeout(300)
    big = page.evaluate(PHASE_STATE)
    # drawn whole (the wait above: the axes took the points in); a later frame may split over the new axes
    assert inside(big) and (not big["shown"] or big["overlay_ranges"] == [big["xrange"], big["yrange"]]), big
    drag_event(page, "b", [0], -2.9)
    page.wait_for_function("() => !document.querySelector('.rnnviz-live-overlay').hidden")
    page.wait_for_timeout(300)
    again = page.evaluate(PHASE_STATE)
    assert again["shown"] and inside(again) and again["xrange"] == big["xrange"], again
    trace = forward(LESSON.params.replace(b=np.array([-2.9, 0.1])), LESSON.x, LESSON.h0)
    assert np.allclose(again["x"], trace.h[:, 0], atol=1e-12) and np.allclose(again["y"], trace.h[:, 1], atol=1e-12)
    assert not p.page_errors


LAB_STATE = """() => [...document.querySelectorAll('.rnnviz-live-view')].map((gd) => {
  const overlay = gd.parentElement.querySelector('.rnnviz-live-overlay');
  const shown = !!overlay && !overlay.hidden;
  const hidden = [...gd.querySelectorAll('.mlayer > g')].filter(g => g.style.visibility === 'hidden')
    .map(g => g.__data__[0].trace.index);
  const legend = [...gd.querySelectorAll('.legend .traces')].map(g => g.querySelector('.legendtext').textContent);
  const full = gd._fullLayout;
  return {source: gd.dataset.source, shown, hidden, legend, base: gd.data.map(t => [t.x, t.y]),
          overlay: shown ? overlay.data.map(t => [t.x, t.y]) : null,
          ranges: gd.parentElement.__rnnvizView.drawnRanges, yrange: full.yaxis.range};
})"""


# Counts whole redraws of the live views from now on (window.__viewReacts), not of their moving layers.
COUNT_VIEW_REACTS = """() => {
  window.__viewReacts = 0;
  if (window.Plotly.react.__counted) return;
  const react = window.Plotly.react;
  window.Plotly.react = function (gd, ...rest) {
    if (gd.classList.contains('rnnviz-live-view')) window.__viewReacts += 1;
    return react.call(this, gd, ...rest);
  };
  window.Plotly.react.__counted = true;
}"""


def lab_rescaled(rho: float):
    """The lab's rescaled curve and eigenvalues at ρ for the lesson network: its default sequence for a short
    network is 40 steps "around h = 0" (x = 0, b = 0, h_0 = 0), as pages/lab.py builds it."""
    from rnnviz.analysis import eigenvalues, jacobian_norms
    from rnnviz.presets import make_inputs, scale_to_spectral_radius, zeros

    p = LESSON.params.replace(b=zeros(2), activation="tanh")
    scaled, problem = scale_to_spectral_radius(p.W_h, rho)
    assert problem is None
    q = p.replace(W_h=scaled)
    return jacobian_norms(q, forward(q, make_inputs("custom", 40, 1), zeros(2)))[::-1], eigenvalues(scaled)


def assert_lab_overlay(state, rho: float) -> None:
    """Both ρ views show the engine's rescaled curve / eigenvalues at ρ in their overlays, over the settled
    charts (whose own rescaled traces are hidden and unchanged), with ρ in the curve's legend."""
    norms, lam = lab_rescaled(rho)
    jac, eig = state
    assert jac["shown"] and jac["hidden"] == [1] and eig["shown"] and eig["hidden"] == [2], state
    assert np.allclose(jac["overlay"][0][1], norms, rtol=1e-12, atol=0), (jac["overlay"], norms)
    assert np.allclose(sorted(eig["overlay"][0][0]), sorted(lam.real), atol=1e-12)
    assert f"W_h rescaled (ρ = {rho:.2f})" in jac["legend"], jac["legend"]


def test_lab_rho_preview_redraws_only_the_rescaled_traces(app_server, page):
    """The ρ views' frames are split like a weight drag (view.js, showPatch): the rescaled curve and eigenvalues
    are redrawn alone over the settled charts while the axes hold them; a frame that moves the eigenvalue plane's
    axes out (the next REACH_STEPS step) or leaves the curve's log axis is drawn whole, and a frame back inside
    a step keeps the grown plane; back at the settled ρ the charts are the engine's again, legend included."""
    from rnnviz.figures.lab import eigenvalue_reach

    rho = open_lab_with_frames(page, app_server)
    if float(rho.input_value()) != 1.5:  # the frames came after an odd number of presses
        rho.focus()
        page.keyboard.press("ArrowLeft")
        wait_for_rerun(page)
    settled_rho = float(rho.input_value())
    assert settled_rho == 1.5
    page.locator(".rnnviz-live-view").last.scroll_into_view_if_needed()  # views off screen wait (IntersectionObserver)
    p = probe(page)
    settled = page.evaluate(LAB_STATE)
    assert [s["source"] for s in settled] == ["engine", "engine"] and not any(s["shown"] for s in settled)
    plane = {"xaxis": [-2.0, 2.0], "yaxis": [-2.0, 2.0]}  # |λ| = 1.5: 1.1 |λ| = 1.65, the next step is 2
    assert settled[1]["ranges"] == plane and eigenvalue_reach([1.5]) == 2.0

    drag_event(page, "lab_rho", [], 1.45)  # inside both charts' axes: split
    page.wait_for_function("() => [...document.querySelectorAll('.rnnviz-live-overlay')].filter(o => !o.hidden)"
                           ".length === 2")
    page.wait_for_timeout(200)
    small = page.evaluate(LAB_STATE)
    assert_lab_overlay(small, 1.45)
    assert [s["base"] for s in small] == [s["base"] for s in settled]  # the settled charts left as drawn
    # Back at the settled ρ after split frames only: the charts as drawn, the moving layer taken away, no redraw.
    page.evaluate(COUNT_VIEW_REACTS)
    drag_event(page, "lab_rho", [], settled_rho)
    page.wait_for_function("() => [...document.querySelectorAll('.rnnviz-live-overlay')].every(o => o.hidden)")
    page.wait_for_timeout(200)
    assert page.evaluate(LAB_STATE) == settled and page.evaluate("window.__viewReacts") == 0

    drag_event(page, "lab_rho", [], 1.45)
    drag_event(page, "lab_rho", [], 1.9)  # |λ| 1.9: the plane's next step (2.5); the curve leaves its axis
    page.wait_for_function("() => { const v = document.querySelectorAll('.rnnviz-live-view')[1].parentElement"
                           ".__rnnvizView; return v.drawnRanges.yaxis[1] === 2.5; }")
    page.wait_for_timeout(300)
    big = page.evaluate(LAB_STATE)
    assert big[1]["ranges"] == {"xaxis": [-2.5, 2.5], "yaxis": [-2.5, 2.5]} and eigenvalue_reach([1.9]) == 2.5
    top = float(np.log10(lab_rescaled(1.9)[0].max()))
    assert max(big[0]["yrange"]) > top, (big[0]["yrange"], top)  # the grown log axis holds the curve

    drag_event(page, "lab_rho", [], 1.85)  # inside the grown axes again: split over them
    page.wait_for_function("() => [...document.querySelectorAll('.rnnviz-live-overlay')].filter(o => !o.hidden)"
                           ".length === 2")
    page.wait_for_timeout(200)
    again = page.evaluate(LAB_STATE)
    assert_lab_overlay(again, 1.85)
    assert again[1]["ranges"] == big[1]["ranges"] and again[0]["yrange"] == big[0]["yrange"]
    drag_event(page, "lab_rho", [], 1.95)  # the same look: the points move in place (log axis on the curve)
    page.wait_for_timeout(300)
    assert_lab_overlay(page.evaluate(LAB_STATE), 1.95)
    assert_moved_like_plotly(page, 0)
    assert_moved_like_plotly(page, 1)
    # Back below the step (the settled plane's 2.0 would do): the drag keeps the grown plane and splits, as an
    # autoranged axis only grows while a drag goes on.
    drag_event(page, "lab_rho", [], 1.45)
    page.wait_for_timeout(300)
    narrow = page.evaluate(LAB_STATE)
    assert_lab_overlay(narrow, 1.45)
    assert narrow[1]["ranges"] == big[1]["ranges"] and narrow[1]["base"] == big[1]["base"]

    drag_event(page, "lab_rho", [], settled_rho)  # back at the settled value: the engine's charts
    page.wait_for_function("() => [...document.querySelectorAll('.rnnviz-live-view')]"
                           ".every(e => e.dataset.source === 'engine')")
    page.wait_for_timeout(300)
    back = page.evaluate(LAB_STATE)
    assert not any(s["shown"] or s["hidden"] for s in back)
    assert [s["legend"] for s in back] == [s["legend"] for s in settled]
    assert back[1]["ranges"] == plane and back[0]["yrange"] == settled[0]["yrange"]  # autoranged again
    assert not p.page_errors


MOVED_VS_PLOTLY = """async (vi) => {
  const gd = document.querySelectorAll('.rnnviz-live-view.rnnviz-live-chart')[vi];
  const v = gd.parentElement.__rnnvizView, ov = v.overlay;
  const read = () => [...ov.querySelectorAll('.scatterlayer > g.trace')].map(g => ({
    points: [...g.querySelectorAll('.points > path.point')].map(p => p.getAttribute('transform')),
    lines: [...g.querySelectorAll('.js-line')].map(l => l.getAttribute('d'))}));
  const moved = read();
  await window.Plotly.react(ov, ov.data.map(t => Object.assign({}, t)), ov.layout, {staticPlot: true});
  return {count: v.moved || 0, moved, plotly: read()};
}"""


def _numbers(text: str) -> np.ndarray:
    import re

    return np.array([float(v) for v in re.findall(r"-?[\d.]+(?:e-?\d+)?", text)]).reshape(-1, 2)


def assert_moved_like_plotly(page, view: int) -> None:
    """The split view's last frame moved its points in place (view.js, movePoints): every marker and line vertex
    sits where Plotly itself draws the same data (Plotly prints 2 decimals), no segment more or less."""
    got = page.evaluate(MOVED_VS_PLOTLY, view)
    assert got["count"] >= 1, "no frame moved its points in place"
    assert len(got["moved"]) == len(got["plotly"]) and any(t["points"] or t["lines"] for t in got["moved"])
    for mine, plotly in zip(got["moved"], got["plotly"], strict=True):
        assert len(mine["points"]) == len(plotly["points"]) and len(mine["lines"]) == len(plotly["lines"])
        for a, b in zip(mine["points"], plotly["points"], strict=True):
            assert np.allclose(_numbers(a), _numbers(b), atol=0.006), (a, b)
        for a, b in zip(mine["lines"], plotly["lines"], strict=True):
            ours, theirs = _numbers(a), _numbers(b)  # Plotly leaves out vertices on a straight run
            assert np.allclose(ours[[0, -1]], theirs[[0, -1]], atol=0.006), (a, b)
            assert all(np.abs(ours - vertex).max(axis=1).min() <= 0.006 for vertex in theirs), (a, b)


@pytest.mark.parametrize(("path", "chart"), [("/cell", 0), ("/phase", 0), ("/phase", 1)])
def test_split_frames_move_points_where_plotly_draws_them(app_server, page, path, chart):
    """After a split frame drawn by Plotly, the next frames of the same look only move its SVG nodes: the tanh
    curve's markers and connector segments, the phase portrait's path and points, the ripple's log-axis line."""
    goto(page, app_server, path, "t=2")
    page.wait_for_selector(".rnnviz-live-view .scatterlayer", timeout=90_000)
    page.locator(".rnnviz-live-view.rnnviz-live-chart").nth(chart).scroll_into_view_if_needed()
    p = probe(page)
    for value in (0.15, 0.2, 0.25):  # small moves of b[1]: inside the settled axes, so split
        drag_event(page, "b", [0], value)
        page.wait_for_timeout(300)
    assert_moved_like_plotly(page, chart)
    assert not p.page_errors


FADED_TABLE = """() => {
  const table = document.querySelector('.st-key-rnnviz_views [data-testid="stDataFrame"]');
  return [document.body.classList.contains('rnnviz-previewing'), Number(getComputedStyle(table).opacity)];
}"""


def test_a_table_that_cannot_follow_fades_while_a_preview_shows(app_server, page):
    """The heatmaps page's table is drawn by Streamlit from the settled network: while its charts preview a drag
    it fades (style.css), and it is back as soon as the views show the engine's numbers again."""
    goto(page, app_server, "/heatmaps", "t=2")
    page.wait_for_selector(".rnnviz-live-view .heatmaplayer", timeout=90_000)
    page.wait_for_selector(".st-key-rnnviz_views [data-testid='stDataFrame']")
    assert page.evaluate(FADED_TABLE) == [False, 1.0]
    page.locator(".rnnviz-live-view").first.scroll_into_view_if_needed()
    drag_event(page, "b", [0], 0.2)
    page.wait_for_function("() => document.body.classList.contains('rnnviz-previewing')")
    page.wait_for_timeout(400)  # the fade's transition
    previewing, opacity = page.evaluate(FADED_TABLE)
    assert previewing and opacity < 0.5
    drag_event(page, "b", [0], float(LESSON.params.b[0]))  # back at the settled value: the engine's numbers
    page.wait_for_function("() => !document.body.classList.contains('rnnviz-previewing')")
    page.wait_for_timeout(400)
    assert page.evaluate(FADED_TABLE) == [False, 1.0]


# Hover labels of the first live chart (Plotly.Fx.hover on a point of its first trace with hover): whether the
# chart's hover layer is shown and the label's text.
HOVER_LABEL = """() => {
  const gd = document.querySelector('.rnnviz-live-view.rnnviz-live-chart');
  const trace = gd._fullData.findIndex((t) => t.hoverinfo !== 'skip' && t.visible === true && (t.x || []).length);
  window.Plotly.Fx.hover(gd, [{curveNumber: trace, pointNumber: 0}]);
  const layer = gd.querySelector('.hoverlayer');
  return [getComputedStyle(layer).visibility, layer.textContent];
}"""


def test_no_hover_label_shows_settled_numbers_during_a_preview(app_server, page):
    """During a preview the settled chart under the moving layer keeps its hover labels, with the settled numbers:
    they are hidden until the engine's numbers are back."""
    goto(page, app_server, "/cell", "t=2")
    page.wait_for_selector(".rnnviz-live-view .scatterlayer", timeout=90_000)
    page.locator(".rnnviz-live-view").first.scroll_into_view_if_needed()
    shown, text = page.evaluate(HOVER_LABEL)
    assert shown == "visible" and text, (shown, text)
    drag_event(page, "W_h", [0, 0], 1.2)
    page.wait_for_function("() => document.querySelector('.rnnviz-live-view').dataset.source === 'preview'")
    assert page.evaluate(HOVER_LABEL)[0] == "hidden"
    drag_event(page, "W_h", [0, 0], float(LESSON.params.W_h[0, 0]))  # back at the settled value
    page.wait_for_function("() => document.querySelector('.rnnviz-live-view').dataset.source === 'engine'")
    assert page.evaluate(HOVER_LABEL) == [shown, text]
