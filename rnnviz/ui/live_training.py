"""The training page's live charts: created once in the browser, then updated in place frame after frame.

    live_view(session, layer, key="tr_live", notes={...})   # inside the page's playing fragment

A custom component (``st.components.v2``, mounted in the page, no iframe) holds the metrics row and the ten
live Plotly charts (loss, ρ(W_h), ‖∂L/∂h_t‖, predictions, gradient and weight heatmaps).  The first frame of a
view is "full" (every figure, built by the same builders as the static charts); while playing, each frame is a
"delta" (``rnnviz.live_payload``): points appended, the latest lines and matrices replaced, applied with
``Plotly.react`` in one animation frame -- no chart is ever hidden or re-created, and charts scrolled out of
view are brought up to date only when they scroll back in (IntersectionObserver).  A browser that missed a
frame (or mounted the view afresh) asks for a full frame with the ``resync`` trigger.

The browser keeps counters for tests and benchmarks: ``window.__rnnvizLive[key]`` = {step, frames (redraws
that showed a new update), creates (charts created), reacts, resyncs}.
"""

from __future__ import annotations

import streamlit as st

from rnnviz.live_payload import LIVE_CHARTS, encode, live_frame, run_key
from rnnviz.training import TrainingSession
from rnnviz.ui.plotly_js import LOADER_JS, serve_plotly_js

SENT = "__sent"  # session-state suffix: (run, update) the browser was last sent

HTML = """
<div class="rv-live">
  <div class="rv-metrics"></div>
  <div class="rv-diverged" hidden></div>
  <div class="rv-row rv-two">
    <div class="rv-chart" data-chart="loss"><div class="rv-plot"></div><div class="rv-note"></div></div>
    <div class="rv-chart" data-chart="radius"><div class="rv-plot"></div><div class="rv-note"></div></div>
  </div>
  <div class="rv-chart" data-chart="dh"><div class="rv-plot"></div><div class="rv-note"></div></div>
  <div class="rv-chart" data-chart="pred"><div class="rv-plot"></div><div class="rv-note"></div></div>
  <div class="rv-sample" hidden><div class="rv-sample-title">Text sampled from the model (feeding each sampled
    character back in, like min-char-rnn)</div><pre></pre></div>
  <div class="rv-mats-title"></div>
  <div class="rv-row rv-mats">
    <div class="rv-chart" data-chart="g_W_h"><div class="rv-plot"></div></div>
    <div class="rv-chart" data-chart="g_W_x"><div class="rv-plot"></div></div>
    <div class="rv-chart" data-chart="g_b"><div class="rv-plot"></div></div>
  </div>
  <div class="rv-row rv-mats">
    <div class="rv-chart" data-chart="w_W_h"><div class="rv-plot"></div></div>
    <div class="rv-chart" data-chart="w_W_x"><div class="rv-plot"></div></div>
    <div class="rv-chart" data-chart="w_b"><div class="rv-plot"></div></div>
  </div>
  <div class="rv-note rv-mats-note"></div>
</div>
"""

CSS = """
.rv-live { font-family: var(--st-font, sans-serif); color: var(--st-text-color, #1f2937); }
.rv-live .rv-metrics { display: flex; flex-wrap: wrap; gap: 1rem 2.5rem; margin: 0.25rem 0 0.75rem; }
.rv-live .rv-metric-label { font-size: 0.875rem; opacity: 0.75; }
.rv-live .rv-metric-value { font-size: 1.9rem; line-height: 1.2; font-variant-numeric: tabular-nums; }
.rv-live .rv-diverged { background: #fde8e8; color: #7d1a1a; border-radius: 0.5rem; padding: 0.75rem 1rem;
  margin-bottom: 0.75rem; }
.rv-live .rv-row { display: grid; gap: 1rem; }
.rv-live .rv-two { grid-template-columns: 1fr 1fr; }
.rv-live .rv-mats { grid-template-columns: 3fr 3fr 1fr; }
.rv-live .rv-chart { min-width: 0; margin-bottom: 0.5rem; }
.rv-live .rv-note { font-size: 0.875rem; opacity: 0.7; margin: 0.1rem 0 0.75rem; }
.rv-live .rv-mats-title { font-weight: 600; margin: 0.5rem 0; }
.rv-live .rv-sample pre { white-space: pre-wrap; font-family: var(--st-code-font, monospace);
  background: var(--st-code-background-color, #f5f5f5); padding: 0.75rem; border-radius: 0.5rem; }
.rv-live .rv-sample-title { font-weight: 600; }
@media (max-width: 640px) { .rv-live .rv-two, .rv-live .rv-mats { grid-template-columns: 1fr; } }
"""

