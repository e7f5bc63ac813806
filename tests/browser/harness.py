"""Plain helpers for driving the real app in headless Chromium (no pytest in here).

Used by `tests/browser/conftest.py` (fixtures) and by `benchmarks/bench_concurrency.py`.

Rerun detection
---------------
The DOM attribute `[data-testid='stApp'][data-test-script-state]` is not enough on its own: a
fast rerun (tens of ms) can go running -> notRunning inside one React batch, so the attribute never
shows `running`.  Every page made by `new_app_page` therefore carries a `SessionProbe` that decodes
the Streamlit websocket traffic with Streamlit's own protobuf classes: each `rerun_script` BackMsg
the browser sends and each `script_finished` ForwardMsg the server answers.  `wait_for_rerun`
waits for a script run newer than the last one it acknowledged to finish, for nothing to be left
in flight, and for the DOM to say `notRunning`; the probe also records each rerun's latency
(request sent -> script finished), which the concurrency benchmark reports.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

REPO = Path(__file__).resolve().parents[2]
OUTPUT_DIR = REPO / "test-output"
SCREENSHOT_DIR = OUTPUT_DIR / "screenshots"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-dev-shm-usage",
]
VIEWPORT = {"width": 1400, "height": 1000}

# Verified against the Streamlit 1.67 frontend bundle and a live DOM dump.
SEL_APP = "[data-testid='stApp']"
SEL_EXCEPTION = "[data-testid='stException']"
SEL_BUSY = "[data-testid='stSkeleton'], [data-testid='stAppSkeleton'], [data-testid='stSpinner']"
SEL_PLOTLY = "[data-testid='stPlotlyChart'], .rnnviz-live-chart"  # live views (rnnviz.ui.live_drag) too
SEL_SIDEBAR = "[data-testid='stSidebar']"
SEL_MAIN = "[data-testid='stMain']"
SEL_NAV_LINK = "[data-testid='stSidebarNavLink']"
SEL_NAV_ACTIVE = f"{SEL_NAV_LINK}[aria-current='page']"  # the current page's link


# --------------------------------------------------------------------------- browser

def find_chromium() -> str | None:
    """Debian's chromium (`/usr/bin/chromium`), else whatever `chromium` is on PATH."""
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium") or shutil.which("chromium-browser")


def launch_browser(playwright, executable_path: str | None = None):
    exe = executable_path or find_chromium()
    if exe is None:
        raise RuntimeError("chromium not found (apt-get install chromium)")
    return playwright.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)


# --------------------------------------------------------------------------- server

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerError(RuntimeError):
    pass


