"""Weight sharing: parameter counts, the train-on-T / run-on-10T demo, and its figures."""

import numpy as np
import pytest

from rnnviz import sharing
from rnnviz.engine import RNNParams
from rnnviz.figures import sharing as figures_extra
from rnnviz.state import default_state, resized


@pytest.mark.parametrize("n, d, k", [(2, 1, 0), (5, 3, 2), (64, 16, 16), (1, 1, 1)])
def test_counts_follow_the_formula(n, d, k):
    state = resized(default_state(), n=n, d=d, k=k)
    assert sharing.shared_count(n, d, k) == n * n + n * d + n + n * k + k == state.params.num_params
    counts = sharing.param_counts(n, d, k, 50)
    assert list(counts["T"]) == list(range(1, 51))
    assert (counts["shared"] == state.params.num_params).all()
    assert list(counts["unshared"]) == [T * state.params.num_params for T in range(1, 51)]
    assert sharing.unshared_count(n, d, k, 37) == 37 * state.params.num_params
    assert counts["unshared"].iloc[0] == counts["shared"].iloc[0]  # one step: nothing to share


def test_lesson_count():
    assert sharing.shared_count(2, 1, 0) == 8  # 4 + 2 + 2
    assert sharing.unshared_count(2, 1, 0, 100) == 800
    with pytest.raises(ValueError):
        sharing.param_counts(2, 1, 0, 0)


def test_count_figure_hover_gives_exact_counts():
    counts = sharing.param_counts(5, 3, 2, 120)
    fig = figures_extra.param_count_figure(counts, 5, 3, 2)
    unshared, shared = fig.data
    assert list(shared.y) == [57] * 120 and list(unshared.y) == [57 * T for T in range(1, 121)]
    assert "%{y:,}" in shared.hovertemplate and "T × %{customdata:,}" in unshared.hovertemplate
    assert shared.line.color == figures_extra.SHARED != unshared.line.color  # series colours, not h's blue


@pytest.fixture(scope="module")
def demo():
    return sharing.generalisation_demo(T=20, factor=10, hidden=16, steps=300, seed=0)


def test_demo_shapes_and_determinism(demo):
    assert demo.T_long == 200
    assert demo.x.shape == (32, 200, 1) and demo.y_true.shape == demo.y_pred.shape == (32, 200)
    assert demo.step_error.shape == (200,) and len(demo.loss_history) == 300
    np.testing.assert_allclose(demo.y_true[:, :-1], demo.x[:, 1:, 0])  # next-step targets
    again = sharing.generalisation_demo(T=20, factor=10, hidden=16, steps=300, seed=0)
    assert again.params == demo.params and np.array_equal(again.step_error, demo.step_error)
    assert demo.loss_history[-1] < demo.loss_history[0] / 10  # it learned


# Measured (300 Adam steps, seeds 0-2): error beyond T / error on 1..T is 0.04-0.90 for T >= 10
# (the first steps carry a start-up transient from h_0 = 0, so the long run is usually *better*);
# the bound leaves headroom over the worst measured 0.90.
BOUND = 1.0


@pytest.mark.parametrize("T, hidden, seed", [(10, 8, 0), (10, 16, 1), (20, 16, 0), (20, 8, 2), (40, 16, 1)])
def test_error_on_10T_stays_within_the_bound_of_the_error_on_T(T, hidden, seed):
    r = sharing.generalisation_demo(T=T, factor=10, hidden=hidden, steps=300, seed=seed)
    assert r.error_beyond <= BOUND * r.error_train_length
    assert r.error_last <= 1.5 * r.error_train_length  # no drift at the very end of the long run
    assert r.error_long < r.baseline_error / 3  # and it beats "predict x_t" over all 10T steps


def test_the_bound_can_fail_for_a_network_that_does_not_generalise():
    """An exploding relu network stays fine for T steps and blows up over 10T: the check catches it."""
    n = 4
    W_h = 1.15 * np.eye(n)
    params = RNNParams(W_x=np.full((n, 1), 0.01), W_h=W_h, b=np.zeros(n), W_y=np.full((1, n), 0.01),
                       activation="relu")
    r = sharing.evaluate_lengths(params, T=20, factor=10)
    assert not r.error_beyond <= BOUND * r.error_train_length


def test_summary_and_figures(demo):
    table = demo.summary()
    assert table["mean squared error"].tolist() == [demo.error_train_length, demo.error_beyond, demo.error_last,
                                                    demo.baseline_error]
    pred = figures_extra.length_prediction_figure(demo, seq=3)
    target, prediction = pred.data
    np.testing.assert_array_equal(prediction.y, demo.y_pred[3])
    assert target.line.dash == "dash" and target.line.color == "#9ca3af" and prediction.line.color == "#059669"
    band = [s for s in pred.layout.shapes if s.name == "training-length"][0]
    assert (band.x0, band.x1) == (0.5, 20.5)
    err = figures_extra.length_error_figure(demo)
    assert err.layout.yaxis.type == "log"
    np.testing.assert_allclose(err.data[0].y, demo.step_error)
    assert err.data[1].y[0] == demo.error_train_length and err.data[2].y[0] == demo.error_beyond
