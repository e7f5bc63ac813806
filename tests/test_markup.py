"""Issue 16 item 1: user-derived text reaches every message as plain text, on every path AppTest reaches.

Paths: a link's query (rnnviz/query.py), pasted and uploaded CSV (rnnviz/presets.py), a weights file's
name, keys, format and activation (rnnviz/weights_io.py), the typed learning rate and the characters
task's text on the training page.  Each feeds markup (an image, a link, bold, a colour directive, an
icon, LaTeX, an autolink) and checks the markdown bodies the page sends: no raw markup survives, and
every body that carries the user's text is inert (tests/markup_check.py).  What AppTest cannot show
(the browser's DOM, an image request) is tests/browser/test_markup.py.
"""

from __future__ import annotations

import ast
import json

import pytest
from apptest_utils import ROOT, no_exception, open_app
from markup_check import assert_inert, visible

from rnnviz import weights_io
from rnnviz.state import default_state

IMG = "![p](http://h.example/p.png)"
LINK = "[Log in again](http://h.example/phish)"
MARKUP = [IMG, LINK, "**BOLD**", ":red[red]", ":material/warning:", "$x^2$", "www.h.example", "<b>b</b>"]
# Fragments of the inputs above as only unescaped text has them (escaped text has a backslash before every
# punctuation mark); none of the app's own words contain them.
RAW = ["h.example", "BOLD**", "red[", "material/warning", "x^2$", "<b>", "**2", "$1$"]


def _bodies(at) -> list[str]:
    """The markdown bodies of every alert and caption the page shows, main area and sidebar."""
    out = []
    for kind in ("warning", "error", "info", "success", "caption"):
        out += [element.value for element in getattr(at, kind)]
        out += [element.value for element in getattr(at.sidebar, kind)]
    return out


def _assert_plain(at, needle: str) -> list[str]:
    """No raw markup in any body; the bodies that carry ``needle`` (the user's text) are inert. Returns those."""
    no_exception(at)
    bodies = _bodies(at)
    for body in bodies:
        assert not any(raw in body for raw in RAW), body
    carrying = [body for body in bodies if needle in visible_or_none(body)]
    for body in carrying:
        assert_inert(body)
    return carrying


def visible_or_none(body: str) -> str:
    try:
        return visible(body)
    except AssertionError:  # our own markdown (not escaped text): it carries no user text
        return ""


# --------------------------------------------------------------------------- a link's query

def test_link_query_values_and_keys_show_as_plain_text():
    query = {"n": IMG, "act": LINK, "Wh": "**BOLD**", "x": "www.h.example", "h0": ":red[red]", "t": "$x^2$",
             "N": "3", "Act": ":material/warning:"}
    at = open_app("pages/cell.py", query)
    carrying = _assert_plain(at, "n: ")
    assert carrying, _bodies(at)
    shown = " ".join(visible(b) for b in _bodies(at) if visible_or_none(b))
    assert "www.h.example" in shown  # shown, as text


# --------------------------------------------------------------------------- pasted and uploaded CSV

@pytest.mark.parametrize("markup", MARKUP)
def test_pasted_inputs_show_as_plain_text(markup):
    at = open_app("pages/chain.py")
    at.sidebar.text_area(key="rnnviz_paste").input(f"1\n{markup}\n").run()
    assert _assert_plain(at, "x: line 2 has")
    at.sidebar.text_area(key="rnnviz_paste").input(f"x{markup}\n1\n2").run()  # a header, shown in its warning
    assert _assert_plain(at, "was read as a header")


def test_uploaded_csv_shows_as_plain_text():
    at = open_app("pages/chain.py")
    at.sidebar.file_uploader(key="rnnviz_upload").set_value((f"{IMG}.csv", f"x{LINK}\n1\n{IMG}\n".encode(),
                                                             "text/csv")).run()
    assert _assert_plain(at, "x: line 3 has")


# --------------------------------------------------------------------------- weight files

def _weights_file(**changes) -> bytes:
    document = weights_io.export_dict(default_state())
    document["state_dict"].update(changes.pop("state_dict", {}))
    document.update(changes)
    return json.dumps(document).encode()


WEIGHT_FILES = [
    pytest.param(f"{IMG}.json", _weights_file(state_dict={IMG: [1.0], LINK: [2.0], "**BOLD** :red[r]": [3.0]}),
                 "Ignored unknown entries", id="keys"),
    pytest.param(f"{IMG}.json", _weights_file(), "Loaded", id="name"),
    pytest.param(f"{LINK}.json", _weights_file(format=IMG), "format is", id="format"),
    pytest.param("a.json", _weights_file(activation=f"**{LINK}**"), "is not one of", id="activation"),
    pytest.param(f"{IMG}.json", b"", "the file is empty", id="name-in-error"),
    pytest.param("k.json", _weights_file(state_dict={f"weight_ih_l{'9' * 5000}": [[1.0]]}), "Ignored unknown",
                 id="5000-digit-key"),
]


