"""rnnviz.ui.compat: the Streamlit internals it touches still exist with the shape it expects.

The behaviour each one serves is guarded end to end by the tests named in compat's docstrings
(tests/browser/test_deep_link.py, tests/test_pages_simulator.py::test_every_page_runs_from_a_url); these
fail fast, without a browser, when a Streamlit upgrade renames or removes an internal.
"""

from __future__ import annotations

import streamlit
from streamlit.runtime.pages_manager import PagesManager

from rnnviz.ui import compat


def test_checked_on_this_streamlit_version():
    # compat's docstrings name 1.67.0: re-check every internal in compat.py, then update them and this line
    assert streamlit.__version__.startswith("1.67."), streamlit.__version__


def test_leaving_pages_directory_mode_flips_the_flag_once(monkeypatch):
    monkeypatch.setattr(PagesManager, "uses_pages_directory", True)
    assert compat.leave_pages_directory_mode() is True
    assert PagesManager.uses_pages_directory is False
    assert compat.leave_pages_directory_mode() is False


def test_page_script_hash_outside_a_script_run_is_empty():
    assert compat.page_script_hash() == ""
