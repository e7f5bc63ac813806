"""The app state (network, inputs, initial state, selected step): its fields, limits and validation.

A ``SimState`` is everything one simulator view shows: the parameters of the first RNN
layer (``RNNParams``, with the output layer), the inputs ``x`` (T, d), the initial state
``h0`` (n,), the selected step ``t`` (1..T) and the stacked layers above the first
(``upper``: L - 1 layers of n x n W_x, n x n W_h and b; their h_0 is zero; ``rnnviz.stacking``
runs the stack).  It is immutable and always valid: inside ``LIMITS``,
float64, finite and with every number of magnitude at most ``LIMITS.max_abs``.

``FIELDS`` lists the state's parts once (name in the code, URL key, shape, limits,
whether optional); the URL form (``rnnviz.query``), the resizing here and the
widgets' editable arrays are derived from it.

Building states:

* directly, when every part is known to fit: ``SimState(...)``, ``state.replace(W_h=...)``
  (raises ValueError on anything invalid) and ``resized(state, n=..., T=...)``;
* from parts that may be bad or inconsistent (edits, imports): ``validate_state(base=s, ...)``
  never raises; it infers sizes from the arrays, clips them to ``LIMITS``, keeps the
  top-left block of an array that had exactly the clipped-away size and replaces every
  unusable part by the ``base`` state resized, with one plain-language warning per
  broken rule.  ``StateBuilder`` is that machinery; ``rnnviz.query`` drives it with URL text.

Fallback = the base state resized to the chosen sizes (``resized``): its numbers where
they fit (top-left block), new weight entries seeded small random values
N(0, (0.5/sqrt(fan_in))²) from ``np.random.default_rng([0, i])``, new bias / h0 / input
entries zero; the default state also gets the lesson inputs [2, -1, 2, -1, ...] on the
first input.  Deterministic: the same parts always give the same state.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from rnnviz.engine import ACTIVATIONS, RNNParams
from rnnviz.stacking import MAX_LAYERS, seeded_layer

__all__ = [
    "ARRAY_FIELDS",
    "FIELDS",
    "FIELDS_BY_NAME",
    "LIMITS",
    "BadPart",
    "DEFAULT_STATE",
    "Field",
    "Limits",
    "SimState",
    "StateBuilder",
    "UNSAFE_CHARS",
    "array_fields",
    "bounded",
    "layer_fields",
    "present",
    "default_state",
    "format_number",
    "lesson_inputs",
    "plural",
    "quoted",
    "resized",
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


# --------------------------------------------------------------------------- the fields

@dataclass(frozen=True)
class Field:
    """One part of the state.

    kind: "size" (n, d, k, T, L), "activation", "array" or "step" (t, 1..T).
    shape: for arrays, the sizes that make the shape, e.g. ("n", "d") for W_x.
    lo, hi: for sizes, the allowed range.  Every array number lies within ±LIMITS.max_abs.
    optional: only present with an output layer (k > 0).
    written: in the URL that ``to_query`` writes (T is not: x carries it).
    in_params: stored in ``SimState.params`` (the RNNParams) rather than on the state itself.
    seeded: when resizing, new entries are seeded random weights (else zeros).
    infer_from: for sizes, the arrays that show the size when it is not given, first one wins.
    """

    name: str  # as in the code: W_h
    key: str  # in the URL: Wh
    kind: str
    shape: tuple[str, ...] = ()
    lo: int = 0
    hi: int = 0
    optional: bool = False
    written: bool = True
    in_params: bool = False
    seeded: bool = False
    infer_from: tuple[str, ...] = ()
    word: str = ""  # what a size counts, for messages
    label: str = ""  # how a page prints the name (h_0); defaults to name
    group: str = ""  # the sidebar panel of an array: "weights" or "inputs"
    layer: int = 1  # the stacked layer an array belongs to (2.. are in SimState.upper)
    part: str = ""  # for layers 2..: the layer's array it is (W_x, W_h or b)

    def shape_of(self, sizes: Mapping[str, int]) -> tuple[int, ...]:
        """The array shape for these sizes ({"n": 3, "d": 2, ...})."""
        return tuple(sizes[s] for s in self.shape)

    @property
    def display(self) -> str:
        return self.label or self.name


FIELDS: tuple[Field, ...] = (
    Field("n", "n", "size", lo=1, hi=LIMITS.n, word="hidden units", infer_from=("W_h", "W_x", "b", "h0", "W_y")),
    Field("d", "d", "size", lo=1, hi=LIMITS.d, word="inputs", infer_from=("W_x", "x")),
    Field("k", "k", "size", lo=0, hi=LIMITS.k, word="outputs", optional=True, infer_from=("W_y", "b_y")),
    Field("T", "T", "size", lo=1, hi=LIMITS.T, word="steps", written=False, infer_from=("x",)),
    Field("L", "L", "size", lo=1, hi=MAX_LAYERS, word="layers"),
    Field("activation", "act", "activation", in_params=True),
    Field("W_h", "Wh", "array", ("n", "n"), in_params=True, seeded=True, group="weights"),
    Field("W_x", "Wx", "array", ("n", "d"), in_params=True, seeded=True, group="weights"),
    Field("b", "b", "array", ("n",), in_params=True, group="weights"),
    Field("W_y", "Wy", "array", ("k", "n"), optional=True, in_params=True, seeded=True, group="weights"),
    Field("b_y", "by", "array", ("k",), optional=True, in_params=True, group="weights"),
    Field("x", "x", "array", ("T", "d"), group="inputs"),
    Field("h0", "h0", "array", ("n",), label="h_0", group="inputs"),
    *(Field(f"{part}{layer}", f"{part.replace('_', '')}{layer}", "array", shape, seeded=part != "b", group="weights",
            layer=layer, part=part, label=f"{part}⁽{'⁰¹²³⁴⁵⁶⁷⁸⁹'[layer]}⁾")
      for layer in range(2, MAX_LAYERS + 1)
      for part, shape in (("W_h", ("n", "n")), ("W_x", ("n", "n")), ("b", ("n",)))),
    Field("t", "t", "step", lo=1),
)
FIELDS_BY_NAME = {f.name: f for f in FIELDS}
SIZE_FIELDS = tuple(f for f in FIELDS if f.kind == "size")
ARRAY_FIELDS = tuple(f for f in FIELDS if f.kind == "array")
_PARAM_NAMES = tuple(f.name for f in FIELDS if f.in_params)
# The seeded stream of each array (rng([seed, i])): its place in the table; reordering changes resized values.
_FILL_STREAM = {f.name: i for i, f in enumerate(ARRAY_FIELDS)}


def present(f: Field, sizes: Mapping[str, int]) -> bool:
    """Whether a state of these sizes has the array ``f``: W_y, b_y only when k > 0, layer l's only when L >= l."""
    return (sizes["k"] > 0 or not f.optional) and f.layer <= sizes.get("L", 1)


