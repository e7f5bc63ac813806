"""Forward + backward time of rnnviz.engine against a reference measured in the same run.

Reference: PyTorch's CPU nn.RNN (float64, one thread, same weights) when torch is installed,
else a per-example pure-Python-loop NumPy reference.  Prints engine/reference ratios
(lower is better; target <= 0.8 on the lesson's PyTorch config, <= 1.0 everywhere).

    python benchmarks/bench_engine.py [--repeat 7]
"""

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")  # one thread on both sides: a fair, quieter comparison

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from rnnviz._memory import keep_freed_memory  # noqa: E402
from rnnviz.engine import RNNParams, backward, forward  # noqa: E402

CONFIGS = [  # (B, T, d, n), label
    ((32, 20, 50, 128), "the lesson's PyTorch example"),
    ((1, 2, 1, 2), "the lesson's worked example"),
    ((64, 100, 16, 64), "medium"),
    ((8, 1000, 4, 32), "long sequence"),
]


def best_time(fn, repeat, min_seconds=0.2):
    """Best of `repeat` rounds, each round running fn enough times to last min_seconds."""
    fn()
    loops, start = 1, time.perf_counter()
    while time.perf_counter() - start < min_seconds / 4:
        fn()
        loops += 1
    loops = max(1, int(loops * 4 * 0.25))
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(loops):
            fn()
        best = min(best, (time.perf_counter() - t0) / loops)
    return best


def engine_case(p, x, dh):
    def run():
        tr = forward(p, x)
        backward(p, tr, dh=dh)
    return run


def torch_case(p, x, dh):
    import torch

    torch.set_num_threads(1)
    rnn = torch.nn.RNN(p.d, p.n, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(p.W_x.copy()))
        rnn.weight_hh_l0.copy_(torch.from_numpy(p.W_h.copy()))
        rnn.bias_ih_l0.copy_(torch.from_numpy(p.b.copy()))
        rnn.bias_hh_l0.zero_()
    xt, dht = torch.from_numpy(x), torch.from_numpy(dh)

    def run():
        rnn.zero_grad(set_to_none=True)
        out, _ = rnn(xt)
        out.backward(dht)
    return run


def loop_case(p, x, dh):
    """Reference without torch: one sequence at a time, per-step outer products."""
    def run():
        for xi, dhi in zip(x, dh, strict=True):
            hs, pres = [np.zeros(p.n)], []
            for xt in xi:
                pres.append(p.W_h @ hs[-1] + p.W_x @ xt + p.b)
                hs.append(np.tanh(pres[-1]))
            dW_h, dW_x, dhnext = np.zeros_like(p.W_h), np.zeros_like(p.W_x), np.zeros(p.n)
            for t in range(len(xi) - 1, -1, -1):
                dhraw = (dhi[t] + dhnext) * (1 - hs[t + 1] ** 2)
                dW_h += np.outer(dhraw, hs[t])
                dW_x += np.outer(dhraw, xi[t])
                dhnext = p.W_h.T @ dhraw
    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    # Reuse freed array buffers instead of page-faulting them in again every pass (opt-in, this
    # benchmark process only; see rnnviz/_memory.py).
    tuned = keep_freed_memory()
    try:
        import torch  # noqa: F401
        reference, ref_case = "torch nn.RNN (CPU, float64, 1 thread)", torch_case
    except ImportError:
        reference, ref_case = "per-example Python loop (torch not installed)", loop_case
    print(f"reference: {reference}; numpy {np.__version__}; forward+backward, best of {args.repeat}; "
          f"glibc mallopt tuning {'on' if tuned else 'off'}")
    print(f"{'(B, T, d, n)':>20} {'engine ms':>10} {'ref ms':>10} {'ratio':>7}  config")
    for (B, T, d, n), label in CONFIGS:
        rng = np.random.default_rng(0)
        p = RNNParams(W_x=rng.normal(0, d ** -0.5, (n, d)), W_h=rng.normal(0, n ** -0.5, (n, n)), b=np.zeros(n))
        x, dh = rng.normal(size=(B, T, d)), rng.normal(size=(B, T, n))
        ours = best_time(engine_case(p, x, dh), args.repeat)
        ref = best_time(ref_case(p, x, dh), args.repeat)
        print(f"{str((B, T, d, n)):>20} {ours * 1e3:10.3f} {ref * 1e3:10.3f} {ours / ref:7.2f}  {label}")


if __name__ == "__main__":
    main()
