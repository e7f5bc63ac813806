// A live view: shows the server's settled picture (a Plotly figure or HTML with the engine's numbers) and,
// while a slider announces "rnnviz:drag" events, a preview: rnnForward (forward.js, the mirror of
// rnnviz.engine.forward) on the settled network with the dragged entry changed, written into the picture
// through the bindings (rnnviz/live_state.py says what they mean).  New data from the server (after the
// release) replaces the preview with the engine's numbers.
// Prepended by rnnviz/ui/live_drag.py: forward.js (rnnForward) and plotly_js.LOADER_JS (loadPlotly).
export default function (component) {
  const { data, parentElement } = component;
  let v = parentElement.__rnnvizView;
  if (!v) {
    v = createView(parentElement);
    parentElement.__rnnvizView = v;
  }
  v.data = data;
  v.net = data.net;
  v.fig = data.figure ? JSON.parse(data.figure) : null;
  // Read before Plotly writes into the layout (autoranges, ranges widened for a fixed aspect ratio).
  v.fixedAxes = v.fig ? fixedAxes(v.fig.layout) : new Set();
  v.figRanges = v.fig ? axisRanges(v.fig.layout) : {};
  // Values the server has now committed are in data.net; only an entry still being dragged stays overridden.
  let keep = v.active ? v.overrides.get(v.active) : undefined;
  if (keep && keep.value === baseValue(v.net, keep.target)) keep = undefined;  // the server has it now
  v.overrides = new Map();
  if (keep) v.overrides.set(v.active, keep);
  v.root.dataset.live = data.live ? "on" : "off";
  v.patches = framePatches(data.frames, component.setTriggerValue);
  v.root.dataset.frames = v.patches ? "on" : "off";
  v.root.classList.toggle("rnnviz-live-chart", !!data.figure);  // tests/browser/harness waits for its SVG
  // Strict containment (style.css) needs the height: the figure's own (every rnnviz figure sets one).
  v.root.style.height = v.fig && v.fig.layout.height ? v.fig.layout.height + "px" : "";
  if (!v.listening) {
    window.addEventListener("rnnviz:drag", v.onDrag);
    v.listening = true;
  }
  if (keep) {
    v.schedule();
  } else {
    v.cancelPreview();  // one still waiting for idle time: the engine's numbers are here first
    v.patch = null;
    v.renderSettled();
  }
  return () => {
    window.removeEventListener("rnnviz:drag", v.onDrag);
    v.listening = false;
  };
}

