"""The URL form of the state (rnnviz.query): round trip, defaults, inference, clipping and hostile input."""

import math
import re
import time
from urllib.parse import parse_qsl, urlencode

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rnnviz.query
from rnnviz.engine import RNNParams, forward
from rnnviz.query import QUERY_KEYS, from_query, to_query
from rnnviz.state import FIELDS, LIMITS, SimState, default_state, format_number

EXAMPLE = "n=2&d=1&act=tanh&Wh=0.5,0.2;0.3,0.6&Wx=0.8;0.4&b=0.1,0.1&x=2;-1&h0=0,0&t=1"
SPECIAL = [0.0, -0.0, 0.1, 0.1 + 0.2, 1e-300, -1e-300, 5e-324, 1e-05, 1e6, -1e6, 123456.789, 2.0, -1.0,
           1 / 3, 2.2250738585072014e-308, 0.30000000000000004, 999999.9999999999]
WARNING = re.compile(r"^(n|d|k|t|act|Wh|Wx|b|Wy|by|x|h0|query|[A-Za-z0-9?]+): [-a-z0-9'A-Z].*\.$")


def assert_valid(state, warnings):
    assert isinstance(state, SimState)
    assert 1 <= state.n <= LIMITS.n and 1 <= state.d <= LIMITS.d and 0 <= state.k <= LIMITS.k
    assert 1 <= state.T <= LIMITS.T and 1 <= state.t <= state.T
    for arr in [*state.params.arrays().values(), state.x, state.h0]:
        assert arr.dtype == np.float64 and np.all(np.isfinite(arr)) and np.all(np.abs(arr) <= LIMITS.max_abs)
    for w in warnings:
        assert isinstance(w, str) and WARNING.match(w), w
        assert "could not be read" not in w, w  # the safety net was not needed
    forward(state.params, state.x, state.h0)  # the engine accepts it


# --------------------------------------------------------------------------- default and example URL

def test_example_url_parses_to_default_state():
    state, warnings = from_query(dict(parse_qsl(EXAMPLE)))
    assert warnings == []
    assert state == default_state()


def test_default_state_writes_the_example_url():
    assert urlencode(to_query(default_state()), safe=",;") == EXAMPLE


def test_empty_query_is_default_without_warnings():
    assert from_query({}) == (default_state(), [])


def test_missing_keys_are_not_warnings():
    state, warnings = from_query({"Wh": "1,0;0,1"})
    assert warnings == []
    np.testing.assert_array_equal(state.params.W_h, np.eye(2))
    assert state.params.W_x.shape == (2, 1)


# --------------------------------------------------------------------------- round trip

@st.composite
def states(draw, max_n=6, max_d=4, max_k=3, max_T=8):
    n = draw(st.integers(1, max_n))
    d = draw(st.integers(1, max_d))
    k = draw(st.integers(0, max_k))
    T = draw(st.integers(1, max_T))
    values = st.one_of(st.sampled_from(SPECIAL),
                       st.floats(-LIMITS.max_abs, LIMITS.max_abs, allow_nan=False, allow_subnormal=True))

    def arr(*shape):
        return np.array(draw(st.lists(values, min_size=math.prod(shape), max_size=math.prod(shape))),
                        dtype=np.float64).reshape(shape)

    params = RNNParams(W_x=arr(n, d), W_h=arr(n, n), b=arr(n), W_y=arr(k, n) if k else None,
                       b_y=arr(k) if k else None, activation=draw(st.sampled_from(["tanh", "relu"])))
    upper = tuple(RNNParams(W_x=arr(n, n), W_h=arr(n, n), b=arr(n)) for _ in range(draw(st.integers(0, 2))))
    return SimState(params=params, x=arr(T, d), h0=arr(n), t=draw(st.integers(1, T)), upper=upper)


def _roundtrip(s):
    q = to_query(s)
    assert all(isinstance(v, str) for v in q.values())
    back, warnings = from_query(q)
    assert warnings == []
    assert back == s
    # also through a real URL encode / decode
    back2, warnings2 = from_query(dict(parse_qsl(urlencode(q))))
    assert warnings2 == [] and back2 == s
    return q


@settings(max_examples=150, deadline=None)
@given(states())
def test_roundtrip_small(s):
    _roundtrip(s)


