"""Fixture app for tests/browser/test_markup.py: every hostile sample through every Streamlit text element.

Each sample i is shown escaped with rnnviz.text.plain() in container ``sample-i`` (warning, error,
info, success, caption, markdown) and embedded in a message() in container ``message-i``.  Container
``control`` shows one sample *unescaped*, so the test can prove that its checks see markup and that its
listener counts requests.  ``?host=`` is where the samples' links and images point (the test's listener).
"""

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for markup_check
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repo, for rnnviz

from markup_check import SAMPLES  # noqa: E402

from rnnviz.text import message, plain  # noqa: E402

host = st.query_params.get("host", "127.0.0.1:9")
for i, sample in enumerate(SAMPLES):
    text = sample.replace("HOST", host)
    with st.container(key=f"sample-{i}"):
        for show in (st.warning, st.error, st.info, st.success, st.caption, st.markdown):
            show(plain(text))
    with st.container(key=f"message-{i}"):
        st.warning(message("Unknown key {key} ignored.", key=text))
with st.container(key="control"):
    st.warning(f"![c](http://{host}/control.png) **control** [link](http://{host}/c) :red[red] $x^2$")
st.write("done")