function createView(parent) {
  const root = document.createElement("div");
  root.className = "rnnviz-live-view";
  root.dataset.testid = "rnnvizLiveView";
  root.dataset.updates = "0";
  parent.appendChild(root);
  const v = { root, overrides: new Map(), active: null, frame: null, updates: 0, listening: false, drawMs: [],
    onScreen: true, behind: false, whole: {} };
  // A preview is drawn only while the view is on screen (a drag on a long page would redraw charts nobody
  // sees, and every chart's redraw is a share of each frame); one scrolled into view catches up at once.
  if (window.IntersectionObserver) {
    new IntersectionObserver((entries) => {
      v.onScreen = entries[entries.length - 1].isIntersecting;
      if (v.onScreen && v.behind) {
        v.behind = false;
        v.schedule();
      }
    }).observe(root);
  }

  v.renderSettled = () => {
    if (v.shown === v.data) return;  // already showing this run's engine numbers
    v.shown = v.data;
    v.root.dataset.source = "engine";
    previewing(false);
    if (v.fig) {
      v.draw(v.fig.data, v.fig.layout);
    } else if (v.data.latex) {
      clearTimeout(v.latexTimer);  // a preview still waiting its turn: the engine's lines are here first
      v.latexTimer = v.latexNext = null;
      renderLatex(v, v.data.latex.lines);
    } else {
      v.root.innerHTML = v.data.html || "";
      v.latexShown = null;
    }
  };

  // Every bound attribute gets a new array, which is how Plotly.react sees a change: no datarevision, so
  // traces that did not change are not recomputed.  One draw at a time; a newer picture waits its turn.
  // moving: draw only those traces, over the settled chart (drawMoving); null: the whole figure.
  v.draw = (traces, layout, moving = null) => {
    v.next = { traces, layout, moving };
    if (v.drawing) return v.drawing;
    const config = Object.assign({ displaylogo: false, responsive: true }, v.data.config || {});
    v.drawing = loadPlotly().then(async (Plotly) => {
      while (v.next) {
        const { traces: t, layout: l, moving: m } = v.next;
        v.next = null;
        const start = performance.now();
        if (m && v.root._fullLayout) {
          await drawMoving(v, Plotly, t, m);
        } else {
          restoreLegend(v);  // before the draw: one that changes no name leaves the legend's text as it is
          // The picture drawn whole last (split frames leave it as it is): a drag back at the settled value
          // only takes the moving layer away.
          if (t === v.whole.traces && l === v.whole.layout && v.root._fullLayout) {
            settle(v);
            continue;
          }
          v.drawnRanges = l === v.fig.layout ? v.figRanges : axisRanges(l);
          await Plotly.react(v.root, t, l, config);
          v.whole = { traces: t, layout: l };
          settle(v);
        }
        v.drawMs.push(performance.now() - start);
        v.root.dataset.drawMs = (v.drawMs.reduce((a, b) => a + b, 0) / v.drawMs.length).toFixed(1);
      }
      v.drawing = null;
    });
    return v.drawing;
  };

  v.onDrag = (event) => {
    const { target, value, final } = event.detail;
    if (!v.data || !target) return;
    const frames = v.data.frames;
    if (frames && target.name === frames.target) {
      if (!v.patches) return;  // asked for (framePatches): the view updates on release until they arrive
      // A knob (the lab's ρ): the server computed the engine's picture for every slider position.
      const key = Number(value).toFixed(frames.decimals);
      if (key === frames.settled) {
        v.renderSettled();
      } else if (v.patches[key]) {
        v.patch = v.patches[key];
        v.schedule(final);
      }
      return;
    }
    if (!v.data.live || !v.net || !((v.data.bindings || []).length || v.data.latex)) return;  // nothing moves here
    const key = target.name + ":" + target.index.join(",");
    v.active = final ? null : key;
    if (value === baseValue(v.net, target)) {
      // Back at the settled value (or the server's own value arriving): show the engine's numbers again.
      v.overrides.delete(key);
      if (v.overrides.size === 0) {
        v.cancelPreview();
        v.renderSettled();
        return;
      }
    } else {
      v.overrides.set(key, { target, value });
    }
    v.schedule(final);
  };

  // A drag's preview is drawn in the next animation frame.  A single step (a key press, a click on the track:
  // the value is final at once) waits for idle time instead, so that Streamlit's slider sends the value to the
  // server first: the preview then fills the wait for the engine's numbers rather than delaying them.
  v.schedule = (idle = false) => {
    if (v.frame) return;
    const run = () => { v.frame = null; v.preview(); };
    if (idle && window.requestIdleCallback) {
      const id = requestIdleCallback(run, { timeout: 150 });
      v.frame = () => cancelIdleCallback(id);
    } else {
      const id = requestAnimationFrame(run);
      v.frame = () => cancelAnimationFrame(id);
    }
  };

  v.cancelPreview = () => {
    if (v.frame) v.frame();
    v.frame = null;
  };

  v.preview = () => {
    if (!v.onScreen) {
      v.behind = true;
      return;
    }
    if (v.overrides.size === 0 && !v.patch) {
      v.renderSettled();  // caught up after the drag ended off screen: the engine's numbers
      return;
    }
    if (v.patch) {
      v.showPatch(v.patch);
      v.patch = null;
      return;
    }
    const net = withOverrides(v.net, v.overrides);
    const traces = rnnForward(net.layers, net.x, net.h0s);
    const bindings = v.data.bindings || [];
    if (v.fig) {
      const data = v.fig.data.map((t) => Object.assign({}, t));
      const bound = bindings.filter((b) => b.trace !== undefined);
      for (const b of bound) data[b.trace][b.attr] = select(b, traces, net);
      v.drawPreview(data, v.fig.layout, v.data.moving, bound.map((b) => [b.trace, b.attr]));
    } else if (v.data.latex) {
      const { templates, slots, decimals } = v.data.latex;
      v.latexNext = () => renderLatex(v, templates.map((line) => fillTemplate(line, slots, traces, net, decimals)), true);
      latexSoon(v);
    } else {
      for (const b of bindings) {
        const span = v.root.querySelector(`[data-live="${b.span}"]`);
        if (span) span.textContent = select(b, traces, net);
      }
    }
    v.updates += 1;
    v.root.dataset.updates = String(v.updates);
    v.root.dataset.source = "preview";
    previewing(true);
    v.shown = null;
  };
  // A knob's frame: the engine's traces (and axis ranges) at the knob's position.  Split like a network drag
  // (its patched traces redrawn alone) while the frame's axis ranges fit in the drawn ones, which it then keeps:
  // as autoranged axes, the ones a knob sets only grow during a drag (a sweep back and forth across one of the
  // eigenvalue plane's steps drew it whole at every crossing), and the release fits them again.  A frame that
  // needs wider axes is drawn whole, as is the first frame of a chart not drawn yet.
  v.showPatch = (patch) => {
    const data = v.fig.data.map((t) => Object.assign({}, t));
    const layout = JSON.parse(JSON.stringify(v.fig.layout));
    let sameRanges = true;
    for (const [trace, attr, value] of patch) {
      if (trace === -1) {
        const [axis, key] = attr.split(".");
        const drawn = (v.drawnRanges || {})[axis];
        const held = key === "range" && Array.isArray(drawn) && holds(drawn, value);
        layout[axis] = Object.assign({}, layout[axis], { [key]: held ? drawn.slice() : value });
        sameRanges = sameRanges && held;
      } else {
        data[trace][attr] = value;
      }
    }
    const changed = patch.filter(([trace]) => trace >= 0).map(([trace, attr]) => [trace, attr]);
    const moving = v.data.moving || [...new Set(changed.map(([trace]) => trace))];
    v.drawPreview(data, layout, sameRanges ? moving : null, changed);
    v.updates += 1;
    v.root.dataset.updates = String(v.updates);
    v.root.dataset.source = "preview";
    previewing(true);
    v.shown = null;
  };

  // A preview's picture: split (drawMoving) when it can be, else whole.  changed: the [trace, attr] pairs it
  // changed; a frame whose x / y values leave an autoranged axis is drawn whole over grown axes (grownAxes).
  v.drawPreview = (data, layout, moving, changed) => {
    const grown = v.root._fullLayout ? grownAxes(v, data, changed) : null;
    if (grown) {
      layout = Object.assign({}, layout);
      for (const [name, range] of Object.entries(grown)) {
        layout[name] = Object.assign({}, layout[name], { range, autorange: false });
      }
    }
    v.draw(data, layout, grown ? null : moving);
  };
  return v;
}

