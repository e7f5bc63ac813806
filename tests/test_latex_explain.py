"""The derivation's LaTeX and the explanation tables print the engine's numbers."""

import re

import numpy as np
import pytest

from rnnviz import explain, latex
from rnnviz.analysis import step_terms
from rnnviz.engine import RNNParams, forward
from rnnviz.state import default_state


@pytest.fixture
def lesson():
    s = default_state()
    return s, forward(s.params, s.x, s.h0)


def test_derivation_step_2_of_the_lesson_has_the_exact_numbers(lesson):
    s, tr = lesson
    lines = latex.derivation(step_terms(s.params, tr, 2), 2, "tanh", 4, W_h=s.params.W_h, W_x=s.params.W_x)
    text = "\n".join(lines)
    assert r"0.5000 \times 0.9354 + 0.2000 \times 0.7163" in text  # the lesson's W_h h_1 written out
    assert r"0.8000 \times (-1.0000)" in text  # negative factors bracketed
    assert r"\begin{bmatrix}-0.0890\\0.4104\end{bmatrix}" in text  # a_2
    assert r"\begin{bmatrix}-0.0888\\0.3888\end{bmatrix}" in text  # h_2
    assert r"\tanh" in text and "#2563eb" in text and "#d97706" in text


def test_derivation_rounds_only_the_display(lesson):
    s, tr = lesson
    text = "\n".join(latex.derivation(step_terms(s.params, tr, 2), 2, "tanh", 3))
    assert r"\begin{bmatrix}-0.089\\0.389\end{bmatrix}" in text


def test_derivation_with_output_layer_and_relu_and_big_vectors():
    rng = np.random.default_rng(0)
    p = RNNParams(W_x=rng.normal(size=(12, 2)), W_h=rng.normal(size=(12, 12)) * 0.3, b=np.zeros(12),
                  W_y=rng.normal(size=(2, 12)), activation="relu")
    tr = forward(p, rng.normal(size=(3, 2)))
    lines = latex.derivation(step_terms(p, tr, 3), 3, "relu", 4, W_h=p.W_h, W_x=p.W_x, W_y=p.W_y, b_y=p.b_y)
    text = "\n".join(lines)
    assert r"\operatorname{relu}" in text and r"\vdots" in text and "y_{3}" in text
    assert r"\times" not in text  # no written-out products for a 12 x 12 matrix
    assert latex.fmt(tr.y[2, 1], 4) in text


def test_dimension_table_and_parameter_count():
    p = default_state().params.replace(W_y=np.ones((3, 2)))
    table = explain.dimension_table(p)
    assert list(table["Symbol"]) == ["x_t", "h_t", "W_x", "W_h", "b", "W_y", "b_y", "y_t"]
    assert table.set_index("Symbol").loc["W_x", "Here"] == "2 × 1"
    assert table.set_index("Symbol").loc["W_y", "Here"] == "3 × 2"
    count = explain.parameter_count(p)
    # three short aligned lines: symbols, numbers, result (on one line the "= 17" was clipped at 1440 px)
    assert count.startswith(r"\begin{aligned}N &= n^2") and count.endswith(r"\\ &= 17\end{aligned}")
    assert r"&= 2^2 + 2\cdot1 + 2 + 2\cdot3 + 3 \\" in count  # 4 + 2 + 2 + 6 + 3
    assert explain.dimension_checks(p)[0] == "W_h h_(t-1): (2×2)·(2×1) = 2×1 ✓"


def test_lesson_comparison_quotes_the_lesson_and_shows_exact_values(lesson):
    s, tr = lesson
    table = explain.lesson_comparison(s.params, tr).set_index("quantity")
    assert table.loc["h_2[1]", "lesson printed"] == "-0.090"
    assert table.loc["h_2[1]", "by hand, 3 decimals kept"] == "-0.090"
    assert table.loc["h_2[1]", "exact (engine)"] == "-0.0888"
    assert table.loc["W_h h_1[1]", "by hand, 3 decimals kept"] == "0.610"
    assert table.loc["W_h h_1[1]", "exact (engine)"] == "0.6110"
    assert table.loc["a_2[1]", "exact (engine)"] == "-0.0890"


def test_is_lesson_example(lesson):
    s, _ = lesson
    assert explain.is_lesson_example(s.params, s.x, s.h0, s.params, s.x)
    assert not explain.is_lesson_example(s.params.replace(b=[0.1, 0.2]), s.x, s.h0, s.params, s.x)
    assert not explain.is_lesson_example(s.params, s.x, np.ones(2), s.params, s.x)


