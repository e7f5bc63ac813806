"""Training steps per second: rnnviz's NumPy Trainer vs a reference in the same run.

    python benchmarks/bench_training.py [--steps 300] [--memory-updates 2000]

Setup: sine task, hidden n=32, T=50, B=32, Adam, float64, clip 1.0.  The engine number
times ``Trainer.step`` (forward, BPTT, loss, clipping, Adam, snapshot bookkeeping).
The reference is torch CPU (nn.RNN + nn.Linear + Adam, float64, one thread) when torch
imports, else a per-example pure-Python/NumPy loop.  Target: >= 300 engine steps/s.

Memory: the training page's state (TrainingSession: history and replay) at the largest settings
(n=64, 3 layers, 64 characters), traced by tracemalloc after 1/4 of --memory-updates and after all of them:
bounded means the two are about equal (issue 15's budget: <= 150 MB per session).  The replay keeps between
MAX_RECORDED/2 and MAX_RECORDED snapshots depending on where the run is between two thinnings, so counts
that differ by a power of 2 (500, 2000) compare like with like; each snapshot is ~0.23 MB at these settings.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from rnnviz.tasks import make_task  # noqa: E402
from rnnviz.training import Trainer, TrainingSession, advance  # noqa: E402

N, T, B = 32, 50, 32
TARGET = 300.0


def _rate(run_steps, steps: int, repeats: int = 3) -> float:
    """Best of `repeats` timings (the machine is shared: the best is the least disturbed)."""
    run_steps(5)  # warm-up
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        run_steps(steps)
        best = min(best, time.perf_counter() - t0)
    return steps / best


def bench_engine(task, steps: int) -> float:
    tr = Trainer(task, hidden=N, optimizer="adam", lr=0.01, clip=1.0, seed=0)
    return _rate(tr.step, steps)


def bench_torch(task, steps: int) -> float:
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    rnn = torch.nn.RNN(task.d, N, batch_first=True, dtype=torch.float64)
    head = torch.nn.Linear(N, task.k, dtype=torch.float64)
    params = list(rnn.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=0.01)
    x, y = torch.from_numpy(np.array(task.x)), torch.from_numpy(np.array(task.y))

    def run(n):
        for _ in range(n):
            opt.zero_grad()
            hs, _ = rnn(x)
            loss = torch.mean((head(hs) - y) ** 2)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()

    return _rate(run, steps)


def bench_python_loop(task, steps: int) -> float:
    """Per-example forward/backward in Python loops (what a first implementation looks like)."""
    rng = np.random.default_rng(0)
    W_x, W_h, W_y = rng.normal(0, 0.2, (N, task.d)), rng.normal(0, 0.2, (N, N)), rng.normal(0, 0.2, (task.k, N))
    lr = 0.01

    def run(n):
        nonlocal W_x, W_h, W_y
        for _ in range(n):
            dW_x, dW_h, dW_y = np.zeros_like(W_x), np.zeros_like(W_h), np.zeros_like(W_y)
            for xb, yb in zip(task.x, task.y, strict=True):
                hs = [np.zeros(N)]
                for t in range(T):
                    hs.append(np.tanh(W_h @ hs[-1] + W_x @ xb[t]))
                dhnext = np.zeros(N)
                for t in range(T - 1, -1, -1):
                    dy = 2 * (W_y @ hs[t + 1] - yb[t]) / (B * T)
                    dW_y += np.outer(dy, hs[t + 1])
                    dhraw = (W_y.T @ dy + dhnext) * (1 - hs[t + 1] ** 2)
                    dW_x += np.outer(dhraw, xb[t])
                    dW_h += np.outer(dhraw, hs[t])
                    dhnext = W_h.T @ dhraw
            W_x, W_h, W_y = W_x - lr * dW_x, W_h - lr * dW_h, W_y - lr * dW_y

    return _rate(run, steps, repeats=1)


def session_memory(updates: int) -> list[tuple[int, float]]:
    """(updates, traced MB) of one TrainingSession at the largest settings, at updates/4 and at updates."""
    import gc
    import tracemalloc

    text = "".join(chr(c) for c in range(ord("0"), ord("0") + 64)) * 3
    settings = dict(task="chars", task_options={"text": text, "T": 25, "B": 8}, hidden=64, layers=3, seed=0,
                    optimizer="adam", lr=0.001)
    gc.collect()
    tracemalloc.start()
    session, rows = TrainingSession.build(settings, steps_per_frame=10), []
    for mark in (updates // 4, updates):
        while session.trainer.steps_done < mark:
            advance(session)
        gc.collect()
        rows.append((mark, tracemalloc.get_traced_memory()[0] / 2**20))
    tracemalloc.stop()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--memory-updates", type=int, default=2000, help="0 skips the memory figure")
    args = parser.parse_args()
    task = make_task("sine", seed=0, B=B, T=T)
    engine = bench_engine(task, args.steps)
    print(f"rnnviz engine: {engine:8.1f} steps/s  (sine, n={N}, T={T}, B={B}, Adam, float64)")
    try:
        import torch  # noqa: F401

        ref_name, ref = "torch CPU (1 thread, float64)", bench_torch(task, args.steps)
    except ImportError:
        ref_name, ref = "per-example Python loop", bench_python_loop(task, max(args.steps // 50, 3))
    print(f"{ref_name}: {ref:8.1f} steps/s")
    print(f"ratio engine / reference: {engine / ref:.2f}x")
    print(f"target >= {TARGET:.0f} steps/s: {'met' if engine >= TARGET else 'NOT met'}")
    if args.memory_updates > 0:
        rows = session_memory(args.memory_updates)
        for updates, mb in rows:
            print(f"training session memory (n=64, 3 layers, d=k=64), {updates:6d} updates: {mb:6.1f} MB traced")
        print(f"growth from {rows[0][0]} to {rows[1][0]} updates: {rows[1][1] - rows[0][1]:+.1f} MB")


if __name__ == "__main__":
    main()
