"""Plotly figure builders for the simulator pages (no streamlit; every number comes from the engine/analysis).

Conventions (docs/ARCHITECTURE.md, shared/design/visual-language.md): colors from ``COLORS``; diverging
heatmaps use ``RdBu`` reversed (positive red) with ``zmid=0``, h on the fixed range [-1, 1], anything else
on [-m, m] with m on the color bar; rows are units (1-based), columns are time t = 1..T left to right;
hover gives the exact value with its name, e.g. ``h_2[1] = -0.0888``; the selected step is a shape named
``"selected-step"`` (x0 = t - 0.5, x1 = t + 0.5) on time axes and ``"selected-cell"`` ringing the chain's cell.
``decimals`` (4; 3 for "round like the lesson") only changes how numbers are printed.

Builders (all return ``go.Figure``):
    tanh_curve_figure(trace, t, activation=None, decimals=4, max_previous=100)
    chain_figure(params, trace, t, max_cells=30, decimals=4)
    heatmap_figure(values, name, kind, t=None, decimals=4, t_start=1)        values (T, n)
    sequence_figure(trace, t=None, decimals=4)
    phase_portrait_figure(coords, labels, t, title_note="", decimals=4, unit_box=None)
    ripple_figure(deltas, t, eps, linearised=None)                         deltas (T+1,) for s = 0..T
    matrix_heatmap_figure(W, name, row_labels=None, col_labels=None, decimals=4)
Tables (pandas DataFrames with the exact numbers behind the charts):
    step_table(params, trace, decimals=None)   x[i], a[i], h[i], y[i] for t = 0..T (t = 0: h_0 only)
    heatmap_table(values, name, t_start=1), phase_table(coords, labels), ripple_table(ripple_result)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import diverging

from rnnviz.analysis import SATURATION_THRESHOLD, Ripple
from rnnviz.engine import RNNParams, Trace

COLORS = {"x": "#64748b", "pre": "#d97706", "h": "#2563eb", "y": "#059669", "target": "#9ca3af", "grad": "#c026d3"}
INK = "#111827"  # selection rings and outlines
MUTED = "#6b7280"
BAND_FILL = "rgba(17, 24, 39, 0.07)"
# ColorBrewer RdBu runs red -> blue; reversed, positive values are red.
DIVERGING = [[i / (len(diverging.RdBu) - 1), c] for i, c in enumerate(reversed(diverging.RdBu))]
MONO = "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace"

TEMPLATE = go.layout.Template(
    layout=dict(
        paper_bgcolor="white", plot_bgcolor="white",
        font=dict(family="Inter, system-ui, -apple-system, Segoe UI, sans-serif", size=13, color="#1f2937"),
        margin=dict(l=60, r=24, t=78, b=48),
        # Title on the first line, legend on the second: long titles never run into the legend.
        title=dict(font=dict(size=15), x=0.01, xanchor="left", y=0.98, yanchor="top", yref="container"),
        xaxis=dict(gridcolor="#eef0f3", zeroline=False, linecolor="#d1d5db", ticks="outside", tickcolor="#d1d5db"),
        yaxis=dict(gridcolor="#eef0f3", zeroline=False, linecolor="#d1d5db", ticks="outside", tickcolor="#d1d5db"),
        hoverlabel=dict(font=dict(family=MONO, size=12), bgcolor="white"),
        legend=dict(orientation="h", yanchor="bottom", y=1.01, xanchor="left", x=0),
    )
)
HEATMAP_KINDS = ("h", "pre", "grad", "weight")
TIME_BLUES = [[0, "#bfdbfe"], [1, "#1e3a8a"]]  # early -> late states, never as pale as the background


def fmt(value: float, decimals: int = 4) -> str:
    """A number as the pages print it: fixed decimals, no '-0.0000'."""
    text = f"{value:.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _figure(data, title: str, **layout) -> go.Figure:
    fig = go.Figure(data=data, layout=dict(template=TEMPLATE, title=dict(text=title), **layout))
    if "<br>" in title:  # a subtitle line: room for it above the legend, and the first line kept in view
        fig.update_layout(margin_t=(layout.get("margin") or {}).get("t", 78) + 22, title_y=0.99,
                          title_pad_t=14)
    return fig


def _step_band(t: int, xref: str = "x", yref: str = "paper", outline: bool = False) -> dict:
    """The selected-step band on a time axis: filled behind lines, outlined over heatmaps."""
    style = (dict(line=dict(color=INK, width=2), fillcolor="rgba(0,0,0,0)", layer="above") if outline
             else dict(line=dict(width=0), fillcolor=BAND_FILL, layer="below"))
    return dict(type="rect", name="selected-step", xref=xref, yref=yref, x0=t - 0.5, x1=t + 0.5, y0=0, y1=1,
                **style)


def _symmetric_max(values) -> float:
    """m for a symmetric [-m, m] color range (1 when everything is 0)."""
    m = float(np.max(np.abs(values))) if np.size(values) else 0.0
    return m if m > 0 and np.isfinite(m) else 1.0


def _indexed(name: str, t, i: int, size: int) -> str:
    """h_2[1]; the [i] is dropped for scalars (x_2 when d = 1), as the lesson writes them."""
    return f"{name}_{t}" if size == 1 else f"{name}_{t}[{i}]"


def _vector_hover(name: str, t, values, decimals: int, limit: int = 8) -> str:
    """Multi-line hover listing a vector's entries (first `limit`)."""
    lines = [f"{_indexed(name, t, i + 1, len(values))} = {fmt(v, decimals)}" for i, v in enumerate(values[:limit])]
    if len(values) > limit:
        lines.append(f"… ({len(values) - limit} more)")
    return "<br>".join(lines)