// --- a derivation's LaTeX lines (live_drag.live_latex), drawn with the KaTeX that Streamlit itself ships ---

// Each line is drawn only when its text changed (a drag leaves most of them as they are).  A preview's line keeps
// the size the theme fitted the settled one to (a phone's column); the settled lines are fitted again.
async function renderLatex(v, lines, preview = false) {
  const katex = await loadKatex(v.data.latex.katex);
  if (!v.latexShown || v.latexShown.length !== lines.length) {
    v.root.innerHTML = "";
    for (let i = 0; i < lines.length; i++) v.root.appendChild(document.createElement("div")).className = "rnnviz-latex";
    v.latexShown = new Array(lines.length).fill(null);
  }
  lines.forEach((line, i) => {
    if (v.latexShown[i] === line) return;
    const box = v.root.children[i];
    const fitted = box.querySelector(".katex-display > .katex");
    const size = fitted ? fitted.style.fontSize : "";
    katex.render(line, box, { displayMode: true, throwOnError: false });
    if (preview && size) box.querySelector(".katex-display > .katex").style.fontSize = size;
    for (const [name, old] of KATEX_CLASSES) box.querySelectorAll("." + name).forEach((e) => e.classList.replace(name, old));
    v.latexShown[i] = line;
  });
  if (!preview && window.__rnnvizTheme) window.__rnnvizTheme();  // the theme fits wide equations to a phone
}

