"""Checks that markdown source shows user text as plain text in Streamlit (shared by the markup tests).

No markdown renderer with Streamlit's semantics runs in Python, so the unit tests check the
structure that makes source inert (see rnnviz/text.py), and the browser test
(tests/browser/test_markup.py) checks the real frontend's DOM for the same samples:

* one line, no control characters, no leading blank (an indented code block);
* every ASCII punctuation character backslash-escaped (CommonMark: then it is literal, and every
  other markdown construct, directives and math included, opens with punctuation);
* in the text left after parsing, none of the patterns that Streamlit's frontend turns into markup
  after parsing: literal autolinks, :material/…: icons, :streamlit:, emoji shortcodes, arrows.
"""

from __future__ import annotations

import re
import string

from rnnviz.text import WORD_JOINER

# Hostile samples: images, links, emphasis, HTML, script URLs, autolinks, code, LaTeX, Streamlit's
# colour directives, icons, logo and emoji, entities, headings/lists/quotes/tables, arrows, controls.
SAMPLES = [
    "![f](http://HOST/f.png)",
    "[Log in again](http://HOST/phish)",
    "**BOLD** and __bold__ and *it* _it_ ~~gone~~",
    "<img src=http://HOST/raw.png>",
    "<a href='http://HOST/a'>a</a>",
    "javascript:alert(1)",
    "http://HOST/x",
    "www.HOST.example/x",
    "mail someone@HOST.example now",
    "<http://HOST/angle>",
    "`code` and ``two``",
    "$x^2$ and $$y$$",
    ":red[x] :blue-background[y] :red-badge[z] :small[s] :help[tip] :color[c]{foreground=\"red\"}",
    ":material/warning: and :material_home:",
    ":streamlit: :smile: :+1:",
    "&lt;b&gt; &amp; &#60;img&#62;",
    "# heading",
    "- item",
    "1. first",
    "> quote",
    "| a | b |",
    "    indented code",
    "a -> b <- c <-> d -- e >= f <= g ~= h",
    "line one\n\nline two\r\n===",
    "nul\x00bell\x07del\x7f tab\tend",
    "bidi \u202eevil\u202c",
    "back\\slash \\*not bold\\*",
    "[ref]: http://HOST/ref\n[ref]",
    "![alt][ref2]\n\n[ref2]: http://HOST/ref2.png",
]

_PUNCT = set(string.punctuation)
# The text-level patterns of Streamlit 1.67's markdown (StreamlitMarkdown.tsx, remark-emoji,
# mdast-util-gfm-autolink-literal), applied to the text that is left after parsing.
_AFTER_PARSE = {
    "autolink": re.compile(r"(?i)(https?://|www(?=\.))"),
    "email": re.compile(r"[-.\w+]+@[-\w]+(?:\.[-\w]+)+"),
    "material icon": re.compile(r":material[_/]\w+:"),
    "streamlit logo": re.compile(r":streamlit:"),
    "emoji shortcode": re.compile(r":[\w+-][\w+-]*:"),
    "arrow or symbol": re.compile(r"(?:^|\s)(?:<->|->|<-|--|>=|<=|~=)(?:\s|$)"),
}
_EMOJI_IN_SOURCE = re.compile(r":(?!material/|streamlit:)[\w+-][\w_+-]*:")  # decides whether emoji are loaded


def after_parse(source: str) -> str:
    """The text CommonMark leaves from ``source`` when every punctuation character is escaped (raises if not)."""
    out, i = [], 0
    while i < len(source):
        c = source[i]
        if c == "\\":
            assert i + 1 < len(source) and source[i + 1] in _PUNCT, f"lone backslash at {i} in {source!r}"
            out.append(source[i + 1])
            i += 2
            continue
        assert c not in _PUNCT, f"unescaped {c!r} at {i} in {source!r}"
        out.append(c)
        i += 1
    return "".join(out)


def visible(source: str) -> str:
    """What a reader sees of plain() output: the escapes resolved, the (invisible) word joiners gone."""
    return after_parse(source).replace(WORD_JOINER, "")


def assert_inert(source: str) -> None:
    """``source`` renders as plain text in Streamlit (structural check, see the module docstring)."""
    assert "\n" not in source and "\r" not in source, source
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in source), source
    assert not source.startswith((" ", "\t")), source
    assert ":material/" not in source  # Streamlit rewrites this in the raw source before parsing
    assert not _EMOJI_IN_SOURCE.search(source), source
    text = after_parse(source)
    for name, pattern in _AFTER_PARSE.items():
        assert not pattern.search(text), f"{name} survives in {text!r}"