# --- heatmaps ---

def heatmap_figure(values, name: str, kind: str, t: int | None = None, decimals: int = 4,
                   t_start: int = 1) -> go.Figure:
    """values (T, n) as units (rows, 1-based, unit 1 on top) x time (columns t_start..).

    kind "h": fixed [-1, 1]; "pre", "grad", "weight": symmetric [-m, m] with m on the color bar.
    One Heatmap trace; hover `name_t[i] = value` from the z values themselves (no duplicated customdata),
    so the JSON stays small (numpy arrays are sent as base64).  Pass t_start=0 for (T+1, n) arrays from h_0.
    """
    if kind not in HEATMAP_KINDS:
        raise ValueError(f"kind is {kind!r}, expected one of {HEATMAP_KINDS}")
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"values has shape {values.shape}, expected (T, n)")
    T, n = values.shape
    m = 1.0 if kind == "h" else _symmetric_max(values)
    colorbar = dict(title=dict(text=name), thickness=12, len=0.9, tickvals=[-m, 0, m],
                    ticktext=[f"-{m:.3g}", "0", f"{m:.3g}"])
    trace = go.Heatmap(
        z=values.T, x=np.arange(t_start, t_start + T), y=np.arange(1, n + 1), colorscale=DIVERGING,
        zmin=-m, zmax=m, zmid=0, colorbar=colorbar, name=name,
        hovertemplate=f"{name}_%{{x}}[%{{y}}] = %{{z:.{decimals}f}}<extra></extra>",
    )
    label = {"h": "hidden state", "pre": "pre-activation", "grad": "gradient", "weight": "values"}[kind]
    fig = _figure([trace], f"{name}: {label}, units × time",
                  # whole steps and units only: no 0.5 ticks on short axes
                  xaxis=dict(title=dict(text="t"), showgrid=False, dtick=1 if T <= 24 else None),
                  yaxis=dict(title=dict(text="unit"), autorange="reversed", showgrid=False,
                             dtick=1 if n <= 8 else None),
                  height=max(260, min(640, 120 + 9 * n)))
    if t is not None:
        fig.add_shape(_step_band(t, outline=True))
    return fig


def heatmap_table(values, name: str, t_start: int = 1) -> pd.DataFrame:
    """The numbers of heatmap_figure: index t, columns name[1..n]."""
    values = np.asarray(values, dtype=np.float64)
    index = pd.Index(np.arange(t_start, t_start + len(values)), name="t")
    return pd.DataFrame(values, index=index, columns=[f"{name}[{i + 1}]" for i in range(values.shape[1])])


