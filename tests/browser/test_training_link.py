"""A training link opened in a fresh browser context on a fresh server shows the same settings, the same initial
‖∂L/∂h_t‖ and, with an update count, the same loss as the run that made it."""

from __future__ import annotations

import time

import numpy as np
import pytest

from rnnviz.training_query import TrainingSetup, from_training_query, to_training_query

from .harness import (
    OUTPUT_DIR,
    assert_no_exception,
    click_button,
    goto,
    metric_value,
    new_app_page,
    number_input,
    query_params,
    screenshot,
    selectbox_value,
    slider_value,
)

SETUP = TrainingSetup(task="echo", delay=4, hidden=6, seed=5, lr=0.03)
STEPS = 3
WAIT = 300  # seconds: a first page load draws a dozen Plotly charts, slow on a loaded machine


@pytest.fixture(scope="module")
def fresh_server(serve):
    """A second server: the link is opened where the run that made it never existed."""
    with serve(log_path=OUTPUT_DIR / "streamlit-training-link.log") as url:
        yield url


def dh_norms(page) -> np.ndarray:
    """Every ‖∂L/∂h_t‖ line of the page's Plotly charts, as Plotly holds them: the live chart's and the backward
    sweep's (its last animation frame: the whole profile), concatenated (NaN = not drawn)."""
    lines = page.evaluate(
        """() => [...document.querySelectorAll('.js-plotly-plot')].flatMap(g => {
               const full = g._fullData || [];
               const frames = (g._transitionData && g._transitionData._frames) || [];
               const frame = frames.length ? frames[frames.length - 1] : {data: []};
               const last = (frame.data || []).map((d, i) => ({...d,
                   name: (full[frame.traces ? frame.traces[i] : i] || {}).name}));
               return [...full, ...last]
                   .filter(d => d.name === '‖∂L/∂h_t‖' && d.y)
                   .map(d => d.y.bdata  // a frame keeps Plotly's typed-array spec undecoded
                        ? (d.y.dtype === 'f8' ? Array.from(new Float64Array(
                              Uint8Array.from(atob(d.y.bdata), c => c.charCodeAt(0)).buffer)) : [])
                        : Array.from(d.y, v => v === null ? NaN : v));
           })""")
    values = np.concatenate([np.array(line, dtype=float) for line in lines]) if lines else np.array([])
    assert np.isfinite(values).sum() >= 5, f"no ‖∂L/∂h_t‖ values on the page: {lines}"
    return values


def dh_norms_when(page, size: int, timeout_s: float = 30.0) -> np.ndarray:
    """``dh_norms`` once the page shows ``size`` values: the live view and the backward sweep draw on their own
    time after the rerun ends (a chart still being drawn holds none yet)."""
    deadline = time.monotonic() + timeout_s
    values = dh_norms(page)
    while values.size != size and time.monotonic() < deadline:
        page.wait_for_timeout(250)
        values = dh_norms(page)
    return values


def dh_norms_settled(page, timeout_s: float = 30.0) -> np.ndarray:
    """``dh_norms`` once every chart that shows them has drawn: the same count on three reads in a row."""
    deadline = time.monotonic() + timeout_s
    sizes, values = [], dh_norms(page)
    while time.monotonic() < deadline:
        sizes = (sizes + [values.size])[-3:]
        if len(sizes) == 3 and len(set(sizes)) == 1:
            break
        page.wait_for_timeout(300)
        values = dh_norms(page)
    return values


def shown_setup(page) -> tuple:
    return (selectbox_value(page, "Task"), slider_value(page, "Echo delay (steps)"),
            slider_value(page, "Hidden size n"), number_input(page, "Seed").input_value())


def test_a_training_link_reopens_the_same_run_on_a_fresh_server(app_server, fresh_server, browser):
    made = new_app_page(browser)
    try:
        goto(made, app_server, "/training", to_training_query(SETUP), timeout=WAIT)
        assert_no_exception(made)
        settings_made = shown_setup(made)
        assert settings_made == ("Delayed echo", 4.0, 6.0, "5")
        initial = dh_norms_settled(made)
        for _ in range(STEPS):
            click_button(made, "+1", timeout=WAIT)
        loss_made = metric_value(made, "Training loss")
        assert metric_value(made, "Update") == str(STEPS)
        link = query_params(made)
    finally:
        made.context.close()
    setup, warnings = from_training_query(link)
    assert not warnings and setup == TrainingSetup(**{**SETUP.__dict__, "updates": STEPS})

    opened = new_app_page(browser)  # a fresh context on another server
    try:
        goto(opened, fresh_server, "/training", link, timeout=WAIT)
        assert_no_exception(opened)
        assert shown_setup(opened) == settings_made
        assert metric_value(opened, "Update") == str(STEPS)
        assert metric_value(opened, "Training loss") == loss_made
        screenshot(opened, "training-link-opened")
        # the same setup, no update count
        goto(opened, fresh_server, "/training", to_training_query(SETUP), timeout=WAIT)
        assert metric_value(opened, "Update") == "0"
        np.testing.assert_array_equal(dh_norms_when(opened, initial.size), initial)
    finally:
        opened.context.close()
