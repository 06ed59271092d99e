"""The async engine and sessions: psycopg 3 on PostgreSQL, aiosqlite for the embedded default."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy.exc
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from hhsync.config import Settings
from hhsync.errors import DatabaseError
from hhsync.log import EVENT_DB_EMBEDDED, get_logger

EMBEDDED_DB_NAME = "hhsync.sqlite3"


def async_url(url: str | None, state_dir: Path) -> str:
    """The driver-qualified async URL: psycopg 3 for PostgreSQL, aiosqlite for SQLite."""
    if url is None:
        return f"sqlite+aiosqlite:///{(state_dir / EMBEDDED_DB_NAME).resolve()}"
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend in {"postgresql", "postgres"}:
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    raise DatabaseError(f"database.url: unsupported backend {backend!r} (use postgresql or sqlite)")


def sync_url(url: str | None, state_dir: Path) -> str:
    """The blocking-driver URL for alembic: psycopg 3 (sync) or the stdlib sqlite3."""
    parsed = make_url(async_url(url, state_dir))
    driver = "postgresql+psycopg" if parsed.get_backend_name() == "postgresql" else "sqlite"
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # SQLite leaves foreign keys off by default; WAL lets the CLI read while the daemon writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


class Database:
    """One bounded connection pool per process and the sessions drawn from it."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        pool_max_overflow: int = 0,
        pool_timeout_s: float = 30.0,
        echo: bool = False,
    ) -> None:
        self.url = url
        options: dict[str, Any] = {"echo": echo}
        if make_url(url).get_backend_name() == "postgresql":
            options.update(
                pool_size=pool_size,
                max_overflow=pool_max_overflow,
                pool_timeout=pool_timeout_s,
                pool_pre_ping=True,
            )
        self.engine: AsyncEngine = create_async_engine(url, **options)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        """The database the settings name (the embedded SQLite file when none is configured)."""
        if settings.embedded_database:
            settings.state_dir.mkdir(parents=True, exist_ok=True)
            get_logger(__name__).info(
                EVENT_DB_EMBEDDED,
                path=str(settings.state_dir / EMBEDDED_DB_NAME),
                note="no database.url set: using the embedded SQLite file; portal leases "
                "(FOR UPDATE SKIP LOCKED) are off, so run one instance only",
            )
        return cls(
            async_url(settings.database.url, settings.state_dir),
            pool_size=settings.database.pool_size,
            pool_max_overflow=settings.database.pool_max_overflow,
            pool_timeout_s=settings.database.pool_timeout_s,
            echo=settings.database.echo_sql,
        )

    @property
    def is_sqlite(self) -> bool:
        """SQLite has no SKIP LOCKED: features that need it are switched off."""
        return make_url(self.url).get_backend_name() == "sqlite"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: committed on success, rolled back on any error."""
        with wrap_exceptions():
            async with self._sessions() as session, session.begin():
                yield session

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


@contextmanager
def wrap_exceptions() -> Iterator[None]:
    """Turn driver errors into :class:`DatabaseError` with a message that says what to check."""
    try:
        yield
    except sqlalchemy.exc.TimeoutError as exc:
        raise DatabaseError(
            "no free database connection within database.pool_timeout_s: raise database.pool_size "
            "or lower sync.max_concurrent_passes"
        ) from exc
    except sqlalchemy.exc.OperationalError as exc:
        raise DatabaseError(f"database unreachable or refused the operation: {exc.orig}") from exc
    except sqlalchemy.exc.ProgrammingError as exc:
        raise DatabaseError(
            f"database schema mismatch ({exc.orig}); run `hhsync db upgrade`"
        ) from exc
