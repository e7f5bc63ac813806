"""User-derived text renders as plain text in the real Streamlit frontend (no image, link, bold, ...).

tests/browser/markup_app.py shows every hostile sample of tests/markup_check.py through plain() in
every text element; a local HTTP listener stands where the samples' images and links point.  The
control container shows one sample unescaped: it must render markup and make the one image request,
which proves that the DOM checks and the listener would see an escape that failed.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from markup_check import SAMPLES, visible

from rnnviz import weights_io
from rnnviz.state import default_state
from rnnviz.text import WORD_JOINER, plain

from .harness import OUTPUT_DIR, assert_no_exception, expect_rerun, goto

# Anything the markdown renderer makes of markup; none of it may appear for escaped text.
MARKUP = ("img, a, strong, em, b, i, code, pre, del, h1, h2, h3, h4, h5, h6, ul, ol, li, blockquote, table, "
          "hr, input, span[role='img'], span[style], .katex, .stMarkdownBadge")


class _Listener:
    """An HTTP server on 127.0.0.1 that records every path it is asked for."""

    def __init__(self):
        paths = self.paths = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                paths.append(self.path)
                self.send_response(404)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def markup_server(serve):
    with serve(app="tests/browser/markup_app.py", log_path=OUTPUT_DIR / "streamlit-markup-app.log") as url:
        yield url


def _shown(page, selector: str) -> list[dict]:
    return page.locator(selector).evaluate_all(
        "(els, sel) => els.map(e => ({text: e.textContent, markup: e.querySelectorAll(sel).length}))", MARKUP)


def test_hostile_text_renders_as_plain_text(markup_server, page):
    with _Listener() as listener:
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        goto(page, markup_server, "/", {"host": listener.host})
        page.get_by_text("done").wait_for()
        page.wait_for_timeout(1500)  # let lazy plugins (KaTeX) and any image load finish
        assert_no_exception(page)

        control = _shown(page, ".st-key-control [data-testid='stMarkdownContainer']")
        assert len(control) == 1 and control[0]["markup"] >= 4, control  # img, strong, a, colour span
        for i, sample in enumerate(SAMPLES):
            text = sample.replace("HOST", listener.host)
            expected = visible(plain(text))
            shown = _shown(page, f".st-key-sample-{i} [data-testid='stMarkdownContainer'], "
                                 f".st-key-sample-{i} [data-testid='stCaptionContainer']")
            assert len(shown) == 6, (sample, shown)
            for element in shown:
                assert element["markup"] == 0, (sample, element)
                # Streamlit strips the body, and with it the no-break spaces that stand for leading blanks.
                assert element["text"].replace(WORD_JOINER, "") == expected.strip(), (sample, element)
            embedded = _shown(page, f".st-key-message-{i} [data-testid='stMarkdownContainer']")
            assert [e["markup"] for e in embedded] == [0], (sample, embedded)
            assert embedded[0]["text"].replace(WORD_JOINER, "") == f"Unknown key {expected} ignored.", sample
        assert listener.paths == ["/control.png"], listener.paths
        assert [u for u in requests if listener.host in u] == [f"http://{listener.host}/control.png"]


# --------------------------------------------------------------------------- the real app: weight-file uploads

def _weights_file(**changes) -> bytes:
    document = weights_io.export_dict(default_state())
    document["state_dict"].update(changes.pop("state_dict", {}))
    document.update(changes)
    return json.dumps(document).encode()


def _upload(page, name: str, data: bytes) -> None:
    with expect_rerun(page):
        page.locator(".st-key-pytorch_upload input[type='file']").set_input_files(
            {"name": name, "mimeType": "application/json", "buffer": data})


def _alerts(page) -> list[dict]:
    return page.locator("[data-testid='stAlert']").evaluate_all(
        "(els, sel) => els.map(e => ({text: e.textContent, markup: e.querySelectorAll(sel).length}))",
        MARKUP.replace("span[role='img'], ", ""))  # an alert's own icon is a span[role=img]


def test_weight_file_uploads_show_names_keys_and_fields_as_plain_text(app_server, page):
    """Issue 16 item 1: a file name, state-dict keys, format and activation from an uploaded file."""
    with _Listener() as listener:
        host = listener.host
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        goto(page, app_server, "/pytorch")
        keys = {f"![k](http://{host}/key.png)": [1.0], f"[Log in again](http://{host}/phish)": [2.0],
                "**BOLD** :red[red] $x^2$ :material/warning:": [3.0]}
        uploads = [
            (f"![f](http://{host}/name.png).json", _weights_file(state_dict=keys), "Ignored unknown entries"),
            (f"**n**[a](http://{host}/a).json", _weights_file(format=f"![f](http://{host}/format.png)"), "format is"),
            ("act.json", _weights_file(activation=f"**act** ![a](http://{host}/act.png)"), "is not one of"),
            (f"![e](http://{host}/empty.png).json", b"", "the file is empty"),
        ]
        for name, data, words in uploads:
            _upload(page, name, data)
            # On a loaded machine the alerts of the previous file can still be on the page after the rerun wait and
            # a fixed 500 ms (a fresh-clone CI run, stop 19): wait for this file's message, up to 10 s.
            for _ in range(100):
                page.wait_for_timeout(100)
                alerts = _alerts(page)
                texts = [a["text"].replace(WORD_JOINER, "") for a in alerts]
                if any(words in t for t in texts):
                    break
            assert_no_exception(page)
            assert any(words in t for t in texts), (name, texts)
            assert [a for a in alerts if a["markup"]] == [], (name, alerts)
        seen = " ".join(texts)
        assert f"![e](http://{host}/empty.png).json: the file is empty" in seen
        page.wait_for_timeout(1000)
        assert listener.paths == [], listener.paths
        assert [u for u in requests if host in u] == []
