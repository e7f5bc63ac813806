"""The vanilla RNN, exactly as the lesson writes it, in pure NumPy.

    a_t = W_h h_{t-1} + W_x x_t + b        pre-activation        (n,)
    h_t = f(a_t)                           hidden state, f = tanh or relu
    y_t = W_y h_t + b_y                    optional output       (k,)

Shapes follow the lesson: W_x is (n, d), W_h (n, n), b (n,), W_y (k, n), b_y (k,).
A single sequence x is (T, d); a batch is (B, T, d), batch first (like PyTorch's
``batch_first=True``).  Internally everything runs time-major, (T, B, n), so each
step of the recurrence touches contiguous memory.

Functions here are pure: no state is kept between calls.  Nothing here imports
streamlit or plotly; every number the app shows comes from this module.

``forward`` and ``backward`` also take a list of ``RNNParams``: stacked layers,
layer l reading layer l-1's hidden states (PyTorch's ``num_layers``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

ACTIVATIONS = ("tanh", "relu")
_FLOAT_DTYPES = (np.float32, np.float64)


def _as_float_array(name: str, value, dtype=None) -> np.ndarray:
    """float64 unless the caller hands float32 (allowed for training)."""
    try:
        arr = np.asarray(value)
        if dtype is None:
            dtype = arr.dtype if arr.dtype in _FLOAT_DTYPES else np.float64
        arr = np.array(arr, dtype=dtype)  # a private copy: params never alias caller data
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of numbers ({exc})") from None
    return arr


def _check_shape(name: str, arr: np.ndarray, expected: tuple[int, ...]) -> None:
    if arr.shape != expected:
        raise ValueError(f"{name} has shape {arr.shape}, expected {expected}")


def _check_finite(name: str, arr: np.ndarray) -> None:
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")


@dataclass(frozen=True, eq=False)
class RNNParams:
    """The shared weights of one RNN layer, validated on construction."""

    W_x: np.ndarray  # (n, d)
    W_h: np.ndarray  # (n, n)
    b: np.ndarray  # (n,)
    W_y: np.ndarray | None = None  # (k, n), None = no output layer
    b_y: np.ndarray | None = None  # (k,), zeros when W_y is given without it
    activation: str = "tanh"

    def __post_init__(self):
        set_ = object.__setattr__  # frozen dataclass: assign the validated copies once
        W_x = _as_float_array("W_x", self.W_x)
        dtype = W_x.dtype
        if W_x.ndim != 2:
            raise ValueError(f"W_x has shape {W_x.shape}, expected (n, d): a 2-D matrix")
        n, d = W_x.shape
        if n < 1 or d < 1:
            raise ValueError(f"W_x has shape {W_x.shape}, expected (n, d) with n, d >= 1")
        W_h = _as_float_array("W_h", self.W_h, dtype)
        b = _as_float_array("b", self.b, dtype)
        _check_shape("W_h", W_h, (n, n))
        _check_shape("b", b, (n,))
        W_y = b_y = None
        if self.W_y is None:
            if self.b_y is not None:
                raise ValueError("b_y is given without W_y: an output layer needs W_y of shape (k, n)")
        else:
            W_y = _as_float_array("W_y", self.W_y, dtype)
            if W_y.ndim != 2 or W_y.shape[1] != n or W_y.shape[0] < 1:
                raise ValueError(f"W_y has shape {W_y.shape}, expected (k, {n}) with k >= 1")
            k = W_y.shape[0]
            b_y = np.zeros(k, dtype) if self.b_y is None else _as_float_array("b_y", self.b_y, dtype)
            _check_shape("b_y", b_y, (k,))
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation is {self.activation!r}, expected one of {ACTIVATIONS}")
        for name, arr in (("W_x", W_x), ("W_h", W_h), ("b", b), ("W_y", W_y), ("b_y", b_y)):
            if arr is not None:
                _check_finite(name, arr)
                arr.flags.writeable = False  # shared weights must not change under a trace
            set_(self, name, arr)

    @property
    def n(self) -> int:
        """Hidden size."""
        return self.W_h.shape[0]

    @property
    def d(self) -> int:
        """Input size."""
        return self.W_x.shape[1]

    @property
    def k(self) -> int:
        """Output size, 0 when there is no output layer."""
        return 0 if self.W_y is None else self.W_y.shape[0]

    @property
    def dtype(self) -> np.dtype:
        return self.W_x.dtype

    @property
    def num_params(self) -> int:
        """n² + nd + n + nk + k, as the lesson counts it: independent of T."""
        n, d, k = self.n, self.d, self.k
        return n * n + n * d + n + n * k + k

    def arrays(self) -> dict[str, np.ndarray]:
        """The parameter arrays by name (only those present)."""
        names = ("W_x", "W_h", "b", "W_y", "b_y")
        return {name: getattr(self, name) for name in names if getattr(self, name) is not None}

    def replace(self, **changes) -> RNNParams:
        """A new, validated RNNParams with some fields changed."""
        fields = {**self.arrays(), "activation": self.activation}
        if "W_y" in changes and changes["W_y"] is None:
            fields.pop("b_y", None)
        fields.update(changes)
        return RNNParams(**fields)

    def __eq__(self, other) -> bool:
        if not isinstance(other, RNNParams):
            return NotImplemented
        mine, theirs = self.arrays(), other.arrays()
        return (
            self.activation == other.activation
            and mine.keys() == theirs.keys()
            and all(np.array_equal(mine[k], theirs[k]) and mine[k].dtype == theirs[k].dtype for k in mine)
        )

    __hash__ = None


@dataclass(frozen=True, eq=False)
class Trace:
    """Everything the forward pass computed; backward reads it instead of recomputing."""

    x: np.ndarray  # (T, d) / (B, T, d)
    pre: np.ndarray  # a_1..a_T: (T, n) / (B, T, n)
    h: np.ndarray  # h_0..h_T: (T+1, n) / (B, T+1, n)
    y: np.ndarray | None  # y_1..y_T: (T, k) / (B, T, k), None without an output layer
    activation: str
    # x time-major with a column of ones, (T*B, d+1): forward gets W_x x_t + b for every step from one
    # matrix product, and backward dW_x and db from another.  Rebuilt from x when missing.
    x_ones: np.ndarray | None = field(default=None, repr=False)

    @property
    def batched(self) -> bool:
        return self.x.ndim == 3


def _inputs_with_ones(xb: np.ndarray) -> np.ndarray:
    """(B, T, d) inputs as time-major rows with a trailing 1: (T*B, d+1)."""
    B, T, d = xb.shape
    x_ones = np.empty((T, B, d + 1), xb.dtype)
    x_ones[..., :d] = xb.transpose(1, 0, 2)
    x_ones[..., d] = 1.0
    return x_ones.reshape(T * B, d + 1)


@dataclass(frozen=True, eq=False)
class Grads:
    """Gradients of a scalar loss L, same shapes as what they differentiate."""

    W_x: np.ndarray
    W_h: np.ndarray
    b: np.ndarray
    W_y: np.ndarray | None
    b_y: np.ndarray | None
    dh: np.ndarray  # total dL/dh_t, t = 0..T: (T+1, n) / (B, T+1, n); dh[0] is dL/dh_0
    pre: np.ndarray  # dL/da_t, t = 1..T
    W_x_used: np.ndarray = field(repr=False, default=None)  # the W_x that maps dL/da_t to dL/dx_t

    @cached_property
    def x(self) -> np.ndarray:
        """dL/dx_t = W_xᵀ dL/da_t: what a layer below would receive.  Computed on first use."""
        return self.pre @ self.W_x_used

    @property
    def h0(self) -> np.ndarray:
        """dL/dh_0."""
        return self.dh[..., 0, :]

    def arrays(self) -> dict[str, np.ndarray]:
        """Parameter gradients by name (only those present), matching RNNParams.arrays()."""
        names = ("W_x", "W_h", "b", "W_y", "b_y")
        return {name: getattr(self, name) for name in names if getattr(self, name) is not None}


# --- the activation and its derivative, written through `out` to avoid temporaries ---

def _activate(activation: str, a: np.ndarray, out: np.ndarray) -> None:
    if activation == "tanh":
        np.tanh(a, out=out)
    else:
        np.maximum(a, 0.0, out=out)


def activation_slope(activation: str, a: np.ndarray, h: np.ndarray) -> np.ndarray:
    """f'(a_t) for all steps at once: tanh' = 1 - h², relu' = [a > 0] (0 at the kink, as PyTorch)."""
    if activation == "tanh":
        slope = np.square(h)
        np.subtract(1.0, slope, out=slope)
        return slope
    return (a > 0).astype(h.dtype)


