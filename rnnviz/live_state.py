"""What a live view needs in the browser to follow a dragged slider (no streamlit, no plotly imports).

A live view gets, from the server, the settled network (``network_payload``), the settled picture (a
Plotly figure dict or an HTML snippet with the engine's numbers) and *bindings*: which parts of the
picture are which slices of the forward pass.  While a slider is dragged the browser runs
``rnnviz/forward.js`` (the mirror of ``engine.forward``) on the network with the dragged entry changed and
writes the selected slices into the picture; nothing else is computed there.  ``apply_bindings`` is the
same selection in Python: the tests hold "bindings applied to the forward pass at W'" equal to the
figure rebuilt by ``rnnviz.figures`` at W'.

Binding (a dict):
    trace / span   which Plotly trace (index) or HTML span (data-live id) it fills
    attr           the trace attribute ("x", "y", "z", "text"); spans fill their text
    q              "pre", "h" (h_0..h_T), "y", "x" (inputs), "ripple" (|Δh_s| of a nudged rerun), "proj"
                   (h projected with the fixed ``proj`` = {"mean", "axes"} of the settled picture)
    layer          which stacked layer's trace (0 = the sidebar's network)
    rows           [start, stop): rows of q (time)
    col            one column (unit), or None for all
    op             "T" transpose, "ravel" row-major, "col" / "row" 1-D, "tri_x" / "tri_y" connector
                   triplets [v, v, None] / [0, v, None], "chain" the chain's boxes (transposed, rows
                   flipped, a None column between steps), "vector" a bracketed list
    fmt            optional {"decimals", "pre", "post"}: numbers as text, prefix/suffix per element
"""

from __future__ import annotations

import numpy as np

from rnnviz.engine import RNNParams, Trace, forward
from rnnviz.figures.lab import eigenvalue_reach
from rnnviz.figures.simulator import earlier_start

# Live preview budget (issue 11): a drag is followed at >= 20 updates/s up to these sizes.
LIVE_MAX_N = 16
LIVE_MAX_T = 100
RELEASE_NOTE = ("This network is larger than n = {n}, T = {T}: the views update when the slider is released "
                "(while dragging, only the slider moves).")
ENTRY_NAMES = ("W_x", "W_h", "b", "W_y", "b_y", "x", "h0")
PARAM_NAMES = ("W_x", "W_h", "b", "W_y", "b_y")


def live_enabled(n: int, T: int) -> bool:
    """Whether the views follow a drag for this size (otherwise they update on release)."""
    return n <= LIVE_MAX_N and T <= LIVE_MAX_T


def release_note() -> str:
    return RELEASE_NOTE.format(n=LIVE_MAX_N, T=LIVE_MAX_T)


def layer_payload(p: RNNParams) -> dict:
    """One layer as nested lists, the shape forward.js reads."""
    arrays = {name: (None if getattr(p, name) is None else getattr(p, name).tolist()) for name in PARAM_NAMES}
    return {**arrays, "activation": p.activation}


def network_payload(layers: list[RNNParams], x, h0s=None) -> dict:
    """The network a view recomputes: layers (layer 0 = the one the sliders edit), inputs, initial states."""
    x = np.asarray(x, dtype=np.float64)
    if h0s is None:
        h0s = [None] * len(layers)
    return {
        "layers": [layer_payload(p) for p in layers],
        "x": x.tolist(),
        "h0s": [None if h is None else np.asarray(h, dtype=np.float64).tolist() for h in h0s],
    }


def entry_target(name: str, index) -> dict:
    """What a slider edits: an entry of layer 0's W_x, W_h, b, W_y, b_y, or of x (t, j) or h_0 (i); 0-based."""
    if name not in ENTRY_NAMES:
        raise ValueError(f"unknown entry {name!r}, expected one of {ENTRY_NAMES}")
    return {"name": name, "index": [int(i) for i in np.atleast_1d(index)]}


def with_entry(net: dict, target: dict, value: float) -> dict:
    """The network payload with one entry changed (what the browser does on a drag event)."""
    layers = [dict(layer) for layer in net["layers"]]
    x, h0s = net["x"], list(net["h0s"])
    name, index = target["name"], target["index"]
    if name == "x":
        x = [list(row) for row in x]
        x[index[0]][index[1]] = value
    elif name == "h0":
        n = len(layers[0]["W_h"])
        h0 = list(h0s[0]) if h0s[0] is not None else [0.0] * n
        h0[index[0]] = value
        h0s[0] = h0
    else:
        top = len(layers) - 1 if name in ("W_y", "b_y") else 0  # a stack's output layer sits on its top layer
        arr = np.array(layers[top][name], dtype=np.float64)
        arr[tuple(index)] = value
        layers[top][name] = arr.tolist()
    return {"layers": layers, "x": x, "h0s": h0s}


