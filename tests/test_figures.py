"""rnnviz.figures: the charts carry the engine's numbers, the shared colors and the selected-step marks."""

import numpy as np
import plotly.graph_objects as go
import pytest

from rnnviz import analysis
from rnnviz.engine import RNNParams, forward
from rnnviz.figures import (
    COLORS,
    DIVERGING,
    chain_figure,
    fmt,
    heatmap_figure,
    heatmap_table,
    phase_portrait_figure,
    phase_table,
    ripple_figure,
    ripple_table,
    sequence_figure,
    step_table,
    tanh_curve_figure,
)
from rnnviz.figures.chain import MAX_CELLS

LESSON = RNNParams(W_x=[[0.8], [0.4]], W_h=[[0.5, 0.2], [0.3, 0.6]], b=[0.1, 0.1])
LESSON_TRACE = forward(LESSON, [[2.0], [-1.0]])


def random_network(n=4, d=2, k=1, T=30, seed=0, activation="tanh"):
    rng = np.random.default_rng(seed)
    p = RNNParams(W_x=rng.normal(size=(n, d)), W_h=rng.normal(size=(n, n)) / np.sqrt(n), b=rng.normal(size=n) * 0.1,
                  W_y=rng.normal(size=(k, n)) if k else None, activation=activation)
    return p, forward(p, rng.normal(size=(T, d)))


def by_name(fig, name):
    matches = [tr for tr in fig.data if tr.name == name]
    assert len(matches) == 1, f"expected one trace named {name!r}, found {[tr.name for tr in fig.data]}"
    return matches[0]


def shapes_named(fig, name):
    return [s for s in fig.layout.shapes if s.name == name]


def arrow_count(trace):
    return sum(v is None for v in trace.x)


def test_palette_is_the_visual_language():
    assert COLORS == {"x": "#64748b", "pre": "#d97706", "h": "#2563eb", "y": "#059669", "target": "#9ca3af",
                      "grad": "#c026d3"}
    # RdBu reversed: negative blue, positive red
    assert DIVERGING[0] == [0.0, "rgb(5,48,97)"] and DIVERGING[-1] == [1.0, "rgb(103,0,31)"]


def test_fmt_prints_fixed_decimals_without_negative_zero():
    assert fmt(-0.08880136) == "-0.0888"
    assert fmt(-0.08880136, 3) == "-0.089"
    assert fmt(-0.00001) == "0.0000"


# --- heatmaps ---

def test_h_heatmap_carries_engine_values_on_fixed_range():
    _, tr = random_network(T=12)
    fig = heatmap_figure(tr.h[1:], "h", "h", t=5)
    (hm,) = fig.data
    assert isinstance(hm, go.Heatmap)
    assert np.array_equal(np.asarray(hm.z), tr.h[1:].T)  # rows = units, columns = time
    assert list(hm.x) == list(range(1, 13)) and list(hm.y) == [1, 2, 3, 4]
    assert (hm.zmin, hm.zmax, hm.zmid) == (-1, 1, 0)
    assert hm.hovertemplate == "h_%{x}[%{y}] = %{z:.4f}<extra></extra>"
    assert fig.layout.yaxis.autorange == "reversed"
    (band,) = shapes_named(fig, "selected-step")
    assert (band.x0, band.x1) == (4.5, 5.5)


def test_pre_heatmap_is_symmetric_with_m_on_the_color_bar():
    _, tr = random_network(T=9)
    fig = heatmap_figure(tr.pre, "a", "pre", decimals=3)
    (hm,) = fig.data
    m = np.abs(tr.pre).max()
    assert hm.zmin == -m and hm.zmax == m and hm.zmid == 0
    assert f"{m:.3g}" in hm.colorbar.ticktext
    assert ":.3f" in hm.hovertemplate
    assert not shapes_named(fig, "selected-step")
    with pytest.raises(ValueError, match="kind"):
        heatmap_figure(tr.pre, "a", "activation")


def test_gradient_heatmap_from_h0_starts_at_t0():
    _, tr = random_network(T=6)
    fig = heatmap_figure(np.zeros((7, 4)), "∂L/∂h", "grad", t_start=0)
    assert list(fig.data[0].x) == list(range(7))
    assert fig.data[0].zmax == 1.0  # all-zero gradients still get a valid range


def test_big_heatmap_json_stays_small():
    rng = np.random.default_rng(1)
    values = np.tanh(rng.normal(size=(500, 64)))
    fig = heatmap_figure(values, "h", "h", t=250)
    assert len(fig.to_json()) < 1_500_000


def test_heatmap_table_matches_values():
    values = np.arange(6.0).reshape(3, 2)
    table = heatmap_table(values, "h")
    assert list(table.index) == [1, 2, 3] and list(table.columns) == ["h[1]", "h[2]"]
    assert np.array_equal(table.to_numpy(), values)


