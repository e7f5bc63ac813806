"""The training page's setup in the URL: ``TrainingSetup`` <-> query, like ``rnnviz.query`` for the simulator.

One table, ``FIELDS``, names every training URL field: its ``TrainingSetup`` attribute, its URL key, its kind,
default and limits (the page's widgets use the same limits).  Example::

    /training?task=echo&delay=10&lr=0.003&seed=7&updates=200

``to_training_query`` writes only the fields that differ from their defaults, so links stay short;
``from_training_query`` reads them back: ``from_training_query(to_training_query(s)) == (s, [])`` for every
valid setup whose text fits in a link (``text_fits_link``; a longer text is left out and ``link_notes`` says so).

Reading never raises and follows ``rnnviz.query``'s rules: a missing key takes its default without a
warning; unknown keys are ignored (a key that differs from ours only by case is reported); a key given
several times uses the last value; a value that is not usable gives one plain-language warning starting
with the key and falls back to the default; a whole number outside its range is clipped, with a warning.
The update count is at most ``MAX_REPLAY_UPDATES``: opening a link replays the deterministic run that far.

The keys never collide with the simulator's (``rnnviz.query.QUERY_KEYS``), even ignoring case.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from urllib.parse import quote_plus

from rnnviz import tasks as task_lib
from rnnviz.pacing import update_cost
from rnnviz.query import NUMBER_PATTERN
from rnnviz.state import format_number, quoted
from rnnviz.training import MAX_HIDDEN
from rnnviz.training_setup import (
    DEFAULT_FRAME_RATE,
    DEFAULT_LR,
    FRAME_RATES,
    MAX_LR,
    MAX_PAGE_LAYERS,
    OPTIMIZERS,
    TASKS,
)

__all__ = ["FIELDS", "MAX_REPLAY_UPDATES", "TRAINING_QUERY_KEYS", "TrainingSetup", "from_training_query",
           "link_notes", "replay_limit", "text_fits_link", "to_training_query"]

MAX_REPLAY_UPDATES = 5000  # a link's update count is replayed on open; this bounds the wait
TEXT_LINK_LIMIT = 800  # characters of the text once written in a link (percent-encoded)
RHO_STEP = 0.05  # the initial-ρ slider's step: a link's ρ is snapped to it so the slider can show it
MAX_BATCH = 32  # the page's tasks have 32 training sequences
MAX_SEQ = 100  # min-char-rnn chunk length (seq_length) on the page
MAX_TOKEN = 40  # characters of a number or a choice, checked before parsing
OFF = "off"


@dataclass(frozen=True)
class Field:
    """One training URL field.  kind: "choice" (one of ``choices``), "int" (lo..hi, clipped),
    "number" (lo..hi, a float; ``off_allowed``: the text "off" means None), "text"."""

    name: str
    key: str
    kind: str
    default: object
    lo: float | None = None
    hi: float | None = None
    choices: tuple = ()
    off_allowed: bool = False
    words: str = ""  # what the value is, in plain words, for warnings


FIELDS = (
    Field("task", "task", "choice", "sine", choices=tuple(TASKS), words="the task"),
    Field("delay", "delay", "int", 2, 1, 15, words="the echo delay"),
    Field("text", "text", "text", task_lib.DEFAULT_TEXT, words="the text to learn"),
    Field("mode", "mode", "choice", "windows", choices=task_lib.CHARS_MODES, words="the characters task's mode"),
    Field("seq", "seq", "int", 25, 1, MAX_SEQ, words="min-char-rnn's chunk length"),
    Field("hidden", "hidden", "int", 16, 1, MAX_HIDDEN, words="the hidden size"),
    Field("layers", "layers", "int", 1, 1, MAX_PAGE_LAYERS, words="the number of layers"),
    Field("activation", "activation", "choice", "tanh", choices=("tanh", "relu"), words="the activation"),
    Field("rho", "rho", "number", None, RHO_STEP, 3.0, off_allowed=True, words="the initial spectral radius"),
    Field("optimizer", "opt", "choice", "adam", choices=tuple(OPTIMIZERS), words="the optimizer"),
    Field("lr", "lr", "number", DEFAULT_LR, 0.0, MAX_LR, words="the learning rate"),
    Field("clip", "clip", "number", 1.0, 0.001, 1e4, off_allowed=True, words="the clipping threshold"),
    Field("window", "window", "int", 0, 0, task_lib.MAX_T, words="the truncated-BPTT window (0 = full)"),
    Field("batch", "batch", "int", 0, 0, MAX_BATCH, words="the batch size (0 = all)"),
    Field("seed", "seed", "int", 0, 0, 2**31 - 1, words="the seed"),
    Field("spf", "spf", "int", 5, 1, 50, words="the updates per frame"),
    Field("fps", "fps", "choice", DEFAULT_FRAME_RATE, choices=FRAME_RATES, words="the frames per second"),
    Field("updates", "updates", "int", 0, 0, MAX_REPLAY_UPDATES, words="the update count"),
)
FIELDS_BY_NAME = {f.name: f for f in FIELDS}
TRAINING_QUERY_KEYS = tuple(f.key for f in FIELDS)


@dataclass(frozen=True)
class TrainingSetup:
    """Everything a training link carries; the defaults are the page's.  ``rho``/``clip`` None = off,
    ``window``/``batch`` 0 = full BPTT / all sequences; ``updates``: the update count reached."""

    task: str = "sine"
    delay: int = 2
    text: str = task_lib.DEFAULT_TEXT
    mode: str = "windows"
    seq: int = 25
    hidden: int = 16
    layers: int = 1
    activation: str = "tanh"
    rho: float | None = None
    optimizer: str = "adam"
    lr: float = DEFAULT_LR
    clip: float | None = 1.0
    window: int = 0
    batch: int = 0
    seed: int = 0
    spf: int = 5
    fps: int = DEFAULT_FRAME_RATE
    updates: int = 0

    @property
    def minchar(self) -> bool:
        """min-char-rnn mode: the characters task walked through in chunks (no window, no batch)."""
        return self.task == "chars" and self.mode == "minchar"

    @property
    def steps(self) -> int:
        """The length T of the task's sequences (what the truncated-BPTT window must not exceed)."""
        if self.minchar:
            return self.seq
        return task_lib._DEFAULT_T["sum" if self.task == "sign" else self.task]

    def settings(self) -> dict:
        """The Trainer's keyword arguments (what the page builds its TrainingSession from)."""
        task = "sum" if self.task == "sign" else self.task
        options: dict = {"sign": True} if self.task == "sign" else {}
        if self.task == "echo":
            options["delay"] = self.delay
        if self.task == "chars":
            options["text"] = self.text
            if self.minchar:
                options.update(mode="minchar", T=self.seq)
        return dict(task=task, task_options=options or None, hidden=self.hidden, layers=self.layers,
                    activation=self.activation, init_radius=self.rho, optimizer=self.optimizer, lr=self.lr,
                    clip=self.clip, bptt_window=self.window or None, batch_size=self.batch or None, seed=self.seed)

    @classmethod
    def from_settings(cls, settings: dict, **more) -> TrainingSetup:
        """The setup of Trainer keyword arguments made by ``settings()`` (the page's), plus ``more``
        (spf, fps, updates); the fields the settings do not use keep their defaults."""
        options = settings.get("task_options") or {}
        task = "sign" if settings["task"] == "sum" and options.get("sign") else settings["task"]
        parts = dict(task=task, hidden=settings["hidden"], layers=settings["layers"],
                     activation=settings["activation"], rho=settings["init_radius"], optimizer=settings["optimizer"],
                     lr=settings["lr"], clip=settings["clip"], window=settings["bptt_window"] or 0,
                     batch=settings["batch_size"] or 0, seed=settings["seed"])
        if "delay" in options:
            parts["delay"] = options["delay"]
        if "text" in options:
            parts["text"] = options["text"]
        if options.get("mode") == "minchar":
            parts.update(mode="minchar", seq=options["T"])
        return cls(**parts, **more)


