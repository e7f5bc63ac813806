"""Training a vanilla RNN on a task: the loop as a generator of snapshots.

    tr = Trainer(make_task("echo", delay=3), hidden=16, optimizer="adam", lr=0.01, clip=1.0, seed=0)
    for snap in tr.iter_snapshots(100):      # or tr.step(100) -> list
        snap.loss, snap.grad_norm, snap.dh_norms, snap.params

Every number comes from ``engine.forward`` / ``engine.backward``; this module adds the
loss, clipping, the optimizer step, divergence detection and bookkeeping.  It also
holds two teaching helpers: ``gradient_check`` (BPTT vs central differences) and
``backward_sweep`` (dL/dh_t as BPTT fills it in, step by step).

Nothing here imports streamlit or plotly; randomness only through
``np.random.default_rng(seed)``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from rnnviz.analysis import spectral_radius
from rnnviz.engine import ACTIVATIONS, RNNParams, activation_slope, backward, forward
from rnnviz.losses import accuracy, loss_and_grad, softmax
from rnnviz.optim import Adagrad, clip_by_global_norm, clip_by_value, clip_scale, global_norm, make_optimizer
from rnnviz.pacing import update_cost
from rnnviz.stacking import MAX_LAYERS
from rnnviz.tasks import Task, make_task, sample_chars

MAX_HIDDEN = 64
# A loss this large already means the run has left any useful region; stop before inf/NaN.
MAX_LOSS = 1e8
_PARAM_NAMES = ("W_x", "W_h", "b", "W_y", "b_y")

# min-char-rnn (Karpathy, 2015): Adagrad's 1e-8 sits inside the square root; a sample every 100 iterations.
MINCHAR_ADAGRAD_EPS = 1e-8
MINCHAR_SAMPLE_EVERY = 100
SAMPLE_LENGTH = 200


def minchar_settings(seq_length: int = 25, text: str | None = None) -> dict:
    """Trainer keyword arguments that train exactly like min-char-rnn: chunks of seq_length characters,
    Adagrad lr 0.1, entries clipped to [-5, 5].  Add hidden=, seed=, ... as usual: Trainer(**settings, hidden=32)."""
    options = {"mode": "minchar", "T": seq_length} | ({} if text is None else {"text": text})
    return {"task": "chars", "task_options": options, "optimizer": "adagrad", "lr": 0.1, "clip": 5.0}


# Per-update numbers kept for the charts, and snapshots kept for the replay, before thinning starts.
MAX_HISTORY = 4000
MAX_RECORDED = 200
HISTORY_KEYS = ("loss", "accuracy", "spectral_radius", "grad_norm")


class EvenlyThinned:
    """Items of updates 1, 2, 3, ... kept at evenly spaced updates, in bounded memory.

    Every update until `capacity` items are stored; then every 2nd, then every 4th, ... (the kept updates
    are always 1, 1 + stride, 1 + 2 stride, ...), plus the latest update whatever its number.  So at most
    capacity + 1 items, spread evenly over the whole run.
    """

    def __init__(self, capacity: int):
        if capacity < 2 or capacity % 2:
            raise ValueError(f"capacity must be an even number >= 2, got {capacity!r}")
        self.capacity = capacity
        self.stride = 1
        self._grid: list[tuple[int, object]] = []  # (update, item) at updates 1 + j * stride
        self._latest: tuple[int, object] | None = None  # the latest update when it is not on the grid

    def append(self, step: int, item) -> None:
        """Record update `step` (1 more than the previous one)."""
        if (step - 1) % self.stride == 0 and len(self._grid) == self.capacity:
            self._grid = self._grid[::2]  # updates 1, 1 + 2 stride, ...: the grid of the doubled stride
            self.stride *= 2
        if (step - 1) % self.stride == 0:
            self._grid.append((step, item))
            self._latest = None
        else:
            self._latest = (step, item)

    def entries(self) -> list[tuple[int, object]]:
        return self._grid + ([self._latest] if self._latest is not None else [])

    def steps(self) -> list[int]:
        return [step for step, _ in self.entries()]

    def items(self) -> list:
        return [item for _, item in self.entries()]

    def replace_items(self, change) -> None:
        """Apply change(item) -> item to every stored item (e.g. to drop what old items no longer need)."""
        self._grid = [(step, change(item)) for step, item in self._grid]
        if self._latest is not None:
            self._latest = (self._latest[0], change(self._latest[1]))

    def __len__(self) -> int:
        return len(self._grid) + (self._latest is not None)


@dataclass(frozen=True, eq=False)
class Snapshot:
    """One update.  loss/accuracy/grads are measured at the params *before* the update."""

    step: int  # 1 for the first update
    loss: float
    accuracy: float | None  # None for regression ("mse") tasks
    grads: dict[str, np.ndarray]  # parameter grads before clipping, names as in _flatten: W_x, ... or layer{i}.W_x
    grad_norm: float  # global norm of grads, before clipping
    clipped: bool  # global norm: the factor min(1, clip / (norm + 1e-6)) was < 1; min-char-rnn: an entry was cut
    dh_norms: np.ndarray  # (T+1,): ||dL/dh_t|| over the batch (Frobenius over (B, n)), t = 0..T, top layer
    params: RNNParams | list[RNNParams]  # after the update (the last finite params if diverged)
    radii: tuple[float, ...]  # ρ(W_h) of each layer after the update, layer 0 first
    diverged: bool = False
    sample: str | None = None  # min-char-rnn mode: text sampled before this update (every sample_every updates)

    @property
    def spectral_radius(self) -> float:
        """ρ(W_h) after the update (largest over layers)."""
        return max(self.radii)


# --- argument checks ---

def _check_int(name, value, lo, hi, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= value <= hi:
        raise ValueError(f"{name} must be an integer in {lo}..{hi}, got {value!r}")
    return int(value)


def _check_positive(name, value, allow_off=False):
    if allow_off and (value is None or value == 0):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or not math.isfinite(value) \
            or value <= 0:
        off = " (or None/0 for off)" if allow_off else ""
        raise ValueError(f"{name} must be a finite number > 0{off}, got {value!r}")
    return float(value)


def _check_dtype(dtype) -> np.dtype:
    dt = np.dtype(dtype)
    if dt not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float64 or float32, got {dtype!r}")
    return dt


# --- flat parameter dicts <-> RNNParams (one or a stack) ---

def _flatten(layers) -> dict[str, np.ndarray]:
    """The arrays of an RNNParams (or Grads) by name; of a list of them (a stack) as "layer{i}.{name}"."""
    if not isinstance(layers, list):
        return dict(layers.arrays())
    return {f"layer{i}.{name}": arr for i, p in enumerate(layers) for name, arr in p.arrays().items()}


def _all_finite(arrays: dict) -> bool:
    return all(np.isfinite(a).all() for a in arrays.values())


class Trainer:
    """Trains an RNN (one layer or a stack) on a Task; deterministic for a given seed.

    task: a Task, or a task name (then ``task_options`` pass to make_task with the same seed).
    clip: max global gradient norm; None or 0 = off.
    init_radius: rescale the initial W_h to this spectral radius (None = as drawn).
    bptt_window: truncated BPTT, chunks of this many steps carry h forward but not gradients.
    batch_size: random subset of the task's B sequences per update (None = all of them).

    min-char-rnn mode, when the task is the chars task with mode="minchar"
    (``Trainer(**minchar_settings(), hidden=32)``): each update takes the next chunk of the text (a batch
    of one), starts from the h the previous chunk ended with (h = 0 again after the last chunk), sums the
    loss over the chunk, clips every gradient entry to [-clip, clip] (instead of the global norm) and,
    with optimizer="adagrad", uses min-char-rnn's Adagrad: lr * g / sqrt(sum g^2 + 1e-8).  bptt_window
    and batch_size do not apply.  Every ``sample_every`` updates (default 100 there, 0 = never) it samples
    SAMPLE_LENGTH characters from the carried h before the update, like min-char-rnn: ``Snapshot.sample``,
    ``Trainer.last_sample``.
    """

    def __init__(self, task: Task | str, hidden: int = 16, optimizer: str = "adam", lr: float = 0.01,
                 clip: float | None = 1.0, seed: int = 0, activation: str = "tanh",
                 init_radius: float | None = None, bptt_window: int | None = None,
                 batch_size: int | None = None, momentum: float = 0.9, layers: int = 1,
                 dtype=np.float64, task_options: dict | None = None, sample_every: int | None = None):
        self.seed = _check_int("seed", seed, 0, 2**32 - 1)
        if isinstance(task, str):
            task = make_task(task, seed=self.seed, **(task_options or {}))
        elif task_options:
            raise ValueError("task_options only apply when task is given by name")
        if not isinstance(task, Task):
            raise ValueError(f"task must be a Task or a task name, got {type(task).__name__}")
        self.task = task
        self.hidden = _check_int("hidden", hidden, 1, MAX_HIDDEN)
        self.layers = _check_int("layers", layers, 1, MAX_LAYERS)
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation is {activation!r}, expected one of {ACTIVATIONS}")
        self.activation = activation
        self.optimizer_name = optimizer
        self.lr = _check_positive("lr", lr)
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) or not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must be a number in [0, 1), got {momentum!r}")
        self.momentum = float(momentum)
        make_optimizer(optimizer, self.lr, momentum)  # validate name, lr and momentum now
        self.clip = _check_positive("clip", clip, allow_off=True)
        self.init_radius = _check_positive("init_radius", init_radius, allow_off=True)
        self.bptt_window = _check_int("bptt_window", bptt_window, 1, task.T, allow_none=True)
        self.batch_size = _check_int("batch_size", batch_size, 1, task.B, allow_none=True)
        self.minchar = task.minchar
        if self.minchar and (bptt_window is not None or batch_size is not None):
            raise ValueError("bptt_window and batch_size do not apply in min-char-rnn mode: each update takes "
                             "the next chunk of the text, carrying h (leave them None)")
        default_every = MINCHAR_SAMPLE_EVERY if self.minchar else 0
        self.sample_every = _check_int("sample_every", default_every if sample_every is None else sample_every,
                                       0, 10**9)
        if self.sample_every and task.vocab is None:
            raise ValueError("sample_every needs the chars task (there is no text to sample otherwise)")
        self.dtype = _check_dtype(dtype)
        # The task's arrays in the training dtype, once.
        self._x = task.x.astype(self.dtype)  # (B, T, d)
        self._y = task.y.astype(self.dtype)  # (B, T, k)
        self._mask = None if task.mask is None else task.mask.astype(self.dtype)  # (B, T)
        self.reset()

    # --- state ---

    def reset(self) -> None:
        """Back to the same initial weights, optimizer state and batch sampling."""
        self._rng = np.random.default_rng(self.seed)
        self.params = self._init_params(self._rng)
        self._flat = _flatten(self.params)
        self.optimizer = (Adagrad(self.lr, eps=MINCHAR_ADAGRAD_EPS, eps_inside_sqrt=True)
                          if self.minchar and self.optimizer_name == "adagrad"
                          else make_optimizer(self.optimizer_name, self.lr, self.momentum))
        self._h = None  # min-char-rnn mode: the state carried into the next chunk, (1, n) or (1, L, n)
        self.last_sample: tuple[int, str] | None = None  # (update, text) of the latest sample
        self.steps_done = 0
        self.last_batch = None  # indices of the task's sequences in the latest update (None = all of them)
        self.diverged = False
        self.divergence_reason = ""
        self._history = EvenlyThinned(MAX_HISTORY)  # rows (loss, accuracy, max ρ, grad norm, ρ of each layer)

    def _init_params(self, rng: np.random.Generator):
        """Xavier-like Gaussians (std sqrt(2 / (fan_in + fan_out))), biases 0."""
        n, k, dt = self.hidden, self.task.k, self.dtype
        stack = []
        for i in range(self.layers):
            d = self.task.d if i == 0 else n
            W_x = rng.normal(0.0, math.sqrt(2.0 / (n + d)), (n, d))
            W_h = rng.normal(0.0, math.sqrt(1.0 / n), (n, n))
            if self.init_radius is not None:
                W_h *= self.init_radius / max(spectral_radius(W_h), 1e-12)
            top = i == self.layers - 1
            W_y = rng.normal(0.0, math.sqrt(2.0 / (n + k)), (k, n)) if top else None
            stack.append(RNNParams(
                W_x=W_x.astype(dt), W_h=W_h.astype(dt), b=np.zeros(n, dt),
                W_y=None if W_y is None else W_y.astype(dt), b_y=np.zeros(k, dt) if top else None,
                activation=self.activation,
            ))
        return stack[0] if self.layers == 1 else stack

    @property
    def history(self) -> dict[str, np.ndarray]:
        """Per-update arrays for the charts: step (the update each entry belongs to, 1-based), loss,
        accuracy (NaN for regression), spectral_radius (largest over layers), grad_norm (before clipping).

        Every update up to MAX_HISTORY of them; after that evenly thinned (every 2nd, 4th, ... update,
        always with the latest), so a long run keeps a bounded number of points: plot against "step".
        """
        rows = self._rows()
        history = {"step": np.array(self._history.steps(), dtype=np.int64)}
        for i, key in enumerate(HISTORY_KEYS):
            history[key] = rows[:, i].copy()
        return history

    @property
    def update_cost(self) -> float:
        """Cost of one update in ``rnnviz.pacing`` units (layers * (n*n + n*d) * T * B of this run's batches)."""
        batch = 1 if self.minchar else (self.batch_size or self.task.B)
        return update_cost(self.hidden, self.layers, self.task.d, self.task.T, batch)

    def radius_history(self) -> np.ndarray:
        """(entries, layers): ρ(W_h) of each layer after each update of ``history["step"]``."""
        return self._rows()[:, len(HISTORY_KEYS):].copy()

    def _rows(self) -> np.ndarray:
        items = self._history.items()
        return np.array(items, dtype=np.float64).reshape(len(items), len(HISTORY_KEYS) + self.layers)

    # --- one update ---

    def _batch(self):
        if self.batch_size is None:
            return self._x, self._y, self._mask
        idx = np.sort(self._rng.choice(self.task.B, size=self.batch_size, replace=False))
        self.last_batch = idx
        return self._x[idx], self._y[idx], None if self._mask is None else self._mask[idx]

    def _update(self) -> Snapshot:
        if self.minchar:
            return self._minchar_update()
        x, y, mask = self._batch()
        with np.errstate(over="ignore", invalid="ignore"):
            loss, acc, grads, dh_norms = loss_grads(self.params, x, y, self.task.loss, mask, self.bptt_window)
            clipped_grads, grad_norm = clip_by_global_norm(grads, self.clip)
            clipped = clip_scale(grad_norm, self.clip) < 1.0
            return self._apply(loss, acc, grads, clipped_grads, grad_norm, clipped, dh_norms)

    def _minchar_update(self) -> Snapshot:
        """min-char-rnn's iteration: the next chunk from the carried h, summed loss, entrywise clip."""
        row = self.steps_done % self.task.B
        if row == 0:  # start (again) at the beginning of the text with h = 0
            self._h = None
        sample = self._sample(row) if self.sample_every and self.steps_done % self.sample_every == 0 else None
        x, y = self._x[row:row + 1], self._y[row:row + 1]
        with np.errstate(over="ignore", invalid="ignore"):
            loss, acc, grads, dh_norms, h_last = _loss_grads(self.params, x, y, self.task.loss, h0=self._h,
                                                             reduction="sum")
            clipped_grads, clipped = clip_by_value(grads, self.clip)
            grad_norm = global_norm(grads)
            snap = self._apply(loss, acc, grads, clipped_grads, grad_norm, clipped, dh_norms, sample)
        if not snap.diverged:
            self._h = h_last
        return snap

    def _sample(self, row: int) -> str | None:
        """SAMPLE_LENGTH characters from the carried h, seeded with the chunk's first character
        (None when the weights are too large to give probabilities: the run is about to diverge)."""
        h0 = None if self._h is None else self._h[0]
        seed_char = int(self.task.x[row, 0].argmax())
        rng = np.random.default_rng([self.seed, self.steps_done])  # its own stream: training stays the same
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                text = sample_chars(self.params, self.task.vocab, seed_char, SAMPLE_LENGTH, rng, h0=h0)
        except ValueError:  # NaN probabilities from overflowing logits
            return None
        self.last_sample = (self.steps_done + 1, text)
        return text

    def _apply(self, loss, acc, grads, clipped_grads, grad_norm, clipped, dh_norms, sample=None) -> Snapshot:
        """The optimizer step with the (clipped) grads, or a stop when the loss or the weights blew up."""
        step = self.steps_done + 1
        if not math.isfinite(loss) or loss > MAX_LOSS or not math.isfinite(grad_norm):
            return self._diverge(step, loss, acc, grads, grad_norm, clipped, dh_norms, "loss", sample)
        new_flat = self.optimizer.update(self._flat, clipped_grads)
        if not _all_finite(new_flat):
            return self._diverge(step, loss, acc, grads, grad_norm, clipped, dh_norms, "weights", sample)
        self._flat = new_flat
        self.params = self._unflatten(new_flat)
        return self._record(Snapshot(step, loss, acc, grads, grad_norm, clipped, dh_norms, self.params,
                                     tuple(layer_radii(self.params)), sample=sample))

    def _unflatten(self, flat: dict):
        if self.layers == 1:
            return RNNParams(**flat, activation=self.activation)
        return [RNNParams(**{name: flat[f"layer{i}.{name}"] for name in _PARAM_NAMES if f"layer{i}.{name}" in flat},
                          activation=self.activation) for i in range(self.layers)]

    def _record(self, snap: Snapshot) -> Snapshot:
        self.steps_done = snap.step
        accuracy = np.nan if snap.accuracy is None else snap.accuracy
        self._history.append(snap.step, (snap.loss, accuracy, snap.spectral_radius, snap.grad_norm) + snap.radii)
        return snap

    def _diverge(self, step, loss, acc, grads, grad_norm, clipped, dh_norms, what, sample=None) -> Snapshot:
        """Stop for good; keep the last finite params and say why in plain words."""
        radii = tuple(layer_radii(self.params))
        self.diverged = True
        self.divergence_reason = self._explain(step, loss, what, max(radii))
        return self._record(Snapshot(step, loss, acc, grads, grad_norm, clipped, dh_norms, self.params, radii,
                                     diverged=True, sample=sample))

    def _explain(self, step, loss, what, radius) -> str:
        if what == "loss":
            happened = (f"At step {step} the loss became {loss:.3g}" if math.isfinite(loss)
                        else f"At step {step} the loss became {'NaN' if math.isnan(loss) else 'infinite'}")
        else:
            happened = f"At step {step} the update made some weights infinite or NaN"
        parts = [f"{happened}, so training stopped (the weights shown are the last finite ones).",
                 f"The learning rate (lr={self.lr:g} with {self.optimizer_name}) is probably too high: "
                 "each update overshoots and the error grows instead of shrinking; try a 10x smaller lr."]
        if self.clip is None:
            parts.append("Gradient clipping is off: turning it on (e.g. clip=1) caps the size of each update.")
        if radius > 1.0:
            parts.append(f"The recurrent matrix W_h has spectral radius {radius:.2f} > 1, so gradients can grow "
                         "step after step back through time (exploding gradients).")
        return " ".join(parts)

    # --- the loop ---

    def iter_snapshots(self, n: int | None = None) -> Iterator[Snapshot]:
        """The training loop as a generator: n updates (forever when None), stops on divergence."""
        n = _check_int("n", n, 0, 10**9, allow_none=True)
        done = 0
        while not self.diverged and (n is None or done < n):
            yield self._update()
            done += 1

    def step(self, n: int = 1) -> list[Snapshot]:
        """Run n updates; [] once diverged."""
        return list(self.iter_snapshots(n))

    # --- evaluation ---

    def predict(self, x) -> np.ndarray:
        """Outputs for x (T, d) or (B, T, d): values for "mse", class probabilities for "xent"."""
        y = _top(forward(self.params, np.asarray(x, self.dtype))).y
        return softmax(y) if self.task.loss == "xent" else y

    def eval_test(self) -> dict:
        """Loss/accuracy on the held-out sequence plus predictions, for a "predictions vs targets" plot.

        In min-char-rnn mode the sequence is the text's first chunk from h = 0 and the loss is summed over it."""
        task = self.task
        y = _top(forward(self.params, task.x_test.astype(self.dtype))).y  # (T, k)
        loss, _ = loss_and_grad(task.loss, y, task.y_test, task.mask_test, "sum" if self.minchar else "mean")
        acc = accuracy(y, task.y_test, task.mask_test) if task.loss == "xent" else None
        pred = softmax(y) if task.loss == "xent" else y
        return {"loss": loss, "accuracy": acc, "y_pred": pred, "y_true": task.y_test, "x": task.x_test,
                "mask": task.mask_test}


# --- loss and gradients, full or truncated BPTT ---

def _top(traces):
    return traces[-1] if isinstance(traces, list) else traces


def _last_h(traces):
    """h_T of every layer as the next chunk's h0: (B, n) or (B, L, n)."""
    if isinstance(traces, list):
        return np.stack([tr.h[:, -1] for tr in traces], axis=1)
    return traces.h[:, -1]


def _add_grads(total: dict | None, grads: dict) -> dict:
    if total is None:
        return {name: g.copy() for name, g in grads.items()}
    for name, g in grads.items():
        total[name] += g
    return total


def loss_grads(params, x, y, loss: str, mask=None, bptt_window: int | None = None):
    """(loss, accuracy or None, flat param grads, dh_norms (T+1,)) for a batch x (B, T, d).

    Truncated BPTT: the forward values (and so the loss) are exactly the full ones; only
    gradients stop at chunk boundaries.  dh_norms then shows what each chunk backpropagated
    (at a boundary, the gradient that reached h_t inside its own chunk).
    """
    return _loss_grads(params, x, y, loss, mask, bptt_window)[:4]


def _loss_grads(params, x, y, loss, mask=None, bptt_window=None, h0=None, reduction="mean"):
    """loss_grads from the initial state h0 ((B, n) or (B, L, n), zeros when None), plus h_T of every layer."""
    B, T, _ = x.shape
    window = T if bptt_window is None else bptt_window
    starts = range(0, T, window)
    chunks, ys = [], []
    for s in starts:
        traces = forward(params, x[:, s:s + window], h0)
        chunks.append(traces)
        ys.append(_top(traces).y)
        h0 = _last_h(traces)
    y_out = ys[0] if len(ys) == 1 else np.concatenate(ys, axis=1)  # (B, T, k)
    value, dy = loss_and_grad(loss, y_out, y, mask, reduction)
    acc = accuracy(y_out, y, mask) if loss == "xent" else None
    total, dh_norms = None, np.empty(T + 1)
    for s, traces in zip(starts, chunks, strict=True):
        grads = backward(params, traces, dy=dy[:, s:s + window])
        total = _add_grads(total, _flatten(grads))
        dh = _top(grads).dh  # (B, w+1, n)
        norms = np.sqrt(np.einsum("btn,btn->t", dh, dh))  # (w+1,)
        if s == 0:
            dh_norms[0] = norms[0]
        dh_norms[s + 1:s + 1 + dh.shape[1] - 1] = norms[1:]
    return value, acc, total, dh_norms, h0


# --- teaching helpers ---

def _check_single(params) -> RNNParams:
    if not isinstance(params, RNNParams) or params.W_y is None:
        raise ValueError("this helper needs one RNNParams layer with an output layer (W_y)")
    return params


def gradient_check(params: RNNParams, task_x, task_y, loss: str, entries=None, eps: float = 1e-5, mask=None):
    """Compare BPTT gradients with central differences (L(w+eps) - L(w-eps)) / 2eps.

    entries: [(name, index), ...], e.g. [("W_h", (0, 1)), ("b", (2,))]; default a few of each.
    Returns [(name, index, bptt, numeric, rel_error)], rel_error = |bptt - numeric| / max(|bptt|, |numeric|, 1e-12).
    Runs in float64 whatever the params' dtype: float32 would drown the differences in rounding.
    """
    (params,) = _float64_stack(_check_single(params))
    x, y, mask = _as_batch(task_x, task_y, mask)
    _, _, grads, _ = loss_grads(params, x, y, loss, mask)

    def loss_with(name, w):
        return _loss_only(params.replace(**{name: w}), x, y, loss, mask)

    return _finite_differences(params, grads, loss_with, entries, eps)


def _finite_differences(params: RNNParams, grads: dict, loss_with, entries, eps: float, where: str = ""):
    """gradient_check's rows for entries of params (default: the first entry of each array, W_h[0, n-1] and
    W_x[n-1, 0]) against BPTT's grads (plain names); loss_with(name, w) is the loss with params' `name` set to w."""
    arrays = params.arrays()
    if entries is None:
        entries = [(name, tuple(0 for _ in arr.shape)) for name, arr in arrays.items()]
        entries += [("W_h", (0, params.n - 1)), ("W_x", (params.n - 1, 0))]
    results = []
    for name, index in entries:
        if name not in arrays:
            raise ValueError(f"unknown parameter {name!r}{where}; expected one of {sorted(arrays)}")
        index = tuple(int(i) for i in np.atleast_1d(index))
        values = []
        for sign in (1.0, -1.0):
            nudged = arrays[name].copy()
            nudged[index] += sign * eps
            values.append(loss_with(name, nudged))
        numeric = (values[0] - values[1]) / (2 * eps)
        bptt = float(grads[name][index])
        rel = abs(bptt - numeric) / max(abs(bptt), abs(numeric), 1e-12)
        results.append((name, index, bptt, numeric, rel))
    return results


def _as_batch(x, y, mask):
    """One sequence (T, d) becomes a batch of one; float64 for finite differences."""
    x = np.asarray(x, np.float64)
    y = np.asarray(y)
    if x.ndim == 2:
        x, y = x[None], y[None]
        mask = None if mask is None else np.asarray(mask)[None]
    return x, y, mask


def _loss_only(params, x, y, loss, mask) -> float:
    value, _ = loss_and_grad(loss, _top(forward(params, x)).y, y, mask)
    return value


@dataclass(frozen=True, eq=False)
class SweepStep:
    """One frame of BPTT at time t (frames run t = T, T-1, ..., 0).

    dh = from_output + from_future: dL/dh_t once BPTT has reached t.
    carry = W_hᵀ·diag(f'(a_t)) (n, n) sends dh back to h_{t-1}: from_future at t-1 = carry @ dh.
    """

    t: int
    from_output: np.ndarray  # (n,) W_yᵀ dL/dy_t (0 at t = 0)
    from_future: np.ndarray  # (n,) what step t+1 sent back (0 at t = T)
    dh: np.ndarray  # (n,) the running vector dL/dh_t
    slope: np.ndarray | None  # (n,) f'(a_t), None at t = 0
    carry: np.ndarray | None  # (n, n) W_hᵀ·diag(f'(a_t)), None at t = 0


def backward_sweep(params: RNNParams, x, y, loss: str, mask=None) -> list[SweepStep]:
    """dL/dh_t for one sequence x (T, d) as BPTT fills it in, frames t = T..0.

    The running vectors are the engine's own g.dh; the split into from_output and
    from_future, and the carry matrices, are read from the same forward trace.
    """
    params = _check_single(params)
    x = np.asarray(x, params.dtype)
    if x.ndim != 2:
        raise ValueError(f"x has shape {x.shape}: backward_sweep animates one sequence (T, d)")
    tr = forward(params, x)
    _, dy = loss_and_grad(loss, tr.y, y, mask)
    g = backward(params, tr, dy=dy)
    return _sweep_frames(params, tr, g.dh, dy @ params.W_y)


def _sweep_frames(p: RNNParams, tr, dh: np.ndarray, above: np.ndarray) -> list[SweepStep]:
    """One layer's frames t = T..0: dh (T+1, n) the engine's dL/dh_t, above (T, n) what reaches h_t directly."""
    T, n = tr.pre.shape
    from_output = np.vstack([np.zeros((1, n), p.dtype), above])  # (T+1, n)
    slopes = activation_slope(p.activation, tr.pre, tr.h[1:])  # (T, n) f'(a_t), the engine's own
    frames = []
    for t in range(T, -1, -1):
        slope = slopes[t - 1] if t >= 1 else None
        carry = p.W_h.T * slope[None, :] if t >= 1 else None  # W_hᵀ·diag(f'(a_t))
        future = frames[-1].carry @ frames[-1].dh if frames else np.zeros(n, p.dtype)
        frames.append(SweepStep(t, from_output[t], future, dh[t], slope, carry))
    return frames


# --- stacked layers, one at a time (the training page shows one layer of a stack) ---

def layer_list(params) -> list[RNNParams]:
    """The layers of params, layer 0 (nearest the input) first: [params] for a single RNNParams."""
    return [params] if isinstance(params, RNNParams) else list(params)


def layer_grads(grads: dict, layer: int, layers: int) -> dict[str, np.ndarray]:
    """One layer's entries of a flat grads dict (``Snapshot.grads``), by plain name (W_x, W_h, b[, W_y, b_y]).

    layer is 0-based; a single layer (layers == 1) has plain names already.
    """
    layer = _check_int("layer", layer, 0, layers - 1)
    if layers == 1:
        return dict(grads)
    prefix = f"layer{layer}."
    return {name[len(prefix):]: g for name, g in grads.items() if name.startswith(prefix)}


def layer_radii(params) -> list[float]:
    """ρ(W_h) of every layer, layer 0 first."""
    return [spectral_radius(p.W_h) for p in layer_list(params)]


def _float64_stack(params) -> list[RNNParams]:
    return [RNNParams(**{name: np.asarray(a, np.float64) for name, a in p.arrays().items()},
                      activation=p.activation) for p in layer_list(params)]


def _check_stack_top(stack: list[RNNParams]) -> list[RNNParams]:
    if stack[-1].W_y is None:
        raise ValueError("this helper needs a network whose top layer has an output layer (W_y)")
    return stack


def gradient_check_layer(params, layer: int, task_x, task_y, loss: str, entries=None, eps: float = 1e-5,
                         mask=None):
    """``gradient_check`` for one layer of a stack (0-based), the other layers held fixed.

    The BPTT gradients are the engine's for the whole stack (``loss_grads``); each finite difference
    nudges one weight of that layer and reruns the whole stack.  Names in entries and results are
    plain (W_h, W_x, b, ...); a single RNNParams with layer 0 is exactly ``gradient_check``.
    """
    if isinstance(params, RNNParams):
        _check_int("layer", layer, 0, 0)
        return gradient_check(params, task_x, task_y, loss, entries, eps, mask)
    stack = _check_stack_top(_float64_stack(params))
    layer = _check_int("layer", layer, 0, len(stack) - 1)
    target = stack[layer]
    x, y, mask = _as_batch(task_x, task_y, mask)
    _, _, grads, _ = loss_grads(stack, x, y, loss, mask)

    def loss_with(name, w):
        return _loss_only(stack[:layer] + [target.replace(**{name: w})] + stack[layer + 1:], x, y, loss, mask)

    own = {name: grads[f"layer{layer}.{name}"] for name in target.arrays()}
    return _finite_differences(target, own, loss_with, entries, eps, f" for layer {layer}")


def backward_sweep_layer(params, layer: int, x, y, loss: str, mask=None) -> list[SweepStep]:
    """``backward_sweep`` for one layer of a stack (0-based), frames t = T..0.

    ``from_output`` is then what reaches that layer's h_t directly from above: W_yᵀ dL/dy_t on the top
    layer, dL/dx_t of the layer above (W_xᵀ of that layer times its dL/da_t) below it.  The running
    vectors ``dh`` are the engine's own ``backward(stack, ...)[layer].dh``.  A single RNNParams with
    layer 0 is exactly ``backward_sweep``.
    """
    if isinstance(params, RNNParams):
        _check_int("layer", layer, 0, 0)
        return backward_sweep(params, x, y, loss, mask)
    stack = _check_stack_top(layer_list(params))
    layer = _check_int("layer", layer, 0, len(stack) - 1)
    p = stack[layer]
    x = np.asarray(x, p.dtype)
    if x.ndim != 2:
        raise ValueError(f"x has shape {x.shape}: backward_sweep_layer animates one sequence (T, d)")
    traces = forward(stack, x)
    _, dy = loss_and_grad(loss, traces[-1].y, y, mask)
    grads = backward(stack, traces, dy=dy)
    above = dy @ p.W_y if layer == len(stack) - 1 else grads[layer + 1].x  # (T, n)
    return _sweep_frames(p, traces[layer], grads[layer].dh, above)


# --- the training page's loop state (kept in Streamlit session state by the page) ---


def _without_grads(snap: Snapshot) -> Snapshot:
    return snap if not snap.grads else replace(snap, grads={})


@dataclass(eq=False)
class TrainingSession:
    """A Trainer plus what the training page shows about it between reruns, in bounded memory.

    settings: the keyword arguments the trainer was built from (the page rebuilds it when they change);
    snapshots: the recorded updates, oldest first, for the replay: at most MAX_RECORDED evenly spaced over
    the whole run plus the latest (``EvenlyThinned``).  Only the snapshots of the latest ``advance`` keep
    their ``grads``; older ones have ``grads == {}`` (their params, losses and ‖∂L/∂h_t‖ stay).
    """

    trainer: Trainer
    settings: dict
    steps_per_frame: int = 5
    playing: bool = False
    released: bool = False  # set by release(): the trainer is gone, build again from ``settings``
    released_at: int = 0  # the update the run had reached when it was released
    resets: int = 0  # Reset presses so far: the updates count from 0 again (live_payload.run_key)
    _replay: EvenlyThinned = field(default=None, repr=False)

    def __post_init__(self):
        if self._replay is None:
            self._replay = EvenlyThinned(MAX_RECORDED)

    @classmethod
    def build(cls, settings: dict, steps_per_frame: int = 5) -> TrainingSession:
        """Trainer(**settings); raises ValueError with the Trainer's message for bad settings."""
        return cls(Trainer(**settings), dict(settings), steps_per_frame=steps_per_frame)

    @property
    def snapshots(self) -> list[Snapshot]:
        return self._replay.items()

    @property
    def radii(self) -> list[tuple[float, ...]]:
        """For stacked layers, ρ(W_h) of every layer per entry of ``trainer.history``; [] for one layer."""
        if self.trainer.layers == 1:
            return []
        return [tuple(row) for row in self.trainer.radius_history()]

    def radius_history(self) -> np.ndarray:
        """(entries, layers): ρ(W_h) of each layer per entry of ``trainer.history`` (its "step"); its max
        over layers is ``trainer.history["spectral_radius"]``."""
        return self.trainer.radius_history()

    def record(self, snaps: list[Snapshot]) -> None:
        """Add the updates of one frame to the replay (older frames drop their grads)."""
        if snaps:
            self._replay.replace_items(_without_grads)
        for snap in snaps:
            self._replay.append(snap.step, snap)

    def release(self) -> None:
        """Give the memory back (an idle run, ``rnnviz.idle``): drop the trainer and the recorded updates.
        ``settings`` stay, so the same run can be built again (training is deterministic)."""
        self.released_at = self.trainer.steps_done if self.trainer is not None else self.released_at
        self.trainer = None
        self.forget_recorded()
        self.playing = False
        self.released = True

    def forget_recorded(self) -> None:
        """Drop the recorded updates, nearly all of a run's memory (at n = 64, 3 layers, 400 updates: 33 of 34 MB),
        and keep the trainer: safe while a script run is still using the session (its next frames record into
        the new, empty replay).  For a session that has just ended (``rnnviz.idle.SessionRuns``)."""
        self._replay = EvenlyThinned(MAX_RECORDED)

    def reset(self) -> None:
        """Back to step 0: the same initial weights (same seed), no recorded snapshots, paused."""
        self.trainer.reset()
        self.forget_recorded()
        self.playing = False
        self.resets += 1


def advance(session: TrainingSession, steps: int | None = None) -> list[Snapshot]:
    """One animation frame: `steps` (default session.steps_per_frame) updates, recorded in the session.

    Stops playing when the run diverges (the trainer keeps the last finite weights).
    """
    snaps = session.trainer.step(session.steps_per_frame if steps is None else steps)
    session.record(snaps)
    if session.trainer.diverged:
        session.playing = False
    return snaps


def simulator_state(trainer: Trainer):
    """(SimState, None) for the simulator pages: trained weights (every layer), the held-out inputs, h_0 = 0,
    t = 1; or (None, a plain-language reason) when the network does not fit ``rnnviz.state.LIMITS``."""
    from rnnviz.state import LIMITS, SimState

    layers = trainer.params if isinstance(trainer.params, list) else [trainer.params]
    top = layers[-1]
    p = layers[0].replace(W_y=top.W_y, b_y=top.b_y)  # the simulator's state holds W_y with layer 1
    problems = []
    if p.n > LIMITS.n:
        problems.append(f"hidden size n={p.n} is above the simulator's limit of {LIMITS.n}")
    if p.d > LIMITS.d:
        why = (f" (the chars task has one input per distinct character: {p.d} of them)"
               if trainer.task.vocab is not None else "")
        problems.append(f"input size d={p.d}{why} is above the simulator's limit of {LIMITS.d}")
    if p.k > LIMITS.k:
        problems.append(f"output size k={p.k} is above the simulator's limit of {LIMITS.k}")
    if problems:
        return None, "; ".join(problems) + "."
    upper = tuple(RNNParams(W_x=layer.W_x, W_h=layer.W_h, b=layer.b, activation=layer.activation)
                  for layer in layers[1:])
    try:
        state = SimState(params=p, x=trainer.task.x_test, h0=np.zeros(p.n), t=1, upper=upper)
    except ValueError as exc:
        return None, f"the weights cannot be shown in the simulator ({exc})."
    return state, None