def forward_payload(net: dict) -> list[Trace]:
    """engine.forward on a network payload: what forward.js mirrors (one Trace per layer)."""
    layers = [RNNParams(**{k: v for k, v in layer.items()}) for layer in net["layers"]]
    x = np.array(net["x"], dtype=np.float64)
    h0s = [None if h is None else np.array(h, dtype=np.float64) for h in net["h0s"]]
    if len(layers) == 1:
        return [forward(layers[0], x, h0s[0])]
    stacked_h0 = None if any(h is None for h in h0s) else np.array(h0s)
    if stacked_h0 is None and any(h is not None for h in h0s):
        n = layers[0].n
        stacked_h0 = np.array([np.zeros(n) if h is None else h for h in h0s])
    return forward(layers, x, stacked_h0)


# --------------------------------------------------------------------------- number format

def fmt(value, decimals: int = 4) -> str:
    """As rnnviz.figures.fmt: fixed decimals, no '-0.0000' (JS: toFixed, same digits)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    text = f"{value:.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


# --------------------------------------------------------------------------- bindings

def binding(target: int | str, attr: str, q: str, rows, op: str, layer: int = 0, col: int | None = None,
            fmt_spec: dict | None = None, **extra) -> dict:
    key = "span" if isinstance(target, str) else "trace"
    out = {key: target, "attr": attr, "q": q, "layer": layer, "rows": [int(rows[0]), int(rows[1])], "col": col,
           "op": op}
    if fmt_spec is not None:
        out["fmt"] = fmt_spec
    out.update(extra)
    return out


def _quantity(b: dict, traces: list[Trace], net: dict) -> np.ndarray:
    q, tr = b["q"], traces[b["layer"]]
    if q == "pre":
        return tr.pre
    if q == "h":
        return tr.h
    if q == "y":
        return tr.y
    if q == "x":
        return np.array(net["x"], dtype=np.float64)
    if q == "proj":
        proj = b["proj"]
        return (tr.h - np.array(proj["mean"])) @ np.array(proj["axes"]).T
    if q == "ripple":
        return _ripple(b["ripple"], traces, net)[:, None]
    raise ValueError(f"unknown quantity {q!r}")


def _ripple(spec: dict, traces: list[Trace], net: dict) -> np.ndarray:
    """|Δh_s| after nudging x_t by eps along e: a second forward pass (analysis.ripple's rerun)."""
    t, eps, e = spec["t"], spec["eps"], np.array(spec["e"])
    x = np.array(net["x"], dtype=np.float64)
    x[t - 1] += eps * e
    nudged = forward_payload({**net, "layers": net["layers"][:1], "x": x.tolist(), "h0s": net["h0s"][:1]})[0]
    delta = np.linalg.norm(nudged.h - traces[0].h, axis=1)
    delta[:t] = 0.0
    return np.where(delta > 0, delta, np.nan)


def _shape(A: np.ndarray, op: str):
    if op == "T":
        return A.T
    if op == "ravel":
        return A.ravel()
    if op == "col":
        return A[:, 0]
    if op in ("row", "vector"):
        return A[0]
    if op in ("tri_x", "tri_y"):
        out = np.full(3 * A.shape[1], np.nan)
        out[0::3] = A[0] if op == "tri_x" else 0.0
        out[1::3] = A[0]
        return out
    if op == "chain":
        steps, n = A.shape
        z = np.full((n, 2 * steps - 1), np.nan)
        z[:, ::2] = A.T
        return z[::-1]
    raise ValueError(f"unknown op {op!r}")


def select(b: dict, traces: list[Trace], net: dict):
    """The values one binding writes (numbers, or texts when it has a fmt), NaN for gaps."""
    Q = _quantity(b, traces, net)
    A = Q[b["rows"][0]:b["rows"][1]]
    if b["col"] is not None:
        A = A[:, b["col"]:b["col"] + 1]
    values = _shape(A, b["op"])
    spec = b.get("fmt")
    if spec is None:
        return values
    pre, post = spec.get("pre", ""), spec.get("post", "")
    flat = np.asarray(values, dtype=np.float64).ravel()
    pres = pre if isinstance(pre, list) else [pre] * flat.size
    texts = ["" if np.isnan(v) else f"{p}{fmt(v, spec['decimals'])}{post}" for p, v in zip(pres, flat, strict=True)]
    if b["op"] == "vector":
        return "[" + ", ".join(texts) + "]"
    return np.array(texts, dtype=object).reshape(np.shape(values))


def apply_bindings(figure: dict, bindings: list[dict], traces: list[Trace], net: dict) -> dict:
    """The figure dict with every bound trace attribute replaced (Python twin of the browser's update)."""
    data = [dict(tr) for tr in figure["data"]]
    for b in bindings:
        if "trace" in b:
            data[b["trace"]][b["attr"]] = select(b, traces, net)
    return {**figure, "data": data}


# --------------------------------------------------------------------------- bindings per figure

def tanh_curve_bindings(t: int, n: int, activation: str, decimals: int) -> list[dict]:
    """rnnviz.figures.tanh_curve_figure: earlier points, connectors, a_t on the axis, a_t -> h_t on the curve."""
    first = earlier_start(t, n)
    a_pre = [f"a_{t}[{i + 1}] = " for i in range(n)]
    h_pre = [f"h_{t}[{i + 1}] = {activation}(a_{t}[{i + 1}]) = " for i in range(n)]
    fm = dict(decimals=decimals)
    return [
        binding(1, "x", "pre", (first, t - 1), "ravel"),
        binding(1, "y", "h", (first + 1, t), "ravel"),
        binding(2, "x", "pre", (t - 1, t), "tri_x"),
        binding(2, "y", "h", (t, t + 1), "tri_y"),
        binding(3, "x", "pre", (t - 1, t), "row"),
        binding(3, "text", "pre", (t - 1, t), "row", fmt_spec={**fm, "pre": a_pre}),
        binding(4, "x", "pre", (t - 1, t), "row"),
        binding(4, "y", "h", (t, t + 1), "row"),
        binding(4, "text", "h", (t, t + 1), "row", fmt_spec={**fm, "pre": h_pre}),
    ]


def heatmap_bindings(kind: str, layer: int, T: int) -> list[dict]:
    """rnnviz.figures.heatmap_figure of a_t ("pre") or h_1..h_T ("h"): z is units x time."""
    rows = (0, T) if kind == "pre" else (1, T + 1)
    return [binding(0, "z", kind, rows, "T", layer=layer)]


def sequence_bindings(d: int, k: int, T: int, layer: int) -> list[dict]:
    """rnnviz.figures.sequence_figure: the y_t lines (traces after the d input lines); inputs do not move."""
    return [binding(d + i, "y", "y", (0, T), "col", layer=layer, col=i) for i in range(k)]


# chain_figure's traces a preview redraws by themselves (view.js, drawMoving): the h boxes (1) and the outline
# drawn over them (2); its many text labels and arrows stay as drawn.
CHAIN_MOVING = [1, 2]


def chain_bindings(n: int, lo: int, hi: int, decimals: int, layer: int = 0) -> list[dict]:
    """rnnviz.figures.chain_figure's h boxes (trace 1): h_{lo-1} .. h_hi, unit 1 on top, hover texts."""
    steps = range(lo - 1, hi + 1)
    # text has the same layout as z: rows flipped, gap columns; the prefixes are laid out row by row.
    pre_full = []
    for i in reversed(range(n)):
        for j, s in enumerate(steps):
            pre_full.append(f"h_{s}[{i + 1}] = ")
            if j < len(steps) - 1:
                pre_full.append("")
    return [
        binding(1, "z", "h", (lo - 1, hi + 1), "chain", layer=layer),
        binding(1, "text", "h", (lo - 1, hi + 1), "chain", layer=layer,
                fmt_spec={"decimals": decimals, "pre": pre_full}),
    ]


def phase_bindings(t: int, T: int, mean, axes) -> list[dict]:
    """rnnviz.figures.phase_portrait_figure: the path, the points and the ring, under the settled projection."""
    proj = {"mean": np.asarray(mean, dtype=np.float64).tolist(), "axes": np.asarray(axes, dtype=np.float64).tolist()}
    out = []
    for trace, rows in ((0, (0, T + 1)), (1, (0, T + 1)), (2, (t, t + 1))):
        out.append(binding(trace, "x", "proj", rows, "col", col=0, proj=proj))
        out.append(binding(trace, "y", "proj", rows, "col", col=1, proj=proj))
    return out


# ripple_figure's traces a preview redraws: the rerun line (bound) and the linearised line drawn over it.
RIPPLE_MOVING = [0, 1]


def ripple_bindings(t: int, T: int, eps: float, d: int, unit: int | None = None) -> list[dict]:
    """rnnviz.figures.ripple_figure's rerun line (trace 0) for analysis.ripple(..., t, eps, unit): every input
    nudged (unit None) or the 1-based ``unit``.  The Jacobian (linearised) line updates on release."""
    e = np.ones(d) if unit is None else np.eye(d)[unit - 1]
    spec = {"t": int(t), "eps": float(eps), "e": e.tolist()}
    return [binding(0, "y", "ripple", (0, T + 1), "col", col=0, ripple=spec)]


# --------------------------------------------------------------------------- labels and the cell's numbers

_LABELS = {"W_h": "W_h", "W_x": "W_x", "b": "b", "W_y": "W_y", "b_y": "b_y", "h0": "h_0", "x": "x"}


def entry_label(name: str, index) -> str:
    """The sidebar slider's label of an entry (1-based on screen): W_h[1,2], b[1], x_3[1], h_0[2]."""
    if name == "x":
        return f"x_{index[0] + 1}[{index[1] + 1}]"
    if len(index) == 2:
        return f"{_LABELS[name]}[{index[0] + 1},{index[1] + 1}]"
    return f"{_LABELS[name]}[{index[0] + 1}]"


def bridge_entries(params: RNNParams, x, h0) -> dict[str, tuple[str, tuple[int, ...], float]]:
    """label -> (name, index, settled value) for every entry a sidebar slider may edit."""
    arrays = {**params.arrays(), "x": np.asarray(x), "h0": np.asarray(h0)}
    return {entry_label(name, index): (name, index, float(arr[index]))
            for name, arr in arrays.items() for index in np.ndindex(arr.shape)}


def step_numbers(traces: list[Trace], t: int, activation: str, decimals: int) -> tuple[str, list[dict]]:
    """The cell's numbers at step t as HTML (engine values) + bindings: h_{t-1}, x_t, a_t, h_t, y_t."""
    tr = traces[0]
    rows = [("x", f"x_{t}", (t - 1, t)), ("h", f"h_{t - 1}", (t - 1, t)),
            ("pre", f"a_{t} = W_h h_{t - 1} + W_x x_{t} + b", (t - 1, t)),
            ("h", f"h_{t} = {activation}(a_{t})", (t, t + 1))]
    if tr.y is not None:
        rows.append(("y", f"y_{t} = W_y h_{t} + b_y", (t - 1, t)))
    net_x = {"x": tr.x.tolist()}
    lines, bindings = [], []
    for k, (q, label, span_rows) in enumerate(rows):
        b = binding(f"n{k}", "text", q, span_rows, "vector", fmt_spec={"decimals": decimals})
        value = select(b, traces, net_x)
        lines.append(f'<div><span class="live-label">{label}</span> = <span data-live="n{k}">{value}</span></div>')
        bindings.append(b)
    return '<div class="live-numbers">' + "".join(lines) + "</div>", bindings


# --------------------------------------------------------------------------- the lab's ρ slider: engine frames

def knob_target(name: str) -> dict:
    """A slider that is not a network entry (the lab's ρ): its views show precomputed frames."""
    return {"name": name, "index": []}


def slider_positions(lo: float, hi: float, step: float) -> list[float]:
    """Every value a Streamlit slider (lo..hi by step) can take, as it reports them."""
    count = int(round((hi - lo) / step))
    return [round(lo + k * step, 10) for k in range(count + 1)]


def _listed(values) -> list:
    return [None if not np.isfinite(v) else float(v) for v in np.asarray(values, dtype=np.float64)]


def _positive(values) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(values) & (values > 0), values, np.nan)


