"""The live training view in a real browser: charts stay mounted and visible while playing, the counter and the
charts advance together, Pause stops within one frame, and the numbers drawn are the trainer's.

Drives tests/browser/live_training_app.py (the training page's live view alone).  The page is sampled from
inside: a MutationObserver records any chart (or the whole view) being removed, a requestAnimationFrame sampler
(at most every 50 ms) records whether every live chart is visible and what the counter and the charts show.
SAMPLER_JS and the helpers below are also used by benchmarks/bench_browser_training.py.
"""

from __future__ import annotations

import pytest

from rnnviz.live_payload import LIVE_CHARTS, chain_payload
from rnnviz.training import TrainingSession, advance

from .harness import assert_no_exception, goto, move_slider, probe

APP = "tests/browser/live_training_app.py"
SETTINGS = dict(task="sine", hidden=16, layers=1, optimizer="adam", lr=0.01, clip=1.0, seed=0)

SAMPLER_JS = """
() => {
  const S = window.__rvSampler = { samples: 0, hidden: 0, hiddenWhat: {}, allVisible: 0, removed: [],
                                   counter: [], mismatch: [], fires: 0, started: performance.now(), clicks: [] };
  // The live views' charts only (the page's other Plotly charts are Streamlit's own, re-created by design).
  const CHART = ".rv-live, .rv-live .rv-plot, .rv-live .plot-container, .rv-figure, .rv-figure .plot-container";
  new MutationObserver((records) => {
    for (const r of records) for (const n of r.removedNodes) {
      if (n.nodeType === 1 && (n.matches(CHART) || n.querySelector(CHART))) {
        S.removed.push([performance.now(), `${n.dataset.testid || n.tagName} ${n.className}`]);
      }
    }
  }).observe(document.body, { childList: true, subtree: true });
  let lastFire = performance.now();
  S.onTime = 0;
  setInterval(() => {  // a 50 ms timer: on time when it fires within 75 ms of the previous firing
    const now = performance.now();
    S.fires += 1;
    if (now - lastFire <= 75) S.onTime += 1;
    lastFire = now;
  }, 50);
  document.addEventListener("pointerdown", (e) => {
    const b = e.target.closest("button");
    S.clicks.push([performance.now(), b ? b.innerText.trim() : ""]);
  }, true);
  const hiddenWhy = (el) => {  // null when the chart is drawn and visible
    if (!el || !el.isConnected) return "detached";
    if (!el.querySelector(".main-svg")) return "no svg";
    const box = el.getBoundingClientRect();
    if (box.width < 20 || box.height < 50) return `size ${Math.round(box.width)}x${Math.round(box.height)}`;
    for (let a = el; a && a !== document.body; a = a.parentElement) {
      const cs = getComputedStyle(a);
      if (cs.display === "none" || cs.visibility === "hidden") return "display/visibility";
      if (Number(cs.opacity) < 0.5) return "opacity " + cs.opacity;
    }
    return null;
  };
  const counter = () => {
    const v = document.querySelector(".rv-live .rv-metric[data-label='Update'] .rv-metric-value");
    return v ? Number(v.textContent) : null;
  };
  let last = 0;
  const sample = (now) => {
    requestAnimationFrame(sample);
    if (now - last < 50) return;
    last = now;
    const n = counter();
    const prev = S.counter.length ? S.counter[S.counter.length - 1][1] : null;
    if (n !== prev) S.counter.push([now, n]);
    // Visibility and agreement are judged while playing: from the Pause press on, only the counter is followed.
    if (S.clicks.some((c) => c[1] === "Pause")) return;
    S.samples += 1;
    let all = true;
    document.querySelectorAll(".rv-live .rv-chart").forEach((c) => {
      const why = hiddenWhy(c.querySelector(".rv-plot"));
      if (why) {
        all = false;
        S.hiddenWhat[c.dataset.chart + ": " + why] = 1 + (S.hiddenWhat[c.dataset.chart + ": " + why] || 0);
      }
    });
    if (document.querySelectorAll(".rv-live .rv-chart").length === 0) all = false;
    if (all) S.allVisible += 1; else S.hidden += 1;
    const gd = (name) => document.querySelector(`.rv-chart[data-chart='${name}'] .rv-plot`);
    const loss = gd("loss"), dh = gd("dh");
    // Charts out of the viewport are brought up to date when they scroll in (by design): compare what is seen.
    const seen = (el) => { const r = el.getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight; };
    if (n && loss && loss._fullData && dh && dh._fullLayout && seen(loss) && seen(dh)) {
      const xs = loss._fullData[0].x;
      const lastX = xs.length ? xs[xs.length - 1] : 0;
      const m = /update (\\d+)/.exec(dh._fullLayout.title.text || "");
      if (lastX !== n || !m || Number(m[1]) !== n) S.mismatch.push([n, lastX, m ? Number(m[1]) : null]);
    }
  };
  requestAnimationFrame(sample);
}
"""

