// The browser's copy of the forward pass: a line-for-line mirror of rnnviz.engine.forward (Python),
// used ONLY to preview the views while a slider is dragged.  On release the server's NumPy result
// replaces every number computed here.  tests/browser/test_forward_mirror.py holds it equal to the
// engine to 1e-12; change both together.
//
//   a_t = W_h h_{t-1} + W_x x_t + b,   h_t = f(a_t) (tanh or relu),   y_t = W_y h_t + b_y
//
// layers: [{W_x: n×d, W_h: n×n, b: n, W_y: k×n | null, b_y: k | null, activation: "tanh" | "relu"}],
//         layer 0 first (a list of one layer is engine.forward(RNNParams, ...)); arrays are nested JS arrays.
// x: T×d; h0s: one initial state per layer (null or missing = zeros).
// Returns one {pre: T×n, h: (T+1)×n, y: T×k | null, wx: T×n, wh: T×n} per layer, like engine.Trace, plus each step's
// two products as analysis.step_terms prints them in the derivation: wx_t = W_x x_t, wh_t = W_h h_{t-1}.
function rnnForward(layers, x, h0s) {
  const traces = [];
  let inputs = x;
  layers.forEach((p, l) => {
    const tr = rnnForwardLayer(p, inputs, h0s ? h0s[l] : null);
    traces.push(tr);
    inputs = tr.h.slice(1);  // the layer above reads h_1..h_T
  });
  return traces;
}

function rnnForwardLayer(p, x, h0) {
  const n = p.W_h.length, T = x.length, relu = p.activation === "relu";
  const pre = [], h = [h0 ? Array.from(h0) : new Array(n).fill(0)], wx = [], wh = [];
  for (let t = 0; t < T; t++) {
    const xt = x[t], hp = h[t], at = new Array(n), ht = new Array(n), wxt = new Array(n), wht = new Array(n);
    for (let i = 0; i < n; i++) {
      // Same grouping as the engine: (W_x x_t + b) first for all steps, then += W_h h_{t-1}.
      const wxRow = p.W_x[i], whRow = p.W_h[i];
      let u = 0;
      for (let j = 0; j < wxRow.length; j++) u += wxRow[j] * xt[j];
      wxt[i] = u;
      u += p.b[i];
      let v = 0;
      for (let j = 0; j < n; j++) v += whRow[j] * hp[j];
      wht[i] = v;
      at[i] = u + v;
      ht[i] = relu ? Math.max(at[i], 0) : Math.tanh(at[i]);
    }
    pre.push(at);
    h.push(ht);
    wx.push(wxt);
    wh.push(wht);
  }
  let y = null;
  if (p.W_y) {
    y = h.slice(1).map((ht) => p.W_y.map((row, i) => {
      let s = 0;
      for (let j = 0; j < n; j++) s += row[j] * ht[j];
      return s + p.b_y[i];
    }));
  }
  return { pre, h, y, wx, wh };
}

if (typeof window !== "undefined") {
  window.rnnForward = rnnForward;
}
