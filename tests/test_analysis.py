"""rnnviz.analysis against the lesson's numbers and against brute force (reruns, finite differences, SVD)."""

import numpy as np
import pytest

from rnnviz.analysis import (
    eigenvalues,
    jacobian_norms,
    lesson_rounded_forward,
    pca_projection,
    ripple,
    saturation_fraction,
    spectral_radius,
    step_terms,
)
from rnnviz.engine import RNNParams, Trace, forward

LESSON = RNNParams(W_x=[[0.8], [0.4]], W_h=[[0.5, 0.2], [0.3, 0.6]], b=[0.1, 0.1])
LESSON_X = np.array([[2.0], [-1.0]])


def random_params(rng, n=5, d=3, k=2, activation="tanh", scale=0.8):
    return RNNParams(
        W_x=rng.normal(size=(n, d)), W_h=rng.normal(size=(n, n)) * scale / np.sqrt(n),
        b=rng.normal(size=n) * 0.1, W_y=rng.normal(size=(k, n)) if k else None, activation=activation,
    )


# --- weight matrices ---

def test_spectral_radius_of_a_scaled_rotation_is_the_scale():
    c, s = np.cos(0.3), np.sin(0.3)
    W = 0.9 * np.array([[c, -s], [s, c]])
    assert spectral_radius(W) == pytest.approx(0.9, abs=1e-12)
    lam = eigenvalues(W)
    assert np.allclose(np.sort_complex(lam), np.sort_complex(0.9 * np.exp([-0.3j, 0.3j])))


def test_eigenvalues_are_sorted_by_modulus():
    lam = eigenvalues(np.diag([0.1, -2.0, 0.5]))
    assert np.allclose(lam, [-2.0, 0.5, 0.1])
    assert spectral_radius(np.diag([0.1, -2.0, 0.5])) == 2.0


# --- the lesson's hand arithmetic ---

def test_lesson_rounded_forward_reproduces_the_lessons_written_numbers():
    r = lesson_rounded_forward(LESSON, LESSON_X)
    assert np.array_equal(r["h"][1], [0.935, 0.716])
    assert np.array_equal(r["Wh_h"][1], [0.610, 0.710])
    assert np.array_equal(r["Wx_x"][1], [-0.8, -0.4])
    assert np.array_equal(r["pre"][1], [-0.090, 0.410])
    assert r["h"][2][0] == -0.090
    # tanh(0.410) = 0.38847: written with 3 decimals that is 0.388 (the lesson's 0.389 is the exact 0.3888).
    assert r["h"][2][1] == 0.388
    assert np.tanh(0.410) == pytest.approx(0.38847, abs=1e-5)


def test_lesson_rounding_differs_from_the_exact_engine():
    exact = forward(LESSON, LESSON_X)
    assert np.round(exact.h[2], 4).tolist() == [-0.0888, 0.3888]
    assert f"{exact.h[2][0]:.4f}" == "-0.0888"
    assert lesson_rounded_forward(LESSON, LESSON_X)["h"][2][0] == -0.090


def test_nearest_rounding_and_bad_rule():
    r = lesson_rounded_forward(LESSON, LESSON_X, rounding="nearest")
    assert np.array_equal(r["Wh_h"][1], [0.611, 0.710])
    assert np.array_equal(r["h"][2], [-0.089, 0.388])
    with pytest.raises(ValueError, match="rounding"):
        lesson_rounded_forward(LESSON, LESSON_X, rounding="up")


def test_lesson_rounded_forward_with_outputs_and_4_decimals_stays_close_to_exact():
    rng = np.random.default_rng(1)
    p = random_params(rng)
    x = rng.normal(size=(6, 3))
    r = lesson_rounded_forward(p, x, decimals=6)
    tr = forward(p, x)
    assert r["y"].shape == tr.y.shape
    assert np.allclose(r["h"], tr.h, atol=1e-4)
    assert np.allclose(r["y"], tr.y, atol=1e-4)


# --- step terms ---

