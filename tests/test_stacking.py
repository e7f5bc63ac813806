"""rnnviz.stacking: the documented seeded stack, NumPy only, one layer limit."""

import subprocess
import sys

import numpy as np
import pytest
from networks import STATES

from rnnviz import stacking


def test_stacked_layers_are_the_documented_seeded_stack():
    state = STATES["output"]
    one = stacking.stacked_layers(state, 1)
    assert one == [state.params]
    three = stacking.stacked_layers(state, 3)
    assert three[0] == state.params.replace(W_y=None)
    assert [p.d for p in three] == [state.d, state.n, state.n] and [p.k for p in three] == [0, 0, state.k]
    assert np.array_equal(three[2].W_y, state.params.W_y) and not three[1].b.any()
    assert stacking.stacked_layers(state, 3) == three  # deterministic
    assert three[1] == stacking.stacked_layers(state, 2)[1].replace(W_y=None)  # layer 2 is the same for L = 2, 3
    h0 = stacking.stacked_h0(state, 3)
    assert h0.shape == (3, state.n) and np.array_equal(h0[0], state.h0) and not h0[1:].any()
    with pytest.raises(ValueError):
        stacking.stacked_layers(state, 4)

        stacking.stacked_layers(state, stacking.MAX_LAYERS + 1)


def test_stacking_imports_neither_plotly_nor_pandas():
    code = ("import sys, rnnviz.stacking; "
            "print(sorted(m for m in ('plotly', 'pandas', 'streamlit', 'rnnviz.bridge') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_layer_limit_is_one_constant():
    from rnnviz import training, weights_io

    assert training.MAX_LAYERS is stacking.MAX_LAYERS and weights_io.MAX_LAYERS is stacking.MAX_LAYERS


# --------------------------------------------------------------------------- layers are part of the state

def test_the_stack_is_the_states_layers_and_weight_files_carry_them():
    import numpy as np

    from rnnviz import weights_io
    from rnnviz.state import default_state, resized

    state = resized(default_state(), n=3, k=2, L=3)
    state = state.replace(W_h2=np.full((3, 3), 0.1), b3=[1.0, -1.0, 0.5])
    stack = stacking.stacked_layers(state)
    assert len(stack) == 3 and np.all(stack[1].W_h == 0.1) and stack[2].b.tolist() == [1.0, -1.0, 0.5]
    assert stack[2].W_y is not None and stack[0].W_y is None  # the output layer sits on top
    assert len(stacking.stacked_layers(state, 1)) == 1
    for data, name in ((weights_io.to_json(state).encode(), "w.json"), (weights_io.to_npz(state), "w.npz")):
        back, notes = weights_io.load_weights(data, name)
        assert back == state and notes == []
