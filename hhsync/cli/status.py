"""``hhsync status``: per portal, how far the CRM is behind hh.ru and what went wrong."""

from __future__ import annotations

import typer

from hhsync.cli.command import read_settings, with_database
from hhsync.cli.output import JsonOption, emit_json, table, when
from hhsync.clock import SystemClock
from hhsync.config import Settings
from hhsync.db.session import Database
from hhsync.model.capacity import Capacity
from hhsync.service.status import PortalView, fleet_capacity, portal_views

COLUMNS = [
    "id",
    "domain",
    "status",
    "accounts",
    "last pass",
    "lag",
    "interval",
    "health",
    "pending",
    "failed",
    "synced",
    "errors",
]


def views(settings: Settings, portal_id: int | None = None) -> list[PortalView]:
    """Every portal's overview now (or only ``portal_id``'s; empty if there is no such portal)."""
    return with_database(
        settings, lambda database: portal_views(database, SystemClock().now(), portal_id)
    )


def views_and_capacity(settings: Settings) -> tuple[list[PortalView], Capacity]:
    """Every portal's overview with its effective interval, and the fleet's capacity."""

    async def work(database: Database) -> tuple[list[PortalView], Capacity]:
        now = SystemClock().now()
        capacity = await fleet_capacity(database, settings, now)
        return await portal_views(database, now, capacity=capacity), capacity

    return with_database(settings, work)


def interval(view: PortalView) -> str:
    """``60s``, or ``60s -> 90s`` when the fleet's hh.ru cost stretches it."""
    if view.effective_interval_s is None:
        return "-"
    effective = f"{view.effective_interval_s:.0f}s"
    if view.stretch <= 1.0:
        return effective
    return f"{view.effective_interval_s / view.stretch:.0f}s -> {effective}"


def lag(lag_s: float | None, overdue_s: float) -> str:
    """``42s``, ``3m05s`` or ``-`` (never synced), with how long a due pass has waited."""
    if lag_s is None:
        text = "-"
    else:
        minutes, seconds = divmod(int(lag_s), 60)
        text = f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"
    return text + (f" (overdue {int(overdue_s)}s)" if overdue_s >= 1 else "")


def health(view: PortalView) -> str:
    """``ok``, ``parked`` or ``failing x3 since 09:12:00``."""
    if view.failing_since is None:
        return view.health
    return f"failing x{view.failing_passes} since {when(view.failing_since)}"


def pending(view: PortalView) -> str:
    """Negotiations not yet in the CRM; those waiting for a lost request to end are told apart."""
    waiting = view.counts["pending"] + view.counts["in_flight"]
    if not view.awaiting_portal:
        return str(waiting)
    return f"{waiting} ({view.awaiting_portal} in flight until {when(view.awaiting_portal_until)})"


def status_row(view: PortalView) -> list[str]:
    """One portal's line of the status table."""
    linked = ", ".join(f"{a.id}:{a.manager} ({a.status})" for a in view.accounts) or "-"
    errors = view.last_errors or ([view.last_pass_error] if view.last_pass_error else [])
    return [
        str(view.id),
        view.domain,
        view.status,
        linked,
        f"{when(view.last_pass_at)} {view.last_pass_status or ''}".strip(),
        lag(view.lag_s, view.overdue_s),
        interval(view),
        health(view),
        pending(view),
        str(view.counts["failed"]),
        str(view.counts["synced"]),
        "; ".join(errors),
    ]


def gap_lines(found: list[PortalView]) -> list[str]:
    """One line per deep vacancy hh.ru will not list completely (its name, id and gap)."""
    return [
        f"portal {view.id}: vacancy {gap.name!r} ({gap.hh_vacancy_id}): hh.ru does not list "
        f"{gap.missing} of its negotiations (deeper than hh.ru's paging allows)"
        for view in found
        for gap in view.gaps
    ]


def status(as_json: JsonOption = False) -> None:
    """Per portal: accounts, last pass, pending and failed responses, newest errors."""
    found, capacity = views_and_capacity(read_settings())
    if as_json:
        emit_json([v.as_json() for v in found])
        return
    table("hhsync status", COLUMNS, [status_row(v) for v in found])
    for line in gap_lines(found):
        typer.echo(line)
    if not found:
        typer.echo("no portals yet: install the app on a Bitrix24 portal (or run `hhsync demo`)")
        return
    typer.echo(f"capacity: {capacity.sentence()}")
