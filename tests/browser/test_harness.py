"""Self-test of the browser helpers against a tiny fixture app (widget_app.py).

Guards the Streamlit-1.67 DOM assumptions (slider = react-aria range input, number input,
selectbox, button, metric) and the websocket-level rerun detection, independently of rnnviz pages.
"""

from __future__ import annotations

import pytest

from .harness import (
    OUTPUT_DIR,
    assert_no_exception,
    click_button,
    exception_texts,
    goto,
    metric_value,
    move_slider,
    probe,
    query_params,
    select_option,
    selectbox_value,
    set_number_input,
    slider_value,
)


@pytest.fixture(scope="module")
def widget_server(serve):
    with serve(app="tests/browser/widget_app.py", log_path=OUTPUT_DIR / "streamlit-widget-app.log") as url:
        yield url


def test_widgets_and_reruns(widget_server, page):
    goto(page, widget_server, "/", "t=3&n=2&x=abc")
    assert_no_exception(page)
    assert query_params(page) == {"t": "3", "n": "2", "x": "abc"}
    assert metric_value(page, "x param") == "abc"
    assert slider_value(page, "Time step t") == 3

    assert move_slider(page, "Time step t") == 4
    assert metric_value(page, "t shown") == "4"
    assert move_slider(page, "Time step t", steps=3) == 7
    assert metric_value(page, "t shown") == "7"
    assert move_slider(page, "Time step t", steps=-2) == 5
    assert metric_value(page, "t shown") == "5"
    assert move_slider(page, "Weight") == pytest.approx(0.6)
    assert metric_value(page, "w shown") == "0.6"

    set_number_input(page, "Units n", 7)
    assert metric_value(page, "n shown") == "7"
    select_option(page, "Activation", "relu")
    assert selectbox_value(page, "Activation") == "relu"
    assert metric_value(page, "act shown") == "relu"
    click_button(page, "Step")
    click_button(page, "Step")
    assert metric_value(page, "clicks") == "2"

    p = probe(page)
    assert p.completed >= 8 and p.acked == p.completed
    assert len(p.latencies_ms) >= 8 and all(lat > 0 for lat in p.latencies_ms)
    assert not p.page_errors


def test_slider_at_end_does_not_hang(widget_server, page):
    goto(page, widget_server, "/", "t=10")
    assert move_slider(page, "Time step t") == 10  # no rerun is sent; must return, not time out


def test_exception_box_detected(widget_server, page):
    goto(page, widget_server, "/", "boom=1")
    assert any("boom requested" in t for t in exception_texts(page))
    with pytest.raises(AssertionError, match="boom requested"):
        assert_no_exception(page)
