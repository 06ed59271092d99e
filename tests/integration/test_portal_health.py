"""The health recorder on real PostgreSQL: one row per portal, written only by its lease holder.

Two recorders play two daemon instances sharing one database; the passes' outcomes are plain
:class:`PassReport` values, as ``run_pass`` returns them.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from structlog.testing import capture_logs

from hhsync.clock import FrozenClock
from hhsync.db import leases, portals
from hhsync.db.crypto import TokenCipher
from hhsync.db.health import get_health, states_by_portal
from hhsync.db.session import Database
from hhsync.db.tables import HealthState, PortalStatus, RunStatus
from hhsync.metrics import Metrics
from hhsync.service.health import HealthRecorder, read_health
from hhsync.sync.engine import PassReport
from hhsync.sync.health import EVENT_FAILING, EVENT_RECOVERED
from tests.integration.test_leases import ALPHA, BETA, NOW, TTL_S, make_portals

pytestmark = pytest.mark.postgres


async def hand_over(
    database: Database, portal_id: int, old: str, new: str, clock: FrozenClock
) -> None:
    async with database.session() as session:
        assert await leases.release(session, old, portal_id, clock.now(), clock.now())
        assert await leases.claim_portal(session, new, portal_id, clock.now(), TTL_S)


async def test_a_streak_is_told_once_by_its_first_pass_and_ended_by_another_instance(
    database: Database, cipher: TokenCipher
) -> None:
    [portal_id] = await make_portals(database, cipher, 1)
    clock = FrozenClock(NOW)
    alpha_metrics, beta_metrics = Metrics(), Metrics()
    alpha = HealthRecorder(database, clock, alpha_metrics)
    beta = HealthRecorder(database, clock, beta_metrics)
    async with database.session() as session:
        assert await leases.claim_portal(session, ALPHA, portal_id, clock.now(), TTL_S)

    with capture_logs() as logs:
        first = await alpha.crashed(portal_id, RuntimeError("boom"), lease_owner=ALPHA)
        clock.advance(30)
        failed = PassReport(portal_id, RunStatus.FAILED, run_id=2, errors=["Bitrix24: down"])
        second = await alpha.passed(failed, lease_owner=ALPHA)
        # beta does not hold the lease: its view of the portal is not news and is not stored
        clock.advance(1)
        ignored = await beta.passed(PassReport(portal_id, run_id=3), lease_owner=BETA)
        await hand_over(database, portal_id, ALPHA, BETA, clock)
        clock.advance(29)
        recovered = await beta.passed(
            PassReport(portal_id, RunStatus.PARTIAL, run_id=4), lease_owner=BETA
        )

    assert first is not None
    assert first.event == EVENT_FAILING
    assert second is not None
    assert second.event is None
    assert ignored is None
    assert recovered is not None
    assert recovered.event == EVENT_RECOVERED
    told = [e for e in logs if e["event"] in (EVENT_FAILING, EVENT_RECOVERED)]
    assert [e["event"] for e in told] == [EVENT_FAILING, EVENT_RECOVERED]
    assert told[0]["reason"] == "pass crashed: RuntimeError: boom"
    assert isinstance(told[0]["exc_info"], RuntimeError)  # the traceback, once per streak
    assert told[1]["failing_passes"] == 2
    assert told[1]["failing_s"] == 60.0
    assert told[1]["last_reason"] == "Bitrix24: down"
    assert (
        alpha_metrics.registry.get_sample_value(
            "hhsync_portal_health_transitions_total", {"state": "failing"}
        )
        == 1
    )
    assert (
        beta_metrics.registry.get_sample_value(
            "hhsync_portal_health_transitions_total", {"state": "ok"}
        )
        == 1
    )
    async with database.session() as session:
        health = await read_health(session, portal_id)
        assert await states_by_portal(session) == {portal_id: HealthState.OK}
    assert health.state is HealthState.OK
    assert health.since == NOW + timedelta(seconds=60)


async def test_a_failing_streak_is_counted_in_the_database_without_a_word(
    database: Database, cipher: TokenCipher
) -> None:
    [portal_id] = await make_portals(database, cipher, 1)
    clock = FrozenClock(NOW)
    recorder = HealthRecorder(database, clock, Metrics())
    with capture_logs() as logs:
        for n in range(4):
            clock.advance(30)
            report = PassReport(portal_id, RunStatus.FAILED, run_id=n, errors=[f"try {n}"])
            await recorder.passed(report, lease_owner=None)
    assert [e["event"] for e in logs if e["event"] == EVENT_FAILING] == [EVENT_FAILING]
    async with database.session() as session:
        row = await get_health(session, portal_id)
    assert row is not None
    assert (row.state, row.failing_passes, row.reason) == ("failing", 4, "try 3")
    assert row.since == NOW + timedelta(seconds=30)
    assert row.updated_at == NOW + timedelta(seconds=120)


async def test_passes_that_prove_nothing_leave_no_row(
    database: Database, cipher: TokenCipher
) -> None:
    active, paused = await make_portals(database, cipher, 2)
    clock = FrozenClock(NOW)
    recorder = HealthRecorder(database, clock, Metrics())
    async with database.session() as session:
        portal = await portals.get_portal(session, paused)
        assert portal is not None
        portal.status = PortalStatus.PAUSED
        session.add(portal)
    skipped = PassReport(paused, skipped="portal is paused")  # no run: it never started
    assert await recorder.passed(skipped, lease_owner=None) is None
    stopped = PassReport(active, run_id=1, skipped="stopped early for a shutdown")
    assert await recorder.passed(stopped, lease_owner=None, interrupted=True) is None
    async with database.session() as session:
        assert await get_health(session, active) is None
        assert await get_health(session, paused) is None
        assert await states_by_portal(session, [PortalStatus.ACTIVE]) == {
            active: HealthState.UNKNOWN
        }
