"""Shared fixtures: real PostgreSQL databases cloned from a migrated template, ciphers, the
engine's world (both sandboxes over HTTP, one portal installed; :mod:`hhsync.testing.world`),
and a real Chromium for the browser tests (:mod:`hhsync.testing.browser`).

The server comes from ``HHSYNC_TEST_DATABASE_URL`` (``.ci/run`` points it at a throwaway database;
the default is the local trust-auth server). Each test that asks for ``database`` gets its own
database cloned from a template migrated once per session, so tests never see each other's rows;
the clones are made ahead and dropped behind the tests (:mod:`tests.database_pool`).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from hhsync.db.crypto import TokenCipher
from hhsync.db.migrate import upgrade
from hhsync.db.session import Database
from hhsync.sandbox.hh.app import HhSandboxConfig
from hhsync.testing.world import World, open_world, serve_sandboxes, small_employer
from tests.database_pool import DatabasePool, new_name

if TYPE_CHECKING:
    from playwright.async_api import Browser

DEFAULT_TEST_DB = "postgresql://postgres@127.0.0.1:5432/postgres"
ARTIFACTS = Path(__file__).parent / "artifacts"


def _admin_url() -> str:
    return os.environ.get("HHSYNC_TEST_DATABASE_URL", DEFAULT_TEST_DB)


def _with_db(url: str, name: str, driver: str = "postgresql") -> str:
    return make_url(url).set(drivername=driver, database=name).render_as_string(hide_password=False)


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def create_database(name: str, template: str | None = None) -> None:
    """CREATE DATABASE through the admin connection (autocommit: not allowed in a transaction)."""
    with psycopg.connect(_libpq(_admin_url()), autocommit=True) as conn:
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            query += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        conn.execute(query)


def drop_database(name: str) -> None:
    """DROP DATABASE, closing stray connections first."""
    with psycopg.connect(_libpq(_admin_url()), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """URL of the PostgreSQL server tests run on; fails with a clear reason when unreachable."""
    url = _admin_url()
    try:
        with psycopg.connect(_libpq(url), connect_timeout=5):
            pass
    except psycopg.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL at {make_url(url).render_as_string()} is unreachable ({exc}); start it "
            "(scripts/ensure_postgres.sh) or set HHSYNC_TEST_DATABASE_URL",
            pytrace=False,
        )
    return url


@pytest.fixture(scope="session")
def migrated_template(pg_admin_url: str) -> Iterator[str]:
    """A database migrated to head once per session, used as the template of per-test databases."""
    name = new_name().replace("hhsync_t_", "hhsync_tpl_")
    create_database(name)
    try:
        upgrade(_with_db(pg_admin_url, name, "postgresql+psycopg"))
        yield name
    finally:
        drop_database(name)


@pytest.fixture(scope="session")
def database_pool(migrated_template: str, pg_admin_url: str) -> Iterator[DatabasePool]:
    """Clones of the template made ahead of the tests; finished databases dropped behind them."""
    pool = DatabasePool(
        migrated_template, lambda: psycopg.connect(_libpq(pg_admin_url), autocommit=True)
    )
    try:
        yield pool
    finally:
        pool.close()


@pytest.fixture
def fresh_db_name(database_pool: DatabasePool) -> Iterator[str]:
    """An empty database, dropped afterwards."""
    name = new_name()
    create_database(name)
    try:
        yield name
    finally:
        database_pool.drop_later(name)


@pytest.fixture
def db_url(database_pool: DatabasePool, pg_admin_url: str) -> Iterator[str]:
    """Async URL of a per-test database at schema head, a clone no other test has touched."""
    name = database_pool.take()
    try:
        yield _with_db(pg_admin_url, name, "postgresql+psycopg")
    finally:
        database_pool.drop_later(name)


@pytest.fixture
async def database(db_url: str) -> AsyncIterator[Database]:
    """A connected Database on a per-test PostgreSQL database at schema head."""
    db = Database(db_url, pool_size=4)
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture
def cipher() -> TokenCipher:
    """A cipher with a fresh key."""
    return TokenCipher(TokenCipher.generate_key())


@pytest.fixture
def hh_sandbox_config() -> HhSandboxConfig:
    """A small employer; modules that need another world override this fixture."""
    return small_employer()


@pytest.fixture
def sandboxes(hh_sandbox_config: HhSandboxConfig) -> Iterator[tuple[str, str]]:
    """Both sandboxes served over HTTP: (hh.ru URL, Bitrix24 URL)."""
    with serve_sandboxes(hh_sandbox_config) as urls:
        yield urls


@pytest.fixture
async def world(
    sandboxes: tuple[str, str], database: Database, cipher: TokenCipher, db_url: str
) -> AsyncIterator[World]:
    """A portal linked to the hh.ru employer on ``sandboxes`` and a sync context for it."""
    async with open_world(sandboxes, database, cipher, db_url) as the_world:
        yield the_world


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Debian's Chromium driven by Playwright; fails saying how to install it when missing."""
    from hhsync.testing.browser import ChromiumMissing, chromium, chromium_path

    try:
        chromium_path()
    except ChromiumMissing as missing:
        pytest.fail(str(missing), pytrace=False)
    async with chromium() as launched:
        yield launched


@pytest.fixture
def artifacts() -> Path:
    """Where browser tests leave screenshots (``tests/artifacts/``, not committed)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
