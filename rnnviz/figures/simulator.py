"""The simulator's charts (cell, heatmaps, phase pages) and the tables of numbers behind them (no streamlit).

Rows are units (1-based), columns are time t = 1..T left to right; the selected step is a shape named
``"selected-step"`` (x0 = t - 0.5, x1 = t + 0.5).  Colours, format and ``figure()``: ``rnnviz.figures.style``.

    tanh_curve_figure(trace, t, activation=None, decimals=4)
    heatmap_figure(values, name, kind, t=None, decimals=4, t_start=1)        values (T, n)
    sequence_figure(trace, t=None, decimals=4)
    phase_portrait_figure(coords, labels, t, title_note="", decimals=4, unit_box=None)
    ripple_figure(deltas, t, eps, linearised=None)                         deltas (T+1,) for s = 0..T
Tables (pandas DataFrames with the exact numbers behind the charts):
    step_table(params, trace, decimals=None)   x[i], a[i], h[i], y[i] for t = 0..T (t = 0: h_0 only)
    heatmap_table(values, name, t_start=1), phase_table(coords, labels), ripple_table(ripple_result)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from rnnviz.analysis import SATURATION_THRESHOLD, Ripple
from rnnviz.engine import RNNParams, Trace
from rnnviz.figures.style import (
    AXIS_LINE,
    COLORS,
    CURVE,
    DASHES,
    DIVERGING,
    FAINT_LINE,
    INK,
    LABEL_FILL,
    MUTED,
    NOTE_FONT,
    SATURATION_FILL,
    TIME_BLUES,
    colorbar,
    figure,
    fmt,
    integer_axis,
    log_axis,
    step_band,
    subtitle,
    symmetric_max,
)

HEATMAP_KINDS = ("h", "pre", "grad", "weight")


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
    m = 1.0 if kind == "h" else symmetric_max(values)
    trace = go.Heatmap(
        z=values.T, x=np.arange(t_start, t_start + T), y=np.arange(1, n + 1), colorscale=DIVERGING,
        zmin=-m, zmax=m, zmid=0, colorbar=colorbar(m, name), name=name,
        hovertemplate=f"{name}_%{{x}}[%{{y}}] = %{{z:.{decimals}f}}<extra></extra>",
    )
    label = {"h": "hidden state", "pre": "pre-activation", "grad": "gradient", "weight": "values"}[kind]
    fig = figure([trace], f"{name}: {label}, units × time",
                  # whole steps and units only: no 0.5 ticks on short axes
                  xaxis=dict(title=dict(text="t"), showgrid=False, dtick=1 if T <= 24 else None),
                  yaxis=integer_axis(n, title=dict(text="unit"), autorange="reversed", showgrid=False),
                  height=max(260, min(640, 120 + 9 * n)))
    if t is not None:
        fig.add_shape(step_band(t, outline=True))
    return fig


def heatmap_table(values, name: str, t_start: int = 1) -> pd.DataFrame:
    """The numbers of heatmap_figure: index t, columns name[1..n]."""
    values = np.asarray(values, dtype=np.float64)
    index = pd.Index(np.arange(t_start, t_start + len(values)), name="t")
    return pd.DataFrame(values, index=index, columns=[f"{name}[{i + 1}]" for i in range(values.shape[1])])


# --- the activation curve ---

def _activation(activation: str, a: np.ndarray) -> np.ndarray:
    return np.tanh(a) if activation == "tanh" else np.maximum(a, 0.0)


def _saturation_shapes(activation: str, reach: float) -> list[dict]:
    """Shaded a-ranges where f' is (nearly) zero: |h| > 0.95 for tanh, a < 0 for relu."""
    style = dict(type="rect", name="saturation", xref="x", yref="paper", y0=0, y1=1, layer="below",
                 fillcolor=SATURATION_FILL, line=dict(width=0))
    if activation == "tanh":
        edge = float(np.arctanh(SATURATION_THRESHOLD))
        return [dict(x0=-reach, x1=-edge, **style), dict(x0=edge, x1=reach, **style)]
    return [dict(x0=-reach, x1=0.0, **style)]


EARLIER_STEPS = 100  # the faint a -> h points of the steps before t: at most this many steps,
EARLIER_POINTS = 200  # and this many points (each is an SVG node that a live drag redraws every frame)