def test_products_fold_the_sign_of_a_negative_weight_into_the_operator(lesson):
    s, tr = lesson
    W_h = np.array([[0.5, -0.001], [-0.3, 0.4]])
    text = "\n".join(latex.derivation(step_terms(s.params.replace(W_h=W_h), tr, 2), 2, "tanh", 4, W_h=W_h,
                                       W_x=s.params.W_x))
    assert r"0.5000 \times 0.9354 - 0.0010 \times 0.7163" in text  # not "+ −0.0010"
    assert r"-0.3000 \times 0.9354 + 0.4000" in text  # a leading minus stays
    assert "+ -" not in text


def test_the_output_line_breaks_so_y_is_never_cut_off():
    rng = np.random.default_rng(0)
    p = RNNParams(W_x=rng.normal(size=(8, 1)), W_h=rng.normal(size=(8, 8)) * 0.3, b=np.zeros(8),
                  W_y=rng.normal(size=(3, 8)))
    tr = forward(p, rng.normal(size=(3, 1)))
    lines = latex.derivation(step_terms(p, tr, 2), 2, "tanh", 4, W_h=p.W_h, W_x=p.W_x, W_y=p.W_y, b_y=p.b_y)
    header, y_line = lines[0], lines[-1]
    assert header.startswith(r"\begin{gathered}") and r"\\ {\color" in header  # y_t = W_y h_t + b_y below
    assert y_line.startswith(r"\begin{aligned}") and y_line.count("&=") == 3
    first, matrices, result = y_line.split(r" \\ ")
    assert "bmatrix" not in first and matrices.count(r"\begin{bmatrix}") == 3  # W_y, h_2, b_y
    assert latex.fmt(tr.y[1, 0], 4) in result and "W_y" not in result


def _quantities(p: RNNParams, tr) -> dict:
    """What a template's slots name: the forward pass (x, h, pre, y; wx, wh as step_terms takes them) and
    the parameters."""
    return {"x": tr.x, "h": tr.h, "pre": tr.pre, "y": tr.y, "wx": tr.x @ p.W_x.T, "wh": tr.h[:-1] @ p.W_h.T,
            "W_h": p.W_h, "W_x": p.W_x, "b": p.b, "W_y": p.W_y, "b_y": p.b_y}


def _filled(lines, slots, quantities, decimals):
    """Python twin of view.js fillTemplate: slot k (@k@) printed as latex.Printer prints it."""
    def text(match):
        slot = slots[int(match[1])]
        values = quantities[slot["q"]]
        value = values[slot["t"], slot["i"]] if "t" in slot else values[slot["i"], slot["j"]] if "j" in slot \
            else values[slot["i"]]
        return latex.styled(latex.fmt(value, decimals), slot["style"])
    return [re.sub(r"@(\d+)@", text, line) for line in lines]


@pytest.mark.parametrize("seed", range(12))
def test_derivation_template_filled_from_any_network_is_its_derivation(seed):
    """The cell page's live derivation: a template made from one network, filled from another network's forward
    pass, is that network's derivation (so every number is a slot, and each slot names the right one)."""
    rng = np.random.default_rng(seed)
    n, d, k, T = int(rng.integers(1, 11)), int(rng.integers(1, 4)), int(rng.integers(0, 3)), int(rng.integers(1, 6))
    activation, decimals, t = ("tanh", "relu")[seed % 2], (3, 4)[seed % 3 == 0], int(rng.integers(1, T + 1))

    def network():
        p = RNNParams(W_x=rng.normal(size=(n, d)), W_h=rng.normal(size=(n, n)) * 0.6, b=rng.normal(size=n) * 0.3,
                      W_y=rng.normal(size=(k, n)) if k else None, b_y=rng.normal(size=k) if k else None,
                      activation=activation)
        x, h0 = rng.normal(size=(T, d)), rng.normal(size=n) * 0.5
        return p, forward(p, x, h0)

    (p, tr), (q, other) = network(), network()
    weights = lambda w: dict(W_h=w.W_h, W_x=w.W_x, W_y=w.W_y, b_y=w.b_y)  # noqa: E731
    lines, slots = latex.derivation_template(step_terms(p, tr, t), t, activation, decimals, **weights(p))
    assert all("@" not in line for line in latex.derivation(step_terms(p, tr, t), t, activation, decimals,
                                                            **weights(p)))
    want = latex.derivation(step_terms(q, other, t), t, activation, decimals, **weights(q))
    assert _filled(lines, slots, _quantities(q, other), decimals) == want
    assert _filled(lines, slots, _quantities(p, tr), decimals) != want  # the check can fail
