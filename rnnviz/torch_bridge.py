"""PyTorch, side by side with rnnviz: runnable nn.RNN code for the current network, and a torch cross-check.

Nothing here imports streamlit; torch is optional and imported only inside ``compare_with_torch``.
The network (stacked to ``layers``) is ``rnnviz.stacking.stacked_network``; weight files are ``rnnviz.weights_io``.
"""

from __future__ import annotations

import importlib.util

import numpy as np

from rnnviz.engine import forward, to_torch_state_dict
from rnnviz.stacking import all_finite, stacked_network
from rnnviz.state import SimState


def _num(v) -> str:
    """A float as Python source that reads back to exactly the same float64."""
    return repr(float(v))


def _literal(arr, indent: int) -> str:
    """A nested Python list literal, one matrix row per line."""
    arr = np.asarray(arr)
    if arr.ndim == 1:
        return "[" + ", ".join(_num(v) for v in arr) + "]"
    pad = " " * (indent + 4)
    rows = ",\n".join(pad + _literal(row, indent + 4) for row in arr)
    return "[\n" + rows + ",\n" + " " * indent + "]"


_ROLES = {"weight_ih": "W_x", "weight_hh": "W_h", "bias_ih": "b", "bias_hh": "zero: rnnviz has one bias, b"}


def torch_code(state: SimState, layers: int = 1) -> str:
    """Runnable PyTorch code for the current network (stacked to ``layers``) with its exact numbers.

    Running it defines ``rnn`` (nn.RNN), ``linear`` (nn.Linear or None), ``x`` (1, T, d),
    ``h0`` (L, 1, n), ``output`` (1, T, n) = h_1..h_T of the top layer, ``hn`` (L, 1, n) and
    ``y`` (1, T, k) or None.  Everything is float64, like rnnviz.
    """
    stack, h0 = stacked_network(state, layers)
    top = stack[-1]
    n, d, k, L, T = state.n, state.d, state.k, len(stack), state.T
    sd = to_torch_state_dict(stack)
    lines = [
        "import torch",
        "import torch.nn as nn",
        "",
        f"# rnnviz network: d={d} inputs, n={n} hidden units, k={k} outputs, {top.activation}, "
        f"{L} layer{'s' if L > 1 else ''}, T={T} steps.",
        "# float64 like rnnviz, so the numbers agree to round-off.",
        "dtype = torch.float64",
        f"rnn = nn.RNN(input_size={d}, hidden_size={n}, num_layers={L}, nonlinearity={top.activation!r}, "
        "batch_first=True, dtype=dtype)",
    ]
    if L > 1:
        lines.insert(5, f"# Layers 2..{L}: seeded weights added by the PyTorch bridge page (not in the simulator).")
    lines.append(f"linear = nn.Linear({n}, {k}, dtype=dtype)  # y_t = W_y h_t + b_y" if k else
                 "linear = None  # k = 0: no output layer")
    lines += ["", "# PyTorch's names for rnnviz's weights (layer l reads layer l-1's h_t).", "state_dict = {"]
    for name, arr in sd.items():
        role = _ROLES[name.rsplit("_", 1)[0]]
        lines.append(f"    # {role}, shape {tuple(arr.shape)}")
        lines.append(f"    {name!r}: {_literal(arr, 4)},")
    lines += ["}", "with torch.no_grad():",
              "    rnn.load_state_dict({name: torch.tensor(v, dtype=dtype) for name, v in state_dict.items()})"]
    if k:
        lines += [f"    linear.weight.copy_(torch.tensor({_literal(top.W_y, 4)}, dtype=dtype))  # W_y {top.W_y.shape}",
                  f"    linear.bias.copy_(torch.tensor({_literal(top.b_y, 4)}, dtype=dtype))  # b_y"]
    h0_rows = np.asarray(h0).reshape(L, n)
    lines += [
        "",
        f"# Inputs x_1..x_T: (batch=1, T={T}, d={d}), batch first.",
        f"x = torch.tensor([{_literal(state.x, 0)}], dtype=dtype)",
        f"# Initial state: (num_layers={L}, batch=1, n={n}).",
        f"h0 = torch.tensor({_literal(h0_rows, 0)}, dtype=dtype).unsqueeze(1)",
        "",
        "with torch.no_grad():",
        "    output, hn = rnn(x, h0)  # output: (1, T, n) = h_1..h_T (top layer); hn: (L, 1, n) = h_T per layer",
        "    y = linear(output) if linear is not None else None  # (1, T, k)",
        "",
        "print(output[0])  # row t-1 is h_t",
    ]
    if k:
        lines.append("print(y[0])  # row t-1 is y_t")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- the torch cross-check

def torch_available() -> bool:
    """Whether torch can be imported (without importing it)."""
    try:
        return importlib.util.find_spec("torch") is not None
    except (ImportError, ValueError):  # e.g. sys.modules["torch"] = None blocks it
        return False


def compare_with_torch(state: SimState, layers: int = 1) -> float | None:
    """Largest |PyTorch - rnnviz| over every h_t (top layer), h_T of every layer and y_t; None without torch.

    Builds nn.RNN (+ nn.Linear) from ``to_torch_state_dict`` in float64 and runs it on the state's
    inputs from its h_0, exactly what ``torch_code`` writes out.
    """
    try:
        import torch
    except ImportError:
        return None
    stack, h0 = stacked_network(state, layers)
    top = stack[-1]
    L, n = len(stack), state.n
    rnn = torch.nn.RNN(state.d, n, num_layers=L, nonlinearity=top.activation, batch_first=True,
                       dtype=torch.float64)
    rnn.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in to_torch_state_dict(stack).items()})
    with torch.no_grad():
        out, hn = rnn(torch.from_numpy(np.array(state.x))[None],
                      torch.from_numpy(np.asarray(h0, np.float64).reshape(L, 1, n)))
        y = None
        if top.W_y is not None:
            linear = torch.nn.Linear(n, top.k, dtype=torch.float64)
            linear.weight.copy_(torch.from_numpy(np.array(top.W_y)))
            linear.bias.copy_(torch.from_numpy(np.array(top.b_y)))
            y = linear(out)[0].numpy()
    traces = forward(stack, state.x, np.asarray(h0, np.float64).reshape(L, n))
    diffs = [_gap(out[0].numpy(), traces[-1].h[1:]),
             max(_gap(hn[i, 0].numpy(), tr.h[-1]) for i, tr in enumerate(traces))]
    if y is not None:
        diffs.append(_gap(y, traces[-1].y))
    return float(max(diffs))


def _gap(theirs, ours) -> float:
    """Largest |theirs - ours|; an infinity or NaN both sides share (an overflow) counts as equal."""
    theirs, ours = np.asarray(theirs, np.float64), np.asarray(ours, np.float64)
    with np.errstate(invalid="ignore"):
        same = (theirs == ours) | (np.isnan(theirs) & np.isnan(ours))
        gaps = np.where(same, 0.0, np.abs(theirs - ours))
    if not gaps.size:
        return 0.0
    largest = float(gaps.max())
    return np.inf if np.isnan(largest) else largest


def overflows(state: SimState, layers: int = 1) -> bool:
    """Whether the network's states or outputs reach infinity in float64 (relu, rho > 1, long inputs)."""
    stack, h0 = stacked_network(state, layers)
    traces = forward(stack, state.x, np.asarray(h0, np.float64).reshape(len(stack), state.n))
    return not all_finite(traces)