// A derivation's preview is drawn at most every LATEX_MS (its newest frame, at the end of each wait): KaTeX builds
// every changed line anew, ~18 ms for the lesson's three and as much again in the page's layout, so at every
// frame it halved the cell page's drag rate.  The charts and the numbers above still follow every frame.
const LATEX_MS = 100;

function latexSoon(v) {
  if (v.latexTimer) return;
  const wait = Math.max(0, (v.latexAt || 0) + LATEX_MS - performance.now());
  v.latexTimer = setTimeout(() => {
    const draw = v.latexNext;
    v.latexTimer = v.latexNext = null;
    v.latexAt = performance.now();
    if (draw) draw();
  }, wait);
}

// Streamlit 1.67 serves KaTeX 0.18 as a module, but its stylesheet (and st.latex) are KaTeX 0.16's, whose names
// for these three classes were shorter: renamed back, the lines look exactly like st.latex's.
const KATEX_CLASSES = [["katex-base", "base"], ["katex-strut", "strut"], ["katex-sizing", "sizing"]];

function loadKatex(path) {
  if (!window.__rnnvizKatex) {
    window.__rnnvizKatex = import(new URL(path, document.baseURI).href).then((module) => module.default);
  }
  return window.__rnnvizKatex;
}

// latex.derivation_template's line with its numbers: slot k (@k@) printed as latex.Printer prints it.
function fillTemplate(line, slots, traces, net, decimals) {
  return line.replace(/@(\d+)@/g, (_, k) => {
    const slot = slots[Number(k)];
    return styled(fmt(slotValue(slot, traces, net), decimals), slot.style);
  });
}

function slotValue(slot, traces, net) {
  switch (slot.q) {
    case "x": return net.x[slot.t][slot.i];
    case "h": case "pre": case "y": case "wx": case "wh": return traces[0][slot.q][slot.t][slot.i];
    default: {  // a parameter of the sidebar's network (its layer 0; W_y, b_y: the top layer)
      const values = net.layers[outputLayer(net, { name: slot.q })][slot.q];
      return slot.j === undefined ? values[slot.i] : values[slot.i][slot.j];
    }
  }
}

// As rnnviz.latex.styled: a "term" takes its sign as the operator, a negative "factor" is bracketed.
function styled(text, style) {
  const negative = text.startsWith("-");
  if (style === "term") return (negative ? " - " : " + ") + (negative ? text.slice(1) : text);
  if (style === "factor") return negative ? "(" + text + ")" : text;
  return text;
}

// The page is previewing while any view shows a preview: style.css fades the numbers that cannot follow.
function previewing(on) {
  const body = document.body;
  if (body.classList.contains("rnnviz-previewing") === on) return;  // a class set again restyles the whole page
  if (on || !document.querySelector('.rnnviz-live-view[data-source="preview"]')) {
    body.classList.toggle("rnnviz-previewing", on);
  }
}

