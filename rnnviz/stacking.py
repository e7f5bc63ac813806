"""Stacked layers, NumPy only: the one home of "the current network, stacked" (no plotly, pandas or streamlit).

``stacked_layers(state)`` is the simulator's network as ``state.L`` layers: layer 1 is the state's W_x, W_h, b,
layers 2..L are the state's ``upper`` layers (editable in the sidebar, carried in the link), and the output
layer W_y, b_y (if any) sits on the top layer.  A layer the state does not set (an old link, a new layer)
is ``seeded_layer``: n x n weights N(0, (0.5/sqrt(n))^2) from ``np.random.default_rng([STACK_SEED, l - 1])``
and zero biases.  ``stacked_layers(state, L)`` with another L is the state resized to L layers.  ``stacked_h0`` starts
layer 1 from the state's h_0 and the others from zeros.  Everything shown comes from ``engine.forward`` on
that list.  Layers are numbered from 1 on screen (layer 1 reads the inputs x_t, layer l reads layer l-1's h_t).

Users: the heatmaps and chain pages (``stacked_traces``), the PyTorch page (``rnnviz.torch_bridge``,
``rnnviz.weights_io``), the training page (``MAX_LAYERS``).  Figures of a stack: ``rnnviz.figures.chain``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from rnnviz.engine import RNNParams, Trace, forward

if TYPE_CHECKING:
    from rnnviz.state import SimState

MAX_LAYERS = 3  # the most stacked layers anywhere in the app: simulator, PyTorch page, weight files, training
STACK_SEED = 7
_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")

OVERFLOW = ("A stacked layer's hidden state overflowed to infinity (relu passes large values up the stack). "
            "Lower the spectral radius of W_h, shorten T, or use tanh.")


def seeded_layer(n: int, layer: int) -> dict[str, np.ndarray]:
    """{"W_x", "W_h", "b"} of stacked layer ``layer`` (2..MAX_LAYERS) when nobody set it: seeded, zero bias."""
    rng = np.random.default_rng([STACK_SEED, int(layer) - 1])
    W_x = rng.normal(0.0, 0.5 / math.sqrt(n), (n, n))
    W_h = rng.normal(0.0, 0.5 / math.sqrt(n), (n, n))
    return {"W_x": W_x, "W_h": W_h, "b": np.zeros(n)}


def _check_layers(layers: int) -> int:
    layers = int(layers)
    if not 1 <= layers <= MAX_LAYERS:
        raise ValueError(f"layers must be 1..{MAX_LAYERS}, got {layers}")
    return layers


def stacked_layers(state: SimState, layers: int | None = None) -> list[RNNParams]:
    """The current network as stacked layers, ``state.L`` of them unless ``layers`` says otherwise."""
    layers = state.L if layers is None else _check_layers(layers)
    if layers != state.L:
        from rnnviz.state import resized  # rnnviz.state imports this module

        state = resized(state, L=layers)
    p = state.params
    if layers == 1:
        return [p]
    stack = [RNNParams(W_x=p.W_x, W_h=p.W_h, b=p.b, activation=p.activation)]
    for i, upper in enumerate(state.upper, start=2):
        top = i == layers
        stack.append(RNNParams(W_x=upper.W_x, W_h=upper.W_h, b=upper.b, W_y=p.W_y if top else None,
                               b_y=p.b_y if top else None, activation=p.activation))
    return stack


def stacked_h0(state: SimState, layers: int | None = None) -> np.ndarray:
    """h_0 for ``stacked_layers``: (n,) for one layer, (L, n) with the state's h_0 in row 0 otherwise."""
    layers = state.L if layers is None else _check_layers(layers)
    if layers == 1:
        return np.array(state.h0)
    h0 = np.zeros((layers, state.n))
    h0[0] = state.h0
    return h0


def stacked_network(state: SimState, layers: int | None = None) -> tuple[list[RNNParams], np.ndarray]:
    """(``stacked_layers``, ``stacked_h0``): what the PyTorch code, the cross-check and the weight files hold."""
    return stacked_layers(state, layers), stacked_h0(state, layers)


def stacked_traces(state: SimState, layers: int | None = None) -> tuple[list[RNNParams], list[Trace]]:
    """(stack, one Trace per layer), layer 1 first.  At layers=1 exactly ``forward(state.params, x, h0)``.

    Raises OverflowError (message ``OVERFLOW``) when some layer's h_t or y_t is not finite.
    """
    stack = stacked_layers(state, layers)
    layers = len(stack)
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            if len(stack) == 1:
                traces = [forward(stack[0], state.x, state.h0)]
            else:
                traces = forward(stack, state.x, stacked_h0(state, layers))
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
    return (f"Every layer is the sidebar's network: pick the layer to edit under Weights. {above.capitalize()} "
            f"{'starts' if layers == 2 else 'start'} as seeded {n}×{n} weights W_x, W_h ~ "
            f"N(0, (0.5/√n)²) = N(0, {0.5 / np.sqrt(n):.4g}²) drawn with "
            f"np.random.default_rng([{STACK_SEED}, l − 1]) for layer l and zero biases, until you edit them, with "
            f"h_0 = 0. The link carries every layer. Layer l's input x_t is layer l−1's h_t." + out)


def io_trace(traces: list[Trace]) -> Trace:
    """The whole network seen from outside: the inputs x_t (layer 1's) and the outputs y_t (the top layer's)."""
    top = traces[-1]
    return Trace(x=traces[0].x, pre=top.pre, h=top.h, y=top.y, activation=top.activation)
