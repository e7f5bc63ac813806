"""The app state (network, inputs, initial state, selected step) and its URL form.

A ``SimState`` is everything one simulator view shows: the parameters of one RNN
layer (``RNNParams``), the inputs ``x`` (T, d), the initial state ``h0`` (n,) and the
selected step ``t`` (1..T).  It is immutable and always valid: inside ``LIMITS``,
float64, finite and with every number of magnitude at most ``LIMITS.max_abs``, so
``from_query(to_query(s)) == s`` exactly for every ``SimState`` s.

URL form (readable by a person)::

    ?n=2&d=1&act=tanh&Wh=0.5,0.2;0.3,0.6&Wx=0.8;0.4&b=0.1,0.1&x=2;-1&h0=0,0&t=1

Matrices are written row by row, rows split by ``;`` and numbers by ``,``; ``x`` is T
rows of d numbers; ``Wy`` (k x n) and ``by`` (k) appear only with an output layer
(``k`` > 0).  Numbers are printed in the shortest form that reads back exactly.

Reading (``from_query``) never raises.  Rules, each broken rule giving one
plain-language warning that starts with the parameter's name:

* Missing keys are not warnings: they take the default (lesson) values.
* Unknown keys are ignored silently, because the page URL also carries other
  pages' settings; a key that differs from a known one only by case (``WH``) is
  reported ("did you mean Wh?").
* Sizes: ``n``, ``d``, ``k``, ``T`` are taken from their keys, else inferred (n from Wh,
  Wx, b, h0, Wy, in that order; d from Wx, then x; k from Wy, then by; T from x; ``to_query``
  never writes T since x carries it).  Sizes
  outside 1..LIMITS (k: 0..LIMITS.k) are clipped with a warning; a matrix that had
  exactly the clipped-away size keeps its top-left block (x keeps its first steps).
* A value that is too long (> ``LIMITS.max_chars`` characters, checked before
  parsing), has too many numbers (> ``LIMITS.max_numbers``), is not made of plain
  ASCII decimal numbers, is not finite or has a number with magnitude above
  ``LIMITS.max_abs`` (1e6: finite but useless, and products of such numbers head
  for overflow), or has the wrong shape, is replaced as a whole by the fallback.
* Fallback = the default state resized to the chosen sizes (``resized``): the
  lesson's numbers where they fit (top-left block), new weight entries seeded small
  random values N(0, (0.5/sqrt(fan_in))²) from ``np.random.default_rng([0, i])``,
  new bias / h0 / input entries zero, and lesson inputs [2, -1, 2, -1, ...] on the
  first input for a default x.  Deterministic: the same URL always gives the same state.
* ``t`` is clipped to 1..T; ``act`` must be ``tanh`` or ``relu`` (any case).

``validate_state`` applies the same rules to parts given as arrays (the widgets), with
fallbacks taken from a ``base`` state instead of the default one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from rnnviz.engine import ACTIVATIONS, RNNParams

__all__ = [
    "LIMITS",
    "Limits",
    "QUERY_KEYS",
    "SimState",
    "default_state",
    "format_number",
    "from_query",
    "lesson_inputs",
    "resized",
    "to_query",
    "validate_state",
]


@dataclass(frozen=True)
class Limits:
    """Size limits of the app state and bounds on the URL form."""

    n: int = 64  # hidden units
    d: int = 16  # inputs
    k: int = 16  # outputs (0 = no output layer)
    T: int = 500  # steps
    max_abs: float = 1e6  # largest magnitude of any number in the state
    max_numbers: int = 8192  # most numbers in one URL value (T*d = 8000, n*n = 4096)
    max_chars: int = 210_000  # longest URL value read (8000 numbers of up to 24 chars + separator)
    max_token: int = 64  # longest single number token read

    def check_sizes(self, n: int, d: int, k: int, T: int) -> None:
        """Raise ValueError unless 1 <= n, d, T and 0 <= k are within these limits."""
        if not (1 <= n <= self.n and 1 <= d <= self.d and 0 <= k <= self.k and 1 <= T <= self.T):
            raise ValueError(f"sizes n={n}, d={d}, k={k}, T={T} are outside the limits {self}")


LIMITS = Limits()

# URL key <-> field name
_URL_NAMES = {
    "n": "n", "d": "d", "k": "k", "T": "T", "t": "t", "activation": "act",
    "W_h": "Wh", "W_x": "Wx", "b": "b", "W_y": "Wy", "b_y": "by", "x": "x", "h0": "h0",
}
QUERY_KEYS = ("n", "d", "k", "T", "act", "Wh", "Wx", "b", "Wy", "by", "x", "h0", "t")
_ARRAY_FIELDS = ("W_h", "W_x", "b", "W_y", "b_y", "x", "h0")
_PARAM_FIELDS = ("W_x", "W_h", "b", "W_y", "b_y", "activation")

_LESSON = {
    "W_h": [[0.5, 0.2], [0.3, 0.6]],
    "W_x": [[0.8], [0.4]],
    "b": [0.1, 0.1],
    "x": [[2.0], [-1.0]],
    "h0": [0.0, 0.0],
}


# --------------------------------------------------------------------------- SimState

def _frozen_copy(name: str, value, ndim: int) -> np.ndarray:
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of numbers ({exc})") from None
    if arr.ndim != ndim:
        raise ValueError(f"{name} has shape {arr.shape}, expected a {ndim}-D array")
    arr.flags.writeable = False
    return arr


def _check_bounded(name: str, arr: np.ndarray) -> None:
    if arr.size and not (np.all(np.isfinite(arr)) and np.max(np.abs(arr)) <= LIMITS.max_abs):
        raise ValueError(f"{name} must be finite with every |value| <= {LIMITS.max_abs:g}")


@dataclass(frozen=True, eq=False)
class SimState:
    """What the simulator shows: one RNN layer, its inputs, initial state and selected step.

    Validated on construction (ValueError otherwise): sizes within ``LIMITS``, arrays
    float64 (converted), finite, |value| <= ``LIMITS.max_abs``, ``1 <= t <= T``.
    """

    params: RNNParams
    x: np.ndarray  # (T, d)
    h0: np.ndarray  # (n,)
    t: int  # selected step, 1..T

    def __post_init__(self):
        set_ = object.__setattr__
        p = self.params
        if not isinstance(p, RNNParams):
            raise ValueError(f"params must be an RNNParams, got {type(p).__name__}")
        if p.dtype != np.float64:
            p = RNNParams(**{name: np.asarray(a, np.float64) for name, a in p.arrays().items()},
                          activation=p.activation)
        if not (1 <= p.n <= LIMITS.n and 1 <= p.d <= LIMITS.d and 0 <= p.k <= LIMITS.k):
            raise ValueError(f"sizes n={p.n}, d={p.d}, k={p.k} are outside the limits "
                             f"n <= {LIMITS.n}, d <= {LIMITS.d}, k <= {LIMITS.k}")
        for name, arr in p.arrays().items():
            _check_bounded(name, arr)
        x = _frozen_copy("x", self.x, 2)
        if x.shape[1] != p.d or not 1 <= x.shape[0] <= LIMITS.T:
            raise ValueError(f"x has shape {x.shape}, expected (T, {p.d}) with 1 <= T <= {LIMITS.T}")
        _check_bounded("x", x)
        h0 = _frozen_copy("h0", self.h0, 1)
        if h0.shape != (p.n,):
            raise ValueError(f"h0 has shape {h0.shape}, expected ({p.n},)")
        _check_bounded("h0", h0)
        t = self.t
        if isinstance(t, (bool, np.bool_)) or not isinstance(t, (int, np.integer)):
            raise ValueError(f"t must be a whole number, got {t!r}")
        t = int(t)
        if not 1 <= t <= x.shape[0]:
            raise ValueError(f"t is {t}, expected 1 <= t <= T = {x.shape[0]}")
        set_(self, "params", p)
        set_(self, "x", x)
        set_(self, "h0", h0)
        set_(self, "t", t)

    @property
    def n(self) -> int:
        return self.params.n

    @property
    def d(self) -> int:
        return self.params.d

    @property
    def k(self) -> int:
        return self.params.k

    @property
    def T(self) -> int:
        return self.x.shape[0]

    @property
    def activation(self) -> str:
        return self.params.activation

    def replace(self, **changes) -> SimState:
        """A new validated SimState.  Accepts params, x, h0, t and also the parameter
        fields W_x, W_h, b, W_y, b_y, activation (forwarded to ``params.replace``)."""
        unknown = set(changes) - {"params", "x", "h0", "t", *_PARAM_FIELDS}
        if unknown:
            raise TypeError(f"SimState.replace got unknown fields {sorted(unknown)}")
        params = changes.pop("params", self.params)
        param_changes = {name: changes.pop(name) for name in _PARAM_FIELDS if name in changes}
        if param_changes:
            params = params.replace(**param_changes)
        fields = {"params": params, "x": self.x, "h0": self.h0, "t": self.t, **changes}
        return SimState(**fields)

    def __eq__(self, other) -> bool:
        if not isinstance(other, SimState):
            return NotImplemented
        return (self.params == other.params and self.t == other.t
                and np.array_equal(self.x, other.x) and np.array_equal(self.h0, other.h0))

    __hash__ = None

    def __repr__(self) -> str:
        return f"SimState(n={self.n}, d={self.d}, k={self.k}, T={self.T}, t={self.t}, act={self.activation})"


# --------------------------------------------------------------------------- defaults and resizing

def lesson_inputs(T: int, d: int) -> np.ndarray:
    """The lesson's inputs [2, -1] repeated / truncated to T steps on the first input, zeros elsewhere."""
    x = np.zeros((T, d))
    x[:, 0] = np.where(np.arange(T) % 2 == 0, 2.0, -1.0)
    return x