def layer_fields(layer: int) -> tuple[Field, ...]:
    """The editable arrays of one layer: W_h, W_x, b (layer 1 also has W_y, b_y: see ``array_fields``)."""
    return tuple(f for f in ARRAY_FIELDS if f.layer == layer and f.group == "weights" and not f.optional)


def array_fields(state: SimState | None = None, group: str | None = None) -> tuple[Field, ...]:
    """The array fields (all, or those ``state`` has: W_y, b_y only when k > 0, layer l's when L >= l),
    optionally of one group."""
    return tuple(f for f in ARRAY_FIELDS if (group is None or f.group == group)
                 and (state is None or present(f, state.sizes)))


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


def _as_float64(p: RNNParams) -> RNNParams:
    if p.dtype == np.float64:
        return p
    return RNNParams(**{name: np.asarray(a, np.float64) for name, a in p.arrays().items()}, activation=p.activation)


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
    upper: tuple[RNNParams, ...] = ()  # stacked layers 2..L: W_x (n, n), W_h (n, n), b (n,); no output layer

    def __post_init__(self):
        set_ = object.__setattr__
        if not isinstance(self.params, RNNParams):
            raise ValueError(f"params must be an RNNParams, got {type(self.params).__name__}")
        p = _as_float64(self.params)
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
        if not 1 <= int(t) <= x.shape[0]:
            raise ValueError(f"t is {int(t)}, expected 1 <= t <= T = {x.shape[0]}")
        upper = _checked_upper(self.upper, p)
        for name, value in (("params", p), ("x", x), ("h0", h0), ("t", int(t)), ("upper", upper)):
            set_(self, name, value)

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

    @property
    def L(self) -> int:
        """How many stacked layers: 1 + len(upper)."""
        return 1 + len(self.upper)

    @property
    def sizes(self) -> dict[str, int]:
        """{"n": n, "d": d, "k": k, "T": T, "L": L}."""
        return {f.name: getattr(self, f.name) for f in SIZE_FIELDS}

    def value(self, name: str):
        """The value of the field ``name`` (any name in ``FIELDS``); None for an absent output layer or layer."""
        f = FIELDS_BY_NAME[name]
        if f.layer > 1:
            return getattr(self.upper[f.layer - 2], f.part) if f.layer <= self.L else None
        return getattr(self.params if f.in_params else self, name)

    def replace(self, **changes) -> SimState:
        """A new validated SimState (ValueError if invalid).  Accepts params, x, h0, t, upper, the parameter
        fields W_x, W_h, b, W_y, b_y, activation (forwarded to ``params.replace``) and the arrays of the
        stacked layers the state has (W_h2, W_x2, b2, ...)."""
        layered = {name for name in changes if name in FIELDS_BY_NAME and FIELDS_BY_NAME[name].layer > 1}
        unknown = set(changes) - {"params", "x", "h0", "t", "upper", *_PARAM_NAMES} - layered
        if unknown:
            raise TypeError(f"SimState.replace got unknown fields {sorted(unknown)}")
        params = changes.pop("params", self.params)
        param_changes = {name: changes.pop(name) for name in _PARAM_NAMES if name in changes}
        if param_changes:
            params = params.replace(**param_changes)
        upper = list(changes.pop("upper", self.upper))
        for name in layered:
            f = FIELDS_BY_NAME[name]
            if f.layer > 1 + len(upper):
                raise ValueError(f"{name}: the state has {1 + len(upper)} layers")
            upper[f.layer - 2] = upper[f.layer - 2].replace(**{f.part: changes.pop(name)})
        fields = {"params": params, "x": self.x, "h0": self.h0, "t": self.t, "upper": tuple(upper), **changes}
        return SimState(**fields)

    def __eq__(self, other) -> bool:
        if not isinstance(other, SimState):
            return NotImplemented
        return (self.params == other.params and self.t == other.t and len(self.upper) == len(other.upper)
                and all(a == b for a, b in zip(self.upper, other.upper, strict=True))
                and np.array_equal(self.x, other.x) and np.array_equal(self.h0, other.h0))

    __hash__ = None

    def __repr__(self) -> str:
        layers = f", L={self.L}" if self.upper else ""
        return f"SimState(n={self.n}, d={self.d}, k={self.k}, T={self.T}{layers}, t={self.t}, act={self.activation})"


