"""The embedded HTTP server: the daemon's Starlette app under uvicorn, inside the daemon's loop.

uvicorn installs its own SIGINT/SIGTERM handlers while it serves and re-raises the signal when it
stops; the runner owns the signals (they become its stop event), so this server leaves them alone.
The socket is bound before serving so that a port in use is a clear start-up error, not a
``sys.exit`` from inside a task.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Generator
from typing import Any, Final

import uvicorn

from hhsync.errors import Fatal

STOP_TIMEOUT_S: Final = 5.0


class EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves the process's signal handlers to the runner (also used for
    the demo's in-process sandboxes)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def bind(host: str, port: int) -> socket.socket:
    """Listen on ``host:port`` now (port 0: any free port), or fail saying which setting to fix."""
    try:
        return socket.create_server((host, port), reuse_port=False)
    except OSError as exc:
        raise Fatal(
            f"web: cannot listen on {host}:{port} ({exc.strerror or exc}); "
            "change web.host / web.port (HHSYNC_WEB__PORT)"
        ) from exc


class WebServer:
    """Serves one ASGI app on an already bound socket until :meth:`stop`."""

    def __init__(self, app: Any, sock: socket.socket) -> None:
        self._sock = sock
        config = uvicorn.Config(
            app, log_config=None, access_log=False, lifespan="off", log_level="warning"
        )
        self._server = EmbeddedServer(config)
        self.task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        """``http://host:port`` the server answers on."""
        host, port = self._sock.getsockname()[:2]
        return f"http://{host}:{port}"

    async def start(self) -> None:
        """Start serving in a named task and return once the server accepts connections."""
        self.task = asyncio.create_task(self._server.serve([self._sock]), name="web-server")
        while not self._server.started:
            if self.task.done():
                await self.task  # raises what stopped it
                raise Fatal("web: the HTTP server stopped during start-up")
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        """Finish open requests briefly, then close."""
        if self.task is None:
            return
        self._server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(self.task), STOP_TIMEOUT_S)
        except TimeoutError:
            self._server.force_exit = True
            await self.task
        finally:
            self._sock.close()