# --- activation curve ---

def test_tanh_curve_shows_step_points_from_the_engine():
    fig = tanh_curve_figure(LESSON_TRACE, 2)
    a_pts, h_pts = by_name(fig, "a_2"), by_name(fig, "h_2")
    assert np.array_equal(a_pts.x, LESSON_TRACE.pre[1]) and np.array_equal(a_pts.y, [0, 0])
    assert np.array_equal(h_pts.x, LESSON_TRACE.pre[1]) and np.array_equal(h_pts.y, LESSON_TRACE.h[2])
    assert a_pts.marker.color == COLORS["pre"] and h_pts.marker.color == COLORS["h"]
    assert h_pts.text[0] == "h_2[1] = tanh(a_2[1]) = -0.0888"
    assert a_pts.text[0] == "a_2[1] = -0.0890"
    assert np.array_equal(by_name(fig, "earlier steps").x, LESSON_TRACE.pre[0])
    curve = by_name(fig, "h = tanh(a)")
    assert curve.x[0] <= -3 and curve.x[-1] >= 3
    assert np.allclose(curve.y, np.tanh(curve.x))
    edges = sorted(round(v, 6) for s in shapes_named(fig, "saturation") for v in (s.x0, s.x1))
    edge = round(float(np.arctanh(0.95)), 6)
    assert edge in edges and -edge in edges


def test_tanh_curve_range_covers_large_pre_activations_and_relu_zone():
    p = RNNParams(W_x=[[5.0]], W_h=[[0.0]], b=[0.0], activation="relu")
    tr = forward(p, [[1.0], [-1.0]])
    fig = tanh_curve_figure(tr, 1)
    assert fig.layout.xaxis.range[1] >= 5.0
    (zone,) = shapes_named(fig, "saturation")
    assert zone.x1 == 0.0
    assert np.allclose(by_name(fig, "h = relu(a)").y, np.maximum(by_name(fig, "h = relu(a)").x, 0))


# --- sequence ---

def test_sequence_has_one_line_per_dim_in_the_right_colors():
    p, tr = random_network(d=3, k=2, T=20)
    fig = sequence_figure(tr, t=7)
    xs = [d for d in fig.data if d.name.startswith("x")]
    ys = [d for d in fig.data if d.name.startswith("y")]
    assert len(xs) == 3 and len(ys) == 2
    assert all(d.line.color == COLORS["x"] and d.yaxis == "y" for d in xs)
    assert all(d.line.color == COLORS["y"] and d.yaxis == "y2" for d in ys)
    assert np.array_equal(xs[1].y, tr.x[:, 1]) and np.array_equal(ys[0].y, tr.y[:, 0])
    assert list(xs[0].x) == list(range(1, 21))
    bands = shapes_named(fig, "selected-step")
    assert len(bands) == 2 and all((b.x0, b.x1) == (6.5, 7.5) for b in bands)
    assert {b.xref for b in bands} == {"x", "x2"}


def test_sequence_without_outputs_is_one_panel_and_scalar_names():
    fig = sequence_figure(LESSON_TRACE, t=2)
    assert [d.name for d in fig.data] == ["x"]
    assert fig.data[0].hovertemplate.startswith("x_%{x} = %{y:.4f}")
    assert len(shapes_named(fig, "selected-step")) == 1


# --- chain ---

def test_lesson_chain_hover_has_the_engine_numbers():
    fig = chain_figure(LESSON, LESSON_TRACE, 2)
    boxes = by_name(fig, "h_t")
    assert isinstance(boxes, go.Heatmap)
    texts = [s for row in boxes.text for s in row if s]
    assert "h_2[1] = -0.0888" in texts and "h_1[2] = 0.7163" in texts and "h_0[1] = 0.0000" in texts
    assert "-0.0888" in fig.to_json()
    z = np.asarray(boxes.z, dtype=float)[::-1]  # rows flipped back: unit 1 on top
    assert np.array_equal(z[:, ::2], LESSON_TRACE.h.T)
    assert np.all(np.isnan(z[:, 1::2]))
    assert (boxes.zmin, boxes.zmax, boxes.zmid) == (-1, 1, 0)
    rounded = chain_figure(LESSON, LESSON_TRACE, 2, decimals=3)
    assert "h_2[1] = -0.089" in [s for row in by_name(rounded, "h_t").text for s in row]


