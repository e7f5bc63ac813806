"""Losses: values, gradients by central differences, masks, accuracy."""

import numpy as np
import pytest
from numeric import numeric_grad

from rnnviz.losses import accuracy, loss_and_grad, mse, softmax_xent


@pytest.mark.parametrize("masked", [False, True])
def test_mse_gradient(masked):
    rng = np.random.default_rng(0)
    y, target = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 4, 3))
    mask = (rng.random((2, 4)) > 0.4).astype(float) if masked else None
    loss, dy = mse(y, target, mask)
    assert np.allclose(dy, numeric_grad(lambda v: mse(v, target, mask)[0], y), atol=1e-8)
    m = np.ones((2, 4)) if mask is None else mask
    assert loss == pytest.approx(((y - target) ** 2 * m[..., None]).sum() / (m.sum() * 3))


@pytest.mark.parametrize("index_targets", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_xent_gradient(index_targets, masked):
    rng = np.random.default_rng(1)
    y = rng.normal(size=(3, 5, 4))
    labels = rng.integers(0, 4, size=(3, 5))
    target = labels if index_targets else np.eye(4)[labels]
    mask = (rng.random((3, 5)) > 0.3).astype(float) if masked else None
    loss, dy = softmax_xent(y, target, mask)
    assert np.allclose(dy, numeric_grad(lambda v: softmax_xent(v, target, mask)[0], y), atol=1e-8)
    logp = y - np.log(np.exp(y).sum(-1, keepdims=True))
    m = np.ones((3, 5)) if mask is None else mask
    expected = -(np.take_along_axis(logp, labels[..., None], -1)[..., 0] * m).sum() / m.sum()
    assert loss == pytest.approx(expected)


def test_xent_is_stable_for_huge_logits():
    y = np.array([[[1000.0, 0.0], [-1000.0, 0.0]]])
    loss, dy = softmax_xent(y, np.array([[0, 1]]))
    assert np.isfinite(loss) and np.all(np.isfinite(dy)) and loss == pytest.approx(0.0)


def test_accuracy_with_mask():
    y = np.array([[[2.0, 0.0], [0.0, 2.0], [2.0, 0.0]]])
    target = np.array([[0, 1, 1]])
    assert accuracy(y, target) == pytest.approx(2 / 3)
    assert accuracy(y, np.eye(2)[target], mask=np.array([[1, 1, 0]])) == 1.0


def test_validation():
    with pytest.raises(ValueError, match="unknown loss"):
        loss_and_grad("l1", np.zeros((1, 2, 1)), np.zeros((1, 2, 1)))
    with pytest.raises(ValueError, match="shape"):
        mse(np.zeros((1, 2, 1)), np.zeros((1, 3, 1)))
    with pytest.raises(ValueError, match="no steps"):
        mse(np.zeros((1, 2, 1)), np.zeros((1, 2, 1)), mask=np.zeros((1, 2)))
    with pytest.raises(ValueError, match="0..1"):
        softmax_xent(np.zeros((1, 2, 2)), np.array([[0, 2]]))


@pytest.mark.parametrize("name", ["mse", "xent"])
def test_sum_reduction_is_the_mean_times_the_count(name):
    rng = np.random.default_rng(0)
    y = rng.normal(size=(2, 5, 3))
    target = np.eye(3)[rng.integers(0, 3, size=(2, 5))]
    mask = np.ones((2, 5))
    mask[:, 0] = 0.0
    count = mask.sum() * (3 if name == "mse" else 1)
    mean, dmean = loss_and_grad(name, y, target, mask)
    total, dtotal = loss_and_grad(name, y, target, mask, reduction="sum")
    assert total == pytest.approx(mean * count, rel=1e-14)
    np.testing.assert_allclose(dtotal, dmean * count, rtol=1e-13, atol=1e-15)
    with pytest.raises(ValueError, match="reduction"):
        loss_and_grad(name, y, target, mask, reduction="max")