DEFAULT_SETUP = TrainingSetup()


# --------------------------------------------------------------------------- writing

def text_fits_link(text: str) -> bool:
    """Whether the text is short enough to travel in a link (TEXT_LINK_LIMIT characters once encoded)."""
    return len(quote_plus(text)) <= TEXT_LINK_LIMIT


def _format(f: Field, value) -> str:
    if value is None:
        return OFF
    if f.kind == "number":
        return format_number(value)
    return str(value)


def to_training_query(setup: TrainingSetup) -> dict[str, str]:
    """The URL query of ``setup``: only the fields that differ from their defaults (a text too long for a
    link is left out: see ``link_notes``)."""
    query = {}
    for f in FIELDS:
        value = getattr(setup, f.name)
        if value == f.default and type(value) is type(f.default):
            continue
        if f.name == "text" and not text_fits_link(value):
            continue
        query[f.key] = _format(f, value)
    return query


def link_notes(setup: TrainingSetup) -> list[str]:
    """What a link to ``setup`` cannot carry, in plain words (empty when it carries everything)."""
    if setup.task != "chars" or setup.text == task_lib.DEFAULT_TEXT or text_fits_link(setup.text):
        return []
    return [f"The text to learn is too long for a link ({len(quote_plus(setup.text))} characters once written "
            f"in a link, the limit is {TEXT_LINK_LIMIT}): the link leaves it out, so it opens with the default "
            "text. Shorten the text (a few hundred plain characters fit) to share it."]


