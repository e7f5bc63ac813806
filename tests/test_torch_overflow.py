"""The PyTorch cross-check on networks that overflow: a shared overflow and huge finite values are not differences.

Issue 16 item 4: a relu network that overflows on both sides was called "differ by more than round-off"
(the absolute difference of numbers near 1e300 is huge even when it is round-off), and with two or
more layers the check raised (the engine refuses the infinite inputs the overflowed layer hands up).
"""

import numpy as np
import pytest
from apptest_utils import no_exception, open_app, shown, warnings_shown

from rnnviz import presets, torch_bridge
from rnnviz.query import to_query
from rnnviz.state import validate_state
from rnnviz.torch_bridge import CrossCheck, summary

pytestmark = pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning",
                                        "ignore:invalid value encountered:RuntimeWarning")


def _exploding(n=3, k=0, T=500, signs=False):
    """The 'exploding' preset made 50x stronger and driven by x = 1e5: finite near 1e300, then overflowing."""
    state = presets.make_preset("exploding", n=n, k=k, T=T)
    W_h = np.asarray(state.params.W_h) * 50
    if signs:  # mixed signs: inf - inf = NaN appears too
        W_h = np.where(np.arange(n * n).reshape(n, n) % 3 == 0, -W_h, W_h)
    state, warnings = validate_state(base=state, W_h=W_h, x=np.full((T, state.d), 1e5))
    assert warnings == []
    return state


@pytest.mark.parametrize("n, k, signs", [(3, 0, False), (8, 2, True)])
@pytest.mark.parametrize("layers", [1, 2, 3])
def test_overflow_on_both_sides_agrees(n, k, signs, layers):
    pytest.importorskip("torch")
    state = _exploding(n, k, signs=signs)
    assert torch_bridge.overflows(state, layers)  # no exception, also with layers above the overflow
    check = torch_bridge.cross_check(state, layers)
    assert check.agrees and check.one_sided == 0 and check.overflowed > 0
    assert (check.not_computed > 0) == (layers > 1)
    agrees, verdict, notes = summary(check)
    assert agrees and "round-off" in verdict and "differ" not in verdict
    assert any("overflow to infinity" in note for note in notes)
    assert torch_bridge.compare_with_torch(state, layers) < torch_bridge.ROUND_OFF


def test_the_absolute_difference_was_the_misleading_number():
    """The old measure (largest absolute difference) is huge here, though every difference is round-off."""
    pytest.importorskip("torch")
    import torch

    state = _exploding(3)
    rnn_out = torch_bridge.cross_check(state)
    assert rnn_out.agrees
    stack, h0 = torch_bridge.stacked_network(state, 1)
    hs, _, _ = torch_bridge._our_states(stack, state.x, h0.reshape(1, -1))
    rnn = torch.nn.RNN(state.d, state.n, nonlinearity="relu", batch_first=True, dtype=torch.float64)
    rnn.load_state_dict({k: torch.from_numpy(np.array(v))
                         for k, v in torch_bridge.to_torch_state_dict(stack).items()})
    with torch.no_grad():
        out, _ = rnn(torch.from_numpy(np.array(state.x))[None], torch.from_numpy(h0.reshape(1, 1, -1)))
    assert torch_bridge._gap(out[0].numpy(), hs[0]) > 1e100


def test_summary_words():
    assert summary(CrossCheck(gap=1e-15, overflowed=0, one_sided=0, not_computed=0)) == (
        True, "Equal up to floating-point round-off: the code above is this network.", [])
    agrees, verdict, notes = summary(CrossCheck(gap=1e-3, overflowed=0, one_sided=0, not_computed=0))
    assert not agrees and verdict == "The outputs differ by more than round-off (largest relative difference 1.0e-03)."
    agrees, verdict, notes = summary(CrossCheck(gap=0.0, overflowed=5, one_sided=2, not_computed=7))
    assert not agrees and verdict.startswith("At 2 entries one side overflowed")
    assert len(notes) == 2 and notes[0].startswith("5 entries overflow") and notes[1].startswith("7 entries")


def test_one_sided_overflow_is_a_difference():
    ours = [(np.array([[1.0, np.inf]]), np.array([[True]])), (np.array([[2.0]]), np.array([[True]]))]
    check = torch_bridge._compare([np.array([[1.0, 5.0]]), np.array([[np.nan]])], ours)
    assert check == CrossCheck(gap=0.0, overflowed=0, one_sided=2, not_computed=0)
    assert not check.agrees


def test_pytorch_page_does_not_call_a_shared_overflow_a_difference():
    pytest.importorskip("torch")
    at = open_app("pages/pytorch.py", to_query(_exploding(3, T=400)))
    no_exception(at)
    assert not [w for w in warnings_shown(at) if "differ" in w]
    assert any("round-off" in shown(s.value) for s in at.success)
    assert any("overflow to infinity" in shown(i.value) for i in at.info)
    at.number_input(key="pytorch_layers").set_value(2).run()
    no_exception(at)
    assert not [w for w in warnings_shown(at) if "differ" in w]
    assert any("not compared" in shown(i.value) for i in at.info)
