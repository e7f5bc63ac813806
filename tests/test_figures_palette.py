"""Every figure builder colours its quantities from the one palette in rnnviz.figures.style.

Each builder is run on a small state; every colour a trace, shape or annotation sets (line, marker, marker
outline, fill, text) must be a palette colour (``COLORS``) or one of the named neutrals (``NEUTRALS``), every
colour scale one of ``COLORSCALES``; and whatever draws h as a line or a marker draws it in ``COLORS["h"]``.
"""

import numpy as np
import pytest

from rnnviz import analysis, sharing
from rnnviz.engine import RNNParams, forward
from rnnviz.figures import chain, lab, simulator, style
from rnnviz.figures import sharing as fsharing
from rnnviz.figures import training as ft
from rnnviz.training import Trainer, backward_sweep

ALLOWED = set(style.COLORS.values()) | set(style.NEUTRALS)


def small_network(k=1, activation="tanh"):
    rng = np.random.default_rng(0)
    p = RNNParams(W_x=rng.normal(size=(3, 2)), W_h=rng.normal(size=(3, 3)) / 2, b=rng.normal(size=3) * 0.1,
                  W_y=rng.normal(size=(k, 3)) if k else None, activation=activation)
    return p, forward(p, rng.normal(size=(6, 2)))


def colours_in(obj, path=""):
    """(path, colour) for every colour-like property set in a plotly object (its JSON), colorscales apart."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            here = f"{path}.{key}"
            if key == "colorscale":
                yield here, value
            elif key in ("color", "fillcolor", "bgcolor") and isinstance(value, str):
                yield here, value
            elif key in ("template", "frames", "colorbar", "hoverlabel"):
                continue  # the template and colour bars are style's own; frames repeat the traces
            else:
                yield from colours_in(value, here)
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            yield from colours_in(item, f"{path}[{i}]")


@pytest.fixture(scope="module")
def trained():
    tr = Trainer("sine", hidden=4, seed=0, task_options={"T": 12})
    snaps = tr.step(3)
    return tr, snaps


@pytest.fixture(scope="module")
def built(trained):
    return list(builders(trained))


def builders(trained):
    p, tr = small_network()
    relu_p, relu_tr = small_network(k=0, activation="relu")
    proj = analysis.pca_projection(tr.h)
    ripple = analysis.ripple(p, tr.x, None, 2)
    trainer, snaps = trained
    task = trainer.task
    frames = backward_sweep(trainer.params, task.x_test, task.y_test, task.loss, task.mask_test)
    lam = analysis.eigenvalues(p.W_h)
    norms = analysis.jacobian_norms(p, tr)
    demo = sharing.evaluate_lengths(RNNParams(W_x=[[0.5]], W_h=[[0.3]], b=[0.0], W_y=[[1.0]]), T=5, factor=2)
    yield "tanh_curve", simulator.tanh_curve_figure(tr, 2)
    yield "tanh_curve relu", simulator.tanh_curve_figure(relu_tr, 2)
    for kind in simulator.HEATMAP_KINDS:
        yield f"heatmap {kind}", simulator.heatmap_figure(tr.h[1:], "h", kind, t=2)
    yield "sequence", simulator.sequence_figure(tr, t=2)
    yield "sequence no y", simulator.sequence_figure(relu_tr, t=2)
    yield "phase_portrait", simulator.phase_portrait_figure(proj.coords, proj.labels, 2)
    yield "ripple", simulator.ripple_figure(ripple.delta, 2, 1e-3, linearised=ripple.linearised)
    yield "chain", chain.chain_figure(p, tr, 2, max_cells=4)
    yield "chain no y", chain.chain_figure(relu_p, relu_tr, 2)
    yield "loss", ft.loss_figure(trainer.history, "mse")
    yield "loss xent", ft.loss_figure({"loss": [1.0, 0.5], "accuracy": [0.5, 0.7]}, "xent")
    yield "radius", ft.radius_figure(trainer.history)
    yield "radius layers", ft.radius_figure(trainer.history, np.ones((3, 2)))
    yield "dh_norms", ft.dh_norms_figure(snaps[-1].dh_norms, snaps[-1].step, window=4)
    yield "matrix grad", ft.matrix_figure(snaps[-1].grads["W_h"], ft.GRAD_LABELS["W_h"], "grad")
    yield "matrix weight", ft.matrix_figure(trainer.params.b, "b", "weight", layer=1)
    yield "predictions", ft.predictions_figure(trainer.eval_test(), "mse")
    two = {"y_pred": np.array([[0.3, 0.7], [0.6, 0.4]]), "y_true": np.array([[0.0, 1.0], [1.0, 0.0]])}
    yield "predictions 2 classes", ft.predictions_figure(two, "xent")
    yield "predictions chars", ft.predictions_figure(two, "xent", vocab="ab")
    yield "sweep", ft.sweep_figure(frames)
    yield "replay", ft.replay_figure(snaps, trainer.history)
    yield "jacobian", lab.jacobian_figure([(f"curve {i}", norms) for i in range(5)])
    yield "eigenvalue", lab.eigenvalue_figure([(f"set {i}", lam) for i in range(5)])
    yield "clipping", lab.clipping_figure([("off", trainer.history), ("on", trainer.history)], 1.0)
    yield "param_count", fsharing.param_count_figure(sharing.param_counts(3, 2, 1, 20), 3, 2, 1)
    yield "length_prediction", fsharing.length_prediction_figure(demo)
    yield "length_error", fsharing.length_error_figure(demo)


def test_every_builder_is_covered(built):
    """A new builder in rnnviz.figures must be added to builders() above."""
    names = {name.split()[0] for name, _ in built}
    public = {name.removesuffix("_figure") for module in (simulator, chain, ft, lab, fsharing)
              for name in dir(module) if name.endswith("_figure") and not name.startswith("_")
              and getattr(module, name).__module__ == module.__name__}
    assert public == names


def test_every_colour_is_from_the_palette(built):
    for name, fig in built:
        for path, colour in colours_in(fig.to_plotly_json()):
            if path.endswith("colorscale"):
                assert [list(stop) for stop in colour] in [[list(s) for s in c] for c in style.COLORSCALES], \
                    f"{name}: {path} is not a palette colour scale"
            else:
                assert colour in ALLOWED, f"{name}: {path} = {colour!r} is not in rnnviz.figures.style"


def test_h_is_drawn_in_the_hidden_colour_wherever_it_is_a_line_or_marker(built):
    found = 0
    for name, fig in built:
        for trace in fig.data:
            label = trace.name or ""
            if trace.type != "scatter" or not (label.startswith("h_") or label in ("h boxes", "path")):
                continue
            if trace.marker.symbol == "circle-open":  # the selected step's ring: ink, as every selection
                assert trace.marker.line.color == style.INK
                continue
            found += 1
            colours = {getattr(trace.line, "color", None), trace.marker.color if isinstance(trace.marker.color, str)
                       else None} - {None}
            scale = trace.marker.colorscale
            assert colours <= {style.COLORS["h"]} and (colours or scale is not None), f"{name}: {trace.name}"
            if scale is not None:
                assert [list(s) for s in scale] == [list(s) for s in style.TIME_BLUES], f"{name}: {trace.name}"
    assert found >= 4  # tanh curve (h_t, earlier steps), phase portrait (path, h_t), chain (h boxes)


def test_palette_test_can_fail():
    """The colour collector sees a stray colour."""
    import plotly.graph_objects as go

    stray = go.Figure([go.Scatter(x=[1], y=[1], line=dict(color="#ff0000"))])
    assert ("#ff0000" in {c for _, c in colours_in(stray.to_plotly_json())})
    assert "#ff0000" not in ALLOWED


@pytest.mark.parametrize("values, m", [
    ([0.0, 0.0], 1.0), ([], 1.0), ([-2.0, 1.0], 2.0), ([np.inf, -3.0], 3.0), ([np.nan, 0.5], 0.5),
    ([np.inf, -np.inf, np.nan], 1.0), ([[1e-3, -4e-3]], 4e-3),
])
def test_symmetric_max_ignores_non_finite_values(values, m):
    assert style.symmetric_max(values) == m


# --- readable from the back of a room (issue 13) ---

def font_sizes(obj, path=""):
    """(path, size) of every font size a plotly object sets (its JSON), the template apart."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            here = f"{path}.{key}"
            if key == "template":
                continue
            if key == "size" and "font" in path.rsplit(".", 1)[-1] and isinstance(value, (int, float)):
                yield here, value
            elif key == "size" and "font" in path.rsplit(".", 1)[-1] and isinstance(value, list):
                yield from ((here, v) for v in value)
            else:
                yield from font_sizes(value, here)
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            yield from font_sizes(item, f"{path}[{i}]")


