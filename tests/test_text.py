"""rnnviz/text.py: user-derived text shown as plain text inside Streamlit markdown.

The structural checks live in tests/markup_check.py; tests/browser/test_markup.py renders the same
samples in the real frontend and inspects the DOM.
"""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markup_check import SAMPLES, after_parse, assert_inert, visible

from rnnviz.text import WORD_JOINER, Markdown, excerpt, message, plain, to_markdown


def _one_line(text: str) -> str:
    """What plain() promises to show for short text: the text, one line, controls made visible."""
    text = text.replace("\r\n", "⏎").replace("\n", "⏎").replace("\r", "⏎").replace("\t", " ")
    text = re.sub("^ +", lambda m: "\u00a0" * len(m.group()), text)  # no indented code block
    return "".join(chr(0x2400 + ord(c)) if ord(c) < 0x20 else "␡" if c == "\x7f" else
                   "\ufffd" if c in "\u202e\u202c" else c for c in text)


@pytest.mark.parametrize("text", SAMPLES)
def test_samples_render_as_their_own_text(text):
    source = plain(text)
    assert isinstance(source, Markdown)
    assert_inert(source)
    assert visible(source) == _one_line(text)


@pytest.mark.parametrize("text, source", [
    ("![f](http://host/f.png)", "\\!\\[f\\]\\(http\\:\u2060\\/\\/host\\/f\\.png\\)"),
    ("[Log in again](http://host/phish)", "\\[Log in again\\]\\(http\\:\u2060\\/\\/host\\/phish\\)"),
    ("**BOLD**", "\\*\\*BOLD\\*\\*"),
    ("<img src=x>", "\\<img src\\=x\\>"),
    ("javascript:alert(1)", "javascript\\:\u2060alert\\(1\\)"),
    ("`x`", "\\`x\\`"),
    ("$x$", "\\$x\\$"),
    (":red[x]", "\\:\u2060red\\[x\\]"),
    (":material/warning:", "\\:\u2060material\\/warning\\:"),
    ("www.host.org", "www\u2060\\.host\\.org"),
    ("me@host.org", "me\\@\u2060host\\.org"),
    ("a -> b", "a \\-\u2060\\> b"),
    ("&amp;", "\\&amp\\;"),
    ("  two  ", "\u00a0\u00a0two  "),
    ("weight_ih_l0", "weight\\_ih\\_l0"),
    ("plain words 123", "plain words 123"),
])
def test_exact_sources(text, source):
    assert plain(text) == source


def test_every_ascii_punctuation_is_escaped_and_shown():
    source = plain(string.punctuation)
    assert_inert(source)
    assert visible(source) == string.punctuation


def test_controls_surrogates_and_bidi_become_visible_placeholders():
    assert visible(plain("a\x00b\x07c\x7fd\x85e\u2028f\x9bg")) == "a␀b␇c␡d⏎e⏎f\ufffdg"
    assert visible(plain("x\ud800y")) == "x\ufffdy"  # a lone surrogate from JSON "\ud800"
    plain("x\ud800y").encode("utf-8")  # must be sendable to the browser
    assert visible(plain("\u202eabc\u2066")) == "\ufffdabc\ufffd"
    assert visible(plain("1\r\n2\n3\r4")) == "1⏎2⏎3⏎4"


def test_long_text_is_shortened_and_says_how_long_it_was():
    key = "weight_ih_l" + "9" * 5000
    source = plain(key, limit=40)
    assert_inert(source)
    assert visible(source) == key[:40] + "… (5,011 characters)"
    assert len(plain("x" * 10_000)) < 300  # the default limit
    assert visible(plain("x" * 10_000, limit=None)) == "x" * 10_000


def test_excerpt_is_one_short_plain_line():
    assert excerpt("**b**\nx\x00") == "**b**⏎x␀"  # plain text: no escapes, that is the page's job
    assert excerpt("k" * 100, 10) == "kkkkkkkkkk… (100 characters)"
    assert excerpt(b"a\xffb") == "a\ufffdb"
    assert excerpt(3.5) == "3.5"
    assert type(excerpt(Markdown("x"))) is str
    assert plain("k" * 100, 10) == plain(excerpt("k" * 100, 10), None)


def test_any_value_is_accepted():
    assert plain(12) == "12"
    assert plain(-1.5) == "\\-1\\.5"
    assert plain(None) == "None"
    assert plain(b"**b**") == "\\*\\*b\\*\\*"
    assert plain(b"\xff") == "\ufffd"
    assert plain(Markdown("**b**")) == "\\*\\*b\\*\\*"  # plain() always escapes


def test_message_escapes_only_the_user_parts():
    out = message("Unknown key **{key}** ignored (file {name}).", key="![p](http://h/p.png)", name="a_b.json")
    assert isinstance(out, Markdown)
    assert out == f"Unknown key **{plain('![p](http://h/p.png)')}** ignored (file a\\_b\\.json)."
    assert message("{0} and {1}", "*a*", "_b_") == "\\*a\\* and \\_b\\_"


def test_message_format_specs_and_markdown_parts():
    assert message("lr {lr:.3g}", lr=0.123456) == "lr 0\\.123"
    assert message("n={n:d}", n=5) == "n=5"
    assert message("key {key}", key=plain("x" * 100, limit=5)) == "key xxxxx… \\(100 characters\\)"
    assert message("a {x}", x=Markdown("**ours**")) == "a **ours**"
    assert message("a {x!r}", x="*") == "a \\'\\*\\'"
    assert message("no parts, **ours**") == "no parts, **ours**"
    assert len(message("k {k}", k="9" * 5000)) < 300  # parts get the default limit


def test_to_markdown_keeps_markdown_and_escapes_everything_else():
    assert to_markdown(Markdown("**ok**")) == "**ok**"
    assert to_markdown("**not ok**") == "\\*\\*not ok\\*\\*"
    assert visible(to_markdown("y" * 1000)) == "y" * 1000  # the whole message, not shortened
    assert to_markdown(message("a {x}", x="*")) == "a \\*"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_any_text_is_inert(text):
    source = plain(text)
    assert_inert(source)
    source.encode("utf-8")  # sendable


_ORDINARY = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"),
                          blacklist_characters="\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                                               "\u2066\u2067\u2068\u2069" + WORD_JOINER)


@settings(max_examples=300, deadline=None)
@given(st.text(_ORDINARY, max_size=120))
def test_one_line_text_reads_exactly_as_written(text):
    assert visible(plain(text)) == re.sub("^ +", lambda m: "\u00a0" * len(m.group()), text)


def test_after_parse_rejects_unescaped_punctuation():
    with pytest.raises(AssertionError):
        after_parse("a *b*")
    with pytest.raises(AssertionError):
        assert_inert("http\\:\\/\\/host")  # escaped, but the autolink is found after parsing
    with pytest.raises(AssertionError):
        assert_inert("\\:material\\_home\\:")  # the same for icons
