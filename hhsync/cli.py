"""The ``hhsync`` command line: the operator's tool and the entry point of the daemon.

Every command loads and validates the settings first; a wrong setting ends the command with one
line per problem and exit code 2, never a traceback. Commands that later issues fill in say
"not implemented yet" and exit 1 rather than pretend.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from hhsync import __version__
from hhsync.config import Settings, load_settings, masked
from hhsync.errors import ConfigError, DatabaseError, Fatal, HhsyncError
from hhsync.log import EVENT_DB_MIGRATED, configure, get_logger

EXIT_FAILURE = 1
EXIT_CONFIG = 2

app = typer.Typer(
    name="hhsync",
    help="Sync hh.ru responses and invitations into Bitrix24 CRM.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(
    help="Database schema: upgrade, downgrade, current revision.", no_args_is_help=True
)
config_app = typer.Typer(help="Configuration: check it, generate keys.", no_args_is_help=True)
portals_app = typer.Typer(help="List, show, pause and resume portals.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(config_app, name="config")
app.add_typer(portals_app, name="portals")


class _State:
    config_path: Path | None = None


def _fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    typer.echo(f"hhsync: {message}", err=True)
    raise typer.Exit(code)


def _settings() -> Settings:
    """Load settings and configure logging, or end the command with the reasons."""
    try:
        settings = load_settings(_State.config_path)
    except ConfigError as exc:
        lines = "\n".join(f"  - {problem}" for problem in exc.problems)
        _fail(f"configuration error:\n{lines}", EXIT_CONFIG)
    configure(settings.log.level, settings.log.format)
    return settings


def _not_implemented(command: str) -> NoReturn:
    _fail(f"`{command}` is not implemented yet", EXIT_FAILURE)


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
    _State.config_path = config


# --- config ---------------------------------------------------------------------------------


@config_app.command("check")
def config_check(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON instead of TOML-like text.")
    ] = False,
) -> None:
    """Validate the configuration and print the effective values with secrets masked."""
    settings = _settings()
    data = masked(settings)
    if as_json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    for section, values in data.items():
        if isinstance(values, dict):
            typer.echo(f"[{section}]")
            for key, value in values.items():
                typer.echo(f"{key} = {json.dumps(value, ensure_ascii=False)}")
            typer.echo("")
        else:
            typer.echo(f"{section} = {json.dumps(values, ensure_ascii=False)}")
    store = "embedded SQLite (state_dir)" if settings.embedded_database else "PostgreSQL"
    typer.echo(f"# configuration OK; database: {store}")


@config_app.command("gen-key")
def config_gen_key() -> None:
    """Print a new token-encryption key for security.token_key."""
    from hhsync.db.crypto import TokenCipher

    typer.echo(TokenCipher.generate_key())


# --- db -------------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
) -> None:
    """Create or migrate the schema (safe to run on every start)."""
    from hhsync.db import migrate

    settings = _settings()
    url = migrate.url_for(settings)
    try:
        before = migrate.current_revision(url)
        migrate.upgrade(url, revision)
        after = migrate.current_revision(url)
    except DatabaseError as exc:
        _fail(str(exc))
    get_logger("hhsync.cli").info(EVENT_DB_MIGRATED, before=before, after=after)
    typer.echo(f"schema at {after} (was {before or 'empty'})")


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision; 'base' removes every table.")],
) -> None:
    """Take the schema back to an earlier revision."""
    from hhsync.db import migrate

    settings = _settings()
    url = migrate.url_for(settings)
    try:
        migrate.downgrade(url, revision)
        after = migrate.current_revision(url)
    except DatabaseError as exc:
        _fail(str(exc))
    typer.echo(f"schema at {after or 'base (empty)'}")


@db_app.command("current")
def db_current() -> None:
    """Print the schema revision of the database and the newest one this version ships."""
    from hhsync.db import migrate

    settings = _settings()
    try:
        current = migrate.current_revision(migrate.url_for(settings))
    except DatabaseError as exc:
        _fail(str(exc))
    head = migrate.head_revision()
    state = "up to date" if current == head else "run `hhsync db upgrade`"
    typer.echo(f"database: {current or 'empty'}; newest: {head} ({state})")
    if current != head:
        raise typer.Exit(EXIT_FAILURE)


# --- filled in by later issues ------------------------------------------------------------------


@app.command("run")
def run() -> None:
    """Run the daemon: scheduler, sync passes and the web handler."""
    _settings()
    _not_implemented("hhsync run")


@app.command("demo")
def demo() -> None:
    """Run the daemon on the hh.ru and Bitrix24 sandboxes with embedded defaults."""
    _settings()
    _not_implemented("hhsync demo")


@app.command("sandbox")
def sandbox(
    which: Annotated[str, typer.Argument(help="hh, bitrix or all.")] = "all",
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    hh_port: Annotated[int, typer.Option(help="Port of the hh.ru sandbox.")] = 8701,
    bitrix_port: Annotated[int, typer.Option(help="Port of the Bitrix24 sandbox.")] = 8702,
    seed: Annotated[int, typer.Option(help="Seed of the generated data.")] = 1,
    speed: Annotated[
        float, typer.Option(help="Time scale: every rate and expiry runs this much faster.")
    ] = 1.0,
) -> None:
    """Serve the strict hh.ru and/or Bitrix24 sandboxes over HTTP until Ctrl-C."""
    import asyncio

    from hhsync.sandbox.serve import SandboxOptions, Which, serve_forever, servers

    settings = _settings()
    try:
        chosen = Which(which)
    except ValueError:
        _fail(f"sandbox: unknown {which!r}; choose hh, bitrix or all", EXIT_CONFIG)
    if speed <= 0:
        _fail("sandbox: --speed must be positive", EXIT_CONFIG)
    options = SandboxOptions(
        host=host,
        hh_port=hh_port,
        bitrix_port=bitrix_port,
        seed=seed,
        speed=speed,
        app_url=str(settings.web.public_url).rstrip("/") + "/b24/app",
    )
    running = servers(chosen, options)
    for url, _ in running:
        typer.echo(url)
    try:
        asyncio.run(serve_forever(running))
    except KeyboardInterrupt:
        typer.echo("sandboxes stopped")


@app.command("status")
def status() -> None:
    """Per portal: accounts, last pass, lag, pending and failed responses."""
    _settings()
    _not_implemented("hhsync status")


@app.command("resync")
def resync() -> None:
    """Force a pass that re-reads hh.ru instead of trusting counters and watermarks."""
    _settings()
    _not_implemented("hhsync resync")


@app.command("retry-failed")
def retry_failed() -> None:
    """Retry a portal's failed responses now."""
    _settings()
    _not_implemented("hhsync retry-failed")


@app.command("doctor")
def doctor() -> None:
    """Check database, migrations, config, reachability, token states and clock."""
    _settings()
    _not_implemented("hhsync doctor")


@portals_app.command("list")
def portals_list() -> None:
    """List portals."""
    _settings()
    _not_implemented("hhsync portals list")


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
