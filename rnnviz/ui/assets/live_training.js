// The training page's live view (rnnviz/ui/live_training.py mounts it; see that module's docstring).
// Served by Streamlit's component file route and imported once per page by the component's inline loader,
// so each frame's message carries only the frame's data, not this code.

const HTML = `<div class="rv-live">
  <div class="rv-metrics"></div>
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
</div>`;

const CSS = `.rv-live { font-family: var(--st-font, sans-serif); color: var(--st-text-color, #1f2937); }
.rv-live .rv-metrics { display: flex; flex-wrap: wrap; gap: 1rem 2.5rem; margin: 0.25rem 0 0.75rem; }
.rv-live .rv-metric-label { font-size: 0.875rem; opacity: 0.75; }
.rv-live .rv-metric-value { font-size: 1.9rem; line-height: 1.2; font-variant-numeric: tabular-nums; }
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
/* Streamlit fades an element while a rerun is on its way; a live view keeps showing the truth (it applies
   each frame itself), so it is never faded. */
[data-testid="stElementContainer"]:has(.rv-live) { opacity: 1 !important; transition: none !important; }`;

const STATES = new WeakMap();
const CONFIG = { displaylogo: false, responsive: true };
const FIRST = ["loss", "radius", "dh"];  // drawn with the counter, in the same task: they advance together
const BUDGET_MS = 30;  // then yield to the browser until the next animation frame
const TYPED = { i1: Int8Array, u1: Uint8Array, i2: Int16Array, u2: Uint16Array, i4: Int32Array, u4: Uint32Array,
                f4: Float32Array, f8: Float64Array };

function counters(key) {
  window.__rnnvizLive = window.__rnnvizLive || {};
  if (!window.__rnnvizLive[key]) {
    window.__rnnvizLive[key] = { step: null, frames: 0, creates: 0, reacts: 0, updates: 0, resyncs: 0, drawMs: 0,
                                 msByChart: {}, drawnAt: [] };
  }
  return window.__rnnvizLive[key];
}

function decode(data) {
  if (data == null) return null;
  if (data instanceof Uint8Array || data instanceof ArrayBuffer) return JSON.parse(new TextDecoder().decode(data));
  return typeof data === "string" ? JSON.parse(data) : data;
}

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

function getPath(target, path) {
  return path.split(".").reduce((obj, part) => (obj == null ? undefined : obj[part]), target);
}

function setPath(target, path, value) {
  const parts = path.split(".");
  let obj = target;
  for (const part of parts.slice(0, -1)) obj = obj[part] = obj[part] || {};
  obj[parts[parts.length - 1]] = value;
}

function newState(root, key, loadPlotly) {
  const st = { root, key, run: null, step: null, models: {}, plots: {}, pending: {}, drawn: new Set(),
               visible: new Set(), plotly: null, raf: 0, shownStep: null, text: null, resyncAsked: null,
               stats: counters(key) };
  root.querySelectorAll(".rv-chart").forEach((el) => { st.plots[el.dataset.chart] = el.querySelector(".rv-plot"); });
  st.observer = new IntersectionObserver((entries) => {
    for (const e of entries) {
      const name = e.target.parentElement.dataset.chart;
      if (e.isIntersecting) st.visible.add(name); else st.visible.delete(name);
    }
    schedule(st);
  }, { rootMargin: "150px 0px" });
  Object.values(st.plots).forEach((div) => st.observer.observe(div));
  loadPlotly().then((Plotly) => { st.plotly = Plotly; schedule(st); },
                    (err) => { root.querySelector(".rv-metrics").textContent = "Charts unavailable: " + err.message; });
  return st;
}

// A chart's pending change: {react: true} (draw the model as it is) or the changes of the frames not drawn yet,
// merged: appended points (extend) and the latest values of replaced properties (set, layout).
function pendingOf(st, name) {
  return st.pending[name] = st.pending[name] || { react: false, extend: null, set: {}, layout: {} };
}

function applyFull(st, frame) {
  st.models = frame.figures;
  // The layouts as the server sent them (before plotly.js adds to them): what a delta's layout is compared with.
  st.sentLayout = Object.fromEntries(Object.entries(frame.figures).map(([n, f]) => [n, JSON.parse(JSON.stringify(f.layout))]));
  for (const name of ["loss", "radius"]) {  // their traces grow: plain arrays, not typed-array specs
    for (const trace of st.models[name].data) { trace.x = plainArray(trace.x); trace.y = plainArray(trace.y); }
  }
  st.pending = {};
  for (const name of Object.keys(st.models)) pendingOf(st, name).react = true;
  st.notes = frame.notes || {};
  st.run = frame.run;
  st.stats.run = frame.run;
  st.step = frame.step;
}

