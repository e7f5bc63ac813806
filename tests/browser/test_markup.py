"""User-derived text renders as plain text in the real Streamlit frontend (no image, link, bold, ...).

tests/browser/markup_app.py shows every hostile sample of tests/markup_check.py through plain() in
every text element; a local HTTP listener stands where the samples' images and links point.  The
control container shows one sample unescaped: it must render markup and make the one image request,
which proves that the DOM checks and the listener would see an escape that failed.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from markup_check import SAMPLES, visible

from rnnviz.text import WORD_JOINER, plain

from .harness import OUTPUT_DIR, assert_no_exception, goto

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
