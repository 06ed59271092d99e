"""An operator's passes (``hhsync resync``, ``retry-failed``) against both sandboxes over HTTP.

A dry run changes nothing anywhere; ``--since`` narrows what a forced pass acts on without losing
what it saw; progress figures add up to the report; an operator's pass holds the portal's lease.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from sqlalchemy import func, text
from sqlmodel import select

from hhsync.db import accounts, leases, portals, state
from hhsync.db.leases import LeaseLost
from hhsync.db.tables import (
    AuditEvent,
    Negotiation,
    PortalLease,
    PortalStatus,
    RunStatus,
    SyncRun,
    SyncStatus,
    Vacancy,
)
from hhsync.service.exclusive import PortalBusy, run_leased
from hhsync.service.operator import WrongStatus, one_pass, set_paused
from hhsync.sync.actions import CreateEntity
from hhsync.sync.context import SyncContext
from hhsync.sync.engine import run_pass
from hhsync.sync.options import PassOptions
from hhsync.sync.progress import PassProgress
from hhsync.testing.world import World


async def row_counts(world: World) -> dict[str, int]:
    counts = {}
    async with world.ctx.database.session() as session:
        for table in (Negotiation, Vacancy, SyncRun, AuditEvent, PortalLease):
            result = await session.exec(select(func.count()).select_from(table))
            counts[table.__name__] = result.one()
    return counts


async def listed_updated_at(world: World) -> dict[str, datetime]:
    """Every negotiation's ``updated_at`` as hh.ru lists it, read with our own client."""
    async with world.ctx.database.session() as session:
        [account] = await accounts.list_accounts(session, world.portal_id)
    hh = world.ctx.hh_client(account)
    stamps: dict[str, datetime] = {}
    for vacancy in await hh.active_vacancies(account.hh_employer_id, all_accessible=True):
        listing = await hh.vacancy_negotiations(vacancy.id)
        stamps.update({n.id: n.updated_at for n in listing.negotiations})
    return stamps


async def test_a_dry_run_plans_the_import_and_writes_nothing_anywhere(world: World) -> None:
    expected = world.hh_negotiations()
    before = await row_counts(world)
    report = await run_pass(world.ctx, world.portal_id, PassOptions(force=True, dry_run=True))
    creates = [a for p in report.planned for a in p.actions if isinstance(a, CreateEntity)]
    assert len({a.hh_id for a in creates}) == expected
    assert report.run_id is None
    assert await row_counts(world) == before  # not a vacancy, negotiation, run or audit line
    assert world.entities("lead") == []
    assert report.bitrix_requests == 0

    # The real pass afterwards imports exactly what the dry run planned.
    real = await run_pass(world.ctx, world.portal_id, PassOptions(force=True))
    assert {lead["ORIGIN_ID"] for lead in world.entities("lead")} == {a.hh_id for a in creates}
    assert real.writes.created == expected


