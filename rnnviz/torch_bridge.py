"""PyTorch, side by side with rnnviz: runnable nn.RNN code for the current network, and a torch cross-check.

Nothing here imports streamlit; torch is optional and imported only inside ``compare_with_torch``.
The network (stacked to ``layers``) is ``rnnviz.stacking.stacked_network``; weight files are ``rnnviz.weights_io``.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

import numpy as np

from rnnviz.engine import forward, to_torch_state_dict
from rnnviz.stacking import stacked_network
from rnnviz.state import SimState


def _num(v) -> str:
    """A float as Python source that reads back to exactly the same float64."""
    return repr(float(v))


CODE_WIDTH = 80  # columns: the code box shows about this many at 1440 px before it clips


def _literal(arr, indent: int, start: int | None = None) -> str:
    """A nested Python list literal, one matrix row per line; a row too long for CODE_WIDTH wraps.
    ``start``: the column the literal begins at, when text precedes it on its line (default: indent)."""
    arr = np.asarray(arr)
    if arr.ndim == 1:
        numbers = [_num(v) for v in arr]
        one_line = "[" + ", ".join(numbers) + "]"
        if (indent if start is None else start) + len(one_line) + 16 <= CODE_WIDTH:  # room for ", dtype=dtype)"
            return one_line
        pad, lines, line = " " * (indent + 4), [], ""
        for number in numbers:
            if line and len(pad) + len(line) + len(number) + 2 > CODE_WIDTH:
                lines.append(pad + line.rstrip())
                line = ""
            line += number + ", "
        lines.append(pad + line.rstrip())
        return "[\n" + "\n".join(lines) + "\n" + " " * indent + "]"
    pad = " " * (indent + 4)
    rows = ",\n".join(pad + _literal(row, indent + 4) for row in arr)
    return "[\n" + rows + ",\n" + " " * indent + "]"


_ROLES = {"weight_ih": "W_x", "weight_hh": "W_h", "bias_ih": "b", "bias_hh": "zero: rnnviz has one bias, b"}


def torch_code(state: SimState, layers: int | None = None) -> str:
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
        f"# rnnviz network: d={d} inputs, n={n} hidden units, k={k} outputs,",
        f"# {top.activation}, {L} layer{'s' if L > 1 else ''}, T={T} steps.",
        "# float64 like rnnviz, so the numbers agree to round-off.",
        "dtype = torch.float64",
        f"rnn = nn.RNN(input_size={d}, hidden_size={n}, num_layers={L},",
        f"             nonlinearity={top.activation!r}, batch_first=True, dtype=dtype)",
    ]
    if L > 1:
        lines.insert(5, f"# Layers 2..{L}: the simulator's stacked layers (layer l reads layer l-1's h_t).")
    lines.append(f"linear = nn.Linear({n}, {k}, dtype=dtype)  # y_t = W_y h_t + b_y" if k else
                 "linear = None  # k = 0: no output layer")
    lines += ["", "# PyTorch's names for rnnviz's weights (layer l reads layer l-1's h_t).",
              "state_dict = {"]
    for name, arr in sd.items():
        role = _ROLES[name.rsplit("_", 1)[0]]
        lines.append(f"    # {role}, shape {tuple(arr.shape)}")
        lines.append(f"    {name!r}: {_literal(arr, 4)},")
    lines += ["}", "with torch.no_grad():",
              "    rnn.load_state_dict({name: torch.tensor(v, dtype=dtype)",
              "                         for name, v in state_dict.items()})"]
    if k:
        lines += [f"    # W_y {top.W_y.shape}, b_y",
                  f"    linear.weight.copy_(torch.tensor({_literal(top.W_y, 4)}, dtype=dtype))",
                  f"    linear.bias.copy_(torch.tensor({_literal(top.b_y, 4, start=35)}, dtype=dtype))"]
    h0_rows = np.asarray(h0).reshape(L, n)
    lines += [
        "",
        f"# Inputs x_1..x_T: (batch=1, T={T}, d={d}), batch first.",
        f"x = torch.tensor([{_literal(state.x, 0)}], dtype=dtype)",
        f"# Initial state: (num_layers={L}, batch=1, n={n}).",
        f"h0 = torch.tensor({_literal(h0_rows, 0)}, dtype=dtype).unsqueeze(1)",
        "",
        "with torch.no_grad():",
        "    # output: (1, T, n) = h_1..h_T (top layer); hn: (L, 1, n) = h_T per layer",
        "    output, hn = rnn(x, h0)",
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


ROUND_OFF = 1e-12  # largest relative difference that is still floating-point round-off (float64, T <= 500)


@dataclass(frozen=True)
class CrossCheck:
    """PyTorch against rnnviz, entry by entry over every h_t (top layer), h_T of every layer and every y_t.

    ``gap``: largest difference where both sides are finite, relative to the largest entry of its
    h_t or y_t (and never to less than 1): a relu network that grows to 1e300 differs by 1e285
    from mere round-off, and round-off is relative to the size of the numbers summed.
    ``overflowed``: entries that are infinite or NaN on both sides: the same overflow, equal.
    ``one_sided``: entries that overflowed on one side only: a real difference.
    ``not_computed``: entries rnnviz leaves out because the layer below had already overflowed there
    (rnnviz's engine refuses infinite inputs; PyTorch runs on).
    """

    gap: float
    overflowed: int
    one_sided: int
    not_computed: int

    @property
    def agrees(self) -> bool:
        return self.one_sided == 0 and self.gap < ROUND_OFF


def cross_check(state: SimState, layers: int | None = None) -> CrossCheck | None:
    """Run the network (stacked to ``layers``) in PyTorch and in rnnviz and compare; None without torch.

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
        pairs = [(out[0].numpy(), None), (hn[:, 0].numpy(), None)]
        if top.W_y is not None:
            linear = torch.nn.Linear(n, top.k, dtype=torch.float64)
            linear.weight.copy_(torch.from_numpy(np.array(top.W_y)))
            linear.bias.copy_(torch.from_numpy(np.array(top.b_y)))
            pairs.append((linear(out)[0].numpy(), None))
    hs, y, steps = _our_states(stack, state.x, np.asarray(h0, np.float64).reshape(L, n))
    T = state.T
    rows = np.arange(T)[:, None]
    ours = [(hs[-1], rows < steps[-1]), (np.stack([h[-1] for h in hs]), (np.array(steps) == T)[:, None])]
    if y is not None:
        ours.append((y, rows < steps[-1]))
    return _compare([theirs for theirs, _ in pairs], ours)


def compare_with_torch(state: SimState, layers: int | None = None) -> float | None:
    """The cross-check as one number: its ``gap``, or inf when one side overflowed alone; None without torch."""
    check = cross_check(state, layers)
    if check is None:
        return None
    return np.inf if check.one_sided else check.gap


def _our_states(stack, x, h0) -> tuple[list[np.ndarray], np.ndarray | None, list[int]]:
    """rnnviz's h_1..h_T of every layer, y of the top one, and how many steps of each layer it computed.

    A layer above one that overflowed gets infinite inputs, which the engine refuses; the network is
    causal, so that layer is run on the steps before its first infinite input (NaN after them).
    """
    hs, y, steps, inputs = [], None, [], np.asarray(x, np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        for layer, h0_l in zip(stack, h0, strict=True):
            finite_rows = np.isfinite(inputs).all(axis=1)
            done = len(inputs) if finite_rows.all() else int(np.argmin(finite_rows))
            h = np.full((len(inputs), layer.n), np.nan)
            if layer.W_y is not None:
                y = np.full((len(inputs), layer.k), np.nan)
            if done:
                trace = forward(layer, inputs[:done], h0_l)
                h[:done] = trace.h[1:]
                if y is not None:
                    y[:done] = trace.y
            hs.append(h)
            steps.append(done)
            inputs = h
    return hs, y, steps


def _compare(theirs_list, ours_list) -> CrossCheck:
    """Entry-by-entry comparison of PyTorch's arrays with rnnviz's (array, computed-mask) pairs."""
    gap, overflowed, one_sided, not_computed = 0.0, 0, 0, 0
    for theirs, (ours, computed) in zip(theirs_list, ours_list, strict=True):
        theirs, ours = np.asarray(theirs, np.float64), np.asarray(ours, np.float64)
        computed = np.broadcast_to(computed, ours.shape)
        a_ok, b_ok = np.isfinite(theirs), np.isfinite(ours)
        both = a_ok & b_ok & computed
        if both.any():
            # Round-off is relative to the size of the numbers summed: scale each row (one h_t or y_t)
            # by its largest finite entry on either side, and never by less than 1.
            size = np.where(both, np.maximum(np.abs(np.where(both, theirs, 0)), np.abs(np.where(both, ours, 0))), 0)
            scale = np.maximum(1.0, size.max(axis=-1, keepdims=True))
            gap = max(gap, float(np.max(np.abs(np.where(both, theirs - ours, 0)) / scale)))
        overflowed += int(np.sum(~a_ok & ~b_ok & computed))
        one_sided += int(np.sum((a_ok != b_ok) & computed))
        not_computed += int(np.sum(~computed))
    return CrossCheck(gap=gap, overflowed=overflowed, one_sided=one_sided, not_computed=not_computed)


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


def overflows(state: SimState, layers: int | None = None) -> bool:
    """Whether the network's states or outputs reach infinity in float64 (relu, rho > 1, long inputs)."""
    stack, h0 = stacked_network(state, layers)
    hs, y, steps = _our_states(stack, state.x, np.asarray(h0, np.float64).reshape(len(stack), state.n))
    return min(steps) < state.T or not (all(np.isfinite(h).all() for h in hs) and (y is None or np.isfinite(y).all()))


def summary(check: CrossCheck) -> tuple[bool, str, list[str]]:
    """(agrees, the verdict, notes) in words for the page: overflows both sides share are not differences."""
    notes = []
    if check.overflowed:
        notes.append(f"{check.overflowed:,} entries overflow to infinity (or NaN) in PyTorch and in rnnviz alike "
                     "(relu with a spectral radius above 1 over a long sequence): the same overflow, so they count "
                     "as equal.")
    if check.not_computed:
        notes.append(f"{check.not_computed:,} entries of the upper layers are not compared: the layer below had "
                     "overflowed there, and rnnviz stops a layer at its first infinite input (PyTorch runs on).")
    if check.one_sided:
        return False, (f"At {check.one_sided:,} entries one side overflowed and the other did not: the outputs "
                       "differ."), notes
    if check.gap >= ROUND_OFF:
        return False, f"The outputs differ by more than round-off (largest relative difference {check.gap:.1e}).", notes
    finite = " wherever they are finite" if check.overflowed else ""
    return True, f"Equal up to floating-point round-off{finite}: the code above is this network.", notes
