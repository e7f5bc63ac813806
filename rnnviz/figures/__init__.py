"""Plotly figures (no streamlit): ``style`` (palette, template, number format, ``figure()``) and one module per
subject: ``simulator`` (cell, heatmaps, phase pages), ``chain`` (the unrolled chain, stacked layers),
``training``, ``lab`` and ``sharing`` (import those as ``from rnnviz.figures import training as ft``).

The simulator's builders and the style are re-exported here, so ``from rnnviz import figures; figures.X`` works.
"""

from rnnviz.figures.chain import chain_figure, chain_figures, chain_title, stacked_step_table
from rnnviz.figures.simulator import (
    HEATMAP_KINDS,
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
from rnnviz.figures.style import COLORS, DIVERGING, INK, MONO, MUTED, TEMPLATE, TIME_BLUES, fmt

__all__ = [
    "COLORS", "DIVERGING", "HEATMAP_KINDS", "INK", "MONO", "MUTED", "TEMPLATE", "TIME_BLUES", "chain_figure",
    "chain_figures", "chain_title", "fmt", "heatmap_figure", "heatmap_table", "phase_portrait_figure", "phase_table",
    "ripple_figure", "ripple_table", "sequence_figure", "stacked_step_table", "step_table", "tanh_curve_figure",
]