class StreamlitServer:
    """`python -m streamlit run app.py` from the repo root, in its own process group, on 127.0.0.1.

    Test-only overrides on the command line: full error details in the browser (the committed
    `.streamlit/config.toml` hides tracebacks from the public), no file watcher (other people edit
    this tree while tests run).
    """

    def __init__(self, app: str = "app.py", cwd: Path = REPO, port: int | None = None,
                 extra_args: list[str] | None = None, log_path: Path | None = None):
        self.app, self.cwd, self.port = app, Path(cwd), port
        self.extra_args = list(extra_args or [])
        self.log_path = log_path or OUTPUT_DIR / "streamlit-server.log"
        self.proc: subprocess.Popen | None = None
        self._log = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "streamlit", "run", self.app,
            "--server.headless", "true",
            "--server.port", str(self.port),
            "--server.address", "127.0.0.1",
            "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none",
            "--server.runOnSave", "false",
            "--client.showErrorDetails", "full",
            *self.extra_args,
        ]

    def log_text(self, tail: int = 6000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-tail:]
        except OSError:
            return "<no server log>"

    def start(self, timeout: float = 60.0, attempts: int = 3) -> str:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        fixed_port = self.port is not None
        last = ""
        for _ in range(attempts):
            if not fixed_port:
                self.port = free_port()
            self._log = open(self.log_path, "wb")
            env = dict(os.environ, PYTHONUNBUFFERED="1")
            self.proc = subprocess.Popen(
                self.command(), cwd=self.cwd, env=env, stdin=subprocess.DEVNULL,
                stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
            )
            try:
                self._wait_healthy(timeout)
                return self.url
            except ServerError as e:
                last = str(e)
                self.stop()
                if fixed_port or "already in use" not in last:
                    break
        raise ServerError(last)

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerError(f"streamlit exited with code {self.proc.returncode}:\n{self.log_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise ServerError(f"streamlit not healthy after {timeout:.0f}s on {self.url}:\n{self.log_text()}")

    def stop(self, timeout: float = 10.0) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(5)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


# --------------------------------------------------------------------------- per-page probe

@dataclass
class SessionProbe:
    """Websocket-level view of one page's Streamlit session (see module docstring)."""

    sent: int = 0               # rerun_script BackMsgs sent by the browser
    completed: int = 0          # script runs that finished (not interrupted for a rerun)
    acked: int = 0              # `completed` value at the last wait_for_rerun
    server_running: bool = False
    last_sent_at: float = 0.0
    last_finished_at: float = 0.0
    last_frame_at: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    finish_statuses: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    kept: list[bytes] | None = None  # every frame received, once a test sets it to []
    _pending_since: float | None = None

    def on_websocket(self, ws) -> None:
        if "/_stcore/stream" in ws.url:
            ws.on("framesent", self._on_sent)
            ws.on("framereceived", self._on_received)

    def _on_sent(self, payload) -> None:
        if isinstance(payload, str):
            return
        from streamlit.proto.BackMsg_pb2 import BackMsg

        try:
            kind = BackMsg.FromString(payload).WhichOneof("type")
        except Exception:  # noqa: BLE001 - never break the page over a frame we can't read
            return
        if kind == "rerun_script":
            now = time.perf_counter()
            self.sent += 1
            self.last_sent_at = now
            if self._pending_since is None:
                self._pending_since = now

    def _on_received(self, payload) -> None:
        now = time.perf_counter()
        self.last_frame_at = now
        if isinstance(payload, str):
            return
        if self.kept is not None:
            self.kept.append(payload)
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        try:
            msg = ForwardMsg.FromString(payload)
        except Exception:  # noqa: BLE001
            return
        kind = msg.WhichOneof("type")
        if kind == "session_status_changed":
            self.server_running = msg.session_status_changed.script_is_running
        elif kind == "script_finished":
            status = ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
            self.finish_statuses.append(status)
            if status != "FINISHED_EARLY_FOR_RERUN":
                self.completed += 1
                self.last_finished_at = now
                if self._pending_since is not None:
                    self.latencies_ms.append((now - self._pending_since) * 1000.0)
                    self._pending_since = None

    @property
    def idle(self) -> bool:
        """Nothing in flight: the last rerun request has been answered by a finished run."""
        return self.last_finished_at >= self.last_sent_at and self._pending_since is None


def probe(page) -> SessionProbe:
    p = getattr(page, "_rnnviz_probe", None)
    if p is None:
        raise RuntimeError("page was not created with new_app_page(); it has no SessionProbe")
    return p


def attach_probe(page) -> SessionProbe:
    p = SessionProbe()
    page._rnnviz_probe = p
    page.on("websocket", p.on_websocket)
    page.on("console", lambda m: m.type == "error" and p.console_errors.append(f"{m.text} @ {m.location}"))
    page.on("pageerror", lambda e: p.page_errors.append(str(e)))
    return p


def new_app_page(browser, viewport: dict | None = None, timeout_ms: int = 30_000):
    """A fresh context (fresh session) and page with a SessionProbe attached."""
    ctx = browser.new_context(viewport=viewport or VIEWPORT)
    page = ctx.new_page()
    page.set_default_timeout(timeout_ms)
    attach_probe(page)
    return page


# --------------------------------------------------------------------------- waiting

def _dom_script_state(page) -> str | None:
    return page.evaluate(
        "s => { const a = document.querySelector(s); return a ? a.getAttribute('data-test-script-state') : null }",
        SEL_APP,
    )


def wait_for_rerun(page, timeout: float = 30.0, quiet_ms: float = 150.0, require_new: bool = True) -> float:
    """Block until the app has finished a script run that we haven't waited for yet.

    Done when: a run finished since the previous call (or page load) (`require_new`), no rerun
    request is in flight, no websocket frame arrived for `quiet_ms`, and the DOM says
    `notRunning`; then waits for spinners/skeletons to go and Plotly charts to draw.
    Returns the latency (ms) of the last rerun, if one was measured.
    """
    p = probe(page)
    deadline = time.monotonic() + timeout
    while True:
        new = p.completed > p.acked or not require_new
        quiet = (time.perf_counter() - p.last_frame_at) * 1000.0 >= quiet_ms
        if new and p.idle and quiet and not p.server_running and _dom_script_state(page) == "notRunning":
            break
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"no finished rerun within {timeout}s: sent={p.sent} completed={p.completed} "
                f"acked={p.acked} idle={p.idle} server_running={p.server_running} "
                f"dom={_dom_script_state(page)!r} statuses={p.finish_statuses[-5:]}"
            )
        page.wait_for_timeout(25)
    p.acked = p.completed
    wait_for_idle(page, timeout=max(1.0, deadline - time.monotonic()))
    return p.latencies_ms[-1] if p.latencies_ms else float("nan")


