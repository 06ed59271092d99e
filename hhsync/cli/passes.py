"""``hhsync resync`` and ``hhsync retry-failed``: one pass of a portal now, in this process.

The pass is the engine's ordinary one under a lease of its own (``service.operator.one_pass``);
this module only reads the options and prints the report.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console

from hhsync.cli.command import EXIT_CONFIG, EXIT_FAILURE, fail, read_settings, with_database
from hhsync.cli.output import JsonOption, emit_json
from hhsync.clock import SystemClock
from hhsync.config import Settings
from hhsync.db import retries
from hhsync.db.crypto import cipher_from_settings
from hhsync.db.leases import LeaseLost
from hhsync.db.session import Database
from hhsync.service.exclusive import PortalBusy
from hhsync.service.operator import NoSuchPortal, one_pass
from hhsync.service.progress_bars import progress_bars
from hhsync.sync.actions import Action
from hhsync.sync.engine import PassReport
from hhsync.sync.options import PassOptions
from hhsync.sync.progress import PassProgress

PortalOption = Annotated[int, typer.Option("--portal", "-p", help="Portal id.")]
ProgressOption = Annotated[
    bool | None,
    typer.Option(
        "--progress/--no-progress",
        help="Progress bars on standard error (default: when it is a terminal).",
        show_default=False,
    ),
]


@dataclass(frozen=True)
class PassRequest:
    """What the operator asked of the pass."""

    portal_id: int
    options: PassOptions
    show_progress: bool = False


def run_pass_now(
    settings: Settings,
    request: PassRequest,
    before: Callable[[Database], Awaitable[None]] | None = None,
) -> PassReport:
    """Run one pass in this process; ``before(database)`` runs first, once the lease is ours."""

    async def work(database: Database) -> PassReport:
        cipher = cipher_from_settings(settings)
        progress = PassProgress()
        bars: AbstractAsyncContextManager[None] = (
            progress_bars(progress, Console(stderr=True))
            if request.show_progress
            else contextlib.nullcontext()
        )
        async with bars:
            return await one_pass(
                settings,
                database,
                cipher,
                request.portal_id,
                request.options,
                progress=progress,
                before=None if before is None else lambda: before(database),
            )

    try:
        return with_database(settings, work)
    except NoSuchPortal:
        fail(f"no portal {request.portal_id}")
    except (PortalBusy, LeaseLost) as exc:
        fail(str(exc))


def parse_since(value: str | None) -> datetime | None:
    """``--since``: a date (midnight UTC) or an ISO instant; a naive instant is taken as UTC."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(
            f"--since: {value!r} is not a date (2026-11-01) or an instant (2026-11-01T09:30)",
            EXIT_CONFIG,
        )
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def progress_wanted(choice: bool | None, as_json: bool) -> bool:
    """Bars by default only for a person at a terminal; never mixed into JSON output."""
    if choice is not None:
        return choice
    return not as_json and sys.stderr.isatty()


def report_figures(report: PassReport) -> dict[str, object]:
    """What a pass did, as the operator reads it."""
    return {
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


def _say_report(report: PassReport, as_json: bool) -> None:
    figures = report_figures(report)
    if as_json:
        emit_json(figures)
        return
    typer.echo(", ".join(f"{k}={v}" for k, v in figures.items() if v not in (None, [])))


def action_line(action: Action) -> dict[str, str]:
    """A planned action as flat text fields (``action=CreateEntity hh_id=...``)."""
    return {"action": type(action).__name__, **{k: str(v) for k, v in asdict(action).items()}}


def _say_plan(report: PassReport, as_json: bool) -> None:
    actions = [action_line(a) for p in report.planned for a in p.actions]
    anomalies = [a.reason for p in report.planned for a in p.anomalies]
    if as_json:
        emit_json({"actions": actions, "anomalies": anomalies, "skipped": report.skipped})
        return
    for line in actions:
        typer.echo(" ".join(f"{k}={v}" for k, v in line.items()))
    typer.echo(
        f"dry run: {len(actions)} actions planned, nothing written to Bitrix24 or the database"
        + (f" ({report.skipped})" if report.skipped else "")
    )


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
    settings = read_settings()
    options = PassOptions(
        force=True,
        dry_run=dry_run,
        only_vacancies=None if vacancy is None else tuple(vacancy),
        since=parse_since(since),
    )
    request = PassRequest(portal, options, progress_wanted(show_progress, as_json))
    report = run_pass_now(settings, request)
    if dry_run:
        _say_plan(report, as_json)
        return
    _say_report(report, as_json)
    if report.errors:
        raise typer.Exit(EXIT_FAILURE)


def retry_failed(
    portal: PortalOption, show_progress: ProgressOption = None, as_json: JsonOption = False
) -> None:
    """Retry a portal's failed responses now."""
    due: list[int] = []

    async def before(database: Database) -> None:
        async with database.session() as session:
            due.append(
                await retries.retry_all_failed(
                    session, portal, SystemClock().now(), asked_by=retries.AskedBy.OPERATOR
                )
            )

    settings = read_settings()
    request = PassRequest(portal, PassOptions(), progress_wanted(show_progress, as_json))
    report = run_pass_now(settings, request, before)
    if not as_json:
        typer.echo(f"{due[0]} failed responses made due")
    _say_report(report, as_json)