READ_JS = """
() => {
  const gd = (name) => document.querySelector(`.rv-chart[data-chart='${name}'] .rv-plot`);
  const v = document.querySelector(".rv-live .rv-metric[data-label='Update'] .rv-metric-value");
  return { counter: Number(v.textContent), loss: Array.from(gd("loss")._fullData[0].y),
           dh: Array.from(gd("dh")._fullData[0].y), dhTitle: gd("dh")._fullLayout.title.text };
}
"""


def removed_before(s: dict, t: float) -> list:
    return [what for at, what in s["removed"] if at < t]


def stats(page, key: str = "live") -> dict:
    return page.evaluate(f"() => Object.assign({{}}, window.__rnnvizLive['{key}'], {{drawnAt: null}})")


def sampler(page) -> dict:
    return page.evaluate("() => window.__rvSampler")


def counter(page) -> int:
    return int(page.locator(".rv-live .rv-metric[data-label='Update'] .rv-metric-value").inner_text())


def open_live(page, url: str, query: str | None = "", navigate: bool = True) -> None:
    """Open the test app (with `query`), wait for every live chart, start the sampler."""
    if navigate:
        goto(page, url, "/", query or None)
    page.wait_for_function("() => { const p = [...document.querySelectorAll('.rv-live .rv-plot')];"
                           " return p.length >= 10 && p.every((d) => d.querySelector('.main-svg')); }",
                           timeout=60_000)
    page.evaluate(SAMPLER_JS)


