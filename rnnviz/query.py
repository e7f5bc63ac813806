"""The URL form of the app state: ``to_query`` writes it, ``from_query`` reads it back.

URL form (readable by a person)::

    ?n=2&d=1&act=tanh&Wh=0.5,0.2;0.3,0.6&Wx=0.8;0.4&b=0.1,0.1&x=2;-1&h0=0,0&t=1

Keys and shapes come from ``rnnviz.state.FIELDS``.  Matrices are written row by row,
rows split by ``;`` and numbers by ``,``; ``x`` is T rows of d numbers; ``k``, ``Wy``
(k x n) and ``by`` (k) appear only with an output layer (``k`` > 0); ``L`` (layers, 1..3)
and layer l's ``Wh<l>`` (n x n), ``Wx<l>`` (n x n, it reads layer l-1's h_t), ``b<l>`` only
in a stack.  Numbers are printed in the shortest form that reads back exactly, so
``from_query(to_query(s)) == (s, [])`` for every ``SimState`` s.

Compact form (written when the readable query would pass ``READABLE_CHARS``; read always)::

    ?n=16&d=4&T=50&L=3&p=saturating&xg=random.7&act=tanh&Wh=~3_4:0.25,1_1:-0.5&Wx2=*zeNo...&t=1

* ``p``: the preset the missing arrays come from (resized to the link's sizes, as
  ``resized`` does; default: the lesson, whose resized inputs are the lesson inputs);
* ``xg``: the inputs come from that generator (``lesson``, ``sine``, ``step``, ``impulse``,
  ``random`` or ``random.SEED``) unless ``x`` is written out;
* an array value starting with ``~`` lists only the entries that differ from that base:
  ``row_col:value`` (1-based; ``i:value`` for a vector);
* one starting with ``*f`` / ``*z`` is the array's float64 bytes (little-endian, row by row)
  in base64url without padding, ``z`` deflated (zlib).
Layers missing from a link are the seeded layers of ``rnnviz.stacking`` (what old links showed).
``T`` is written whenever x is not written out in full.  A link longer than ``SAFE_LINK_CHARS``
(as the address bar escapes it) is never written into the address bar (measured: docs/DEPLOY.md).

Reading (``from_query``) never raises.  Rules, each broken rule giving one
plain-language warning that starts with the parameter's name:

* Missing keys are not warnings: they take the default (lesson) values.
* Unknown keys are ignored silently, because the page URL also carries other
  pages' settings; a key that differs from a known one only by case (``WH``) is
  reported ("did you mean Wh?").  A key given several times: the last value is used.
* Sizes: ``n``, ``d``, ``k``, ``T`` are taken from their keys, else inferred (n from Wh,
  Wx, b, h0, Wy, in that order; d from Wx, then x; k from Wy, then by; T from x; ``to_query``
  never writes T since x carries it).  Sizes outside 1..LIMITS (k: 0..LIMITS.k) are
  clipped with a warning; a matrix that had exactly the clipped-away size keeps its
  top-left block (x keeps its first steps).
* A value that is too long (> ``LIMITS.max_chars`` characters, checked before
  parsing), has too many numbers (> ``LIMITS.max_numbers``), is not made of plain
  ASCII decimal numbers, is not finite or has a number with magnitude above
  ``LIMITS.max_abs`` (1e6: finite but useless, and products of such numbers head
  for overflow), or has the wrong shape, is replaced as a whole by the fallback:
  the default state resized to the chosen sizes (see ``rnnviz.state``).
* ``t`` is clipped to 1..T; ``act`` must be ``tanh`` or ``relu`` (any case).
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import zlib
from collections.abc import Mapping
from urllib.parse import urlencode

import numpy as np

from rnnviz.state import (
    DEFAULT_STATE,
    FIELDS,
    FIELDS_BY_NAME,
    LIMITS,
    BadPart,
    SimState,
    StateBuilder,
    bounded,
    default_state,
    format_number,
    plural,
    present,
    quoted,
    resized,
)

__all__ = ["NUMBER_PATTERN", "QUERY_KEYS", "READABLE_CHARS", "SAFE_LINK_CHARS", "address_bar_length", "from_query",
           "parse_grid", "parse_size", "query_text", "to_query", "to_query_readable"]

RECIPE_KEYS = ("p", "xg")  # the preset the network started from, the generator of its inputs
QUERY_KEYS = tuple(f.key for f in FIELDS) + RECIPE_KEYS
URL_SAFE = ",;:*"
READABLE_CHARS = 1500  # the readable form is written while its query is at most this long
SAFE_LINK_CHARS = 8000  # the longest query (as the address bar escapes it) the app writes: see docs/DEPLOY.md
INPUT_GENERATORS = ("lesson", "sine", "step", "impulse", "random")
_KEY_OF = {f.name: f.key for f in FIELDS}
NUMBER_PATTERN = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")  # plain ASCII decimal


# --------------------------------------------------------------------------- writing

def _format_matrix(a: np.ndarray) -> str:
    return ";".join(",".join(format_number(v) for v in row) for row in np.atleast_2d(a))


def to_query_readable(state: SimState) -> dict[str, str]:
    """The readable URL query of ``state``: keys n, d, [k], [L], act, Wh, Wx, b, [Wy, by], x, h0, [Wh2, Wx2, b2,
    ...], t; every number written out."""
    sizes = state.sizes
    query = {}
    for f in FIELDS:
        if f.name == "L":
            if state.L > 1:
                query["L"] = str(state.L)
        elif f.kind == "array":
            if present(f, sizes):
                query[f.key] = _format_matrix(state.value(f.name))
        elif f.written and (state.k or not f.optional):
            query[f.key] = str(state.value(f.name))
    return query


def query_text(query: Mapping[str, str]) -> str:
    """The query as the app's links write it (``;``, ``,``, ``:`` and ``*`` unescaped)."""
    return urlencode(query, safe=URL_SAFE)


