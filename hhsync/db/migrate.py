"""Schema migrations through alembic, driven from the CLI and tests (no alembic.ini needed)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy.exc
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, pool

from hhsync.config import Settings
from hhsync.db.session import sync_url
from hhsync.errors import DatabaseError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """An alembic Config pointing at the packaged migrations and the given (sync) URL."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation would choke on '%' in passwords.
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def url_for(settings: Settings) -> str:
    """The sync URL migrations run on; creates the state directory for the embedded database."""
    if settings.embedded_database:
        settings.state_dir.mkdir(parents=True, exist_ok=True)
    return sync_url(settings.database.url, settings.state_dir)


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema up to ``revision``."""
    _guard(lambda: command.upgrade(alembic_config(url), revision))


def downgrade(url: str, revision: str) -> None:
    """Take the schema down to ``revision`` (``base`` drops every table)."""
    _guard(lambda: command.downgrade(alembic_config(url), revision))


def current_revision(url: str) -> str | None:
    """The revision the database is at, None when it has no schema yet."""
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except Exception as exc:
        raise DatabaseError(f"cannot read the schema revision: {exc}") from exc
    finally:
        engine.dispose()


def head_revision() -> str:
    """The newest revision shipped with this version of hhsync."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    if head is None:
        raise DatabaseError("no migrations are packaged (a broken installation)")
    return head


def _guard(action: Callable[[], None]) -> None:
    try:
        action()
    except sqlalchemy.exc.OperationalError as exc:
        raise DatabaseError(f"database unreachable or refused the migration: {exc.orig}") from exc
