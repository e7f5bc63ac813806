"""Issue 13's wording and table items: what a page prints reads right (plurals, t = 1, empty cells, one format)."""

import numpy as np
import pandas as pd
from apptest_utils import RELU_K2_QUERY, open_app

from rnnviz import analysis
from rnnviz.engine import RNNParams, forward
from rnnviz.figures import simulator
from rnnviz.figures.style import table_view
from rnnviz.state import default_state


def lesson():
    s = default_state()
    return s.params, forward(s.params, s.x, s.h0)


def test_ripple_says_1_state_not_1_states():
    p, tr = lesson()
    r = analysis.ripple(p, tr.x, None, 2)  # nudge x_2: h_0 and h_1 come before it
    zeros = int(np.sum(r.delta == 0))
    title = simulator.ripple_figure(r.delta, 2, r.eps, r.linearised).layout.title.text
    assert f"{zeros} states at 0" in title if zeros > 1 else "1 state at 0" in title
    one = simulator.ripple_figure(np.array([0.0, 1e-3, 2e-3]), 1, 1e-3).layout.title.text
    assert "1 state at 0" in one and "1 states" not in one


def test_step_table_view_leaves_t0_empty_and_prints_one_format_per_column():
    p, tr = lesson()
    view = table_view(simulator.step_table(p, tr).round(3), 3)
    shown = view.to_string().splitlines()
    assert "None" not in view.to_string() and "nan" not in view.to_string()
    assert shown[2].split() == ["0", "0.000", "0.000"]  # t = 0: only h_0, x and a are empty cells
    assert shown[3].split() == ["1", "2.000", "1.700", "0.900", "0.935", "0.716"]  # 2.000, not 2.0 next to 0.935


def test_table_view_writes_a_column_of_tiny_values_in_scientific_notation():
    table = pd.DataFrame({"|Δh|": [0.0, 7.1e-4, 1.2e-5], "ratio": [0.5, 0.4321, np.nan], "step": [1, 2, 3]})
    text = table_view(table).to_string()
    assert "7.100e-04" in text and "1.200e-05" in text  # not 0.0007 and 0.0000
    assert "0.5000" in text and "0.4321" in text and "nan" not in text
    assert table_view(table).data is table  # the numbers themselves stay exact


def test_chain_caption_at_t_1_does_not_say_x_1_to_x_1():
    at = open_app("pages/chain.py", {**RELU_K2_QUERY, "t": "1"})
    captions = " ".join(c.value for c in at.caption)
    assert "x_1 … x_1" not in captions and "h_1 is the first state to carry an input: x_1." in captions
    at = open_app("pages/chain.py", RELU_K2_QUERY)  # t = 3
    assert "h_3 still carries x_1 … x_3." in " ".join(c.value for c in at.caption)
    # the CSV uploader names its real limit (the drop zone's own note can only say whole megabytes)
    (uploader,) = [u for u in at.sidebar.get("file_uploader") if u.proto.id.endswith("rnnviz_upload")]
    assert "at most 200 kB" in uploader.proto.label


def test_uniform_network_ripple_needs_no_states_plural():
    p = RNNParams(W_x=[[1.0]], W_h=[[0.5]], b=[0.0])
    tr = forward(p, np.ones((3, 1)))
    r = analysis.ripple(p, tr.x, None, 1)
    assert "states at 0" not in simulator.ripple_figure(r.delta, 1, r.eps).layout.title.text
