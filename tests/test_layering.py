"""The layering rules of docs/ARCHITECTURE.md, checked by parsing every module's imports (ast, nothing run).

- Only app.py, pages/ and rnnviz/ui/ import streamlit.
- The model modules (engine, state, query, stacking, training, optim, tasks, losses, training_setup) import
  neither streamlit nor plotly, not even through another rnnviz module.
- Only rnnviz/ui/session.py touches st.session_state: every other file goes through its functions and Keys.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "rnnviz"
MODEL_MODULES = ["engine", "state", "query", "stacking", "training", "optim", "tasks", "losses", "training_setup"]
# Modules allowed to break a rule for now, with the reason (none today).
KNOWN_PENDING: dict[str, str] = {}


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, absolute (``from . import x`` inside rnnviz resolved), at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1]) if path.is_relative_to(ROOT) else ""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(p for p in parts + [base] if p)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def top_level(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


def module_file(name: str) -> Path | None:
    """The file of an rnnviz module (``rnnviz.ui.page`` -> rnnviz/ui/page.py), None if it is not one."""
    path = ROOT.joinpath(*name.split("."))
    if path.with_suffix(".py").is_file():
        return path.with_suffix(".py")
    if (path / "__init__.py").is_file():
        return path / "__init__.py"
    return None


def reachable(path: Path) -> dict[str, Path]:
    """Every module a file imports, directly or through rnnviz modules: {module name: the file importing it}."""
    seen: dict[str, Path] = {}
    todo = [path]
    visited = set()
    while todo:
        current = todo.pop()
        if current in visited:
            continue
        visited.add(current)
        for name in imported_modules(current):
            seen.setdefault(name, current)
            if name.startswith("rnnviz") and (target := module_file(name)) is not None:
                todo.append(target)
    return seen


def python_files() -> list[Path]:
    files = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted(PACKAGE.rglob("*.py"))]
    return [f for f in files if f.is_file()]


def may_import_streamlit(path: Path) -> bool:
    rel = path.relative_to(ROOT)
    return rel.parts[0] == "pages" or rel == Path("app.py") or rel.parts[:2] == ("rnnviz", "ui")


@pytest.mark.parametrize("path", [p for p in python_files() if not may_import_streamlit(p)],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_outside_the_ui_imports_streamlit(path):
    assert "streamlit" not in top_level(imported_modules(path))


def _model_params():
    for name in MODEL_MODULES:
        marks = [pytest.mark.xfail(reason=KNOWN_PENDING[name], strict=False)] if name in KNOWN_PENDING else []
        yield pytest.param(name, marks=marks, id=name)


@pytest.mark.parametrize("name", _model_params())
def test_model_modules_import_neither_streamlit_nor_plotly(name):
    path = PACKAGE / f"{name}.py"
    if not path.exists():
        pytest.skip(f"rnnviz/{name}.py does not exist on this branch yet")
    offending = {module: via for module, via in reachable(path).items() if module.split(".")[0] in
                 ("streamlit", "plotly")}
    assert not offending, {m: str(v.relative_to(ROOT)) for m, v in offending.items()}


def _touches_session_state(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr == "session_state"]


@pytest.mark.parametrize("path", [p for p in python_files() if p != PACKAGE / "ui" / "session.py"],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_session_module_touches_session_state(path):
    assert not _touches_session_state(path), "use rnnviz.ui.session (get/put/pop with a Keys name)"


# --------------------------------------------------------------------------- the checker itself

def test_the_checker_sees_imports_at_any_depth(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("import os\nfrom plotly import graph_objects as go\n\ndef f():\n    import streamlit as st\n")
    assert {"plotly", "streamlit", "os"} <= top_level(imported_modules(probe))
    probe.write_text("def f(st):\n    return st.session_state['k']\n")
    assert _touches_session_state(probe) == [2]


def test_the_checker_follows_rnnviz_imports():
    # rnnviz.ui.page imports streamlit itself and reaches rnnviz.engine through its own imports
    found = reachable(PACKAGE / "ui" / "page.py")
    assert "streamlit" in found and "rnnviz.engine" in found and "numpy" in found