def wait_for_idle(page, timeout: float = 30.0) -> None:
    """No skeleton/spinner visible, and every Plotly chart has drawn its SVG."""
    page.locator(SEL_BUSY).first.wait_for(state="hidden", timeout=timeout * 1000)
    page.wait_for_function(
        """s => [...document.querySelectorAll(s)].every(c => c.querySelector('.main-svg'))""",
        arg=SEL_PLOTLY, timeout=timeout * 1000,
    )


@contextmanager
def expect_rerun(page, timeout: float = 30.0, settle_s: float = 1.5):
    """`with expect_rerun(page): <action>` -- waits for the rerun the action triggers.

    If the action sent no rerun request within `settle_s` (e.g. a slider already at its end),
    returns without waiting instead of timing out.
    """
    p = probe(page)
    sent0 = p.sent
    yield
    t_end = time.monotonic() + settle_s
    while p.sent == sent0 and time.monotonic() < t_end:
        page.wait_for_timeout(25)
    if p.sent > sent0:
        wait_for_rerun(page, timeout=timeout)


def goto(page, base_url: str, path: str = "/", query: str | dict | None = None, timeout: float = 60.0):
    """Open `base_url + path (+ ?query)` and wait for the first script run to finish."""
    url = base_url.rstrip("/") + "/" + path.lstrip("/")
    if query:
        url += "?" + (query if isinstance(query, str) else urlencode(query))
    page.goto(url, wait_until="domcontentloaded")
    wait_for_rerun(page, timeout=timeout)
    return page


# --------------------------------------------------------------------------- checks & artefacts

def exception_texts(page) -> list[str]:
    return page.locator(SEL_EXCEPTION).all_inner_texts()


def assert_no_exception(page) -> None:
    texts = exception_texts(page)
    assert not texts, f"{len(texts)} exception box(es) on {page.url}:\n" + "\n---\n".join(texts)


def screenshot(page, name: str, full_page: bool = False) -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "page"
    path = SCREENSHOT_DIR / f"{safe}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def query_params(page) -> dict[str, str]:
    """The page's current URL query (last value per key), as st.query_params would give it."""
    return {k: v[-1] for k, v in parse_qs(urlsplit(page.url).query, keep_blank_values=True).items()}


# --------------------------------------------------------------------------- widgets (Streamlit 1.67 DOM)
# slider:       [data-testid='stSlider'] > ... > input[type='range'][aria-label=<label>]  (react-aria;
#               visually hidden native range input, implicit ARIA role "slider"; there is NO
#               element with an explicit role='slider' attribute).  Shown value:
#               [data-testid='stSliderThumbValue'].  Keyboard: focus the input, ArrowRight/Left,
#               Home/End, PageUp/PageDown.
# number input: [data-testid='stNumberInput'] input[data-testid='stNumberInputField'][aria-label=<label>],
#               buttons [data-testid='stNumberInputStepUp'] / [data-testid='stNumberInputStepDown'].
# button:       [data-testid='stButton'] > button[data-testid='stBaseButton-secondary'|'-primary'].
# selectbox:    [data-testid='stSelectbox'] input[role='combobox'][aria-label=<label>], options
#               [role='listbox'] > [role='option'] (rendered in a popover, outside the widget).
# metric:       [data-testid='stMetric'] > [data-testid='stMetricLabel'], [data-testid='stMetricValue'].
# nav links:    [data-testid='stSidebarNav'] a[data-testid='stSidebarNavLink'] (href = base + /<url_path>).