@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_step_terms_add_up_to_the_engines_pre_activation(activation):
    rng = np.random.default_rng(2)
    p = random_params(rng, activation=activation)
    tr = forward(p, rng.normal(size=(7, 3)), h0=rng.normal(size=5) * 0.3)
    for t in range(1, 8):
        terms = step_terms(p, tr, t)
        assert np.allclose(terms["pre"], tr.pre[t - 1], rtol=0, atol=1e-12)
        assert np.allclose(terms["Wh_h"] + terms["Wx_x"] + terms["b"], tr.pre[t - 1], rtol=0, atol=1e-12)
        assert np.array_equal(terms["h_prev"], tr.h[t - 1])
        assert np.array_equal(terms["h"], tr.h[t])
        assert np.array_equal(terms["y"], tr.y[t - 1])
        assert np.array_equal(terms["x"], tr.x[t - 1])


def test_step_terms_lesson_step_2_and_range():
    tr = forward(LESSON, LESSON_X)
    terms = step_terms(LESSON, tr, 2)
    assert np.allclose(terms["Wh_h"], [0.5 * tr.h[1][0] + 0.2 * tr.h[1][1], 0.3 * tr.h[1][0] + 0.6 * tr.h[1][1]])
    assert terms["y"] is None
    for bad in (0, 3):
        with pytest.raises(ValueError, match="outside"):
            step_terms(LESSON, tr, bad)


# --- PCA projection ---

def test_projection_is_the_identity_for_two_units():
    hs = np.random.default_rng(3).uniform(-1, 1, size=(9, 2))
    proj = pca_projection(hs)
    assert np.array_equal(proj.coords, hs)
    assert proj.labels == ("h[1]", "h[2]")
    assert proj.method == "identity" and proj.explained is None


def test_projection_for_one_unit_is_a_line():
    hs = np.array([[0.0], [0.5], [-0.2]])
    proj = pca_projection(hs)
    assert np.array_equal(proj.coords[:, 0], hs[:, 0])
    assert np.array_equal(proj.coords[:, 1], np.zeros(3))
    assert proj.method == "line" and proj.labels[0] == "h[1]"


def test_pca_matches_numpy_svd_rank_2_reconstruction():
    rng = np.random.default_rng(4)
    hs = np.tanh(rng.normal(size=(31, 6)) @ np.diag([2, 1, 0.5, 0.2, 0.1, 0.05]))
    proj = pca_projection(hs)
    centered = hs - hs.mean(axis=0)
    U, s, Vt = np.linalg.svd(centered, full_matrices=False)
    rank2 = (U[:, :2] * s[:2]) @ Vt[:2]
    assert np.allclose(proj.coords @ proj.components + proj.mean, rank2 + hs.mean(axis=0), atol=1e-12)
    assert np.allclose(proj.explained, s[:2] ** 2 / np.sum(s**2))
    assert np.allclose(proj.components @ proj.components.T, np.eye(2), atol=1e-12)
    assert np.var(proj.coords[:, 0]) >= np.var(proj.coords[:, 1])
    assert proj.labels == (f"PC1 ({proj.explained[0]:.0%} of variance)", f"PC2 ({proj.explained[1]:.0%} of variance)")
    assert proj.labels[0].startswith("PC1 (") and "% of variance)" in proj.labels[0]


def test_pca_sign_convention_is_deterministic():
    rng = np.random.default_rng(5)
    hs = rng.normal(size=(12, 4))
    proj = pca_projection(hs)
    for comp in proj.components:
        assert comp[np.argmax(np.abs(comp))] > 0
    # the same states in another row order give the same axes
    other = pca_projection(hs[::-1])
    assert np.allclose(other.components, proj.components, atol=1e-12)


def test_pca_of_constant_states_does_not_divide_by_zero():
    proj = pca_projection(np.zeros((4, 3)))
    assert np.all(np.isfinite(proj.coords)) and np.all(proj.explained == 0)


# --- ripple ---

def brute_force_ripple(p, x, h0, t, eps, direction):
    base = forward(p, x, h0).h
    x2 = x.copy()
    x2[t - 1] += eps * direction
    return np.array([np.linalg.norm(a - b) for a, b in zip(forward(p, x2, h0).h, base, strict=True)])


@pytest.mark.parametrize("unit", [None, 2])
def test_ripple_matches_direct_reruns(unit):
    rng = np.random.default_rng(6)
    p = random_params(rng)
    x, h0 = rng.normal(size=(10, 3)), rng.normal(size=5) * 0.2
    direction = np.ones(3) if unit is None else np.eye(3)[unit - 1]
    r = ripple(p, x, h0, 4, eps=1e-3, unit=unit)
    expected = brute_force_ripple(p, x, h0, 4, 1e-3, direction)
    assert r.delta.shape == (11,)
    assert np.allclose(r.delta, expected, rtol=1e-12, atol=1e-15)
    assert np.all(r.delta[:4] == 0) and np.all(r.delta[4:] > 0)
    assert np.allclose(r.sensitivity, r.delta / 1e-3)


