"""``hhsync run`` (the daemon) and ``hhsync demo`` (the daemon on both sandboxes)."""

from __future__ import annotations

import asyncio
import os
import signal
from typing import Annotated

import typer

from hhsync.cli.command import fail, read_settings, with_database
from hhsync.config import Settings, check_web_app
from hhsync.db import migrate
from hhsync.db.crypto import cipher_from_settings
from hhsync.db.session import Database
from hhsync.errors import DatabaseError
from hhsync.service.demo import DemoOptions, run_demo
from hhsync.service.notify import notifier_from_environ
from hhsync.service.runner import Runner, check_pool


def prepare_schema(settings: Settings) -> None:
    """The embedded store migrates itself; PostgreSQL must already be at head (hhsync-migrate)."""
    url = migrate.url_for(settings)
    try:
        if settings.embedded_database:
            migrate.upgrade(url)
            return
        current = migrate.current_revision(url)
    except DatabaseError as exc:
        fail(str(exc))
    if current != migrate.head_revision():
        fail(
            f"the schema is at {current or 'nothing'}, this version needs "
            f"{migrate.head_revision()}: run `hhsync db upgrade`"
        )


def run() -> None:
    """Run the daemon: scheduler, sync passes and the web handler, until SIGTERM or Ctrl-C."""
    settings = read_settings()
    check_pool(settings)
    check_web_app(settings)
    prepare_schema(settings)
    notifier = notifier_from_environ(os.environ, os.getpid())

    async def daemon(database: Database) -> None:
        runner = Runner(settings, database, cipher_from_settings(settings), notifier=notifier)
        await runner.run()

    with_database(settings, daemon)


def demo(
    duration: Annotated[
        float | None,
        typer.Option("--duration", help="Stop after this many seconds (default: until Ctrl-C)."),
    ] = None,
    hh_port: Annotated[int, typer.Option(help="hh.ru sandbox port (0: any free port).")] = 0,
    bitrix_port: Annotated[int, typer.Option(help="Bitrix24 sandbox port (0: any free port).")] = 0,
    by_hand_port: Annotated[
        int,
        typer.Option(help="Bitrix24 sandbox's port for the portal you set up (0: any free port)."),
    ] = 0,
    web_port: Annotated[int, typer.Option(help="hhsync web port (0: any free port).")] = 0,
    poll_interval: Annotated[float, typer.Option(help="Seconds between passes.")] = 10.0,
) -> None:
    """Run the daemon on the hh.ru and Bitrix24 sandboxes with embedded defaults."""
    settings = read_settings()
    options = DemoOptions(
        hh_port=hh_port,
        bitrix_port=bitrix_port,
        by_hand_port=by_hand_port,
        web_port=web_port,
        poll_interval_s=poll_interval,
        duration_s=duration,
    )

    async def demo_loop() -> str:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        counts = await run_demo(settings, options, stop, typer.echo)
        return counts.line()

    typer.echo(f"demo stopped: {asyncio.run(demo_loop())}")
