"""Networks the bridge tests share (tests/test_torch_bridge.py, test_weights_io.py, test_stacking.py), and
from_torch_state_dict: the inverse of engine.to_torch_state_dict, for the tests only (the app reads weight
files with rnnviz.weights_io)."""

import numpy as np

from rnnviz.engine import RNNParams
from rnnviz.state import SimState, default_state, resized


def make_state(n=4, d=3, k=2, T=6, activation="tanh", seed=0) -> SimState:
    rng = np.random.default_rng(seed)
    params = RNNParams(W_x=rng.normal(0, 0.6, (n, d)), W_h=rng.normal(0, 0.5, (n, n)), b=rng.normal(0, 0.2, n),
                       W_y=rng.normal(0, 0.5, (k, n)) if k else None, b_y=rng.normal(0, 0.1, k) if k else None,
                       activation=activation)
    return SimState(params=params, x=rng.normal(0, 1, (T, d)), h0=rng.normal(0, 0.3, n), t=1)


STATES = {
    "lesson": default_state(),
    "output": make_state(),
    "relu": make_state(n=3, d=2, k=0, T=5, activation="relu", seed=3),
    "resized": resized(default_state(5, 2, 1, 7)),
}


def from_torch_state_dict(state, activation="tanh") -> list[RNNParams]:
    """Layers from an nn.RNN state dict (bias_hh folded into b), the inverse of to_torch_state_dict."""
    layers = []
    i = 0
    while f"weight_ih_l{i}" in state:
        b = np.asarray(state[f"bias_ih_l{i}"], np.float64)
        if f"bias_hh_l{i}" in state:
            b = b + np.asarray(state[f"bias_hh_l{i}"], np.float64)
        layers.append(RNNParams(W_x=state[f"weight_ih_l{i}"], W_h=state[f"weight_hh_l{i}"], b=b,
                                activation=activation))
        i += 1
    if not layers:
        raise ValueError("no weight_ih_l0 found: not an nn.RNN state dict")
    if "linear.weight" in state:
        layers[-1] = layers[-1].replace(W_y=state["linear.weight"], b_y=state.get("linear.bias"))
    return layers
