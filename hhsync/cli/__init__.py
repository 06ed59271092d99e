"""The ``hhsync`` command line: the operator's tool and the entry point of the daemon.

Every command loads and validates the settings first; a wrong setting ends the command with one
line per problem and exit code 2, never a traceback. Standard output carries only what the command
prints (one JSON document with ``--json``); log lines go to standard error in the configured
format. Each command group lives in a module of its own; this one assembles the app.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from hhsync import __version__
from hhsync.cli import config_cmds, db_cmds, doctor, passes, portals, run, sandbox, status
from hhsync.cli.command import EXIT_CONFIG, EXIT_FAILURE, use_config
from hhsync.errors import ConfigError, Fatal, HhsyncError
from hhsync.log import configure

app = typer.Typer(
    name="hhsync",
    help="Sync hh.ru responses and invitations into Bitrix24 CRM.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(db_cmds.app, name="db")
app.add_typer(config_cmds.app, name="config")
app.add_typer(portals.app, name="portals")
app.command("run")(run.run)
app.command("demo")(run.demo)
app.command("sandbox")(sandbox.sandbox)
app.command("status")(status.status)
app.command("resync")(passes.resync)
app.command("retry-failed")(passes.retry_failed)
app.command("doctor")(doctor.doctor)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hhsync {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="TOML configuration file (default: config/hhsync.toml or $HHSYNC_CONFIG).",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """hhsync: hh.ru responses and invitations into Bitrix24 CRM leads and deals."""
    configure()  # standard error until the settings say more; never standard output
    use_config(config)


def main() -> None:
    """Console-script entry point: errors we raise on purpose end with a line, not a traceback."""
    try:
        app()
    except Fatal as exc:
        typer.echo(f"hhsync: {exc}", err=True)
        sys.exit(EXIT_CONFIG if isinstance(exc, ConfigError) else EXIT_FAILURE)
    except HhsyncError as exc:
        typer.echo(f"hhsync: {exc}", err=True)
        sys.exit(EXIT_FAILURE)


__all__ = ["app", "main"]
