"""Presets, input generators, whole-matrix knobs and resizing for the simulator.

Everything here is pure NumPy: functions return new arrays / states and draw random
numbers only from ``np.random.default_rng(seed)`` (or a Generator passed in).

Presets (``PRESETS``, ``make_preset``), default sizes n=3, d=1, k=0 and per-preset T:

* ``lesson``: the lesson's worked example (n=2, d=1, T=2); other sizes resize it.
* ``long memory``: W_h = 0.98 I + N(0, 0.0001/n) noise (spectral radius about 0.98), small
  W_x ~ N(0, 0.3²), zero b, tanh, one impulse at step 1: the state fades over tens of steps (T=40).
* ``saturating``: large weights (W_h = 6 I + N(0, 0.25/n) noise, |W_x| in [1.5, 2.5]/d and
  |b| in [1, 2] with random signs), tanh, sine inputs: from step 2 or 3 on nearly every
  |h| > 0.99 and the inputs barely move it (tanh' ~ 0) (T=12).
* ``exploding``: W_h a positive matrix scaled to spectral radius 1.6 (about: weights keep 3 decimals), relu, positive
  W_x and b, impulse input.  relu shows it best: h itself grows like 1.6^t, and so do
  the gradients (through active relu units the Jacobian is W_h).  With tanh the state
  would just saturate and the gradient story would be muddled by tanh' ~ 0 (T=12).
* ``vanishing``: W_h = 0.4 x orthogonal (every eigenvalue has modulus 0.4), tanh,
  impulse input: the impulse is gone within a few steps, gradients shrink like 0.4^t (T=12).
"""

from __future__ import annotations

import math
import re
import unicodedata

import numpy as np

from rnnviz import analysis
from rnnviz.engine import RNNParams
from rnnviz.query import NUMBER_PATTERN
from rnnviz.state import LIMITS, SimState, default_state, lesson_inputs, resized
from rnnviz.text import excerpt

__all__ = [
    "INPUT_KINDS",
    "PRESETS",
    "identity_matrix",
    "make_inputs",
    "make_preset",
    "orthogonal_matrix",
    "parse_inputs",
    "random_matrix",
    "scale_to_spectral_radius",
    "zeros",
]

PRESETS: dict[str, str] = {
    "lesson": "The lesson's worked example: 2 hidden units, 1 input, 2 steps.",
    "long memory": "W_h close to the identity (spectral radius about 0.98): an impulse is remembered for many steps.",
    "saturating": "Large weights: tanh is pinned at +1 or -1 and its slope is almost zero.",
    "exploding": "Spectral radius 1.6 with relu: the state and the gradients grow step after step.",
    "vanishing": "Spectral radius 0.4: an impulse fades within a few steps, and so do gradients.",
}

_PRESET_T = {"lesson": 2, "long memory": 40, "saturating": 12, "exploding": 12, "vanishing": 12}
_PRESET_N, _PRESET_D = 3, 1

INPUT_KINDS = ("lesson", "custom", "sine", "step", "impulse", "random")


# --------------------------------------------------------------------------- matrix knobs

def _rng(seed) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def zeros(shape) -> np.ndarray:
    """A zero array (float64)."""
    return np.zeros(shape)


def identity_matrix(n: int) -> np.ndarray:
    """The n x n identity."""
    return np.eye(n)


def random_matrix(shape, seed=0, scale: float = 1.0) -> np.ndarray:
    """Entries drawn from N(0, scale²) with ``np.random.default_rng(seed)`` (or a Generator)."""
    return _rng(seed).normal(0.0, scale, shape)


def orthogonal_matrix(n: int, seed=0) -> np.ndarray:
    """A random orthogonal n x n matrix (Haar): QR of a Gaussian, signs fixed so R has a positive diagonal."""
    q, r = np.linalg.qr(_rng(seed).normal(size=(n, n)))
    signs = np.sign(np.diag(r))
    signs[signs == 0] = 1.0
    return q * signs



def scale_to_spectral_radius(W, rho: float, name: str = "W_h") -> tuple[np.ndarray, str | None]:
    """(W * rho / analysis.spectral_radius(W), None), or (a copy of W, warning) when that is impossible.

    Impossible: W's spectral radius is (numerically) 0 — the zero matrix, or a nilpotent
    one such as a strictly triangular matrix — or the result would have a value larger
    than ``LIMITS.max_abs``.  rho must be finite and >= 0 (ValueError otherwise).
    """
    rho = float(rho)
    if not math.isfinite(rho) or rho < 0:
        raise ValueError(f"rho must be a finite number >= 0, got {rho}")
    W = np.array(W, dtype=np.float64)
    current = analysis.spectral_radius(W)
    scale = np.max(np.abs(W)) if W.size else 0.0
    if current <= 1e-12 * max(scale, 1e-300) or current == 0.0:
        return W, (f"{name}: its spectral radius is 0 (all zeros, or nilpotent), so it cannot be scaled "
                   f"to {rho:g}; left unchanged.")
    out = W * (rho / current)
    if not np.all(np.isfinite(out)) or np.max(np.abs(out)) > LIMITS.max_abs:
        return W, f"{name}: scaling to spectral radius {rho:g} would make values too large; left unchanged."
    return out, None