def _checked_upper(upper, p: RNNParams) -> tuple[RNNParams, ...]:
    """The stacked layers 2..L, float64, with layer 1's activation; ValueError unless each is n x n, bounded."""
    if isinstance(upper, RNNParams) or not isinstance(upper, (tuple, list)):
        raise ValueError("upper must be a tuple of RNNParams (the layers above the first)")
    if len(upper) > MAX_LAYERS - 1:
        raise ValueError(f"{1 + len(upper)} layers, more than the limit of {MAX_LAYERS}")
    checked = []
    for i, layer in enumerate(upper, start=2):
        if not isinstance(layer, RNNParams):
            raise ValueError(f"layer {i} must be an RNNParams, got {type(layer).__name__}")
        if layer.n != p.n or layer.d != p.n or layer.k:
            raise ValueError(f"layer {i} has n={layer.n}, d={layer.d}, k={layer.k}; expected n = d = {p.n}, no output")
        layer = RNNParams(W_x=layer.W_x, W_h=layer.W_h, b=layer.b, activation=p.activation)
        layer = _as_float64(layer)
        for name, arr in layer.arrays().items():
            _check_bounded(f"{name}{i}", arr)
        checked.append(layer)
    return tuple(checked)


def _assemble(arrays: Mapping[str, np.ndarray], activation: str, t: int) -> SimState:
    """A SimState from every array field by name (W_y, b_y and layers 2.. may be missing)."""
    params = RNNParams(**{name: arrays.get(name) for name in _PARAM_NAMES if name != "activation"},
                       activation=activation)
    upper = []
    for layer in range(2, MAX_LAYERS + 1):
        if f"W_h{layer}" not in arrays:
            break
        upper.append(RNNParams(W_x=arrays[f"W_x{layer}"], W_h=arrays[f"W_h{layer}"], b=arrays[f"b{layer}"],
                               activation=activation))
    return SimState(params=params, x=arrays["x"], h0=arrays["h0"], t=t, upper=tuple(upper))


