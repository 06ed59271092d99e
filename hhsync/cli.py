"""The ``hhsync`` command line: the operator's tool and the entry point of the daemon.

Every command loads and validates the settings first; a wrong setting ends the command with one
line per problem and exit code 2, never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from hhsync import __version__
from hhsync.config import Settings, load_settings, masked
from hhsync.errors import ConfigError, DatabaseError, Fatal, HhsyncError
from hhsync.log import EVENT_DB_MIGRATED, configure, get_logger
from hhsync.sync.options import PassOptions

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


# --- the daemon ---------------------------------------------------------------------------------


def _prepare_schema(settings: Settings) -> None:
    """The embedded store migrates itself; PostgreSQL must already be at head (hhsync-migrate)."""
    from hhsync.db import migrate

    url = migrate.url_for(settings)
    try:
        if settings.embedded_database:
            migrate.upgrade(url)
            return
        current = migrate.current_revision(url)
    except DatabaseError as exc:
        _fail(str(exc))
    if current != migrate.head_revision():
        _fail(
            f"the schema is at {current or 'nothing'}, this version needs "
            f"{migrate.head_revision()}: run `hhsync db upgrade`"
        )


@app.command("run")
def run() -> None:
    """Run the daemon: scheduler, sync passes and the web handler, until SIGTERM or Ctrl-C."""
    # Settings (and so logging) first: modules bind their loggers when they are imported.
    settings = _settings()
    import asyncio
    import os

    from hhsync.db.crypto import cipher_from_settings
    from hhsync.db.session import Database
    from hhsync.service.notify import notifier_from_environ
    from hhsync.service.runner import Runner, check_pool

    check_pool(settings)
    _prepare_schema(settings)
    notifier = notifier_from_environ(os.environ, os.getpid())

    async def daemon() -> None:
        database = Database.from_settings(settings)
        try:
            runner = Runner(settings, database, cipher_from_settings(settings), notifier=notifier)
            await runner.run()
        finally:
            await database.dispose()

    asyncio.run(daemon())


@app.command("demo")
def demo(
    duration: Annotated[
        float | None,
        typer.Option("--duration", help="Stop after this many seconds (default: until Ctrl-C)."),
    ] = None,
    hh_port: Annotated[int, typer.Option(help="hh.ru sandbox port (0: any free port).")] = 0,
    bitrix_port: Annotated[int, typer.Option(help="Bitrix24 sandbox port (0: any free port).")] = 0,
    web_port: Annotated[int, typer.Option(help="hhsync web port (0: any free port).")] = 0,
    poll_interval: Annotated[float, typer.Option(help="Seconds between passes.")] = 10.0,
) -> None:
    """Run the daemon on the hh.ru and Bitrix24 sandboxes with embedded defaults."""
    settings = _settings()  # first: modules bind their loggers when they are imported
    import asyncio
    import signal

    from hhsync.service.demo import DemoOptions, run_demo

    options = DemoOptions(
        hh_port=hh_port,
        bitrix_port=bitrix_port,
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


# --- operator commands ----------------------------------------------------------------------


def _open(settings: Settings) -> Any:
    """The database and cipher of the configured store (the caller disposes the database)."""
    from hhsync.db.crypto import cipher_from_settings
    from hhsync.db.session import Database

    return Database.from_settings(settings), cipher_from_settings(settings)


def _now() -> Any:
    from hhsync.clock import SystemClock

    return SystemClock().now()


def _emit_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _table(title: str, columns: list[str], rows: list[list[str]]) -> None:
    """A rich table on a terminal, tab-separated lines otherwise (for grep and cut)."""
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title)
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*row)
        Console().print(table)
        return
    typer.echo("\t".join(columns))
    for row in rows:
        typer.echo("\t".join(row))


def _lag(lag_s: float | None, overdue_s: float) -> str:
    """``42s``, ``3m05s`` or ``-`` (never synced), with how long a due pass has waited."""
    if lag_s is None:
        text = "-"
    else:
        minutes, seconds = divmod(int(lag_s), 60)
        text = f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"
    return text + (f" (overdue {int(overdue_s)}s)" if overdue_s >= 1 else "")


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else "-"


def _views(settings: Settings, portal_id: int | None = None) -> list[Any]:
    import asyncio

    from hhsync.service.status import portal_views

    async def main() -> list[Any]:
        database, _ = _open(settings)
        try:
            return await portal_views(database, _now(), portal_id)
        finally:
            await database.dispose()

    try:
        return asyncio.run(main())
    except DatabaseError as exc:
        _fail(str(exc))


JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
PortalOption = Annotated[int, typer.Option("--portal", "-p", help="Portal id.")]


@app.command("status")
def status(as_json: JsonOption = False) -> None:
    """Per portal: accounts, last pass, pending and failed responses, newest errors."""
    views = _views(_settings())
    if as_json:
        _emit_json([v.as_json() for v in views])
        return
    rows = []
    for v in views:
        linked = ", ".join(f"{a.id}:{a.manager} ({a.status})" for a in v.accounts) or "-"
        rows.append(
            [
                str(v.id),
                v.domain,
                v.status,
                linked,
                f"{_when(v.last_pass_at)} {v.last_pass_status or ''}".strip(),
                _lag(v.lag_s, v.overdue_s),
                str(v.counts["pending"] + v.counts["in_flight"]),
                str(v.counts["failed"]),
                str(v.counts["synced"]),
                "; ".join(v.last_errors or ([v.last_pass_error] if v.last_pass_error else [])),
            ]
        )
    _table(
        "hhsync status",
        [
            "id",
            "domain",
            "status",
            "accounts",
            "last pass",
            "lag",
            "pending",
            "failed",
            "synced",
            "errors",
        ],
        rows,
    )
    if not views:
        typer.echo("no portals yet: install the app on a Bitrix24 portal (or run `hhsync demo`)")


@portals_app.command("list")
def portals_list(as_json: JsonOption = False) -> None:
    """List portals."""
    views = _views(_settings())
    if as_json:
        _emit_json([v.as_json() for v in views])
        return
    _table(
        "portals",
        ["id", "domain", "status", "accounts", "next pass", "leased by"],
        [
            [
                str(v.id),
                v.domain,
                v.status,
                str(len(v.accounts)),
                _when(v.next_pass_at),
                v.leased_by or "-",
            ]
            for v in views
        ],
    )


@portals_app.command("show")
def portals_show(
    portal_id: Annotated[int, typer.Argument(help="Portal id.")], as_json: JsonOption = False
) -> None:
    """Everything about one portal."""
    views = _views(_settings(), portal_id)
    if not views:
        _fail(f"no portal {portal_id}")
    view = views[0]
    if as_json:
        _emit_json(view.as_json())
        return
    data = view.as_json()
    for key in ("accounts", "counts", "last_errors"):
        data.pop(key)
    for key, value in data.items():
        typer.echo(f"{key}: {value if value is not None else '-'}")
    typer.echo("counts: " + ", ".join(f"{k}={n}" for k, n in view.counts.items()))
    for account in view.accounts:
        typer.echo(
            f"account {account.id}: {account.manager} @ {account.employer} — {account.status}"
            + (f" ({account.reason})" if account.reason else "")
        )
    for error in view.last_errors:
        typer.echo(f"error: {error}")


def _change_portal(portal_id: int, change: Any) -> None:
    """Run ``change(database)`` (an operator's edit of one portal) and turn its refusals into
    one-line errors: unknown portal, wrong status, bad value (exit 2), database trouble."""
    import asyncio

    from hhsync.service.operator import NoSuchPortal, WrongStatus

    settings = _settings()

    async def main() -> None:
        database, _ = _open(settings)
        try:
            await change(database)
        finally:
            await database.dispose()

    try:
        asyncio.run(main())
    except NoSuchPortal:
        _fail(f"no portal {portal_id}")
    except (WrongStatus, DatabaseError) as exc:
        _fail(str(exc))
    except ValueError as exc:
        _fail(str(exc), EXIT_CONFIG)


def _set_paused(portal_id: int, paused: bool) -> None:
    from hhsync.service.operator import set_paused

    _change_portal(portal_id, lambda db: set_paused(db, portal_id, paused, _now()))
    typer.echo(f"portal {portal_id} {'paused' if paused else 'resumed (due now)'}")


@portals_app.command("pause")
def portals_pause(portal_id: Annotated[int, typer.Argument(help="Portal id.")]) -> None:
    """Stop polling a portal until it is resumed."""
    _set_paused(portal_id, True)


@portals_app.command("resume")
def portals_resume(portal_id: Annotated[int, typer.Argument(help="Portal id.")]) -> None:
    """Poll a paused portal again, starting now."""
    _set_paused(portal_id, False)


@portals_app.command("set-interval")
def portals_set_interval(
    portal_id: Annotated[int, typer.Argument(help="Portal id.")],
    seconds: Annotated[
        str, typer.Argument(help="Seconds between passes, or 'default' for sync.poll_interval_s.")
    ],
) -> None:
    """Poll one portal more or less often than the global interval."""
    from hhsync.service.operator import set_poll_interval

    interval: float | None = None
    if seconds != "default":
        try:
            interval = float(seconds)
        except ValueError:
            _fail(f"seconds: {seconds!r} is not a number (or 'default')", EXIT_CONFIG)
    _change_portal(portal_id, lambda db: set_poll_interval(db, portal_id, interval, _now()))
    shown = f"every {interval:g} s" if interval is not None else "the global interval"
    typer.echo(f"portal {portal_id} is polled {shown}")


def _pass_now(
    settings: Settings,
    portal_id: int,
    options: PassOptions,
    *,
    show_progress: bool = False,
    before: Any = None,
) -> Any:
    """Run one pass in this process; ``before(database)`` runs first, once the lease is ours."""
    import asyncio
    import contextlib

    from rich.console import Console

    from hhsync.db.leases import LeaseLost
    from hhsync.service.exclusive import PortalBusy
    from hhsync.service.operator import NoSuchPortal, one_pass
    from hhsync.service.progress_bars import progress_bars
    from hhsync.sync.progress import PassProgress

    async def main() -> Any:
        database, cipher = _open(settings)
        progress = PassProgress()
        bars = (
            progress_bars(progress, Console(stderr=True))
            if show_progress
            else contextlib.nullcontext()
        )
        try:
            async with bars:
                return await one_pass(
                    settings,
                    database,
                    cipher,
                    portal_id,
                    options,
                    progress=progress,
                    before=None if before is None else lambda: before(database),
                )
        finally:
            await database.dispose()

    try:
        return asyncio.run(main())
    except NoSuchPortal:
        _fail(f"no portal {portal_id}")
    except (PortalBusy, LeaseLost) as exc:
        _fail(str(exc))
    except DatabaseError as exc:
        _fail(str(exc))


def _since(value: str | None) -> Any:
    """``--since``: a date (midnight UTC) or an ISO instant; a naive instant is taken as UTC."""
    from datetime import UTC, datetime

    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        _fail(f"--since: {value!r} is not a date (2026-11-01) or an instant (2026-11-01T09:30)", 2)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _progress_wanted(choice: bool | None, as_json: bool) -> bool:
    """Bars by default only for a person at a terminal; never mixed into JSON output."""
    if choice is not None:
        return choice
    return not as_json and sys.stderr.isatty()


ProgressOption = Annotated[
    bool | None,
    typer.Option(
        "--progress/--no-progress",
        help="Progress bars on standard error (default: when it is a terminal).",
        show_default=False,
    ),
]


def _say_report(report: Any, as_json: bool) -> None:
    figures = {
        "portal": report.portal_id,
        "status": report.status.value,
        "skipped": report.skipped,
        "vacancies_read": report.vacancies_read,
        "negotiations_seen": report.negotiations_seen,
        "created": report.writes.created,
        "adopted": report.writes.adopted,
        "updated": report.writes.updated,
        "failed": report.writes.failed,
        "errors": report.errors,
    }
    if as_json:
        _emit_json(figures)
        return
    typer.echo(", ".join(f"{k}={v}" for k, v in figures.items() if v not in (None, [])))


def _action_line(action: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return {"action": type(action).__name__, **{k: str(v) for k, v in asdict(action).items()}}


@app.command("resync")
def resync(
    portal: PortalOption,
    vacancy: Annotated[
        list[str] | None, typer.Option("--vacancy", "-v", help="Only this hh.ru vacancy id.")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Only negotiations hh.ru changed at or after this date or instant (UTC unless"
            " an offset is given).",
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Print the planned actions; write nothing (CRM or database)."
        ),
    ] = False,
    show_progress: ProgressOption = None,
    as_json: JsonOption = False,
) -> None:
    """Force a pass that re-reads hh.ru instead of trusting the vacancies' counters."""
    options = PassOptions(
        force=True,
        dry_run=dry_run,
        only_vacancies=None if vacancy is None else tuple(vacancy),
        since=_since(since),
    )
    report = _pass_now(
        _settings(), portal, options, show_progress=_progress_wanted(show_progress, as_json)
    )
    if dry_run:
        actions = [_action_line(a) for p in report.planned for a in p.actions]
        anomalies = [a.reason for p in report.planned for a in p.anomalies]
        if as_json:
            _emit_json({"actions": actions, "anomalies": anomalies, "skipped": report.skipped})
            return
        for line in actions:
            typer.echo(" ".join(f"{k}={v}" for k, v in line.items()))
        typer.echo(
            f"dry run: {len(actions)} actions planned, nothing written to Bitrix24 or the database"
            + (f" ({report.skipped})" if report.skipped else "")
        )
        return
    _say_report(report, as_json)
    if report.errors:
        raise typer.Exit(EXIT_FAILURE)


@app.command("retry-failed")
def retry_failed(
    portal: PortalOption, show_progress: ProgressOption = None, as_json: JsonOption = False
) -> None:
    """Retry a portal's failed responses now."""
    from hhsync.service.operator import mark_failed_due

    due: list[int] = []

    async def before(database: Any) -> None:
        due.append(await mark_failed_due(database, portal, _now()))

    report = _pass_now(
        _settings(),
        portal,
        PassOptions(),
        before=before,
        show_progress=_progress_wanted(show_progress, as_json),
    )
    if not as_json:
        typer.echo(f"{due[0]} failed responses made due")
    _say_report(report, as_json)


@app.command("doctor")
def doctor(as_json: JsonOption = False) -> None:
    """Check database, migrations, config, reachability, token states and clock."""
    import asyncio

    from hhsync.clock import SystemClock
    from hhsync.db.session import Database
    from hhsync.service.doctor import diagnose

    settings = _settings()

    async def main() -> list[Any]:
        database = Database.from_settings(settings)
        try:
            return await diagnose(settings, database, SystemClock())
        finally:
            await database.dispose()

    checks = asyncio.run(main())
    if as_json:
        _emit_json([{"check": c.name, "ok": c.ok, "reason": c.reason} for c in checks])
    else:
        for check in checks:
            typer.echo(f"{'OK  ' if check.ok else 'FAIL'} {check.name}: {check.reason}")
    if not all(check.ok for check in checks):
        raise typer.Exit(EXIT_FAILURE)


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
