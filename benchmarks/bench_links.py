"""Link lengths: the readable form against the link the app writes (``to_query``), for the sizes of issue 12.

    python benchmarks/bench_links.py

Columns: characters of the readable query, of the app's link query (as the share box writes it), of the
same query as the address bar escapes it, whether it round-trips exactly, and whether the app writes it
(<= rnnviz.query.SAFE_LINK_CHARS) or offers the weights file instead.  Trained weights: the training page's
link that names the run (``rnnviz.trained_link``) against the same weights written as numbers.
Not a test: tests/test_links.py asserts the 2,000-character bound.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rnnviz import presets  # noqa: E402
from rnnviz.query import (  # noqa: E402
    SAFE_LINK_CHARS,
    address_bar_length,
    from_query,
    query_text,
    to_query,
    to_query_readable,
)
from rnnviz.state import DEFAULT_STATE, resized, validate_state  # noqa: E402
from rnnviz.trained_link import TRAINED_KEY, trained_query, trained_state  # noqa: E402
from rnnviz.training_query import TrainingSetup  # noqa: E402

TRAINED_RUNS = (TrainingSetup(hidden=16, layers=3, updates=500),
                TrainingSetup(task="echo", delay=10, hidden=16, layers=3, lr=0.003, seed=7, updates=2000))
PAGE = "https://rnnviz-demo.streamlit.app/heatmaps?"


def sidebar_path(preset: str, k: int, L: int, n: int = 16, d: int = 4, T: int = 50):
    state = presets.make_preset(preset)
    for name, value in (("n", n), ("d", d), ("k", k), ("T", T), ("L", L)):
        state, _ = validate_state(base=state, **{name: value})
    return state


def slider_edits(state, seed: int, count: int = 12):
    rng = np.random.default_rng(seed)
    changes = {}
    for name in ["W_h", "W_x", "b"] + [f"{p}{layer}" for layer in range(2, state.L + 1) for p in ("W_h", "W_x", "b")]:
        arr = np.array(state.value(name))
        flat = arr.reshape(-1)
        picks = rng.choice(flat.size, min(count, flat.size), replace=False)
        flat[picks] = np.round(rng.uniform(-3, 3, picks.size), 2)
        changes[name] = arr
    return state.replace(**changes)


def row(label: str, state, input_seed: int = 0) -> None:
    start = time.perf_counter()
    query = to_query(state, input_seed=input_seed)
    ms = (time.perf_counter() - start) * 1000
    readable = len(query_text(to_query_readable(state)))
    link = len(PAGE) + len(query_text(query))
    exact = from_query(query) == (state, [])
    written = "link" if address_bar_length(query) <= SAFE_LINK_CHARS else "weights file"
    print(f"{label:<46} {readable:>9,} {link:>8,} {address_bar_length(query):>9,}  {'yes' if exact else 'NO':<5} "
          f"{written:<12} {ms:6.0f} ms")


def main() -> None:
    print(f"{'network':<46} {'readable':>9} {'link':>8} {'addr.bar':>9}  exact write        to_query")
    for preset in presets.PRESETS:
        for k, L in ((0, 1), (4, 3)):
            state = sidebar_path(preset, k, L)
            row(f"{preset} n16 d4 T50 k{k} L{L}", state)
            row("  + slider edits (12 per array)", slider_edits(state, 1))
            for kind in ("sine", "random"):
                row(f"  + {kind} inputs (seed 7)", state.replace(x=presets.make_inputs(kind, 50, 4, seed=7)), 7)
    rng = np.random.default_rng(0)
    for n in (8, 16):
        trained = resized(DEFAULT_STATE, n=n, d=4, T=50, k=4, L=3)
        trained = trained.replace(**{name: rng.normal(size=np.shape(trained.value(name))) * 0.3
                                     for name in ("W_h", "W_x", "b", "W_y", "W_h2", "W_x2", "W_h3", "W_x3")})
        row(f"full-precision weights n{n} d4 T50 k4 L3", trained)
    for setup in TRAINED_RUNS:
        named = trained_query(setup)
        state, warnings = trained_state(named[TRAINED_KEY])
        link = len(PAGE) + len(query_text(named))
        numbers = len(PAGE) + len(query_text(to_query(state)))
        print(f"trained {setup.task} n{setup.hidden} L{setup.layers} at update {setup.updates}: link naming the run "
              f"{link:,} characters (exact: {'yes' if not warnings else 'NO'}), its weights as numbers {numbers:,}")
    big = resized(DEFAULT_STATE, n=64, d=16, T=500, L=3).replace(W_h=rng.normal(size=(64, 64)))
    row("n64 d16 T500 L3, random W_h", big)


if __name__ == "__main__":
    main()