# --------------------------------------------------------------------------- defaults and resizing

def lesson_inputs(T: int, d: int) -> np.ndarray:
    """The lesson's inputs [2, -1] repeated / truncated to T steps on the first input, zeros elsewhere."""
    x = np.zeros((T, d))
    x[:, 0] = np.where(np.arange(T) % 2 == 0, 2.0, -1.0)
    return x


def _fit(f: Field, old, shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    """``old`` cut or grown to ``shape``: its top-left block kept, new entries filled.

    Seeded fields (W_h, W_x, W_y) get N(0, (0.5/sqrt(fan_in))²) values from
    ``np.random.default_rng([seed, i])`` (i fixed per field); b, b_y, h0, x get zeros.  Layers 2.. fill
    from their ``seeded_layer`` (what stacking always used for a layer nobody set).
    """
    if f.layer > 1:
        new = np.array(seeded_layer(shape[0], f.layer)[f.part])
    elif f.seeded:
        rng = np.random.default_rng([seed, _FILL_STREAM[f.name]])
        new = rng.normal(0.0, 0.5 / math.sqrt(shape[1]), shape)
    else:
        new = np.zeros(shape)
    if old is not None:
        old = np.asarray(old, np.float64)
        block = tuple(slice(0, min(a, b)) for a, b in zip(old.shape, shape, strict=True))
        new[block] = old[block]
    return new


def resized(state: SimState, n: int | None = None, d: int | None = None, k: int | None = None,
            T: int | None = None, seed: int = 0, L: int | None = None) -> SimState:
    """``state`` with new sizes, keeping the top-left block of every array (see ``_fit``).

    A new output layer (k from 0 to > 0) gets seeded W_y and zero b_y; k = 0 drops it; a new
    stacked layer is its ``seeded_layer``; t is clipped to the new T.  Raises ValueError for
    sizes outside ``LIMITS`` (L: 1..MAX_LAYERS).
    """
    given = {"n": n, "d": d, "k": k, "T": T, "L": L}
    sizes = {name: getattr(state, name) if v is None else int(v) for name, v in given.items()}
    LIMITS.check_sizes(sizes["n"], sizes["d"], sizes["k"], sizes["T"])
    if not 1 <= sizes["L"] <= MAX_LAYERS:
        raise ValueError(f"L={sizes['L']} layers is outside 1..{MAX_LAYERS}")
    arrays = {f.name: _fit(f, state.value(f.name), f.shape_of(sizes), seed)
              for f in ARRAY_FIELDS if present(f, sizes)}
    return _assemble(arrays, state.activation, min(state.t, sizes["T"]))


def default_state(n: int = 2, d: int = 1, k: int = 0, T: int = 2, L: int = 1) -> SimState:
    """The lesson's worked example (n=2, d=1, T=2, tanh, no output layer, one layer).

    Other sizes give the lesson example resized (``resized``) with lesson inputs.
    """
    state = _assemble(_LESSON, "tanh", 1)
    if (n, d, k, T, L) == (2, 1, 0, 2, 1):
        return state
    return resized(state, n, d, k, T, L=L).replace(x=lesson_inputs(T, d))


# The one default state object: from_query returns it for an empty link, and a validate_state base that *is*
# it (not merely equal) falls back to the lesson's values (lesson inputs) rather than to itself resized.
DEFAULT_STATE = _DEFAULT = default_state()


# --------------------------------------------------------------------------- text for people

UNSAFE_CHARS = re.compile(r"[^0-9A-Za-z.+\- ]")  # anything that could render as markup in a message


def format_number(v) -> str:
    """Shortest text that reads back to exactly the same float64: 2, -1, 0.1, 1e-05."""
    s = repr(float(v))
    return s[:-2] if s.endswith(".0") else s


def quoted(text, limit: int = 20) -> str:
    """User text, quoted, shortened and stripped of anything that could render as markup."""
    text = str(text)
    short = UNSAFE_CHARS.sub("?", text[:limit])
    return f"'{short}...'" if len(text) > limit else f"'{short}'"


def plural(count: int, word: str) -> str:
    """'1 number', '3 numbers'."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _show_size(value) -> str:
    if not math.isfinite(value) or abs(value) > 10**18:
        return "a huge number" if value > 0 else "a hugely negative number"
    return quoted(int(value)).strip("'")


class BadPart(Exception):
    """A part cannot be used; the message is the warning text after 'name: '."""


def bounded(v: float, token=None) -> float:
    """``v`` if finite with |v| <= LIMITS.max_abs, else BadPart (naming ``token``, the text it came from)."""
    if not math.isfinite(v) or abs(v) > LIMITS.max_abs:
        shown = quoted(token) if token is not None else format_number(v) if math.isfinite(v) else str(v)
        raise BadPart(f"the value {shown} is outside the allowed range -{LIMITS.max_abs:g} to {LIMITS.max_abs:g}")
    return v


# --------------------------------------------------------------------------- building from possibly bad parts

def _numbers_grid(value) -> np.ndarray:
    """Numbers (scalar, vector or matrix) -> 2-D float64 array; BadPart / TypeError / ValueError if unusable."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf" or arr.size > LIMITS.max_numbers or arr.ndim > 2:
        raise BadPart(f"expected a table of at most {LIMITS.max_numbers} numbers")
    arr = np.array(arr, dtype=np.float64).reshape((1,) * (2 - arr.ndim) + arr.shape)
    if arr.size == 0:
        raise BadPart("the value is empty")
    bad = ~np.isfinite(arr) | (np.abs(np.where(np.isfinite(arr), arr, 0)) > LIMITS.max_abs)
    if bad.any():
        bounded(float(arr[bad][0]))
    return arr


def _extent(f: Field, grid: np.ndarray, size: str) -> int | None:
    """How many of ``size`` (n, d, k) the given array ``f`` shows, or None if it shows nothing reliable."""
    if len(f.shape) == 1:
        return grid.size if 1 in grid.shape else None  # a vector: one row or one column
    if f.shape[0] == f.shape[1] and grid.shape[0] != grid.shape[1]:
        return None  # a square matrix that is not square says nothing about n
    if f.shape[0] == "T" and grid.shape[0] == 1:
        return None  # x as one row is read as T steps when d is 1
    return grid.shape[f.shape.index(size)]


@dataclass
class StateBuilder:
    """Turns parts (sizes, activation, arrays, t; any of them possibly bad) into a valid SimState.

    ``names`` maps field names to the names warnings use (the URL keys for a link);
    ``kept`` is what a warning says after a part was replaced by the fallback.  Text values
    are read with ``parse_grid`` / ``parse_size`` (raising BadPart) when given (``rnnviz.query``
    gives them); without them text is not numbers.
    """

    base: SimState
    names: Mapping[str, str] = field(default_factory=dict)
    kept: str = "kept the current values"
    parse_grid: Callable[[str], np.ndarray] | None = None
    parse_size: Callable[[str], int | float] | None = None
    lesson_fallback: bool = False  # fall back to default_state(sizes), lesson inputs included, not base resized
    warnings: list[str] = field(default_factory=list)

    def warn(self, name: str, text: str) -> None:
        self.warnings.append(f"{self.names.get(name, name)}: {text.rstrip('.')}.")

    # -- reading one part

    def _number(self, name: str, value):
        """A size / step as a number (maybe huge or infinite: the caller clips), or None after a warning."""
        if isinstance(value, str) and self.parse_size is not None:
            try:
                return self.parse_size(value)
            except BadPart as bad:
                self.warn(name, f"{bad}; ignored it")
                return None
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer, float, np.floating)):
            self.warn(name, f"expected a whole number, got {quoted(type(value).__name__)}; ignored it")
            return None
        if isinstance(value, (float, np.floating)) and (
                math.isnan(value) or (math.isfinite(value) and value != int(value))):
            self.warn(name, f"{quoted(value)} is not a whole number; ignored it")
            return None
        return value

    def clip(self, name: str, value, lo: int, hi: int, word: str | None = None) -> int:
        word = FIELDS_BY_NAME[name].word if word is None else word
        shown = _show_size(value)
        if value > hi:
            self.warn(name, f"{shown} is more than the limit of {hi} {word}".rstrip() + f"; used {hi}")
            return hi
        if value < lo:
            self.warn(name, f"{shown} is less than {lo}; used {lo}")
            return lo
        return int(value)

    def grid(self, name: str, value) -> np.ndarray | None:
        """Any given value -> 2-D float64 array, or None (with a warning) if unusable."""
        if value is None:
            return None
        try:
            if isinstance(value, str) and self.parse_grid is not None:
                return self.parse_grid(value)
            return _numbers_grid(value)
        except BadPart as bad:
            self.warn(name, f"{bad}; {self.kept}")
        except (TypeError, ValueError, OverflowError):
            self.warn(name, f"expected numbers; {self.kept}")
        return None

    def activation(self, value) -> str:
        if value is None:
            return self.base.activation
        if isinstance(value, str) and len(value) < 20 and value.strip().lower() in ACTIVATIONS:
            return value.strip().lower()
        self.warn("activation", f"{quoted(value)} is not an activation (use tanh or relu); "
                                f"used {self.base.activation}")
        return self.base.activation

    # -- settling the sizes

    def size(self, f: Field, value, grids: Mapping[str, np.ndarray | None]) -> tuple[int | None, int]:
        """(requested size or None, clipped size): given, else shown by the first of ``f.infer_from``."""
        requested = None if value is None else self._number(f.name, value)
        if requested is None:
            shown = (_extent(FIELDS_BY_NAME[s], grids[s], f.name) for s in f.infer_from if grids[s] is not None)
            requested = next((e for e in shown if e is not None), None)
        if requested is None:
            return None, getattr(self.base, f.name)
        return requested, self.clip(f.name, requested, f.lo, f.hi)

    def settle_x(self, x, d: int, T_given, T_req):
        """(x or None, T, requested T): x must have d columns; T is given, else x's steps (clipped)."""
        if x is not None and x.shape[1] != d:
            self.warn("x", f"expected rows of {plural(d, 'number')} (d={d}), got rows of {x.shape[1]}; {self.kept}")
            x = None
        T = T_given
        if T is None and x is not None:
            T_req = x.shape[0]
            T = self.clip("x", T_req, 1, LIMITS.T, "steps")
        if x is not None and x.shape[0] != T:
            if x.shape[0] == T_req and T_req > T:
                self.warn("x", f"kept the first {plural(T, 'step')}")
                x = x[:T]
            else:
                self.warn("x", f"expected {plural(T, 'step')}, got {x.shape[0]}; {self.kept}")
                x = None
        return x, (self.base.T if T is None else T), T_req

    def sizes(self, parts: Mapping[str, object], grids: dict[str, np.ndarray | None]):
        """(sizes, requested sizes), adjusting ``grids`` (x as a row of steps, no output arrays when k=0)."""
        sizes, requested = {}, {}
        for f in SIZE_FIELDS[:3]:  # n, d, k
            requested[f.name], sizes[f.name] = self.size(f, parts.get(f.name), grids)
            if f.name == "d" and sizes["d"] == 1 and grids["x"] is not None and grids["x"].shape[0] == 1:
                grids["x"] = grids["x"].T  # x given as one row with d=1: T steps of one input
        if sizes["k"] == 0:
            for name in ("W_y", "b_y"):
                if grids[name] is not None:
                    self.warn(name, "ignored because k=0 (no output layer)")
                    grids[name] = None
        requested["L"], sizes["L"] = self.layers(parts.get("L"), grids)
        T_value = parts.get("T")
        T_req = None if T_value is None else self._number("T", T_value)
        T = None if T_req is None else self.clip("T", T_req, 1, LIMITS.T)
        grids["x"], sizes["T"], requested["T"] = self.settle_x(grids["x"], sizes["d"], T, T_req)
        requested = {name: sizes[name] if r is None else r for name, r in requested.items()}
        return sizes, requested

    def layers(self, value, grids: dict[str, np.ndarray | None]) -> tuple[int, int]:
        """(requested, used) layer count: given, else the highest of base's and the layers with an array given.
        Arrays of layers above the count are ignored with a warning."""
        given = {f.layer for f in ARRAY_FIELDS if f.layer > 1 and grids[f.name] is not None}
        number = None if value is None else self._number("L", value)
        if number is None:
            L = max(given | {self.base.L})  # editing layer 2 of a 3-layer state keeps 3 layers
        else:
            L = self.clip("L", number, 1, MAX_LAYERS)
        for f in ARRAY_FIELDS:
            if f.layer > L and grids[f.name] is not None:
                self.warn(f.name, f"ignored because L={L} (the network has {plural(L, 'layer')})")
                grids[f.name] = None
        return (L if number is None else number), L

    # -- the whole state

    def fit(self, name: str, grid, shape: tuple[int, ...], crop_from: tuple) -> np.ndarray | None:
        """grid if it has ``shape`` (vectors: one row or one column), cropped if it had ``crop_from``."""
        if grid is None:
            return None
        got = grid.shape
        if len(shape) == 1 and 1 in got:
            flat = grid.reshape(-1)
            if flat.size == shape[0]:
                return flat
            if flat.size == crop_from[0]:
                self.warn(name, f"kept the first {plural(shape[0], 'number')}")
                return flat[: shape[0]]
            self.warn(name, f"expected {plural(shape[0], 'number')}, got {got[0] * got[1]}; {self.kept}")
            return None
        if len(shape) == 2 and got == shape:
            return grid
        if len(shape) == 2 and got == tuple(crop_from):
            self.warn(name, f"kept the top-left {shape[0]} x {shape[1]} block")
            return grid[: shape[0], : shape[1]]
        want = plural(shape[0], "number") if len(shape) == 1 else \
            f"{plural(shape[0], 'row')} of {plural(shape[1], 'number')}"
        self.warn(name, f"expected {want}, got {plural(got[0], 'row')} of {plural(got[1], 'number')}; {self.kept}")
        return None

    def step(self, value, T: int) -> int:
        t = self.base.t if value is None else self._number("t", value)
        t = self.base.t if t is None else t
        if not 1 <= t <= T:
            clipped = 1 if t < 1 else T
            if value is not None:
                self.warn("t", f"{_show_size(t)} is outside the steps 1 to {T}; used {clipped}")
            t = clipped
        return int(t)

    def build(self, parts: Mapping[str, object]) -> SimState:
        """The state ``parts`` describe (missing parts from ``base``); warnings collect in ``self.warnings``."""
        grids = {f.name: self.grid(f.name, parts.get(f.name)) for f in ARRAY_FIELDS}
        activation = self.activation(parts.get("activation"))
        sizes, requested = self.sizes(parts, grids)
        fallback = default_state(**sizes) if self.lesson_fallback else resized(self.base, **sizes)
        arrays = {"x": fallback.x if grids["x"] is None else grids["x"]}
        for f in sorted(array_fields(fallback), key=lambda f: f.optional):  # the output layer last
            if f.name != "x":
                arr = self.fit(f.name, grids[f.name], f.shape_of(sizes), f.shape_of(requested))
                arrays[f.name] = fallback.value(f.name) if arr is None else arr
        return _assemble(arrays, activation, self.step(parts.get("t"), sizes["T"]))