def jacobian_patch(trace: int, label: str, norms) -> list[list]:
    """rnnviz.figures.lab.jacobian_figure's curve `trace` set to (label, norms)."""
    return [[trace, "y", _listed(_positive(norms)[::-1])], [trace, "name", label],
            [trace, "hovertemplate", f"{label}: ‖∂h_T/∂h_t‖ at T−t = %{{x}} is %{{y:.4e}}<extra></extra>"]]


def eigenvalue_patch(trace: int, label: str, lam, others=()) -> list[list]:
    """rnnviz.figures.lab.eigenvalue_figure's set `trace` (1 + its index) set to (label, lam); the axis
    ranges follow every set shown (``others``: the eigenvalues of the sets that do not move)."""
    lam = np.asarray(lam, dtype=complex)
    text = [f"{label}: λ = {z.real:.4f} {'+' if z.imag >= 0 else '−'} {abs(z.imag):.4f}i, |λ| = {abs(z):.4f}"
            for z in lam]
    reach = eigenvalue_reach(*others, lam)
    return [[trace, "x", _listed(lam.real)], [trace, "y", _listed(lam.imag)], [trace, "text", text],
            [-1, "xaxis.range", [-reach, reach]], [-1, "yaxis.range", [-reach, reach]]]


def frames_payload(target: str, decimals: int, patches: dict[float, list[list]]) -> dict:
    """What a view needs to follow a knob: the patch of every slider position, keyed as the thumb prints it."""
    return {"target": target, "decimals": decimals,
            "patches": {f"{value:.{decimals}f}": patch for value, patch in patches.items()}}


def apply_patch(figure: dict, patch: list[list]) -> dict:
    """Python twin of the browser's frame update (tests)."""
    data = [dict(tr) for tr in figure["data"]]
    layout = dict(figure["layout"])
    for trace, attr, value in patch:
        if trace == -1:
            axis, key = attr.split(".")
            layout[axis] = {**layout.get(axis, {}), key: value}
        else:
            data[trace][attr] = value
    return {**figure, "data": data, "layout": layout}