def address_bar_length(query: Mapping[str, str]) -> int:
    """How long the query is in the address bar (Streamlit escapes every reserved character there)."""
    return len(urlencode(query))


def _binary(a: np.ndarray) -> str:
    """'*f' + base64url of the float64 bytes (little-endian, row by row), or '*z' + the same deflated."""
    raw = np.ascontiguousarray(a, dtype="<f8").tobytes()
    packed = zlib.compress(raw, 9)
    tag, data = ("z", packed) if len(packed) < len(raw) else ("f", raw)
    return "*" + tag + base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _edits(a: np.ndarray, base: np.ndarray, budget: int) -> str | None:
    """'~' + the entries of ``a`` that differ from ``base`` (i_j:v, 1-based), or None when over ``budget`` chars."""
    changed = np.argwhere(a != base)
    if len(changed) * 4 > budget:
        return None
    items = []
    for index in changed:
        items.append("_".join(str(i + 1) for i in index) + ":" + format_number(a[tuple(index)]))
    text = "~" + ",".join(items)
    return text if len(text) <= budget else None


def _shortest(a: np.ndarray, base: np.ndarray | None, full: str) -> str | None:
    """None when ``a`` equals ``base`` (the key can be left out), else its shortest exact text (``full``: the
    shorter of its readable and float64-block forms, or edits against ``base``)."""
    if base is not None and base.shape == a.shape and np.array_equal(a, base):
        return None
    if base is not None and base.shape == a.shape:
        return _edits(a, base, len(full) - 1) or full
    return full


def _recipes(state: SimState, input_seed: int):
    """(preset keys, base state, [(generator keys, x)]) for every description the reader can rebuild: a preset
    resized to the state's sizes, with its own inputs or a named input generator."""
    from rnnviz import presets  # rnnviz.presets imports this module

    sizes = state.sizes
    generated = [({"xg": kind + (f".{input_seed}" if kind == "random" and input_seed else "")},
                  _generated(kind, input_seed, state.T, state.d)) for kind in INPUT_GENERATORS]
    for name in presets.PRESETS:
        base = _preset_fallback(name, sizes)
        inputs = [({}, base.x)] + [(keys, x) for keys, x in generated if not np.array_equal(x, base.x)]
        yield ({} if name == "lesson" else {"p": name}), base, inputs