def validate_state(*, base: SimState | None = None, n=None, d=None, k=None, T=None, L=None, activation=None,
                   W_h=None, W_x=None, b=None, W_y=None, b_y=None, x=None, h0=None,
                   W_h2=None, W_x2=None, b2=None, W_h3=None, W_x3=None, b3=None, t=None
                   ) -> tuple[SimState, list[str]]:
    """A valid SimState from edited parts (numbers and arrays), and warnings (names as in the code: W_h, ...).

    Never raises.  Parts left as None come from ``base`` (default: ``default_state()``) resized
    to the chosen sizes, so ``validate_state(base=s, n=5)`` grows s keeping what it had.  Bad
    parts (wrong shape, not numbers, not finite, |value| > LIMITS.max_abs) also fall back to
    base, with a warning.  Sizes are clipped to LIMITS (L to 1..MAX_LAYERS); t to 1..T.  When every part is known
    to fit, ``base.replace(...)`` and ``resized(base, ...)`` build the state directly.
    """
    base = _DEFAULT if base is None or not isinstance(base, SimState) else base
    is_default = base is _DEFAULT
    builder = StateBuilder(base, kept="kept the default values" if is_default else "kept the current values",
                           lesson_fallback=is_default)
    given = {"n": n, "d": d, "k": k, "T": T, "L": L, "activation": activation, "W_h": W_h, "W_x": W_x, "b": b,
             "W_y": W_y, "b_y": b_y, "x": x, "h0": h0, "W_h2": W_h2, "W_x2": W_x2, "b2": b2,
             "W_h3": W_h3, "W_x3": W_x3, "b3": b3, "t": t}
    try:
        return builder.build({name: v for name, v in given.items() if v is not None}), builder.warnings
    except Exception as exc:  # a safety net: never raise
        return base, builder.warnings + [f"state: could not be built ({type(exc).__name__}); kept the current state."]
