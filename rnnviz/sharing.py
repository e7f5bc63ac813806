"""Weight sharing, made visible: parameter counts against T, and a network trained on T run on 10 x T.

* ``shared_count(n, d, k)`` = n² + nd + n + nk + k, the RNN's count (``RNNParams.num_params``),
  the same for every sequence length.
* ``unshared_count(n, d, k, T)`` = T (n² + nd + n + nk + k): a network with its own W_h, W_x, b,
  W_y, b_y at every step (the unrolled chain with the weights *not* tied), which grows with T and
  has no weights at all for a step T + 1 it was not built with.
* ``generalisation_demo(...)`` trains a small RNN with ``rnnviz.training.Trainer`` on length-T sine
  next-step prediction (seeded), then runs the same weights on fresh sine waves 10 x T steps long
  and reports the per-step squared error: the lesson's "generalizes to sequence lengths never seen
  during training".

Nothing here imports streamlit or plotly; randomness only through seeded ``np.random.default_rng``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rnnviz.engine import RNNParams, forward
from rnnviz.training import Trainer

# The sine task's frequency range (rnnviz.tasks): the long test waves are drawn from the same range.
W_RANGE = (0.15, 0.45)
EVAL_SEED_OFFSET = 10_007  # test waves never share the training seed's draws


def shared_count(n: int, d: int, k: int) -> int:
    """n² + nd + n + nk + k: the RNN's parameters, independent of the sequence length."""
    return n * n + n * d + n + n * k + k


def unshared_count(n: int, d: int, k: int, T: int) -> int:
    """T (n² + nd + n + nk + k): separate weights at each of the T steps."""
    return T * shared_count(n, d, k)


def param_counts(n: int, d: int, k: int, T_max: int) -> pd.DataFrame:
    """Columns T (1..T_max), shared, unshared, ratio (= T)."""
    if T_max < 1:
        raise ValueError(f"T_max must be at least 1, got {T_max}")
    T = np.arange(1, T_max + 1)
    shared = shared_count(n, d, k)
    return pd.DataFrame({"T": T, "shared": np.full(T_max, shared, dtype=np.int64),
                         "unshared": T.astype(np.int64) * shared, "ratio": T})


@dataclass(frozen=True, eq=False)
class LengthResult:
    """A trained network evaluated on sequences ``factor`` times longer than it was trained on."""

    params: RNNParams
    T: int  # training length
    factor: int
    x: np.ndarray  # (B, factor*T, 1) test inputs
    y_true: np.ndarray  # (B, factor*T) next-step targets
    y_pred: np.ndarray  # (B, factor*T) predictions
    step_error: np.ndarray  # (factor*T,) squared error per step, mean over the B test waves
    loss_history: np.ndarray  # training loss per update
    baseline_error: float  # mean squared error of "predict y_t = x_t" (no learning) on the test waves

    @property
    def T_long(self) -> int:
        return self.T * self.factor

    @property
    def error_train_length(self) -> float:
        """Mean squared error over steps 1..T (the length seen in training)."""
        return float(self.step_error[: self.T].mean())

    @property
    def error_beyond(self) -> float:
        """Mean squared error over steps T+1..factor*T (never seen in training)."""
        return float(self.step_error[self.T:].mean())

    @property
    def error_last(self) -> float:
        """Mean squared error over the last T steps."""
        return float(self.step_error[-self.T:].mean())

    @property
    def error_ratio(self) -> float:
        """error_beyond / error_train_length: at most about 1 when the network generalises to longer sequences."""
        return self.error_beyond / self.error_train_length if self.error_train_length > 0 else float("inf")

    @property
    def error_long(self) -> float:
        """Mean squared error over all factor*T steps."""
        return float(self.step_error.mean())

    def summary(self) -> pd.DataFrame:
        rows = [("steps 1..T (training length)", 1, self.T, self.error_train_length),
                (f"steps T+1..{self.factor}T (never seen)", self.T + 1, self.T_long, self.error_beyond),
                (f"last T steps ({(self.factor - 1) * self.T + 1}..{self.T_long})",
                 self.T_long - self.T + 1, self.T_long, self.error_last),
                ("baseline: predict x_(t+1) = x_t", 1, self.T_long, self.baseline_error)]
        return pd.DataFrame(rows, columns=["steps", "from t", "to t", "mean squared error"])


def sine_waves(T: int, B: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """B sine waves x_t = sin(w t + phi), w in W_RANGE, and their next values: x (B, T, 1), y (B, T)."""
    rng = np.random.default_rng(seed)
    w = rng.uniform(*W_RANGE, size=(B, 1))
    phi = rng.uniform(0.0, 2 * np.pi, size=(B, 1))
    wave = np.sin(w * np.arange(T + 1) + phi)
    return wave[:, :-1, None], wave[:, 1:]


def evaluate_lengths(params: RNNParams, T: int, factor: int = 10, B: int = 32, seed: int = 0,
                     loss_history=None) -> LengthResult:
    """Run ``params`` (d = k = 1) on B fresh sine waves of factor*T steps; per-step squared error."""
    x, y = sine_waves(T * factor, B, seed + EVAL_SEED_OFFSET)
    with np.errstate(over="ignore", invalid="ignore"):
        pred = forward(params, x).y[..., 0]
        step_error = np.mean((pred - y) ** 2, axis=0)
    baseline = float(np.mean((x[..., 0] - y) ** 2))
    history = np.array([] if loss_history is None else loss_history, dtype=np.float64)
    return LengthResult(params=params, T=T, factor=factor, x=x, y_true=y, y_pred=pred, step_error=step_error,
                        loss_history=history, baseline_error=baseline)


def generalisation_demo(T: int = 20, factor: int = 10, hidden: int = 16, steps: int = 300, seed: int = 0,
                        lr: float = 0.01, B: int = 32) -> LengthResult:
    """Train on length-T sine next-step prediction (Adam, clip 1, seeded), evaluate on factor*T steps.

    About 0.1-0.3 s for the defaults; deterministic for given arguments.
    """
    trainer = Trainer("sine", hidden=hidden, optimizer="adam", lr=lr, clip=1.0, seed=seed,
                      task_options={"T": T, "B": B})
    trainer.step(steps)
    return evaluate_lengths(trainer.params, T, factor, B, seed, trainer.history["loss"])
