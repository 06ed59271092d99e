"""What every command shares: the settings (logging configured from them), a failure as one line
and an exit code, and a database opened for the command and disposed when it ends."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import NoReturn, TypeVar

import typer

from hhsync.config import Settings, load_settings
from hhsync.db.session import Database
from hhsync.errors import ConfigError, DatabaseError
from hhsync.log import configure

EXIT_FAILURE = 1
EXIT_CONFIG = 2

T = TypeVar("T")


class _Invocation:
    """The global ``--config`` option, set by the app's callback before any command runs."""

    config_path: Path | None = None


def use_config(path: Path | None) -> None:
    """Remember ``--config`` for :func:`read_settings`."""
    _Invocation.config_path = path


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    """End the command with ``hhsync: message`` on standard error."""
    typer.echo(f"hhsync: {message}", err=True)
    raise typer.Exit(code)


def read_settings() -> Settings:
    """Load settings and configure logging from them, or end the command with the reasons."""
    try:
        settings = load_settings(_Invocation.config_path)
    except ConfigError as exc:
        lines = "\n".join(f"  - {problem}" for problem in exc.problems)
        fail(f"configuration error:\n{lines}", EXIT_CONFIG)
    configure(settings.log.level, settings.log.format)
    return settings


def with_database(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """Run ``work(database)`` in an event loop of its own, the database disposed after it.

    Database trouble ends the command with its one-line reason; the command's own refusals
    propagate for it to word.
    """

    async def main() -> T:
        database = Database.from_settings(settings)
        try:
            return await work(database)
        finally:
            await database.dispose()

    try:
        return asyncio.run(main())
    except DatabaseError as exc:
        fail(str(exc))