// Split drawing (a chart with bindings, data.moving: the bound traces and any drawn over them; or a knob's frame,
// its patched traces): during a preview the settled chart stays as drawn with those traces and its upper shapes
// hidden, and only they are redrawn, in a bare chart laid over the same plot area: the settled chart's margins and
// axis ranges, no axes, title, legend, colour bar or other traces (a renamed trace's legend text is rewritten in
// place).  At n = 16 that is a fifth of a whole Plotly.react on the chain (its many text labels), a third on the
// phase portrait.  A frame whose points leave an autoranged axis is drawn whole over grown axes (grownAxes).  The
// next whole draw (the engine's numbers) ends it (settle).
async function drawMoving(v, Plotly, traces, moving) {
  const gd = v.root;
  const full = gd._fullLayout;
  if (!v.overlay) {
    v.overlay = document.createElement("div");
    v.overlay.className = "rnnviz-live-overlay";
    v.overlay.hidden = true;
    gd.parentElement.style.position = "relative";  // the overlay's offsets are the chart's within it
    gd.parentElement.appendChild(v.overlay);
  }
  const showing = !v.overlay.hidden;
  // Every frame: the chart may have been resized meanwhile (responsive) and drawn again at its new size.
  Object.assign(v.overlay.style, { left: gd.offsetLeft + "px", top: gd.offsetTop + "px",
                                   width: full.width + "px", height: full.height + "px" });
  v.overlay.hidden = false;
  const data = moving.filter((i) => traces[i]).map((i) => bare(traces[i]));
  const layout = overlayLayout(full, v.fig.layout.shapes);
  const look = overlayLook(data, layout, v.overlay._fullLayout);
  if (showing && look !== null && look === v.overlayLook && movePoints(v.overlay, data)) {
    v.moved = (v.moved || 0) + 1;
  } else {
    await Plotly.react(v.overlay, data, layout, { staticPlot: true });  // (it writes into data: look first)
    v.overlayLook = look;
  }
  renameInLegend(v, traces, moving);
  if (!showing) {  // hidden once the moving layer is drawn over them: no frame without them
    v.hidden = [...gd.querySelectorAll(".mlayer > g")].filter((g) => {
      const cd = g.__data__;
      return cd && cd[0] && cd[0].trace && moving.includes(cd[0].trace.index);
    });
    v.hidden.push(...gd.querySelectorAll(".layer-above .shapelayer"));  // drawn again over the moving traces
    for (const g of v.hidden) g.style.visibility = "hidden";
  }
}

// Moving points in place: when a frame differs from the overlay's last Plotly draw only in its scatter traces' x / y
// values (the same missing points, so the same SVG nodes: overlayLook), each marker's transform and each line
// segment's path are set from the overlay's own axes (c2p, as Plotly places them), without a Plotly.react: its
// fixed cost (defaults, calc, a style pass over every point) was most of a split frame, ~25 ms of the tanh curve's
// at n = 16.  Anything else (a heatmap, text on the chart, a new gap) is drawn by Plotly.
const MOVED_ATTRS = ["x", "y", "text", "hovertext", "hovertemplate", "name"];  // no part of the overlay's look

function overlayLook(data, layout, full) {
  const parts = [layout];
  for (const trace of data) {
    if (trace.type !== "scatter" || /text/.test(trace.mode || "") || trace.fill) return null;
    if (trace.line && trace.line.shape && trace.line.shape !== "linear") return null;
    const rest = Object.assign({}, trace);
    for (const attr of MOVED_ATTRS) delete rest[attr];
    parts.push(rest, missing(trace.x, axis(full, trace.xaxis || "x")), missing(trace.y, axis(full, trace.yaxis || "y")));
  }
  return JSON.stringify(parts);
}

function axis(full, id) {
  return full ? full[axisName(id)] : null;
}

// A trace's axis id ("x2") as its layout key ("xaxis2").
function axisName(id) {
  return id.charAt(0) + "axis" + id.slice(1);
}

// A layout's axis keys (xaxis, yaxis2, ...).
function axisNames(layout) {
  return Object.keys(layout || {}).filter((key) => /^[xy]axis\d*$/.test(key));
}

// Which values a chart leaves out (null, NaN; on a log axis, also those <= 0), as a string of 0 / 1.
function missing(values, ax) {
  return Array.from(values || [], (value) => (value === null || value === undefined || Number.isNaN(value)
    || (ax && ax.type === "log" && !(value > 0)) ? "1" : "0")).join("");
}

