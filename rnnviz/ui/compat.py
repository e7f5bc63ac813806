"""Every touch of Streamlit internals (not its public API) in one place.

Each function names the Streamlit version it was checked on and the test that fails if a new
version changes the internal.  Checked on Streamlit 1.67.0; tests/test_ui_compat.py fails fast (no
browser) when the internals move or the installed version is no longer 1.67.x.
"""

from __future__ import annotations


def leave_pages_directory_mode() -> bool:
    """Switch off Streamlit's automatic ``pages/`` menu; True when it was on (the caller must rerun).

    A server's first visitor who opens a page URL directly (a shared link to /chain) makes Streamlit
    run that file alone under its automatic ``pages/`` menu, because the folder is called pages/.
    Clearing the flag and running again hands control to app.py's ``st.navigation``.

    Internal: ``streamlit.runtime.pages_manager.PagesManager.uses_pages_directory`` (class attribute).
    Checked on Streamlit 1.67.0.  Guarded by tests/browser/test_deep_link.py (a fresh server whose
    first request is a deep link must show app.py's navigation, wide layout).
    """
    from streamlit.runtime.pages_manager import PagesManager

    if not PagesManager.uses_pages_directory:
        return False
    PagesManager.uses_pages_directory = False
    return True


def page_script_hash() -> str:
    """The id of the page being run ("" outside a script run): widget ids are per page.

    Internal: ``streamlit.runtime.scriptrunner.get_script_run_ctx().page_script_hash``.
    Checked on Streamlit 1.67.0.  Guarded by tests/test_pages_simulator.py::test_every_page_runs_from_a_url
    (the step slider shows the state's t after every page switch) and
    tests/browser/test_features.py::test_navigation_keeps_state.
    """
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.page_script_hash if ctx else ""