# --------------------------------------------------------------------------- inputs

def _check_sizes(T, d) -> tuple[int, int]:
    T, d = int(T), int(d)
    if not (1 <= T <= LIMITS.T and 1 <= d <= LIMITS.d):
        raise ValueError(f"inputs need 1 <= T <= {LIMITS.T} and 1 <= d <= {LIMITS.d}, got T={T}, d={d}")
    return T, d


def _step_index(s, T) -> int:
    s = int(s)
    if not 1 <= s <= T:
        raise ValueError(f"step s={s} is outside 1..{T}")
    return s - 1


def make_inputs(kind: str, T: int, d: int, seed=0, **options) -> np.ndarray:
    """Inputs x of shape (T, d), float64.  Steps are 1-based (step s is row s-1).

    lesson: [2, -1, 2, -1, ...] on the first input, zeros on the others.
    custom: option ``values`` (array-like) cut / zero-padded to (T, d); zeros without it.
    sine: amplitude * sin(2 pi (t-1) / period + phase + j * dim_shift) for input j;
          options period=8, amplitude=1, phase=0, dim_shift=pi/2.
    step: 0 before step s, ``value`` from step s on (every input); options s=1, value=1.
    impulse: ``value`` at step s only (every input); options s=1, value=1.
    random: N(0, scale²) from ``np.random.default_rng(seed)``; option scale=1.
    Raises ValueError for an unknown kind, unknown options or bad values.
    """
    T, d = _check_sizes(T, d)
    allowed = {"lesson": {}, "custom": {"values": None},
               "sine": {"period": 8.0, "amplitude": 1.0, "phase": 0.0, "dim_shift": math.pi / 2},
               "step": {"s": 1, "value": 1.0}, "impulse": {"s": 1, "value": 1.0}, "random": {"scale": 1.0}}
    if kind not in allowed:
        raise ValueError(f"unknown input kind {kind!r}, expected one of {INPUT_KINDS}")
    unknown = set(options) - set(allowed[kind])
    if unknown:
        raise ValueError(f"input kind {kind!r} takes options {sorted(allowed[kind])}, got {sorted(unknown)}")
    o = {**allowed[kind], **options}
    if kind == "lesson":
        x = lesson_inputs(T, d)
    elif kind == "custom":
        x = np.zeros((T, d))
        if o["values"] is not None:
            v = np.asarray(o["values"], dtype=np.float64)
            v = v.reshape(-1, 1) if v.ndim == 1 else v
            if v.ndim != 2:
                raise ValueError(f"custom values must be a (T, d) table, got shape {v.shape}")
            x[: min(T, v.shape[0]), : min(d, v.shape[1])] = v[:T, :d]
    elif kind == "sine":
        period = float(o["period"])
        if not (math.isfinite(period) and period > 0):
            raise ValueError(f"period must be a positive number, got {period}")
        t = np.arange(T)[:, None]
        j = np.arange(d)[None, :]
        x = float(o["amplitude"]) * np.sin(2 * np.pi * t / period + float(o["phase"]) + j * float(o["dim_shift"]))
    elif kind == "step":
        x = np.zeros((T, d))
        x[_step_index(o["s"], T):] = float(o["value"])
    elif kind == "impulse":
        x = np.zeros((T, d))
        x[_step_index(o["s"], T)] = float(o["value"])
    else:
        x = _rng(seed).normal(0.0, float(o["scale"]), (T, d))
    if not np.all(np.isfinite(x)) or (x.size and np.max(np.abs(x)) > LIMITS.max_abs):
        raise ValueError(f"inputs must be finite with |value| <= {LIMITS.max_abs:g}")
    return x


_MAX_INPUT_BYTES = 200_000
_SPLIT = re.compile(r"[,;\s]+")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # line numbers as an editor counts them
_NON_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
_QUOTES = "\"'`"


