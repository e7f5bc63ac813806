"""SimState, FIELDS, LIMITS, defaults, resizing and validate_state (the URL form: tests/test_query.py)."""

import inspect
import re

import numpy as np
import pytest

from rnnviz.engine import RNNParams, forward
from rnnviz.state import (
    ARRAY_FIELDS,
    FIELDS,
    LIMITS,
    SimState,
    array_fields,
    default_state,
    format_number,
    layer_fields,
    resized,
    validate_state,
)

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


# --------------------------------------------------------------------------- default state

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
    assert s.params.dtype == np.float64
    assert s.params == RNNParams(W_x=np.ones((2, 1)), W_h=np.eye(2), b=np.zeros(2))


# --------------------------------------------------------------------------- FIELDS

def test_fields_cover_every_part_of_a_state_once():
    names = [f.name for f in FIELDS]
    assert names == ["n", "d", "k", "T", "L", "activation", "W_h", "W_x", "b", "W_y", "b_y", "x", "h0",
                     "W_h2", "W_x2", "b2", "W_h3", "W_x3", "b3", "t"]
    assert len({f.key for f in FIELDS}) == len(FIELDS)
    s = resized(default_state(), 3, 2, 1, 4, L=3)
    for f in ARRAY_FIELDS:
        assert s.value(f.name).shape == f.shape_of(s.sizes), f.name
    assert s.value("activation") == "tanh" and s.value("t") == 1 and s.value("T") == 4
    assert default_state().value("W_y") is None and default_state().value("W_h2") is None


def test_array_fields_follow_the_output_layer():
    assert [f.name for f in array_fields(default_state(), "weights")] == ["W_h", "W_x", "b"]
    with_output = resized(default_state(), k=2)
    assert [f.name for f in array_fields(with_output, "weights")] == ["W_h", "W_x", "b", "W_y", "b_y"]
    assert [f.display for f in array_fields(with_output, "inputs")] == ["x", "h_0"]
    assert len(array_fields()) == 13
    stacked = resized(with_output, L=2)
    assert [f.name for f in array_fields(stacked, "weights")] == ["W_h", "W_x", "b", "W_y", "b_y", "W_h2", "W_x2", "b2"]
    assert [f.display for f in layer_fields(2)] == ["W_h⁽²⁾", "W_x⁽²⁾", "b⁽²⁾"]


# --------------------------------------------------------------------------- resized

def test_resized_keeps_top_left_block_and_seeds_new_weights():
    s = default_state()
    big = resized(s, n=4, d=2, k=1, T=3, seed=1)
    assert big.sizes == {"n": 4, "d": 2, "k": 1, "T": 3, "L": 1}
    np.testing.assert_array_equal(big.params.W_h[:2, :2], s.params.W_h)
    np.testing.assert_array_equal(big.x[:2, :1], s.x)
    np.testing.assert_array_equal(big.x[2], 0)
    np.testing.assert_array_equal(big.params.b_y, [0.0])
    assert np.all(big.params.W_h[2:] != 0) and np.all(big.params.W_y != 0)
    assert resized(s, n=4, d=2, k=1, T=3, seed=1) == big and resized(s, n=4, d=2, k=1, T=3, seed=2) != big
    back = resized(big, n=2, d=1, k=0, T=2)
    assert back.params.W_y is None and back == s
    assert resized(s.replace(x=np.ones((2, 1)), t=2), T=1).t == 1


@pytest.mark.parametrize("sizes", [{"n": 0}, {"n": LIMITS.n + 1}, {"k": -1}, {"T": LIMITS.T + 1}, {"d": 0}])
def test_resized_refuses_sizes_outside_the_limits(sizes):
    with pytest.raises(ValueError):
        resized(default_state(), **sizes)


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



def test_validate_state_text_is_not_numbers():
    """Edits are numbers and arrays: text takes no URL parser path, it is refused with a warning."""
    base = default_state().replace(W_h=np.eye(2))
    state, warnings = validate_state(base=base, W_h="1,0;0,1", n="5")
    assert state == base
    assert [w.split(":")[0] for w in warnings] == ["W_h", "n"]
    assert all(w.endswith(("kept the current values.", "ignored it.")) for w in warnings)