JS = LOADER_JS + """
const STATES = new WeakMap();
const CONFIG = { displaylogo: false, responsive: true };

function counters(key) {
  window.__rnnvizLive = window.__rnnvizLive || {};
  if (!window.__rnnvizLive[key]) {
    window.__rnnvizLive[key] = { step: null, frames: 0, creates: 0, reacts: 0, resyncs: 0, drawnAt: [] };
  }
  return window.__rnnvizLive[key];
}

function decode(data) {
  if (data == null) return null;
  if (data instanceof Uint8Array || data instanceof ArrayBuffer) return JSON.parse(new TextDecoder().decode(data));
  return typeof data === "string" ? JSON.parse(data) : data;
}

const TYPED = { i1: Int8Array, u1: Uint8Array, i2: Int16Array, u2: Uint16Array, i4: Int32Array, u4: Uint32Array,
                f4: Float32Array, f8: Float64Array };

function plainArray(v) {
  // A plotly.js typed-array spec {dtype, bdata} (how plotly.py sends arrays) as a plain, extendable Array.
  if (v == null) return [];
  if (Array.isArray(v)) return v;
  if (v.bdata !== undefined) {
    const bytes = Uint8Array.from(atob(v.bdata), (c) => c.charCodeAt(0));
    return Array.from(new TYPED[v.dtype](bytes.buffer));
  }
  return Array.from(v);
}

function setPath(target, path, value) {
  const parts = path.split(".");
  let obj = target;
  for (const part of parts.slice(0, -1)) obj = obj[part] = obj[part] || {};
  obj[parts[parts.length - 1]] = value;
}

function newState(root, key) {
  const st = { root, key, run: null, step: null, models: {}, dirty: new Set(), drawn: new Set(), visible: new Set(),
               plotly: null, raf: 0, frameStep: null, text: null, resyncAsked: null, stats: counters(key) };
  st.plots = {};
  root.querySelectorAll(".rv-chart").forEach((el) => { st.plots[el.dataset.chart] = el.querySelector(".rv-plot"); });
  st.observer = new IntersectionObserver((entries) => {
    for (const e of entries) {
      const name = e.target.parentElement.dataset.chart;
      if (e.isIntersecting) st.visible.add(name); else st.visible.delete(name);
    }
    schedule(st);
  }, { rootMargin: "200px 0px" });
  Object.values(st.plots).forEach((div) => st.observer.observe(div));
  loadPlotly().then((Plotly) => { st.plotly = Plotly; schedule(st); },
                    (err) => { root.querySelector(".rv-metrics").textContent = "Charts unavailable: " + err.message; });
  return st;
}

function applyFull(st, frame) {
  st.models = frame.figures;
  for (const name of Object.keys(st.models)) {
    const layout = st.models[name].layout;
    layout.datarevision = 0;
    st.dirty.add(name);
  }
  st.notes = frame.notes || {};
  st.run = frame.run;
  st.step = frame.step;
}

function dropEmptyNote(layout) {
  if (layout.annotations) {
    layout.annotations = layout.annotations.filter((a) => !(a.text || "").startsWith("No updates yet"));
  }
}

function applyDelta(st, frame) {
  for (const [name, ext] of Object.entries(frame.extend || {})) {
    const model = st.models[name];
    ext.traces.forEach((idx, i) => {
      const trace = model.data[idx];
      trace.x = plainArray(trace.x).concat(ext.x[i]);
      trace.y = plainArray(trace.y).concat(ext.y[i].map((v) => (v === null ? NaN : v)));
    });
    dropEmptyNote(model.layout);
    st.dirty.add(name);
  }
  for (const [name, upd] of Object.entries(frame.set || {})) {
    const model = st.models[name];
    for (const [idx, props] of upd.traces || []) {
      for (const [path, value] of Object.entries(props)) setPath(model.data[idx], path, value);
    }
    for (const [path, value] of Object.entries(upd.layout || {})) setPath(model.layout, path, value);
    st.dirty.add(name);
  }
  for (const [name, mat] of Object.entries(frame.matrices || {})) {
    const trace = st.models[name].data[0];
    trace.z = mat.z;
    trace.zmin = -mat.m;
    trace.zmax = mat.m;
    trace.colorbar = Object.assign(trace.colorbar || {}, { tickvals: [-mat.m, 0, mat.m], ticktext: ["-" + mat.mt, "0", mat.mt] });
    st.dirty.add(name);
  }
  st.step = frame.step;
}

function receive(st, frame, setTriggerValue) {
  if (frame.kind === "full") {
    applyFull(st, frame);
  } else if (frame.run === st.run && frame.base === st.step) {
    applyDelta(st, frame);
  } else if (frame.run === st.run && st.step !== null && frame.step <= st.step) {
    return;  // already shown (a repeated frame)
  } else {
    // The server thinks this view has updates it does not have (a fresh mount, a missed frame): ask for all.
    const ask = frame.run + ":" + frame.base;
    if (st.resyncAsked !== ask) {
      st.resyncAsked = ask;
      st.stats.resyncs += 1;
      setTriggerValue("resync", ask);
    }
    return;
  }
  st.text = frame;
  schedule(st);
}

function schedule(st) {
  if (!st.raf) st.raf = requestAnimationFrame(() => { st.raf = 0; draw(st); });
}

function drawText(st) {
  const frame = st.text;
  if (!frame) return;
  st.text = null;
  const metrics = st.root.querySelector(".rv-metrics");
  metrics.replaceChildren(...frame.metrics.map((m) => {
    const box = document.createElement("div");
    box.className = "rv-metric";
    box.dataset.label = m.label;
    if (m.help) box.title = m.help;
    const label = document.createElement("div");
    label.className = "rv-metric-label";
    label.textContent = m.label;
    const value = document.createElement("div");
    value.className = "rv-metric-value";
    value.textContent = m.value;
    box.append(label, value);
    return box;
  }));
  const diverged = st.root.querySelector(".rv-diverged");
  diverged.hidden = !frame.diverged;
  diverged.textContent = frame.diverged ? "Training diverged. " + frame.diverged +
    " Press Reset (↺) or change the settings to start again." : "";
  const sample = st.root.querySelector(".rv-sample");
  sample.hidden = frame.sample == null;
  if (frame.sample != null) sample.querySelector("pre").textContent = frame.sample;
  if (frame.kind === "full") {
    st.root.querySelectorAll(".rv-chart").forEach((el) => {
      const note = el.querySelector(".rv-note");
      if (note) note.textContent = st.notes[el.dataset.chart] || "";
    });
    st.root.querySelector(".rv-mats-title").textContent = st.notes.matrices_title || "";
    st.root.querySelector(".rv-mats-note").textContent = st.notes.matrices || "";
  }
}

function draw(st) {
  if (!st.plotly) return;
  const Plotly = st.plotly;
  const stepChanged = st.frameStep !== st.step;
  drawText(st);
  for (const name of Array.from(st.dirty)) {
    const div = st.plots[name];
    const model = st.models[name];
    if (!div || !model) { st.dirty.delete(name); continue; }
    if (st.drawn.has(name) && !st.visible.has(name)) continue;  // off screen: drawn when it scrolls in
    model.layout.datarevision = (model.layout.datarevision || 0) + 1;
    if (st.drawn.has(name)) {
      Plotly.react(div, model.data, model.layout, CONFIG);
      st.stats.reacts += 1;
    } else {
      Plotly.newPlot(div, model.data, model.layout, CONFIG);
      st.drawn.add(name);
      st.stats.creates += 1;
    }
    st.dirty.delete(name);
  }
  if (stepChanged) {
    st.frameStep = st.step;
    st.stats.frames += 1;
    st.stats.step = st.step;
    st.stats.drawnAt.push([performance.now(), st.step]);
    if (st.stats.drawnAt.length > 2000) st.stats.drawnAt.splice(0, 1000);
    st.root.dataset.step = String(st.step);
  }
}

export default function (component) {
  const { data, parentElement, setTriggerValue, key } = component;
  const root = parentElement.querySelector(".rv-live");
  if (!root) return;
  const name = root.closest("[class*='st-key-']");
  const stKey = name ? Array.from(name.classList).find((c) => c.startsWith("st-key-")).slice(7) : key;
  let st = STATES.get(root);
  if (!st) {
    st = newState(root, stKey);
    STATES.set(root, st);
  }
  const frame = decode(data);
  if (frame) receive(st, frame, setTriggerValue);
  return () => {
    // Streamlit may call a superseded call's cleanup while the view is still mounted: tear down only when gone.
    setTimeout(() => {
      if (root.isConnected) return;
      st.observer.disconnect();
      if (st.plotly) Object.values(st.plots).forEach((div) => st.plotly.purge(div));
      STATES.delete(root);
    }, 0);
  };
}
"""

_COMPONENT = st.components.v2.component("rnnviz_live_training", html=HTML, css=CSS, js=JS, isolate_styles=False)


def _ask_full(key: str) -> None:
    st.session_state.pop(key + SENT, None)


def live_view(session: TrainingSession, layer: int, key: str = "tr_live", notes: dict | None = None) -> None:
    """Mount or update the live view of `session` (layer: 0-based, the layer the heatmaps show).

    While playing, only what changed since the last frame this view sent goes to the browser; otherwise a full
    frame (cheap when paused, and it repairs anything).  notes: {chart name or "matrices"/"matrices_title": text}.
    """
    serve_plotly_js()
    run = run_key(session, layer)
    sent = st.session_state.get(key + SENT)
    since = None
    if session.playing and sent is not None and sent[0] == run and sent[1] <= session.trainer.steps_done:
        since = sent[1]
    frame = live_frame(session, layer, since, notes)
    _COMPONENT(key=key, data=encode(frame), on_resync_change=lambda: _ask_full(key))
    st.session_state[key + SENT] = (run, session.trainer.steps_done)


__all__ = ["LIVE_CHARTS", "live_view"]
