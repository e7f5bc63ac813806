"""deploy/: nginx + 3 Streamlit replicas on this machine (issue 15 item 4).

    python -m pytest -q tests/browser/test_deploy.py            # ~1-3 min; needs nginx (+ chromium for the last test)

1. The proxy: security headers, the affinity cookie, sticky routing per cookie, spread across replicas.
2. 20 browser sessions, each on its own link, spread over 3 replicas; each moves a slider; the
   replica holding the most sessions is killed; every session on it reconnects (the Streamlit
   client opens a new websocket by itself) to another replica through nginx; there its next
   slider moves run in a fresh session that has only the link to go by, and every one of the 20
   shows exactly the network it showed before (0 networks lost).

Skips with a clear reason where nginx (or, for the browser test, chromium) is missing; .ci/run
installs both.
"""

from __future__ import annotations

import re
import time
import urllib.request
from collections import Counter

import pytest

from deploy.cluster import AFFINITY_COOKIE, UPSTREAM_HEADER, Cluster, find_nginx
from tests.browser.harness import (
    SEL_EXCEPTION,
    attach_probe,
    free_port,
    move_slider,
    slider_value,
    wait_for_rerun,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(find_nginx() is None, reason="nginx not installed (apt-get install nginx; .ci/run does)"),
]

REPLICAS = 3
SESSIONS = 20
T_STEPS = 8
STEP_SLIDER = "Step t"


@pytest.fixture(scope="module")
def cluster():
    ports = [free_port() for _ in range(REPLICAS + 1)]
    c = Cluster(REPLICAS, ports[0], replica_ports=ports[1:], expose_upstream=True,
                extra_args=["--client.showErrorDetails", "full"])
    try:
        c.start(timeout=120)
    except Exception as e:  # noqa: BLE001
        pytest.fail(f"cluster did not come up: {e}", pytrace=False)
    yield c
    c.stop()


def _get(url: str, cookie: str | None = None):
    req = urllib.request.Request(url, headers={"Cookie": f"{AFFINITY_COOKIE}={cookie}"} if cookie else {})
    with urllib.request.urlopen(req, timeout=10) as r:
        r.read()
        return r.status, r.headers


def test_proxy_headers_cookie_and_stickiness(cluster):
    status, headers = _get(cluster.url + "/")
    assert status == 200
    assert headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    cookies = headers.get_all("Set-Cookie")
    mine = [c for c in cookies if c.startswith(f"{AFFINITY_COOKIE}=")]
    assert len(mine) == 1 and "HttpOnly" in mine[0], cookies
    key = re.match(rf"{AFFINITY_COOKIE}=([0-9a-f]{{32}});", mine[0]).group(1)

    # The same cookie always reaches the same replica, and is not set again.
    seen = set()
    for path in ("/", "/_stcore/health", "/_stcore/host-config", "/heatmaps"):
        _, h = _get(cluster.url + path, cookie=key)
        seen.add(h[UPSTREAM_HEADER])
        assert not [c for c in h.get_all("Set-Cookie") or [] if c.startswith(AFFINITY_COOKIE)]
    assert len(seen) == 1, seen
    assert seen <= {r.address for r in cluster.replicas}

    # Different browsers (cookies) spread over the replicas; a forged cookie is just another key.
    spread = Counter(_get(cluster.url + "/_stcore/health", cookie=f"{i:032x}")[1][UPSTREAM_HEADER]
                     for i in range(60))
    assert len(spread) == REPLICAS, spread
    _, h = _get(cluster.url + "/_stcore/health", cookie="not-hex; x=1")
    assert h[UPSTREAM_HEADER] in {r.address for r in cluster.replicas}


# --------------------------------------------------------------------------- browser


def session_link(i: int) -> str:
    """Session i's own network: a distinct first input and bias, and its own step."""
    xs = [f"{1 + (i + 1) / 100:.2f}"] + ["-1" if j % 2 else "2" for j in range(1, T_STEPS)]
    return f"/?x={';'.join(xs)}&b={i / 50:.2f},-0.1&t={1 + i % 4}"


def fingerprint(page) -> str:
    """What the page shows of its network: the main area's text (derivation numbers, step) and t."""
    main = page.locator("[data-testid='stMain']").inner_text()
    return f"t={slider_value(page, STEP_SLIDER):g}\n{main}"