@st.composite
def big_states(draw):
    """Big shapes up to the limits: values from a drawn seed, salted with special values."""
    n = draw(st.integers(1, LIMITS.n))
    d = draw(st.integers(1, LIMITS.d))
    k = draw(st.integers(0, LIMITS.k))
    T = draw(st.integers(1, LIMITS.T))
    rng = np.random.default_rng(draw(st.integers(0, 2**32)))
    special = np.array(SPECIAL)

    def arr(*shape):
        a = rng.normal(0, 10.0 ** rng.integers(-5, 6), shape)
        mask = rng.random(shape) < 0.2
        a[mask] = rng.choice(special, mask.sum())
        return a

    params = RNNParams(W_x=arr(n, d), W_h=arr(n, n), b=arr(n), W_y=arr(k, n) if k else None,
                       b_y=arr(k) if k else None, activation="relu")
    upper = tuple(RNNParams(W_x=arr(n, n), W_h=arr(n, n), b=arr(n)) for _ in range(draw(st.integers(0, 2))))
    return SimState(params=params, x=arr(T, d), h0=arr(n), t=draw(st.integers(1, T)), upper=upper)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(big_states())
def test_roundtrip_big(s):
    _roundtrip(s)


def test_roundtrip_at_the_limits():
    rng = np.random.default_rng(1)
    n, d, k, T = LIMITS.n, LIMITS.d, LIMITS.k, LIMITS.T
    p = RNNParams(W_x=rng.normal(size=(n, d)) * 1e-7, W_h=rng.normal(size=(n, n)), b=np.full(n, -999999.9999999999),
                  W_y=rng.normal(size=(k, n)), b_y=np.full(k, 1e-300))
    s = SimState(params=p, x=-rng.random((T, d)) / 3, h0=np.full(n, 0.1 + 0.2), t=T)
    q = _roundtrip(s)
    assert max(len(v) for v in q.values()) <= LIMITS.max_chars


# --------------------------------------------------------------------------- inference and clipping