def test_lesson_chain_has_one_tag_per_shared_weight_use():
    fig = chain_figure(LESSON, LESSON_TRACE, 2)
    assert arrow_count(by_name(fig, "recurrent arrows")) == 2
    assert arrow_count(by_name(fig, "input arrows")) == 2
    for tags, label, color in (("W_h tags", "W<sub>h</sub>", COLORS["h"]), ("W_x tags", "W<sub>x</sub>", COLORS["x"]),
                               ("b tags", "+b", COLORS["pre"])):
        trace = by_name(fig, tags)
        assert list(trace.text) == [label, label] and trace.textfont.color == color
    assert sum(v is None for v in by_name(fig, "cells").x) == 2
    x_nodes = by_name(fig, "x_t")
    assert x_nodes.marker.color == COLORS["x"] and x_nodes.customdata[1] == "x_2 = -1.0000"
    assert not [d for d in fig.data if d.name in ("y_t", "W_y tags", "ellipsis")]


def test_chain_rings_the_selected_cell():
    fig = chain_figure(LESSON, LESSON_TRACE, 1)
    (ring,) = shapes_named(fig, "selected-cell")
    assert ring.x0 < 0.5 < 1 < ring.x1 < 1.5  # cell 1 at x = 0.5 and h_1 at x = 1, not h_0 or cell 2
    assert ring.x0 > 0


def test_chain_of_30_steps_with_outputs():
    p, tr = random_network(T=30, k=2)
    fig = chain_figure(p, tr, 12, max_cells=30)
    assert arrow_count(by_name(fig, "recurrent arrows")) == 30
    assert len(by_name(fig, "W_h tags").text) == 30
    assert len(by_name(fig, "W_y tags").text) == 30
    y_nodes = by_name(fig, "y_t")
    assert y_nodes.marker.color == COLORS["y"]
    assert y_nodes.customdata[11].startswith(f"y_12[1] = {fmt(tr.y[11, 0])}")
    assert "of 30" not in fig.layout.title.text


def test_long_chain_shows_a_window_around_t():
    p, tr = random_network(n=64, d=16, k=16, T=500)
    fig = chain_figure(p, tr, 250, max_cells=30)
    tags = by_name(fig, "W_h tags")
    assert len(tags.text) == arrow_count(by_name(fig, "recurrent arrows")) == 30
    assert "steps 235–264 of 500" in fig.layout.title.text and "window of 30" in fig.layout.title.text
    assert len(by_name(fig, "ellipsis").x) == 2
    texts = {s for row in by_name(fig, "h_t").text for s in row}
    assert f"h_250[64] = {fmt(tr.h[250, 63])}" in texts and not any(s.startswith("h_300[") for s in texts)
    (ring,) = shapes_named(fig, "selected-cell")
    assert ring.x0 < 249.5 < 250 < ring.x1
    end = chain_figure(p, tr, 500, max_cells=30)
    assert "steps 471–500 of 500" in end.layout.title.text and len(by_name(end, "ellipsis").x) == 1


# --- phase portrait ---

def test_phase_portrait_identity_for_the_lesson():
    proj = analysis.pca_projection(LESSON_TRACE.h)
    fig = phase_portrait_figure(proj.coords, proj.labels, 2)
    pts = by_name(fig, "h_t")
    assert np.array_equal(pts.x, LESSON_TRACE.h[:, 0]) and np.array_equal(pts.y, LESSON_TRACE.h[:, 1])
    assert pts.text[2] == "h_2 → (-0.0888, 0.3888)"
    ring = by_name(fig, "h_2")
    assert (ring.x[0], ring.y[0]) == tuple(LESSON_TRACE.h[2])
    assert len(shapes_named(fig, "unit-box")) == 1
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.yaxis.scaleratio == 1
    assert fig.layout.xaxis.title.text == "h[1]"


def test_phase_portrait_names_the_pca_axes():
    p, tr = random_network(n=6, T=40)
    proj = analysis.pca_projection(tr.h)
    fig = phase_portrait_figure(proj.coords, proj.labels, 10, "PCA of 6 units")
    assert fig.layout.xaxis.title.text.startswith("PC1 (") and fig.layout.yaxis.title.text.startswith("PC2 (")
    assert "PCA of 6 units" in fig.layout.title.text
    assert not shapes_named(fig, "unit-box")
    table = phase_table(proj.coords, proj.labels)
    assert list(table.columns) == list(proj.labels) and list(table.index) == list(range(41))
    assert np.array_equal(table.to_numpy(), proj.coords)


# --- ripple ---

def test_ripple_figure_log_axis_and_zeros():
    p, tr = random_network(T=12)
    r = analysis.ripple(p, tr.x, None, 4)
    fig = ripple_figure(r.delta, 4, r.eps, r.linearised)
    line = by_name(fig, "|Δh_s| (rerun)")
    assert fig.layout.yaxis.type == "log"
    y = np.asarray(line.y, dtype=float)
    assert np.all(np.isnan(y[:4])) and np.array_equal(y[4:], r.delta[4:])
    assert line.text[5] == f"|Δh_5| = {r.delta[5]:.4e}"
    (band,) = shapes_named(fig, "selected-step")
    assert (band.x0, band.x1) == (3.5, 4.5)
    assert "4 states at 0 (off the log axis)" in fig.layout.title.text
    table = ripple_table(r)
    assert np.array_equal(table["|Δh|"].to_numpy(), r.delta) and list(table.index) == list(range(13))
    assert line.mode == "lines+markers"


