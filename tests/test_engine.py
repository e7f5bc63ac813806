"""The engine against the lesson, against finite differences, and against itself batched."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from networks import from_torch_state_dict
from numeric import numeric_grad

from rnnviz.engine import RNNParams, backward, forward, to_torch_state_dict

LESSON = dict(W_x=[[0.8], [0.4]], W_h=[[0.5, 0.2], [0.3, 0.6]], b=[0.1, 0.1])
LESSON_X = [[2.0], [-1.0]]


def random_params(rng, n, d, k, activation="tanh", scale=0.6):
    return RNNParams(
        W_x=rng.normal(0, scale, (n, d)), W_h=rng.normal(0, scale, (n, n)), b=rng.normal(0, 0.2, n),
        W_y=rng.normal(0, scale, (k, n)) if k else None, b_y=rng.normal(0, 0.2, k) if k else None,
        activation=activation,
    )


# --- the lesson's worked example ---

def test_lesson_worked_example_exact():
    tr = forward(RNNParams(**LESSON), LESSON_X)
    np.testing.assert_allclose(tr.pre[0], [1.7, 0.9], atol=1e-15)
    np.testing.assert_array_equal(tr.h[0], [0.0, 0.0])
    np.testing.assert_allclose(tr.h[1], np.tanh([1.7, 0.9]), atol=0)
    assert np.round(tr.h[1], 4).tolist() == [0.9354, 0.7163]
    assert np.round(tr.h[2], 4).tolist() == [-0.0888, 0.3888]
    assert tr.y is None


def test_lesson_prints_minus_0090_because_it_cut_intermediates_to_3_decimals():
    """Where the lesson's -0.090 comes from, and why the engine shows -0.0888.

    The lesson carries h_1 as [0.935, 0.716] and writes W_h h_1 = [0.610, 0.710]: the exact
    0.5*0.935 + 0.2*0.716 = 0.6107 cut to 3 decimals.  That makes a_2[0] = -0.090 and
    tanh(-0.090) = -0.0898, printed -0.090.  Carried exactly, a_2[0] = -0.0890 and h_2[0] = -0.0888.
    """
    W_h, W_x, b = (np.array(LESSON[k], float) for k in ("W_h", "W_x", "b"))
    h1_printed = np.round(np.tanh(W_x[:, 0] * 2.0 + b), 3)
    assert h1_printed.tolist() == [0.935, 0.716]
    Wh_h1 = W_h @ h1_printed
    np.testing.assert_allclose(Wh_h1, [0.6107, 0.7101], atol=1e-12)
    Wh_h1_printed = np.trunc(Wh_h1 * 1000) / 1000  # the lesson's [0.610, 0.710]
    a2_printed = Wh_h1_printed + W_x[:, 0] * -1.0 + b
    np.testing.assert_allclose(a2_printed, [-0.090, 0.410], atol=1e-12)
    assert round(float(np.tanh(a2_printed[0])), 3) == -0.090
    tr = forward(RNNParams(**LESSON), LESSON_X)
    assert round(float(tr.pre[1, 0]), 4) == -0.0890
    assert round(float(tr.h[2, 0]), 4) == -0.0888
    assert round(float(tr.h[2, 1]), 3) == 0.389  # the lesson's other entry agrees with exact arithmetic


def test_parameter_count_matches_lesson():
    p = RNNParams(**LESSON)
    assert (p.n, p.d, p.k) == (2, 1, 0)
    assert p.num_params == 2 * 2 + 2 * 1 + 2
    q = p.replace(W_y=np.ones((3, 2)))
    assert q.k == 3 and q.num_params == 4 + 2 + 2 + 6 + 3
    np.testing.assert_array_equal(q.b_y, np.zeros(3))


# --- validation ---

@pytest.mark.parametrize(
    "change, message",
    [
        (dict(W_h=np.ones((2, 3))), r"W_h has shape \(2, 3\), expected \(2, 2\)"),
        (dict(b=np.ones(3)), r"b has shape \(3,\), expected \(2,\)"),
        (dict(W_x=np.ones(2)), r"W_x has shape \(2,\), expected \(n, d\)"),
        (dict(W_y=np.ones((1, 3))), r"W_y has shape \(1, 3\), expected \(k, 2\)"),
        (dict(W_y=np.ones((1, 2)), b_y=np.ones(2)), r"b_y has shape \(2,\), expected \(1,\)"),
        (dict(b_y=np.ones(1)), r"b_y is given without W_y"),
        (dict(W_h=[[np.nan, 0], [0, 0]]), r"W_h contains NaN"),
        (dict(b=[np.inf, 0]), r"b contains NaN or infinite"),
        (dict(activation="sigmoid"), r"activation is 'sigmoid'"),
        (dict(W_h="abc"), r"W_h must be an array of numbers"),
    ],
)
def test_params_validation_names_the_array(change, message):
    with pytest.raises(ValueError, match=message):
        RNNParams(**{**LESSON, **change})


def test_forward_shape_errors_are_clear():
    p = RNNParams(**LESSON)
    with pytest.raises(ValueError, match=r"x has shape \(2, 3\), expected \(T, 1\)"):
        forward(p, np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"x has shape \(4,\)"):
        forward(p, np.ones(4))
    with pytest.raises(ValueError, match=r"h0 has shape \(3,\), expected \(2,\)"):
        forward(p, LESSON_X, h0=np.ones(3))
    with pytest.raises(ValueError, match="x contains NaN"):
        forward(p, [[np.nan], [1.0]])
    tr = forward(p, LESSON_X)
    with pytest.raises(ValueError, match="dy is given but the params have no output layer"):
        backward(p, tr, dy=np.ones((2, 1)))
    with pytest.raises(ValueError, match=r"dh has shape \(3, 2\), expected \(2, 2\)"):
        backward(p, tr, dh=np.ones((3, 2)))
    with pytest.raises(ValueError, match="backward needs dy"):
        backward(p, tr)


def test_params_are_immutable_copies():
    W_h = np.array(LESSON["W_h"])
    p = RNNParams(**{**LESSON, "W_h": W_h})
    W_h[0, 0] = 9.0
    assert p.W_h[0, 0] == 0.5
    with pytest.raises(ValueError):
        p.W_h[0, 0] = 1.0


def test_equality_is_exact():
    p = RNNParams(**LESSON)
    assert p == RNNParams(**LESSON)
    assert p != p.replace(b=[0.1, 0.1 + 1e-16 * 2])
    assert p != p.replace(activation="relu")


# --- gradients against central finite differences ---

def loss_and_seeds(p, x, h0, rng):
    """A scalar loss L = sum(cy * y) + sum(ch * h[1:]) with fixed random coefficients."""
    tr = forward(p, x, h0)
    ch = rng.normal(size=tr.h[..., 1:, :].shape)
    cy = rng.normal(size=tr.y.shape) if tr.y is not None else None

    def loss(p_, h0_):
        t = forward(p_, x, h0_)
        value = np.sum(ch * t.h[..., 1:, :])
        return value + (np.sum(cy * t.y) if cy is not None else 0.0)

    return tr, loss, cy, ch


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 5), d=st.integers(1, 4), k=st.integers(0, 3), T=st.integers(1, 6),
    B=st.sampled_from([None, 1, 3]), activation=st.sampled_from(["tanh", "relu"]), seed=st.integers(0, 10**6),
)
def test_gradients_match_finite_differences(n, d, k, T, B, activation, seed):
    rng = np.random.default_rng(seed)
    p = random_params(rng, n, d, k, activation)
    shape = (T, d) if B is None else (B, T, d)
    x = rng.normal(size=shape)
    h0 = rng.normal(0, 0.5, (n,) if B is None else (B, n))
    tr, loss, cy, ch = loss_and_seeds(p, x, h0, rng)
    g = backward(p, tr, dy=cy, dh=ch)
    for name, value in p.arrays().items():
        num = numeric_grad(lambda a, name=name: loss(p.replace(**{name: a}), h0), np.array(value))
        # relu's kink makes finite differences unreliable only within eps of 0: vanishingly rare here
        np.testing.assert_allclose(getattr(g, name), num, rtol=1e-5, atol=1e-7, err_msg=name)
    np.testing.assert_allclose(g.h0, numeric_grad(lambda a: loss(p, a), h0), rtol=1e-5, atol=1e-7)
    # dL/dx_t too: what a layer below would receive
    def loss_x(x_):
        t = forward(p, x_, h0)
        return np.sum(ch * t.h[..., 1:, :]) + (np.sum(cy * t.y) if cy is not None else 0.0)
    np.testing.assert_allclose(g.x, numeric_grad(loss_x, x), rtol=1e-5, atol=1e-7)
    assert g.dh.shape == tr.h.shape and g.pre.shape == tr.pre.shape and g.x.shape == x.shape


def test_gradient_through_dy_only_and_dh_only_add_up():
    rng = np.random.default_rng(0)
    p = random_params(rng, 3, 2, 2)
    x = rng.normal(size=(5, 2))
    tr = forward(p, x)
    dy, dh = rng.normal(size=tr.y.shape), rng.normal(size=(5, 3))
    both = backward(p, tr, dy=dy, dh=dh)
    only_y, only_h = backward(p, tr, dy=dy), backward(p, tr, dh=dh)
    for name in ("W_x", "W_h", "b"):
        np.testing.assert_allclose(getattr(both, name), getattr(only_y, name) + getattr(only_h, name), atol=1e-12)
    np.testing.assert_array_equal(only_h.W_y, np.zeros_like(p.W_y))


# --- batch semantics ---

@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 6), d=st.integers(1, 4), k=st.integers(0, 3), T=st.integers(1, 8), B=st.integers(1, 5),
       activation=st.sampled_from(["tanh", "relu"]), seed=st.integers(0, 10**6))
def test_batch_equals_single_sequences(n, d, k, T, B, activation, seed):
    rng = np.random.default_rng(seed)
    p = random_params(rng, n, d, k, activation)
    x, h0 = rng.normal(size=(B, T, d)), rng.normal(size=(B, n))
    dh = rng.normal(size=(B, T, n))
    trb = forward(p, x, h0)
    gb = backward(p, trb, dh=dh)
    sums = {name: 0.0 for name in ("W_x", "W_h", "b")}
    for i in range(B):
        tr = forward(p, x[i], h0[i])
        np.testing.assert_allclose(trb.h[i], tr.h, atol=1e-13)
        np.testing.assert_allclose(trb.pre[i], tr.pre, atol=1e-13)
        if k:
            np.testing.assert_allclose(trb.y[i], tr.y, atol=1e-13)
        g = backward(p, tr, dh=dh[i])
        np.testing.assert_allclose(gb.dh[i], g.dh, atol=1e-12)
        np.testing.assert_allclose(gb.x[i], g.x, atol=1e-12)
        for name in sums:
            sums[name] = sums[name] + getattr(g, name)
    for name, total in sums.items():
        np.testing.assert_allclose(getattr(gb, name), total, atol=1e-11)


def test_shared_h0_is_broadcast_over_batch():
    rng = np.random.default_rng(1)
    p = random_params(rng, 3, 2, 0)
    x = rng.normal(size=(4, 5, 2))
    h0 = rng.normal(size=3)
    np.testing.assert_array_equal(forward(p, x, h0).h, forward(p, x, np.tile(h0, (4, 1))).h)


def test_float32_params_compute_in_float32():
    rng = np.random.default_rng(2)
    p64 = random_params(rng, 4, 3, 2)
    p32 = RNNParams(**{k: v.astype(np.float32) for k, v in p64.arrays().items()})
    x = rng.normal(size=(6, 3))
    tr32, tr64 = forward(p32, x), forward(p64, x)
    assert tr32.h.dtype == np.float32 and tr64.h.dtype == np.float64
    np.testing.assert_allclose(tr32.h, tr64.h, atol=1e-5)
    g32 = backward(p32, tr32, dy=np.ones_like(tr32.y))
    assert g32.W_h.dtype == np.float32


def test_relu_slope_is_zero_at_the_kink_like_torch():
    p = RNNParams(W_x=[[1.0]], W_h=[[0.0]], b=[0.0], activation="relu")
    tr = forward(p, [[0.0]])
    g = backward(p, tr, dh=[[1.0]])
    assert g.W_x[0, 0] == 0.0


def test_forward_is_pure_and_repeatable():
    rng = np.random.default_rng(3)
    p = random_params(rng, 3, 2, 1)
    x = rng.normal(size=(4, 2))
    x_copy = x.copy()
    a, b = forward(p, x), forward(p, x)
    np.testing.assert_array_equal(a.h, b.h)
    np.testing.assert_array_equal(x, x_copy)


# --- stacked layers ---

def stacked_params(rng, sizes, d, k, activation="tanh"):
    layers, inp = [], d
    for i, n in enumerate(sizes):
        layers.append(random_params(rng, n, inp, k if i == len(sizes) - 1 else 0, activation))
        inp = n
    return layers


@pytest.mark.parametrize("batched", [False, True])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_stacked_layers_gradients(batched, activation):
    rng = np.random.default_rng(4)
    layers = stacked_params(rng, [3, 3, 3], 2, 2, activation)
    shape = (2, 4, 2) if batched else (4, 2)
    x = rng.normal(size=shape)
    h0 = rng.normal(0, 0.5, (2, 3, 3) if batched else (3, 3))
    traces = forward(layers, x, h0)
    assert len(traces) == 3 and traces[-1].y is not None and traces[0].y is None
    np.testing.assert_array_equal(traces[1].x, traces[0].h[..., 1:, :])
    dy = rng.normal(size=traces[-1].y.shape)
    grads = backward(layers, traces, dy=dy)

    def loss(ls):
        return np.sum(dy * forward(ls, x, h0)[-1].y)

    for i, layer in enumerate(layers):
        for name, value in layer.arrays().items():
            def f(a, i=i, name=name):
                ls = list(layers)
                ls[i] = ls[i].replace(**{name: a})
                return loss(ls)
            np.testing.assert_allclose(getattr(grads[i], name), numeric_grad(f, np.array(value)),
                                       rtol=1e-5, atol=1e-7, err_msg=f"layer {i} {name}")


def test_stacked_layers_validation():
    rng = np.random.default_rng(5)
    a, b = random_params(rng, 3, 2, 0), random_params(rng, 4, 5, 0)
    with pytest.raises(ValueError, match="layer 1 has input size d=5, expected layer 0's hidden size n=3"):
        forward([a, b], np.ones((3, 2)))
    with pytest.raises(ValueError, match="layer 0 has an output layer; only the last layer may have one"):
        forward([random_params(rng, 3, 2, 1), random_params(rng, 3, 3, 0)], np.ones((3, 2)))


def test_torch_state_dict_round_trip():
    rng = np.random.default_rng(6)
    layers = stacked_params(rng, [3, 3], 2, 2)
    state = to_torch_state_dict(layers, output_names=True)
    assert set(state) == {"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_ih_l1",
                          "weight_hh_l1", "bias_ih_l1", "bias_hh_l1", "linear.weight", "linear.bias"}
    assert not state["bias_hh_l0"].any()
    assert from_torch_state_dict(state) == layers
    single = to_torch_state_dict(layers[0])
    assert set(single) == {"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"}
