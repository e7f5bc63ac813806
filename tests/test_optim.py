"""Optimizers reach a quadratic's minimum; clipping by global norm; purity; validation."""

import numpy as np
import pytest

from rnnviz.optim import Adagrad, Adam, clip_by_global_norm, clip_by_value, clip_scale, global_norm, make_optimizer

# f(p) = 0.5 * sum_i a_i (p_i - c_i)^2, an ill-conditioned bowl (condition number 10).
A = {"w": np.array([[1.0, 4.0], [0.5, 2.0]]), "b": np.array([3.0, 5.0])}
C = {"w": np.array([[1.0, -2.0], [0.5, 3.0]]), "b": np.array([-1.0, 2.0])}


def _grad(p):
    return {k: A[k] * (p[k] - C[k]) for k in p}


def _dist(p):
    return max(np.abs(p[k] - C[k]).max() for k in p)


@pytest.mark.parametrize(("name", "lr", "steps", "tol"), [
    ("sgd", 0.05, 300, 1e-6),
    ("adam", 0.05, 1000, 1e-3),
    ("adagrad", 0.5, 1000, 1e-3),
])
def test_minimizes_quadratic(name, lr, steps, tol):
    opt = make_optimizer(name, lr)
    p = {k: np.zeros_like(v) for k, v in C.items()}
    start = _dist(p)
    for _ in range(steps):
        p = opt.update(p, _grad(p))
    assert _dist(p) < tol < start


def test_update_is_pure():
    opt = make_optimizer("sgd", 0.1)
    p = {"w": np.ones(3)}
    g = {"w": np.ones(3)}
    new = opt.update(p, g)
    assert np.array_equal(p["w"], np.ones(3)) and np.array_equal(g["w"], np.ones(3))
    assert np.allclose(new["w"], 0.9)


def test_adam_first_step_is_lr_sized():
    new = Adam(0.01).update({"w": np.zeros(3)}, {"w": np.array([1e-3, -5.0, 200.0])})
    assert np.allclose(new["w"], [-0.01, 0.01, -0.01])


def test_clip_by_global_norm():
    g = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}
    clipped, norm = clip_by_global_norm(g, 1.0)
    assert norm == pytest.approx(5.0)
    assert global_norm(clipped) == pytest.approx(1.0)
    assert np.allclose(clipped["a"], [0.6, 0.0]) and np.allclose(clipped["b"], [[0.8]])  # direction kept
    same, norm = clip_by_global_norm(g, 10.0)
    assert norm == pytest.approx(5.0) and np.array_equal(same["a"], g["a"])
    off, _ = clip_by_global_norm(g, None)
    assert np.array_equal(off["b"], g["b"])


@pytest.mark.parametrize(("name", "lr", "match"), [
    ("rmsprop", 0.1, "unknown optimizer"),
    ("adam", 0.0, "learning rate"),
    ("adam", -1.0, "learning rate"),
    ("sgd", float("nan"), "learning rate"),
    ("sgd", float("inf"), "learning rate"),
])
def test_validation(name, lr, match):
    with pytest.raises(ValueError, match=match):
        make_optimizer(name, lr)
    with pytest.raises(ValueError, match="clip"):
        clip_by_global_norm({"a": np.ones(2)}, -1.0)


def test_clip_factor_is_torchs():
    g = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}
    clipped, norm = clip_by_global_norm(g, 5.0)  # at the bound: torch still scales by 5 / (5 + 1e-6)
    assert norm == 5.0 and clip_scale(norm, 5.0) == 5.0 / (5.0 + 1e-6) < 1.0
    assert np.array_equal(clipped["a"], g["a"] * (5.0 / (5.0 + 1e-6)))
    assert clip_scale(norm, 10.0) == 1.0 and clip_scale(norm, None) == 1.0 and clip_scale(float("inf"), 1.0) == 1.0


def test_clip_by_value():
    g = {"a": np.array([-7.0, 2.0]), "b": np.array([[5.0]])}
    clipped, hit = clip_by_value(g, 5.0)
    assert hit and np.array_equal(clipped["a"], [-5.0, 2.0]) and np.array_equal(clipped["b"], [[5.0]])
    assert not clip_by_value({"b": g["b"]}, 5.0)[1]  # exactly at the bound is not cut
    assert clip_by_value(g, None)[0]["a"][0] == -7.0


def test_adagrad_eps_inside_sqrt_is_min_char_rnns():
    p, g = {"w": np.array([1.0, 2.0])}, {"w": np.array([1e-5, 3.0])}
    new = Adagrad(0.1, eps=1e-8, eps_inside_sqrt=True).update(p, g)
    np.testing.assert_array_equal(new["w"], p["w"] - 0.1 * g["w"] / np.sqrt(g["w"] ** 2 + 1e-8))
    torch_like = Adagrad(0.1).update(p, g)
    np.testing.assert_array_equal(torch_like["w"], p["w"] - 0.1 * g["w"] / (np.abs(g["w"]) + 1e-10))
