"""Training tasks: seeded toy problems for a vanilla RNN, batch first.

Every task is a frozen ``Task`` with inputs ``x`` (B, T, d) and targets ``y`` (B, T, k),
a loss name ("mse" for regression, "xent" for softmax cross-entropy), an optional
``mask`` (B, T) of steps that count in the loss, and one held-out sequence
``x_test`` (T, d) / ``y_test`` (T, k) for "predictions vs targets".

Classification targets are one-hot (B, T, k), so ``y`` always has the same layout as
the network's output; ``Task.labels`` gives the class indices (B, T).

    task = make_task("echo", seed=0, delay=3, B=32, T=20)

Nothing here imports streamlit or plotly; randomness only through
``np.random.default_rng(seed)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rnnviz.engine import forward
from rnnviz.losses import softmax

MAX_B = 256
MAX_T = 500
MAX_TEXT = 5000
MAX_VOCAB = 64

# Opening of Lewis Carroll, "Alice's Adventures in Wonderland" (1865), public domain.
DEFAULT_TEXT = (
    "alice was beginning to get very tired of sitting by her sister on the bank, "
    "and of having nothing to do: once or twice she had peeped into the book her "
    "sister was reading, but it had no pictures or conversations in it, and what is "
    "the use of a book, thought alice, without pictures or conversations?"
)

# Default (B, T) per task: short enough to train in seconds on a laptop.
_DEFAULT_T = {"sine": 40, "echo": 20, "sum": 20, "parity": 10, "chars": 25}
TASK_NAMES = tuple(_DEFAULT_T)


@dataclass(frozen=True, eq=False)
class Task:
    """One training problem.  Arrays are read-only: trainers share them freely."""

    name: str
    x: np.ndarray  # (B, T, d) inputs
    y: np.ndarray  # (B, T, k) targets (one-hot for "xent")
    loss: str  # "mse" | "xent"
    description: str
    x_test: np.ndarray  # (T, d) held-out sequence
    y_test: np.ndarray  # (T, k)
    mask: np.ndarray | None = None  # (B, T), 1 where the step counts in the loss; None = all
    mask_test: np.ndarray | None = None  # (T,)
    options: dict = field(default_factory=dict)
    vocab: tuple[str, ...] | None = None  # "chars" only: class index -> character

    def __post_init__(self):
        for name in ("x", "y", "x_test", "y_test", "mask", "mask_test"):
            arr = getattr(self, name)
            if arr is not None:
                arr.flags.writeable = False

    @property
    def B(self) -> int:
        return self.x.shape[0]

    @property
    def T(self) -> int:
        return self.x.shape[1]

    @property
    def d(self) -> int:
        """Input size."""
        return self.x.shape[2]

    @property
    def k(self) -> int:
        """Output size (number of classes for "xent")."""
        return self.y.shape[2]

    @property
    def minchar(self) -> bool:
        """True for the chars task in min-char-rnn mode: x holds the text's consecutive chunks in reading order."""
        return self.options.get("mode") == "minchar"

    @property
    def labels(self) -> np.ndarray | None:
        """Class indices (B, T) for classification tasks, None for regression."""
        return None if self.loss == "mse" else self.y.argmax(axis=-1)

    def sample(self, params, seed_char=0, length=100, rng=None, temperature=1.0) -> str:
        """Generate text from a trained model ("chars" task only), see ``sample_chars``."""
        if self.vocab is None:
            raise ValueError(f"sample() needs the 'chars' task; this task is {self.name!r}")
        return sample_chars(params, self.vocab, seed_char, length, rng, temperature)


# --- option checking ---

