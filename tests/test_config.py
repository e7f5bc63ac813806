"""Public-demo settings, read back the way Streamlit itself resolves them (`streamlit config show`),
plus the container's hardening (Dockerfile, hashed lock file) and the opt-in allocator tuning."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _effective_config() -> dict[str, object]:
    """{"section.option": value} for every option `streamlit config show` prints as set (uncommented).

    Run from the repo root so `.streamlit/config.toml` is the project file Streamlit reads.
    """
    out = subprocess.run(
        [sys.executable, "-m", "streamlit", "config", "show"],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=True,
    ).stdout
    values, section = {}, None
    for line in out.splitlines():
        if m := re.fullmatch(r"\[(\w+)\]", line.strip()):
            section = m.group(1)
        elif section and (m := re.fullmatch(r"(\w+) = (.+)", line)):
            values[f"{section}.{m.group(1)}"] = tomllib.loads(f"v = {m.group(2)}")["v"]
    return values


@pytest.fixture(scope="module")
def effective() -> dict[str, object]:
    return _effective_config()


@pytest.mark.parametrize("option, expected", [
    ("server.fileWatcherType", "none"),         # a Community Cloud deploy must not watch files
    ("server.runOnSave", False),
    ("server.headless", True),
    ("server.enableXsrfProtection", True),
    ("server.maxUploadSize", 1),                 # MB; a saved network is a few kB
    ("server.maxMessageSize", 50),               # MB; below Streamlit's default 200
    ("browser.gatherUsageStats", False),
    ("client.toolbarMode", "minimal"),
    ("client.showErrorDetails", "type"),         # no tracebacks for the public
])
def test_public_demo_setting(effective, option, expected):
    assert option in effective, f"{option} is not set by .streamlit/config.toml (streamlit config show)"
    assert effective[option] == expected


def test_config_show_parser_sees_defaults_as_unset(effective):
    # A guard on the parser above: options left at their default are printed commented out.
    assert "server.allowedHosts" not in effective
    assert "server.port" not in effective


def test_importing_the_package_tunes_no_allocator():
    """Issue 14/15: no process-wide glibc tuning on import; benchmarks opt in explicitly."""
    code = "import sys, rnnviz, rnnviz.engine, rnnviz.state; print('rnnviz._memory' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_engine_benchmark_opts_in_to_the_allocator_tuning():
    src = (REPO / "benchmarks" / "bench_engine.py").read_text()
    assert "keep_freed_memory()" in src


def _dockerfile_instructions() -> list[tuple[str, str]]:
    text = (REPO / "Dockerfile").read_text().replace("\\\n", " ")
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            rows.append((word.upper(), rest.strip()))
    return rows


def test_dockerfile_hardening():
    rows = _dockerfile_instructions()
    froms = [rest for word, rest in rows if word == "FROM"]
    assert froms and all(re.search(r":[\w.-]+@sha256:[0-9a-f]{64}\b", f) for f in froms), froms
    users = [rest for word, rest in rows if word == "USER"]
    assert users and users[-1] not in ("root", "0"), "the image must end as a non-root user"
    assert any(word == "HEALTHCHECK" and "/_stcore/health" in rest for word, rest in rows)
    runs = " ".join(rest for word, rest in rows if word == "RUN")
    assert "--require-hashes" in runs and "requirements.lock" in runs


def test_lock_file_pins_every_package_with_a_hash():
    text = (REPO / "requirements.lock").read_text().replace("\\\n", " ")
    reqs = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    names = {re.split(r"[=<>\[ ]", r, maxsplit=1)[0].lower().replace("_", "-") for r in reqs}
    assert {"streamlit", "numpy", "plotly", "pandas", "orjson"} <= names
    for r in reqs:
        assert re.match(r"^[A-Za-z0-9_.\-\[\],]+==[^ ]+ ", r), f"not pinned with ==: {r[:80]}"
        assert re.search(r"--hash=sha256:[0-9a-f]{64}", r), f"no hash: {r[:80]}"
