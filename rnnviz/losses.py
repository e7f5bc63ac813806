"""Losses over (B, T, k) network outputs, each returning (loss, dL/dy).

Both losses average over the steps that count: ``mask`` (B, T) (or (T,) for one
sequence) weights each step, 1 = counts, 0 = ignored (e.g. the first steps of echo).

    mse:  L = sum_{b,t} m_bt * sum_j (y_btj - target_btj)^2 / (k * sum m)
    xent: L = -sum_{b,t} m_bt * log softmax(y_bt)[c_bt] / sum m      (y are logits)

Classification targets may be one-hot (B, T, k) or class indices (B, T).

``reduction="sum"`` drops the division by the number of steps that count (xent: by sum m; mse: by
k * sum m), as min-char-rnn does: its loss is the sum over the chunk.
"""

from __future__ import annotations

import numpy as np

LOSSES = ("mse", "xent")
REDUCTIONS = ("mean", "sum")


def _check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"unknown reduction {reduction!r}; expected one of {REDUCTIONS}")


def _mask_for(y: np.ndarray, mask) -> np.ndarray:
    """The mask as (..., 1) weights broadcasting over k; all ones when None."""
    if mask is None:
        return np.ones(y.shape[:-1] + (1,), y.dtype)
    mask = np.asarray(mask, y.dtype)
    if mask.shape != y.shape[:-1]:
        raise ValueError(f"mask has shape {mask.shape}, expected {y.shape[:-1]} (one weight per step)")
    if mask.sum() <= 0:
        raise ValueError("mask selects no steps: the loss would be 0/0")
    return mask[..., None]


def mse(y, target, mask=None, reduction: str = "mean") -> tuple[float, np.ndarray]:
    """Mean squared error and dL/dy, same shape as y."""
    _check_reduction(reduction)
    y = np.asarray(y)
    target = np.asarray(target, y.dtype)
    if target.shape != y.shape:
        raise ValueError(f"target has shape {target.shape}, expected {y.shape} like the outputs")
    m = _mask_for(y, mask)
    diff = (y - target) * m
    if reduction == "sum":
        return float(np.sum(diff * diff)), 2.0 * diff
    count = m.sum() * y.shape[-1]
    loss = float(np.sum(diff * diff) / count)
    return loss, (2.0 / count) * diff


def softmax(logits: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, shifted by the max for stability."""
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _as_one_hot(target, y: np.ndarray) -> np.ndarray:
    target = np.asarray(target)
    k = y.shape[-1]
    if target.shape == y.shape[:-1]:  # class indices
        if not np.issubdtype(target.dtype, np.integer) or target.min() < 0 or target.max() >= k:
            raise ValueError(f"class-index targets must be integers in 0..{k - 1}")
        return np.eye(k, dtype=y.dtype)[target]
    if target.shape != y.shape:
        raise ValueError(f"target has shape {target.shape}, expected {y.shape} (one-hot) or {y.shape[:-1]} (indices)")
    return target.astype(y.dtype, copy=False)


def softmax_xent(y, target, mask=None, reduction: str = "mean") -> tuple[float, np.ndarray]:
    """Softmax cross-entropy of logits y against one-hot or index targets, and dL/dy."""
    _check_reduction(reduction)
    y = np.asarray(y)
    onehot = _as_one_hot(target, y)
    m = _mask_for(y, mask)
    count = m.sum()
    z = y - y.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))  # log softmax, (B, T, k)
    if reduction == "sum":
        return float(-np.sum(onehot * logp * m)), (np.exp(logp) - onehot) * m
    loss = float(-np.sum(onehot * logp * m) / count)
    dy = (np.exp(logp) - onehot) * (m / count)  # softmax minus target: the classic xent gradient
    return loss, dy


def loss_and_grad(name: str, y, target, mask=None, reduction: str = "mean") -> tuple[float, np.ndarray]:
    """Dispatch on the task's loss name."""
    if name == "mse":
        return mse(y, target, mask, reduction)
    if name == "xent":
        return softmax_xent(y, target, mask, reduction)
    raise ValueError(f"unknown loss {name!r}; expected one of {LOSSES}")


def accuracy(y, target, mask=None) -> float:
    """Fraction of (masked) steps where argmax of the logits is the target class."""
    y = np.asarray(y)
    target = np.asarray(target)
    labels = target if target.shape == y.shape[:-1] else target.argmax(axis=-1)
    hit = (y.argmax(axis=-1) == labels).astype(np.float64)
    if mask is None:
        return float(hit.mean())
    m = _mask_for(y, mask)[..., 0]
    return float((hit * m).sum() / m.sum())
