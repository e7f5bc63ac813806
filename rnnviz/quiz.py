"""The lesson check: multiple-choice questions written for rnnviz, with feedback and a page that shows the answer.

    qs = questions(state)              # some questions use the live network (sizes, parameter count)
    fb = check(qs[0], choice)          # Feedback(correct, message); a wrong one keeps the answer back
    fb = check(qs[0], choice, reveal=True)  # ... until the student asks for it
    score(qs, {q.key: choice, ...})    # (correct, answered)

Each ``Question`` has ``options`` (distinct strings), exactly one of which is ``answer``;
``why`` is a one-line explanation and ``page`` the app page that shows it.  Option order is
shuffled deterministically per question (seeded by its key), so the answer is not always first.
Nothing here imports streamlit.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import numpy as np

from rnnviz.state import SimState

PAGES = {
    "pages/cell.py": "Cell step-through",
    "pages/chain.py": "Unrolled chain",
    "pages/heatmaps.py": "Sequence & heatmaps",
    "pages/phase.py": "Phase portrait & ripple",
    "pages/sharing.py": "Weight sharing",
    "pages/lab.py": "Vanishing / exploding lab",
}


@dataclass(frozen=True)
class Question:
    key: str
    prompt: str
    options: tuple[str, ...]
    answer: str
    why: str
    page: str  # an app page path, e.g. "pages/cell.py"
    live: bool = False  # uses the current network

    @property
    def answer_index(self) -> int:
        return self.options.index(self.answer)

    @property
    def widget_key(self) -> str:
        """A widget key that changes when the options do (live questions), so a stale choice never lingers."""
        if not self.live:
            return f"quiz_{self.key}"
        return f"quiz_{self.key}_{zlib.crc32(chr(31).join(self.options).encode()):08x}"

    @property
    def page_title(self) -> str:
        return PAGES[self.page]


@dataclass(frozen=True)
class Feedback:
    correct: bool
    message: str


def _seed(key: str) -> int:
    return sum((i + 1) * ord(c) for i, c in enumerate(key))


def _question(key, prompt, answer, wrong, why, page, live=False) -> Question:
    """Distinct options (the answer plus up to 3 wrong ones that differ from it), in a seeded order."""
    options = [answer]
    for option in wrong:
        if option not in options:
            options.append(option)
    options = options[:4]
    order = np.random.default_rng(_seed(key)).permutation(len(options))
    return Question(key, prompt, tuple(options[i] for i in order), answer, why, page, live)


def _distinct_numbers(answer: int, candidates) -> list[str]:
    """Wrong numeric options: the candidates that differ from the answer, topped up with nearby numbers."""
    wrong = []
    for c in list(candidates) + [answer + 1, answer - 1, answer + 2, 2 * answer]:
        if c != answer and c > 0 and f"{c:,}" not in wrong:
            wrong.append(f"{c:,}")
    return wrong[:3]


def _rows_cols(rows: str, cols: str) -> str:
    return f"{rows} rows × {cols} columns"


def questions(state: SimState) -> list[Question]:
    """The lesson check for the current network (questions marked live use its sizes)."""
    p = state.params
    n, d, k, T = p.n, p.d, p.k, state.T
    count = p.num_params
    tanh_slope_4 = 1.0 - math.tanh(4.0) ** 2
    return [
        _question(
            "equation", "Which line is the vanilla RNN's hidden-state update?",
            "h_t = tanh(W_h h_(t-1) + W_x x_t + b)",
            ["h_t = tanh(W_h x_t + W_x h_(t-1) + b)", "h_t = W_y h_(t-1) + b_y",
             "h_t = tanh(W_h h_t + W_x x_(t-1)) + b"],
            "W_h mixes the previous state, W_x brings in the current input, b shifts, then tanh squashes.",
            "pages/cell.py"),
        _question(
            "shape_wx", "With d = 3 inputs and n = 5 hidden units, what shape is W_x?",
            "5 × 3", ["3 × 5", "5 × 5", "3 × 3"],
            "W_x x_t must be n × 1, so W_x is n × d: one row per hidden unit, one column per input.",
            "pages/cell.py"),
        _question(
            "count_live",
            f"The network in the sidebar has n = {n}, d = {d}, k = {k}. How many parameters does it have?",
            f"{count:,}",
            _distinct_numbers(count, [n * n + n * d + n, n * n + n * d, T * count, count - n - k]),
            f"n² + nd + n + nk + k = {n * n} + {n * d} + {n} + {n * k} + {k} = {count:,}, whatever T is.",
            "pages/cell.py", live=True),
        _question(
            "sharing",
            f"This network runs on T = {T} steps. How many parameters would it need to run on {10 * T} steps?",
            f"the same {count:,}",
            [f"{10 * count:,} (10 times as many)", f"{count + 9 * T:,} (a few more per extra step)",
             f"{count * T:,} (T times as many)"],
            "W_h, W_x and b are shared by every step, so the count does not depend on the sequence length.",
            "pages/sharing.py", live=True),
        _question(
            "unrolled", "Unrolled over T = 4 steps, how many different W_h matrices does the chain contain?",
            "1: the same W_h in every cell", ["4: one per step", "3: one per arrow between cells",
                                              "5: one per hidden state h_0..h_4"],
            "Unrolling copies the cell, not the weights: every box uses the same W_h, W_x and b.",
            "pages/chain.py"),
        _question(
            "h2_x1", "Why does h_2 change when you change only x_1?",
            "x_1 changes h_1, and h_2 is computed from W_h h_1",
            ["W_x x_1 is added again at step 2", "b is re-estimated from x_1",
             "it does not: h_2 depends only on x_2"],
            "The input reaches later steps only through the hidden state: x_1 → h_1 → (W_h) → h_2 → ...",
            "pages/phase.py"),
        _question(
            "heatmap_live",
            f"The heatmap of h_t for this network (n = {n}, T = {T}) has how many rows and columns?",
            _rows_cols(f"{n} (units)", f"{T} (steps)"),
            [_rows_cols(f"{T} (steps)", f"{n} (units)"), _rows_cols(f"{n} (units)", f"{n} (units)"),
             _rows_cols(f"{d} (inputs)", f"{T} (steps)")],
            "Rows are hidden units h_1 … h_n, columns are time t = 1 … T, left to right.",
            "pages/heatmaps.py", live=True),
        _question(
            "saturation", "A unit's pre-activation is a = 4. What is tanh′(a), and what does it mean?",
            f"about {tanh_slope_4:.4f}: the unit is saturated, so h barely moves and gradients barely flow back",
            ["about 1: the unit passes changes through unchanged", "about 0.5: half of every change gets through",
             "about 4: the unit amplifies changes"],
            f"tanh′(a) = 1 − tanh²(a) = {tanh_slope_4:.4f} at a = 4: the flat end of the curve; many such "
            "factors in a row make gradients vanish.",
            "pages/lab.py"),
    ]


def check(question: Question, choice: str | None, reveal: bool = False) -> Feedback | None:
    """Feedback for a chosen option (None when nothing is chosen yet).

    A wrong choice does not give the answer away: the student may try again, and the answer and its reason
    come only when asked for (``reveal``)."""
    if choice is None:
        return None
    if choice not in question.options:
        raise ValueError(f"{choice!r} is not an option of question {question.key!r}")
    if choice == question.answer:
        return Feedback(True, f"Correct. {question.why}")
    if not reveal:
        return Feedback(False, "Not quite. Pick another option to try again, or show the answer.")
    return Feedback(False, f"Not quite: the answer is “{question.answer}”. {question.why}")


def score(qs: list[Question], answers: dict[str, str | None]) -> tuple[int, int]:
    """(correct, answered) for answers keyed by question key."""
    correct = answered = 0
    for q in qs:
        choice = answers.get(q.key)
        if choice is None or choice not in q.options:
            continue
        answered += 1
        correct += choice == q.answer
    return correct, answered