_FILL_INDEX = {name: i for i, name in enumerate(_ARRAY_FIELDS)}


def _fit(name: str, old, shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    """``old`` cut or grown to ``shape``: its top-left block kept, new entries filled.

    Weights (W_h, W_x, W_y) get seeded N(0, (0.5/sqrt(fan_in))²) values from
    ``np.random.default_rng([seed, i])`` (i fixed per name); b, b_y, h0, x get zeros.
    """
    if name in ("W_h", "W_x", "W_y"):
        rng = np.random.default_rng([seed, _FILL_INDEX[name]])
        new = rng.normal(0.0, 0.5 / math.sqrt(shape[1]), shape)
    else:
        new = np.zeros(shape)
    if old is not None:
        old = np.asarray(old, np.float64)
        block = tuple(slice(0, min(a, b)) for a, b in zip(old.shape, shape, strict=True))
        new[block] = old[block]
    return new


def resized(state: SimState, n: int | None = None, d: int | None = None, k: int | None = None,
            T: int | None = None, seed: int = 0) -> SimState:
    """``state`` with new sizes, keeping the top-left block of every array (see ``_fit``).

    A new output layer (k from 0 to > 0) gets seeded W_y and zero b_y; k = 0 drops it;
    t is clipped to the new T.  Raises ValueError for sizes outside ``LIMITS``.
    """
    n = state.n if n is None else int(n)
    d = state.d if d is None else int(d)
    k = state.k if k is None else int(k)
    T = state.T if T is None else int(T)
    LIMITS.check_sizes(n, d, k, T)
    p = state.params
    params = RNNParams(
        W_x=_fit("W_x", p.W_x, (n, d), seed), W_h=_fit("W_h", p.W_h, (n, n), seed), b=_fit("b", p.b, (n,), seed),
        W_y=_fit("W_y", p.W_y, (k, n), seed) if k else None, b_y=_fit("b_y", p.b_y, (k,), seed) if k else None,
        activation=p.activation,
    )
    return SimState(params=params, x=_fit("x", state.x, (T, d), seed), h0=_fit("h0", state.h0, (n,), seed),
                    t=min(state.t, T))


def default_state(n: int = 2, d: int = 1, k: int = 0, T: int = 2) -> SimState:
    """The lesson's worked example (n=2, d=1, T=2, tanh, no output layer).

    Other sizes give the lesson example resized (``resized``) with lesson inputs.
    """
    params = RNNParams(W_x=_LESSON["W_x"], W_h=_LESSON["W_h"], b=_LESSON["b"], activation="tanh")
    state = SimState(params=params, x=_LESSON["x"], h0=_LESSON["h0"], t=1)
    if (n, d, k, T) == (2, 1, 0, 2):
        return state
    return resized(state, n, d, k, T).replace(x=lesson_inputs(T, d))


# --------------------------------------------------------------------------- writing

def format_number(v) -> str:
    """Shortest text that reads back to exactly the same float64: 2, -1, 0.1, 1e-05."""
    s = repr(float(v))
    return s[:-2] if s.endswith(".0") else s


def _format_matrix(a: np.ndarray) -> str:
    return ";".join(",".join(format_number(v) for v in row) for row in np.atleast_2d(a))


def to_query(state: SimState) -> dict[str, str]:
    """The URL query of ``state`` (keys n, d, [k], act, Wh, Wx, b, [Wy, by], x, h0, t)."""
    p = state.params
    q = {"n": str(state.n), "d": str(state.d)}
    if state.k:
        q["k"] = str(state.k)
    q["act"] = p.activation
    q["Wh"] = _format_matrix(p.W_h)
    q["Wx"] = _format_matrix(p.W_x)
    q["b"] = _format_matrix(p.b)
    if state.k:
        q["Wy"] = _format_matrix(p.W_y)
        q["by"] = _format_matrix(p.b_y)
    q["x"] = _format_matrix(state.x)
    q["h0"] = _format_matrix(state.h0)
    q["t"] = str(state.t)
    return q


# --------------------------------------------------------------------------- reading helpers

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_SAFE = re.compile(r"[^0-9A-Za-z.+\- ]")


class _Bad(Exception):
    """A part of the input cannot be used; the message is the warning text after 'name: '."""


def _show(text: str, limit: int = 20) -> str:
    """User text, quoted, shortened and stripped of anything that could render as markup."""
    text = str(text)
    short = _SAFE.sub("?", text[:limit])
    return f"'{short}...'" if len(text) > limit else f"'{short}'"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _show_size(value) -> str:
    if not math.isfinite(value) or abs(value) > 10**18:
        return "a huge number" if value > 0 else "a hugely negative number"
    return _show(int(value)).strip("'")


def _parse_number(token: str) -> float:
    token = token.strip()
    if not token:
        raise _Bad("a number is missing (two separators in a row, or one at the end)")
    if len(token) > LIMITS.max_token:
        raise _Bad(f"{_show(token)} is too long to be a number")
    if not _NUMBER.fullmatch(token):
        raise _Bad(f"{_show(token)} is not a number")
    return _bounded(float(token), token)


def _bounded(v: float, token=None) -> float:
    if not math.isfinite(v) or abs(v) > LIMITS.max_abs:
        shown = _show(token) if token is not None else format_number(v) if math.isfinite(v) else str(v)
        raise _Bad(f"the value {shown} is outside the allowed range -{LIMITS.max_abs:g} to {LIMITS.max_abs:g}")
    return v


def _parse_grid(text: str) -> np.ndarray:
    """'a,b;c,d' -> 2-D array (rows x cols); raises _Bad."""
    if len(text) > LIMITS.max_chars:
        raise _Bad(f"the text is {len(text)} characters long, more than the limit of {LIMITS.max_chars}")
    if not text.strip():
        raise _Bad("the value is empty")
    if text.count(",") + text.count(";") + 1 > LIMITS.max_numbers:
        raise _Bad(f"it has more than {LIMITS.max_numbers} numbers")
    rows = [row.split(",") for row in text.split(";")]
    width = len(rows[0])
    for i, row in enumerate(rows[1:], start=2):
        if len(row) != width:
            raise _Bad(f"row {i} has {_plural(len(row), 'number')} but row 1 has {width}")
    return np.array([[_parse_number(tok) for tok in row] for row in rows], dtype=np.float64)


def _parse_size(text: str) -> int | float:
    """A whole number (may be huge: the caller clips); raises _Bad."""
    if len(text) > LIMITS.max_token:
        raise _Bad(f"{_show(text)} is too long to be a size")
    token = text.strip()
    if not _NUMBER.fullmatch(token):
        raise _Bad(f"{_show(token)} is not a whole number")
    v = float(token)
    if math.isinf(v):
        return v
    if v != int(v):
        raise _Bad(f"{_show(token)} is not a whole number")
    return int(v)


# --------------------------------------------------------------------------- resolving parts into a state

_SIZE_WORDS = {"n": "hidden units", "d": "inputs", "k": "outputs", "T": "steps"}


class _Resolver:
    """Turns parts (arrays / sizes / activation, any of them possibly bad) into a valid SimState."""

    def __init__(self, base: SimState, labels: Mapping[str, str], fallback_words: str):
        self.base = base
        self.labels = labels
        self.fallback_words = fallback_words
        self.warnings: list[str] = []

    def warn(self, name: str, text: str) -> None:
        text = text.rstrip(".")
        self.warnings.append(f"{self.labels.get(name, name)}: {text}.")

    def size(self, name: str, value, lo: int, hi: int):
        """(requested size or None, clipped size or None)."""
        if value is None:
            return None, None
        if isinstance(value, str):
            try:
                value = _parse_size(value)
            except _Bad as bad:
                self.warn(name, f"{bad}; ignored it")
                return None, None
        elif isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer, float, np.floating)):
            self.warn(name, f"expected a whole number, got {_show(type(value).__name__)}; ignored it")
            return None, None
        elif isinstance(value, (float, np.floating)):
            if math.isnan(value) or (math.isfinite(value) and value != int(value)):
                self.warn(name, f"{_show(value)} is not a whole number; ignored it")
                return None, None
        if not math.isfinite(lo):  # no bounds (t): the caller clips
            return value, (int(value) if math.isfinite(value) else value)
        return value, self.clip(name, value, lo, hi)

    def clip(self, name: str, value, lo: int, hi: int, word: str | None = None) -> int:
        word = _SIZE_WORDS.get(name, "") if word is None else word
        shown = _show_size(value)
        if value > hi:
            self.warn(name, f"{shown} is more than the limit of {hi} {word}".rstrip() + f"; used {hi}")
            return hi
        if value < lo:
            self.warn(name, f"{shown} is less than {lo}; used {lo}")
            return lo
        return int(value)

    def grid(self, name: str, value):
        """Any given value -> 2-D float64 array, or None (with a warning) if unusable."""
        if value is None:
            return None
        try:
            if isinstance(value, str):
                return _parse_grid(value)
            arr = np.asarray(value)
            if arr.dtype.kind not in "iuf" or arr.size > LIMITS.max_numbers or arr.ndim > 2:
                raise _Bad(f"expected a table of at most {LIMITS.max_numbers} numbers")
            arr = np.array(arr, dtype=np.float64).reshape((1,) * (2 - arr.ndim) + arr.shape)
            if arr.size == 0:
                raise _Bad("the value is empty")
            bad = ~np.isfinite(arr) | (np.abs(np.where(np.isfinite(arr), arr, 0)) > LIMITS.max_abs)
            if bad.any():
                _bounded(float(arr[bad][0]))
            return arr
        except _Bad as bad:
            self.warn(name, f"{bad}; {self.fallback_words}")
        except (TypeError, ValueError, OverflowError):
            self.warn(name, f"expected numbers; {self.fallback_words}")
        return None

    def activation(self, value) -> str:
        if value is None:
            return self.base.activation
        if isinstance(value, str) and len(value) < 20 and value.strip().lower() in ACTIVATIONS:
            return value.strip().lower()
        self.warn("activation", f"{_show(value)} is not an activation (use tanh or relu); "
                                f"used {self.base.activation}")
        return self.base.activation

    def fit(self, name, grid, shape, crop_from=None):
        """grid if it has ``shape`` (vectors: one row or one column), cropped if it had ``crop_from``."""
        if grid is None:
            return None
        vector = len(shape) == 1
        got = grid.shape
        if vector and 1 in got:
            flat = grid.reshape(-1)
            if flat.size == shape[0]:
                return flat
            if crop_from is not None and flat.size == crop_from[0]:
                self.warn(name, f"kept the first {_plural(shape[0], 'number')}")
                return flat[: shape[0]]
            self.warn(name, f"expected {_plural(shape[0], 'number')}, got {got[0] * got[1]}; {self.fallback_words}")
            return None
        if not vector and got == shape:
            return grid
        if not vector and crop_from is not None and got == tuple(crop_from):
            self.warn(name, f"kept the top-left {shape[0]} x {shape[1]} block")
            return grid[: shape[0], : shape[1]]
        if vector:
            want = _plural(shape[0], "number")
        else:
            want = f"{_plural(shape[0], 'row')} of {_plural(shape[1], 'number')}"
        self.warn(name, f"expected {want}, got {_plural(got[0], 'row')} of {_plural(got[1], 'number')}; "
                        f"{self.fallback_words}")
        return None

    def resolve(self, parts: Mapping[str, object]) -> SimState:
        base = self.base
        grids = {name: self.grid(name, parts.get(name)) for name in _ARRAY_FIELDS}
        activation = self.activation(parts.get("activation"))

        # n: explicit, else the first array that shows it.
        n_req, n = self.size("n", parts.get("n"), 1, LIMITS.n)
        if n is None:
            g = grids
            candidates = [
                g["W_h"].shape[0] if g["W_h"] is not None and g["W_h"].shape[0] == g["W_h"].shape[1] else None,
                g["W_x"].shape[0] if g["W_x"] is not None else None,
                g["b"].size if g["b"] is not None and 1 in g["b"].shape else None,
                g["h0"].size if g["h0"] is not None and 1 in g["h0"].shape else None,
                g["W_y"].shape[1] if g["W_y"] is not None else None,
            ]
            n_req = next((c for c in candidates if c is not None), None)
            n = base.n if n_req is None else self.clip("n", n_req, 1, LIMITS.n)
        # d: explicit, else W_x's columns, else x's columns if x has several rows (one row is
        # read as T steps when d is 1).
        d_req, d = self.size("d", parts.get("d"), 1, LIMITS.d)
        if d is None:
            if grids["W_x"] is not None:
                d_req = grids["W_x"].shape[1]
            elif grids["x"] is not None and grids["x"].shape[0] > 1:
                d_req = grids["x"].shape[1]
            d = base.d if d_req is None else self.clip("d", d_req, 1, LIMITS.d)
        # x given as one row with d=1: T steps of one input.
        if d == 1 and grids["x"] is not None and grids["x"].shape[0] == 1:
            grids["x"] = grids["x"].T
        # k: explicit, else W_y's rows, else b_y's length.
        k_req, k = self.size("k", parts.get("k"), 0, LIMITS.k)
        if k is None:
            if grids["W_y"] is not None:
                k_req = grids["W_y"].shape[0]
            elif grids["b_y"] is not None and 1 in grids["b_y"].shape:
                k_req = grids["b_y"].size
            k = base.k if k_req is None else self.clip("k", k_req, 0, LIMITS.k)
        if k == 0:
            for name in ("W_y", "b_y"):
                if grids[name] is not None:
                    self.warn(name, "ignored because k=0 (no output layer)")
                    grids[name] = None
        # T: explicit, else x's rows.
        T_req, T = self.size("T", parts.get("T"), 1, LIMITS.T)
        x = grids["x"]
        if x is not None and x.shape[1] != d:
            self.warn("x", f"expected rows of {_plural(d, 'number')} (d={d}), got rows of {x.shape[1]}; "
                           f"{self.fallback_words}")
            x = None
        if T is None and x is not None:
            T_req = x.shape[0]
            T = self.clip("x", T_req, 1, LIMITS.T, "steps")
        if x is not None and x.shape[0] != T:
            if x.shape[0] == T_req and T_req > T:
                self.warn("x", f"kept the first {_plural(T, 'step')}")
                x = x[:T]
            else:
                self.warn("x", f"expected {_plural(T, 'step')}, got {x.shape[0]}; {self.fallback_words}")
                x = None

        # Sizes are settled: fit every array, falling back to the base resized.
        if T is None:
            T = base.T
        fallback = default_state(n, d, k, T) if base is _DEFAULT else resized(base, n, d, k, T)

        def req(r, c):
            return r if r is not None else c

        nr, dr, kr = req(n_req, n), req(d_req, d), req(k_req, k)
        arrays = {
            "W_h": self.fit("W_h", grids["W_h"], (n, n), (nr, nr)),
            "W_x": self.fit("W_x", grids["W_x"], (n, d), (nr, dr)),
            "b": self.fit("b", grids["b"], (n,), (nr,)),
            "h0": self.fit("h0", grids["h0"], (n,), (nr,)),
        }
        if k:
            arrays["W_y"] = self.fit("W_y", grids["W_y"], (k, n), (kr, nr))
            arrays["b_y"] = self.fit("b_y", grids["b_y"], (k,), (kr,))
        fp = fallback.params
        for name, arr in arrays.items():
            if arr is None:
                arrays[name] = fallback.h0 if name == "h0" else getattr(fp, name)
        params = RNNParams(W_x=arrays["W_x"], W_h=arrays["W_h"], b=arrays["b"],
                           W_y=arrays.get("W_y"), b_y=arrays.get("b_y"), activation=activation)
        x = fallback.x if x is None else x

        t = base.t
        t_given = parts.get("t") is not None
        if t_given:
            _, t_val = self.size("t", parts.get("t"), -math.inf, math.inf)
            if t_val is not None:
                t = t_val
        if not 1 <= t <= T:
            clipped = 1 if t < 1 else T
            if t_given:
                self.warn("t", f"{_show_size(t)} is outside the steps 1 to {T}; used {clipped}")
            t = clipped
        return SimState(params=params, x=x, h0=arrays["h0"], t=int(t))


