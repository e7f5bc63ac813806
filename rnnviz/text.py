"""User-derived text shown as plain text inside Streamlit markdown.  Imports no Streamlit.

Every Streamlit text element (st.warning, st.error, st.info, st.caption, st.markdown, labels)
renders its body as GitHub-flavoured markdown plus Streamlit's own extensions: directives such as
``:red[x]`` or ``:small[x]``, Material icons ``:material/warning:``, the ``:streamlit:`` logo,
emoji shortcodes, LaTeX between ``$``, and arrows typed as `` -> ``.  A file name or a key from an
uploaded file put into such a body as it is can make every browser that shows the message fetch an
image from anywhere (``![p](http://host/p.png)``), show a link (``[Log in again](http://host/x)``)
or bold text.

The rule: a message is plain text unless it is :class:`Markdown`.  Modules without Streamlit build
messages as plain ``str`` and put user text in through :func:`excerpt` (one line, shortened); the
page shows every message through rnnviz/ui/messages.py, which escapes a plain ``str`` whole with
:func:`plain`.  Only a message that needs our own markup (bold, code) is built as :class:`Markdown`
with :func:`message`, which escapes just the user parts.  (Never put a Markdown into an f-string:
the result is a plain ``str`` again and its escapes would show.)

How :func:`plain` makes text inert (its markdown source renders as the text itself):

1. One line: line breaks become ``⏎``, tabs and other blank controls a space, other control
   characters their control picture (NUL -> ``␀``) or ``�``; bidirectional overrides, which can
   make the shown text read differently from the real one, and lone surrogates become ``�``.
2. Some markup is found by Streamlit in the text *after* markdown parsing, so backslash escapes
   do not stop it: literal autolinks (``http://``, ``www.``, ``user@host``), ``:name:`` shortcodes
   (icons, logo, emoji) and arrows.  An invisible WORD JOINER (U+2060) goes inside each of these
   patterns (after every ``:`` and ``@``, between ``www`` and ``.``, inside ``->`` and its kin) so
   that none of them matches any more.
3. Every ASCII punctuation character is backslash-escaped; CommonMark shows an escaped punctuation
   character literally, and every other markdown construct (emphasis, links, images, code, HTML,
   entities, tables, headings, lists, quotes, directives, math) opens with punctuation.  The one
   that opens with spaces, an indented code block, is stopped by turning leading spaces into
   no-break spaces.

Text longer than ``limit`` characters is shortened, saying how long it was.
"""

from __future__ import annotations

import re
import string
import unicodedata

__all__ = ["WORD_JOINER", "Markdown", "excerpt", "message", "plain", "to_markdown"]

WORD_JOINER = "\u2060"
DEFAULT_LIMIT = 200

_ESCAPE_TABLE = str.maketrans({c: "\\" + c for c in string.punctuation})
_LINE_BREAK = re.compile(r"\r\n|[\n\r\x85\u2028\u2029]")
_BLANK_CONTROLS = "\t\x0b\x0c"
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Positions that get a WORD JOINER (see the module docstring, step 2).
_JOIN_AT = re.compile(
    r"(?<=[:@])(?=\S)"                  # :material/x:, :smile:, :streamlit:, http://, mailto:, user@host
    r"|(?<=[wW]{3})(?=\.)"             # www.host
    r"|(?<=<)(?=[-=])|(?<=-)(?=[->])"  # <-, <=, ->, --
    r"|(?<=[>~])(?==)"                 # >=, ~=
)
_LEADING_SPACES = re.compile(r"^ +")


class Markdown(str):
    """Markdown source that is safe to render: made by :func:`plain` or :func:`message`, or our own words.

    Wrap a literal written in the code as ``Markdown("**Note:** ...")`` to show its markup; never wrap
    text that came from a user, a file or a link.
    """

    __slots__ = ()


def excerpt(text, limit: int | None = DEFAULT_LIMIT) -> str:
    """User text fit for a one-line plain-text message (not yet markdown): controls visible, at most ``limit`` chars.

    Any value is accepted (non-strings go through ``str``, bytes are decoded as UTF-8).  Text longer
    than ``limit`` keeps its first ``limit`` characters and says how long it was.  Modules without
    Streamlit build their messages as plain text with this; the page's message helpers escape them.
    """
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", errors="replace")
    elif not isinstance(text, str):
        text = str(text)
    text = str.__str__(text)  # a Markdown is text here like any other
    suffix = ""
    if limit is not None and len(text) > limit:
        text, suffix = text[:max(int(limit), 1)], f"… ({len(text):,} characters)"
    return _one_line(text) + suffix


def plain(text, limit: int | None = DEFAULT_LIMIT) -> Markdown:
    """Markdown source that Streamlit renders as ``excerpt(text, limit)``: the text itself, on one line."""
    text = _JOIN_AT.sub(WORD_JOINER, excerpt(text, limit))
    text = text.translate(_ESCAPE_TABLE)
    return Markdown(_LEADING_SPACES.sub(lambda m: "\u00a0" * len(m.group()), text))


def _one_line(text: str) -> str:
    text = _LINE_BREAK.sub("⏎", text)
    return "".join(_visible(c) for c in text)


def _visible(c: str) -> str:
    if c in _BLANK_CONTROLS:
        return " "
    if c in _BIDI_CONTROLS:
        return "\ufffd"
    category = unicodedata.category(c)
    if category == "Cc":
        code = ord(c)
        if code < 0x20:
            return chr(0x2400 + code)  # the control pictures: NUL -> ␀
        return "\u2421" if code == 0x7F else "\ufffd"
    if category == "Cs":  # a lone surrogate (from JSON "\ud800") cannot even be sent to the browser
        return "\ufffd"
    return c


class _EscapingFormatter(string.Formatter):
    """str.format that escapes every replacement field with :func:`plain`, except :class:`Markdown` values."""

    def format_field(self, value, format_spec):
        if isinstance(value, Markdown) and not format_spec:
            return value
        return plain(super().format_field(value, format_spec))


_FORMATTER = _EscapingFormatter()


def message(template: str, /, *args, **parts) -> Markdown:
    """``template.format(*args, **parts)`` where the template is our markdown and every part is shown as plain text.

    ``message("Unknown key {key} ignored.", key=user_text)``.  Format specs work as in ``str.format``
    (``{lr:.3g}``); a part that is already :class:`Markdown` (e.g. ``plain(key, limit=40)``) is
    inserted as it is, so a caller can choose a shorter limit than the default.
    """
    return Markdown(_FORMATTER.vformat(template, args, parts))


def to_markdown(text) -> Markdown:
    """What a message helper renders: :class:`Markdown` as it is, anything else as plain text (no length limit)."""
    if isinstance(text, Markdown):
        return text
    return plain(text, limit=None)
