"""Tables and sentences that explain the network: shapes, parameter count, the lesson's rounding."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rnnviz.analysis import lesson_rounded_forward, step_terms
from rnnviz.engine import RNNParams, Trace
from rnnviz.figures import fmt


def dimension_table(params: RNNParams) -> pd.DataFrame:
    """The lesson's (symbol, shape, role) table for the current sizes."""
    n, d, k = params.n, params.d, params.k
    rows = [
        ("x_t", "d × 1", f"{d} × 1", "Input at time t"),
        ("h_t", "n × 1", f"{n} × 1", "Hidden state (memory)"),
        ("W_x", "n × d", f"{n} × {d}", "Maps input to hidden space"),
        ("W_h", "n × n", f"{n} × {n}", "Maps previous hidden to current hidden"),
        ("b", "n × 1", f"{n} × 1", "Hidden bias"),
    ]
    if k:
        rows += [
            ("W_y", "k × n", f"{k} × {n}", "Output weight matrix"),
            ("b_y", "k × 1", f"{k} × 1", "Output bias"),
            ("y_t", "k × 1", f"{k} × 1", "Output prediction at time t"),
        ]
    return pd.DataFrame(rows, columns=["Symbol", "Shape", "Here", "Role"])


def parameter_count(params: RNNParams) -> str:
    """n² + nd + n + nk + k with the numbers in, as LaTeX on three aligned lines (one line was ~440 px, wider
    than the column that shows it, and the result was the part cut off)."""
    n, d, k = params.n, params.d, params.k
    return (rf"\begin{{aligned}}N &= n^2 + nd + n + nk + k \\ &= {n}^2 + {n}\cdot{d} + {n} + {n}\cdot{k} + {k}"
            rf" \\ &= {params.num_params}\end{{aligned}}")


def dimension_checks(params: RNNParams) -> list[str]:
    """The lesson's dimension check for W_h h_{t-1} + W_x x_t + b."""
    n, d = params.n, params.d
    return [
        f"W_h h_(t-1): ({n}×{n})·({n}×1) = {n}×1 ✓",
        f"W_x x_t: ({n}×{d})·({d}×1) = {n}×1 ✓",
        f"Sum: ({n}×1) + ({n}×1) + ({n}×1) = {n}×1 ✓",
        f"After {'tanh' if params.activation == 'tanh' else 'relu'}: still {n}×1 ✓",
    ]


# The numbers the lesson printed for its worked example (quoted, not computed).
LESSON_PRINTED = {
    "h_1": [0.935, 0.716],
    "W_h h_1": [0.610, 0.710],
    "a_2": [-0.090, 0.410],
    "h_2": [-0.090, 0.389],
}


def lesson_comparison(params: RNNParams, trace: Trace) -> pd.DataFrame:
    """The lesson's printed numbers beside its hand arithmetic (3 decimals kept) and the exact engine values."""
    hand = lesson_rounded_forward(params, trace.x, trace.h[0], decimals=3, rounding="floor")
    exact_Wh_h1 = step_terms(params, trace, 2)["Wh_h"]
    rows = []
    for name, hand_values, exact_values in [
        ("h_1", hand["h"][1], trace.h[1]),
        ("W_h h_1", hand["Wh_h"][1], exact_Wh_h1),
        ("a_2", hand["pre"][1], trace.pre[1]),
        ("h_2", hand["h"][2], trace.h[2]),
    ]:
        for i in range(2):
            rows.append({
                "quantity": f"{name}[{i + 1}]",
                "lesson printed": fmt(LESSON_PRINTED[name][i], 3),
                "by hand, 3 decimals kept": fmt(hand_values[i], 3),
                "exact (engine)": fmt(exact_values[i], 4),
            })
    return pd.DataFrame(rows)


def is_lesson_example(params: RNNParams, x, h0, lesson_params: RNNParams, lesson_x) -> bool:
    return params == lesson_params and np.array_equal(x, lesson_x) and not np.any(h0)