_DEFAULT = default_state()


def _first_value(value):
    """Streamlit may hand a list of values for a repeated key: use the last one."""
    if isinstance(value, (list, tuple)):
        return (value[-1] if value else None), len(value)
    return value, 1


def from_query(query: Mapping[str, str | list[str]]) -> tuple[SimState, list[str]]:
    """The state a URL query describes, and plain-language warnings.  Never raises.

    See the module docstring for the rules.  An empty query gives ``default_state()``
    and no warnings.
    """
    resolver = _Resolver(_DEFAULT, _URL_NAMES, "kept the default values")
    try:
        if query is None:
            return _DEFAULT, []
        if not (isinstance(query, Mapping) or (hasattr(query, "get") and hasattr(query, "keys"))):
            return _DEFAULT, ["query: it is not a set of key=value pairs; used the default state."]
        parts = {}
        for field, key in _URL_NAMES.items():
            value, count = _first_value(query.get(key))
            if value is None:
                continue
            if count > 1:
                resolver.warn(field, f"given {count} times; used the last value")
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = format_number(value) if isinstance(value, float) and math.isfinite(value) else str(value)
            if not isinstance(value, str):
                resolver.warn(field, f"expected text, got {_show(type(value).__name__)}; ignored it")
                continue
            parts[field] = value
        lowered = {key.lower(): key for key in QUERY_KEYS}
        for i, key in enumerate(query.keys()):
            if i >= 200:
                break
            if isinstance(key, str) and key not in QUERY_KEYS and key.lower() in lowered:
                resolver.warnings.append(f"{_show(key).strip(chr(39))}: unknown parameter; did you mean "
                                         f"{lowered[key.lower()]}? It was ignored.")
        state = resolver.resolve(parts)
        return state, resolver.warnings
    except Exception as exc:  # a safety net: from_query must never raise
        return _DEFAULT, resolver.warnings + [f"query: could not be read ({type(exc).__name__}); "
                                              "used the default state."]


