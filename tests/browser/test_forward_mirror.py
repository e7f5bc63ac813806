"""rnnviz/forward.js (the drag preview's forward pass) equals rnnviz.engine.forward to 1e-12 in Chromium.

The mirror is evaluated in headless Chromium (V8's Math.tanh, the same engine the app's users run) on the
lesson, saturating and exploding presets and on random networks: tanh and relu, n up to 16, d up to 4,
T up to 100, 1-3 stacked layers, with and without an output layer, nonzero initial states.
Tolerance: |js - engine| <= 1e-12 * max(1, |engine|) (relative for the exploding preset's large values).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rnnviz.engine import RNNParams, forward
from rnnviz.live_state import layer_payload
from rnnviz.presets import make_preset

FORWARD_JS = Path(__file__).resolve().parents[2] / "rnnviz" / "forward.js"
TOL = 1e-12


def _preset_cases():
    cases = []
    for name in ("lesson", "saturating", "exploding"):
        s = make_preset(name)
        cases.append((name, [s.params], s.x, [s.h0]))
        big = make_preset(name, n=16, d=4, k=3, T=100, seed=3)
        cases.append((f"{name} n=16 d=4 k=3 T=100", [big.params], big.x, [big.h0]))
    return cases


def _random_cases(count: int, rng: np.random.Generator):
    cases = []
    for i in range(count):
        n, d = int(rng.integers(1, 17)), int(rng.integers(1, 5))
        T, L = int(rng.integers(1, 101)), int(rng.integers(1, 4))
        activation = "relu" if i % 2 else "tanh"
        scale = float(rng.choice([0.5, 1.0, 2.0]))  # 2.0: chaotic tanh, growing relu
        k = int(rng.integers(1, 4)) if rng.random() < 0.7 else 0
        layers, d_in = [], d
        for layer in range(L):
            top = layer == L - 1
            layers.append(RNNParams(
                W_x=rng.normal(0, scale / np.sqrt(d_in), (n, d_in)), W_h=rng.normal(0, scale / np.sqrt(n), (n, n)),
                b=rng.normal(0, 0.5, n), W_y=rng.normal(0, 1, (k, n)) if top and k else None,
                b_y=rng.normal(0, 0.5, k) if top and k else None, activation=activation))
            d_in = n
        h0s = [rng.normal(0, 0.5, n) for _ in range(L)]
        cases.append((f"random {i}: L={L} n={n} d={d} T={T} k={k} {activation} scale={scale}",
                      layers, rng.normal(0, 1, (T, d)), h0s))
    return cases


CASES = _preset_cases() + _random_cases(40, np.random.default_rng(20261203))


@pytest.fixture(scope="module")
def mirror_page(browser):
    ctx = browser.new_context()
    pg = ctx.new_page()
    pg.add_script_tag(content=FORWARD_JS.read_text())
    yield pg
    ctx.close()


def _engine(layers, x, h0s):
    if len(layers) == 1:
        return [forward(layers[0], x, h0s[0])]
    return forward(layers, x, np.array(h0s))


def _assert_close(name, what, engine_value, js_value):
    js = np.array(js_value, dtype=float)
    assert js.shape == engine_value.shape, f"{name}: {what} shape {js.shape} != engine {engine_value.shape}"
    err = np.abs(js - engine_value) / np.maximum(1.0, np.abs(engine_value))
    assert err.max() <= TOL, f"{name}: {what} differs from the engine by {err.max():.3g} (relative)"


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_mirror_equals_engine(mirror_page, case):
    name, layers, x, h0s = case
    js = mirror_page.evaluate(
        "([layers, x, h0s]) => rnnForward(layers, x, h0s)",
        [[layer_payload(p) for p in layers], x.tolist(), [h.tolist() for h in h0s]],
    )
    traces = _engine(layers, x, h0s)
    assert len(js) == len(traces)
    for i, (params, tr, out) in enumerate(zip(layers, traces, js, strict=True)):
        _assert_close(name, f"layer {i} h", tr.h, out["h"])
        _assert_close(name, f"layer {i} pre", tr.pre, out["pre"])
        # the derivation's products (analysis.step_terms): W_x x_t and W_h h_{t-1}
        _assert_close(name, f"layer {i} W_x x_t", tr.x @ params.W_x.T, out["wx"])
        _assert_close(name, f"layer {i} W_h h_t-1", tr.h[:-1] @ params.W_h.T, out["wh"])
        if tr.y is None:
            assert out["y"] is None
        else:
            _assert_close(name, f"layer {i} y", tr.y, out["y"])


def test_mirror_is_not_trivially_equal(mirror_page):
    """The comparison can fail: a changed weight gives different numbers."""
    s = make_preset("lesson")
    changed = s.params.replace(W_h=s.params.W_h + 1e-9)
    js = mirror_page.evaluate("([p, x]) => rnnForward([p], x, null)[0].h",
                              [layer_payload(changed), s.x.tolist()])
    assert np.abs(np.array(js) - forward(s.params, s.x).h).max() > 1e-10