@pytest.mark.browser
def test_replica_killed_mid_session_loses_no_network(cluster, browser):
    t_start = time.monotonic()
    pages, replica_of, sockets = [], [], [0] * SESSIONS
    for i in range(SESSIONS):  # one context per student: own cookie jar, own affinity cookie
        ctx = browser.new_context(viewport={"width": 1100, "height": 900})
        page = ctx.new_page()
        page.set_default_timeout(180_000)  # a shared CI machine under load: generous, not a timing test
        attach_probe(page)
        page.on("websocket", lambda ws, i=i: "/_stcore/stream" in ws.url and sockets.__setitem__(i, sockets[i] + 1))
        response = page.goto(cluster.url + session_link(i), wait_until="domcontentloaded")
        replica_of.append(response.headers[UPSTREAM_HEADER.lower()])
        pages.append(page)
    for page in pages:
        wait_for_rerun(page, timeout=180)
    print(f"\n{SESSIONS} sessions loaded in {time.monotonic() - t_start:.0f}s", flush=True)

    counts = Counter(replica_of)
    assert len(counts) > 1, f"all {SESSIONS} sessions on one replica: {counts}"

    # Mid-session: every student moves the step slider once, so the state is no longer the link's first one.
    for page in pages:
        move_slider(page, STEP_SLIDER, 1, timeout=180)
        assert not page.locator(SEL_EXCEPTION).count()
    before = [fingerprint(page) for page in pages]
    print(f"moved a slider in each: {time.monotonic() - t_start:.0f}s", flush=True)
    assert len(set(before)) == SESSIONS, "different links must show different networks"

    victim_addr, _ = counts.most_common(1)[0]
    victim = next(r for r in cluster.replicas if r.address == victim_addr)
    moved = [i for i, a in enumerate(replica_of) if a == victim_addr]
    cluster.kill_replica(victim.index)

    # The Streamlit client of every page on the dead replica opens a new websocket by itself; nginx
    # sends it to another replica, where it gets a fresh session.  (Streamlit 1.67 does not rerun
    # on reconnect: the page keeps what it drew until the next interaction.)
    deadline = time.monotonic() + 120
    waiting = set(moved)
    while waiting and time.monotonic() < deadline:
        waiting -= {i for i in waiting if sockets[i] > 1}
        pages[0].wait_for_timeout(200)
    assert not waiting, f"sessions {sorted(waiting)} never reconnected:\n{cluster.log('error.log')}"

    swallowed = []
    # Each moved student goes on: a step back and forth runs twice in the fresh session on a surviving
    # replica, which knows nothing but what the browser sends: the link (and the widgets' values).
    for i in moved:
        tried = pages[i].request.get(cluster.url + "/_stcore/health").headers[UPSTREAM_HEADER.lower()]
        now = tried.split(", ")[-1]  # $upstream_addr lists every replica tried: the dead one, then the answer
        assert now != victim_addr and now in {r.address for r in cluster.replicas}
        t_before = slider_value(pages[i], STEP_SLIDER)
        if move_slider(pages[i], STEP_SLIDER, -1, timeout=180) == t_before:
            # The fresh session's first run takes t from the link, not from the slider's new value:
            # that one move is not lost network, but it is swallowed (reported, not hidden).
            swallowed.append(i)
            assert move_slider(pages[i], STEP_SLIDER, -1, timeout=180) == t_before - 1
        assert move_slider(pages[i], STEP_SLIDER, 1, timeout=180) == t_before
        assert not pages[i].locator(SEL_EXCEPTION).count()

    after = [fingerprint(page) for page in pages]
    lost = [i for i in range(SESSIONS) if after[i] != before[i]]
    assert not lost, (f"{len(lost)} networks lost (sessions {lost}); first:\n"
                      f"before: {before[lost[0]][:400]}\nafter:  {after[lost[0]][:400]}")

    print(f"\nsessions per replica {dict(counts)}; killed {victim_addr} holding {len(moved)}; "
          f"0 of {SESSIONS} networks lost; first move after the failover taken from the link instead of "
          f"the slider in {len(swallowed)} of {len(moved)}; {time.monotonic() - t_start:.0f}s")
    for page in pages:
        page.context.close()