# --- input checking ---

def _batch_inputs(p: RNNParams, x, h0):
    """x as (B, T, d) and h0 as (B, n) in the params' dtype, plus whether x was batched."""
    x = np.asarray(x)
    if x.ndim not in (2, 3):
        raise ValueError(f"x has shape {x.shape}, expected (T, {p.d}) or (B, T, {p.d})")
    batched = x.ndim == 3
    xb = x if batched else x[None]
    if xb.shape[-1] != p.d:
        expected = f"(B, T, {p.d})" if batched else f"(T, {p.d})"
        raise ValueError(f"x has shape {x.shape}, expected {expected}: the last axis is the input size d={p.d}")
    if xb.shape[1] < 1:
        raise ValueError(f"x has shape {x.shape}: the sequence needs at least one step")
    xb = xb.astype(p.dtype, copy=False)
    _check_finite("x", xb)
    B = xb.shape[0]
    if h0 is None:
        h0b = np.zeros((B, p.n), p.dtype)
    else:
        h0 = np.asarray(h0, dtype=p.dtype)
        expected = (B, p.n) if batched else (p.n,)
        if h0.shape == (p.n,) and batched:  # one initial state for the whole batch
            h0 = np.broadcast_to(h0, expected)
        _check_shape("h0", h0, expected)
        _check_finite("h0", h0)
        h0b = h0 if batched else h0[None]
    return xb, h0b, batched