function movePoints(ov, data) {
  const full = ov._fullLayout;
  const groups = [...ov.querySelectorAll(".scatterlayer > g.trace")];
  if (!full || groups.length !== data.length) return false;
  const updates = [];
  for (const g of groups) {
    const cd = g.__data__, index = cd && cd[0] && cd[0].trace ? cd[0].trace.index : -1;
    const trace = data[index];
    if (!trace) return false;
    const ft = cd[0].trace, xa = axis(full, ft.xaxis), ya = axis(full, ft.yaxis);
    if (!xa || !ya) return false;
    // A frame's bound arrays are plain; the figure's own (unbound: the same every frame) may still be
    // plotly.py's base64 arrays, which Plotly decoded into the drawn trace.
    const xs = Array.isArray(trace.x) ? trace.x : ft.x, ys = Array.isArray(trace.y) ? trace.y : ft.y;
    const at = (i) => [place(xa, xs[i]), place(ya, ys[i])];
    for (const point of g.querySelectorAll(".points > path.point")) {
      const d = point.__data__;
      if (!d || d.i === undefined) return false;
      const [px, py] = at(d.i);
      if (!Number.isFinite(px) || !Number.isFinite(py)) return false;
      updates.push([point, "transform", "translate(" + px + "," + py + ")"]);
    }
    const lines = g.querySelectorAll(".js-line");
    if (lines.length) {
      const segments = lineSegments(xs.length, at);
      if (segments.length !== lines.length) return false;
      lines.forEach((line, k) => updates.push([line, "d", "M" + segments[k].join("L")]));
    }
  }
  for (const [el, attr, value] of updates) el.setAttribute(attr, value);
  data.forEach((trace, k) => Object.assign(ov.data[k], { x: trace.x, y: trace.y }));  // what it shows
  return true;
}

// A value's pixel on an axis (NaN where the chart leaves it out: c2p takes null for 0).
function place(ax, value) {
  if (value === null || value === undefined || (ax.type === "log" && !(value > 0))) return NaN;
  return ax.c2p(value);
}

// A line's runs of points between gaps (Plotly's connectgaps: false), in pixels.
function lineSegments(count, at) {
  const segments = [];
  let run = null;
  for (let i = 0; i < count; i++) {
    const [px, py] = at(i);
    if (Number.isFinite(px) && Number.isFinite(py)) {
      if (!run) segments.push((run = []));
      run.push(px + "," + py);
    } else {
      run = null;
    }
  }
  return segments;
}

// A trace as the moving layer draws it: no hover, legend entry or colour bar (the settled chart has them).
function bare(trace) {
  const out = Object.assign({}, trace, { hoverinfo: "skip", showlegend: false });
  if (trace.type === "heatmap") out.showscale = false;
  if (trace.marker && trace.marker.colorbar) out.marker = Object.assign({}, trace.marker, { showscale: false });
  return out;
}

function overlayLayout(full, shapes) {
  const size = full._size;
  const layout = { width: full.width, height: full.height, showlegend: false, hovermode: false, dragmode: false,
    paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)",
    margin: { l: size.l, r: size.r, t: size.t, b: size.b, pad: 0, autoexpand: false },
    shapes: (shapes || []).filter((shape) => shape.layer !== "below") };
  for (const name of axisNames(full)) {
    const ax = full[name];
    layout[name] = { type: ax.type, range: ax.range.slice(), domain: ax.domain.slice(), anchor: ax.anchor,
                     visible: false, fixedrange: true };
  }
  return layout;
}

// The axes a figure gives a range of its own (the others are autoranged).
function fixedAxes(layout) {
  return new Set(axisNames(layout).filter((name) => Array.isArray(layout[name].range)
                                                  && layout[name].autorange !== true));
}

// The axis ranges a layout sets, by axis name: what a whole draw was given (a knob's frame that gives the same
// can be split).
function axisRanges(layout) {
  const out = {};
  for (const name of axisNames(layout)) {
    if (layout[name] && layout[name].range) out[name] = layout[name].range.slice();
  }
  return out;
}

// Whether the range outer holds the range inner (either may be reversed).
function holds(outer, inner) {
  return Math.min(...outer) <= Math.min(...inner) && Math.max(...inner) <= Math.max(...outer);
}

// While a drag goes on, autoranged axes only grow, with room to spare: a frame whose changed x / y values leave
// one gets {axis name: range} that holds them plus HEADROOM of the new span on the side they left by (the next
// frames then fit and split); null when they all fit.  Fixed axes clip either way; the release fits them again.
const HEADROOM = 0.2;

