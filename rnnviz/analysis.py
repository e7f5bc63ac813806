"""Derived numbers for the simulator views, all computed from ``rnnviz.engine`` (NumPy only).

Shapes: n hidden units, d inputs, k outputs, T steps.  Steps t are 1-based (t = 1..T, as the
lesson writes x_1, h_1, ...); state indices s run 0..T because h_0 is part of every trace.
Unit numbers passed in by callers (``unit=``) are 1-based like the labels the pages show.

    spectral_radius(W) -> float                         max |eigenvalue|
    eigenvalues(W) -> (n,) complex                      sorted by |lambda|, largest first
    lesson_rounded_forward(params, x, h0=None, decimals=3, rounding="floor") -> dict
    step_terms(params, trace, t) -> dict                the pieces of a_t = W_h h_{t-1} + W_x x_t + b
    pca_projection(hs) -> Projection                    fixed 2-D view of h_0..h_T
    ripple(params, x, h0, t, eps=1e-3, unit=None) -> Ripple
    jacobian_norms(params, trace, t_end=None, norm="spectral") -> (T+1,)
    saturation_fraction(trace, threshold=0.95) -> (T,)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnviz.engine import RNNParams, Trace, activation_slope, forward

# |h| above this counts as saturated: tanh' = 1 - h^2 < 0.1 there, so gradients barely pass.
SATURATION_THRESHOLD = 0.95


# --- weight matrices ---

def eigenvalues(W) -> np.ndarray:
    """Eigenvalues of a square matrix W (n, n), complex, sorted by modulus, largest first."""
    lam = np.linalg.eigvals(np.asarray(W, dtype=np.float64)).astype(complex)
    return lam[np.argsort(-np.abs(lam), kind="stable")]


def spectral_radius(W) -> float:
    """max |lambda_i(W)|: above 1 the linearised recurrence h -> W_h h grows, below 1 it decays.

    Raises ValueError for a matrix that is not square, empty or not finite."""
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 2 or W.shape[0] != W.shape[1] or W.shape[0] == 0:
        raise ValueError(f"spectral radius needs a square matrix, got shape {W.shape}")
    if not np.all(np.isfinite(W)):
        raise ValueError("spectral radius needs finite values")
    return float(np.abs(eigenvalues(W)).max())


# --- the lesson's hand arithmetic ---

ROUNDING_RULES = ("floor", "nearest")


def _round_to(values: np.ndarray, decimals: int, rounding: str) -> np.ndarray:
    """Keep `decimals` decimals, like writing a number down by hand.

    The value is first snapped to 9 decimals so binary noise (0.61 - 0.8 + 0.1 = -0.0900000000000002)
    does not push a floor down by one unit of the last kept digit.
    """
    scaled = np.round(np.asarray(values, dtype=np.float64) * 10.0**decimals, 9)
    kept = np.floor(scaled) if rounding == "floor" else np.round(scaled)
    return kept / 10.0**decimals + 0.0  # + 0.0 turns -0.0 into 0.0


def lesson_rounded_forward(params: RNNParams, x, h0=None, decimals: int = 3, rounding: str = "floor") -> dict:
    """The forward pass done the lesson's way: every intermediate written down with `decimals` decimals.

    Each of W_h h_{t-1}, W_x x_t, a_t, h_t (and y_t) is rounded before it is used in the next line,
    so errors compound the way they do on paper.

    rounding: "floor" (keep the digits, rounding toward -inf) is the single rule that reproduces the
    lesson's printed numbers: h_1 = [0.935, 0.716], W_h h_1 = [0.610, 0.710] (0.6107 -> 0.610),
    a_2 = [-0.090, 0.410], h_2[1] = -0.090.  "nearest" is ordinary rounding (gives W_h h_1[1] = 0.611).
    No rule gives the lesson's h_2[2] = 0.389: tanh(0.410) = 0.38847, so it prints 0.388 here;
    the lesson's 0.389 is the exact value 0.3888 rounded.

    Returns a dict of arrays: Wh_h (T, n), Wx_x (T, n), pre (T, n), h (T+1, n) incl. h_0,
    y (T, k) or None.
    """
    if rounding not in ROUNDING_RULES:
        raise ValueError(f"rounding is {rounding!r}, expected one of {ROUNDING_RULES}")
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != params.d:
        raise ValueError(f"x has shape {x.shape}, expected (T, {params.d})")
    T, n = x.shape[0], params.n
    keep = lambda v: _round_to(v, decimals, rounding)  # noqa: E731
    h = np.empty((T + 1, n))
    h[0] = np.zeros(n) if h0 is None else keep(np.asarray(h0, dtype=np.float64))
    Wh_h, Wx_x, pre = np.empty((T, n)), np.empty((T, n)), np.empty((T, n))
    for t in range(T):
        Wh_h[t] = keep(params.W_h @ h[t])
        Wx_x[t] = keep(params.W_x @ x[t])
        pre[t] = keep(Wh_h[t] + Wx_x[t] + params.b)
        h[t + 1] = keep(np.tanh(pre[t]) if params.activation == "tanh" else np.maximum(pre[t], 0.0))
    y = None if params.W_y is None else keep(h[1:] @ params.W_y.T + params.b_y)
    return {"Wh_h": Wh_h, "Wx_x": Wx_x, "pre": pre, "h": h, "y": y}


# --- one step of the derivation ---

def _check_step(trace: Trace, t: int) -> int:
    T = trace.pre.shape[0]
    if not 1 <= t <= T:
        raise ValueError(f"step t={t} is outside 1..{T}")
    return T


def step_terms(params: RNNParams, trace: Trace, t: int) -> dict:
    """The pieces of step t (1..T) of an unbatched trace, for printing the derivation.

    Keys: x (d,), h_prev = h_{t-1} (n,), Wh_h = W_h h_{t-1} (n,), Wx_x = W_x x_t (n,), b (n,),
    pre = a_t (n,), h = h_t (n,), y = y_t (k,) or None.
    Summed in the engine's order, (W_x x_t + b) + W_h h_{t-1}, so `pre` matches trace.pre to the ulp.
    """
    _check_step(trace, t)
    x_t, h_prev = trace.x[t - 1], trace.h[t - 1]
    Wh_h, Wx_x = params.W_h @ h_prev, params.W_x @ x_t
    pre = (Wx_x + params.b) + Wh_h
    return {
        "x": x_t, "h_prev": h_prev, "Wh_h": Wh_h, "Wx_x": Wx_x, "b": params.b, "pre": pre,
        "h": trace.h[t], "y": None if trace.y is None else trace.y[t - 1],
    }


# --- phase portrait projection ---

@dataclass(frozen=True)
class Projection:
    """A fixed 2-D view of the hidden states h_0..h_T.

    coords (T+1, 2); labels: the two axis titles; explained: variance ratio of the two axes
    (None unless PCA); components (2, n) and mean (n,) map h to coords: (h - mean) @ components.T.
    """

    coords: np.ndarray
    labels: tuple[str, str]
    explained: np.ndarray | None
    components: np.ndarray
    mean: np.ndarray
    method: str  # "identity", "pca" or "line"


def _pca_components(centered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Top two principal directions (2, n) and their explained-variance ratios (2,)."""
    _, s, Vt = np.linalg.svd(centered, full_matrices=False)
    # Deterministic sign: the largest-magnitude loading of each component is positive.
    signs = np.sign(Vt[np.arange(Vt.shape[0]), np.argmax(np.abs(Vt), axis=1)])
    Vt = Vt * np.where(signs == 0, 1.0, signs)[:, None]
    var = s**2
    total = var.sum()
    ratios = var / total if total > 0 else np.zeros_like(var)
    return Vt[:2], ratios[:2]