# --------------------------------------------------------------------------- reading

class _Bad(Exception):
    """A value that cannot be used; the message says why, in plain words."""


def _number(text: str) -> float:
    token = text.strip()
    if len(token) > MAX_TOKEN:
        raise _Bad(f"{quoted(token)} is too long to be a number")
    if not NUMBER_PATTERN.fullmatch(token):
        raise _Bad(f"{quoted(token)} is not a number")
    return float(token)


def _read(f: Field, text: str, warn) -> object:
    """The field's value from its text; _Bad when unusable (the caller uses the default)."""
    if f.kind == "text":
        try:
            return task_lib.check_text(text)
        except ValueError as exc:
            raise _Bad("it " + str(exc).removeprefix("text ")) from None
    if f.kind == "choice":
        token = text.strip()
        if len(token) > MAX_TOKEN:
            raise _Bad(f"{quoted(token)} is too long to be one of the choices")
        by_text = {str(c).lower(): c for c in f.choices}
        if token.lower() not in by_text:
            raise _Bad(f"{quoted(token)} is not one of {', '.join(map(str, f.choices))}")
        return by_text[token.lower()]
    if f.off_allowed and text.strip().lower() == OFF:
        return None
    value = _number(text)
    if f.kind == "int":
        return _clipped_int(f, value, text, warn)
    return _checked_number(f, value, warn)


def _clipped_int(f: Field, value: float, text: str, warn) -> int:
    if math.isfinite(value) and value != int(value):
        raise _Bad(f"{quoted(text.strip())} is not a whole number")
    lo, hi = int(f.lo), int(f.hi)
    if not lo <= value <= hi:
        clipped = lo if value < lo else hi
        shown = quoted(text.strip()) if abs(value) <= 10**18 else "a huge number"
        warn(f.key, f"{shown} is outside {lo} to {hi}; used {clipped}")
        return clipped
    return int(value)


def _checked_number(f: Field, value: float, warn) -> float:
    if not math.isfinite(value):
        raise _Bad("the value is not finite")
    if f.name == "lr":
        if not 0 < value <= f.hi:
            raise _Bad(f"{format_number(value)} is outside (0, {f.hi:g}]")
        return value
    if not f.lo <= value <= f.hi:
        raise _Bad(f"{format_number(value)} is outside {f.lo:g} to {f.hi:g}")
    if f.name == "rho":
        snapped = round(value / RHO_STEP) / round(1 / RHO_STEP)
        if snapped != value:
            warn(f.key, f"{format_number(value)} is not a multiple of {RHO_STEP:g} (the slider's step); "
                        f"used {format_number(snapped)}")
        return snapped
    return value


