"""How long a link a fresh server reopens: a chunking TCP proxy and a probe (no pytest in here).

    python -m tests.browser.link_limit            # measures and prints the largest link that works

A link "works" when a fresh browser context opening it on the app gets exactly the link's state (the app
writes the state it opened back into the address bar; that query is read back with ``from_query``).
Links are opened directly and through ``ChunkingProxy``, a local TCP proxy that forwards the browser's
bytes in 1,460-byte pieces with a short pause between them, as a real network delivers a long request.
Used by ``tests/browser/test_link_limits.py``.

Measured on Streamlit 1.67 (Uvicorn / h11), 2026-12-03: the page request alone answers 200 up to a query of
~127,800 characters in one piece; in 1,460-byte pieces 17,000 characters pass 8 times out of 8 and 17,500
fail 8 out of 8 ("400 Bad Request": h11 caps an incomplete request head at 16 KiB).  In the browser,
through the proxy, a 7,713-character link opened exactly (page loads through this proxy take ~1 minute,
so the browser sweep is slow).  Hence ``rnnviz.query.SAFE_LINK_CHARS`` = 8,000.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from urllib.parse import urlencode

import numpy as np

from rnnviz.query import from_query, to_query_readable
from rnnviz.state import SimState, default_state, resized

from .harness import assert_no_exception, goto, new_app_page, query_params

PIECE = 1460  # bytes: one TCP segment's payload on an Ethernet path (MTU 1500)


class ChunkingProxy:
    """127.0.0.1:<port> -> 127.0.0.1:<target>: the client's bytes go out in ``PIECE``-byte writes, ``pause`` apart."""

    def __init__(self, target_port: int, pause: float = 0.002):
        self.target_port, self.pause = target_port, pause
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _pipe(self, reader, writer, pieces: bool) -> None:
        try:
            while data := await reader.read(65536):
                step = PIECE if pieces else len(data)
                for i in range(0, len(data), step):
                    writer.write(data[i:i + step])
                    await writer.drain()
                    if pieces and i + step < len(data):
                        await asyncio.sleep(self.pause)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _serve(self, client_reader, client_writer) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_writer.close()
            return
        for writer in (server_writer, client_writer):  # no Nagle stalls: each piece leaves at once
            sock = writer.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        await asyncio.gather(self._pipe(client_reader, server_writer, True),
                             self._pipe(server_reader, client_writer, False))

    def __enter__(self) -> str:
        self._thread.start()
        self._ready.wait(10)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


def state_of_length(chars: int, seed: int = 0) -> SimState:
    """A state whose readable query is about ``chars`` characters: n=2, d=16, T steps of 17-digit inputs."""
    rng = np.random.default_rng(seed)
    d = 16
    base = resized(default_state(), d=d)
    T = int(min(max(1, (chars - 120) // (d * 20)), 500))
    x = np.round(rng.uniform(-1, 1, (T, d)), 15) + 0.0
    x[x == 0] = 0.5
    return resized(base, T=T).replace(x=x)


def readable_query(state: SimState) -> str:
    return urlencode(to_query_readable(state), safe=",;")


def opens_exactly(browser, base_url: str, query: str, expected: SimState, path: str = "/cell",
                  timeout: float = 60.0) -> tuple[bool, str]:
    """(whether a fresh context opening base_url/path?query shows ``expected``, what happened)."""
    page = new_app_page(browser)
    try:
        try:
            goto(page, base_url, path, query, timeout=timeout)
        except Exception as exc:  # noqa: BLE001 - a refused request never starts a script run
            try:
                body = page.locator("body").inner_text(timeout=5000)[:120].replace("\n", " ")
            except Exception:  # noqa: BLE001
                body = "<no page>"
            return False, f"no script run ({type(exc).__name__}): {body!r}"
        assert_no_exception(page)
        state, warnings = from_query(query_params(page))
        if warnings:
            return False, f"warnings {warnings[:2]}"
        if state != expected.replace(t=state.t) or state.t != expected.t:
            return False, f"another state opened: {state!r}"
        return True, "ok"
    finally:
        page.context.close()


def largest_working(browser, base_url: str, lengths: list[int]) -> tuple[int, list[tuple[int, int, bool, str]]]:
    """The longest query of ``lengths`` (ascending) that opened exactly, and every probe's (target, length, ok, why)."""
    best, log = 0, []
    for target in lengths:
        state = state_of_length(target, seed=target)
        query = readable_query(state)
        ok, why = opens_exactly(browser, base_url, query, state)
        log.append((target, len(query), ok, why))
        print(f"  {base_url} query {len(query):>7,} chars: {'ok' if ok else 'FAILED'} {why}", flush=True)
        if ok:
            best = max(best, len(query))
    return best, log


def main(argv: list[str]) -> None:  # pragma: no cover - a measurement, run by hand
    """Arguments: "direct" and / or "pieces", then the query lengths to try (default: 2,000 to 150,000)."""
    from playwright.sync_api import sync_playwright

    from .harness import StreamlitServer, launch_browser

    modes = [a for a in argv if a in ("direct", "pieces")] or ["direct", "pieces"]
    lengths = [int(a) for a in argv if a.isdigit()] or [
        2_000, 4_000, 8_000, 12_000, 14_000, 16_000, 17_000, 18_000, 20_000, 24_000, 32_000, 48_000, 64_000,
        80_000, 96_000, 128_000, 150_000]
    with sync_playwright() as pw:
        browser = launch_browser(pw)
        for via_proxy in [mode == "pieces" for mode in modes]:
            server = StreamlitServer()
            url = server.start()
            try:
                if via_proxy:
                    with ChunkingProxy(server.port) as proxy_url:
                        print(f"through {PIECE}-byte pieces:", flush=True)
                        best, _ = largest_working(browser, proxy_url, lengths)
                else:
                    print("direct:", flush=True)
                    best, _ = largest_working(browser, url, lengths)
                print(f"largest working query {'(pieces)' if via_proxy else '(direct)'}: {best:,} chars", flush=True)
            finally:
                server.stop()
        browser.close()


if __name__ == "__main__":  # pragma: no cover
    import sys

    main(sys.argv[1:])