def pca_projection(hs) -> Projection:
    """Project hidden states hs (T+1, n) to 2-D for the phase portrait.

    n == 2: the identity, axes h[1], h[2] (the states themselves, inside the [-1, 1]^2 box).
    n == 1: h[1] on the horizontal axis and 0 on the vertical one, so the path runs along a line
            and time is read from the marker order/color (method "line").
    n > 2:  PCA of the states (centered SVD), axes "PC1 (87% of variance)", "PC2 (...)".
    """
    hs = np.asarray(hs, dtype=np.float64)
    if hs.ndim != 2 or hs.shape[0] < 1:
        raise ValueError(f"hs has shape {hs.shape}, expected (T+1, n)")
    n = hs.shape[1]
    if n <= 2:
        eye = np.eye(2, n)
        coords = np.column_stack([hs[:, 0], hs[:, 1] if n == 2 else np.zeros(len(hs))])
        labels = ("h[1]", "h[2]") if n == 2 else ("h[1]", "(n = 1: one axis)")
        return Projection(coords, labels, None, eye, np.zeros(n), "identity" if n == 2 else "line")
    mean = hs.mean(axis=0)
    components, ratios = _pca_components(hs - mean)
    if components.shape[0] < 2:  # a single state: no second direction to find
        components = np.vstack([components, np.zeros(n)])
        ratios = np.append(ratios, 0.0)
    coords = (hs - mean) @ components.T
    labels = tuple(f"PC{i + 1} ({ratios[i]:.0%} of variance)" for i in range(2))
    return Projection(coords, labels, ratios, components, mean, "pca")