function grownAxes(v, traces, changed) {
  const gd = v.root, full = gd._fullLayout;
  if (!full || !gd._fullData) return null;
  let grown = null;
  for (const [trace, attr] of changed) {
    if ((attr !== "x" && attr !== "y") || !gd._fullData[trace]) continue;
    const name = axisName(gd._fullData[trace][attr + "axis"]);
    const ax = full[name];
    if (!ax || v.fixedAxes.has(name)) continue;
    const range = (grown && grown[name]) || ax.range;
    let lo = Math.min(...range), hi = Math.max(...range), below = false, above = false;
    for (const value of [traces[trace][attr]].flat(Infinity)) {
      if (value === null || value === undefined) continue;
      const u = ax.type === "log" ? (value > 0 ? Math.log10(value) : null) : value;
      if (u === null || !Number.isFinite(u)) continue;
      if (u < lo) [lo, below] = [u, true];
      if (u > hi) [hi, above] = [u, true];
    }
    if (!below && !above) continue;
    const pad = HEADROOM * (hi - lo);
    const out = [below ? lo - pad : lo, above ? hi + pad : hi];
    grown = Object.assign(grown || {}, { [name]: range[0] > range[1] ? out.reverse() : out });
  }
  return grown;
}

// A split frame whose moving traces are renamed (the lab's "W_h rescaled (ρ = 2.25)") writes the new names into
// the settled chart's legend; restoreLegend puts the drawn ones back before the next whole draw.
function renameInLegend(v, traces, moving) {
  for (const g of v.root.querySelectorAll(".legend .traces")) {
    const cd = g.__data__, text = g.querySelector(".legendtext");
    const index = cd && cd[0] && cd[0].trace ? cd[0].trace.index : undefined;
    if (!text || !moving.includes(index) || !traces[index] || traces[index].name === undefined) continue;
    v.legend = v.legend || new Map();
    if (!v.legend.has(text)) v.legend.set(text, text.textContent);
    text.textContent = traces[index].name;
  }
}

function restoreLegend(v) {
  for (const [text, content] of v.legend || []) text.textContent = content;
  v.legend = null;
}

// After a whole draw: the settled chart shows everything again and the moving layer goes.
function settle(v) {
  if (!v.overlay || v.overlay.hidden) return;
  for (const g of v.hidden || []) g.style.visibility = "";
  v.hidden = null;
  v.overlay.hidden = true;
}

// A knob's patches arrive once per tab (rnnviz/ui/live_drag.py, _ship_once) and are kept here by id, for every
// view and remount; later runs send only the id.  One missing (the tab lost it) is asked for again.
const FRAMES_KEEP = 16;

function framePatches(frames, setTriggerValue) {
  if (!frames) return null;
  const kept = window.__rnnvizFrames || (window.__rnnvizFrames = new Map());
  if (frames.patches) {
    kept.delete(frames.id);
    kept.set(frames.id, frames.patches);
    while (kept.size > FRAMES_KEEP) kept.delete(kept.keys().next().value);
  }
  const patches = kept.get(frames.id) || null;
  if (!patches) askWhenIdle(() => !kept.get(frames.id) && setTriggerValue("frames_missing", frames.id));
  return patches;
}

// A request sent while the run that found the patches missing was still going left Streamlit's page saying
// "running" for good (twice in ~20 tries on a loaded machine): ask once the page has finished its run
// (Streamlit 1.67's data-test-script-state, which its own tests and tests/browser/harness.py read too).
function askWhenIdle(ask, tries = 100) {
  const app = document.querySelector("[data-testid='stApp']");
  const running = app && app.getAttribute("data-test-script-state") !== "notRunning";
  if (running && tries > 0) setTimeout(() => askWhenIdle(ask, tries - 1), 200);
  else ask();
}

// The sidebar edits layer 0, except W_y and b_y: a stack's output layer sits on its top layer.
function outputLayer(net, target) {
  return target.name === "W_y" || target.name === "b_y" ? net.layers.length - 1 : 0;
}

function baseValue(net, target) {
  const [i, j] = target.index;
  if (target.name === "x") return net.x[i][j];
  if (target.name === "h0") return net.h0s[0] ? net.h0s[0][i] : 0;
  const arr = net.layers[outputLayer(net, target)][target.name];
  if (!arr) return undefined;
  return target.index.length === 2 ? arr[i][j] : arr[i];
}

