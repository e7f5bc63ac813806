// The backward pass flowing along the unrolled chain (rnnviz/ui/live_chain.py mounts it).
// One payload (rnnviz.live_payload.chain_payload) holds every number; play / pause / scrub happen here,
// in the browser, without a server rerun per step.

const CSS = `.rv-chain { font-family: var(--st-font, sans-serif); color: var(--st-text-color, #1f2937); }
.rv-chain .rv-chain-bar { display: flex; align-items: center; gap: 0.75rem; flex-wrap: wrap; margin-bottom: 0.4rem; }
.rv-chain button { font: inherit; padding: 0.25rem 0.8rem; border-radius: 0.5rem; border: 1px solid #d1d5db;
  background: white; cursor: pointer; min-width: 3rem; }
.rv-chain input[type=range] { flex: 1 1 16rem; accent-color: #c026d3; }
.rv-chain select { font: inherit; border-radius: 0.4rem; border: 1px solid #d1d5db; padding: 0.15rem 0.3rem; }
.rv-chain .rv-chain-scroll { overflow-x: auto; border: 1px solid #eef0f3; border-radius: 0.5rem; }
.rv-chain .rv-chain-read { font-family: var(--st-code-font, monospace); font-size: 0.85rem; min-height: 2.6em;
  margin-top: 0.4rem; white-space: pre-wrap; }
.rv-chain .rv-chain-legend { display: flex; align-items: center; gap: 0.4rem; font-size: 0.8rem; opacity: 0.85; }
.rv-chain .rv-chain-legend span.bar { width: 8rem; height: 0.7rem; border-radius: 0.2rem;
  background: linear-gradient(to right, #fae8ff, #c026d3, #4a044e); }
/* Streamlit fades an element while a rerun is on its way; a live view keeps showing the truth (it applies
   each frame itself), so it is never faded. */
[data-testid="stElementContainer"]:has(.rv-chain) { opacity: 1 !important; transition: none !important; }`;

const GRAD = "#c026d3";
const MUTED = "#6b7280";
const INK = "#111827";
const STOPS = [[250, 232, 255], [192, 38, 211], [74, 4, 78]];  // light -> gradient magenta -> dark: log ‖∂L/∂h_t‖
const STEP_PX = 78;
const BOX = 44;
const SVGNS = "http://www.w3.org/2000/svg";
const STATES = new WeakMap();

function el(tag, attrs, parent) {
  const node = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (parent) parent.appendChild(node);
  return node;
}

// As Python's and Plotly's "%.4e" print it: two exponent digits (1.9414e-02).
function fmtE(v) { return v == null ? "—" : v.toExponential(4).replace(/e([+-])(\d)$/, "e$10$2"); }
function fmtShort(v) { return v == null ? "—" : v.toExponential(1); }

