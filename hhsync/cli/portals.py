"""``hhsync portals``: list and show portals, pause and resume them, set their poll interval."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import typer

from hhsync.cli.command import EXIT_CONFIG, fail, read_settings, with_database
from hhsync.cli.output import JsonOption, emit_json, table, when
from hhsync.cli.status import gap_lines, views
from hhsync.clock import SystemClock
from hhsync.db.session import Database
from hhsync.db.tables import Portal
from hhsync.service.operator import NoSuchPortal, WrongStatus, set_paused, set_poll_interval

app = typer.Typer(help="List, show, pause and resume portals.", no_args_is_help=True)

PortalArgument = Annotated[int, typer.Argument(help="Portal id.")]


@app.command("list")
def portals_list(as_json: JsonOption = False) -> None:
    """List portals."""
    found = views(read_settings())
    if as_json:
        emit_json([v.as_json() for v in found])
        return
    table(
        "portals",
        ["id", "domain", "status", "accounts", "next pass", "leased by"],
        [
            [
                str(v.id),
                v.domain,
                v.status,
                str(len(v.accounts)),
                when(v.next_pass_at),
                v.leased_by or "-",
            ]
            for v in found
        ],
    )


@app.command("show")
def portals_show(portal_id: PortalArgument, as_json: JsonOption = False) -> None:
    """Everything about one portal."""
    found = views(read_settings(), portal_id)
    if not found:
        fail(f"no portal {portal_id}")
    view = found[0]
    if as_json:
        emit_json(view.as_json())
        return
    data = view.as_json()
    for key in ("accounts", "counts", "last_errors", "gaps"):
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
    for line in gap_lines([view]):
        typer.echo(line)


def _change_portal(portal_id: int, change: Callable[[Database], Awaitable[Portal]]) -> None:
    """Run ``change(database)`` (an operator's edit of one portal) and turn its refusals into
    one-line errors: unknown portal, wrong status, bad value (exit 2), database trouble."""
    settings = read_settings()
    try:
        with_database(settings, change)
    except NoSuchPortal:
        fail(f"no portal {portal_id}")
    except WrongStatus as exc:
        fail(str(exc))
    except ValueError as exc:
        fail(str(exc), EXIT_CONFIG)


def _set_paused(portal_id: int, paused: bool) -> None:
    _change_portal(portal_id, lambda db: set_paused(db, portal_id, paused, SystemClock().now()))
    typer.echo(f"portal {portal_id} {'paused' if paused else 'resumed (due now)'}")


@app.command("pause")
def portals_pause(portal_id: PortalArgument) -> None:
    """Stop polling a portal until it is resumed."""
    _set_paused(portal_id, True)


@app.command("resume")
def portals_resume(portal_id: PortalArgument) -> None:
    """Poll a paused portal again, starting now."""
    _set_paused(portal_id, False)


@app.command("set-interval")
def portals_set_interval(
    portal_id: PortalArgument,
    seconds: Annotated[
        str, typer.Argument(help="Seconds between passes, or 'default' for sync.poll_interval_s.")
    ],
) -> None:
    """Poll one portal more or less often than the global interval."""
    interval: float | None = None
    if seconds != "default":
        try:
            interval = float(seconds)
        except ValueError:
            fail(f"seconds: {seconds!r} is not a number (or 'default')", EXIT_CONFIG)
    _change_portal(
        portal_id, lambda db: set_poll_interval(db, portal_id, interval, SystemClock().now())
    )
    shown = f"every {interval:g} s" if interval is not None else "the global interval"
    typer.echo(f"portal {portal_id} is polled {shown}")