def matrix_heatmap_figure(W, name: str, row_labels=None, col_labels=None, decimals: int = 4) -> go.Figure:
    """A small weight matrix (or vector, shown as a column) with its values printed when both sizes <= 8."""
    W = np.asarray(W, dtype=np.float64)
    W = W[:, None] if W.ndim == 1 else W
    rows, cols = W.shape
    row_labels = list(row_labels) if row_labels is not None else [str(i + 1) for i in range(rows)]
    col_labels = list(col_labels) if col_labels is not None else [str(j + 1) for j in range(cols)]
    m = _symmetric_max(W)
    text = [[fmt(v, decimals) for v in row] for row in W]
    hover = [[f"{name}[{i + 1},{j + 1}] = {text[i][j]}" for j in range(cols)] for i in range(rows)]
    printed = max(rows, cols) <= 8
    trace = go.Heatmap(
        z=W, x=col_labels, y=row_labels, colorscale=DIVERGING, zmin=-m, zmax=m, zmid=0, name=name,
        text=text if printed else None, texttemplate="%{text}" if printed else None,
        textfont=dict(family=MONO, size=12), customdata=hover, hovertemplate="%{customdata}<extra></extra>",
        colorbar=dict(thickness=12, tickvals=[-m, 0, m], ticktext=[f"-{m:.3g}", "0", f"{m:.3g}"]),
        xgap=1, ygap=1,
    )
    return _figure([trace], f"{name} ({rows}×{cols})", height=max(200, min(520, 90 + 44 * rows)),
                   xaxis=dict(side="top", showgrid=False, type="category"),
                   yaxis=dict(autorange="reversed", showgrid=False, type="category"),
                   margin=dict(t=70))


# --- the activation curve ---

def _activation(activation: str, a: np.ndarray) -> np.ndarray:
    return np.tanh(a) if activation == "tanh" else np.maximum(a, 0.0)


def _saturation_shapes(activation: str, reach: float) -> list[dict]:
    """Shaded a-ranges where f' is (nearly) zero: |h| > 0.95 for tanh, a < 0 for relu."""
    style = dict(type="rect", name="saturation", xref="x", yref="paper", y0=0, y1=1, layer="below",
                 fillcolor="rgba(156, 163, 175, 0.18)", line=dict(width=0))
    if activation == "tanh":
        edge = float(np.arctanh(SATURATION_THRESHOLD))
        return [dict(x0=-reach, x1=-edge, **style), dict(x0=edge, x1=reach, **style)]
    return [dict(x0=-reach, x1=0.0, **style)]


def tanh_curve_figure(trace: Trace, t: int, activation: str | None = None, decimals: int = 4,
                      max_previous: int = 100) -> go.Figure:
    """f(a) over a range covering every a_t (at least [-3, 3]); step t's a_t (amber, on the a axis) -> h_t (blue,
    on the curve) with thin connectors; the `max_previous` steps before t faint; saturation zones shaded."""
    activation = activation or trace.activation
    pre, h = trace.pre, trace.h[1:]
    reach = max(3.0, 1.1 * float(np.max(np.abs(pre))))
    grid = np.linspace(-reach, reach, 401)
    a_t, h_t = pre[t - 1], h[t - 1]
    n = len(a_t)
    first = max(0, t - 1 - max_previous)
    connectors_x = np.repeat(a_t, 3).astype(object)
    connectors_x[2::3] = None
    connectors_y = np.column_stack([np.zeros(n), h_t, np.full(n, np.nan)]).ravel().astype(object)
    connectors_y[2::3] = None
    a_hover = [f"a_{t}[{i + 1}] = {fmt(v, decimals)}" for i, v in enumerate(a_t)]
    h_hover = [f"h_{t}[{i + 1}] = {activation}(a_{t}[{i + 1}]) = {fmt(v, decimals)}" for i, v in enumerate(h_t)]
    data = [
        go.Scatter(x=grid, y=_activation(activation, grid), mode="lines", name=f"h = {activation}(a)",
                   line=dict(color="#374151", width=2), hoverinfo="skip"),
        go.Scatter(x=pre[first:t - 1].ravel(), y=h[first:t - 1].ravel(), mode="markers", name="earlier steps",
                   marker=dict(color=COLORS["h"], size=6, opacity=0.22), hoverinfo="skip"),
        go.Scatter(x=connectors_x, y=connectors_y, mode="lines", showlegend=False, hoverinfo="skip",
                   line=dict(color=MUTED, width=1, dash="dot")),
        go.Scatter(x=a_t, y=np.zeros(n), mode="markers", name=f"a_{t}", marker=dict(color=COLORS["pre"], size=10),
                   text=a_hover, hovertemplate="%{text}<extra></extra>"),
        go.Scatter(x=a_t, y=h_t, mode="markers", name=f"h_{t}", marker=dict(color=COLORS["h"], size=11),
                   text=h_hover, hovertemplate="%{text}<extra></extra>"),
    ]
    note = "shaded: |h| > 0.95, tanh saturates" if activation == "tanh" else "shaded: a < 0, relu outputs 0"
    return _figure(data, f"Step {t}: a_{t} → h_{t} = {activation}(a_{t})<br><sup>{note}</sup>",
                   shapes=_saturation_shapes(activation, reach), height=380,
                   xaxis=dict(title=dict(text="a (pre-activation)", font=dict(color=COLORS["pre"])),
                              range=[-reach, reach], zeroline=True, zerolinecolor="#d1d5db"),
                   yaxis=dict(title=dict(text=f"h = {activation}(a)", font=dict(color=COLORS["h"])),
                              zeroline=True, zerolinecolor="#d1d5db"))


