"""The unrolled chain (chain page), one chain per stacked layer, and the stack's step table (no streamlit).

    chain_figure(params, trace, t, max_cells=12, decimals=4)    one layer; step t's cell ringed ("selected-cell")
    chain_figures(stack, traces, t, decimals=4, max_cells=12)   [(layer, chain figure)], the top layer first
    chain_title(layer, layers, title)                           a chain's title with its layer in front
    stacked_step_table(stack, traces, decimals=None)            ``step_table`` of every layer side by side

The stack itself (NumPy) is ``rnnviz.stacking``.  ``stacked_step_table`` lives here, next to the charts of a
stack, because it is a pandas table built on ``simulator.step_table`` and named with ``stacking.symbol``;
stacking.py stays free of pandas and plotly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from rnnviz.engine import RNNParams, Trace
from rnnviz.figures.simulator import step_table
from rnnviz.figures.style import (
    CELL_FILL,
    COLORS,
    DIVERGING,
    INK,
    MIN_FONT,
    MUTED,
    figure,
    fmt,
    subtitle,
    vector_hover,
)
from rnnviz.stacking import symbol

# --- the unrolled chain ---

H_HALF = 0.12  # half width of an h box; one step is 1.0 wide
WIDE_H_HALF = 0.2  # ... in chains of a few steps: wide enough to print the values inside
MAX_CELLS = 12  # the window of a long chain: at 1,200 px a step is ~100 px, so 12-14 px labels fit
CELL_HALF = 0.16
CELL_TOP = 0.22
NODE_Y = 1.3  # x_t below at -NODE_Y, y_t above at +NODE_Y
LABEL_EVERY = 5  # in windows of more than 15 cells, h_s / x_s / y_s labels on every 5th step (and t)
VALUES_UP_TO = 4  # steps: up to this many (and n <= 4) the values are printed in the squares
SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def chain_window(T: int, t: int, max_cells: int) -> tuple[int, int]:
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


def _h_boxes(trace: Trace, states: np.ndarray, decimals: int, half: float, values: bool) -> go.Heatmap:
    """Every h_s in the window as a column of n colored squares: one heatmap with bin edges, gaps as NaN."""
    n = trace.h.shape[1]
    cols = 2 * len(states) - 1
    z = np.full((n, cols), np.nan)
    text = np.full((n, cols), "", dtype=object)
    z[:, ::2] = trace.h[states].T
    for j, s in enumerate(states):
        text[:, 2 * j] = [f"h_{s}[{i + 1}] = {fmt(v, decimals)}" for i, v in enumerate(trace.h[s])]
    x_edges = np.column_stack([states - half, states + half]).ravel()
    y_edges = np.linspace(-0.5, 0.5, n + 1)
    # Unit 1 on top: the rows go bottom-up in y, so flip them.
    # Few enough squares to read: print each value inside its square too.
    labels = {"texttemplate": f"%{{z:.{decimals}f}}", "textfont": dict(size=MIN_FONT)} if values else {}
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
    """x₅ / h₅ / y₅ under or over its node (Unicode subscripts: full size, where <sub> shrinks to 70 %);
    in dense windows only every LABEL_EVERY-th step and t."""
    return f"{symbol}{str(s).translate(SUBSCRIPT)}" if not dense or s % LABEL_EVERY == 0 or s == t else ""


def _cell_hover(params: RNNParams, trace: Trace, s: int, decimals: int) -> str:
    head = f"step {s}: a_{s} = W_h h_{s - 1} + W_x x_{s} + b, h_{s} = {params.activation}(a_{s})"
    return head + "<br>" + vector_hover("a", s, trace.pre[s - 1], decimals)


def chain_figure(params: RNNParams, trace: Trace, t: int, max_cells: int = MAX_CELLS,
                 decimals: int = 4) -> go.Figure:
    """The unrolled chain h_0 -> [cell, x_1] -> h_1 -> ... -> h_T, step t's cell ringed.

    Geometry: one step is 1.0 wide; h_s is a column of n squares at x = s (colored on the fixed [-1, 1] scale,
    hover h_s[i]); cell s sits at x = s - 0.5 with x_s below it and y_s above h_s (when k > 0).  Every
    recurrent arrow carries the same "W_h" tag, every input arrow "W_x", every output arrow "W_y", every cell "+b".
    For T > max_cells only a window of max_cells steps around t is drawn, with "…" at the cut ends.
    """
    T = trace.pre.shape[0]
    lo, hi = chain_window(T, t, max_cells)
    steps = np.arange(lo, hi + 1)
    states = np.arange(lo - 1, hi + 1)
    cells_x = steps - 0.5
    dense = len(steps) > 15
    font = 14 if len(steps) <= 10 else (13 if not dense else MIN_FONT)  # tags hold <sub>: 14 px keeps them legible
    values = trace.h.shape[1] <= 4 and len(steps) <= VALUES_UP_TO
    half = WIDE_H_HALF if values else H_HALF
    cell_xs, cell_ys = _boxes_outline(cells_x, CELL_HALF, CELL_TOP)
    box_xs, box_ys = _boxes_outline(states, half, 0.5)
    recurrent = [(s - 1 + half + 0.02, 0, s - 0.5 - CELL_HALF - 0.02, 0) for s in steps]
    into_h = [(s - 0.5 + CELL_HALF + 0.02, 0, s - half - 0.02, 0) for s in steps]
    inputs = [(c, -NODE_Y + 0.12, c, -CELL_TOP - 0.03) for c in cells_x]
    data = [
        go.Scatter(x=cell_xs, y=cell_ys, mode="lines", fill="toself", fillcolor=CELL_FILL, name="cells",
                   line=dict(color=MUTED, width=1), hoverinfo="skip", showlegend=False),
        _h_boxes(trace, states, decimals, half, values),
        go.Scatter(x=box_xs, y=box_ys, mode="lines", name="h boxes", line=dict(color=COLORS["h"], width=1.5),
                   hoverinfo="skip", showlegend=False),
        go.Scatter(x=cells_x, y=np.zeros(len(steps)), mode="text" if not dense else "markers", name="cell hover",
                   text=[params.activation] * len(steps), textfont=dict(size=max(font - 1, MIN_FONT), color=MUTED),
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
                   customdata=[vector_hover("x", s, trace.x[s - 1], decimals) for s in steps]),
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
                       customdata=[vector_hover("y", s, trace.y[s - 1], decimals) for s in steps]),
        ]
    ellipses = ([lo - 1 - 0.42] if lo > 1 else []) + ([hi + 0.42] if hi < T else [])
    if ellipses:
        data.append(_tag_trace(ellipses, [0] * len(ellipses), "…", MUTED, "ellipsis", 18))
    # The ring takes in the whole step: W_h arrow and tag, the cell, +b and h_t with its label.
    ring = dict(type="rect", name="selected-cell", xref="x", yref="y", x0=t - 1 + half + 0.04,
                x1=t + half + 0.06, y0=-0.8, y1=0.76, line=dict(color=INK, width=3), layer="above")
    title = subtitle(f"Unrolled RNN: h_0 → … → h_{T}", f"the same W_h, W_x, b in every cell; step {t} ringed")
    if (lo, hi) != (1, T):
        title = subtitle(f"Unrolled RNN, steps {lo}–{hi} of {T}",
                         f"a window of {max_cells} around t = {t}; the same weights in every cell")
    axis = dict(visible=False, showgrid=False, zeroline=False, fixedrange=False)
    return figure(data, title, shapes=[ring], height=360 if trace.y is not None else 300,
                   xaxis=dict(range=[lo - 1.5, hi + 0.5] if lo > 1 else [lo - 1.4, hi + 0.5], **axis),
                   yaxis=dict(range=[-1.65, 1.65] if trace.y is not None else [-1.65, 0.85], **axis),
                   margin=dict(l=10, r=10, t=74, b=10), hovermode="closest")

def stacked_step_table(stack: list[RNNParams], traces: list[Trace], decimals: int | None = None) -> pd.DataFrame:
    """``simulator.step_table`` for the whole stack side by side: x[i], then a⁽ˡ⁾[i], h⁽ˡ⁾[i] per layer, then y[i].

    Index t = 0..T (row 0 holds every layer's h_0).  Layers above the first have no x columns of their own
    (their input is the layer below's h).  One layer: exactly ``simulator.step_table``.
    """
    if len(stack) == 1:
        return step_table(stack[0], traces[0], decimals)
    L = len(stack)
    parts = []
    for layer, (p, tr) in enumerate(zip(stack, traces, strict=True), start=1):
        table = step_table(p, tr)
        keep = [c for c in table.columns if not c.startswith("y[") and (layer == 1 or not c.startswith("x["))]
        names = {c: symbol(c[0], layer, L) + c[1:] for c in keep if c[0] in "ah"}
        parts.append(table[keep].rename(columns=names))
    if traces[-1].y is not None:
        top = step_table(stack[-1], traces[-1])
        parts.append(top[[c for c in top.columns if c.startswith("y[")]])
    table = pd.concat(parts, axis=1)
    return table.round(decimals) if decimals is not None else table


def chain_title(layer: int, layers: int, title: str) -> str:
    """chain_figure's title with the layer in front (unchanged for one layer)."""
    if layers == 1:
        return title
    reads = "reads the inputs x_t" if layer == 1 else f"x_t = layer {layer - 1}'s h_t"
    return f"Layer {layer} of {layers} ({reads}) · " + title


def chain_figures(stack: list[RNNParams], traces: list[Trace], t: int, decimals: int = 4,
                  max_cells: int = MAX_CELLS) -> list[tuple[int, go.Figure]]:
    """[(layer, chain figure)] with the top layer first, so on the page the signal flows upward
    (each layer's h_t feeds the inputs of the chain drawn above it).  One layer: one untouched chain_figure."""
    out = []
    L = len(stack)
    for layer in range(L, 0, -1):
        fig = chain_figure(stack[layer - 1], traces[layer - 1], t, max_cells=max_cells, decimals=decimals)
        if L > 1:
            fig.update_layout(title_text=chain_title(layer, L, fig.layout.title.text))
        out.append((layer, fig))
    return out
