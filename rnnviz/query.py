"""The URL form of the app state: ``to_query`` writes it, ``from_query`` reads it back.

URL form (readable by a person)::

    ?n=2&d=1&act=tanh&Wh=0.5,0.2;0.3,0.6&Wx=0.8;0.4&b=0.1,0.1&x=2;-1&h0=0,0&t=1

Keys and shapes come from ``rnnviz.state.FIELDS``.  Matrices are written row by row,
rows split by ``;`` and numbers by ``,``; ``x`` is T rows of d numbers; ``k``, ``Wy``
(k x n) and ``by`` (k) appear only with an output layer (``k`` > 0).  Numbers are printed
in the shortest form that reads back exactly, so ``from_query(to_query(s)) == (s, [])``
for every ``SimState`` s.

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

import math
import re
from collections.abc import Mapping

import numpy as np

from rnnviz.state import (
    DEFAULT_STATE,
    FIELDS,
    LIMITS,
    BadPart,
    SimState,
    StateBuilder,
    bounded,
    format_number,
    plural,
    quoted,
)

__all__ = ["NUMBER_PATTERN", "QUERY_KEYS", "from_query", "parse_grid", "parse_size", "to_query"]

QUERY_KEYS = tuple(f.key for f in FIELDS)
_KEY_OF = {f.name: f.key for f in FIELDS}
NUMBER_PATTERN = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")  # plain ASCII decimal


# --------------------------------------------------------------------------- writing

def _format_matrix(a: np.ndarray) -> str:
    return ";".join(",".join(format_number(v) for v in row) for row in np.atleast_2d(a))


def to_query(state: SimState) -> dict[str, str]:
    """The URL query of ``state`` (keys n, d, [k], act, Wh, Wx, b, [Wy, by], x, h0, t)."""
    query = {}
    for f in FIELDS:
        if f.written and (state.k or not f.optional):
            value = state.value(f.name)
            query[f.key] = _format_matrix(value) if f.kind == "array" else str(value)
    return query


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
        return builder.build(parts), builder.warnings
    except Exception as exc:  # a safety net: from_query must never raise
        return DEFAULT_STATE, builder.warnings + [f"query: could not be read ({type(exc).__name__}); "
                                             "used the default state."]