@pytest.mark.parametrize("name, data, needle", WEIGHT_FILES)
def test_weight_file_text_shows_as_plain_text(name, data, needle):
    at = open_app("pages/pytorch.py")
    at.file_uploader(key="pytorch_upload").set_value((name, data, "application/json")).run()
    carrying = _assert_plain(at, needle)
    assert carrying, _bodies(at)
    assert all(len(body) < 2000 for body in carrying)


def test_a_new_upload_clears_the_warnings_of_the_previous_one():
    at = open_app("pages/pytorch.py")
    uploader = at.file_uploader(key="pytorch_upload")
    uploader.set_value(("a.json", _weights_file(state_dict={"extra_key": [1.0]}), "application/json")).run()
    assert any("extra\\_key" in body for body in _bodies(at))
    at.file_uploader(key="pytorch_upload").set_value(("b.json", b"{}", "application/json")).run()
    no_exception(at)
    bodies = _bodies(at)
    assert any("b\\.json" in body for body in bodies)  # the new file's error
    assert not any("extra\\_key" in body for body in bodies), bodies  # the old file's note is gone


# --------------------------------------------------------------------------- the training page

@pytest.mark.parametrize("typed", [IMG, "[L](http://h.example/a)", "**2**", ":red[1]", "$1$", "1e999",
                                   "www.h.example"])
def test_typed_learning_rate_shows_as_plain_text(typed):
    assert len(typed) <= 30  # the input's max_chars (AppTest ignores a longer value)
    at = open_app("pages/training.py")
    at.text_input(key="tr_lr_text").input(typed).run()
    assert _assert_plain(at, "Learning rate")


def test_characters_task_text_shows_as_plain_text():
    at = open_app("pages/training.py")
    at.selectbox(key="tr_task").select("chars").run()
    at.text_area(key="tr_text").input("a").run()  # one distinct character: refused
    assert _assert_plain(at, "Text:")
    at.text_area(key="tr_text").input(f"{IMG} {LINK} **BOLD** :red[r] $x$ " * 3).run()
    no_exception(at)
    for body in _bodies(at):
        assert not any(raw in body for raw in RAW), body


# --------------------------------------------------------------------------- no other way in

ALERTS = {"warning", "error", "info", "success", "toast", "exception"}
# The modules that handle user input (links, files, typed text); their messages go through rnnviz/ui/messages.py.
GUARDED = sorted({*(ROOT / "rnnviz/ui").glob("*.py"), ROOT / "pages/pytorch.py", ROOT / "pages/training.py"}
                 - {ROOT / "rnnviz/ui/messages.py"})


@pytest.mark.parametrize("path", GUARDED, ids=lambda p: str(p.relative_to(ROOT)))
def test_input_handling_modules_show_no_dynamic_text_directly(path):
    """An alert whose text is not a literal goes through rnnviz/ui/messages.py, which escapes plain text."""
    offenders = []
    for node in ast.walk(ast.parse(path.read_text())):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ALERTS
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "st" and node.args
                and not (isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str))):
            offenders.append(f"{path}:{node.lineno}: st.{node.func.attr}({ast.unparse(node.args[0])[:60]})")
    assert not offenders, offenders


def test_the_guard_sees_a_direct_call(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text('import streamlit as st\nname = "x"\nst.error(f"Loaded {name}")\nst.info("constant")\n')
    with pytest.raises(AssertionError, match="bad.py:3: st.error"):
        test_input_handling_modules_show_no_dynamic_text_directly(bad)


def _messages_script():
    from rnnviz.text import Markdown, message
    from rnnviz.ui import messages

    messages.warn("**plain** ![p](http://h.example/p.png)")
    messages.error(Markdown("**ours**"))
    messages.info(message("**ours** {user}", user="**theirs**"))
    messages.success("done.", icon=None)


def test_messages_escape_plain_text_and_keep_markdown():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_messages_script, default_timeout=30).run()
    no_exception(at)
    assert at.warning[0].value == "\\*\\*plain\\*\\* \\!\\[p\\]\\(http\\:\u2060\\/\\/h\\.example\\/p\\.png\\)"
    assert at.error[0].value == "**ours**"
    assert at.info[0].value == "**ours** \\*\\*theirs\\*\\*"
    assert at.success[0].value == "done\\." and at.success[0].icon == ""