def test_n_and_d_inferred_from_matrices():
    state, warnings = from_query({"Wh": "1,2,3;4,5,6;7,8,9", "Wx": "1,0;0,1;1,1"})
    assert warnings == []
    assert (state.n, state.d) == (3, 2)
    np.testing.assert_array_equal(state.params.W_h, [[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    assert state.x.shape[1] == 2 and state.h0.shape == (3,)


def test_n_inferred_from_b_and_d_from_x():
    state, warnings = from_query({"b": "1,2,3", "x": "1,2;3,4;5,6"})
    assert warnings == []
    assert (state.n, state.d, state.T) == (3, 2, 3)
    np.testing.assert_array_equal(state.params.b, [1, 2, 3])


def test_k_inferred_from_wy():
    state, warnings = from_query({"Wy": "1,2"})
    assert warnings == [] and state.k == 1
    np.testing.assert_array_equal(state.params.W_y, [[1, 2]])
    np.testing.assert_array_equal(state.params.b_y, [0])


def test_x_as_one_row_with_d_1_reads_as_steps():
    state, warnings = from_query({"d": "1", "x": "1,2,3"})
    assert warnings == [] and state.x.shape == (3, 1)
    state, warnings = from_query({"x": "1,2,3"})
    assert warnings == [] and state.x.shape == (3, 1)
    state, warnings = from_query({"d": "3", "x": "1,2,3"})
    assert warnings == [] and state.x.shape == (1, 3)


def test_inconsistent_sizes_keep_first_source_and_warn():
    state, warnings = from_query({"Wh": "1,2;3,4", "b": "1,2,3"})
    assert state.n == 2
    np.testing.assert_array_equal(state.params.b, [0.1, 0.1])
    assert warnings == ["b: expected 2 numbers, got 3; kept the default values."]


def test_wrong_shape_message():
    _, warnings = from_query({"n": "2", "Wh": "1,2;3,4;5,6"})
    assert warnings == ["Wh: expected 2 rows of 2 numbers, got 3 rows of 2 numbers; kept the default values."]


@pytest.mark.parametrize("key, value, size, expected", [
    ("n", "1000000000", "n", LIMITS.n), ("n", "0", "n", 1), ("n", "-5", "n", 1), ("d", "17", "d", LIMITS.d),
    ("k", "99", "k", LIMITS.k), ("k", "-1", "k", 0), ("n", "1e999", "n", LIMITS.n), ("n", "9" * 60, "n", LIMITS.n),
    ("d", "2.0", "d", 2),
])
def test_sizes_are_clipped(key, value, size, expected):
    state, warnings = from_query({key: value})
    assert getattr(state, size) == expected
    assert_valid(state, warnings)
    if value not in ("2.0",):
        assert len(warnings) == 1 and warnings[0].startswith(f"{key}: ")


def test_default_values_resized_keep_lesson_block_and_are_seeded():
    state, warnings = from_query({"n": "3", "d": "2"})
    assert warnings == []
    np.testing.assert_array_equal(state.params.W_h[:2, :2], [[0.5, 0.2], [0.3, 0.6]])
    np.testing.assert_array_equal(state.params.W_x[:2, :1], [[0.8], [0.4]])
    np.testing.assert_array_equal(state.params.b, [0.1, 0.1, 0.0])
    np.testing.assert_array_equal(state.x, [[2.0, 0.0], [-1.0, 0.0]])
    assert np.all(state.params.W_h[2] != 0) and np.all(np.abs(state.params.W_h[2]) < 2)
    assert from_query({"n": "3", "d": "2"})[0] == state  # deterministic
    assert default_state(3, 2) == state


def test_oversize_matrix_keeps_top_left_block():
    big = np.arange(65 * 65, dtype=float).reshape(65, 65) / 10000
    q = {"Wh": ";".join(",".join(format_number(v) for v in row) for row in big)}
    state, warnings = from_query(q)
    assert state.n == LIMITS.n
    np.testing.assert_array_equal(state.params.W_h, big[:64, :64])
    assert warnings[0].startswith("n: 65 is more than the limit of 64")
    assert warnings[1] == "Wh: kept the top-left 64 x 64 block."


def test_too_many_steps_keep_the_first():
    state, warnings = from_query({"x": ";".join(["1"] * 600)})
    assert state.T == LIMITS.T
    assert warnings == ["x: 600 is more than the limit of 500 steps; used 500.", "x: kept the first 500 steps."]


@pytest.mark.parametrize("t, expected", [("0", 1), ("-3", 1), ("3", 2), ("99999999999999", 2), ("1e999", 2)])
def test_t_is_clipped(t, expected):
    state, warnings = from_query({"t": t})
    assert state.t == expected
    assert len(warnings) == 1 and warnings[0].startswith("t: ") and "outside the steps 1 to 2" in warnings[0]


def test_t_kept_with_more_steps():
    state, warnings = from_query({"x": "1;2;3;4", "t": "4"})
    assert state.t == 4 and warnings == []


def test_activation():
    assert from_query({"act": "relu"})[0].activation == "relu"
    assert from_query({"act": " ReLU "})[0].activation == "relu"
    state, warnings = from_query({"act": "sigmoid"})
    assert state.activation == "tanh" and warnings == [
        "act: 'sigmoid' is not an activation (use tanh or relu); used tanh."]


def test_output_layer_ignored_when_k_is_0():
    state, warnings = from_query({"k": "0", "Wy": "1,2", "by": "3"})
    assert state.k == 0
    assert warnings == ["Wy: ignored because k=0 (no output layer).", "by: ignored because k=0 (no output layer)."]


def test_k_without_wy_creates_seeded_output_layer():
    state, warnings = from_query({"k": "2"})
    assert warnings == [] and state.params.W_y.shape == (2, 2) and np.all(state.params.b_y == 0)
    assert np.all(state.params.W_y != 0)


def test_list_values_use_the_last():
    state, warnings = from_query({"t": ["1", "2"], "n": ["2"], "d": []})
    assert state.t == 2
    assert warnings == ["t: given 2 times; used the last value."]


def test_unknown_keys_ignored_but_case_slips_reported():
    state, warnings = from_query({"page": "train", "foo": "x" * 1000, "WH": "1,2;3,4"})
    assert state == default_state()
    assert warnings == ["WH: unknown parameter; did you mean Wh? It was ignored."]


# --------------------------------------------------------------------------- hostile input

HOSTILE = [
    "", " ", ";", ",", ";;", "1,,2", "1;", "nan", "NaN,1;1,1", "inf", "-inf,0;0,0", "1e308", "1e309", "1e6",
    "1000000.1", "-1e7", "0x10", "1_000", "١٢", "０.５", "1e", "e5", ".", "-", "+", "--1", "1.2.3", "2**3",
    "<script>", "[1](x)", "\x00", "\n", "1,2;3", "1" * 100, "9" * 5000, "1," * 10000, "1;" * 9000 + "1",
    "a" * 100_000, "0," * 120_000, "💥", "1e-400", "None", "[[1,2],[3,4]]", "0.5 0.2; 0.3 0.6", "1, 2; 3, 4",
]


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
@pytest.mark.parametrize("key", QUERY_KEYS)
def test_hostile_values_never_raise(key, value):
    t0 = time.perf_counter()
    state, warnings = from_query({key: value})
    assert time.perf_counter() - t0 < 10.0  # a "must not hang" guard, not a timing measure
    assert_valid(state, warnings)
    for w in warnings:
        assert w.startswith(f"{key}: "), w
        assert "<" not in w and "[" not in w and "\x00" not in w


@pytest.mark.parametrize("query", [
    {"n": "64", "Wh": "1e308"}, {"n": "10**9"}, {"Wh": "1e308,0;0,0"}, {"x": "1e308;1"},
    {"n": "64", "d": "16", "k": "16", "x": ";".join([",".join(["1"] * 16)] * 500), "t": "500"},
    {"n": "3", "Wh": "1,2;3,4"}, {"d": "3", "Wx": "1;2"}, {"d": "2", "x": "1;2;3"}, {"Wy": "1,2,3"},
    {"by": "1,2", "Wy": "1,2"}, {"h0": "1,2,3,4,5"}, {"t": "abc"}, {"t": "2.5"}, {"act": "x" * 100000},
    {"n": ["1", "2", "3"], "Wh": ["1"]}, {"n": 3}, {"n": None}, {"n": object()}, {"Wh": [object()]},
    {1: "2", None: "x"}, {"n": "64", "x": "1;" * 500 + "1"}, {"t": ""}, {"n": ""},
])
def test_hostile_queries_never_raise(query):
    assert_valid(*from_query(query))


def test_huge_number_rejected_with_plain_message():
    state, warnings = from_query({"Wh": "1e308,0;0,0"})
    assert state == default_state()
    assert warnings == ["Wh: the value '1e308' is outside the allowed range -1e+06 to 1e+06; kept the default values."]


def test_garbage_message_names_the_value():
    _, warnings = from_query({"b": "0.1,abc"})
    assert warnings == ["b: 'abc' is not a number; kept the default values."]


def test_too_long_value_rejected_before_parsing(monkeypatch):
    def no_parsing(token):
        raise AssertionError("a too-long value was split into numbers")

    monkeypatch.setattr(rnnviz.query, "_parse_number", no_parsing)
    _, warnings = from_query({"x": "1" * (LIMITS.max_chars + 1)})
    assert warnings == [f"x: the text is {LIMITS.max_chars + 1} characters long, more than the limit of "
                        f"{LIMITS.max_chars}; kept the default values."]


def test_non_mapping_query():
    assert from_query(None) == (default_state(), [])
    state, warnings = from_query(["n=3"])
    assert state == default_state() and len(warnings) == 1


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(QUERY_KEYS), st.text(max_size=300))
def test_hypothesis_text_never_raises(key, value):
    state, warnings = from_query({key: value})
    assert_valid(state, warnings)
    assert all(w.startswith(f"{key}: ") for w in warnings)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(QUERY_KEYS),
                       st.one_of(st.text(alphabet="0123456789.,;-e naif", max_size=60),
                                 st.lists(st.text(max_size=10), max_size=3)),
                       max_size=8))