function withOverrides(net, overrides) {
  const out = { layers: net.layers.map((l) => Object.assign({}, l)), x: net.x, h0s: net.h0s.slice() };
  for (const { target, value } of overrides.values()) {
    const [i, j] = target.index;
    if (target.name === "x") {
      out.x = out.x.map((row) => row.slice());
      out.x[i][j] = value;
    } else if (target.name === "h0") {
      const n = out.layers[0].W_h.length;
      const h0 = out.h0s[0] ? out.h0s[0].slice() : new Array(n).fill(0);
      h0[i] = value;
      out.h0s[0] = h0;
    } else {
      const l = outputLayer(out, target);
      const arr = out.layers[l][target.name].map((row) => (Array.isArray(row) ? row.slice() : row));
      if (target.index.length === 2) arr[i][j] = value;
      else arr[i] = value;
      out.layers[l][target.name] = arr;
    }
  }
  return out;
}

// --- the binding selection: the same as live_state.select (numbers are picked and printed, not computed) ---

function fmt(value, decimals) {
  if (value === null || value === undefined || Number.isNaN(value)) return "";
  const text = value.toFixed(decimals);
  return text.startsWith("-") && Number(text) === 0 ? text.slice(1) : text;
}

function quantity(b, traces, net) {
  const tr = traces[b.layer];
  switch (b.q) {
    case "pre": return tr.pre;
    case "h": return tr.h;
    case "y": return tr.y;
    case "x": return net.x;
    case "proj": {
      const { mean, axes } = b.proj;
      return tr.h.map((h) => axes.map((axis) => {
        let s = 0;
        for (let i = 0; i < h.length; i++) s += (h[i] - mean[i]) * axis[i];
        return s;
      }));
    }
    case "ripple": return ripple(b.ripple, traces, net);
    default: throw new Error("unknown quantity " + b.q);
  }
}

function ripple(spec, traces, net) {
  // analysis.ripple's rerun: the same forward pass with x_t nudged by eps along e, |h'_s - h_s| per step.
  const x = net.x.map((row) => row.slice());
  x[spec.t - 1] = x[spec.t - 1].map((v, j) => v + spec.eps * spec.e[j]);
  const nudged = rnnForward(net.layers.slice(0, 1), x, net.h0s.slice(0, 1))[0];
  return nudged.h.map((h, s) => {
    if (s < spec.t) return [null];
    const d = Math.hypot(...h.map((v, i) => v - traces[0].h[s][i]));
    return [d > 0 ? d : null];
  });
}

function shape(A, op) {
  switch (op) {
    case "T": return A.length ? A[0].map((_, i) => A.map((row) => row[i])) : [];
    case "ravel": return A.flat();
    case "col": return A.map((row) => row[0]);
    case "row":
    case "vector": return A[0];
    case "tri_x": return A[0].flatMap((v) => [v, v, null]);
    case "tri_y": return A[0].flatMap((v) => [0, v, null]);
    case "chain": {
      const n = A[0].length, z = [];
      for (let i = n - 1; i >= 0; i--) {
        const row = [];
        A.forEach((h, s) => {
          if (s > 0) row.push(null);
          row.push(h[i]);
        });
        z.push(row);
      }
      return z;
    }
    default: throw new Error("unknown op " + op);
  }
}

function select(b, traces, net) {
  let A = quantity(b, traces, net).slice(b.rows[0], b.rows[1]);
  if (b.col !== null && b.col !== undefined) A = A.map((row) => [row[b.col]]);
  const values = shape(A, b.op);
  if (!b.fmt) return values;
  const { decimals, pre = "", post = "" } = b.fmt;
  let k = 0;
  const text = (v) => {
    const p = Array.isArray(pre) ? pre[k] : pre;
    k += 1;
    return v === null || v === undefined ? "" : p + fmt(v, decimals) + post;
  };
  if (b.op === "vector") return "[" + values.map(text).join(", ") + "]";
  return values.map((v) => (Array.isArray(v) ? v.map(text) : text(v)));
}