function colour(norm, lo, hi) {
  if (!(norm > 0)) return "#ffffff";
  const f = hi > lo ? Math.min(1, Math.max(0, (Math.log10(norm) - lo) / (hi - lo))) : 0.5;
  const seg = f < 0.5 ? 0 : 1;
  const g = f < 0.5 ? f / 0.5 : (f - 0.5) / 0.5;
  const c = STOPS[seg].map((a, i) => Math.round(a + (STOPS[seg + 1][i] - a) * g));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

function build(root, p) {
  root.replaceChildren();
  const bar = document.createElement("div");
  bar.className = "rv-chain-bar";
  const play = document.createElement("button");
  play.className = "rv-chain-play";
  play.textContent = "▶";
  play.title = "Play / pause the backward pass";
  const scrub = document.createElement("input");
  scrub.type = "range";
  scrub.min = "0";
  scrub.max = String(p.T);
  scrub.step = "1";
  scrub.value = "0";
  scrub.className = "rv-chain-scrub";
  scrub.setAttribute("aria-label", "Steps of BPTT done");
  const speed = document.createElement("select");
  speed.className = "rv-chain-speed";
  speed.setAttribute("aria-label", "Animation speed");
  for (const s of [1, 2, 4, 8, 16]) {
    const o = document.createElement("option");
    o.value = String(s);
    o.textContent = `${s} steps/s`;
    if (s === 4) o.selected = true;
    speed.appendChild(o);
  }
  const legend = document.createElement("div");
  legend.className = "rv-chain-legend";
  bar.append(play, scrub, speed, legend);

  const finite = p.norms.filter((v) => v > 0);
  const lo = finite.length ? Math.log10(Math.min(...finite)) : 0;
  const hi = finite.length ? Math.log10(Math.max(...finite)) : 1;
  legend.innerHTML = `‖∂L/∂h_t‖ <span>${fmtShort(finite.length ? 10 ** lo : null)}</span><span class="bar"></span>` +
    `<span>${fmtShort(finite.length ? 10 ** hi : null)}</span> (log)`;

  const scroll = document.createElement("div");
  scroll.className = "rv-chain-scroll";
  const width = (p.T + 1) * STEP_PX + 40;
  const svg = el("svg", { width, height: 150, viewBox: `0 0 ${width} 150`, role: "img",
                          "aria-label": "dL/dh_t along the unrolled chain",
                          tabindex: 0 });  // focusable, so the sideways-scrolling chain is reachable by keyboard
  scroll.appendChild(svg);
  const defs = el("defs", {}, svg);
  for (const [id, c] of [["rv-head-on", GRAD], ["rv-head-off", "#d1d5db"]]) {
    const m = el("marker", { id, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7,
                             orient: "auto-start-reverse" }, defs);
    el("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: c }, m);
  }
  const x = (t) => 20 + t * STEP_PX + STEP_PX / 2;
  const yBox = 62;
  const boxes = [];
  const arrows = [];
  for (let t = 0; t <= p.T; t++) {
    const g = el("g", { class: "rv-chain-box", "data-t": t }, svg);
    const title = el("title", {}, g);
    title.textContent = `‖∂L/∂h_${t}‖ = ${fmtE(p.norms[t])}` +
      (t > 0 ? `\nfrom ${p.source} at t=${t}: ${fmtE(p.from_output[t])}` : "") +
      (t < p.T ? `\nfrom step ${t + 1} (W_hᵀ·diag(f′(a_${t + 1}))·∂L/∂h_${t + 1}): ${fmtE(p.from_future[t])}` : "");
    const rect = el("rect", { x: x(t) - BOX / 2, y: yBox - BOX / 2, width: BOX, height: BOX, rx: 6,
                              fill: "#ffffff", stroke: "#d1d5db", "stroke-width": 1.5, "stroke-dasharray": "4 3" }, g);
    const label = el("text", { x: x(t), y: yBox + BOX / 2 + 16, "text-anchor": "middle", "font-size": 12,
                               fill: MUTED }, g);
    label.textContent = `h${t}`;
    const value = el("text", { x: x(t), y: yBox + 4, "text-anchor": "middle", "font-size": 10, fill: INK }, g);
    value.textContent = "";
    if (t > 0) {  // what reaches h_t directly from above (the output, or the layer above)
      el("line", { x1: x(t), y1: 10, x2: x(t), y2: yBox - BOX / 2 - 3, stroke: "#d1d5db", "stroke-width": 1.5,
                   "marker-end": "url(#rv-head-off)", class: "rv-chain-down" }, g);
    }
    boxes.push({ g, rect, value });
  }
  for (let t = 1; t <= p.T; t++) {  // the arrow from h_t back to h_{t-1}, labelled by its factor
    const g = el("g", { class: "rv-chain-arrow", "data-t": t }, svg);
    const title = el("title", {}, g);
    title.textContent = `‖W_hᵀ·diag(f′(a_${t}))‖₂ = ${p.factors[t].toFixed(4)}: the most this step can grow ` +
      `a gradient (< 1 always shrinks it)` +
      (p.gains[t] != null ? `\nthis gradient: ‖sent to h_${t - 1}‖ / ‖∂L/∂h_${t}‖ = ${p.gains[t].toFixed(4)}` : "");
    const line = el("line", { x1: x(t) - BOX / 2 - 2, y1: yBox, x2: x(t - 1) + BOX / 2 + 3, y2: yBox,
                              stroke: "#d1d5db", "stroke-width": 2, "marker-end": "url(#rv-head-off)" }, g);
    const text = el("text", { x: (x(t) + x(t - 1)) / 2, y: yBox - 10, "text-anchor": "middle", "font-size": 11,
                              fill: MUTED }, g);
    text.textContent = `×${p.factors[t].toFixed(2)}`;
    const hit = el("rect", { x: x(t - 1) + BOX / 2, y: yBox - 24, width: STEP_PX - BOX, height: 34,
                             fill: "transparent" }, g);
    hit.setAttribute("pointer-events", "all");
    arrows[t] = { g, line, text };
  }
  const dot = el("circle", { r: 5, fill: GRAD, cx: x(p.T), cy: yBox, opacity: 0 }, svg);
  const ring = el("rect", { width: BOX + 8, height: BOX + 8, rx: 9, fill: "none", stroke: INK, "stroke-width": 2,
                            x: x(p.T) - BOX / 2 - 4, y: yBox - BOX / 2 - 4 }, svg);
  const read = document.createElement("div");
  read.className = "rv-chain-read";
  root.append(bar, scroll, read);
  return { play, scrub, speed, scroll, boxes, arrows, dot, ring, read, x, lo, hi, yBox };
}

// Show BPTT after k whole steps back (k = 0: only h_T reached) and `frac` of the way along the next arrow.
function render(s, k, frac) {
  const p = s.p;
  const v = s.view;
  const tNow = p.T - k;
  for (let t = 0; t <= p.T; t++) {
    const b = v.boxes[t];
    const reached = t >= tNow;
    b.rect.setAttribute("fill", reached ? colour(p.norms[t], v.lo, v.hi) : "#ffffff");
    b.rect.setAttribute("stroke", reached ? GRAD : "#d1d5db");
    b.rect.setAttribute("stroke-dasharray", reached ? "" : "4 3");
    b.value.textContent = reached ? fmtShort(p.norms[t]) : "";
    const f = p.norms[t] > 0 && v.hi > v.lo ? (Math.log10(p.norms[t]) - v.lo) / (v.hi - v.lo) : 0;
    b.value.setAttribute("fill", reached && f > 0.55 ? "#ffffff" : INK);
    const down = b.g.querySelector(".rv-chain-down");
    if (down) {
      down.setAttribute("stroke", reached && p.from_output[t] > 0 ? GRAD : "#d1d5db");
      down.setAttribute("marker-end", reached && p.from_output[t] > 0 ? "url(#rv-head-on)" : "url(#rv-head-off)");
    }
  }
  for (let t = 1; t <= p.T; t++) {
    const a = v.arrows[t];
    const done = t > tNow;  // h_t has sent its gradient back to h_{t-1}
    a.line.setAttribute("stroke", done ? GRAD : "#d1d5db");
    a.line.setAttribute("marker-end", done ? "url(#rv-head-on)" : "url(#rv-head-off)");
    a.text.setAttribute("fill", done || t === tNow ? (p.factors[t] > 1 ? "#b91c1c" : "#1d4ed8") : MUTED);
    a.text.setAttribute("font-weight", t === tNow ? "700" : "400");
  }
  const moving = tNow > 0 && frac > 0;
  v.dot.setAttribute("opacity", moving ? 1 : 0);
  if (moving) v.dot.setAttribute("cx", v.x(tNow) - (v.x(tNow) - v.x(tNow - 1)) * frac);
  v.ring.setAttribute("x", v.x(tNow) - BOX / 2 - 4);
  v.scrub.value = String(k);
  s.root.dataset.k = String(k);
  const t = tNow;
  let text = `t = ${t}: ‖∂L/∂h_${t}‖ = ${fmtE(p.norms[t])}`;
  if (t === p.T) text += ` — only from ${p.source} at the last step`;
  else text += ` = ‖W_hᵀ·diag(f′(a_${t + 1}))·∂L/∂h_${t + 1}` + (t > 0 ? ` + from ${p.source}` : "") + "‖" +
    `\n  step ${t + 1} → ${t}: factor ‖W_hᵀ·diag(f′(a_${t + 1}))‖₂ = ${p.factors[t + 1].toFixed(4)},` +
    ` this gradient scaled by ${p.gains[t + 1] == null ? "—" : p.gains[t + 1].toFixed(4)}`;
  v.read.textContent = text;
  const left = v.x(tNow) - v.scroll.clientWidth / 2;
  if (Math.abs(v.scroll.scrollLeft - left) > v.scroll.clientWidth / 3) v.scroll.scrollLeft = Math.max(0, left);
  const stats = (window.__rnnvizChain = window.__rnnvizChain || {});
  stats[s.key] = { k, t: tNow, playing: s.playing, T: p.T, update: p.update };
}

function tick(s, now) {
  if (!s.playing) return;
  const rate = Number(s.view.speed.value);
  // A frame's timestamp can precede the click that started playing: never step backwards (k = -1 has no box).
  s.pos = Math.min(s.p.T, s.pos + (Math.max(0, now - s.last) / 1000) * rate);
  s.last = Math.max(s.last, now);
  const k = Math.floor(s.pos);
  render(s, k, s.pos - k);
  if (s.pos >= s.p.T) { setPlaying(s, false); return; }
  s.raf = requestAnimationFrame((t) => tick(s, t));
}

function setPlaying(s, on) {
  s.playing = on;
  s.view.play.textContent = on ? "❚❚" : "▶";
  cancelAnimationFrame(s.raf);
  if (on) {
    if (s.pos >= s.p.T) s.pos = 0;
    s.last = performance.now();
    s.raf = requestAnimationFrame((t) => tick(s, t));
  } else {
    render(s, Math.floor(s.pos), 0);
  }
}

function mount(root, p, key) {
  const s = { root, p, key, pos: 0, playing: false, raf: 0, last: 0 };
  s.view = build(root, p);
  s.view.play.addEventListener("click", () => setPlaying(s, !s.playing));
  s.view.scrub.addEventListener("input", () => {
    s.pos = Number(s.view.scrub.value);
    if (s.playing) setPlaying(s, false);
    render(s, s.pos, 0);
  });
  render(s, 0, 0);
  return s;
}

export default function (component) {
  const { data, parentElement, key } = component;
  if (!document.getElementById("rv-chain-style")) {
    const style = document.createElement("style");
    style.id = "rv-chain-style";
    style.textContent = CSS;
    document.head.appendChild(style);
  }
  let root = parentElement.querySelector(".rv-chain");
  if (!root) {
    root = document.createElement("div");
    root.className = "rv-chain";
    parentElement.appendChild(root);
  }
  const holder = root.closest("[class*='st-key-']");
  const stKey = holder ? Array.from(holder.classList).find((c) => c.startsWith("st-key-")).slice(7) : key;
  const text = data instanceof Uint8Array || data instanceof ArrayBuffer ? new TextDecoder().decode(data) : null;
  const p = text ? JSON.parse(text) : data;
  if (!p) return;
  const old = STATES.get(root);
  const same = old && JSON.stringify(old.p) === JSON.stringify(p);
  if (same) return;
  if (old) cancelAnimationFrame(old.raf);
  const s = mount(root, p, stKey);
  STATES.set(root, s);
  return () => setTimeout(() => { if (!root.isConnected) cancelAnimationFrame(s.raf); }, 0);
}