def test_linearised_ripple_agrees_with_small_nudges():
    rng = np.random.default_rng(7)
    p = random_params(rng)
    x = rng.normal(size=(12, 3))
    r = ripple(p, x, None, 3, eps=1e-6)
    assert np.all(r.linearised[:3] == 0)
    assert np.allclose(r.linearised[3:], r.delta[3:], rtol=1e-4)


def test_ripple_rejects_bad_step_and_unit():
    with pytest.raises(ValueError, match="outside"):
        ripple(LESSON, LESSON_X, None, 3)
    with pytest.raises(ValueError, match="unit"):
        ripple(LESSON, LESSON_X, None, 1, unit=2)


# --- Jacobian norms ---

def finite_difference_jacobian(p, x, h_t, t, T, step=1e-6):
    """dh_T/dh_t by central differences: rerun the engine from h_t over x_{t+1..T}."""
    n = p.n
    if t == T:
        return np.eye(n)
    J = np.empty((n, n))
    for j in range(n):
        e = np.zeros(n)
        e[j] = step
        plus = forward(p, x[t:T], h_t + e).h[-1]
        minus = forward(p, x[t:T], h_t - e).h[-1]
        J[:, j] = (plus - minus) / (2 * step)
    return J


@pytest.mark.parametrize("norm,ord_", [("spectral", 2), ("frobenius", "fro")])
def test_jacobian_norms_match_finite_differences(norm, ord_):
    rng = np.random.default_rng(8)
    p = random_params(rng, n=4, scale=1.5)
    x = rng.normal(size=(8, 3))
    tr = forward(p, x)
    norms = jacobian_norms(p, tr, norm=norm)
    assert norms.shape == (9,)
    for t in range(9):
        J = finite_difference_jacobian(p, x, tr.h[t], t, 8)
        assert norms[t] == pytest.approx(np.linalg.norm(J, ord_), rel=1e-5, abs=1e-9)


def test_jacobian_norms_with_t_end_and_relu():
    rng = np.random.default_rng(9)
    p = random_params(rng, n=3, activation="relu")
    x = rng.normal(size=(6, 3))
    tr = forward(p, x)
    norms = jacobian_norms(p, tr, t_end=4)
    assert np.all(np.isnan(norms[5:])) and norms[4] == pytest.approx(1.0)
    for t in range(4):
        J = finite_difference_jacobian(p, x, tr.h[t], t, 4)
        assert norms[t] == pytest.approx(np.linalg.norm(J, 2), rel=1e-6, abs=1e-9)
    with pytest.raises(ValueError):
        jacobian_norms(p, tr, t_end=7)
    with pytest.raises(ValueError, match="norm"):
        jacobian_norms(p, tr, norm="max")


def test_jacobian_norms_vanish_for_small_recurrent_weights():
    p = RNNParams(W_x=[[1.0]], W_h=[[0.5]], b=[0.0])
    tr = forward(p, np.zeros((5, 1)))
    assert np.allclose(jacobian_norms(p, tr), 0.5 ** np.arange(5, -1, -1))


# --- saturation ---

def test_saturation_fraction_counts_units_beyond_095():
    h = np.array([[0, 0, 0, 0], [0.96, -0.99, 0.5, 0.0], [0.95, 0.1, 0.2, -0.951]])
    tr = Trace(x=np.zeros((2, 1)), pre=np.zeros((2, 4)), h=h, y=None, activation="tanh")
    assert np.array_equal(saturation_fraction(tr), [0.5, 0.25])


def test_ripple_reuses_a_given_trace_exactly():
    rng = np.random.default_rng(11)
    p = RNNParams(W_x=rng.normal(size=(3, 2)), W_h=rng.normal(size=(3, 3)) * 0.5, b=rng.normal(size=3))
    x, h0 = rng.normal(size=(7, 2)), rng.normal(size=3)
    fresh = ripple(p, x, h0, 3, eps=1e-3)
    reused = ripple(p, x, h0, 3, eps=1e-3, trace=forward(p, x, h0))
    np.testing.assert_array_equal(fresh.delta, reused.delta)
    np.testing.assert_array_equal(fresh.linearised, reused.linearised)
