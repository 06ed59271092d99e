"""``hhsync doctor``: database, migrations, config, reachability, token states and clock."""

from __future__ import annotations

import typer

from hhsync.cli.command import EXIT_FAILURE, read_settings, with_database
from hhsync.cli.output import JsonOption, emit_json
from hhsync.clock import SystemClock
from hhsync.service.doctor import diagnose


def doctor(as_json: JsonOption = False) -> None:
    """Check database, migrations, config, reachability, token states and clock."""
    settings = read_settings()
    checks = with_database(settings, lambda database: diagnose(settings, database, SystemClock()))
    if as_json:
        emit_json([{"check": c.name, "ok": c.ok, "reason": c.reason} for c in checks])
    else:
        for check in checks:
            typer.echo(f"{'OK  ' if check.ok else 'FAIL'} {check.name}: {check.reason}")
    if not all(check.ok for check in checks):
        raise typer.Exit(EXIT_FAILURE)
