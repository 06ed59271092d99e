"""The operator commands as a user runs them: real `hhsync` processes, a real PostgreSQL
database, both sandboxes over HTTP (status, portals, resync --dry-run, retry-failed, doctor)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

import pytest

from hhsync.testing.daemon import daemon_env
from hhsync.testing.server import free_port
from hhsync.testing.world import World

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def hhsync(world: World, db_url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """One command; the poll interval is long, so a pass handed back is not overdue by the time
    the next command (a process start away) reads the status."""
    return subprocess.run(
        [sys.executable, "-m", "hhsync", *args],
        env=daemon_env(world, db_url, **{"HHSYNC_SYNC__POLL_INTERVAL_S": "300", **env}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def as_json(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def test_operator_commands_against_a_real_portal(world: World, db_url: str) -> None:
    portal = str(world.portal_id)
    expected = world.hh_negotiations()

    # resync --dry-run: the whole import is planned, nothing reaches the CRM.
    planned = as_json(hhsync(world, db_url, "resync", "--portal", portal, "--dry-run", "--json"))
    creates = [a for a in planned["actions"] if a["action"] == "CreateEntity"]
    assert len(creates) == expected
    assert world.entities("lead") == []

    # A required CRM field makes every create fail: the responses are kept as failed.
    world.bitrix_admin(
        "POST", f"/_sandbox/portals/{world.domain}/required", entity="lead", field="POST"
    )
    failing = as_json(hhsync(world, db_url, "resync", "--portal", portal, "--json"))
    assert failing["failed"] == expected
    status = as_json(hhsync(world, db_url, "status", "--json"))
    assert [p["domain"] for p in status] == [world.domain]
    assert status[0]["counts"]["failed"] == expected
    assert status[0]["last_errors"]
    assert status[0]["accounts"][0]["status"] == "active"
    assert 0 <= status[0]["lag_s"] < 600  # the partial pass just now is the CRM's view of hh.ru
    assert status[0]["overdue_s"] == 0  # handed back with its next pass an interval away
    assert status[0]["effective_interval_s"] == 300  # within the hh.ru budget: as set
    shown_status = hhsync(world, db_url, "status").stdout
    header, row = shown_status.splitlines()[:2]
    assert header.split("\t")[5] == "lag"
    assert re.fullmatch(r"(\d+m)?\d+s", row.split("\t")[5])
    assert header.split("\t")[6] == "interval"
    assert row.split("\t")[6] == "300s"
    assert re.search(r"capacity: hh\.ru cost \d+/min of a budget of 5700/min", shown_status)
    assert re.search(r"this instance can poll \d+ portals at \d+ s", shown_status)

    # retry-failed once the field is optional again: everything arrives, once.
    world.bitrix_admin(
        "DELETE", f"/_sandbox/portals/{world.domain}/required", entity="lead", field="POST"
    )
    retried = hhsync(world, db_url, "retry-failed", "--portal", portal)
    assert retried.returncode == 0, retried.stderr[-2000:]
    assert f"{expected} failed responses made due" in retried.stdout
    assert len(world.entities("lead")) == expected
    shown = as_json(hhsync(world, db_url, "portals", "show", portal, "--json"))
    assert shown["counts"]["synced"] == expected
    assert shown["counts"]["failed"] == 0
    assert shown["last_pass_status"] == "ok"

    # pause / resume, seen by `portals list`.
    assert hhsync(world, db_url, "portals", "pause", portal).returncode == 0
    listed = as_json(hhsync(world, db_url, "portals", "list", "--json"))
    assert listed[0]["status"] == "paused"
    assert hhsync(world, db_url, "portals", "resume", portal).returncode == 0
    table = hhsync(world, db_url, "portals", "list")
    assert table.returncode == 0
    assert f"{portal}\t{world.domain}\tactive" in table.stdout
    again = hhsync(world, db_url, "portals", "resume", portal)
    assert again.returncode == 1
    assert f"portal {portal} is active; only a paused portal can be resumed" in again.stderr

    # A portal's own interval, and back to the global one; nonsense is refused.
    assert hhsync(world, db_url, "portals", "set-interval", portal, "30").returncode == 0
    assert (
        as_json(hhsync(world, db_url, "portals", "show", portal, "--json"))["poll_interval_s"] == 30
    )
    for wrong in ("soon", "1", "100000"):
        refused = hhsync(world, db_url, "portals", "set-interval", portal, wrong)
        assert refused.returncode == 2, wrong
        assert "between 5 and 86400 seconds" in refused.stderr or "not a number" in refused.stderr
    assert hhsync(world, db_url, "portals", "set-interval", portal, "default").returncode == 0
    shown = as_json(hhsync(world, db_url, "portals", "show", portal, "--json"))
    assert shown["poll_interval_s"] is None

    # doctor: all green here; an unreachable hh.ru is a FAIL with a reason and exit 1.
    healthy = hhsync(world, db_url, "doctor")
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr[-2000:]
    assert "FAIL" not in healthy.stdout
    for name in (
        "database",
        "schema",
        "token key",
        "hh.ru",
        "clock (database)",
        "clock (hh.ru)",
        f"portal {portal}",
        "Bitrix24 OAuth",
    ):
        assert f"OK   {name}" in healthy.stdout
    dead_hh = f"http://127.0.0.1:{free_port()}"
    broken = hhsync(world, db_url, "doctor", HHSYNC_HH__API_URL=dead_hh)
    assert broken.returncode == 1
    assert "FAIL hh.ru" in broken.stdout


def test_run_refuses_a_pool_smaller_than_its_passes(world: World, db_url: str) -> None:
    result = hhsync(
        world,
        db_url,
        "run",
        HHSYNC_DATABASE__POOL_SIZE="3",
        HHSYNC_SYNC__MAX_CONCURRENT_PASSES="4",
    )
    assert result.returncode == 2
    assert "database.pool_size" in result.stderr
    assert "HHSYNC_DATABASE__POOL_SIZE=22" in result.stderr


def hold_lease(db_url: str, portal_id: int, owner: str | None) -> None:
    """Play a daemon holding the portal (``owner``) or none (``None``), straight in PostgreSQL."""
    import psycopg

    with psycopg.connect(db_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute("DELETE FROM portal_lease WHERE portal_id = %s", (portal_id,))
        if owner is not None:
            conn.execute(
                "INSERT INTO portal_lease (portal_id, owner, claimed_at, heartbeat_at, expires_at)"
                " VALUES (%s, %s, now(), now(), now() + interval '1 hour')",
                (portal_id, owner),
            )


def test_resync_waits_for_no_daemon_shows_progress_and_narrows_by_date(
    world: World, db_url: str
) -> None:
    portal = str(world.portal_id)
    expected = world.hh_negotiations()

    hold_lease(db_url, world.portal_id, "vps-2:4242")
    busy = hhsync(world, db_url, "resync", "--portal", portal)
    assert busy.returncode == 1
    assert "being synced by vps-2:4242" in busy.stderr
    assert world.entities("lead") == []
    hold_lease(db_url, world.portal_id, None)

    bad = hhsync(world, db_url, "resync", "--portal", portal, "--since", "last tuesday")
    assert bad.returncode == 2
    assert "--since: 'last tuesday' is not a date" in bad.stderr

    # Tomorrow: nothing hh.ru lists has changed since, so the forced pass writes nothing.
    tomorrow = hhsync(world, db_url, "resync", "--portal", portal, "--since", "2999-01-01")
    assert tomorrow.returncode == 0, tomorrow.stderr[-2000:]
    assert "created=0" in tomorrow.stdout
    assert world.entities("lead") == []

    shown = hhsync(world, db_url, "resync", "--portal", portal, "--progress")
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert f"created={expected}" in shown.stdout
    assert "hh.ru: vacancies read" in shown.stderr
    assert "Bitrix24: responses written" in shown.stderr
    assert f"{expected}/{expected}" in shown.stderr
    assert len(world.entities("lead")) == expected

    quiet = hhsync(world, db_url, "resync", "--portal", portal, "--json")
    assert "vacancies read" not in quiet.stderr  # no bars in JSON mode (nor off a terminal)
    assert as_json(quiet)["created"] == 0