def test_hypothesis_queries_never_raise(query):
    assert_valid(*from_query(query))


# --------------------------------------------------------------------------- derived from FIELDS

def test_query_keys_come_from_fields_in_url_order():
    assert QUERY_KEYS == ("n", "d", "k", "T", "L", "act", "Wh", "Wx", "b", "Wy", "by", "x", "h0",
                          "Wh2", "Wx2", "b2", "Wh3", "Wx3", "b3", "t", "p", "xg")
    assert QUERY_KEYS == tuple(f.key for f in FIELDS) + ("p", "xg")


def test_to_query_writes_output_layer_only_with_k_and_never_T():
    plain = to_query(default_state())
    assert list(plain) == ["n", "d", "act", "Wh", "Wx", "b", "x", "h0", "t"]
    with_output = to_query(from_query({"k": "2"})[0])
    assert list(with_output) == ["n", "d", "k", "act", "Wh", "Wx", "b", "Wy", "by", "x", "h0", "t"]
    assert with_output["k"] == "2" and with_output["by"] == "0,0"


def test_warnings_use_url_keys():
    _, warnings = from_query({"act": "x", "h0": "a", "by": "1", "k": "0", "Wh": ["1", "1,0;0,1"]})
    assert [w.split(":")[0] for w in warnings] == ["Wh", "h0", "act", "by"]


def test_x_longer_than_an_explicit_T_falls_back():
    """Only a T clipped to the limit crops x; an explicit T that disagrees with x is a wrong shape."""
    state, warnings = from_query({"x": "1,2,3,4", "T": "2"})
    assert state.T == 2 and warnings == ["x: expected 2 steps, got 4; kept the default values."]
    np.testing.assert_array_equal(state.x, default_state().x)
    state, warnings = from_query({"x": "1,2,3,4", "T": "4"})
    assert warnings == [] and state.x[:, 0].tolist() == [1, 2, 3, 4]
