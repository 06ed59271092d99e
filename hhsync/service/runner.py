"""The daemon's lifecycle (``hhsync run``): start, serve, stop gracefully, never hang.

Modelled on procrastinate's worker: SIGTERM and SIGINT only set a stop event; the pass scheduler
and the web server run as named tasks watched by :meth:`Runner.run`; a stop first stops claiming,
then lets running passes finish within ``sync.graceful_stop_s`` (cancelling what remains), gives
the leases back and closes the HTTP pools. systemd hears READY=1 once the database answers and
the web server listens, WATCHDOG=1 pings while the loop is alive, and STOPPING=1 when the stop
begins. ``CancelledError`` is always re-raised: a cancelled runner still cleans up, then ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator
from typing import Any, Final

import httpx
from sqlalchemy import text

from hhsync.clock import Clock
from hhsync.config import Settings, check_web_app
from hhsync.db import runs, sql
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.errors import ConfigError
from hhsync.hh.rest import user_agent
from hhsync.log import get_logger
from hhsync.metrics import Metrics
from hhsync.service.notify import Notifier
from hhsync.service.scheduler import PassScheduler
from hhsync.service.web_server import EmbeddedServer, WebServer, bind
from hhsync.sync.context import SyncContext
from hhsync.sync.writing import ENRICH_DB_CONNECTIONS
from hhsync.web.app import create_app
from hhsync.web.context import WebContext
from hhsync.web.door import door_routes

EVENT_STARTED: Final = "daemon.started"
EVENT_STOPPING: Final = "daemon.stopping"
EVENT_STOPPED: Final = "daemon.stopped"
EVENT_SIDE_TASK_DIED: Final = "daemon.side_task_died"

# Connections a running daemon needs besides its passes: the claim tick / heartbeat and /readyz.
POOL_RESERVE: Final = 2
# Connections one pass may hold at once, at its peak (creates over a CRM that may hold ours):
PASS_CONNECTIONS: Final = (
    # the hh.ru enrichment workers, between their round trips (hhsync.sync.apply.enrich's gate)
    ENRICH_DB_CONNECTIONS
    # the account's hh.ru token refresh or reload, outside that gate (one at a time: its lock)
    + 1
    # the create batch being sent: its in-flight marking and its answers (during its request,
    # the Bitrix24 token refresh it may trigger instead; one at a time: the portal's lock)
    + 1
    # the next chunk's adoption lookup, run ahead alongside the send: its answers, or the
    # Bitrix24 token refresh during its request
    + 1
)
DEFAULT_WATCHDOG_S: Final = 30.0

log = get_logger(__name__)


def check_pool(settings: Settings) -> None:
    """Refuse a pool that concurrent passes could exhaust (ARCHITECTURE.md invariant 5).

    A pass holds up to :data:`PASS_CONNECTIONS` at once (its enrichment workers, the hh.ru token
    refresh, the batch being sent and the lookup run ahead of it each commit on their own); the
    claim tick, the heartbeat and the readiness probe need :data:`POOL_RESERVE` more between
    them.

    Raises:
        ConfigError: naming both settings and the smallest pool that works.
    """
    if settings.embedded_database or (settings.database.url or "").startswith("sqlite"):
        return  # SQLite serialises writers anyway; there is no pool to exhaust
    passes = settings.sync.max_concurrent_passes
    pool = settings.database.pool_size + settings.database.pool_max_overflow
    needed = pool_needed(passes)
    if pool < needed:
        raise ConfigError(
            [
                f"database.pool_size ({settings.database.pool_size}, plus "
                f"pool_max_overflow {settings.database.pool_max_overflow}) is too small for "
                f"sync.max_concurrent_passes ({passes}): each pass may hold {PASS_CONNECTIONS} "
                f"connections and the daemon {POOL_RESERVE} more; set "
                f"HHSYNC_DATABASE__POOL_SIZE={needed} or lower HHSYNC_SYNC__MAX_CONCURRENT_PASSES"
            ]
        )


def pool_needed(passes: int) -> int:
    """The smallest pool that ``passes`` concurrent passes can never exhaust."""
    return passes * PASS_CONNECTIONS + POOL_RESERVE


def daemon_web_context(ctx: SyncContext, http: httpx.AsyncClient) -> WebContext:
    """The web app's context in the daemon: the passes' settings, database, cipher, clock,
    Bitrix24 limiters and hh.ru budget, so the app page and the passes share each portal's one
    bucket, and the hh.ru login and the passes the one per-IP budget."""
    return WebContext(
        ctx.settings,
        ctx.database,
        ctx.cipher,
        http,
        clock=ctx.clock,
        shared_limiters=ctx.limiters,
        shared_hh_budget=ctx.budget,
    )


class Runner:
    """One daemon instance: pass scheduler, embedded web server, notifications, graceful stop."""

    def __init__(
        self,
        settings: Settings,
        database: Database,
        cipher: TokenCipher,
        *,
        metrics: Metrics | None = None,
        notifier: Notifier | None = None,
        clock: Clock | None = None,
        instance_id: str | None = None,
        serve_web: bool = True,
        tick_s: float | None = None,
    ) -> None:
        check_pool(settings)
        if serve_web:
            check_web_app(settings)
        self.settings = settings
        self.database = database
        self.metrics = metrics or Metrics()
        self.notifier = notifier or Notifier(None)
        self.ctx = SyncContext.create(
            settings, database, cipher, clock=clock, instance_id=instance_id, metrics=self.metrics
        )
        self.scheduler = PassScheduler(self.ctx, self.metrics, tick_s=tick_s)
        self._serve_web = serve_web
        self.web: WebServer | None = None
        self._web_http: httpx.AsyncClient | None = None
        self.started = asyncio.Event()
        """Set once the daemon is ready (what READY=1 announces)."""

    def _web_context(self) -> WebContext:
        """The app routes' context (see :func:`daemon_web_context`), with one HTTP client for
        Bitrix24's OAuth server and hh.ru (closed when the daemon stops)."""
        address = self.settings.hh.local_address
        self._web_http = httpx.AsyncClient(
            timeout=self.settings.bitrix.request_timeout_s,
            headers={"User-Agent": user_agent(self.settings.hh.user_agent_contact)},
            # the login's hh.ru calls count against this instance's address like its passes'
            transport=httpx.AsyncHTTPTransport(
                local_address=None if address is None else str(address)
            ),
        )
        return daemon_web_context(self.ctx, self._web_http)

    @property
    def web_url(self) -> str | None:
        """Where the embedded web server answers, once started."""
        return self.web.url if self.web is not None else None

    async def run(self, stop: asyncio.Event | None = None, *, handle_signals: bool = True) -> None:
        """Run until ``stop`` is set (or SIGTERM/SIGINT arrive), then stop gracefully."""
        stop = stop or asyncio.Event()
        with _signals_set(stop, enabled=handle_signals):
            try:
                await self._start()
                await self._serve_until(stop)
            finally:
                await self._stop()

    async def _start(self) -> None:
        async with self.database.session() as session:
            connection = await session.connection()
            await connection.execute(text(sql.SELECT_ONE))  # fail fast on a dead database
            closed = await runs.close_abandoned_runs(session, self.ctx.clock.now())
        if closed:
            log.warning("daemon.abandoned_runs_closed", count=closed)
        if self._serve_web:
            sock = bind(self.settings.web.host, self.settings.web.port)
            self.web = WebServer(
                create_app(
                    self.database,
                    self.metrics,
                    routes=door_routes(self._web_context()),
                    max_body_bytes=self.settings.web.max_body_bytes,
                ),
                sock,
            )
            await self.web.start()
        self.scheduler.start()
        self.started.set()
        self.notifier.ready(f"instance {self.ctx.instance_id}: claiming due portals")
        log.info(
            EVENT_STARTED,
            owner=self.ctx.instance_id,
            web=self.web_url,
            max_concurrent_passes=self.settings.sync.max_concurrent_passes,
            poll_interval_s=self.settings.sync.poll_interval_s,
        )

    async def _serve_until(self, stop: asyncio.Event) -> None:
        """Wait for the stop event while pinging the watchdog; a dead side task stops us too."""
        interval_s = (self.notifier.watchdog_interval_s or DEFAULT_WATCHDOG_S * 2) / 2
        stopper = asyncio.create_task(stop.wait(), name="stop-event")
        watched: list[asyncio.Task[Any]] = [stopper]
        if self.web is not None and self.web.task is not None:
            watched.append(self.web.task)
        try:
            while True:
                done, _ = await asyncio.wait(
                    watched, timeout=interval_s, return_when=asyncio.FIRST_COMPLETED
                )
                self.notifier.watchdog()
                self.notifier.status(
                    f"{len(self.scheduler.running)} passes running, "
                    f"{self.scheduler.tally.passes} finished"
                )
                if stopper in done:
                    return
                for task in done:
                    log.error(EVENT_SIDE_TASK_DIED, task=task.get_name())
                    task.result()  # raises what killed it
                    raise RuntimeError(f"side task {task.get_name()} ended unexpectedly")
        finally:
            stopper.cancel()

    async def _stop(self) -> None:
        graceful_s = self.settings.sync.graceful_stop_s
        running = self.scheduler.running
        self.notifier.stopping(f"finishing {len(running)} passes (up to {graceful_s:g} s)")
        log.info(EVENT_STOPPING, running=running, graceful_stop_s=graceful_s)
        try:
            await self.scheduler.stop_claiming()
            await self.scheduler.wait_passes(graceful_s)
            self.scheduler.shutdown()
            await self.scheduler.release_all()
        finally:
            if self.web is not None:
                await self.web.stop()
            if self._web_http is not None:
                await self._web_http.aclose()
            await self.ctx.aclose()
            log.info(EVENT_STOPPED, passes=self.scheduler.tally.passes)


@contextlib.contextmanager
def _signals_set(stop: asyncio.Event, *, enabled: bool) -> Iterator[None]:
    """SIGTERM and SIGINT set ``stop`` (and nothing else) while the runner runs."""
    if not enabled:
        yield
        return
    loop = asyncio.get_running_loop()
    handled = (signal.SIGTERM, signal.SIGINT)
    for signum in handled:
        loop.add_signal_handler(signum, stop.set)
    try:
        yield
    finally:
        for signum in handled:
            loop.remove_signal_handler(signum)


__all__ = ["EmbeddedServer", "Runner", "check_pool"]
