"""Serve an ASGI app over real HTTP on a free local port, in a background thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from hhsync.clock import SystemClock

_CLOCK = SystemClock()  # waits are bounded by real time


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serve(app: Any, host: str = "127.0.0.1", port: int | None = None) -> Iterator[str]:
    """Run ``app`` with uvicorn in a background thread; yields its base URL, stops it on exit."""
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
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn:{chosen}", daemon=True)
    thread.start()
    deadline = _CLOCK.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or _CLOCK.monotonic() > deadline:
            raise RuntimeError(f"test server on {host}:{chosen} did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{chosen}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
