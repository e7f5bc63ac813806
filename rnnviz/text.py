"""User-derived text shown as plain text inside Streamlit markdown.  Imports no Streamlit.

Every Streamlit text element (st.warning, st.error, st.info, st.caption, st.markdown, labels)
renders its body as GitHub-flavoured markdown plus Streamlit's own extensions: directives such as
``:red[x]`` or ``:small[x]``, Material icons ``:material/warning:``, the ``:streamlit:`` logo,
emoji shortcodes, LaTeX between ``$``, and arrows typed as `` -> ``.  A file name or a key from an
uploaded file put into such a body as it is can make every browser that shows the message fetch an
image from anywhere (``![p](http://host/p.png)``), show a link (``[Log in again](http://host/x)``)
or bold text.  So user-derived text goes through :func:`plain`, and messages that mix our words
with user text through :func:`message`, which escapes only the user parts.

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

Text longer than ``limit`` characters is shortened, saying how long it was.  The results are
:class:`Markdown`: a ``str`` that marks markdown which is safe to render; the page's message
helpers show anything that is not :class:`Markdown` as plain text.
"""

from __future__ import annotations

import re
import string
import unicodedata

__all__ = ["WORD_JOINER", "Markdown", "message", "plain", "to_markdown"]

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


def plain(text, limit: int | None = DEFAULT_LIMIT) -> Markdown:
    """Markdown source that Streamlit renders as ``text`` itself, on one line, at most ``limit`` characters.

    Any value is accepted (non-strings go through ``str``, bytes are decoded as UTF-8).  Text longer
    than ``limit`` keeps its first ``limit`` characters and says how long it was.
    """
    if isinstance(text, Markdown):
        text = str.__str__(text)
    elif isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", errors="replace")
    elif not isinstance(text, str):
        text = str(text)
    suffix = ""
    if limit is not None and len(text) > limit:
        text, suffix = text[:max(int(limit), 1)], f"… ({len(text):,} characters)"
    text = _one_line(text)
    text = _JOIN_AT.sub(WORD_JOINER, text)
    text = text.translate(_ESCAPE_TABLE)
    text = _LEADING_SPACES.sub(lambda m: "\u00a0" * len(m.group()), text)
    return Markdown(text + suffix.translate(_ESCAPE_TABLE))


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