def test_a_long_ripple_is_a_plain_line():
    """Past 60 steps the markers would touch (and a live drag redraws each every frame): the line alone."""
    for T, mode in [(60, "lines+markers"), (61, "lines")]:
        p, tr = random_network(T=T)
        r = analysis.ripple(p, tr.x, None, 4)
        assert by_name(ripple_figure(r.delta, 4, r.eps), "|Δh_s| (rerun)").mode == mode


# --- step table ---

def test_step_table_has_the_engine_values():
    table = step_table(LESSON, LESSON_TRACE)
    assert list(table.index) == [0, 1, 2]
    assert list(table.columns) == ["x[1]", "a[1]", "a[2]", "h[1]", "h[2]"]
    assert table.loc[2, "h[1]"] == LESSON_TRACE.h[2, 0]
    assert fmt(table.loc[2, "h[1]"]) == "-0.0888"
    assert np.isnan(table.loc[0, "x[1]"]) and table.loc[0, "h[1]"] == 0.0
    assert step_table(LESSON, LESSON_TRACE, decimals=3).loc[2, "h[1]"] == -0.089


def test_step_table_with_outputs_and_shape_check():
    p, tr = random_network(k=2, T=5)
    table = step_table(p, tr)
    assert np.array_equal(table[["y[1]", "y[2]"]].to_numpy()[1:], tr.y)
    with pytest.raises(ValueError, match="hidden units"):
        step_table(LESSON, tr)


def test_simulator_figures_build_at_the_size_limits():
    """Build times are measured in benchmarks/bench_pages.py; here: they build, and the chain stays windowed."""
    p, tr = random_network(n=64, d=16, k=16, T=500)
    assert np.asarray(heatmap_figure(tr.h[1:], "h", "h", t=250).data[0].z).shape == (64, 500)
    assert len(sequence_figure(tr, t=250).data) == 16 + 16
    chain = chain_figure(p, tr, 250)
    assert len(by_name(chain, "x_t").x) == MAX_CELLS  # max_cells, not T


def _page_figures():
    """One of each simulator and lab figure, from a network with outputs."""
    from rnnviz.figures import lab

    p, tr = random_network(n=3, d=2, k=2, T=12, seed=3)
    coords = tr.h[:, :2]
    return [
        tanh_curve_figure(tr, 4), heatmap_figure(tr.pre, "a", "pre", t=4), heatmap_figure(tr.h[1:], "h", "h", t=4),
        sequence_figure(tr, t=4), chain_figure(p, tr, 4), phase_portrait_figure(coords, ["h[1]", "h[2]"], 4),
        ripple_figure(np.linspace(0.1, 1.0, 13), 4, 1e-3),
        lab.jacobian_figure([("current", np.linspace(1.0, 0.1, 12))]),
        lab.eigenvalue_figure([("current", np.linalg.eigvals(p.W_h))]),
    ]


def test_figures_built_unchecked_are_the_checked_figures(monkeypatch):
    """The app builds figures without Plotly's property checks (style.VALIDATE, for speed): same JSON."""
    import json

    from rnnviz.figures import style

    monkeypatch.setattr(style, "VALIDATE", True)
    checked = [json.loads(fig.to_json()) for fig in _page_figures()]
    monkeypatch.setattr(style, "VALIDATE", False)
    unchecked = [json.loads(fig.to_json()) for fig in _page_figures()]
    assert len(checked) == 9
    for a, b in zip(checked, unchecked, strict=True):
        assert a == b


def test_the_tests_build_checked_figures():
    from rnnviz.figures import style

    assert style.VALIDATE
    with pytest.raises(ValueError):
        style.figure([], "t", no_such_property=1)


def test_tanh_curve_draws_at_most_200_earlier_points():
    """The faint earlier points: 100 steps for n <= 2, fewer as n grows (a live drag redraws each, every frame)."""
    rng = np.random.default_rng(3)
    for n, want_steps in [(1, 100), (2, 100), (4, 50), (16, 12)]:
        p = RNNParams(W_x=rng.normal(size=(n, 1)), W_h=0.3 * rng.normal(size=(n, n)), b=np.zeros(n))
        tr = forward(p, rng.normal(size=(150, 1)))
        earlier = by_name(tanh_curve_figure(tr, 150), "earlier steps")
        assert len(earlier.x) == want_steps * n <= 200
        np.testing.assert_array_equal(earlier.x, tr.pre[149 - want_steps:149].ravel())  # the last ones before t
