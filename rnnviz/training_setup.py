"""What the training page needs besides widgets, without Streamlit: its choices, the learning rate typed in,
the task -> trainer options mapping, the gradients to show, the weights at a recorded step, its captions.

Unit-tested in tests/test_training_setup.py; the widgets that read these live in rnnviz/ui/training_controls.py.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from rnnviz import tasks as task_lib
from rnnviz.text import excerpt
from rnnviz.training import TrainingSession, loss_grads

LR_CHOICES = [1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0]
DEFAULT_LR = 0.01
MAX_LR = 100.0
TASKS = {"sine": "Sine: next-step prediction", "echo": "Delayed echo", "sum": "Running sum",
         "sign": "Sign of the running sum", "parity": "Parity of a bit stream", "chars": "Characters (min-char-rnn)"}
OPTIMIZERS = {"sgd": "SGD + momentum 0.9", "adam": "Adam", "adagrad": "Adagrad"}
MAX_PAGE_LAYERS = 3
FRAME_RATES = (1, 2, 4, 5)  # frames per second while playing
DEFAULT_FRAME_RATE = 4  # the visual language's pace


class LearningRate(NamedTuple):
    """The learning rate to use, and what to tell the user about the typed text (None: nothing)."""

    value: float
    error: str | None = None
    warning: str | None = None


def parse_learning_rate(typed: str, slider: float) -> LearningRate:
    """The typed learning rate when it is a number in (0, MAX_LR]; else the slider's, with an error."""
    typed = typed.strip()
    if not typed:
        return LearningRate(slider)
    try:
        value = float(typed)
    except ValueError:
        return LearningRate(slider, f"Learning rate: '{excerpt(typed, 30)}' is not a number; "
                                    f"using the slider's {slider:g}.")
    if not math.isfinite(value) or value <= 0 or value > MAX_LR:
        return LearningRate(slider, f"Learning rate: {excerpt(typed, 30)} is outside (0, {MAX_LR:g}]; "
                                    f"using the slider's {slider:g}.")
    if value > 1:
        return LearningRate(value, warning=f"Learning rate {value:g} is very large: expect the run to diverge "
                                           "(that can be instructive).")
    return LearningRate(value)


def task_options(choice: str, delay: int | None = None, text: str | None = None) -> tuple[str, dict | None]:
    """The page's task choice as the Trainer's (task, task_options); "sign" is the running sum's sign.

    Raises ValueError (tasks.check_text's message) for a text the characters task cannot learn.
    """
    task = "sum" if choice == "sign" else choice
    options: dict = {"sign": True} if choice == "sign" else {}
    if choice == "echo":
        options["delay"] = int(delay)
    if choice == "chars":
        options["text"] = task_lib.check_text(text)
    return task, options or None


def current_gradients(session: TrainingSession):
    """(grads, dh_norms, step) of the last update, or of the current weights (step None) before any update."""
    if session.snapshots:
        snap = session.snapshots[-1]
        return snap.grads, snap.dh_norms, snap.step
    tr, task = session.trainer, session.trainer.task
    _, _, grads, dh_norms = loss_grads(tr.params, task.x, task.y, task.loss, task.mask, tr.bptt_window)
    return grads, dh_norms, None


def recorded_steps(session: TrainingSession) -> list[int]:
    """The updates whose weights can be shown: 0 (the initial weights) and every recorded one."""
    return [0] + [s.step for s in session.snapshots]


def params_after(session: TrainingSession, step: int):
    """The weights after update ``step`` (one of recorded_steps)."""
    tr = session.trainer
    if step == tr.steps_done:
        return tr.params
    if step == 0:  # the initial weights: the same seed and settings draw them again
        return TrainingSession.build(session.settings).trainer.params
    return next(s.params for s in session.snapshots if s.step == step)


def settings_key(settings: dict) -> str:
    """The settings as text: with an update's number it names the weights (runs are deterministic)."""
    return repr(sorted(settings.items()))


def shown_layer(chosen: int | None, chosen_for: int | None, layers: int) -> int:
    """The layer (0-based) the per-layer views show: the picker's choice (1-based) while it was made for
    this layer count, the top layer otherwise."""
    if layers == 1 or chosen_for != layers or chosen not in range(1, layers + 1):
        return layers - 1
    return chosen - 1


# --------------------------------------------------------------------------- captions that depend on the run

def dh_caption(layers: int, step: int | None) -> str:
    return ("Read it right to left: each step back multiplies by W_hᵀ·diag(f'(a_t)); a falling line is a "
            "vanishing gradient, a rising one is exploding."
            + (f" With {layers} stacked layers this is the top layer's ∂L/∂h⁽{layers}⁾_t (over the batch); the "
               "layers below receive it through each W_x above them." if layers > 1 else "")
            + (" Shown at the initial weights: no update yet." if step is None else ""))


def weights_caption(layers: int, layer: int) -> str:
    reads = "the inputs x_t" if layer == 0 else f"layer {layer}'s h_t"
    return ("Red is positive, blue negative, on a range ±m shown on each color bar; watch which weights the "
            "gradient pushes hardest."
            + (f" Layer {layer + 1}'s W_x maps {reads} into its pre-activations; pick another layer above."
               if layers > 1 else ""))


def sweep_caption(layers: int, layer: int) -> str:
    text = ("Press ▶ (or drag the slider): ∂L/∂h_t fills in from t = T back to 0; the lower line shows where "
            "each multiplication by W_hᵀ·diag(f'(a_t)) shrinks or grows the signal. Full BPTT on the "
            "held-out sequence.")
    if layers == 1:
        return text
    if layer == layers - 1:
        receives = "it receives W_yᵀ·∂L/∂y_t from the output at each step."
    else:
        receives = (f"at each step it receives W_xᵀ·∂L/∂a_t from layer {layer + 2} (all of layer {layer + 2}'s "
                    "BPTT already done), then runs its own BPTT through its W_h.")
    return f"{text} Layer {layer + 1}'s ∂L/∂h_t, the other layers as they are: {receives}"


def gradient_check_caption(step: int, layer: int, layers: int) -> str:
    where = f", layer {layer + 1} of {layers} (the others held fixed)" if layers > 1 else ""
    return (f"At update {step}{where}: relative errors around 1e-7 or smaller mean BPTT is right; "
            "the finite difference itself is only accurate to about that.")
