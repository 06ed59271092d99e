"""The daemon's probes and metrics through httpx.ASGITransport, on real PostgreSQL databases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url
from structlog.testing import capture_logs

from hhsync.db.migrate import head_revision, upgrade
from hhsync.db.session import Database
from hhsync.metrics import Metrics
from hhsync.web.app import (
    EVENT_NOT_READY,
    EVENT_READY,
    REASON_DATABASE_UNREACHABLE,
    REASON_SCHEMA_NOT_AT_HEAD,
    create_app,
)

pytestmark = pytest.mark.postgres

# Nothing listens on port 1: the connection is refused at once.
UNREACHABLE_URL = "postgresql+psycopg://postgres@127.0.0.1:1/hhsync"


async def client_for(database: Database, metrics: Metrics | None = None) -> httpx.AsyncClient:
    app = create_app(database, metrics or Metrics())
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hhsync")


@pytest.fixture
def unmigrated_url(fresh_db_name: str, pg_admin_url: str) -> str:
    """URL of a reachable PostgreSQL database nobody ran `hhsync db upgrade` on."""
    url = make_url(pg_admin_url).set(drivername="postgresql+psycopg", database=fresh_db_name)
    return url.render_as_string(hide_password=False)


@pytest.fixture
async def unmigrated_database(unmigrated_url: str) -> AsyncIterator[Database]:
    """A connected Database on that empty database."""
    database = Database(unmigrated_url, pool_size=1)
    try:
        yield database
    finally:
        await database.dispose()


async def test_ready_when_the_database_answers_at_schema_head(database: Database) -> None:
    async with await client_for(database) as client:
        response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "revision": head_revision()}


async def test_not_ready_on_a_database_without_schema(unmigrated_database: Database) -> None:
    async with await client_for(unmigrated_database) as client:
        response = await client.get("/readyz")
        health = await client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not_ready"
    assert body["reason"] == REASON_SCHEMA_NOT_AT_HEAD
    assert "hhsync db upgrade" in body["detail"]
    # Liveness does not depend on the database: restarting would not fix a missing migration.
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}


async def test_not_ready_when_the_database_is_unreachable() -> None:
    database = Database(UNREACHABLE_URL, pool_size=1)
    try:
        async with await client_for(database) as client:
            response = await client.get("/readyz")
    finally:
        await database.dispose()
    assert response.status_code == 503
    # The driver's message (host, port) stays in the log, not in a public answer.
    assert response.json() == {"status": "not_ready", "reason": REASON_DATABASE_UNREACHABLE}


async def test_readiness_follows_the_migration_and_logs_each_change_once(
    unmigrated_database: Database, unmigrated_url: str
) -> None:
    with capture_logs() as logs:
        async with await client_for(unmigrated_database) as client:
            before = [(await client.get("/readyz")).status_code for _ in range(2)]
            upgrade(unmigrated_url)
            after = [(await client.get("/readyz")).status_code for _ in range(2)]
    assert before == [503, 503]
    assert after == [200, 200]
    assert [line["event"] for line in logs] == [EVENT_NOT_READY, EVENT_READY]
    assert logs[0]["reason"] == REASON_SCHEMA_NOT_AT_HEAD
    assert logs[1]["revision"] == head_revision()


async def test_metrics_are_served_in_prometheus_text_format(database: Database) -> None:
    metrics = Metrics()
    metrics.pass_finished("ok", 1.5)
    metrics.response_failed("required_field")
    async with await client_for(database, metrics) as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'hhsync_passes_total{outcome="ok"} 1.0' in response.text
    assert 'hhsync_responses_failed_total{reason="required_field"} 1.0' in response.text
    assert "hhsync_pass_duration_seconds_count 1.0" in response.text


async def test_ready_on_the_embedded_sqlite_database_at_head(tmp_path: Path) -> None:
    path = tmp_path / "hhsync.sqlite3"
    upgrade(f"sqlite:///{path}")
    database = Database(f"sqlite+aiosqlite:///{path}")
    try:
        async with await client_for(database) as client:
            response = await client.get("/readyz")
    finally:
        await database.dispose()
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "revision": head_revision()}
