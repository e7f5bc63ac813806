"""Real-browser feature tests: keyboard on sliders, step picker, shared links, navigation, hostile URLs,
training play/pause, screenshots.

Every number the page shows is compared with the engine's own value (`rnnviz.engine.forward`) for the
state read back from the page's URL, so a test fails if the page, the URL or the engine drift apart.
Rendering after a rerun is asynchronous (KaTeX, Plotly), so DOM reads poll until they match or time out
with the last value seen.
"""

from __future__ import annotations

import re
import time
from io import StringIO
from urllib.parse import parse_qs, urlencode

import numpy as np
import pandas as pd
import pytest

from rnnviz import latex
from rnnviz.engine import forward
from rnnviz.figures import fmt
from rnnviz.query import from_query, to_query
from rnnviz.state import default_state, validate_state

from .harness import (
    SEL_MAIN,
    SEL_NAV_ACTIVE,
    SEL_SIDEBAR,
    app_pages,
    assert_no_exception,
    expect_rerun,
    goto,
    move_slider,
    open_page_link,
    probe,
    query_params,
    screenshot,
    slider,
    slider_value,
    wait_for_rerun,
)

PAGES = app_pages()
TITLES = {url_path: title for _, title, url_path in PAGES}
# st.navigation serves the default page (Cell step-through) at "/" only: "/cell" answers with a "Page not
# found" dialog over the main page (except on a server's very first deep link, see test_deep_link.py).
CELL = "/"
SEL_TEX = f"{SEL_MAIN} annotation[encoding='application/x-tex']"


# --------------------------------------------------------------------------- helpers

def wait_until(fn, timeout: float = 10.0, interval: float = 0.1):
    """Poll fn() until truthy; return its last value (truthy or not) after `timeout` seconds."""
    end = time.monotonic() + timeout
    while True:
        value = fn()
        if value or time.monotonic() > end:
            return value
        time.sleep(interval)


def tex_lines(page) -> list[str]:
    """TeX sources of every st.latex block in the main area (KaTeX keeps them in <annotation>)."""
    return page.locator(SEL_TEX).all_text_contents()