# --- ripple: how a nudge to x_t spreads through later states ---

@dataclass(frozen=True)
class Ripple:
    """|Delta h_s| = ||h_s' - h_s||_2 for s = 0..T after nudging x_t by eps.

    delta (T+1,): measured by rerunning the engine (zeros for s < t);
    sensitivity (T+1,): delta / eps;
    linearised (T+1,): eps * ||J_{s<-t} u||, the first-order prediction from the Jacobian product,
    with u = W_x e the nudge's direct effect on a_t (e = nudge direction).
    """

    t: int
    eps: float
    unit: int | None
    delta: np.ndarray
    sensitivity: np.ndarray
    linearised: np.ndarray


def _nudge_direction(d: int, unit: int | None) -> np.ndarray:
    """All input dims (ones) or one 1-based unit."""
    if unit is None:
        return np.ones(d)
    if not 1 <= unit <= d:
        raise ValueError(f"unit={unit} is outside 1..{d} (input units are 1-based)")
    e = np.zeros(d)
    e[unit - 1] = 1.0
    return e


def _linearised_ripple(params: RNNParams, trace: Trace, t: int, e: np.ndarray, eps: float) -> np.ndarray:
    """eps * ||dh_s/dx_t e|| for s = 0..T, propagating v_s = f'(a_s) * (W_h v_{s-1})."""
    T = trace.pre.shape[0]
    out = np.zeros(T + 1)
    slopes = activation_slope(trace.activation, trace.pre, trace.h[1:])
    v = slopes[t - 1] * (params.W_x @ e)
    out[t] = np.linalg.norm(v)
    for s in range(t + 1, T + 1):
        v = slopes[s - 1] * (params.W_h @ v)
        out[s] = np.linalg.norm(v)
    return eps * out


def ripple(params: RNNParams, x, h0, t: int, eps: float = 1e-3, unit: int | None = None,
           trace: Trace | None = None) -> Ripple:
    """Nudge x_t (t = 1..T; every input dim, or the 1-based `unit`) by eps and rerun the engine.

    trace: the unnudged ``forward(params, x, h0)`` when the caller has it already (saves a pass)."""
    x = np.asarray(x, dtype=np.float64)
    base = forward(params, x, h0) if trace is None else trace
    T = _check_step(base, t)
    e = _nudge_direction(params.d, unit)
    nudged_x = x.copy()
    nudged_x[t - 1] += eps * e
    nudged = forward(params, nudged_x, h0)
    delta = np.linalg.norm(nudged.h - base.h, axis=1)
    delta[:t] = 0.0  # states before the nudge cannot change (exactly zero already; made explicit)
    linearised = _linearised_ripple(params, base, t, e, eps)
    assert delta.shape == (T + 1,)
    return Ripple(t, eps, unit, delta, delta / eps, linearised)


# --- vanishing / exploding gradients ---

NORMS = {"spectral": 2, "frobenius": "fro"}


def jacobian_norms(params: RNNParams, trace: Trace, t_end: int | None = None, norm: str = "spectral") -> np.ndarray:
    """||dh_{t_end}/dh_t|| for t = 0..T (NaN for t > t_end), t_end = T by default.

    dh_{t_end}/dh_t = J_{t_end} ... J_{t+1} with J_s = diag(f'(a_s)) W_h; built right to left
    from t_end so each step is one (n, n) product.  norm: "spectral" (largest singular value,
    the worst-case gain) or "frobenius".
    """
    if norm not in NORMS:
        raise ValueError(f"norm is {norm!r}, expected one of {tuple(NORMS)}")
    T = trace.pre.shape[0]
    t_end = T if t_end is None else t_end
    if not 0 <= t_end <= T:
        raise ValueError(f"t_end={t_end} is outside 0..{T}")
    slopes = activation_slope(trace.activation, trace.pre, trace.h[1:])
    out = np.full(T + 1, np.nan)
    M = np.eye(params.n)
    out[t_end] = np.linalg.norm(M, NORMS[norm])
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(t_end - 1, -1, -1):
            M = (M * slopes[t]) @ params.W_h  # M @ diag(f'(a_{t+1})) @ W_h
            out[t] = np.linalg.norm(M, NORMS[norm]) if np.all(np.isfinite(M)) else np.inf
    return out


def saturation_fraction(trace: Trace, threshold: float = SATURATION_THRESHOLD) -> np.ndarray:
    """Share of units with |h_t| > threshold, for t = 1..T: (T,) in [0, 1]."""
    return (np.abs(trace.h[1:]) > threshold).mean(axis=-1)
