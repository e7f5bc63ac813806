"""Central finite differences: the reference every gradient test compares against."""

import numpy as np


def numeric_grad(f, arr, eps=1e-6):
    """d f / d arr by central differences, one entry at a time (f takes an array shaped like arr)."""
    grad = np.zeros_like(arr)
    for idx in np.ndindex(arr.shape):
        plus, minus = arr.copy(), arr.copy()
        plus[idx] += eps
        minus[idx] -= eps
        grad[idx] = (f(plus) - f(minus)) / (2 * eps)
    return grad