def click(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()


def wait_counter(page, predicate, timeout_ms: int = 60_000) -> int:
    page.wait_for_function(
        "(f) => { const v = document.querySelector(\".rv-live .rv-metric[data-label='Update'] .rv-metric-value\");"
        " return v && eval(f)(Number(v.textContent)); }", arg=predicate, timeout=timeout_ms)
    return counter(page)


def trainer_at(steps: int) -> TrainingSession:
    s = TrainingSession.build(SETTINGS)
    advance(s, steps)
    return s


@pytest.fixture(scope="module")
def live_url(serve):
    with serve(app=APP) as url:
        yield url


def test_playing_keeps_every_chart_mounted_visible_and_in_step_with_the_counter(live_url, page):
    open_live(page, live_url)
    click(page, "Play")
    wait_counter(page, "(n) => n >= 40")
    moving, created = sampler(page), stats(page)["creates"]
    click(page, "Pause")
    page.wait_for_timeout(1500)
    s = sampler(page)
    pause_at = next(t for t, label in reversed(s["clicks"]) if label == "Pause")
    # While playing nothing is removed or re-created.  (After the press, Streamlit sometimes swaps the fragment's
    # layout wrapper once when the full rerun ends the run_every fragment it interrupted: not while playing.)
    assert removed_before(s, pause_at) == [], f"charts removed while playing: {s['removed']} (clicks {s['clicks']})"
    assert moving["removed"] == [] and created == len(LIVE_CHARTS)  # created once, never again while playing
    assert s["hidden"] == 0 and s["allVisible"] == s["samples"] > 20, s["hiddenWhat"]
    assert s["mismatch"] == [], f"counter vs loss chart vs ‖∂L/∂h_t‖ title: {s['mismatch'][:5]}"
    assert len(moving["counter"]) >= 4  # it advanced frame by frame, not in one jump
    after = [n for t, n in s["counter"] if t > pause_at and n is not None]  # (None: the view re-mounting)
    assert len(after) <= 1, f"Pause let {len(after)} frames through: {after}"
    assert_no_exception(page)


def test_numbers_drawn_while_playing_are_the_trainers(live_url, page):
    open_live(page, live_url)
    click(page, "Play")
    wait_counter(page, "(n) => n >= 20")
    drawn = page.evaluate(READ_JS)  # while playing: the deltas' numbers, not a full frame's
    click(page, "Pause")
    steps = drawn["counter"]
    s = trainer_at(steps)
    assert drawn["loss"] == s.trainer.history["loss"].tolist()  # every bit
    assert drawn["dh"] == s.snapshots[-1].dh_norms.tolist()
    assert f"update {steps}<" in drawn["dhTitle"]  # the builder's subtitle: "...<br><span ...>update N</span>"


def test_step_and_reset_update_the_same_charts(live_url, page):
    open_live(page, live_url)
    click(page, "+1")
    assert wait_counter(page, "(n) => n === 1") == 1
    click(page, "+1")
    assert wait_counter(page, "(n) => n === 2") == 2
    drawn = page.evaluate(READ_JS)
    assert drawn["loss"] == trainer_at(2).trainer.history["loss"].tolist()
    click(page, "Reset")
    assert wait_counter(page, "(n) => n === 0") == 0
    assert stats(page)["creates"] == len(LIVE_CHARTS) and sampler(page)["removed"] == []
    assert_no_exception(page)


def test_stacked_layers_play_without_blanking(live_url, page):
    open_live(page, live_url, "layers=3&n=8")
    click(page, "Play")
    wait_counter(page, "(n) => n >= 20")
    click(page, "Pause")
    page.wait_for_timeout(800)
    s = sampler(page)
    pause_at = next(t for t, label in reversed(s["clicks"]) if label == "Pause")
    assert removed_before(s, pause_at) == [] and s["hidden"] == 0 and s["mismatch"] == []
    radius = page.evaluate("() => document.querySelector(\".rv-chart[data-chart='radius'] .rv-plot\").data.length")
    assert radius == 3  # one ρ line per layer


def test_the_chain_plays_the_backward_pass_in_the_browser(live_url, page):
    goto(page, live_url, "/", "chain=1")
    page.wait_for_selector(".rv-chain svg")
    s = TrainingSession.build(SETTINGS)
    task = s.trainer.task
    payload = chain_payload(s.trainer.params, 0, task.x_test, task.y_test, task.loss, task.mask_test)
    T = payload["T"]
    arrow = page.locator(".rv-chain-arrow[data-t='5'] title").text_content()
    assert f"= {payload['factors'][5]:.4f}" in arrow and f"= {payload['gains'][5]:.4f}" in arrow
    box = page.locator(f".rv-chain-box[data-t='{T}'] title").text_content()
    assert f"{payload['norms'][T]:.4e}" in box
    sent = probe_sent(page)
    page.locator(".rv-chain-play").click()
    page.wait_for_function("() => window.__rnnvizChain.chain.k >= 3", timeout=90_000)
    page.locator(".rv-chain-play").click()
    k = page.evaluate("() => window.__rnnvizChain.chain.k")
    page.wait_for_timeout(600)
    assert page.evaluate("() => window.__rnnvizChain.chain.k") == k  # paused
    page.locator(".rv-chain-scrub").fill(str(T))
    assert page.evaluate("() => window.__rnnvizChain.chain.t") == 0  # scrubbed to the end: h_0 reached
    assert probe_sent(page) == sent  # played, paused and scrubbed without one server rerun


def probe_sent(page) -> int:
    return probe(page).sent



def test_a_live_figure_follows_its_slider_without_being_recreated(live_url, page):
    goto(page, live_url, "/", "figure=1")
    page.wait_for_selector(".rv-figure .main-svg")
    page.evaluate(SAMPLER_JS)
    for _ in range(3):
        move_slider(page, "Frequency")
    page.wait_for_function("() => document.querySelector('.rv-figure').dataset.reacts >= 1")
    page.wait_for_timeout(500)
    name = page.evaluate("() => document.querySelector('.rv-figure')._fullData[0].name")
    assert name == "f = 5"  # 2 + three moves
    assert page.evaluate("() => document.querySelector('.rv-figure').dataset.creates") == "1"
    assert sampler(page)["removed"] == []
