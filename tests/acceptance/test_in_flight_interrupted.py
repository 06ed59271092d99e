"""A create batch still running at a slow portal is created once, however its sender ends.

The portal takes longer over the batch than the rerun delay and the lease TTL. The first sender
is stopped with Ctrl-C (`hhsync resync`) or SIGKILL (`hhsync run`) while it is in flight; another
process goes on at once. The negotiations of that batch wait in flight until the request can no
longer be running at the portal, are then looked up by origin and adopted: one lead and one
timeline activity per negotiation, and no run row left running.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from hhsync.testing.daemon import daemon_env, start_daemon, wait_for
from hhsync.testing.world import FIRST_CREATE_BATCH, World

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

SLOW_BATCH_S = 7.0
"""The portal holds the first create batch this long: past the 6 s lease and any rerun."""
SLOW_PORTAL = {
    # The portal finishes every request within 8 s; our side gives up after 2 s.
    "HHSYNC_BITRIX__REQUEST_CUTOFF_S": "8",
}


def slow_down_next_create_batch(world: World) -> None:
    world.bitrix_admin(
        "POST",
        f"/_sandbox/portals/{world.domain}/faults",
        fault={"kind": "slow", "delay_s": SLOW_BATCH_S, "path_contains": "crm.lead.add"},
    )


def count(db_url: str, query: str) -> int:
    url = make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url) as conn:
        row = conn.execute(query).fetchone()  # type: ignore[call-overload]
    assert row is not None
    return int(row[0])


def in_flight(db_url: str) -> int:
    return count(db_url, "SELECT count(*) FROM negotiation WHERE sync_status = 'in_flight'")


def assert_exactly_once(world: World, db_url: str) -> None:
    leads = world.entities("lead")
    origins = Counter(str(lead["ORIGIN_ID"]) for lead in leads)
    assert not [o for o, n in origins.items() if n > 1], f"duplicates among {len(leads)} leads"
    assert len(leads) == world.hh_negotiations()
    per_lead = Counter(
        str(a["OWNER_ID"]) for a in world.entities("activity") if str(a["OWNER_TYPE_ID"]) == "1"
    )
    assert per_lead == Counter({str(lead["ID"]): 1 for lead in leads})
    assert count(db_url, "SELECT count(*) FROM negotiation WHERE sync_status <> 'synced'") == 0
    assert count(db_url, "SELECT count(*) FROM sync_run WHERE status = 'running'") == 0


def resync(world: World, db_url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "hhsync", "resync", "--portal", str(world.portal_id), "--json"],
        env=daemon_env(world, db_url, **SLOW_PORTAL),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_ctrl_c_on_resync_under_a_running_batch_then_rerun_at_once(
    world: World, db_url: str
) -> None:
    expected = world.hh_negotiations()
    slow_down_next_create_batch(world)
    interrupted = resync(world, db_url)
    wait_for(lambda: in_flight(db_url) == FIRST_CREATE_BATCH, "the slow batch to be sent")
    interrupted.send_signal(signal.SIGINT)
    interrupted.communicate(timeout=30)
    assert interrupted.returncode != 0

    rerun = resync(world, db_url)  # at once, while the portal still runs the batch
    _out, err = rerun.communicate(timeout=60)
    assert rerun.returncode == 0, err[-2000:]
    assert (
        in_flight(db_url) == FIRST_CREATE_BATCH
    )  # waiting, visibly, for the request that carries them
    wait_for(lambda: len(world.entities("lead")) >= expected, "the portal to finish the batch")

    def settled() -> bool:
        last = resync(world, db_url)
        last.communicate(timeout=60)
        return in_flight(db_url) == 0

    wait_for(settled, "the batch's negotiations to be adopted", 90)
    assert_exactly_once(world, db_url)


def test_sigkill_under_a_running_batch_and_a_second_daemon_takes_over(
    world: World, db_url: str, tmp_path: Path
) -> None:
    expected = world.hh_negotiations()
    slow_down_next_create_batch(world)
    env = daemon_env(world, db_url, **SLOW_PORTAL)
    killed = start_daemon(env, tmp_path / "killed.log")
    try:
        wait_for(lambda: in_flight(db_url) == FIRST_CREATE_BATCH, "the slow batch to be sent")
    finally:
        killed.kill()
        killed.wait(timeout=30)
    taker_log = tmp_path / "taker.log"
    taker = start_daemon(env, taker_log)
    try:
        wait_for(lambda: len(world.entities("lead")) >= expected, "the killed batch to land", 90)
        wait_for(lambda: in_flight(db_url) == 0, "the batch's negotiations to be adopted", 90)
        wait_for(
            lambda: count(db_url, "SELECT count(*) FROM sync_run WHERE status = 'running'") == 0,
            "the passes to finish",
        )
        taker.send_signal(signal.SIGTERM)
        assert taker.wait(timeout=60) == 0
    finally:
        if taker.poll() is None:
            taker.kill()
            taker.wait()
    assert "Traceback" not in taker_log.read_text()
    assert_exactly_once(world, db_url)
