"""axe-core on every page at a laptop (1440 px) and a phone (390 px) width: no critical or serious violation.

axe-core comes from npm (tests/browser/package.json, installed by .ci/run into tests/browser/node_modules).
Each run's full result goes to test-output/axe/<page>-<width>.json (a CI artifact); the moderate and minor
violations that remain are listed, with a reason, in the README's accessibility section.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .harness import OUTPUT_DIR, app_pages, assert_no_exception, goto, wait_for_rerun

PAGES = app_pages()
AXE_JS = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_DIR = OUTPUT_DIR / "axe"
WIDTHS = {"desktop": {"width": 1440, "height": 1000}, "phone": {"width": 390, "height": 844}}
BLOCKING = ("critical", "serious")


def page_path(url_path: str) -> str:
    """The landing page is served at "/" (its own name is only an alias that redirects)."""
    return "/" if url_path == PAGES[0][2] else f"/{url_path}"


def run_axe(page) -> dict:
    """axe.run on the whole document (WCAG 2.x A/AA and best practices), returned as a dict."""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} missing: run `npm ci --prefix tests/browser` (.ci/run does)", pytrace=False)
    # The app's stylesheet (rnnviz.ui.theme) is what a person sees: axe must not judge the page in the
    # instant before it is mounted (CI once caught Streamlit's faded caption grey, 3.97:1, that way).
    page.wait_for_function("""() => [...document.querySelectorAll('style')]
        .some(s => s.textContent.includes('stCaptionContainer'))""", timeout=30_000)
    wait_for_rerun(page, require_new=False)
    page.add_script_tag(path=str(AXE_JS))
    return page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return {violations: r.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary,
                                      html: n.html.slice(0, 200)}))}))};
    }""")


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])} nodes)")
        lines += [f"    {n['target']}: {n['summary'].splitlines()[-1].strip()}" for n in v["nodes"][:4]]
    return "\n".join(lines)


@pytest.fixture(params=list(WIDTHS), ids=list(WIDTHS))
def sized_page(browser, request):
    from .harness import new_app_page

    pg = new_app_page(browser, viewport=WIDTHS[request.param])
    pg.rnnviz_width = request.param
    yield pg
    pg.context.close()


@pytest.mark.parametrize("file,title,url_path", PAGES, ids=[p[2] for p in PAGES] or None)
def test_no_serious_violations(app_server, sized_page, file, title, url_path):
    goto(sized_page, app_server, page_path(url_path))
    assert_no_exception(sized_page)
    result = run_axe(sized_page)
    AXE_DIR.mkdir(parents=True, exist_ok=True)
    (AXE_DIR / f"{url_path}-{sized_page.rnnviz_width}.json").write_text(json.dumps(result, indent=1))
    blocking = [v for v in result["violations"] if v["impact"] in BLOCKING]
    assert not blocking, f"{url_path} at {sized_page.rnnviz_width}:\n{describe(blocking)}"