def _compact_query(state: SimState, input_seed: int, readable: dict[str, str]) -> dict[str, str]:
    """The shortest query of the recipes (see ``_recipes``): sizes, preset, generator, then only what differs."""
    fields = [f for f in FIELDS if f.kind == "array" and present(f, state.sizes)]
    full = {f.key: min(readable[f.key], _binary(state.value(f.name)), key=len) for f in fields}
    sizes = {"n": str(state.n), "d": str(state.d), **({"k": str(state.k)} if state.k else {}),
             "T": str(state.T), **({"L": str(state.L)} if state.L > 1 else {})}
    best, best_length = readable, len(query_text(readable))
    for keys, base, inputs in _recipes(state, input_seed):
        weights = {}
        for f in fields:
            if f.name != "x":
                text = _shortest(state.value(f.name), base.value(f.name), full[f.key])
                if text is not None:
                    weights[f.key] = text
        for input_keys, x in inputs:
            query = {**sizes, **keys, **input_keys, "act": state.activation, **weights}
            x_text = _shortest(state.x, x, full["x"])
            if x_text is not None:
                query["x"] = x_text
            query["t"] = str(state.t)
            length = len(query_text(query))
            if length < best_length:
                best, best_length = query, length
    return best


def to_query(state: SimState, input_seed: int = 0) -> dict[str, str]:
    """The URL query of ``state``: the readable form while it is at most ``READABLE_CHARS`` long, else the
    shortest exact form (preset + generator + edits, numbers as float64 bytes where that is shorter).

    ``input_seed``: the seed the page's input generator used, so generated random inputs can be named.
    ``from_query(to_query(s)) == (s, [])`` for every state.
    """
    readable = to_query_readable(state)
    if len(query_text(readable)) <= READABLE_CHARS:
        return readable
    return _compact_query(state, int(input_seed), readable)


# --------------------------------------------------------------------------- reading text

def _parse_number(token: str) -> float:
    token = token.strip()
    if not token:
        raise BadPart("a number is missing (two separators in a row, or one at the end)")
    if len(token) > LIMITS.max_token:
        raise BadPart(f"{quoted(token)} is too long to be a number")
    if not NUMBER_PATTERN.fullmatch(token):
        raise BadPart(f"{quoted(token)} is not a number")
    return bounded(float(token), token)


def parse_grid(text: str) -> np.ndarray:
    """'a,b;c,d' -> 2-D float64 array (rows x cols); BadPart with a plain message if unusable."""
    if len(text) > LIMITS.max_chars:
        raise BadPart(f"the text is {len(text)} characters long, more than the limit of {LIMITS.max_chars}")
    if not text.strip():
        raise BadPart("the value is empty")
    if text.count(",") + text.count(";") + 1 > LIMITS.max_numbers:
        raise BadPart(f"it has more than {LIMITS.max_numbers} numbers")
    rows = [row.split(",") for row in text.split(";")]
    width = len(rows[0])
    for i, row in enumerate(rows[1:], start=2):
        if len(row) != width:
            raise BadPart(f"row {i} has {plural(len(row), 'number')} but row 1 has {width}")
    return np.array([[_parse_number(tok) for tok in row] for row in rows], dtype=np.float64)


def parse_size(text: str) -> int | float:
    """A whole number (may be huge or infinite: the caller clips); BadPart if not a whole number."""
    if len(text) > LIMITS.max_token:
        raise BadPart(f"{quoted(text)} is too long to be a size")
    token = text.strip()
    if not NUMBER_PATTERN.fullmatch(token):
        raise BadPart(f"{quoted(token)} is not a whole number")
    v = float(token)
    if math.isinf(v):
        return v
    if v != int(v):
        raise BadPart(f"{quoted(token)} is not a whole number")
    return int(v)