# --- the input / output sequences ---

DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")


def _sequence_lines(values: np.ndarray, symbol: str, color: str, axes: dict, decimals: int, markers: bool) -> list:
    steps = np.arange(1, len(values) + 1)
    size = values.shape[1]
    lines = []
    for i in range(size):
        label = symbol if size == 1 else f"{symbol}[{i + 1}]"
        name_at = f"{symbol}_%{{x}}" if size == 1 else f"{symbol}_%{{x}}[{i + 1}]"
        lines.append(go.Scatter(
            x=steps, y=values[:, i], mode="lines+markers" if markers else "lines", name=label,
            line=dict(color=color, width=2, dash=DASHES[i % len(DASHES)]), marker=dict(size=6),
            opacity=1.0 - 0.5 * i / max(size - 1, 1), hovertemplate=f"{name_at} = %{{y:.{decimals}f}}<extra></extra>",
            **axes))
    return lines


def sequence_figure(trace: Trace, t: int | None = None, decimals: int = 4) -> go.Figure:
    """x_t (slate, one line per input dim) above y_t (green, one per output) against t, time axis shared."""
    T = trace.x.shape[0]
    markers = T <= 60
    has_y = trace.y is not None
    data = _sequence_lines(trace.x, "x", COLORS["x"], dict(xaxis="x", yaxis="y"), decimals, markers)
    layout = dict(
        xaxis=dict(anchor="y", showticklabels=not has_y, title=dict(text="" if has_y else "t"), range=[0.5, T + 0.5],
                   dtick=1 if T <= 24 else None),
        yaxis=dict(title=dict(text="x_t", font=dict(color=COLORS["x"])), domain=[0.56, 1] if has_y else [0, 1]),
        hovermode="x unified" if T <= 60 else "closest", height=420 if has_y else 260,
    )
    if has_y:
        data += _sequence_lines(trace.y, "y", COLORS["y"], dict(xaxis="x2", yaxis="y2"), decimals, markers)
        layout.update(
            xaxis2=dict(anchor="y2", matches="x", title=dict(text="t"), dtick=1 if T <= 24 else None),
            yaxis2=dict(title=dict(text="y_t", font=dict(color=COLORS["y"])), domain=[0, 0.44]),
        )
    fig = _figure(data, "Inputs x_t" + (" and outputs y_t" if has_y else "") + " over time", **layout)
    if t is not None:
        fig.add_shape(_step_band(t, "x", "y domain"))
        if has_y:
            fig.add_shape(_step_band(t, "x2", "y2 domain"))
    return fig


# --- the unrolled chain ---

H_HALF = 0.12  # half width of an h box; one step is 1.0 wide
CELL_HALF = 0.16
CELL_TOP = 0.22
NODE_Y = 1.3  # x_t below at -NODE_Y, y_t above at +NODE_Y
LABEL_EVERY = 5  # in windows of more than 15 cells, h_s / x_s / y_s labels on every 5th step (and t)


