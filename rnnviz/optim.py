"""Optimizers over a dict of named arrays (``RNNParams.arrays()``), and gradient clipping.

An optimizer object holds only its running state (velocities, moments); ``update``
never mutates its inputs and returns a new dict of arrays:

    opt = make_optimizer("adam", lr=0.01)
    params = opt.update(params, grads)     # dicts name -> array
"""

from __future__ import annotations

import math

import numpy as np

OPTIMIZERS = ("sgd", "adam", "adagrad")


def _check_lr(lr) -> float:
    if isinstance(lr, bool) or not isinstance(lr, (int, float, np.floating)) or not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"learning rate must be a finite number > 0, got {lr!r}")
    return float(lr)


def _check_same_keys(params: dict, grads: dict) -> None:
    if params.keys() != grads.keys():
        raise ValueError(f"grads have names {sorted(grads)}, expected {sorted(params)} like the params")


class SGD:
    """SGD with (heavy-ball) momentum: v <- mu v + g;  p <- p - lr v."""

    def __init__(self, lr: float, momentum: float = 0.9):
        self.lr = _check_lr(lr)
        if not (isinstance(momentum, (int, float)) and 0.0 <= momentum < 1.0):
            raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
        self.momentum = float(momentum)
        self.reset()

    def reset(self) -> None:
        self.velocity: dict[str, np.ndarray] = {}

    def update(self, params: dict, grads: dict) -> dict:
        _check_same_keys(params, grads)
        new = {}
        for name, p in params.items():
            v = grads[name] if name not in self.velocity else self.momentum * self.velocity[name] + grads[name]
            self.velocity[name] = v
            new[name] = p - self.lr * v
        return new


class Adam:
    """Adam (Kingma & Ba) with bias correction."""

    def __init__(self, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.lr = _check_lr(lr)
        if not (0.0 <= beta1 < 1.0 and 0.0 <= beta2 < 1.0):
            raise ValueError(f"betas must be in [0, 1), got {beta1!r}, {beta2!r}")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self.reset()

    def reset(self) -> None:
        self.t = 0
        self.m: dict[str, np.ndarray] = {}  # first moment
        self.v: dict[str, np.ndarray] = {}  # second moment

    def update(self, params: dict, grads: dict) -> dict:
        _check_same_keys(params, grads)
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        # Fold both bias corrections into the step size (same result, fewer temporaries).
        step = self.lr * math.sqrt(1.0 - b2**self.t) / (1.0 - b1**self.t)
        eps_hat = self.eps * math.sqrt(1.0 - b2**self.t)  # eps on the bias-corrected scale
        new = {}
        for name, p in params.items():
            g = grads[name]
            m = b1 * self.m[name] + (1.0 - b1) * g if name in self.m else (1.0 - b1) * g
            v = b2 * self.v[name] + (1.0 - b2) * g * g if name in self.v else (1.0 - b2) * g * g
            self.m[name], self.v[name] = m, v
            new[name] = p - step * m / (np.sqrt(v) + eps_hat)
        return new


class Adagrad:
    """Adagrad: per-entry step lr / sqrt(sum of squared gradients).

    By default PyTorch's form, lr * g / (sqrt(sum) + eps) with eps = 1e-10; ``eps_inside_sqrt=True``
    gives min-char-rnn's, lr * g / sqrt(sum + eps) (there with eps = 1e-8).
    """

    def __init__(self, lr: float, eps: float = 1e-10, eps_inside_sqrt: bool = False):
        self.lr = _check_lr(lr)
        self.eps = float(eps)
        self.eps_inside_sqrt = bool(eps_inside_sqrt)
        self.reset()

    def reset(self) -> None:
        self.sq: dict[str, np.ndarray] = {}

    def update(self, params: dict, grads: dict) -> dict:
        _check_same_keys(params, grads)
        new = {}
        for name, p in params.items():
            g = grads[name]
            sq = self.sq[name] + g * g if name in self.sq else g * g
            self.sq[name] = sq
            denom = np.sqrt(sq + self.eps) if self.eps_inside_sqrt else np.sqrt(sq) + self.eps
            new[name] = p - self.lr * g / denom
        return new


def make_optimizer(name: str, lr: float, momentum: float = 0.9):
    """"sgd" (with momentum), "adam" or "adagrad"."""
    if name == "sgd":
        return SGD(lr, momentum)
    if name == "adam":
        return Adam(lr)
    if name == "adagrad":
        return Adagrad(lr)
    raise ValueError(f"unknown optimizer {name!r}; expected one of {OPTIMIZERS}")


def global_norm(grads: dict) -> float:
    """sqrt of the sum of squares of every entry of every array."""
    return math.sqrt(sum(float(np.vdot(g, g)) for g in grads.values()))


# torch.nn.utils.clip_grad_norm_ adds this to the norm before dividing (and so do we, to match it).
CLIP_EPS = 1e-6


def clip_by_global_norm(grads: dict, max_norm) -> tuple[dict, float]:
    """Scale all grads by one factor so their global norm is at most max_norm, exactly like PyTorch.

    The factor is ``torch.nn.utils.clip_grad_norm_``'s: min(1, max_norm / (norm + 1e-6)).
    Returns (clipped grads, the norm before clipping).  max_norm None or 0 = no clipping.
    Scaling them together keeps the update's direction, unlike clipping each entry.
    """
    if max_norm is not None and not (math.isfinite(max_norm) and max_norm >= 0):
        raise ValueError(f"clip must be None, 0 (off) or a finite number > 0, got {max_norm!r}")
    norm = global_norm(grads)
    scale = clip_scale(norm, max_norm)
    if scale == 1.0:
        return dict(grads), norm
    return {name: g * scale for name, g in grads.items()}, norm


def clip_scale(norm: float, max_norm) -> float:
    """The factor clip_by_global_norm multiplies the grads by: 1.0 when clipping is off or not needed."""
    if not max_norm or not math.isfinite(norm):
        return 1.0
    return min(1.0, max_norm / (norm + CLIP_EPS))


def clip_by_value(grads: dict, bound: float | None) -> tuple[dict, bool]:
    """Clip every entry to [-bound, bound] (min-char-rnn's ``np.clip(d, -5, 5)``); bound None/0 = off.

    Returns (clipped grads, whether any entry was outside the bounds).
    """
    if not bound:
        return dict(grads), False
    hit = any(bool((np.abs(g) > bound).any()) for g in grads.values())
    return {name: np.clip(g, -bound, bound) for name, g in grads.items()}, hit
