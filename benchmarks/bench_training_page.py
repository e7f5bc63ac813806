"""Time per animation frame of the training page at default settings (target >= 5 frames/s).

One frame = what the page's fragment does while playing: ``advance(session)`` (steps_per_frame updates)
plus building every figure and table of the live view, and serializing the figures to JSON as Streamlit
does (engine + Plotly, no Streamlit).  Optionally (--apptest) also one full AppTest rerun of the page
after a Step click, which includes the on-demand sections (backward sweep, replay) and Streamlit itself.

Stacked layers (the page's "Layers (stacked)" slider): the same frame at L = 3, with the per-layer views
showing the top layer (their default) and the spectral radius drawn per layer.

    python benchmarks/bench_training_page.py [--frames 40] [--apptest]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rnnviz.figures import training as ft  # noqa: E402
from rnnviz.training import (  # noqa: E402
    TrainingSession,
    advance,
    backward_sweep_layer,
    layer_grads,
    layer_list,
    layer_radii,
    loss_grads,
)

# The page's defaults (pages/training.py read_settings).
DEFAULTS = dict(task="sine", task_options=None, hidden=16, layers=1, activation="tanh", init_radius=None,
                optimizer="adam",
                lr=0.01, clip=1.0, bptt_window=None, batch_size=None, seed=0)


def live_frame(session: TrainingSession) -> int:
    """advance + every live-view figure/table, serialized; returns bytes of figure JSON."""
    advance(session)
    tr = session.trainer
    task = tr.task
    L, layer = tr.layers, tr.layers - 1  # the per-layer views default to the top layer
    evaluation = tr.eval_test()
    history = tr.history
    layer_radii(tr.params)  # the ρ metric
    if session.snapshots:
        snap = session.snapshots[-1]
        grads, dh_norms, step = snap.grads, snap.dh_norms, snap.step
    else:
        _, _, grads, dh_norms = loss_grads(tr.params, task.x, task.y, task.loss, task.mask, tr.bptt_window)
        step = None
    radii = session.radius_history() if L > 1 else None
    grads = layer_grads(grads, layer, L)
    params = layer_list(tr.params)[layer]
    shown = layer + 1 if L > 1 else None
    figs = [ft.loss_figure(history, task.loss), ft.radius_figure(history, radii),
            ft.dh_norms_figure(dh_norms, step, layers=L), ft.predictions_figure(evaluation, task.loss, task.vocab)]
    for name in ("W_h", "W_x", "b"):
        figs.append(ft.matrix_figure(grads[name], ft.GRAD_LABELS[name], "grad", layer=shown))
        figs.append(ft.matrix_figure(getattr(params, name), name, "weight", layer=shown))
    ft.history_table(history, radii)
    ft.dh_norms_table(dh_norms)
    ft.predictions_table(evaluation)
    for name in ("W_h", "W_x", "b"):
        ft.matrix_table(grads[name], name)
        ft.matrix_table(getattr(params, name), name)
    if task.vocab is not None:
        task.sample(tr.params, length=200)
    return sum(len(f.to_json()) for f in figs)


def bench_frames(frames: int, settings: dict) -> list[float]:
    session = TrainingSession.build(settings)
    live_frame(session)  # warm-up (imports, Plotly validators)
    times = []
    for _ in range(frames):
        start = time.perf_counter()
        live_frame(session)
        times.append(time.perf_counter() - start)
    return times


def bench_on_demand(settings: dict) -> float:
    """The sections outside the fragment: backward sweep animation + replay (drawn on full reruns only)."""
    session = TrainingSession.build(settings)
    advance(session, 50)
    task = session.trainer.task
    start = time.perf_counter()
    layer = session.trainer.layers - 1
    frames = backward_sweep_layer(session.trainer.params, layer, task.x_test, task.y_test, task.loss,
                                  task.mask_test)
    ft.sweep_figure(frames).to_json()
    ft.replay_figure(session.snapshots, session.trainer.history).to_json()
    return time.perf_counter() - start


def bench_apptest(runs: int = 3) -> list[float]:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("pages/training.py").run()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        at.button(key="tr_step").click().run()
        times.append(time.perf_counter() - start)
    assert not at.exception
    return times


def report(label: str, times: list[float]) -> None:
    med = statistics.median(times)
    print(f"{label:<44} median {1000 * med:7.1f} ms  p90 {1000 * sorted(times)[int(0.9 * (len(times) - 1))]:7.1f} ms"
          f"  -> {1 / med:6.1f} frames/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--apptest", action="store_true", help="also time full AppTest reruns after a Step click")
    args = parser.parse_args()
    times = bench_frames(args.frames, DEFAULTS)
    report("live frame, defaults (sine, n=16, 5 upd/frame)", times)
    report("live frame, chars (n=16, vocab 25)", bench_frames(max(10, args.frames // 4),
                                                             {**DEFAULTS, "task": "chars"}))
    report("live frame, sine n=64", bench_frames(max(10, args.frames // 4), {**DEFAULTS, "hidden": 64}))
    stacked = bench_frames(args.frames, {**DEFAULTS, "layers": 3})
    report("live frame, 3 stacked layers (sine, n=16)", stacked)
    report("live frame, 3 stacked layers, chars", bench_frames(max(10, args.frames // 4),
                                                             {**DEFAULTS, "layers": 3, "task": "chars"}))
    print(f"{'on-demand sweep + replay (full rerun only)':<44} {1000 * bench_on_demand(DEFAULTS):7.1f} ms")
    print(f"{'  the same, 3 stacked layers':<44} {1000 * bench_on_demand({**DEFAULTS, 'layers': 3}):7.1f} ms")
    if args.apptest:
        report("AppTest full rerun after Step (Streamlit)", bench_apptest())
    for label, ts in (("default settings (L=1)", times), ("3 stacked layers (L=3)", stacked)):
        fps = 1 / statistics.median(ts)
        print(f"{label}: {fps:.1f} frames/s (target >= 5): {'OK' if fps >= 5 else 'BELOW TARGET'}")


if __name__ == "__main__":
    main()
