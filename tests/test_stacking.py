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