def test_validate_state_default_base_uses_lesson_values():
    state, warnings = validate_state(T=4)
    assert warnings == [] and state == default_state(T=4)
    np.testing.assert_array_equal(state.x[:, 0], [2, -1, 2, -1])


def test_validate_state_warning_order_output_layer_last():
    base = resized(default_state(), k=1)
    _, warnings = validate_state(base=base, n=2, h0=[1.0, 2.0, 3.0], W_y=[[1.0, 2.0, 3.0]], t=9)
    assert warnings == ["h0: expected 2 numbers, got 3; kept the current values.",
                        "W_y: expected 1 row of 2 numbers, got 1 row of 3 numbers; kept the current values.",
                        "t: 9 is outside the steps 1 to 2; used 2."]


def test_validate_state_takes_every_field_by_name():
    """Its explicit signature (the sidebar's call) must name exactly the FIELDS."""
    params = list(inspect.signature(validate_state).parameters)
    assert params == ["base", *(f.name for f in FIELDS)]


# --------------------------------------------------------------------------- stacked layers (L, W_h2, ...)

def _old_seeded_layer(n: int, i: int):
    """What stacking used for layer i + 1 before layers were part of the state (an old link must still get it)."""
    rng = np.random.default_rng([7, i])
    return rng.normal(0.0, 0.5 / np.sqrt(n), (n, n)), rng.normal(0.0, 0.5 / np.sqrt(n), (n, n))


def test_new_layers_are_the_seeded_layers_old_links_showed():
    s = resized(default_state(), n=3, L=3)
    assert s.L == 3 and len(s.upper) == 2
    for layer in (2, 3):
        W_x, W_h = _old_seeded_layer(3, layer - 1)
        np.testing.assert_array_equal(s.value(f"W_x{layer}"), W_x)
        np.testing.assert_array_equal(s.value(f"W_h{layer}"), W_h)
        np.testing.assert_array_equal(s.value(f"b{layer}"), np.zeros(3))


def test_layers_resize_keep_edits_and_drop_with_L():
    s = resized(default_state(), L=2)
    edited = s.replace(W_h2=[[1.0, 2.0], [3.0, 4.0]], b2=[0.5, -0.5])
    assert edited != s and edited.value("b2").tolist() == [0.5, -0.5]
    grown = resized(edited, n=3)
    np.testing.assert_array_equal(grown.value("W_h2")[:2, :2], [[1.0, 2.0], [3.0, 4.0]])
    assert grown.value("W_h2").shape == (3, 3) and grown.value("W_x2").shape == (3, 3)
    assert resized(edited, L=1) == default_state()
    with pytest.raises(ValueError):
        resized(s, L=4)
    with pytest.raises(ValueError):
        default_state().replace(W_h2=np.eye(2))  # one layer: there is no layer 2 to edit
    with pytest.raises(ValueError):
        s.replace(W_x2=np.ones((2, 1)))  # layer 2 reads layer 1's n numbers


def test_validate_state_infers_and_clips_layers():
    state, warnings = validate_state(W_h3=np.eye(2))
    assert state.L == 3 and warnings == [] and np.array_equal(state.value("W_h3"), np.eye(2))
    state, warnings = validate_state(L=2, b3=[1.0, 1.0])
    assert state.L == 2 and warnings == ["b3: ignored because L=2 (the network has 2 layers)."]
    state, warnings = validate_state(L=9)
    assert state.L == 3 and warnings == ["L: 9 is more than the limit of 3 layers; used 3."]
    state, warnings = validate_state(base=resized(default_state(), L=3), W_h2=np.eye(2))
    assert state.L == 3 and warnings == []  # an edit of layer 2 keeps the third layer
    state, warnings = validate_state(base=resized(default_state(), L=2), W_h2="junk")
    assert state.L == 2 and warnings == ["W_h2: expected a table of at most 8192 numbers; kept the current values."]
