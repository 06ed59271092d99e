"""Serve an ASGI app over real HTTP on a free local port, in a background thread."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn

from hhsync.clock import SystemClock

_CLOCK = SystemClock()  # waits are bounded by real time


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


@functools.cache
def client_tls() -> ssl.SSLContext:
    """httpx's default TLS context, built once: httpx otherwise reads the CA bundle again for every
    client, a noticeable cost when each test opens several (pass it as ``verify=``)."""
    return httpx.create_ssl_context()


class _Server(uvicorn.Server):
    """uvicorn's server that a stop from another thread wakes at once, rather than at its next
    0.1 s tick: tests start and stop servers by the thousand."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    async def main_loop(self) -> None:
        """uvicorn's loop (the same ticks, the same exit checks), woken early by :meth:`stop`."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), 0.1)

    def stop(self) -> None:
        """Ask the server to shut down (thread-safe)."""
        self.should_exit = True
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # its loop already closed
                loop.call_soon_threadsafe(wake.set)


def _start(app: Any, host: str, port: int | None) -> tuple[_Server, threading.Thread, str]:
    chosen = port or free_port(host)
    config = uvicorn.Config(
        app,
        host=host,
        port=chosen,
        log_level="warning",
        lifespan="on",
        access_log=False,
        log_config=None,  # leave the process's logging alone (tests assert on it)
    )
    server = _Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn:{chosen}", daemon=True)
    thread.start()
    deadline = _CLOCK.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or _CLOCK.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"test server on {host}:{chosen} did not start")
        time.sleep(0.01)
    return server, thread, f"http://{host}:{chosen}"


@contextmanager
def serve_all(*apps: Any, host: str = "127.0.0.1") -> Iterator[list[str]]:
    """Run each of ``apps`` on its own free port; yields their base URLs in order and stops them
    all together on exit (their shutdowns overlap)."""
    running: list[tuple[_Server, threading.Thread, str]] = []
    try:
        for app in apps:
            running.append(_start(app, host, None))
        yield [url for _, _, url in running]
    finally:
        for server, _, _ in running:
            server.stop()
        for _, thread, _ in running:
            thread.join(timeout=10)


@contextmanager
def serve(app: Any, host: str = "127.0.0.1", port: int | None = None) -> Iterator[str]:
    """Run ``app`` with uvicorn in a background thread; yields its base URL, stops it on exit."""
    server, thread, url = _start(app, host, port)
    try:
        yield url
    finally:
        server.stop()
        thread.join(timeout=10)