def _last_value(value):
    if isinstance(value, (list, tuple)):
        return (value[-1] if value else None), len(value)
    return value, 1


def _case_slips(query) -> list[str]:
    lowered = {key.lower(): key for key in TRAINING_QUERY_KEYS}
    warnings = []
    for i, key in enumerate(query.keys()):
        if i >= 200:
            break
        if isinstance(key, str) and key not in TRAINING_QUERY_KEYS and key.lower() in lowered:
            warnings.append(f"{quoted(key).strip(chr(39))}: unknown parameter; did you mean "
                            f"{lowered[key.lower()]}? It was ignored.")
    return warnings


def _consistent(setup: TrainingSetup, warn) -> TrainingSetup:
    """Rules between fields: no window/batch in min-char-rnn mode; the window fits in the sequences."""
    if setup.minchar and (setup.window or setup.batch):
        warn("window", "the truncated-BPTT window and the batch size do not apply in min-char-rnn mode; "
                       "used full chunks of the text, one at a time")
        setup = replace(setup, window=0, batch=0)
    if setup.window > setup.steps:
        warn("window", f"{setup.window} is longer than the task's sequences ({setup.steps} steps); "
                       f"used {setup.steps}")
        setup = replace(setup, window=setup.steps)
    return setup


def from_training_query(query: Mapping[str, str | list[str]]) -> tuple[TrainingSetup, list[str]]:
    """The setup a URL query describes, and plain-language warnings.  Never raises (see the module docstring)."""
    warnings: list[str] = []

    def warn(key: str, message: str) -> None:
        warnings.append(f"{key}: {message}.")

    try:
        if query is None:
            return DEFAULT_SETUP, []
        if not (isinstance(query, Mapping) or (hasattr(query, "get") and hasattr(query, "keys"))):
            return DEFAULT_SETUP, ["query: it is not a set of key=value pairs; used the default training setup."]
        parts = {}
        for f in FIELDS:
            value, count = _last_value(query.get(f.key))
            if value is None:
                continue
            if count > 1:
                warn(f.key, f"given {count} times; used the last value")
            if not isinstance(value, str):
                warn(f.key, f"expected text, got {quoted(type(value).__name__)}; used the default "
                            f"({_format(f, f.default) if f.name != 'text' else 'the default text'})")
                continue
            try:
                parts[f.name] = _read(f, value, warn)
            except _Bad as exc:
                shown = "the default text" if f.name == "text" else _format(f, f.default)
                warn(f.key, f"{exc}; used {shown} ({f.words})")
        warnings.extend(_case_slips(query))
        return _consistent(TrainingSetup(**parts), warn), warnings
    except Exception as exc:  # a safety net: from_training_query must never raise
        return DEFAULT_SETUP, warnings + [f"query: could not be read ({type(exc).__name__}); "
                                          "used the default training setup."]


# --------------------------------------------------------------------------- replaying a link's update count

REPLAY_BUDGET = MAX_REPLAY_UPDATES * update_cost(16, 1, 1, 40, 32) * 4  # work units a link may replay on open


def replay_limit(cost_per_update: float) -> int:
    """How many updates of a run costing ``cost_per_update`` (Trainer.update_cost) a link may replay: at most
    MAX_REPLAY_UPDATES, fewer for big networks so opening a link stays within a bounded wait."""
    if cost_per_update <= 0:
        return MAX_REPLAY_UPDATES
    return int(min(MAX_REPLAY_UPDATES, REPLAY_BUDGET // cost_per_update))


assert {f.name for f in FIELDS} == {f.name for f in fields(TrainingSetup)}
assert all(getattr(DEFAULT_SETUP, f.name) == f.default for f in FIELDS)
