"""The HTTP face of the daemon: probes and metrics, and the app's routes (:mod:`hhsync.web.door`).

``/healthz`` answers while the process serves (liveness), ``/readyz`` only while the database
answers and its schema is the one this version ships (readiness), ``/metrics`` in Prometheus text
format. Tests drive the app through ``httpx.ASGITransport``; the runner serves it with uvicorn.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import sqlalchemy.exc
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from hhsync.db import sql
from hhsync.db.migrate import head_revision
from hhsync.db.session import Database
from hhsync.errors import DatabaseError
from hhsync.log import get_logger
from hhsync.metrics import CONTENT_TYPE, Metrics
from hhsync.web.guard import RequestGuard

EVENT_READY: Final = "web.ready"
EVENT_NOT_READY: Final = "web.not_ready"

REASON_DATABASE_UNREACHABLE: Final = "database_unreachable"
REASON_DATABASE_TIMEOUT: Final = "database_timeout"
REASON_SCHEMA_NOT_AT_HEAD: Final = "schema_not_at_head"

DEFAULT_READINESS_TIMEOUT_S: Final = 5.0
DEFAULT_MAX_BODY_BYTES: Final = 64 * 1024


@dataclass(frozen=True)
class Readiness:
    """The answer of one readiness check: ``reason`` is None when ready."""

    reason: str | None
    detail: str
    revision: str | None = None

    @property
    def ready(self) -> bool:
        """True when the daemon may receive work."""
        return self.reason is None


class ReadinessProbe:
    """Checks the database and logs only when readiness changes (probes come every few seconds)."""

    def __init__(self, database: Database, expected_revision: str, timeout_s: float) -> None:
        self._database = database
        self._expected_revision = expected_revision
        self._timeout_s = timeout_s
        self._was_ready: bool | None = None

    async def check(self) -> Readiness:
        """Ask the database for ``SELECT 1`` and the schema revision within the timeout."""
        readiness = await self._ask_database()
        if readiness.ready != self._was_ready:
            log = get_logger(__name__)
            if readiness.ready:
                log.info(EVENT_READY, revision=readiness.revision)
            else:
                log.warning(EVENT_NOT_READY, reason=readiness.reason, detail=readiness.detail)
            self._was_ready = readiness.ready
        return readiness

    async def _ask_database(self) -> Readiness:
        try:
            async with asyncio.timeout(self._timeout_s):
                async with self._database.session() as session:
                    connection = await session.connection()
                    await connection.execute(text(sql.SELECT_ONE))
                    revision = await connection.run_sync(_schema_revision)
        except TimeoutError:
            return Readiness(
                REASON_DATABASE_TIMEOUT,
                f"the database did not answer within {self._timeout_s:g} s",
            )
        except (DatabaseError, sqlalchemy.exc.SQLAlchemyError, OSError) as exc:
            return Readiness(REASON_DATABASE_UNREACHABLE, str(exc))
        if revision != self._expected_revision:
            return Readiness(
                REASON_SCHEMA_NOT_AT_HEAD,
                f"schema at {revision or 'nothing (empty database)'}, this version needs "
                f"{self._expected_revision}: run `hhsync db upgrade`",
                revision,
            )
        return Readiness(None, "database answers, schema at head", revision)


def create_app(
    database: Database,
    metrics: Metrics,
    *,
    routes: Sequence[BaseRoute] = (),
    expected_revision: str | None = None,
    readiness_timeout_s: float = DEFAULT_READINESS_TIMEOUT_S,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> Starlette:
    """The daemon's Starlette app: probes and metrics, plus the ``routes`` other modules mount.

    Every answer passes :class:`~hhsync.web.guard.RequestGuard` (bounded bodies, security
    headers).

    Args:
        expected_revision: the schema revision readiness requires; the packaged head by default.
        readiness_timeout_s: longest wait for the database before ``/readyz`` answers 503.
        max_body_bytes: largest request body read (``web.max_body_bytes``); larger ones get 413.
    """
    probe = ReadinessProbe(database, expected_revision or head_revision(), readiness_timeout_s)

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> Response:
        readiness = await probe.check()
        if readiness.ready:
            return JSONResponse({"status": "ready", "revision": readiness.revision})
        # The detail of a database failure (host, driver message) stays in the log: this
        # endpoint may be reachable from outside.
        body: dict[str, str | None] = {"status": "not_ready", "reason": readiness.reason}
        if readiness.reason == REASON_SCHEMA_NOT_AT_HEAD:
            body["detail"] = readiness.detail
        return JSONResponse(body, status_code=503)

    async def metrics_endpoint(_request: Request) -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    return Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics_endpoint, methods=["GET"]),
            *routes,
        ],
        middleware=[Middleware(RequestGuard, max_body_bytes=max_body_bytes)],
    )


def _schema_revision(connection: Connection) -> str | None:
    # alembic answers None for a database without its version table (never migrated).
    return MigrationContext.configure(connection).get_current_revision()