def parse_inputs(text, d: int) -> tuple[np.ndarray | None, list[str]]:
    """Inputs from pasted or uploaded CSV text: (x of shape (T, d), warnings), or (None, warnings).  Never raises.

    One step per line; numbers split by commas, semicolons or whitespace; blank lines skipped.
    Lines starting with '#' are comments: skipped, with a warning that names them.  The first
    line is a header (skipped, with a warning that shows it) only when every token in it is a
    column name: it begins with a letter or '_' (quotes around it allowed), is not nan/inf/infinity
    and holds no control character.  Anything else in the first line is data, so a mistyped first
    value (``nan``, ``１``, ``1e5x``, ``1\\x00``) is an error with its line number, never a dropped row.
    A single line of numbers with d=1 is read as T steps.  Rejected (None and a message): more than
    200 kB, more than LIMITS.T steps, a word or non-finite number in a data line, a number with
    |value| > LIMITS.max_abs, lines of different lengths.  Lines of a different width than d are cut
    or zero-padded to d, with a warning.  Messages are plain text (shown escaped by the page); the
    user's text in them is one line and shortened (:func:`rnnviz.text.excerpt`).
    """
    try:
        return _parse_inputs(text, d)
    except Exception as exc:  # a safety net: never raise
        return None, [f"x: the data could not be read ({type(exc).__name__})."]


def _is_column_name(token: str) -> bool:
    word = token.strip(_QUOTES)
    return (bool(word) and (word[0].isalpha() or word[0] == "_") and not _NON_FINITE.fullmatch(word)
            and not any(unicodedata.category(c).startswith("C") for c in word))


def _not_a_number(number: int, token: str, tokens: list[str], first: bool) -> str:
    names = [tok for tok in tokens if _is_column_name(tok)] if first else []
    if names:  # a first line that mixes column names with something else
        other = next(tok for tok in tokens if not _is_column_name(tok))
        return (f"x: line {number} is neither a header nor data: '{excerpt(names[0], 20)}' is a column name but "
                f"'{excerpt(other, 20)}' is not (a header holds only names that begin with a letter, a data line "
                "only numbers); it was not read.")
    if NUMBER_PATTERN.fullmatch(token):
        return (f"x: line {number} has a number {len(token):,} characters long, more than the limit of "
                f"{LIMITS.max_token}; it was not read.")
    if _NON_FINITE.fullmatch(token):
        why = "which is not a finite number"
    elif any(unicodedata.category(c) == "Nd" and not c.isascii() for c in token):
        why = "which is not a number (write the digits 0-9)"
    elif any(unicodedata.category(c).startswith("C") for c in token):
        why = "which is not a number (it holds a control character)"
    else:
        why = "which is not a number"
    return f"x: line {number} has '{excerpt(token, 20)}', {why}; it was not read."


def _content_lines(text: str) -> tuple[list[tuple[int, str, list[str]]], list[int]]:
    """(line number, line, tokens) of every line that is not blank or a comment, and the comments' line numbers."""
    lines, comments = [], []
    for number, line in enumerate(_LINE_BREAK.split(text), start=1):
        line = line.strip().lstrip("\ufeff").strip()
        if line.startswith("#"):
            comments.append(number)
        elif line:
            lines.append((number, line, [tok for tok in _SPLIT.split(line) if tok]))
    return lines, comments


def _skipped_warnings(comments: list[int], header: tuple[int, str] | None) -> list[str]:
    warnings = []
    if comments:
        shown = ", ".join(str(n) for n in comments[:5]) + (", …" if len(comments) > 5 else "")
        lines = "line" if len(comments) == 1 else f"{len(comments)} lines"
        warnings.append(f"x: skipped {lines} starting with # as comments ({shown}).")
    if header is not None:
        warnings.append(f"x: line {header[0]} was read as a header (column names) and skipped: "
                        f"“{excerpt(header[1], 60)}”.")
    return warnings


