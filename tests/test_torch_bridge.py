"""rnnviz.torch_bridge: the generated PyTorch code runs and matches the engine; the torch cross-check can fail."""

import numpy as np
import pytest
from networks import STATES

from rnnviz import stacking, torch_bridge
from rnnviz.engine import forward
from rnnviz.query import from_query
from rnnviz.state import default_state


@pytest.mark.parametrize("name", list(STATES))
@pytest.mark.parametrize("layers", [1, 2, 3])
def test_generated_code_runs_and_matches_the_engine(name, layers):
    torch = pytest.importorskip("torch")
    state = STATES[name]
    code = torch_bridge.torch_code(state, layers)
    ns = {}
    exec(compile(code, "<generated>", "exec"), ns)  # the test runs what the page shows
    stack = stacking.stacked_layers(state, layers)
    traces = forward(stack, state.x, stacking.stacked_h0(state, layers).reshape(layers, state.n))
    assert ns["output"].dtype == torch.float64
    np.testing.assert_allclose(ns["output"][0].numpy(), traces[-1].h[1:], rtol=0, atol=1e-12)
    for i, tr in enumerate(traces):
        np.testing.assert_allclose(ns["hn"][i, 0].numpy(), tr.h[-1], rtol=0, atol=1e-12)
    if state.k:
        np.testing.assert_allclose(ns["y"][0].numpy(), traces[-1].y, rtol=0, atol=1e-12)
    else:
        assert ns["y"] is None
    assert len(ns["rnn"].state_dict()) == 4 * layers
    # the page's code box shows ~80 columns at 1440 px: no line runs past the edge
    assert max(len(line) for line in code.splitlines()) <= torch_bridge.CODE_WIDTH, name


def test_generated_code_writes_the_exact_floats():
    # A float whose short repr would lose digits if printed with a fixed number of decimals.
    state = STATES["lesson"].replace(W_h=[[0.1 + 0.2, 1e-17], [-1 / 3, 123456.789]])
    code = torch_bridge.torch_code(state)
    assert repr(0.1 + 0.2) in code and "1e-17" in code and repr(-1 / 3) in code
    assert "nonlinearity='tanh'" in code and "batch_first=True" in code and "nn.Linear" not in code
    assert "nn.Linear(4, 2" in torch_bridge.torch_code(STATES["output"])
    assert "nonlinearity='relu'" in torch_bridge.torch_code(STATES["relu"])
    assert "num_layers=3" in torch_bridge.torch_code(STATES["output"], 3)


def test_compare_with_torch_is_round_off():
    pytest.importorskip("torch")
    for state in STATES.values():
        for layers in (1, 2, 3):
            diff = torch_bridge.compare_with_torch(state, layers)
            assert diff is not None and 0 <= diff < 1e-12


def test_compare_with_torch_sees_a_different_network(monkeypatch):
    """The check can fail: if the state dict handed to torch were wrong, the difference would show."""
    pytest.importorskip("torch")
    real = torch_bridge.to_torch_state_dict

    def off_by_a_bit(stack, output_names=False):
        sd = real(stack, output_names)
        sd["bias_hh_l0"] = sd["bias_hh_l0"] + 1e-3
        return sd

    monkeypatch.setattr(torch_bridge, "to_torch_state_dict", off_by_a_bit)
    assert torch_bridge.compare_with_torch(STATES["output"]) > 1e-5


def test_compare_with_torch_without_torch(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_torch(name, *args, **kwargs):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("no torch here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_torch)
    assert torch_bridge.compare_with_torch(STATES["lesson"]) is None



def test_gap_counts_a_shared_overflow_as_equal_and_a_one_sided_one_as_infinite():
    inf, nan = np.inf, np.nan
    assert torch_bridge._gap([1.0, inf, -inf, nan], [1.0, inf, -inf, nan]) == 0.0
    assert torch_bridge._gap([1.0, 2.0], [1.0, 2.5]) == 0.5
    assert torch_bridge._gap([inf], [1.0]) == inf
    assert torch_bridge._gap([nan], [1.0]) == inf


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning",
                            "ignore:invalid value encountered:RuntimeWarning")
def test_overflowing_network_compares_equal_with_torch():
    pytest.importorskip("torch")
    state, _ = from_query({"act": "relu", "Wh": "1000,0;0,1000", "x": ";".join(["1"] * 300)})
    assert torch_bridge.overflows(state)
    assert torch_bridge.compare_with_torch(state) < 1e-12
    assert not torch_bridge.overflows(default_state())