def slider(page, label: str):
    # Not get_by_role(name=..., exact=True): react-aria labels the input by itself *and* its group,
    # so its accessible name is the label twice ("t t").
    return page.locator(f"[data-testid='stSlider'] input[type='range'][aria-label={_css_str(label)}]").first


def slider_value(page, label: str) -> float:
    return float(slider(page, label).input_value())


def move_slider(page, label: str, steps: int = 1, timeout: float = 30.0) -> float:
    """Press ArrowRight (steps > 0) or ArrowLeft |steps| times on the slider; wait for the rerun."""
    thumb = slider(page, label)
    key = "ArrowRight" if steps > 0 else "ArrowLeft"
    before = thumb.input_value()
    p = probe(page)
    sent0 = p.sent
    thumb.focus()
    for _ in range(abs(steps)):
        thumb.press(key)
    if thumb.input_value() == before and p.sent == sent0:
        return float(before)  # already at the end: no value change, no rerun
    t_end = time.monotonic() + 1.5
    while p.sent == sent0 and time.monotonic() < t_end:
        page.wait_for_timeout(25)
    wait_for_rerun(page, timeout=timeout)
    return slider_value(page, label)


def number_input(page, label: str):
    return page.locator(f"[data-testid='stNumberInputField'][aria-label={_css_str(label)}]").first


def set_number_input(page, label: str, value, timeout: float = 30.0) -> None:
    field_ = number_input(page, label)
    with expect_rerun(page, timeout=timeout):
        field_.fill(str(value))
        field_.press("Enter")


def click_button(page, name: str, timeout: float = 30.0) -> None:
    with expect_rerun(page, timeout=timeout):
        page.get_by_role("button", name=name, exact=True).first.click()


def select_option(page, label: str, option: str, timeout: float = 30.0) -> None:
    box = _combobox(page, label)
    with expect_rerun(page, timeout=timeout):
        box.click()
        page.get_by_role("option", name=option, exact=True).first.click()


def selectbox_value(page, label: str) -> str:
    return _combobox(page, label).input_value()


def _combobox(page, label: str):
    return page.locator(f"[data-testid='stSelectbox'] input[role='combobox'][aria-label={_css_str(label)}]").first


def metric_value(page, label: str) -> str:
    """A read-out's value: the training page's live view (``.rv-metric``) or an st.metric."""
    live = f".rv-metric[data-label={_css_str(label)}] .rv-metric-value"
    page.wait_for_selector(f"{live}, [data-testid='stMetric']", timeout=30_000)
    if page.locator(live).count():
        return page.locator(live).first.inner_text().strip()
    m = page.locator("[data-testid='stMetric']").filter(
        has=page.locator("[data-testid='stMetricLabel']", has_text=label)
    ).first
    return m.locator("[data-testid='stMetricValue']").inner_text().strip()


def open_page_link(page, title: str, timeout: float = 30.0) -> None:
    """Click a sidebar navigation link by its title and wait for the page's run."""
    with expect_rerun(page, timeout=timeout):
        page.locator(SEL_NAV_LINK, has_text=title).first.click()


def _css_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --------------------------------------------------------------------------- app pages

def app_pages(repo: Path = REPO) -> list[tuple[str, str, str]]:
    """(file, title, url_path) for each entry of app.PAGES whose file exists, in order.

    Read with `ast` (importing app.py would run Streamlit).  url_path is what st.Page derives by
    default: the file stem; the first existing page is the default one and also served at "/".
    """
    import ast

    tree = ast.parse((repo / "app.py").read_text())
    pages = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "PAGES" for t in node.targets):
            pages = ast.literal_eval(node.value)
    return [(f, title, Path(f).stem) for f, title, *_ in pages if (repo / f).exists()]