function applyDelta(st, frame) {
  for (const [name, ext] of Object.entries(frame.extend || {})) {
    const steps = plainArray(ext.x);
    const keep = steps.map((x, i) => (x > st.step ? i : -1)).filter((i) => i >= 0);  // points this view lacks
    if (!keep.length) continue;
    const p = pendingOf(st, name);
    if (!p.extend) p.extend = { traces: ext.traces, x: ext.traces.map(() => []), y: ext.traces.map(() => []) };
    ext.traces.forEach((_, i) => {
      const ys = plainArray(ext.y[i]);
      for (const j of keep) { p.extend.x[i].push(steps[j]); p.extend.y[i].push(ys[j]); }
    });
  }
  for (const [name, upd] of Object.entries(frame.set || {})) {
    const p = pendingOf(st, name);
    for (const [idx, props] of upd.traces || []) {
      for (const [path, value] of Object.entries(props)) { p.set[idx] = p.set[idx] || {}; p.set[idx][path] = value; }
    }
    for (const [path, value] of Object.entries(upd.layout || {})) {
      // Only when the server's value changed (an axis whose ticks did not move: no relayout, it would redraw every
      // axis and text).  Compared with what the server sent before, not with the chart's layout: plotly.js
      // writes its own (range, autorange) into it.  A changed axis replaces the whole axis object.
      const text = JSON.stringify(value);
      if (JSON.stringify(getPath(st.sentLayout[name], path)) === text) continue;
      p.layout[path] = value;
      setPath(st.sentLayout[name], path, JSON.parse(text));
    }
  }
  for (const [name, mat] of Object.entries(frame.matrices || {})) {
    const p = pendingOf(st, name);
    p.set[0] = { z: mat.z, zmin: -mat.m, zmax: mat.m, "colorbar.tickvals": [-mat.m, 0, mat.m],
                 "colorbar.ticktext": ["-" + mat.mt, "0", mat.mt] };
  }
  st.step = frame.step;
}

// Pause needs nothing here: a frame already on its way when Pause is pressed is drawn (the button says "stop
// after this frame"), and the paused page's frame, a delta like any other, shows where the trainer stopped.
function receive(st, frame, setTriggerValue) {
  if (frame.kind === "full") {
    applyFull(st, frame);
  } else if (frame.run === st.run && st.step !== null && frame.base <= st.step && st.step <= frame.step) {
    applyDelta(st, frame);
  } else if (frame.run === st.run && st.step !== null && frame.step <= st.step) {
    return;  // already shown
  } else {
    // This view lacks updates the frame builds on (a fresh mount, frames it never saw): ask for a full frame.
    const ask = frame.run + ":" + frame.base;
    if (st.resyncAsked !== ask) {
      st.resyncAsked = ask;
      st.stats.resyncs += 1;
      setTriggerValue("resync", ask);
    }
    return;
  }
  st.text = frame;
  // A paused page's frame (Pause, +1, Reset) is drawn now: the rest of the page follows it in the same burst of
  // messages, and an animation frame would wait behind all of them.  While playing, frames wait for one.
  if (frame.playing === false) {
    if (st.raf) cancelAnimationFrame(st.raf);
    st.raf = 0;
    draw(st);
  } else {
    schedule(st);
  }
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
  const sample = st.root.querySelector(".rv-sample");
  sample.hidden = frame.sample == null;
  if (frame.sample != null) sample.querySelector("pre").textContent = frame.sample;
  if (frame.notes) {
    st.notes = frame.notes;
    st.root.querySelectorAll(".rv-chart").forEach((el) => {
      const note = el.querySelector(".rv-note");
      if (note) note.textContent = st.notes[el.dataset.chart] || "";
    });
    st.root.querySelector(".rv-mats-title").textContent = st.notes.matrices_title || "";
    st.root.querySelector(".rv-mats-note").textContent = st.notes.matrices || "";
  }
}

// Into the model only (a chart off screen): drawn with Plotly.react when it scrolls back in.
function foldIntoModel(model, p) {
  if (p.extend) {
    p.extend.traces.forEach((idx, i) => {
      const trace = model.data[idx];
      trace.x = plainArray(trace.x).concat(p.extend.x[i]);
      trace.y = plainArray(trace.y).concat(p.extend.y[i]);
    });
    dropEmptyNote(model.layout);
  }
  for (const [idx, props] of Object.entries(p.set)) {
    for (const [path, value] of Object.entries(props)) setPath(model.data[idx], path, value);
  }
  for (const [path, value] of Object.entries(p.layout)) setPath(model.layout, path, value);
}

function dropEmptyNote(layout) {
  const notes = layout.annotations || [];
  const kept = notes.filter((a) => !(a.text || "").startsWith("No updates yet"));
  if (kept.length === notes.length) return false;
  layout.annotations = kept;
  return true;
}

// A title rewritten in place is also Plotly's: the next redraw (and anyone reading the figure) sees it.
function keepTitle(gd, title) {
  gd.layout.title.text = title;
  if (gd._fullLayout && gd._fullLayout.title) gd._fullLayout.title.text = title;
}

