"""AppTest runs of the PyTorch bridge, weight sharing and lesson check pages."""

import base64
import io
import json
from pathlib import Path

import numpy as np
import pytest
from apptest_utils import charts, shown
from streamlit.testing.v1 import AppTest

from rnnviz import quiz, sharing, torch_bridge, weights_io
from rnnviz.state import default_state, resized

APP = str(Path(__file__).parent.parent / "app.py")


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def decode(value):
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
    return np.array(value, dtype=float)


def chart_keys(at) -> list[str]:
    return list(charts(at))


# --------------------------------------------------------------------------- PyTorch bridge


@pytest.fixture
def pytorch():
    return open_page("pages/pytorch.py")


def test_pytorch_page_shows_code_downloads_and_check(pytorch):
    at = pytorch
    assert at.title[0].value == "PyTorch bridge"
    state = at.session_state["rnnviz_state"]
    assert at.code[0].value == torch_bridge.torch_code(state).rstrip()
    keys = [b.proto.id for b in at.get("download_button")]
    assert any(k.endswith("pytorch_dl_json") for k in keys) and any(k.endswith("pytorch_dl_npz") for k in keys)
    assert at.file_uploader(key="pytorch_upload") is not None
    if torch_bridge.torch_available():
        metric = at.metric[0]
        assert metric.label == "largest relative difference" and float(metric.value) < 1e-12
        assert any("round-off" in shown(s.value) for s in at.success)
    else:
        assert any("requirements-torch.txt" in i.value for i in at.info)


def test_pytorch_page_without_torch_says_how_to_install(monkeypatch):
    monkeypatch.setattr(torch_bridge, "torch_available", lambda: False)
    at = open_page("pages/pytorch.py")
    assert any("pip install -r requirements-torch.txt" in i.value for i in at.info)
    assert not at.metric


def test_layers_input_shows_the_stacked_code(pytorch):
    at = pytorch
    at.number_input(key="pytorch_layers").set_value(3).run()
    assert not at.exception
    state = at.session_state["rnnviz_state"]
    assert "num_layers=3" in at.code[0].value and at.code[0].value == torch_bridge.torch_code(state, 3).rstrip()
    if torch_bridge.torch_available():
        assert float(at.metric[0].value) < 1e-12


def upload(at, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="pytorch_upload").set_value((name, data, "application/octet-stream")).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("fmt", ["json", "npz"])
def test_uploading_good_weights_changes_the_network(pytorch, fmt):
    at = pytorch
    new = resized(default_state(), n=3, d=2, k=1, T=4).replace(activation="relu")
    data = weights_io.to_json(new).encode() if fmt == "json" else weights_io.to_npz(new)
    upload(at, f"net.{fmt}", data)
    assert at.session_state["rnnviz_state"] == new
    assert any("Loaded net." in shown(s.value) and "n = 3, d = 2, k = 1" in shown(s.value) for s in at.success)
    assert at.code[0].value == torch_bridge.torch_code(new).rstrip()  # the page shows the uploaded network
    assert "nonlinearity='relu'" in at.code[0].value
    assert at.sidebar.number_input(key="rnnviz_size_n").value == 3  # and so does the shared sidebar


def test_upload_with_bias_hh_shows_the_folding_note(pytorch):
    at = pytorch
    d = weights_io.export_dict(default_state())
    d["state_dict"]["bias_hh_l0"] = [0.5, 0.5]
    upload(at, "torch.json", json.dumps(d).encode())
    assert np.array_equal(at.session_state["rnnviz_state"].params.b, [0.6, 0.6])
    assert any("bias_hh_l0 is not zero" in shown(w.value) for w in at.warning)


@pytest.mark.parametrize("name, data, words", [
    ("bad.json", b"{not json", "not JSON"),
    ("nan.json", json.dumps({**weights_io.export_dict(default_state()), "h0": [float("nan"), 0]}).encode(), "NaN"),
    ("shape.json", json.dumps({**weights_io.export_dict(default_state()), "x": [[1, 2]]}).encode(), "x: shape (1, 2)"),
])
def test_a_bad_upload_shows_an_error_not_an_exception(pytorch, name, data, words):
    at = pytorch
    before = at.session_state["rnnviz_state"]
    upload(at, name, data)
    assert at.session_state["rnnviz_state"] == before
    assert any(words in shown(e.value) and shown(e.value).startswith(name) for e in at.error)


def test_an_npz_with_a_pickle_is_refused_on_the_page(pytorch):
    buf = io.BytesIO()
    np.savez(buf, weight_ih_l0=np.array([object()], dtype=object))
    at = upload(pytorch, "evil.npz", buf.getvalue())
    assert any("pickle" in shown(e.value) for e in at.error)


# --------------------------------------------------------------------------- weight sharing


def test_sharing_page_plots_counts_and_the_length_demo():
    at = open_page("pages/sharing.py")
    assert at.title[0].value == "Weight sharing"
    assert {"sharing_counts", "sharing_pred", "sharing_err"} <= set(chart_keys(at))
    counts = charts(at)["sharing_counts"]
    state = at.session_state["rnnviz_state"]
    assert (decode(counts["data"][1]["y"]) == state.params.num_params).all()  # shared: flat at num_params
    unshared = decode(counts["data"][0]["y"])
    assert len(unshared) == 100 and unshared[-1] == 100 * state.params.num_params
    expected = sharing.generalisation_demo(T=20, factor=10, hidden=16, steps=300, seed=0)
    assert at.metric[1].value == f"{expected.error_train_length:.4g}"
    assert at.metric[2].value == f"{expected.error_beyond:.4g}"
    at.select_slider(key="sharing_T").set_value(10).run()
    assert not at.exception
    shorter = sharing.generalisation_demo(T=10, factor=10, hidden=16, steps=300, seed=0)
    assert at.metric[1].value == f"{shorter.error_train_length:.4g}"


# --------------------------------------------------------------------------- lesson check


def test_quiz_answers_show_feedback_and_score():
    at = open_page("pages/quiz.py")
    assert at.title[0].value == "Lesson check"
    qs = quiz.questions(at.session_state["rnnviz_state"])
    assert at.metric[0].value == f"0 / {len(qs)}"
    right, wrong = qs[0], qs[1]
    at.radio(key=right.widget_key).set_value(right.answer).run()
    at.radio(key=wrong.widget_key).set_value(next(o for o in wrong.options if o != wrong.answer)).run()
    assert not at.exception
    assert any(s.value.startswith("Correct.") for s in at.success)
    assert any(e.value.startswith("Not quite") and wrong.answer not in e.value for e in at.error)
    links = [link.proto.page for link in at.get("page_link")]
    assert len(links) == 2
    assert at.metric[0].value == f"1 / {len(qs)}"
    at.button(key=f"{wrong.widget_key}_show").click().run()  # the answer only when asked for
    assert any(wrong.answer in e.value for e in at.error)
    at.radio(key=wrong.widget_key).set_value(wrong.answer).run()  # and another try is allowed
    assert at.metric[0].value == f"2 / {len(qs)}"


def test_live_quiz_answer_follows_the_network():
    at = open_page("pages/quiz.py")
    at.sidebar.number_input(key="rnnviz_size_n").set_value(5).run()
    state = at.session_state["rnnviz_state"]
    q = next(q for q in quiz.questions(state) if q.key == "count_live")
    assert q.answer == f"{state.params.num_params:,}"
    at.radio(key=q.widget_key).set_value(q.answer).run()
    assert not at.exception
    assert any(s.value.startswith("Correct.") and str(state.params.num_params) in s.value for s in at.success)