def _unbatch(arr, batched):
    return arr if (arr is None or batched) else arr[0]


# --- forward ---

def _forward_layer(p: RNNParams, x, h0=None) -> Trace:
    xb, h0b, batched = _batch_inputs(p, x, h0)
    B, T, _ = xb.shape
    # Input projections for every step at once; only W_h h stays inside the loop.
    x_ones = _inputs_with_ones(xb)  # (T*B, d+1)
    W_xb = np.concatenate([p.W_x, p.b[:, None]], axis=1)  # (n, d+1): [W_x | b]
    pre = np.empty((T, B, p.n), p.dtype)  # (T, B, n): each step's rows contiguous
    np.matmul(x_ones, W_xb.T, out=pre.reshape(T * B, p.n))  # W_x x_t + b, all steps
    h = np.empty((T + 1, B, p.n), p.dtype)  # (T+1, B, n)
    h[0] = h0b
    W_hT = np.ascontiguousarray(p.W_h.T)  # BLAS is faster on a contiguous right operand
    Wh_h = np.empty((B, p.n), p.dtype)  # W_h h_{t-1}, reused every step
    for t in range(T):
        np.matmul(h[t], W_hT, out=Wh_h)
        pre[t] += Wh_h
        _activate(p.activation, pre[t], h[t + 1])
    y = None
    if p.W_y is not None:
        y = (h[1:].reshape(T * B, p.n) @ p.W_y.T).reshape(T, B, p.k)  # (T, B, k)
        y += p.b_y
        y = y.transpose(1, 0, 2)
    pre, h = pre.transpose(1, 0, 2), h.transpose(1, 0, 2)  # back to batch first (views)
    return Trace(
        x=_unbatch(xb, batched), pre=_unbatch(pre, batched), h=_unbatch(h, batched),
        y=_unbatch(y, batched), activation=p.activation, x_ones=x_ones,
    )