def earlier_start(t: int, n: int) -> int:
    """The first step (0-based) whose point tanh_curve_figure draws faint: the last steps before t that fit."""
    return max(0, t - 1 - min(EARLIER_STEPS, max(1, EARLIER_POINTS // n)))


def tanh_curve_figure(trace: Trace, t: int, activation: str | None = None, decimals: int = 4) -> go.Figure:
    """f(a) over a range covering every a_t (at least [-3, 3]); step t's a_t (amber, on the a axis) -> h_t (blue,
    on the curve) with thin connectors; the last steps before t faint (``earlier_start``); saturation zones
    shaded."""
    activation = activation or trace.activation
    pre, h = trace.pre, trace.h[1:]
    reach = max(3.0, 1.1 * float(np.max(np.abs(pre))))
    grid = np.linspace(-reach, reach, 401)
    a_t, h_t = pre[t - 1], h[t - 1]
    n = len(a_t)
    first = earlier_start(t, n)
    connectors_x = np.repeat(a_t, 3).astype(object)
    connectors_x[2::3] = None
    connectors_y = np.column_stack([np.zeros(n), h_t, np.full(n, np.nan)]).ravel().astype(object)
    connectors_y[2::3] = None
    a_hover = [f"a_{t}[{i + 1}] = {fmt(v, decimals)}" for i, v in enumerate(a_t)]
    h_hover = [f"h_{t}[{i + 1}] = {activation}(a_{t}[{i + 1}]) = {fmt(v, decimals)}" for i, v in enumerate(h_t)]
    data = [
        go.Scatter(x=grid, y=_activation(activation, grid), mode="lines", name=f"h = {activation}(a)",
                   line=dict(color=CURVE, width=2), hoverinfo="skip"),
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
    return figure(data, subtitle(f"Step {t}: a_{t} → h_{t} = {activation}(a_{t})", note),
                   shapes=_saturation_shapes(activation, reach), height=380,
                   xaxis=dict(title=dict(text="a (pre-activation)", font=dict(color=COLORS["pre"])),
                              range=[-reach, reach], zeroline=True, zerolinecolor=AXIS_LINE),
                   yaxis=dict(title=dict(text=f"h = {activation}(a)", font=dict(color=COLORS["h"])),
                              zeroline=True, zerolinecolor=AXIS_LINE))


# --- the input / output sequences ---


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
    fig = figure(data, "Inputs x_t" + (" and outputs y_t" if has_y else "") + " over time", **layout)
    if t is not None:
        fig.add_shape(step_band(t, "x", "y domain"))
        if has_y:
            fig.add_shape(step_band(t, "x2", "y2 domain"))
    return fig


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
    return figure(data, subtitle(f"Phase portrait of h_0 … h_{len(coords) - 1}", note), shapes=shapes,
                   height=480,
                   xaxis=dict(title=dict(text=labels[0]), zeroline=True, zerolinecolor=FAINT_LINE),
                   yaxis=dict(title=dict(text=labels[1]), scaleanchor="x", scaleratio=1, zeroline=True,
                              zerolinecolor=FAINT_LINE),
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
    # A marker per step while they are far enough apart to read (and cheap: a live drag redraws each, every frame).
    data = [go.Scatter(x=steps, y=shown, mode="lines+markers" if len(steps) <= 61 else "lines",
                       name="|Δh_s| (rerun)", text=hover, hovertemplate="%{text}<extra></extra>",
                       line=dict(color=COLORS["h"], width=2), marker=dict(size=7))]
    if linearised is not None:
        lin = np.asarray(linearised, dtype=np.float64)
        data.append(go.Scatter(x=steps, y=np.where(lin > 0, lin, np.nan), mode="lines", name="linearised (Jacobians)",
                               line=dict(color=MUTED, width=1.5, dash="dash"),
                               text=[f"linearised |Δh_{s}| = {v:.4e}" for s, v in zip(steps, lin, strict=True)],
                               hovertemplate="%{text}<extra></extra>"))
    zeros = int(np.sum(~positive))
    note = "|Δh_s| = ‖h_s' − h_s‖"
    if zeros:
        states = "1 state" if zeros == 1 else f"{zeros} states"
        note += f"; {states} at 0 (off the log axis)"  # short: the whole subtitle fits a phone's width
    title = subtitle(f"Ripple of a nudge ε = {eps:g} to x_{t}", note)
    fig = figure(data, title, height=360, margin=dict(l=84),
                  xaxis=dict(title=dict(text="s"), range=[-0.5, len(steps) - 0.5]),
                  yaxis=log_axis(shown, title=dict(text="|Δh_s|")) if positive.any()
                  else dict(title=dict(text="|Δh_s|")))
    fig.add_shape(step_band(t))
    fig.add_annotation(x=t + 0.5, y=0.98, xref="x", yref="paper", xanchor="left", yanchor="top", showarrow=False,
                       text=f"x_{t} nudged", font=dict(color=COLORS["x"], size=NOTE_FONT), bgcolor=LABEL_FILL)
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