def shown_h(page, t: int) -> list[str] | None:
    """The numbers of h_t as the derivation prints them: the last bmatrix of the line `h_t = f(a_t) = [...]`."""
    head = latex.sym("h", str(t)) + " = "
    for line in tex_lines(page):
        if line.startswith(head):
            body = re.findall(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", line)[-1]
            return body.split(r"\\")
    return None


def expect_h(page, t: int, expected: list[str], timeout: float = 10.0) -> None:
    got = wait_until(lambda: (h := shown_h(page, t)) == expected and h, timeout) or shown_h(page, t)
    assert got == expected, f"h_{t} shown {got}, engine says {expected}; TeX lines: {tex_lines(page)}"


def engine_h(query: dict[str, str], t: int, decimals: int = 4) -> list[str]:
    state, warnings = from_query(query)
    assert not warnings, warnings
    trace = forward(state.params, state.x, state.h0)
    return [fmt(v, decimals) for v in trace.h[t]]


def subheading(page) -> str:
    return page.locator(f"{SEL_MAIN} :is(h2, h3)").filter(has_text="Step t =").first.inner_text().strip()


def shown_value(page, label: str) -> str:
    """What the slider displays (its aria-valuetext is the formatted value, e.g. '0.5500')."""
    return slider(page, label).get_attribute("aria-valuetext")


def open_page(page, base_url: str, path: str, query: str | None = None) -> None:
    goto(page, base_url, path, query)
    dialogs = page.locator("[role='dialog']").all_inner_texts()
    assert not dialogs, f"{path}: {dialogs}"


def tap_slider(page, label: str, steps: int) -> float:
    """Move a slider |steps| key presses, waiting for each press's rerun (a user tapping the arrow key).

    `move_slider(page, label, n)` presses in a burst; see test_weight_slider_key_burst_loses_nothing.
    """
    value = slider_value(page, label)
    for _ in range(abs(steps)):
        value = move_slider(page, label, 1 if steps > 0 else -1)
    return value


def settle(page, pause_ms: int = 300) -> None:
    """Wait until no rerun is in flight (also after reruns that were merged into a later one)."""
    page.wait_for_timeout(pause_ms)
    wait_for_rerun(page, require_new=False)


def visible_button(page, name: str):
    return page.get_by_role("button", name=name, exact=True).locator("visible=true").first


def press_button(page, name: str) -> None:
    with expect_rerun(page):
        visible_button(page, name).click()


# --------------------------------------------------------------------------- 1. keyboard on a weight slider

def lesson_h_with(W_h_11: float, t: int) -> list[str]:
    """h_t of the lesson network with W_h[1,1] replaced, straight from the engine (no URL involved)."""
    lesson = default_state()
    W_h = np.array(lesson.params.W_h)
    W_h[0, 0] = W_h_11
    state, warnings = validate_state(base=lesson, W_h=W_h)
    assert not warnings, warnings
    return [fmt(v, 4) for v in forward(state.params, state.x, state.h0).h[t]]


def check_moved_w_h(page, before: dict, value: float, old_h: list[str]) -> None:
    """Slider, URL, derivation and engine agree on W_h[1,1] = value, and only Wh changed in the URL."""
    query = query_params(page)
    assert shown_value(page, "W_h[1,1]") == f"{value:.4f}", (shown_value(page, "W_h[1,1]"), query["Wh"])
    assert query["Wh"] == f"{value:g},0.2;0.3,0.6", (query["Wh"], shown_value(page, "W_h[1,1]"))
    assert {k: v for k, v in query.items() if k != "Wh"} == {k: v for k, v in before.items() if k != "Wh"}
    expected = engine_h(query, 2)
    assert expected == lesson_h_with(value, 2)
    assert expected != old_h, "moving W_h[1,1] should change h_2"
    expect_h(page, 2, expected)
    assert subheading(page) == "Step t = 2 of 2"


def open_lesson_at_t2(page, app_server) -> tuple[dict, list[str]]:
    open_page(page, app_server, CELL, "t=2")  # at t=1, h_1 does not depend on W_h (h_0 = 0)
    assert_no_exception(page)
    before = query_params(page)
    assert before["t"] == "2" and before["Wh"] == "0.5,0.2;0.3,0.6", before
    expect_h(page, 2, engine_h(before, 2))
    return before, shown_h(page, 2)


def test_weight_slider_keyboard_updates_h(app_server, page):
    """ArrowRight on W_h[1,1], one press per rerun (a user tapping the key): h_2 follows the engine."""
    presses = 5
    before, old_h = open_lesson_at_t2(page, app_server)
    sidebar_sliders = page.locator(f"{SEL_SIDEBAR} [data-testid='stSlider']").count()
    assert visible_button(page, "Reset to the preset").is_disabled()
    value = tap_slider(page, "W_h[1,1]", presses)
    assert value == pytest.approx(0.5 + 0.01 * presses)
    check_moved_w_h(page, before, 0.5 + 0.01 * presses, old_h)
    # Each press reran only the parts that show values (rnnviz.ui.parts): the sidebar kept every slider, and its
    # share link and Reset line (parts of their own) followed the edit.
    assert page.locator(f"{SEL_SIDEBAR} [data-testid='stSlider']").count() == sidebar_sliders >= 10
    assert not visible_button(page, "Reset to the preset").is_disabled()
    link = page.locator(f"{SEL_SIDEBAR} [data-testid='stCode']").first.text_content()  # in a closed expander
    assert f"Wh={0.5 + 0.01 * presses:g},0.2;0.3,0.6" in link, link
    assert_no_exception(page)
    screenshot(page, "cell-after-slider")
    assert not probe(page).page_errors, probe(page).page_errors


def test_weight_slider_key_burst_loses_nothing(app_server, page):
    """ArrowRight pressed 5 times in a burst (a user holding the key), reruns overlapping.

    Every press must count, and slider, URL and derivation must agree at the end.  Guards two races in
    rnnviz/widgets.py: a rerun sent before the previous URL write reached the browser carries the older
    query, which get_state mistook for a shared link (state reverted); and rewriting every slider's
    session-state value on every run pushes it to the browser, snapping back a slider that has moved on.
    """
    presses = 8
    before, old_h = open_lesson_at_t2(page, app_server)
    thumb = slider(page, "W_h[1,1]")
    expected = 0.5
    # two bursts (a held key repeats every ~30 ms): presses land while earlier reruns are in flight
    for gap_ms in (0, 30):
        thumb.focus()
        for _ in range(presses):
            thumb.press("ArrowRight")
            page.wait_for_timeout(gap_ms)
        settle(page, 500)
        expected = round(expected + 0.01 * presses, 2)
        check_moved_w_h(page, before, expected, old_h)
    assert_no_exception(page)


# --------------------------------------------------------------------------- 2. stepping t

def test_step_slider_and_buttons(app_server, page):
    open_page(page, app_server, CELL)
    assert query_params(page)["t"] == "1"
    assert subheading(page) == "Step t = 1 of 2"
    expect_h(page, 1, engine_h(query_params(page), 1))
    assert visible_button(page, "Previous").is_disabled()

    assert move_slider(page, "Step t") == 2
    assert query_params(page)["t"] == "2"
    assert wait_until(lambda: subheading(page) == "Step t = 2 of 2"), subheading(page)
    expect_h(page, 2, engine_h(query_params(page), 2))
    assert visible_button(page, "Next").is_disabled()

    press_button(page, "Previous")
    assert query_params(page)["t"] == "1"
    assert slider_value(page, "Step t") == 1
    assert wait_until(lambda: subheading(page) == "Step t = 1 of 2"), subheading(page)

    press_button(page, "Next")
    assert query_params(page)["t"] == "2"
    assert slider_value(page, "Step t") == 2
    assert wait_until(lambda: subheading(page) == "Step t = 2 of 2"), subheading(page)
    expect_h(page, 2, engine_h(query_params(page), 2))

    # the 3-decimal toggle re-prints the same engine numbers
    with expect_rerun(page):
        page.get_by_text("Round like the lesson (3 decimals)").first.click()
    expect_h(page, 2, engine_h(query_params(page), 2, decimals=3))
    assert_no_exception(page)


# --------------------------------------------------------------------------- 3. a shared URL

def shared_state():
    W_h = [[0.123456789, -0.2, 0.15], [0.3, 0.6, -0.45], [-0.25, 0.35, 0.2]]
    state, warnings = validate_state(
        n=3, d=1, k=1, T=4, t=3, activation="relu", W_h=W_h, W_x=[[0.8], [-0.4], [1.25]],
        b=[0.1, -0.3, 0.05], W_y=[[0.5, -1.5, 0.75]], b_y=[0.2], x=[[2.0], [-1.0], [0.5], [1.5]],
        h0=[0.1, 0.0, -0.2])
    assert not warnings, warnings
    return state


def test_shared_url_opens_exact_state(app_server, page):
    state = shared_state()
    query = to_query(state)
    open_page(page, app_server, "/heatmaps", urlencode(query))
    assert_no_exception(page)
    assert page.url.split("?")[0].endswith("/heatmaps"), page.url
    alerts = page.locator("[data-testid='stAlert']")
    assert alerts.count() == 0, alerts.all_inner_texts()
    settle(page, 500)  # a widget that snapped its value would send a rerun now
    assert probe(page).sent == 1, f"loading a shared link sent {probe(page).sent} reruns"
    assert query_params(page) == query, "the app must mirror a shared link back unchanged"

    # sidebar sliders show the URL's numbers
    p = state.params
    groups = {"W_h": p.W_h, "W_x": p.W_x, "b": p.b, "W_y": p.W_y, "b_y": p.b_y, "h_0": state.h0}
    for name, arr in groups.items():
        for index in np.ndindex(arr.shape):
            label = f"{name}[{','.join(str(i + 1) for i in index)}]"
            assert shown_value(page, label) == f"{arr[index]:.4f}", label
            if arr[index] == round(arr[index], 2):
                assert slider_value(page, label) == arr[index], label
    for t_idx in range(state.T):
        assert slider_value(page, f"x_{t_idx + 1}[1]") == state.x[t_idx, 0]
    assert slider_value(page, "Step t") == 3

    trace = forward(p, state.x, state.h0)
    # the h heatmap's z (units x time), as Plotly holds it after decoding
    figures = page.evaluate(
        """() => [...document.querySelectorAll('.js-plotly-plot')].map(g => (g._fullData || []).map(
               d => ({type: d.type, name: d.name, z: d.z ? Array.from(d.z, r => Array.from(r)) : null})))""")
    heat_h = [tr for fig in figures for tr in fig if tr["type"] == "heatmap" and tr["name"] == "h"]
    assert len(heat_h) == 1, figures
    np.testing.assert_allclose(np.array(heat_h[0]["z"]).T, trace.h[1:], rtol=1e-12, atol=0)
    heat_a = [tr for fig in figures for tr in fig if tr["type"] == "heatmap" and tr["name"] == "a"]
    np.testing.assert_allclose(np.array(heat_a[0]["z"]).T, trace.pre, rtol=1e-12, atol=0)
    assert (trace.h[1:] == 0).any(), "relu should zero some unit in this state"

    # the per-step table through its CSV download: exact engine values
    with page.expect_download() as download:
        visible_button(page, "Download CSV").click()
    table = pd.read_csv(StringIO(open(download.value.path(), encoding="utf-8").read()), index_col="t")
    np.testing.assert_array_equal(table[[f"h[{i}]" for i in (1, 2, 3)]].to_numpy(), trace.h)
    np.testing.assert_array_equal(table["y[1]"].to_numpy()[1:], trace.y[:, 0])
    assert query_params(page) == query
    screenshot(page, "heatmaps-shared-link")


# --------------------------------------------------------------------------- 4. navigation keeps the state

def test_navigation_keeps_state(app_server, page):
    open_page(page, app_server, CELL)
    value = tap_slider(page, "b[2]", -7)
    assert value == pytest.approx(0.03)
    changed = query_params(page)
    assert changed["b"] == "0.1,0.03", changed

    open_page_link(page, TITLES["chain"])
    assert page.url.split("?")[0].endswith("/chain"), page.url
    assert query_params(page) == changed
    assert slider_value(page, "b[2]") == pytest.approx(0.03)
    assert shown_value(page, "b[2]") == "0.0300"
    active = page.locator(SEL_NAV_ACTIVE)
    assert TITLES["chain"] in active.first.inner_text()
    assert_no_exception(page)


# --------------------------------------------------------------------------- 5. hostile URL

def test_hostile_url_warns_and_shows_valid_state(app_server, page):
    hostile = "n=abc&Wh=nan,1e999&x="
    open_page(page, app_server, CELL, hostile)
    assert_no_exception(page)
    warnings = page.locator("[data-testid='stAlert']").filter(has_text="Wh:")
    warnings.first.wait_for(state="visible")
    texts = page.locator("[data-testid='stAlert']").all_inner_texts()
    for key in ("n:", "Wh:", "x:"):
        assert any(key in text for text in texts), (key, texts)
    state, _ = from_query({"n": "abc", "Wh": "nan,1e999", "x": ""})
    assert query_params(page) == to_query(state), "the app should replace the bad URL by the state it used"
    expect_h(page, state.t, engine_h(to_query(state), state.t))
    assert not probe(page).page_errors, probe(page).page_errors


# --------------------------------------------------------------------------- 6. training

def training_numbers(page) -> tuple[int, str]:
    """Update and training loss as the live view (rnnviz/ui/live_training.py) shows them."""
    def value(label):
        return page.locator(f".rv-live .rv-metric[data-label='{label}'] .rv-metric-value").inner_text().strip()

    return int(value("Update")), value("Training loss")


def test_training_play_pause_step_reset(app_server, page):
    open_page(page, app_server, "/training")
    assert_no_exception(page)
    assert training_numbers(page) == (0, "—")

    visible_button(page, "Play").click()
    started = time.monotonic()
    losses: list[float] = []
    updates: list[int] = []
    shot = False
    while time.monotonic() < started + 20:
        try:
            update, loss = training_numbers(page)
        except ValueError:  # a metric caught mid-redraw
            update, loss = -1, "—"
        if loss != "—":
            losses.append(float(loss))
            updates.append(update)
        if not shot and len(set(updates)) >= 3:
            screenshot(page, "training-playing")
            shot = True
        if shot and time.monotonic() > started + 4 and updates[-1] >= 20:
            break
        page.wait_for_timeout(200)
    assert shot, f"the run_every fragment did not tick: updates seen {updates}"

    with expect_rerun(page):
        visible_button(page, "Pause").click()

    def settled():  # a fragment tick already in flight may still land: wait for the counter to stand still
        first = training_numbers(page)
        page.wait_for_timeout(600)
        return first if training_numbers(page) == first else None

    stable = wait_until(settled, timeout=10)
    assert stable, "the update counter kept moving after Pause"
    paused_update, paused_loss = stable
    assert visible_button(page, "Pause").is_disabled()
    assert not visible_button(page, "Play").is_disabled()
    assert paused_update > 0 and paused_update >= updates[-1]
    assert float(paused_loss) < losses[0], f"loss did not fall: first {losses[0]}, after pause {paused_loss}"
    assert_no_exception(page)

    press_button(page, "+1")
    assert wait_until(lambda: training_numbers(page)[0] == paused_update + 1), training_numbers(page)
    page.wait_for_timeout(800)
    assert training_numbers(page)[0] == paused_update + 1, "Step must make exactly one update"

    wait_for_rerun(page, require_new=False)  # +1's page follow-up run done: Reset is clicked on the settled page
    # Under load Streamlit may replace the full frame Reset sends with the page's follow-up delta before either
    # leaves the server: the delta is of another run than the view shows (live_payload.run_key), so it asks for a
    # full frame (a view that dropped it kept the old counter: stops 22 and 23).
    press_button(page, "Reset")
    assert wait_until(lambda: training_numbers(page) == (0, "—")), training_numbers(page)
    assert_no_exception(page)
    assert not probe(page).page_errors, probe(page).page_errors


def test_training_controls_rerun_the_live_view_first_and_the_page_follows(app_server, page):
    """The run controls sit in the live fragment: a press reruns it alone (its frame drawn first), then asks for
    the whole page.  The address bar is written only by full runs, so it shows that the page followed."""

    def address():  # read in the page: Playwright's page.url follows history changes only while it is called
        return {k: v[-1] for k, v in parse_qs(page.evaluate("() => location.search").lstrip("?")).items()}

    open_page(page, app_server, "/training")
    visible_button(page, "Play").click()
    assert wait_until(lambda: training_numbers(page)[0] >= 10, timeout=30), training_numbers(page)
    assert address().get("fps", "4") == "4"
    fps = slider(page, "Frames per second")
    fps.focus()
    fps.press("Home")  # 1 frame per second, chosen while playing: a change inside the fragment
    assert wait_until(lambda: address().get("fps") == "1", timeout=15), address()
    assert not visible_button(page, "Pause").is_disabled()  # still playing, now at the new rate
    with expect_rerun(page):
        visible_button(page, "Pause").click()
    assert wait_until(lambda: visible_button(page, "Play").is_enabled(), timeout=15)
    page.wait_for_timeout(1500)  # a frame on its way when Pause was pressed may still land
    paused = training_numbers(page)[0]
    assert wait_until(lambda: address().get("updates") == str(paused), timeout=15), address()
    visible_button(page, "+1").click()
    assert wait_until(lambda: training_numbers(page)[0] == paused + 1, timeout=15), training_numbers(page)
    assert wait_until(lambda: address().get("updates") == str(paused + 1), timeout=15), address()
    assert_no_exception(page)
    assert not probe(page).page_errors, probe(page).page_errors


# --------------------------------------------------------------------------- 7. every page, one session

def test_every_page_keeps_state_and_screenshots(app_server, page):
    open_page(page, app_server, CELL, "t=2")
    tap_slider(page, "W_x[2,1]", 3)
    changed = query_params(page)
    assert changed["Wx"] == "0.8;0.43", changed
    for _, title, url_path in PAGES:
        if url_path != "cell":
            open_page_link(page, title)
        assert_no_exception(page)
        active = page.locator(SEL_NAV_ACTIVE)
        assert title in active.first.inner_text(), (title, active.first.inner_text())
        if page.locator(SEL_SIDEBAR).get_by_text("W_x[2,1]").count():  # a simulator page
            assert query_params(page) == changed, url_path
            assert shown_value(page, "W_x[2,1]") == "0.4300", url_path
        assert page.viewport_size == {"width": 1400, "height": 1000}
        screenshot(page, f"feature-{url_path}")
    assert not probe(page).page_errors, probe(page).page_errors