def forward(p, x, h0=None):
    """Run the RNN over x.  Returns a Trace (or a list of Traces for stacked layers).

    p: RNNParams, or a list of RNNParams (layer 0 first) for stacked layers.
    x: (T, d) one sequence, or (B, T, d) a batch.
    h0: (n,) / (B, n) initial state, zeros when None; for L stacked layers (L, n) / (B, L, n).
    """
    if isinstance(p, RNNParams):
        return _forward_layer(p, x, h0)
    layers = _check_stack(p)
    h0s = _split_stack_h0(layers, x, h0)
    traces, inputs = [], x
    for layer, h0_l in zip(layers, h0s, strict=True):
        tr = _forward_layer(layer, inputs, h0_l)
        traces.append(tr)
        inputs = tr.h[..., 1:, :]
    return traces


# --- backward (backpropagation through time) ---

def _backward_layer(p: RNNParams, tr: Trace, dy=None, dh=None) -> Grads:
    batched = tr.batched
    x = tr.x if batched else tr.x[None]  # (B, T, d)
    B, T, _ = x.shape
    n = p.n
    # Time-major copies: each step of the loop below reads contiguous rows.
    hs = np.ascontiguousarray((tr.h if batched else tr.h[None]).transpose(1, 0, 2))  # (T+1, B, n)
    pres = (tr.pre if batched else tr.pre[None]).transpose(1, 0, 2)  # (T, B, n)
    # dL/dh_t collected from above, then through time; row 0 (dL/dh_0) is written last.
    dh_total = np.empty((T + 1, B, n), p.dtype) if dy is None else np.zeros((T + 1, B, n), p.dtype)
    dW_y = db_y = None
    if dy is not None:
        if p.W_y is None:
            raise ValueError("dy is given but the params have no output layer (W_y is None)")
        dy = np.asarray(dy, p.dtype)
        _check_shape("dy", dy, tr.y.shape)
        dyt = np.ascontiguousarray((dy if batched else dy[None]).transpose(1, 0, 2)).reshape(T * B, p.k)
        dW_y = dyt.T @ hs[1:].reshape(T * B, n)
        db_y = dyt.sum(axis=0)
        np.matmul(dyt, p.W_y, out=dh_total[1:].reshape(T * B, n))
    elif p.W_y is not None:
        dW_y, db_y = np.zeros_like(p.W_y), np.zeros_like(p.b_y)
    if dh is not None:
        dh = np.asarray(dh, p.dtype)
        _check_shape("dh", dh, tr.h.shape[:-2] + (T, n))
        dh_tm = (dh if batched else dh[None]).transpose(1, 0, 2)
        if dy is None:
            np.copyto(dh_total[1:], dh_tm)
        else:
            dh_total[1:] += dh_tm
    # dL/da_t = dL/dh_t * f'(a_t); the slopes are computed for all steps at once, in place.
    dpre = activation_slope(p.activation, pres, hs[1:])  # (T, B, n)
    W_h = p.W_h
    dhnext = np.zeros((B, n), p.dtype)  # what h_t receives from step t+1 (through W_h)
    for t in range(T - 1, -1, -1):
        dh_total[t + 1] += dhnext
        dpre[t] *= dh_total[t + 1]
        np.matmul(dpre[t], W_h, out=dhnext)
    dh_total[0] = dhnext
    # Weight gradients: one matrix product over all (t, b) pairs at once.
    dpre_flat = dpre.reshape(T * B, n)
    x_ones = tr.x_ones if tr.x_ones is not None else _inputs_with_ones(x)
    # Written as (Aᵀ B)ᵀ: OpenBLAS runs this orientation faster than Bᵀ A, same numbers.
    dW_h = (hs[:-1].reshape(T * B, n).T @ dpre_flat).T
    dW_xb = (x_ones.T @ dpre_flat).T  # (n, d+1): [dW_x | db], the ones column sums dL/da_t
    dW_x, db = np.ascontiguousarray(dW_xb[:, :-1]), np.ascontiguousarray(dW_xb[:, -1])
    dh_out = dh_total.transpose(1, 0, 2)
    dpre_out = dpre.transpose(1, 0, 2)
    return Grads(
        W_x=dW_x, W_h=dW_h, b=db, W_y=dW_y, b_y=db_y,
        dh=_unbatch(dh_out, batched), pre=_unbatch(dpre_out, batched), W_x_used=p.W_x,
    )