def test_every_font_is_at_least_12_px(built):
    template = style.TEMPLATE.layout
    assert min(template.font.size, template.title.font.size, template.hoverlabel.font.size,
               template.legend.font.size) >= style.MIN_FONT
    for name, fig in built:
        for path, size in font_sizes(fig.to_plotly_json()):
            assert size >= style.MIN_FONT, f"{name}: {path} = {size} px"
        # <sup> draws a line at 70 % (10 px on a 15 px title): subtitles use style.subtitle instead
        texts = [fig.layout.title.text or ""] + [a.text or "" for a in fig.layout.annotations]
        assert not any("<sup>" in text for text in texts), name


def test_font_check_can_fail():
    import plotly.graph_objects as go

    small = go.Figure([go.Scatter(x=[1], y=[1], mode="text", text=["a"], textfont=dict(size=9))])
    assert min(size for _, size in font_sizes(small.to_plotly_json())) == 9


def log_axes(fig):
    layout = fig.to_plotly_json()["layout"]
    return [(key, axis) for key, axis in layout.items() if key.startswith(("xaxis", "yaxis"))
            and isinstance(axis, dict) and axis.get("type") == "log"]


def test_log_axes_label_whole_decades_or_a_few_chosen_ticks(built):
    """No crowded 2 / 5 labels between decades: one tick per decade (or per few), or explicit 1-2-3-5-7 ticks."""
    seen = 0
    for name, fig in built:
        for key, axis in log_axes(fig):
            seen += 1
            assert axis.get("exponentformat") == "power", f"{name}.{key}"
            if "tickvals" in axis:
                assert 2 <= len(axis["tickvals"]) <= 8, f"{name}.{key}: {axis['tickvals']}"
            else:
                assert isinstance(axis.get("dtick"), int) and axis["dtick"] >= 1, f"{name}.{key}"
    assert seen >= 8  # ripple, loss, dh norms, sweep, replay (2), jacobian, clipping, length error


