"""Stacked layers on the simulator pages (heatmaps, chain): the sidebar's network as layer 1, seeded layers above.

The stack itself is ``bridge.stacked_layers(state, L)`` (layer 1 = the sidebar's W_x, W_h, b; layers 2..L
seeded, the output layer W_y, b_y on the top layer) started from ``bridge.stacked_h0`` (the sidebar's h_0 for
layer 1, zeros above).  Everything shown comes from ``engine.forward`` on that list.  Layers are numbered
from 1 on screen (layer 1 reads the inputs x_t, layer l reads layer l-1's h_t).

No streamlit here; ``chain_figures`` builds Plotly figures with ``figures.chain_figure``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from rnnviz import bridge, figures
from rnnviz.engine import RNNParams, Trace, forward
from rnnviz.state import SimState

MAX_LAYERS = bridge.MAX_LAYERS
_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


OVERFLOW = ("A stacked layer's hidden state overflowed to infinity (relu passes large values up the stack). "
            "Lower the spectral radius of W_h, shorten T, or use tanh.")


def stacked_traces(state: SimState, layers: int = 1) -> tuple[list[RNNParams], list[Trace]]:
    """(stack, one Trace per layer), layer 1 first.  At layers=1 exactly ``forward(state.params, x, h0)``.

    Raises OverflowError (message ``OVERFLOW``) when some layer's h_t or y_t is not finite.
    """
    stack = bridge.stacked_layers(state, layers)
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            if len(stack) == 1:
                traces = [forward(stack[0], state.x, state.h0)]
            else:
                traces = forward(stack, state.x, bridge.stacked_h0(state, layers))
        except ValueError as exc:  # a layer above received infinite inputs from the one below
            if "NaN or infinite" not in str(exc):
                raise
            raise OverflowError(OVERFLOW) from None
    if not all_finite(traces):
        raise OverflowError(OVERFLOW)
    return stack, traces


def all_finite(traces: list[Trace]) -> bool:
    """False when some layer's h_t or y_t overflowed (relu with a large spectral radius)."""
    return all(np.isfinite(tr.h).all() and (tr.y is None or np.isfinite(tr.y).all()) for tr in traces)


def symbol(name: str, layer: int, layers: int) -> str:
    """A quantity's name on screen: plain ("h") for one layer, with the layer as a superscript ("h⁽²⁾") in a stack."""
    return name if layers == 1 else f"{name}⁽{str(layer).translate(_SUPERSCRIPTS)}⁾"


def seed_note(state: SimState, layers: int) -> str:
    """The caption that says which layers are the sidebar's and how the others are made."""
    if layers == 1:
        return "One layer: the sidebar's network."
    n = state.n
    above = "layer 2" if layers == 2 else f"layers 2–{layers}"
    out = (f" The output layer W_y, b_y sits on layer {layers}, so y_t = W_y h⁽{layers}⁾_t + b_y."
           if state.k else "")
    return (f"Layer 1 is the sidebar's network (its W_x, W_h, b and h_0). {above.capitalize()} "
            f"{'is' if layers == 2 else 'are'} not editable: seeded {n}×{n} weights W_x, W_h ~ "
            f"N(0, (0.5/√n)²) = N(0, {0.5 / np.sqrt(n):.4g}²) drawn with "
            f"np.random.default_rng([{bridge.STACK_SEED}, l − 1]) for layer l, zero biases, h_0 = 0: the same "
            f"every time, as on the PyTorch page. Layer l's input x_t is layer l−1's h_t." + out)


def io_trace(traces: list[Trace]) -> Trace:
    """The whole network seen from outside: the inputs x_t (layer 1's) and the outputs y_t (the top layer's)."""
    top = traces[-1]
    return Trace(x=traces[0].x, pre=top.pre, h=top.h, y=top.y, activation=top.activation)


def stacked_step_table(stack: list[RNNParams], traces: list[Trace], decimals: int | None = None) -> pd.DataFrame:
    """``figures.step_table`` for the whole stack side by side: x[i], then a⁽ˡ⁾[i], h⁽ˡ⁾[i] per layer, then y[i].

    Index t = 0..T (row 0 holds every layer's h_0).  Layers above the first have no x columns of their own
    (their input is the layer below's h).  One layer: exactly ``figures.step_table``.
    """
    if len(stack) == 1:
        return figures.step_table(stack[0], traces[0], decimals)
    L = len(stack)
    parts = []
    for layer, (p, tr) in enumerate(zip(stack, traces, strict=True), start=1):
        table = figures.step_table(p, tr)
        keep = [c for c in table.columns if not c.startswith("y[") and (layer == 1 or not c.startswith("x["))]
        names = {c: symbol(c[0], layer, L) + c[1:] for c in keep if c[0] in "ah"}
        parts.append(table[keep].rename(columns=names))
    if traces[-1].y is not None:
        top = figures.step_table(stack[-1], traces[-1])
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
                  max_cells: int = 30) -> list[tuple[int, go.Figure]]:
    """[(layer, chain figure)] with the top layer first, so on the page the signal flows upward
    (each layer's h_t feeds the inputs of the chain drawn above it).  One layer: one untouched chain_figure."""
    out = []
    L = len(stack)
    for layer in range(L, 0, -1):
        fig = figures.chain_figure(stack[layer - 1], traces[layer - 1], t, max_cells=max_cells, decimals=decimals)
        if L > 1:
            fig.update_layout(title_text=chain_title(layer, L, fig.layout.title.text))
        out.append((layer, fig))
    return out