async def test_since_limits_a_forced_pass_and_keeps_the_older_responses_for_later(
    world: World,
) -> None:
    stamps = await listed_updated_at(world)
    ordered = sorted(stamps.values())
    since = ordered[len(ordered) // 2]
    recent = {hh_id for hh_id, at in stamps.items() if at >= since}
    assert 0 < len(recent) < len(stamps)

    planned = await run_pass(
        world.ctx, world.portal_id, PassOptions(force=True, dry_run=True, since=since)
    )
    assert {a.hh_id for p in planned.planned for a in p.actions} == recent

    narrowed = await run_pass(world.ctx, world.portal_id, PassOptions(force=True, since=since))
    assert narrowed.writes.created == len(recent)
    assert {lead["ORIGIN_ID"] for lead in world.entities("lead")} == recent
    async with world.ctx.database.session() as session:
        pending = await session.exec(
            select(Negotiation.hh_negotiation_id).where(
                Negotiation.sync_status == SyncStatus.PENDING
            )
        )
        assert set(pending.all()) == set(stamps) - recent  # seen, stored, not lost

    # The daemon's next ordinary pass takes the older ones from the database.
    await run_pass(world.ctx, world.portal_id)
    assert {lead["ORIGIN_ID"] for lead in world.entities("lead")} == set(stamps)


async def test_progress_figures_follow_the_pass_to_its_end(world: World) -> None:
    expected = world.hh_negotiations()
    progress = PassProgress()
    report = await run_pass(world.ctx, world.portal_id, progress=progress)
    assert progress.vacancies_to_read == progress.vacancies_read == report.vacancies_read > 0
    assert progress.negotiations_listed == report.negotiations_seen == expected
    assert progress.negotiations_planned == progress.negotiations_written == expected
    assert progress.writes is report.writes


async def test_an_operator_pass_holds_the_lease_and_gives_the_portal_back(world: World) -> None:
    settings, database, cipher = world.ctx.settings, world.ctx.database, world.ctx.cipher
    seen_holders: list[str] = []

    async def before() -> None:
        async with database.session() as session:
            live = await leases.lease_holders(session, world.clock.now())
            seen_holders.extend(x.owner for x in live if x.portal_id == world.portal_id)

    report = await one_pass(
        settings, database, cipher, world.portal_id, PassOptions(force=True), before=before
    )
    assert report.writes.created == world.hh_negotiations()
    assert len(seen_holders) == 1
    assert seen_holders[0].startswith("cli:")
    async with database.session() as session:
        assert await leases.lease_holders(session, world.clock.now()) == []
        portal = await portals.get_portal(session, world.portal_id)
    assert portal is not None
    assert portal.next_pass_at is not None
    assert portal.next_pass_at > world.clock.now()  # the daemon's next pass is an interval away


async def test_an_operator_pass_refuses_a_portal_a_daemon_is_syncing(world: World) -> None:
    async with world.ctx.database.session() as session:
        assert await leases.claim_portal(
            session, "daemon-a:42", world.portal_id, world.clock.now(), 60
        )
    with pytest.raises(PortalBusy, match="daemon-a:42") as refused:
        await one_pass(
            world.ctx.settings,
            world.ctx.database,
            world.ctx.cipher,
            world.portal_id,
            PassOptions(force=True),
        )
    # Retriable: at the latest when the daemon's lease would run out unless renewed.
    assert refused.value.retry_after_s is not None
    assert 0 < refused.value.retry_after_s <= 60
    assert world.entities("lead") == []
    # A dry run writes nothing, so it needs no lease and is allowed meanwhile.
    dry = await one_pass(
        world.ctx.settings,
        world.ctx.database,
        world.ctx.cipher,
        world.portal_id,
        PassOptions(force=True, dry_run=True),
    )
    assert dry.planned
    assert dry.planned[0].actions


def short_lease(world: World) -> SyncContext:
    """The world's context with a short lease (heartbeat every 2 s) and the requests it covers."""
    base = world.ctx.settings
    settings = base.model_copy(
        update={
            "sync": base.sync.model_copy(update={"lease_ttl_s": 6}),
            # the longest Bitrix24 request a 6 s lease covers (hhsync.model.deadlines)
            "bitrix": base.bitrix.model_copy(update={"request_timeout_s": 1.0}),
        }
    )
    return SyncContext.create(
        settings, world.ctx.database, world.ctx.cipher, clock=world.clock, instance_id="cli:test"
    )


async def test_a_lost_lease_stops_the_operator_pass_and_leaves_the_new_holder_alone(
    world: World,
) -> None:
    ctx = short_lease(world)
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def endless_pass() -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        finally:
            cancelled.set()

    async def steal_the_lease() -> None:
        await started.wait()
        async with ctx.database.session() as session:
            await session.exec(  # type: ignore[call-overload]
                text(
                    "UPDATE portal_lease SET owner = 'thief', "
                    "expires_at = now() + interval '1 hour' WHERE portal_id = :portal_id"
                ).bindparams(portal_id=world.portal_id)
            )

    try:
        async with asyncio.timeout(30):  # a bound on the wait, not a timing assertion
            thief = asyncio.create_task(steal_the_lease())
            with pytest.raises(LeaseLost, match="expired during the pass"):
                await run_leased(ctx, world.portal_id, endless_pass)
            await thief
    finally:
        await ctx.aclose()
    assert cancelled.is_set()
    async with ctx.database.session() as session:
        holders = await leases.lease_holders(session, world.clock.now())
    assert [(x.portal_id, x.owner) for x in holders] == [(world.portal_id, "thief")]


async def test_pause_and_resume_leave_a_parked_portal_parked(world: World) -> None:
    database, now = world.ctx.database, world.clock.now()
    async with database.session() as session:
        await portals.set_portal_status(
            session, world.portal_id, PortalStatus.NEEDS_REAUTH, "refresh token expired", now
        )
    for paused in (True, False):
        with pytest.raises(WrongStatus, match="needs_reauth \\(refresh token expired\\)"):
            await set_paused(database, world.portal_id, paused, now)
    async with database.session() as session:
        portal = await portals.get_portal(session, world.portal_id)
    assert portal is not None
    assert (portal.status, portal.status_reason) == (
        PortalStatus.NEEDS_REAUTH,
        "refresh token expired",
    )


async def test_a_pass_whose_lease_is_gone_writes_nothing_to_the_crm(world: World) -> None:
    expected = world.hh_negotiations()
    fenced = await run_pass(world.ctx, world.portal_id, PassOptions(lease_owner="paused-vm:7"))
    assert fenced.status == RunStatus.FAILED
    assert any("ended before a CRM write" in e for e in fenced.errors)
    assert world.entities("lead") == []
    async with world.ctx.database.session() as session:
        counts = await state.count_by_status(session, world.portal_id)
    assert counts["pending"] == expected  # read and kept; nothing marked in flight or sent
    assert counts["in_flight"] == 0

    async with world.ctx.database.session() as session:
        assert await leases.claim_portal(
            session, "paused-vm:7", world.portal_id, world.clock.now(), 60
        )
    held = await run_pass(world.ctx, world.portal_id, PassOptions(lease_owner="paused-vm:7"))
    assert held.writes.created == expected