@pytest.mark.parametrize("values, dtick", [([1e-8, 1e2], 2), ([1e-3, 1.0], 1), ([1e-30, 1e30], 8)])
def test_log_axis_spaces_decade_ticks_to_at_most_about_eight(values, dtick):
    assert style.log_axis(values)["dtick"] == dtick


def test_log_axis_under_a_decade_gets_ticks_inside_a_range_that_holds_them():
    axis = style.log_axis([0.013, 0.031])
    assert axis["tickvals"] == pytest.approx([0.01, 0.02, 0.03, 0.05])
    assert axis["ticktext"] == ["10<sup>−2</sup>", "2×10<sup>−2</sup>", "3×10<sup>−2</sup>", "5×10<sup>−2</sup>"]
    assert 10 ** axis["range"][0] < 0.01 and 10 ** axis["range"][1] > 0.05


def test_index_axes_have_whole_number_ticks():
    column = ft.matrix_figure(np.arange(16.0).reshape(16, 1), "∂L/∂W_x", "grad")  # 16×1: one column
    assert column.layout.xaxis.dtick == 1 and column.layout.xaxis.tickformat == "d"
    assert column.layout.yaxis.tickformat == "d"  # 16 rows: Plotly's whole-number steps


def test_series_that_are_not_quantities_use_series_colours(built):
    """The lab's matrices and the sharing page's counts and error means are not h, a or y: no quantity colour."""
    quantity = {style.COLORS[q] for q in ("x", "pre", "h", "y")}
    for name, fig in built:
        if name.split()[0] not in ("jacobian", "eigenvalue", "param_count", "length_error"):
            continue
        for trace in fig.data:
            used = {trace.line.color, trace.marker.color if isinstance(trace.marker.color, str) else None}
            assert not used & quantity, f"{name}: {trace.name} uses {used & quantity}"
        for annotation in fig.layout.annotations:
            assert annotation.font.color not in quantity, f"{name}: {annotation.text}"


def test_the_same_series_keeps_its_colour_across_the_lab_charts(built):
    charts = dict(built)
    curves = [trace.line.color for trace in charts["jacobian"].data]
    sets = [trace.marker.color for trace in charts["eigenvalue"].data[1:]]  # [0] is the unit circle
    assert curves == sets and len(set(curves[:4])) == 4


def test_a_vector_colour_bar_has_short_labels_and_m_in_the_title():
    """∂L/∂b and b sit in a narrow column: "-0.0919" ran off its edge, leaving a colour bar without labels."""
    fig = ft.matrix_figure(np.array([0.05, -0.0919, 0.01]), "∂L/∂b", "grad")
    bar = fig.data[0].colorbar
    assert list(bar.ticktext) == ["−m", "0", "+m"] and list(bar.tickvals) == [-0.0919, 0, 0.0919]
    assert "m = 0.0919" in fig.layout.title.text
    matrix = ft.matrix_figure(np.array([[0.05, -0.0919]]), "W_h", "weight")  # wide maps keep the numbers
    assert list(matrix.data[0].colorbar.ticktext) == ["-0.0919", "0", "0.0919"]
