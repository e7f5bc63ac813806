"""SimState, LIMITS and the URL form: round trip, defaults, inference, clipping and hostile input."""

import math
import re
import time
from urllib.parse import parse_qsl, urlencode

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnnviz.engine import RNNParams, forward
from rnnviz.state import (
    LIMITS,
    QUERY_KEYS,
    SimState,
    default_state,
    format_number,
    from_query,
    to_query,
    validate_state,
)

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

def test_default_state_is_the_lesson_example():
    s = default_state()
    p = s.params
    assert (s.n, s.d, s.k, s.T, s.t, p.activation) == (2, 1, 0, 2, 1, "tanh")
    np.testing.assert_array_equal(p.W_h, [[0.5, 0.2], [0.3, 0.6]])
    np.testing.assert_array_equal(p.W_x, [[0.8], [0.4]])
    np.testing.assert_array_equal(p.b, [0.1, 0.1])
    np.testing.assert_array_equal(s.x, [[2.0], [-1.0]])
    np.testing.assert_array_equal(s.h0, [0.0, 0.0])
    assert p.W_y is None
    h = forward(p, s.x, s.h0).h
    np.testing.assert_allclose(h[1], [0.935, 0.716], atol=5e-4)
    np.testing.assert_allclose(h[2], [-0.090, 0.389], atol=2e-3)  # the lesson rounds h_1 first


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


@pytest.mark.parametrize("v, text", [(2.0, "2"), (-1.0, "-1"), (0.1, "0.1"), (1e-05, "1e-05"), (-0.0, "-0"),
                                     (0.1 + 0.2, "0.30000000000000004"), (1e6, "1000000"), (1e-300, "1e-300")])
def test_format_number(v, text):
    assert format_number(v) == text
    assert float(text) == v


# --------------------------------------------------------------------------- SimState

def test_simstate_eq_and_replace():
    s = default_state()
    assert s == default_state() and s != s.replace(t=2)
    assert s.replace(W_h=np.eye(2)).params.W_h[0, 1] == 0
    assert s.replace(activation="relu").params.activation == "relu"
    with pytest.raises(ValueError):
        s.replace(t=3)
    with pytest.raises(ValueError):
        s.replace(x=np.ones((2, 2)))
    with pytest.raises(ValueError):
        s.replace(h0=[0.0, 2e6])
    with pytest.raises(ValueError):
        s.replace(W_h=[[0, 0], [0, 1e7]])
    with pytest.raises(ValueError):
        s.replace(x=np.ones((LIMITS.T + 1, 1)))
    with pytest.raises(TypeError):
        s.replace(bogus=1)
    with pytest.raises(ValueError):
        s.replace(t=True)
    assert s.__hash__ is None


def test_simstate_arrays_are_private_and_read_only():
    x = np.array([[1.0], [2.0]])
    s = default_state().replace(x=x)
    x[0, 0] = 99
    assert s.x[0, 0] == 1.0
    with pytest.raises(ValueError):
        s.x[0, 0] = 5


def test_simstate_converts_float32_params_to_float64():
    p32 = RNNParams(W_x=np.ones((2, 1), np.float32), W_h=np.eye(2, dtype=np.float32), b=np.zeros(2, np.float32))
    s = SimState(params=p32, x=[[1.0]], h0=[0.0, 0.0], t=1)
    assert s.params.dtype == np.float64 and from_query(to_query(s))[0] == s


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
    return SimState(params=params, x=arr(T, d), h0=arr(n), t=draw(st.integers(1, T)))


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
    return SimState(params=params, x=arr(T, d), h0=arr(n), t=draw(st.integers(1, T)))


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
    assert time.perf_counter() - t0 < 2.0
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


def test_too_long_value_rejected_before_parsing():
    t0 = time.perf_counter()
    _, warnings = from_query({"x": "1" * (LIMITS.max_chars + 1)})
    assert time.perf_counter() - t0 < 0.5
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


# --------------------------------------------------------------------------- validate_state

def test_validate_state_resizes_base():
    base = default_state()
    state, warnings = validate_state(base=base, n=4, T=5)
    assert warnings == [] and (state.n, state.T) == (4, 5)
    np.testing.assert_array_equal(state.params.W_h[:2, :2], base.params.W_h)
    np.testing.assert_array_equal(state.x[:2], base.x)
    np.testing.assert_array_equal(state.x[2:], 0)


def test_validate_state_bad_parts_fall_back_to_base():
    base = default_state().replace(W_h=np.eye(2))
    state, warnings = validate_state(base=base, W_h=[[np.nan, 0], [0, 1]], b=[1.0, 2.0], t=7)
    np.testing.assert_array_equal(state.params.W_h, np.eye(2))
    np.testing.assert_array_equal(state.params.b, [1, 2])
    assert state.t == 2
    assert warnings[0].startswith("W_h: ") and warnings[0].endswith("kept the current values.")
    assert warnings[1] == "t: 7 is outside the steps 1 to 2; used 2."


def test_validate_state_arrays_and_sizes():
    state, warnings = validate_state(W_h=np.eye(3), W_x=np.ones((3, 2)), x=np.ones((4, 2)), activation="relu")
    assert warnings == [] and (state.n, state.d, state.T, state.activation) == (3, 2, 4, "relu")
    state, warnings = validate_state(n=10**9, x=[1.0, 2.0, 3.0], W_h="junk", k=2.5)
    assert_valid(state, [])
    assert state.n == LIMITS.n and state.T == 3
    assert [w.split(":")[0] for w in warnings] == ["W_h", "n", "k"]