def backward(p, tr, dy=None, dh=None):
    """Gradients of a loss L given dy = dL/dy_t and/or dh = dL/dh_t (t = 1..T).

    With a list of params and the list of traces from ``forward``, dy and dh refer to
    the top layer; returns one Grads per layer.
    """
    if dy is None and dh is None:
        raise ValueError("backward needs dy (dL/dy) or dh (dL/dh_t for t=1..T), or both")
    if isinstance(p, RNNParams):
        return _backward_layer(p, tr, dy, dh)
    layers = _check_stack(p)
    if not isinstance(tr, (list, tuple)) or len(tr) != len(layers):
        raise ValueError(f"backward got {len(layers)} layers of params but not a list of {len(layers)} traces")
    grads = [None] * len(layers)
    for i in range(len(layers) - 1, -1, -1):
        grads[i] = _backward_layer(layers[i], tr[i], dy, dh)
        dy, dh = None, grads[i].x  # the layer below receives dL/d(its h_t)
    return grads


# --- stacked layers ---

def _check_stack(layers) -> list[RNNParams]:
    layers = list(layers)
    if not layers or not all(isinstance(layer, RNNParams) for layer in layers):
        raise ValueError("stacked layers must be a non-empty list of RNNParams")
    for i in range(1, len(layers)):
        below, above = layers[i - 1], layers[i]
        if above.d != below.n:
            raise ValueError(f"layer {i} has input size d={above.d}, expected layer {i - 1}'s hidden size n={below.n}")
        if below.W_y is not None:
            raise ValueError(f"layer {i - 1} has an output layer; only the last layer may have one")
        if above.dtype != below.dtype:
            raise ValueError(f"layer {i} has dtype {above.dtype}, expected {below.dtype} like layer {i - 1}")
    return layers


def _split_stack_h0(layers, x, h0):
    """h0 of shape (L, n) / (B, L, n) as one initial state per layer (None = zeros)."""
    L = len(layers)
    if h0 is None:
        return [None] * L
    h0 = np.asarray(h0)
    batched = np.ndim(x) == 3
    n_first = layers[0].n
    if any(layer.n != n_first for layer in layers):
        raise ValueError("h0 for stacked layers of different hidden sizes must be None (zeros)")
    expected = (np.shape(x)[0], L, n_first) if batched else (L, n_first)
    _check_shape("h0", h0, expected)
    return [h0[:, i] if batched else h0[i] for i in range(L)]


# --- PyTorch bridge ---

def to_torch_state_dict(p, output_names=False) -> dict[str, np.ndarray]:
    """The arrays PyTorch's nn.RNN(d, n, batch_first=True) holds for the same network.

    PyTorch has two biases per layer; rnnviz's b is bias_ih and bias_hh is zero.
    A list of params gives weight_ih_l{l}... for every layer.  With output_names,
    the output layer is added as nn.Linear's ``weight`` / ``bias`` under "linear.".
    """
    layers = [p] if isinstance(p, RNNParams) else _check_stack(p)
    state = {}
    for i, layer in enumerate(layers):
        state[f"weight_ih_l{i}"] = np.array(layer.W_x)
        state[f"weight_hh_l{i}"] = np.array(layer.W_h)
        state[f"bias_ih_l{i}"] = np.array(layer.b)
        state[f"bias_hh_l{i}"] = np.zeros_like(layer.b)
    top = layers[-1]
    if output_names and top.W_y is not None:
        state["linear.weight"] = np.array(top.W_y)
        state["linear.bias"] = np.array(top.b_y)
    return state