def _check_int(name: str, value, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if not lo <= value <= hi:
        raise ValueError(f"{name} is {value}, expected {lo} <= {name} <= {hi}")
    return int(value)


def _reject_unknown(name: str, options: dict, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise ValueError(f"unknown option(s) {unknown} for task {name!r}; valid options: {sorted(allowed)}")


def _one_hot(idx: np.ndarray, k: int) -> np.ndarray:
    return np.eye(k)[idx]  # (..., k)


def _split_test(x, y, mask=None):
    """The generator made B+1 sequences: the last one is held out."""
    mask_test = None if mask is None else mask[-1]
    mask = None if mask is None else mask[:-1]
    return dict(x=x[:-1], y=y[:-1], x_test=x[-1], y_test=y[-1], mask=mask, mask_test=mask_test)


# --- the tasks (each builds B+1 sequences; the last one is the held-out test) ---

def _sine(rng, B, T):
    """x_t = sin(w t + phi), target x_{t+1}; w ~ U(0.15, 0.45) rad/step, phi ~ U(0, 2pi)."""
    w = rng.uniform(0.15, 0.45, size=(B + 1, 1))
    phi = rng.uniform(0.0, 2 * np.pi, size=(B + 1, 1))
    wave = np.sin(w * np.arange(T + 1) + phi)  # (B+1, T+1)
    desc = ("Next-step prediction of a sine wave: input x_t = sin(w t + phi) (d=1), target x_{t+1} (k=1), "
            "random frequency w in [0.15, 0.45] rad/step and phase per sequence; loss MSE.")
    return _split_test(wave[:, :-1, None], wave[:, 1:, None]), desc


def _echo(rng, B, T, delay):
    """y_t = x_{t-delay}; the first `delay` steps have nothing to echo: target 0 and masked out."""
    x = rng.uniform(-1.0, 1.0, size=(B + 1, T, 1))
    y = np.zeros_like(x)
    y[:, delay:] = x[:, :-delay]
    mask = np.ones((B + 1, T))
    mask[:, :delay] = 0.0
    desc = (f"Echo: output the input from {delay} steps ago, y_t = x_(t-{delay}) (d=1, k=1, inputs uniform in "
            f"[-1, 1]). The first {delay} steps have no target (0, masked out of the loss). Loss MSE. "
            "Longer delays need gradients to survive more steps back in time.")
    return _split_test(x, y, mask), desc


def _sum(rng, B, T, sign):
    x = rng.uniform(-1.0, 1.0, size=(B + 1, T, 1))
    running = np.cumsum(x, axis=1)  # (B+1, T, 1)
    if not sign:
        desc = ("Running sum: target y_t = x_1 + ... + x_t of inputs uniform in [-1, 1] (d=1, k=1); loss MSE.")
        return _split_test(x, running), desc
    y = _one_hot((running[..., 0] > 0).astype(int), 2)  # class 1 = positive sum
    desc = ("Sign of the running sum: class 1 if x_1 + ... + x_t > 0 else class 0, inputs uniform in [-1, 1] "
            "(d=1, k=2 one-hot targets); loss softmax cross-entropy.")
    return _split_test(x, y), desc


def _parity(rng, B, T, encoding):
    bits = rng.integers(0, 2, size=(B + 1, T))
    y = _one_hot(np.cumsum(bits, axis=1) % 2, 2)  # (B+1, T, 2)
    if encoding == "pm1":
        x, enc = (2.0 * bits - 1.0)[..., None], "bit 1 -> +1, bit 0 -> -1 (d=1)"
    else:
        x, enc = _one_hot(bits, 2), "one-hot bits (d=2)"
    desc = (f"Parity: class 1 if an odd number of 1-bits has been seen so far. Inputs {enc}; "
            "k=2 one-hot targets; loss softmax cross-entropy.")
    return _split_test(x, y), desc


def check_text(text) -> str:
    """The text for "chars", validated: non-empty, >= 2 distinct chars, size caps."""
    if not isinstance(text, str):
        raise ValueError(f"text must be a string, got {type(text).__name__}")
    if not text:
        raise ValueError("text is empty: the chars task needs some text to learn from")
    if len(text) > MAX_TEXT:
        raise ValueError(f"text has {len(text)} characters, the limit is {MAX_TEXT}")
    vocab = set(text)
    if len(vocab) < 2:
        raise ValueError("text needs at least 2 distinct characters (one character has nothing to predict)")
    if len(vocab) > MAX_VOCAB:
        raise ValueError(f"text has {len(vocab)} distinct characters, the limit is {MAX_VOCAB} "
                         "(try lower-casing it or removing punctuation)")
    return text


def _chars(rng, B, T, text):
    vocab = tuple(sorted(set(text)))
    if len(text) < T + 1:
        raise ValueError(f"text has {len(text)} characters; sequences of T={T} need at least T+1={T + 1}")
    codes = np.array([vocab.index(c) for c in text])
    starts = rng.integers(0, len(text) - T, size=B + 1)  # windows of T+1 chars
    windows = codes[starts[:, None] + np.arange(T + 1)]  # (B+1, T+1)
    V = len(vocab)
    desc = (f"Next-character prediction on a {len(text)}-character text with a {V}-character vocabulary: "
            f"one-hot input characters (d={V}), target the next character as one-hot classes (k={V}); "
            "loss softmax cross-entropy. Windows start at random offsets.")
    return _split_test(_one_hot(windows[:, :-1], V), _one_hot(windows[:, 1:], V)), desc, vocab


def _minchar_chunks(T, text):
    """min-char-rnn's walk through the text: chunk j reads text[p:p+T] and predicts text[p+1:p+T+1], p = j*T,
    for every p with p + T + 1 < len(text) (its loop resets when p + seq_length + 1 >= len(data))."""
    if len(text) < T + 2:
        raise ValueError(f"text has {len(text)} characters; min-char-rnn chunks of T={T} need at least "
                         f"T+2={T + 2}")
    vocab = tuple(sorted(set(text)))
    codes = np.array([vocab.index(c) for c in text])
    starts = np.arange(0, len(text) - T - 1, T)  # p = 0, T, 2T, ... while p + T + 1 < len(text)
    windows = codes[starts[:, None] + np.arange(T + 1)]  # (chunks, T+1)
    V = len(vocab)
    x, y = _one_hot(windows[:, :-1], V), _one_hot(windows[:, 1:], V)
    desc = (f"Next-character prediction the way min-char-rnn trains: the {len(text)}-character text is read in "
            f"{len(starts)} consecutive chunks of {T} characters ({V}-character vocabulary, one-hot inputs and "
            "targets); each update takes the next chunk, carries h over from the previous chunk and starts again "
            "from h = 0 at the end of the text. Loss: softmax cross-entropy summed over the chunk. "
            "The test sequence is the first chunk.")
    return dict(x=x, y=y, x_test=x[0], y_test=y[0], mask=None, mask_test=None), desc, vocab


CHARS_MODES = ("windows", "minchar")


def make_task(name: str, seed: int = 0, **options) -> Task:
    """Build a seeded task.  Options: B (batch, 1..256), T (length, 1..500) and per task:
    echo: delay (default 2, 1 <= delay < T); sum: sign (False); parity: encoding ("pm1" | "onehot");
    chars: text (default a public-domain snippet) and mode: "windows" (default: B windows at random offsets,
    plus one held out) or "minchar" (min-char-rnn's consecutive chunks of T = seq_length characters, one per
    row of x in reading order; B is then the number of chunks and cannot be set; ``Trainer`` walks them
    in order carrying h).  Same name + seed + options -> same arrays.
    """
    if name not in TASK_NAMES:
        raise ValueError(f"unknown task {name!r}; expected one of {TASK_NAMES}")
    extra = {"sine": (), "echo": ("delay",), "sum": ("sign",), "parity": ("encoding",),
             "chars": ("text", "mode")}[name]
    _reject_unknown(name, options, ("B", "T") + extra)
    if name == "chars" and options.get("mode", "windows") == "minchar":
        return _make_minchar(seed, options)
    B = _check_int("B", options.get("B", 32), 1, MAX_B)
    T = _check_int("T", options.get("T", _DEFAULT_T[name]), 1, MAX_T)
    seed = _check_int("seed", seed, 0, 2**32 - 1)
    rng = np.random.default_rng(seed)
    resolved = {"B": B, "T": T}
    vocab, loss = None, "mse"
    if name == "sine":
        parts, desc = _sine(rng, B, T)
    elif name == "echo":
        if T < 2:
            raise ValueError(f"echo needs T >= 2 (got T={T}): the delay must fit inside the sequence")
        delay = _check_int("delay", options.get("delay", 2), 1, T - 1)
        resolved["delay"] = delay
        parts, desc = _echo(rng, B, T, delay)
    elif name == "sum":
        sign = options.get("sign", False)
        if not isinstance(sign, (bool, np.bool_)):
            raise ValueError(f"sign must be True or False, got {sign!r}")
        resolved["sign"] = bool(sign)
        parts, desc = _sum(rng, B, T, bool(sign))
        loss = "xent" if sign else "mse"
    elif name == "parity":
        encoding = options.get("encoding", "pm1")
        if encoding not in ("pm1", "onehot"):
            raise ValueError(f"encoding is {encoding!r}, expected 'pm1' (±1 inputs) or 'onehot'")
        resolved["encoding"] = encoding
        parts, desc = _parity(rng, B, T, encoding)
        loss = "xent"
    else:
        mode = options.get("mode", "windows")
        if mode not in CHARS_MODES:
            raise ValueError(f"mode is {mode!r}, expected one of {CHARS_MODES}")
        text = check_text(options.get("text", DEFAULT_TEXT))
        resolved["text"] = text
        parts, desc, vocab = _chars(rng, B, T, text)
        loss = "xent"
    return Task(name=name, loss=loss, description=desc, options=resolved, vocab=vocab, **parts)


def _make_minchar(seed, options) -> Task:
    if "B" in options:
        raise ValueError("B cannot be set in min-char-rnn mode: the text's length decides the number of chunks")
    T = _check_int("T", options.get("T", _DEFAULT_T["chars"]), 1, MAX_T)
    _check_int("seed", seed, 0, 2**32 - 1)  # no randomness: the chunks follow the text
    text = check_text(options.get("text", DEFAULT_TEXT))
    parts, desc, vocab = _minchar_chunks(T, text)
    resolved = {"B": parts["x"].shape[0], "T": T, "text": text, "mode": "minchar"}
    return Task(name="chars", loss="xent", description=desc, options=resolved, vocab=vocab, **parts)


# --- text generation (min-char-rnn style) ---

def sample_chars(params, vocab, seed_char=0, length=100, rng=None, temperature=1.0, h0=None) -> str:
    """Generate `length` characters after `seed_char` (a character or a vocab index).

    h0: the state before the seed character, (n,) or (L, n) for a stack; zeros when None
    (min-char-rnn samples from the h its training has carried to that point).

    params: RNNParams (or a list of stacked layers, the last with W_y) trained on one-hot
    characters of `vocab`.  Each step feeds the sampled character back in, like
    Karpathy's min-char-rnn; temperature < 1 sharpens, > 1 flattens the softmax.
    """
    layers = [params] if not isinstance(params, (list, tuple)) else list(params)
    V = len(vocab)
    if layers[0].d != V or layers[-1].k != V:
        raise ValueError(f"params have d={layers[0].d}, k={layers[-1].k}; the vocabulary needs d = k = {V}")
    if isinstance(seed_char, str):
        if seed_char not in vocab:
            raise ValueError(f"seed_char {seed_char!r} is not in the vocabulary {''.join(vocab)!r}")
        idx = vocab.index(seed_char)
    else:
        idx = _check_int("seed_char", seed_char, 0, V - 1)
    length = _check_int("length", length, 0, 10_000)
    if not (np.isfinite(temperature) and temperature > 0):
        raise ValueError(f"temperature must be a positive number, got {temperature!r}")
    rng = np.random.default_rng(0) if rng is None else rng
    stacked = len(layers) > 1
    h = None if h0 is None else np.asarray(h0, layers[0].dtype)  # (n,) or (L, n), carried between steps
    out = []
    for _ in range(length):
        x = np.zeros((1, V))
        x[0, idx] = 1.0
        traces = forward(layers if stacked else layers[0], x, h)
        traces = traces if stacked else [traces]
        h = np.stack([tr.h[-1] for tr in traces]) if stacked else traces[0].h[-1]
        p = softmax(traces[-1].y[-1] / temperature)
        idx = int(rng.choice(V, p=p))
        out.append(vocab[idx])
    return "".join(out)
