"""The one way the app shows a message whose text may hold user-derived parts (a link, a file, a text box).

Every body goes through :func:`rnnviz.text.to_markdown`: a :class:`rnnviz.text.Markdown` (made by
``message()``/``plain()`` or a literal of ours wrapped on purpose) is rendered as it is; any other
string is shown as plain text, so a message that forgot to escape a file name, a key or a typed value
still cannot show an image, a link or bold text.  Icons are ours (constants), never user text.
"""

from __future__ import annotations

import streamlit as st

from rnnviz.text import to_markdown

__all__ = ["error", "info", "success", "warn"]


def warn(text, icon: str | None = ":material/warning:") -> None:
    st.warning(to_markdown(text), icon=icon)


def error(text, icon: str | None = ":material/error:") -> None:
    st.error(to_markdown(text), icon=icon)


def info(text, icon: str | None = ":material/info:") -> None:
    st.info(to_markdown(text), icon=icon)


def success(text, icon: str | None = ":material/check_circle:") -> None:
    st.success(to_markdown(text), icon=icon)