# --------------------------------------------------------------------------- reading a query

def _last_value(value):
    """(value, how many times given): Streamlit may hand a list of values for a repeated key."""
    if isinstance(value, (list, tuple)):
        return (value[-1] if value else None), len(value)
    return value, 1


def _text_parts(query, builder: StateBuilder) -> dict[str, str]:
    """The query's values by field name, as text; repeated or non-text values are warned about."""
    parts = {}
    for f in FIELDS:
        value, count = _last_value(query.get(f.key))
        if value is None:
            continue
        if count > 1:
            builder.warn(f.name, f"given {count} times; used the last value")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = format_number(value) if isinstance(value, float) and math.isfinite(value) else str(value)
        if not isinstance(value, str):
            builder.warn(f.name, f"expected text, got {quoted(type(value).__name__)}; ignored it")
            continue
        parts[f.name] = value
    return parts


def _case_slips(query) -> list[str]:
    """Warnings for keys that differ from a known one only by case (WH for Wh); other keys are not ours."""
    lowered = {key.lower(): key for key in QUERY_KEYS}
    warnings = []
    for i, key in enumerate(query.keys()):
        if i >= 200:
            break
        if isinstance(key, str) and key not in QUERY_KEYS and key.lower() in lowered:
            warnings.append(f"{quoted(key).strip(chr(39))}: unknown parameter; did you mean "
                            f"{lowered[key.lower()]}? It was ignored.")
    return warnings


def _preset_fallback(name: str, sizes: Mapping[str, int]) -> SimState:
    """What a link's missing parts come from: the lesson's ``default_state`` or preset ``name`` resized."""
    if name == "lesson":
        return default_state(**sizes)
    from rnnviz import presets  # rnnviz.presets imports this module

    return resized(presets.make_preset(name), **sizes)


def _generated(kind: str, seed: int, T: int, d: int) -> np.ndarray:
    from rnnviz import presets

    return presets.make_inputs(kind, T, d, seed=seed)


def _recipe_base(query, builder: StateBuilder) -> str:
    """The preset named by ``p`` (default: the lesson); an unknown name is warned about."""
    from rnnviz import presets

    value, _ = _last_value(query.get("p"))
    if value is None:
        return "lesson"
    name = str(value).strip().lower().replace("-", " ").replace("_", " ")
    if name in presets.PRESETS:
        return name
    builder.warn("p", f"{quoted(value)} is not a preset ({', '.join(presets.PRESETS)}); used the lesson")
    return "lesson"


def _apply_generator(state: SimState, query, builder: StateBuilder, x_written: bool) -> SimState:
    """x from the generator ``xg`` (kind or kind.seed), when the link names one and does not write x out."""
    value, _ = _last_value(query.get("xg"))
    if value is None or x_written:
        return state
    kind, _, seed_text = str(value).partition(".")
    seed = int(seed_text) if seed_text.isdigit() and len(seed_text) <= 10 else None
    if kind not in INPUT_GENERATORS or (seed_text and seed is None):
        builder.warn("xg", f"{quoted(value)} is not an input generator ({', '.join(INPUT_GENERATORS)}, "
                           "random.SEED); kept the inputs")
        return state
    return state.replace(x=_generated(kind, seed or 0, state.T, state.d))


def _decode_binary(text: str, count: int) -> np.ndarray:
    """'*f...' / '*z...' -> ``count`` float64 numbers; BadPart unless exactly that many."""
    tag, body = text[1:2], text[2:]
    if tag not in ("f", "z") or len(body) > LIMITS.max_chars:
        raise BadPart("not a compact number block (*f... or *z...)")
    try:
        data = base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True)
        if tag == "z":
            inflater = zlib.decompressobj()
            data = inflater.decompress(data, count * 8 + 1)
            if inflater.unconsumed_tail or not inflater.eof:
                raise BadPart(f"the compact block does not hold {plural(count, 'number')}")
    except (binascii.Error, ValueError, zlib.error):
        raise BadPart("the compact block is damaged (not base64url / deflate)") from None
    if len(data) != count * 8:
        raise BadPart(f"the compact block holds {len(data)} bytes, expected {count * 8} ({plural(count, 'number')})")
    return np.frombuffer(data, dtype="<f8").astype(np.float64)