def validate_state(*, base: SimState | None = None, n=None, d=None, k=None, T=None, activation=None,
                   W_h=None, W_x=None, b=None, W_y=None, b_y=None, x=None, h0=None, t=None
                   ) -> tuple[SimState, list[str]]:
    """A valid SimState from edited parts, and warnings (names as in the code: W_h, ...).  Never raises.

    Parts left as None come from ``base`` (default: ``default_state()``) resized to the
    chosen sizes, so ``validate_state(base=s, n=5)`` grows s keeping what it had.  Bad
    parts (wrong shape, not finite, |value| > LIMITS.max_abs) also fall back to base,
    with a warning.  Sizes are clipped to LIMITS; t to 1..T.
    """
    base = _DEFAULT if base is None or not isinstance(base, SimState) else base
    words = "kept the default values" if base is _DEFAULT else "kept the current values"
    resolver = _Resolver(base, {}, words)
    parts = {name: value for name, value in {
        "n": n, "d": d, "k": k, "T": T, "activation": activation, "W_h": W_h, "W_x": W_x, "b": b,
        "W_y": W_y, "b_y": b_y, "x": x, "h0": h0, "t": t}.items() if value is not None}
    try:
        return resolver.resolve(parts), resolver.warnings
    except Exception as exc:  # a safety net: never raise
        return base, resolver.warnings + [f"state: could not be built ({type(exc).__name__}); kept the current state."]
