"""A run row left `running` by a killed instance is closed; live passes are left alone."""

from __future__ import annotations

from sqlmodel import select

from hhsync.db import leases, runs
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.db.tables import RunStatus, SyncRun
from tests.integration.test_leases import ALPHA, BETA, NOW, TTL_S, later, make_portals


async def test_only_runs_whose_owner_lost_the_portal_are_closed(
    database: Database, cipher: TokenCipher
) -> None:
    live, killed, taken_over = await make_portals(database, cipher, 3)
    async with database.session() as session:
        assert await leases.claim_portal(session, ALPHA, live, NOW, TTL_S)
        assert await leases.claim_portal(session, BETA, taken_over, NOW, TTL_S)
        for portal_id in (live, killed, taken_over):
            session.add(SyncRun(portal_id=portal_id, instance_id=ALPHA, started_at=NOW))
        done = SyncRun(
            portal_id=killed,
            instance_id=ALPHA,
            started_at=NOW,
            status=RunStatus.OK,
            finished_at=NOW,
        )
        session.add(done)

    async with database.session() as session:
        closed = await runs.close_abandoned_runs(session, later(1))
    assert closed == 2

    async with database.session() as session:
        rows = {(r.portal_id, r.status): r for r in (await session.exec(select(SyncRun))).all()}
    assert set(rows) == {
        (live, RunStatus.RUNNING),  # its owner still holds the lease: a pass is running
        (killed, RunStatus.FAILED),  # no lease at all
        (killed, RunStatus.OK),  # finished rows are never touched
        (taken_over, RunStatus.FAILED),  # the portal's lease is another instance's now
    }
    failed = rows[(killed, RunStatus.FAILED)]
    assert failed.finished_at == later(1)
    assert failed.error == runs.ABANDONED_REASON

    async with database.session() as session:
        assert await runs.close_abandoned_runs(session, later(TTL_S + 1)) == 1  # ALPHA's expired


async def test_a_new_pass_closes_what_a_dead_pass_of_its_portal_left_running(
    database: Database, cipher: TokenCipher
) -> None:
    portal, other = await make_portals(database, cipher, 2)
    async with database.session() as session:
        session.add(SyncRun(portal_id=portal, instance_id=ALPHA, started_at=NOW))
        session.add(SyncRun(portal_id=other, instance_id=ALPHA, started_at=NOW))
    async with database.session() as session:
        assert await runs.close_earlier_runs(session, portal, later(5)) == 1
    async with database.session() as session:
        statuses = {r.portal_id: r.status for r in (await session.exec(select(SyncRun))).all()}
    assert statuses == {portal: RunStatus.FAILED, other: RunStatus.RUNNING}


async def test_a_pass_that_found_no_settings_does_not_end_the_import(
    database: Database, cipher: TokenCipher
) -> None:
    """A pass that began just after the first save's instant but read the settings before the
    save committed skipped the portal; the settings page must not call the import done for it."""
    (portal,) = await make_portals(database, cipher, 1)
    async with database.session() as session:
        session.add(
            SyncRun(
                portal_id=portal,
                instance_id=ALPHA,
                started_at=later(1),
                status=RunStatus.OK,
                finished_at=later(2),
                error=runs.SKIPPED_NOT_CONFIGURED,
            )
        )
    async with database.session() as session:
        assert not await runs.finished_since(session, portal, NOW)
        session.add(
            SyncRun(
                portal_id=portal,
                instance_id=ALPHA,
                started_at=later(3),
                status=RunStatus.OK,
                finished_at=later(4),
            )
        )
    async with database.session() as session:
        assert await runs.finished_since(session, portal, NOW)
        assert not await runs.finished_since(session, portal, later(5))  # none began after that