def _chain_window(T: int, t: int, max_cells: int) -> tuple[int, int]:
    """First and last step shown: all of them, or max_cells around t."""
    if T <= max_cells:
        return 1, T
    lo = min(max(1, t - max_cells // 2), T - max_cells + 1)
    return lo, lo + max_cells - 1


def _arrow_trace(segments, color: str, name: str) -> go.Scatter:
    """Arrows as one line trace: (x0, y0, x1, y1) segments, an arrow marker at each end point."""
    xs, ys, sizes = [], [], []
    for x0, y0, x1, y1 in segments:
        xs += [x0, x1, None]
        ys += [y0, y1, None]
        sizes += [0, 11, 0]
    return go.Scatter(x=xs, y=ys, mode="lines+markers", name=name, showlegend=False, hoverinfo="skip",
                      line=dict(color=color, width=1.8),
                      marker=dict(symbol="arrow", angleref="previous", size=sizes, color=color))


def _tag_trace(xs, ys, label: str | list[str], color: str, name: str, size: int,
               position: str = "middle center") -> go.Scatter:
    """The same label on every copy of a shared weight: weight sharing made visible (or one label per point)."""
    text = [label] * len(xs) if isinstance(label, str) else label
    return go.Scatter(x=xs, y=ys, mode="text", text=text, name=name, showlegend=False,
                      hoverinfo="skip", textposition=position, textfont=dict(color=color, size=size))


def _h_boxes(trace: Trace, states: np.ndarray, decimals: int) -> go.Heatmap:
    """Every h_s in the window as a column of n colored squares: one heatmap with bin edges, gaps as NaN."""
    n = trace.h.shape[1]
    cols = 2 * len(states) - 1
    z = np.full((n, cols), np.nan)
    text = np.full((n, cols), "", dtype=object)
    z[:, ::2] = trace.h[states].T
    for j, s in enumerate(states):
        text[:, 2 * j] = [f"h_{s}[{i + 1}] = {fmt(v, decimals)}" for i, v in enumerate(trace.h[s])]
    x_edges = np.column_stack([states - H_HALF, states + H_HALF]).ravel()
    y_edges = np.linspace(-0.5, 0.5, n + 1)
    # Unit 1 on top: the rows go bottom-up in y, so flip them.
    # Few enough squares to read: print each value inside its square too.
    labels = {"texttemplate": f"%{{z:.{decimals}f}}", "textfont": dict(size=11)} if n <= 4 and len(states) <= 12 \
        else {}
    return go.Heatmap(z=z[::-1], text=text[::-1], x=x_edges, y=y_edges, colorscale=DIVERGING, zmin=-1, zmax=1,
                      zmid=0, showscale=False, hoverongaps=False, hovertemplate="%{text}<extra></extra>",
                      name="h_t", xgap=0, ygap=1 if n <= 16 else 0, **labels)


def _boxes_outline(centers, half_w: float, half_h: float) -> tuple[list, list]:
    xs, ys = [], []
    for c in centers:
        xs += [c - half_w, c + half_w, c + half_w, c - half_w, c - half_w, None]
        ys += [-half_h, -half_h, half_h, half_h, -half_h, None]
    return xs, ys


def _step_label(symbol: str, s: int, t: int, dense: bool) -> str:
    """x_s / h_s / y_s under or over its node; in dense windows only every LABEL_EVERY-th step and t."""
    return f"{symbol}<sub>{s}</sub>" if not dense or s % LABEL_EVERY == 0 or s == t else ""


def _cell_hover(params: RNNParams, trace: Trace, s: int, decimals: int) -> str:
    head = f"step {s}: a_{s} = W_h h_{s - 1} + W_x x_{s} + b, h_{s} = {params.activation}(a_{s})"
    return head + "<br>" + _vector_hover("a", s, trace.pre[s - 1], decimals)


def chain_figure(params: RNNParams, trace: Trace, t: int, max_cells: int = 30, decimals: int = 4) -> go.Figure:
    """The unrolled chain h_0 -> [cell, x_1] -> h_1 -> ... -> h_T, step t's cell ringed.

    Geometry: one step is 1.0 wide; h_s is a column of n squares at x = s (colored on the fixed [-1, 1] scale,
    hover h_s[i]); cell s sits at x = s - 0.5 with x_s below it and y_s above h_s (when k > 0).  Every
    recurrent arrow carries the same "W_h" tag, every input arrow "W_x", every output arrow "W_y", every cell "+b".
    For T > max_cells only a window of max_cells steps around t is drawn, with "…" at the cut ends.
    """
    T = trace.pre.shape[0]
    lo, hi = _chain_window(T, t, max_cells)
    steps = np.arange(lo, hi + 1)
    states = np.arange(lo - 1, hi + 1)
    cells_x = steps - 0.5
    dense = len(steps) > 15
    font = 12 if len(steps) <= 10 else (10 if not dense else 9)
    cell_xs, cell_ys = _boxes_outline(cells_x, CELL_HALF, CELL_TOP)
    box_xs, box_ys = _boxes_outline(states, H_HALF, 0.5)
    recurrent = [(s - 1 + H_HALF + 0.02, 0, s - 0.5 - CELL_HALF - 0.02, 0) for s in steps]
    into_h = [(s - 0.5 + CELL_HALF + 0.02, 0, s - H_HALF - 0.02, 0) for s in steps]
    inputs = [(c, -NODE_Y + 0.12, c, -CELL_TOP - 0.03) for c in cells_x]
    data = [
        go.Scatter(x=cell_xs, y=cell_ys, mode="lines", fill="toself", fillcolor="#f3f4f6", name="cells",
                   line=dict(color=MUTED, width=1), hoverinfo="skip", showlegend=False),
        _h_boxes(trace, states, decimals),
        go.Scatter(x=box_xs, y=box_ys, mode="lines", name="h boxes", line=dict(color=COLORS["h"], width=1.5),
                   hoverinfo="skip", showlegend=False),
        go.Scatter(x=cells_x, y=np.zeros(len(steps)), mode="text" if not dense else "markers", name="cell hover",
                   text=[params.activation] * len(steps), textfont=dict(size=font - 1, color=MUTED),
                   marker=dict(size=10, opacity=0), showlegend=False, hovertemplate="%{customdata}<extra></extra>",
                   customdata=[_cell_hover(params, trace, s, decimals) for s in steps]),
        _arrow_trace(recurrent, COLORS["h"], "recurrent arrows"),
        _arrow_trace(into_h, COLORS["h"], "cell outputs"),
        _arrow_trace(inputs, COLORS["x"], "input arrows"),
        _tag_trace([(a[0] + a[2]) / 2 for a in recurrent], [0.62] * len(steps), "W<sub>h</sub>", COLORS["h"],
                   "W_h tags", font),
        _tag_trace(cells_x + 0.04, [-0.98] * len(steps), "W<sub>x</sub>", COLORS["x"], "W_x tags", font,
                   "middle right"),
        _tag_trace(cells_x, [CELL_TOP + 0.14] * len(steps), "+b", COLORS["pre"], "b tags", font),
        go.Scatter(x=cells_x, y=np.full(len(steps), -NODE_Y), mode="markers+text", name="x_t",
                   marker=dict(color=COLORS["x"], size=12, symbol="circle"), showlegend=False,
                   text=[_step_label("x", s, t, dense) for s in steps], textposition="bottom center",
                   textfont=dict(color=COLORS["x"], size=font), hovertemplate="%{customdata}<extra></extra>",
                   customdata=[_vector_hover("x", s, trace.x[s - 1], decimals) for s in steps]),
        _tag_trace(states, [-0.58] * len(states), [_step_label("h", s, t, dense) for s in states], COLORS["h"],
                   "h labels", font, "bottom center"),
    ]
    if trace.y is not None:
        outputs = [(s, 0.5 + 0.03, s, NODE_Y - 0.1) for s in steps]
        data += [
            _arrow_trace(outputs, COLORS["y"], "output arrows"),
            _tag_trace(steps + 0.04, [0.92] * len(steps), "W<sub>y</sub>", COLORS["y"], "W_y tags", font,
                       "middle right"),
            go.Scatter(x=steps, y=np.full(len(steps), NODE_Y), mode="markers+text", name="y_t", showlegend=False,
                       marker=dict(color=COLORS["y"], size=12, symbol="diamond"),
                       text=[_step_label("y", s, t, dense) for s in steps], textposition="top center",
                       textfont=dict(color=COLORS["y"], size=font), hovertemplate="%{customdata}<extra></extra>",
                       customdata=[_vector_hover("y", s, trace.y[s - 1], decimals) for s in steps]),
        ]
    ellipses = ([lo - 1 - 0.42] if lo > 1 else []) + ([hi + 0.42] if hi < T else [])
    if ellipses:
        data.append(_tag_trace(ellipses, [0] * len(ellipses), "…", MUTED, "ellipsis", 18))
    # The ring takes in the whole step: W_h arrow and tag, the cell, +b and h_t with its label.
    ring = dict(type="rect", name="selected-cell", xref="x", yref="y", x0=t - 1 + H_HALF + 0.04,
                x1=t + H_HALF + 0.06, y0=-0.8, y1=0.76, line=dict(color=INK, width=3), layer="above")
    title = f"Unrolled RNN: h_0 → … → h_{T}, the same W_h, W_x, b in every cell (step {t} ringed)"
    if (lo, hi) != (1, T):
        title = (f"Unrolled RNN, steps {lo}–{hi} of {T} (window of {max_cells} around t = {t}); "
                 "same weights in every cell")
    axis = dict(visible=False, showgrid=False, zeroline=False, fixedrange=False)
    return _figure(data, title, shapes=[ring], height=360 if trace.y is not None else 300,
                   xaxis=dict(range=[lo - 1.5, hi + 0.5] if lo > 1 else [lo - 1.4, hi + 0.5], **axis),
                   yaxis=dict(range=[-1.65, 1.65] if trace.y is not None else [-1.65, 0.85], **axis),
                   margin=dict(l=10, r=10, t=52, b=10), hovermode="closest")


# --- phase portrait ---

def phase_portrait_figure(coords, labels, t: int, title_note: str = "", decimals: int = 4,
                          unit_box: bool | None = None) -> go.Figure:
    """The trajectory h_0 -> ... -> h_T in a 2-D projection (analysis.pca_projection), darker = later,
    arrow markers pointing along time, step t ringed, equal aspect.  unit_box draws the [-1, 1]^2 box the
    states of a tanh RNN live in (default: when the axes are the raw h[1], h[2])."""
    coords = np.asarray(coords, dtype=np.float64)
    steps = np.arange(len(coords))
    unit_box = labels[0] == "h[1]" if unit_box is None else unit_box
    hover = [f"h_{s} → ({fmt(x, decimals)}, {fmt(y, decimals)})" for s, (x, y) in zip(steps, coords, strict=True)]
    # Arrows show the direction of time; past 60 points they are too small to read, and a per-point
    # symbol list costs Plotly a validation per point, so long paths use one plain marker.
    symbols = ["circle"] + ["arrow"] * (len(coords) - 1) if len(coords) <= 60 else "circle"
    data = [
        go.Scatter(x=coords[:, 0], y=coords[:, 1], mode="lines", name="path", hoverinfo="skip", showlegend=False,
                   line=dict(color=COLORS["h"], width=1.2)),
        go.Scatter(x=coords[:, 0], y=coords[:, 1], mode="markers", name="h_t", text=hover,
                   hovertemplate="%{text}<extra></extra>", showlegend=False,
                   marker=dict(symbol=symbols, angleref="previous", size=11 if len(coords) <= 60 else 7,
                               color=steps, colorscale=TIME_BLUES, cmin=0, cmax=max(len(coords) - 1, 1),
                               colorbar=dict(title=dict(text="t"), thickness=10, len=0.7))),
        go.Scatter(x=[coords[t, 0]], y=[coords[t, 1]], mode="markers", name=f"h_{t}", hoverinfo="skip",
                   marker=dict(symbol="circle-open", size=20, line=dict(width=3, color=INK), color=INK)),
    ]
    shapes = []
    if unit_box:
        shapes.append(dict(type="rect", name="unit-box", xref="x", yref="y", x0=-1, x1=1, y0=-1, y1=1,
                           line=dict(color=MUTED, width=1, dash="dash"), layer="below"))
    note = title_note or f"axes {labels[0]}, {labels[1]}"
    return _figure(data, f"Phase portrait of h_0 … h_{len(coords) - 1}<br><sup>{note}</sup>", shapes=shapes,
                   height=480,
                   xaxis=dict(title=dict(text=labels[0]), zeroline=True, zerolinecolor="#e5e7eb"),
                   yaxis=dict(title=dict(text=labels[1]), scaleanchor="x", scaleratio=1, zeroline=True,
                              zerolinecolor="#e5e7eb"),
                   legend=dict(visible=False))


def phase_table(coords, labels) -> pd.DataFrame:
    """The numbers of phase_portrait_figure: index t = 0..T, one column per axis."""
    coords = np.asarray(coords, dtype=np.float64)
    return pd.DataFrame(coords, index=pd.Index(np.arange(len(coords)), name="t"), columns=list(labels))


# --- ripple ---

def ripple_figure(deltas, t: int, eps: float, linearised=None) -> go.Figure:
    """|Delta h_s| for s = 0..T on a log axis after nudging x_t by eps.  Exact zeros (every s < t) cannot sit
    on a log axis: they are left out of the line and said in the title."""
    deltas = np.asarray(deltas, dtype=np.float64)
    steps = np.arange(len(deltas))
    positive = deltas > 0
    shown = np.where(positive, deltas, np.nan)
    hover = [f"|Δh_{s}| = {v:.4e}" for s, v in zip(steps, deltas, strict=True)]
    data = [go.Scatter(x=steps, y=shown, mode="lines+markers", name="|Δh_s| (rerun)", text=hover,
                       hovertemplate="%{text}<extra></extra>", line=dict(color=COLORS["h"], width=2),
                       marker=dict(size=7 if len(steps) <= 80 else 4))]
    if linearised is not None:
        lin = np.asarray(linearised, dtype=np.float64)
        data.append(go.Scatter(x=steps, y=np.where(lin > 0, lin, np.nan), mode="lines", name="linearised (Jacobians)",
                               line=dict(color=MUTED, width=1.5, dash="dash"),
                               text=[f"linearised |Δh_{s}| = {v:.4e}" for s, v in zip(steps, lin, strict=True)],
                               hovertemplate="%{text}<extra></extra>"))
    zeros = int(np.sum(~positive))
    title = f"Ripple of a nudge ε = {eps:g} to x_{t}: |Δh_s| = ‖h_s' − h_s‖"
    if zeros:
        title += f"<br><sup>{zeros} states unchanged before the nudge (not drawn on the log axis)</sup>"
    fig = _figure(data, title, height=360, margin=dict(l=84),
                  xaxis=dict(title=dict(text="s"), range=[-0.5, len(steps) - 0.5]),
                  yaxis=dict(title=dict(text="|Δh_s|"), type="log" if positive.any() else "linear",
                             tickformat=".2~e"))
    fig.add_shape(_step_band(t))
    fig.add_annotation(x=t + 0.5, y=0.98, xref="x", yref="paper", xanchor="left", yanchor="top", showarrow=False,
                       text=f"x_{t} nudged", font=dict(color=COLORS["x"], size=11), bgcolor="rgba(255,255,255,0.8)")
    return fig


def ripple_table(result: Ripple) -> pd.DataFrame:
    """The numbers of ripple_figure: index s = 0..T."""
    index = pd.Index(np.arange(len(result.delta)), name="s")
    return pd.DataFrame({"|Δh|": result.delta, "|Δh|/ε": result.sensitivity, "linearised |Δh|": result.linearised},
                        index=index)


# --- the step table ---

def step_table(params: RNNParams, trace: Trace, decimals: int | None = None) -> pd.DataFrame:
    """x_t, a_t, h_t, y_t per step: index t = 0..T, columns x[i], a[i], h[i], y[i] (1-based).
    Row t = 0 holds h_0 (x, a, y are NaN there).  Exact engine values unless `decimals` rounds them."""
    T = trace.pre.shape[0]
    if trace.h.shape[-1] != params.n:
        raise ValueError(f"trace has {trace.h.shape[-1]} hidden units, params have n={params.n}")
    pad = lambda arr: np.vstack([np.full((1, arr.shape[1]), np.nan), arr])  # noqa: E731  (no x, a, y at t = 0)
    blocks = {"x": pad(trace.x), "a": pad(trace.pre), "h": trace.h}
    if trace.y is not None:
        blocks["y"] = pad(trace.y)
    columns = {f"{name}[{i + 1}]": arr[:, i] for name, arr in blocks.items() for i in range(arr.shape[1])}
    table = pd.DataFrame(columns, index=pd.Index(np.arange(T + 1), name="t"))
    return table.round(decimals) if decimals is not None else table