// One chart brought up to date with the fewest Plotly calls: react when it must be redrawn whole, else
// extendTraces for appended points and one Plotly.update for the replaced values.
function drawChart(st, name) {
  const Plotly = st.plotly;
  const div = st.plots[name];
  const model = st.models[name];
  const p = st.pending[name];
  delete st.pending[name];
  if (!div || !model || !p) return;
  if (!st.drawn.has(name)) {
    foldIntoModel(model, p);
    Plotly.newPlot(div, model.data, model.layout, CONFIG);
    st.drawn.add(name);
    st.stats.creates += 1;
    return;
  }
  if (p.react) {
    foldIntoModel(model, p);
    model.layout.datarevision = (model.layout.datarevision || 0) + 1;
    Plotly.react(div, model.data, model.layout, CONFIG);
    st.stats.reacts += 1;
    return;
  }
  const gd = div;
  if (p.extend) {
    Plotly.extendTraces(gd, { x: p.extend.x, y: p.extend.y }, p.extend.traces);
    if (dropEmptyNote(gd.layout)) Plotly.relayout(gd, { annotations: gd.layout.annotations });
  }
  const layout = Object.assign({}, p.layout);
  const title = layout["title.text"];
  const titleNode = gd.querySelector(".gtitle");
  const lines = titleNode ? titleNode.querySelectorAll("tspan.line") : [];
  const parts = title === undefined ? [] : title.split("<br>");
  const plain = (text) => text.replace(/<[^>]*>/g, "");
  if (title !== undefined && titleNode && parts.length === lines.length && parts.length > 1) {
    // A title over lines (a subtitle): each line's text rewritten in place (a relayout would redo every axis).
    parts.forEach((part, i) => { (lines[i].querySelector("tspan") || lines[i]).textContent = plain(part); });
    keepTitle(gd, title);
    delete layout["title.text"];
  } else if (title !== undefined && !title.includes("<") && titleNode) {
    // A plain-text title: rewritten in place.
    keepTitle(gd, title);
    titleNode.textContent = title;
    delete layout["title.text"];
  }
  const indices = Object.keys(p.set).map(Number);
  if (indices.length) {
    const restyle = {};
    indices.forEach((idx, i) => {
      for (const [path, value] of Object.entries(p.set[idx])) {
        restyle[path] = restyle[path] || indices.map(() => undefined);
        restyle[path][i] = value;
      }
    });
    if (Object.keys(layout).length) Plotly.update(gd, restyle, layout, indices);
    else Plotly.restyle(gd, restyle, indices);
  } else if (Object.keys(layout).length) {
    Plotly.relayout(gd, layout);
  }
  st.stats.updates += 1;
}

function draw(st) {
  if (!st.plotly) return;
  const started = performance.now();
  const newStep = st.shownStep !== st.step;
  drawText(st);
  const order = FIRST.concat(Object.keys(st.pending).filter((n) => !FIRST.includes(n)));
  for (const name of order) {
    const p = st.pending[name];
    if (!p) continue;
    const onScreen = st.visible.has(name) || !st.drawn.has(name);
    if (!onScreen) {  // off screen: keep the model current, draw it when it scrolls in
      if (st.models[name]) foldIntoModel(st.models[name], p);
      st.pending[name] = { react: true, extend: null, set: {}, layout: {} };
      continue;
    }
    if (!FIRST.includes(name) && performance.now() - started > BUDGET_MS) { schedule(st); break; }
    const t0 = performance.now();
    drawChart(st, name);
    st.stats.msByChart[name] = (st.stats.msByChart[name] || 0) + performance.now() - t0;
  }
  if (newStep) {
    st.shownStep = st.step;
    st.stats.frames += 1;
    st.stats.step = st.step;
    st.stats.drawnAt.push([performance.now(), st.step]);
    if (st.stats.drawnAt.length > 4000) st.stats.drawnAt.splice(0, 2000);
    st.root.dataset.step = String(st.step);
  }
  st.stats.drawMs += performance.now() - started;
}

function mountRoot(parentElement) {
  let root = parentElement.querySelector(".rv-live");
  if (root) return root;
  if (!document.getElementById("rv-live-style")) {
    const style = document.createElement("style");
    style.id = "rv-live-style";
    style.textContent = CSS;
    document.head.appendChild(style);
  }
  const holder = document.createElement("div");
  holder.innerHTML = HTML;
  root = holder.firstElementChild;
  parentElement.appendChild(root);
  return root;
}

export default function (component, loadPlotly) {
  const { data, parentElement, setTriggerValue, key } = component;
  const root = mountRoot(parentElement);
  const holder = root.closest("[class*='st-key-']");
  const stKey = holder ? Array.from(holder.classList).find((c) => c.startsWith("st-key-")).slice(7) : key;
  let st = STATES.get(root);
  if (!st) {
    st = newState(root, stKey, loadPlotly);
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
