"""rnnviz.ui.live_drag: a knob's patches go to the browser once per session, and again when it lost them."""

from __future__ import annotations

import pytest

from rnnviz import figures, live_state
from rnnviz.analysis import ripple
from rnnviz.engine import forward
from rnnviz.presets import make_preset
from rnnviz.ui import live_drag, session

LESSON = make_preset("lesson")


@pytest.fixture
def store(monkeypatch):
    """Session State as a plain dict (no script run needed)."""
    values: dict = {}
    monkeypatch.setattr(session, "get", lambda key, default=None: values.get(key, default))
    monkeypatch.setattr(session, "put", values.__setitem__)
    return values


def frames(frames_id: str, settled: str = "1.50") -> dict:
    return {"target": "lab_rho", "decimals": 2, "patches": {"1.50": [[1, "y", [1.0]]]}, "settled": settled,
            "id": frames_id}


def test_patches_are_sent_once_then_by_id(store):
    first = live_drag._ship_once(frames("a"))
    assert first["patches"] == {"1.50": [[1, "y", [1.0]]]}
    later = live_drag._ship_once(frames("a", settled="1.55"))
    assert "patches" not in later and later["id"] == "a" and later["settled"] == "1.55"
    assert live_drag._ship_once(frames("b"))["patches"]  # new patches (a new network): sent


def test_a_browser_that_lost_them_gets_them_all_again(store):
    live_drag._ship_once(frames("a"))
    live_drag._ship_once(frames("b"))
    live_drag._resend_frames()  # one view said its patches are missing
    assert "patches" in live_drag._ship_once(frames("a"))
    assert "patches" in live_drag._ship_once(frames("b"))  # the other view's too, in the same run
    assert "patches" not in live_drag._ship_once(frames("a"))


def test_only_the_newest_ids_are_remembered(store):
    for k in range(live_drag.FRAMES_KEEP + 1):
        live_drag._ship_once(frames(str(k)))
    assert "patches" in live_drag._ship_once(frames("0"))  # forgotten (the browser keeps as many): sent again
    assert "patches" not in live_drag._ship_once(frames(str(live_drag.FRAMES_KEEP)))


def test_the_chains_moving_traces_are_its_squares_and_their_outline():
    """view.js redraws CHAIN_MOVING alone during a preview: every bound trace, and the outline drawn over them."""
    fig = figures.chain_figure(LESSON.params, forward(LESSON.params, LESSON.x, LESSON.h0), 2)
    assert [(fig.data[i].type, fig.data[i].name) for i in live_state.CHAIN_MOVING] == [
        ("heatmap", "h_t"), ("scatter", "h boxes")]
    assert {b["trace"] for b in live_state.chain_bindings(2, 1, 2, 4)} <= set(live_state.CHAIN_MOVING)
    assert fig.layout.xaxis.range is not None and fig.layout.yaxis.range is not None  # the overlay copies them


def test_the_ripples_moving_traces_are_its_rerun_line_and_the_linearised_one_over_it():
    result = ripple(LESSON.params, LESSON.x, LESSON.h0, 1, eps=1e-3)
    fig = figures.ripple_figure(result.delta, 1, 1e-3, linearised=result.linearised)
    assert [fig.data[i].name for i in live_state.RIPPLE_MOVING] == ["|Δh_s| (rerun)", "linearised (Jacobians)"]
    assert {b["trace"] for b in live_state.ripple_bindings(1, 2, 1e-3, 1)} <= set(live_state.RIPPLE_MOVING)


def test_moving_traces_must_hold_every_bound_trace():
    bindings = [{"trace": 1, "attr": "z"}, {"trace": 3, "attr": "x"}]
    with pytest.raises(ValueError, match=r"leave out bound traces \[3\]"):
        live_drag.live_figure(None, {}, bindings, key="k", moving=[1, 2])
