"""The lesson check: one correct answer per question, live answers from the engine, feedback and score."""

import math
from pathlib import Path

import pytest

from rnnviz import quiz
from rnnviz.state import LIMITS, default_state, resized

ROOT = Path(__file__).parent.parent

STATES = [default_state(), resized(default_state(), n=5, d=3, k=2, T=7), resized(default_state(), n=1, d=1, k=0),
          resized(default_state(), n=3, d=3, k=3, T=3),
          resized(default_state(), n=LIMITS.n, d=LIMITS.d, k=LIMITS.k, T=LIMITS.T)]


@pytest.mark.parametrize("state", STATES, ids=repr)
def test_every_question_has_exactly_one_correct_answer(state):
    qs = quiz.questions(state)
    assert 6 <= len(qs) <= 8
    assert len({q.key for q in qs}) == len(qs)
    for q in qs:
        assert len(q.options) == len(set(q.options)) >= 3, q.key
        assert sum(option == q.answer for option in q.options) == 1, q.key
        assert q.options[q.answer_index] == q.answer
        assert q.why and q.prompt
        assert (ROOT / q.page).exists() and q.page in quiz.PAGES
    assert {q.page for q in qs} >= {"pages/cell.py", "pages/chain.py", "pages/sharing.py", "pages/lab.py"}


def test_answers_are_not_always_in_the_same_place():
    positions = {q.answer_index for q in quiz.questions(default_state())}
    assert len(positions) >= 2


@pytest.mark.parametrize("state", STATES, ids=repr)
def test_live_answers_come_from_the_network(state):
    qs = {q.key: q for q in quiz.questions(state)}
    count = state.params.num_params
    assert qs["count_live"].live and qs["count_live"].answer == f"{count:,}"
    assert f"n = {state.n}, d = {state.d}, k = {state.k}" in qs["count_live"].prompt
    assert qs["sharing"].answer == f"the same {count:,}"
    assert qs["heatmap_live"].answer.startswith(f"{state.n} (units) rows × {state.T} (steps)")
    assert str(state.n * state.n + state.n * state.d + state.n + state.n * state.k + state.k) in \
        qs["count_live"].answer.replace(",", "")


def test_fixed_answers_are_right():
    qs = {q.key: q for q in quiz.questions(default_state())}
    assert qs["shape_wx"].answer == "5 × 3"
    assert qs["count_live"].answer == "8"  # the lesson network: 4 + 2 + 2
    assert qs["equation"].answer == "h_t = tanh(W_h h_(t-1) + W_x x_t + b)"
    assert f"{1 - math.tanh(4) ** 2:.4f}" == "0.0013" and "0.0013" in qs["saturation"].answer
    assert qs["unrolled"].answer.startswith("1")


def test_feedback_and_score():
    qs = quiz.questions(default_state())
    q = qs[0]
    wrong = next(o for o in q.options if o != q.answer)
    assert quiz.check(q, None) is None
    good = quiz.check(q, q.answer)
    assert good.correct and good.message.startswith("Correct.") and q.why in good.message
    bad = quiz.check(q, wrong)  # a wrong try: no answer given away, another try invited
    assert not bad.correct and q.answer not in bad.message and "try again" in bad.message
    shown = quiz.check(q, wrong, reveal=True)
    assert not shown.correct and q.answer in shown.message and q.why in shown.message
    with pytest.raises(ValueError):
        quiz.check(q, "not an option")
    answers = {qs[0].key: qs[0].answer, qs[1].key: next(o for o in qs[1].options if o != qs[1].answer),
               qs[2].key: qs[2].answer, qs[3].key: None}
    assert quiz.score(qs, answers) == (2, 3)
    assert quiz.score(qs, {}) == (0, 0)
    assert quiz.score(qs, {q.key: q.answer for q in qs}) == (len(qs), len(qs))