def _parse_inputs(text, d) -> tuple[np.ndarray | None, list[str]]:
    if isinstance(text, (bytes, bytearray)):
        if len(text) > _MAX_INPUT_BYTES:
            return None, [f"x: the data is larger than {_MAX_INPUT_BYTES // 1000} kB; it was not read."]
        text = bytes(text).decode("utf-8-sig", errors="replace")
    if not isinstance(text, str):
        return None, ["x: expected text with one step per line; nothing was read."]
    if len(text) > _MAX_INPUT_BYTES or len(text.encode("utf-8", errors="replace")) > _MAX_INPUT_BYTES:
        return None, [f"x: the data is larger than {_MAX_INPUT_BYTES // 1000} kB; it was not read."]
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or not 1 <= d <= LIMITS.d:
        return None, [f"x: the input size d must be a whole number from 1 to {LIMITS.d}."]
    d = int(d)
    lines, comments = _content_lines(text)
    header = None
    if lines and all(_is_column_name(tok) for tok in lines[0][2]):
        header = lines.pop(0)[:2]
    warnings = _skipped_warnings(comments, header)
    if not lines:
        return None, warnings + ["x: no numbers found; write one step per line, numbers separated by commas."]
    if len(lines) > LIMITS.T:
        return None, [f"x: the data has {len(lines)} steps, more than the limit of {LIMITS.T}; it was not read."]
    width = len(lines[0][2])
    rows = []
    for index, (number, _, tokens) in enumerate(lines):
        if len(tokens) != width:
            return None, [f"x: line {number} has {len(tokens)} numbers but the first data line has {width}; "
                          "it was not read."]
        for tok in tokens:
            if not NUMBER_PATTERN.fullmatch(tok) or len(tok) > LIMITS.max_token:
                return None, [_not_a_number(number, tok, tokens, first=index == 0 and header is None)]
        row = [float(tok) for tok in tokens]
        if not all(math.isfinite(v) and abs(v) <= LIMITS.max_abs for v in row):
            return None, [f"x: line {number} has a number outside -{LIMITS.max_abs:g} to {LIMITS.max_abs:g}; "
                          "it was not read."]
        rows.append(row)
    x = np.array(rows, dtype=np.float64)
    if x.shape[0] == 1 and d == 1 and width > 1:
        x = x.T
        if x.shape[0] > LIMITS.T:
            return None, [f"x: the data has {x.shape[0]} steps, more than the limit of {LIMITS.T}; it was not read."]
    elif width != d:
        if width > d:
            warnings.append(f"x: the data has {width} columns but the network has d={d} inputs; used the first {d}.")
            x = x[:, :d]
        else:
            warnings.append(f"x: the data has {width} columns but the network has d={d} inputs; "
                            f"filled the other {d - width} with zeros.")
            x = np.hstack([x, np.zeros((x.shape[0], d - width))])
    return x, warnings


# --------------------------------------------------------------------------- resizing and presets


def _positive_matrix(n, rng) -> np.ndarray:
    return rng.uniform(0.2, 1.0, (n, n))


def make_preset(name: str, n: int | None = None, d: int | None = None, k: int | None = None,
                T: int | None = None, seed: int = 0) -> SimState:
    """A preset state (see the module docstring); sizes default to the preset's own.

    All randomness comes from ``np.random.default_rng(seed)``.  A new output layer (k > 0)
    gets W_y ~ N(0, 1/n) and zero b_y.  Raises ValueError for an unknown name or sizes
    outside ``LIMITS``.
    """
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}, expected one of {list(PRESETS)}")
    if name == "lesson":
        state = default_state()
        if (n, d, k, T) == (None, None, None, None):
            return state
        return resized(state, n, d, k, T, seed)
    n = _PRESET_N if n is None else int(n)
    d = _PRESET_D if d is None else int(d)
    k = 0 if k is None else int(k)
    T = _PRESET_T[name] if T is None else int(T)
    LIMITS.check_sizes(n, d, k, T)
    rng = np.random.default_rng(seed)
    activation = "tanh"
    if name == "long memory":
        W_h = 0.98 * np.eye(n) + rng.normal(0.0, 0.01 / math.sqrt(n), (n, n))
        W_x = rng.normal(0.0, 0.3, (n, d))
        b = np.zeros(n)
        x = make_inputs("impulse", T, d, s=1, value=1.0)
    elif name == "saturating":
        def signs(shape):
            return rng.choice([-1.0, 1.0], shape)

        W_h = 6.0 * np.eye(n) + rng.normal(0.0, 0.5 / math.sqrt(n), (n, n))
        W_x = signs((n, d)) * rng.uniform(1.5, 2.5, (n, d)) / d
        b = signs(n) * rng.uniform(1.0, 2.0, n)
        x = make_inputs("sine", T, d)
    elif name == "exploding":
        W_h, _ = scale_to_spectral_radius(_positive_matrix(n, rng), 1.6)
        W_x = rng.uniform(0.5, 1.0, (n, d))
        b = np.full(n, 0.01)
        x = make_inputs("impulse", T, d, s=1, value=1.0)
        activation = "relu"
    else:  # vanishing
        W_h = 0.4 * orthogonal_matrix(n, rng)
        W_x = rng.normal(0.0, 1.0, (n, d))
        b = np.zeros(n)
        x = make_inputs("impulse", T, d, s=1, value=1.0)
    W_y = rng.normal(0.0, 1.0 / math.sqrt(n), (k, n)) if k else None
    b_y = np.zeros(k) if k else None
    # 3 decimals: a preset's link stays short enough for a person to read; nothing here needs more.
    params = RNNParams(W_x=_readable(W_x), W_h=_readable(W_h), b=_readable(b), W_y=_readable(W_y), b_y=b_y,
                       activation=activation)
    return SimState(params=params, x=_readable(x), h0=np.zeros(n), t=1)


def _readable(arr):
    return None if arr is None else np.round(arr, 3) + 0.0  # + 0.0 turns -0.0 into 0.0
