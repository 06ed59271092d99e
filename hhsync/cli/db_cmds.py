"""``hhsync db``: create, migrate and inspect the schema."""

from __future__ import annotations

from typing import Annotated

import typer

from hhsync.cli.command import EXIT_FAILURE, fail, read_settings
from hhsync.db import migrate
from hhsync.errors import DatabaseError
from hhsync.log import EVENT_DB_MIGRATED, get_logger

app = typer.Typer(
    help="Database schema: upgrade, downgrade, current revision.", no_args_is_help=True
)
log = get_logger(__name__)


@app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
) -> None:
    """Create or migrate the schema (safe to run on every start)."""
    url = migrate.url_for(read_settings())
    try:
        before = migrate.current_revision(url)
        migrate.upgrade(url, revision)
        after = migrate.current_revision(url)
    except DatabaseError as exc:
        fail(str(exc))
    log.info(EVENT_DB_MIGRATED, before=before, after=after)
    typer.echo(f"schema at {after} (was {before or 'empty'})")


@app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision; 'base' removes every table.")],
) -> None:
    """Take the schema back to an earlier revision."""
    url = migrate.url_for(read_settings())
    try:
        migrate.downgrade(url, revision)
        after = migrate.current_revision(url)
    except DatabaseError as exc:
        fail(str(exc))
    typer.echo(f"schema at {after or 'base (empty)'}")


@app.command("current")
def db_current() -> None:
    """Print the schema revision of the database and the newest one this version ships."""
    try:
        current = migrate.current_revision(migrate.url_for(read_settings()))
    except DatabaseError as exc:
        fail(str(exc))
    head = migrate.head_revision()
    state = "up to date" if current == head else "run `hhsync db upgrade`"
    typer.echo(f"database: {current or 'empty'}; newest: {head} ({state})")
    if current != head:
        raise typer.Exit(EXIT_FAILURE)