def _apply_edits(text: str, current: np.ndarray) -> np.ndarray:
    """'~i_j:v,...' (1-based indices) applied to a copy of ``current``."""
    arr = np.array(current, dtype=np.float64)
    items = text[1:].split(",")
    if len(items) > arr.size or len(text) > LIMITS.max_chars:
        raise BadPart(f"more edits than the {plural(arr.size, 'number')} it has")
    for item in items:
        where, sep, number = item.partition(":")
        parts = where.split("_")
        if not sep or len(parts) != arr.ndim or not all(p.isdigit() and len(p) <= 4 for p in parts):
            raise BadPart(f"{quoted(item)} is not an edit (row_col:value, or i:value for a vector)")
        index = tuple(int(p) - 1 for p in parts)
        if not all(0 <= i < size for i, size in zip(index, arr.shape, strict=True)):
            raise BadPart(f"{quoted(item)} is outside the shape {' x '.join(map(str, arr.shape))}")
        arr[index] = _parse_number(number)
    return arr


def _apply_compact(state: SimState, compact: Mapping[str, str], builder: StateBuilder) -> SimState:
    """The arrays a link gives as edits (~) or float64 blocks (*), applied to the state built from the rest."""
    for name, text in compact.items():
        f = FIELDS_BY_NAME[name]
        if not present(f, state.sizes):
            builder.warn(name, "ignored: the network has no such array (check k and L)")
            continue
        current = state.value(name)
        try:
            if text.startswith("~"):
                value = _apply_edits(text, current)
            else:
                value = _decode_binary(text, current.size).reshape(current.shape)
                if not np.all(np.isfinite(value)) or np.max(np.abs(value), initial=0) > LIMITS.max_abs:
                    raise BadPart(f"a value is outside -{LIMITS.max_abs:g} to {LIMITS.max_abs:g}")
            state = state.replace(**{name: value})
        except BadPart as bad:
            builder.warn(name, f"{bad}; {builder.kept}")
    return state


def from_query(query: Mapping[str, str | list[str]]) -> tuple[SimState, list[str]]:
    """The state a URL query describes, and plain-language warnings.  Never raises.

    See the module docstring for the rules.  An empty query gives ``default_state()``
    and no warnings.
    """
    builder = StateBuilder(DEFAULT_STATE, names=_KEY_OF, kept="kept the default values",
                           parse_grid=parse_grid, parse_size=parse_size, lesson_fallback=True)
    try:
        if query is None:
            return DEFAULT_STATE, []
        if not (isinstance(query, Mapping) or (hasattr(query, "get") and hasattr(query, "keys"))):
            return DEFAULT_STATE, ["query: it is not a set of key=value pairs; used the default state."]
        parts = _text_parts(query, builder)
        builder.warnings.extend(_case_slips(query))
        preset = _recipe_base(query, builder)
        if preset != "lesson":
            builder.base, builder.lesson_fallback = _preset_fallback(preset, {}), False
        compact = {name: parts.pop(name) for name in list(parts)
                   if FIELDS_BY_NAME[name].kind == "array" and parts[name][:1] in ("~", "*")}
        state = _apply_generator(builder.build(parts), query, builder, "x" in parts)
        return _apply_compact(state, compact, builder), builder.warnings
    except Exception as exc:  # a safety net: from_query must never raise
        return DEFAULT_STATE, builder.warnings + [f"query: could not be read ({type(exc).__name__}); "
                                             "used the default state."]

