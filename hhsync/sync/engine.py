"""One sync pass for one portal: the only place where hh.ru, Bitrix24 and the database meet.

For each active hh.ru account of the portal: read vacancies and the negotiations of changed ones
(stored before anything else), plan against the stored state, then apply the plan to Bitrix24 and
record each outcome. One bad response never stops a pass; a revoked hh.ru account is parked and the
others go on; a portal whose Bitrix24 tokens are dead is parked as a whole.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from sqlmodel.ext.asyncio.session import AsyncSession

from hhsync.bitrix.client import BitrixClient
from hhsync.bitrix.crm_mode import CrmMode
from hhsync.bitrix.errors import AppUninstalled, BitrixError, PaymentRequired, PortalHold
from hhsync.db import accounts, leases, portals, resume_copies, runs, state
from hhsync.db.tables import (
    AccountStatus,
    EntityType,
    HhAccount,
    Portal,
    PortalSettings,
    PortalStatus,
    RunStatus,
    StageMode,
    SyncRun,
)
from hhsync.db.tokens import mark_account_needs_reauth, park_portal
from hhsync.errors import NeedsReauth, Retriable
from hhsync.hh.budget import Priority
from hhsync.hh.errors import CaptchaRequired, HhError
from hhsync.log import EVENT_PASS_FINISHED, EVENT_PASS_STARTED, bound, get_logger
from hhsync.model import deadlines
from hhsync.model.backoff import Backoff
from hhsync.model.snapshot import PlanSettings
from hhsync.sync.actions import Action, AddActivity, Anomaly, UpdateEntity
from hhsync.sync.apply.outcomes import WriteFigures
from hhsync.sync.apply.sender import Fence
from hhsync.sync.backfill import enrich_priority
from hhsync.sync.context import SyncContext, start_counting
from hhsync.sync.kept_pair import first_retry_at, retry_kept_pairs
from hhsync.sync.lead_follow import LeadFollow
from hhsync.sync.mapping import entity_kind
from hhsync.sync.options import PassOptions
from hhsync.sync.plan import Plan, plan
from hhsync.sync.progress import PassProgress
from hhsync.sync.reading import read_account
from hhsync.sync.unmapped import note_unmapped_states
from hhsync.sync.userfields import ensure_user_fields
from hhsync.sync.writing import Writer

log = get_logger(__name__)

CAPTCHA_NOTE: Final = "hh.ru asks for a captcha; the account's reads pause until it is solved"


@dataclass
class PassReport:
    """Figures of one pass (also stored as its sync_run row)."""

    portal_id: int
    status: RunStatus = RunStatus.OK
    skipped: str | None = None
    run_id: int | None = None
    vacancies_read: int = 0
    negotiations_seen: int = 0
    hh_requests: int = 0
    bitrix_requests: int = 0
    writes: WriteFigures = field(default_factory=WriteFigures)
    anomalies: list[Anomaly] = field(default_factory=list)
    planned: list[Plan] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    hold_s: float | None = None
    """Set when Bitrix24 refused until a person acts (:class:`PortalHold`): how long the portal
    should wait, at least, before its next pass (the scheduler doubles it while it lasts)."""


def plan_settings(prefs: PortalSettings | None) -> PlanSettings:
    """The planner's view of the saved settings (not configured until the first save)."""
    if prefs is None or prefs.configured_at is None:
        return PlanSettings(configured=False)
    return PlanSettings(
        configured=True,
        entity_type=EntityType(prefs.entity_type),
        stage_mode=StageMode(prefs.stage_mode),
        stage_map={str(k): str(v) for k, v in prefs.stage_map.items()},
    )


async def run_pass(
    ctx: SyncContext,
    portal_id: int,
    options: PassOptions = PassOptions(),  # noqa: B008 - frozen, so one shared default is safe
    *,
    progress: PassProgress | None = None,
    stop: asyncio.Event | None = None,
) -> PassReport:
    """Sync one portal once, as ``options`` say (:class:`~hhsync.sync.options.PassOptions`).

    ``progress`` is filled as the pass goes. ``stop`` (a daemon shutting down) ends the pass at the
    next boundary — between vacancies, accounts or CRM batches — with everything done so far
    recorded.
    """
    force, dry_run = options.force, options.dry_run
    counts = start_counting()
    now = ctx.clock.now()
    report = PassReport(portal_id)
    if progress is not None:
        report.writes = progress.writes
    async with ctx.database.session() as session:
        portal = await portals.get_portal(session, portal_id)
        if portal is None:
            report.skipped = "no such portal"
            return report
        if portal.status != PortalStatus.ACTIVE:
            report.skipped = f"portal is {portal.status}: {portal.status_reason or ''}".strip()
            return report
        prefs = await portals.get_settings(session, portal_id)
        linked = await accounts.list_accounts(session, portal_id, AccountStatus.ACTIVE)
        run = SyncRun(
            portal_id=portal_id, instance_id=ctx.instance_id, forced=force, started_at=now
        )
        if not dry_run:
            await runs.close_earlier_runs(session, portal_id, now)
            max_age = timedelta(seconds=ctx.settings.sync.resume_copy_max_age_s)
            swept = await resume_copies.sweep(session, portal_id, now - max_age)
            if swept:
                log.info("sync.resume_copies_swept", portal=portal_id, count=swept)
            session.add(run)
            await session.flush()
            report.run_id = run.id
    settings = plan_settings(prefs)
    with bound(portal=portal_id, pass_id=report.run_id):
        if not dry_run:
            # A kept pair that works again makes its account one of this pass's (kept_pair.py).
            back = await retry_kept_pairs(ctx, portal_id, now, report.run_id)
            linked = sorted([*linked, *back], key=lambda a: a.id or 0)
        log.info(EVENT_PASS_STARTED, accounts=len(linked), forced=force, dry_run=dry_run)
        if prefs is None or not settings.configured:
            report.skipped = runs.SKIPPED_NOT_CONFIGURED
        elif not linked:
            report.skipped = "no active hh.ru account"
        else:
            scope = _Pass(
                ctx,
                prefs,
                settings,
                report,
                now,
                options,
                progress or PassProgress(writes=report.writes),
                stop or asyncio.Event(),
            )
            try:
                await _sync_accounts(scope, portal, linked)
            except (asyncio.CancelledError, Exception) as exc:
                # Stopped (graceful-stop timeout, lost lease) or a bug: outcomes so far are
                # committed; close the run row so `hhsync status` never shows it running forever.
                report.status = RunStatus.FAILED
                report.errors.append(
                    "pass cancelled before it finished"
                    if isinstance(exc, asyncio.CancelledError)
                    else f"pass ended by an unexpected error: {type(exc).__name__}: {exc}"
                )
                if not dry_run:
                    await asyncio.shield(_finish_run(ctx, report))
                raise
        report.hh_requests, report.bitrix_requests = counts.hh, counts.bitrix
        if report.status == RunStatus.OK and (report.writes.failed or report.errors):
            report.status = RunStatus.PARTIAL
        if not dry_run:
            await _finish_run(ctx, report)
        log.info(
            EVENT_PASS_FINISHED,
            status=report.status.value,
            skipped=report.skipped,
            vacancies_read=report.vacancies_read,
            negotiations_seen=report.negotiations_seen,
            created=report.writes.created,
            adopted=report.writes.adopted,
            updated=report.writes.updated,
            failed=report.writes.failed,
            deleted_in_crm=report.writes.deleted_in_crm,
            hh_requests=report.hh_requests,
            bitrix_requests=report.bitrix_requests,
        )
    return report


@dataclass
class _Pass:
    """What every step of one pass shares."""

    ctx: SyncContext
    prefs: PortalSettings
    settings: PlanSettings
    report: PassReport
    now: datetime
    options: PassOptions
    progress: PassProgress
    stop: asyncio.Event
    crm_mode: CrmMode | None = None
    """The portal's CRM mode, asked once per pass before the first lead write, and again after
    writes that linked leads (:mod:`.lead_follow`)."""

    def stopped(self) -> bool:
        """Whether to end here; says so once in the report (the next pass carries on)."""
        if not self.stop.is_set():
            return False
        if self.report.skipped is None:
            self.report.skipped = "stopped early for a shutdown; the next pass carries on"
        return True


async def _sync_accounts(scope: _Pass, portal: Portal, linked: list[HhAccount]) -> None:
    if portal.id is None:
        raise ValueError("the portal must be stored")
    ctx, report = scope.ctx, scope.report
    if scope.stopped():
        return
    bitrix = ctx.bitrix_client(portal)
    try:
        key = (portal.id, scope.settings.entity_type.value)
        if not scope.options.dry_run and key not in ctx.prepared_portals:
            await ensure_user_fields(bitrix, entity_kind(scope.settings.entity_type))
            ctx.prepared_portals.add(key)
        await _follow_leads(scope, portal.id, bitrix)  # what a pass cut short left unchecked
        for account in linked:
            if scope.stopped():
                break
            with bound(account=account.id):
                await _sync_account(scope, portal.id, bitrix, account)
                await _follow_leads(scope, portal.id, bitrix)
    except PortalHold as exc:
        # Blocked by support, a method awaiting confirmation, the wrong kind of auth: calling
        # again now cannot help. What was read stays stored; the portal's health says why once.
        report.status = RunStatus.FAILED
        report.errors.append(f"Bitrix24: {exc}")
        report.hold_s = exc.hold_s
        log.debug("sync.portal_held", code=exc.code, method=exc.method, hold_s=exc.hold_s)
    except NeedsReauth as exc:
        report.status = RunStatus.FAILED
        status = parked_status(exc)
        report.errors.append(f"Bitrix24 needs re-authorisation: {exc}")
        async with ctx.database.session() as session:
            await park_portal(
                session, portal_id=portal.id, status=status, reason=str(exc), now=scope.now
            )
        log.warning("sync.portal_parked", status=status.value, reason=str(exc))
    except BitrixError as exc:
        report.status = RunStatus.FAILED
        report.errors.append(f"Bitrix24: {exc}")
        # Not a warning each pass: the portal's health says it once per streak (sync/health.py).
        log.debug("sync.portal_error", error=str(exc))
    except leases.LeaseLost as exc:
        report.status = RunStatus.FAILED
        report.errors.append(str(exc))
        log.warning("sync.lease_expired", error=str(exc))


def parked_status(exc: NeedsReauth) -> PortalStatus:
    """What a portal becomes when Bitrix24 refuses it for good.

    Bitrix24 never retries an ONAPPUNINSTALL event, so a missed one shows up here: the app being
    unknown to the portal (or a refresh answered ``invalid_client``) means uninstalled, and an
    ended subscription pauses the portal with the reason until it is paid. Anything else (a dead
    token chain, a withdrawn right) waits for someone to open or reinstall the app.
    """
    if isinstance(exc, AppUninstalled):
        return PortalStatus.UNINSTALLED
    if isinstance(exc, PaymentRequired):
        return PortalStatus.PAUSED
    return PortalStatus.NEEDS_REAUTH


async def _park_account(scope: _Pass, portal_id: int, account_id: int, exc: NeedsReauth) -> None:
    """A revoked hh.ru login stops this account's polling; the other accounts go on. A pair
    hh.ru may have deactivated by mistake is kept and tried again later (kept_pair.py)."""
    async with scope.ctx.database.session() as session:
        await mark_account_needs_reauth(
            session,
            portal_id=portal_id,
            account_id=account_id,
            reason=str(exc),
            now=scope.now,
            retry_at=first_retry_at(exc, scope.now),
        )
    scope.report.errors.append(f"hh.ru account {account_id} needs a new login: {exc}")
    log.warning("sync.account_parked", reason=str(exc))


async def _note_captcha(
    scope: _Pass, portal_id: int, account_id: int, exc: CaptchaRequired | None
) -> None:
    """Say on the account why its reads pause (a person must solve hh.ru's captcha), or that
    they resumed; logged once per change, not every pass. The page's URL is stored for the
    operator (``hhsync status``), never logged; the account's tokens are left alone."""
    note = None
    if exc is not None:
        where = f" at {exc.captcha_url}" if exc.captcha_url else ""
        note = f"{CAPTCHA_NOTE}: log in to hh.ru as this manager and solve it{where}"
    async with scope.ctx.database.session() as session:
        changed = await accounts.note_active_account(
            session, portal_id, account_id, note, scope.now
        )
    if changed and exc is not None:
        log.warning("sync.account_captcha", reason=CAPTCHA_NOTE)
    elif changed:
        log.info("sync.account_captcha_solved")


async def _sync_account(
    scope: _Pass, portal_id: int, bitrix: BitrixClient, account: HhAccount
) -> None:
    if account.id is None:
        raise ValueError("the account must be stored")
    ctx, report = scope.ctx, scope.report
    options = scope.options
    hh = ctx.hh_client(account, Priority.INCREMENTAL)  # lists, watches, listing pages, kinds
    try:
        reading = await read_account(
            ctx.database,
            hh,
            account,
            include_archived=scope.prefs.import_archived,
            reconcile_s=ctx.settings.sync.reconcile_period_s,
            watch_s=ctx.settings.sync.state_watch_period_s * max(1.0, options.watch_stretch),
            now=scope.now,
            force=options.force,
            only_vacancies=options.only_vacancies,
            store=not options.dry_run,
            progress=scope.progress,
            stop=scope.stop,
        )
    except HhError as exc:
        if isinstance(exc, NeedsReauth):
            await _park_account(scope, portal_id, account.id, exc)
            return
        report.errors.append(f"hh.ru account {account.id}: {exc}")
        if isinstance(exc, CaptchaRequired):
            await _note_captcha(scope, portal_id, account.id, exc)
        else:
            log.warning("sync.account_error", error=str(exc))
        return
    if account.status_reason is not None and not scope.options.dry_run:
        await _note_captcha(scope, portal_id, account.id, None)  # read again: it was solved
    report.vacancies_read += reading.vacancies_read
    report.negotiations_seen += len(reading.snapshot.negotiations)
    if scope.stopped():
        return  # what was read is stored (pending): the next pass plans and writes it
    async with ctx.database.session() as session:
        stored = await state.load_stored_state(
            session,
            portal_id,
            reading.snapshot.fully_read_vacancies
            | {n.vacancy_hh_id for n in reading.snapshot.negotiations},
            hh_account_id=account.id,
        )
    remote = reading.snapshot
    if options.since is not None:
        remote, stored = remote.updated_since(options.since), stored.updated_since(options.since)
    the_plan = plan(remote, stored, scope.settings, scope.now, force=options.force)
    scope.progress.negotiations_planned += len({a.hh_id for a in the_plan.actions})
    report.planned.append(the_plan)
    report.anomalies.extend(the_plan.anomalies)
    for anomaly in the_plan.anomalies:
        log.warning("sync.anomaly", vacancy=anomaly.vacancy_hh_id, reason=anomaly.reason)
    if not options.dry_run:
        await note_unmapped_states(
            ctx.database,
            portal_id,
            scope.settings,
            reading.snapshot.negotiations,
            now=scope.now,
            run_id=report.run_id,
        )
    if options.dry_run or not the_plan.actions:
        return
    actions: Sequence[Action] = the_plan.actions
    if not await _can_write_entities(scope, bitrix):
        # Stored and planned, no lead sent: the responses stay pending. Leads the portal made
        # deals of (followed, :mod:`.lead_follow`) go on following hh.ru on their deals.
        actions = _on_deals(actions)
        if not actions:
            return
    writer = Writer(
        database=ctx.database,
        bitrix=bitrix,
        hh=hh.with_priority(enrich_priority(the_plan.actions, forced=options.backfill)),
        portal_id=portal_id,
        prefs=scope.prefs,
        reading=reading,
        now=scope.now,
        backoff=Backoff(ctx.settings.sync.retry_base_s, ctx.settings.sync.retry_max_s),
        pdf_max_bytes=ctx.settings.hh.resume_pdf_max_bytes,
        cipher=ctx.cipher,
        account_id=account.id,
        contacts_paused_until=account.contacts_paused_until,
        contacts_paused_by=account.contacts_paused_by,
        run_id=report.run_id,
        figures=report.writes,
        stop=scope.stop,
        fence=_lease_fence(scope, portal_id),
        clock=ctx.clock,
        in_flight_hold_s=deadlines.in_flight_hold_s(
            ctx.settings.bitrix.request_timeout_s, ctx.settings.bitrix.request_cutoff_s
        ),
        max_batch_bytes=ctx.settings.bitrix.max_batch_bytes,
    )
    try:
        await writer.apply(actions, stopped=scope.stopped)
    except HhError as exc:
        if not isinstance(exc, NeedsReauth):
            raise
        await _park_account(scope, portal_id, account.id, exc)


async def _can_write_entities(scope: _Pass, bitrix: BitrixClient) -> bool:
    """Whether the portal takes the chosen entity: leads need a classic-CRM portal.

    A portal switched to simple CRM (no leads) after leads were chosen would turn every lead
    into a deal behind hhsync's back (b24restdocs ``crm/leads/index.md``). The pass learns the
    mode once, before its first write (an idle pass asks nothing; a recent «classic» answer is
    reused, :mod:`.crm_mode_memory`; an answer asked after lead writes, :mod:`.lead_follow`,
    stands for the rest of the pass), writes no lead when leads are gone and says why once: in
    the run's reason, which ``hhsync status`` and the app show, until an administrator chooses
    deals. Leads the portal made deals of in the meantime are followed to them.
    """
    if scope.settings.entity_type != EntityType.LEAD:
        return True
    if scope.crm_mode is None:
        memory, portal_id = scope.ctx.crm_modes, scope.report.portal_id
        scope.crm_mode = memory.known(portal_id, scope.now)
        if scope.crm_mode is None:
            scope.crm_mode = await bitrix.crm_mode()
            memory.remember(portal_id, scope.crm_mode, scope.now)
    if not scope.crm_mode.has_leads and scope.report.skipped != runs.SKIPPED_LEADS_OFF:
        scope.report.skipped = runs.SKIPPED_LEADS_OFF
        log.warning("sync.leads_off", reason=runs.SKIPPED_LEADS_OFF)
    return scope.crm_mode.has_leads


def _on_deals(actions: Sequence[Action]) -> list[Action]:
    """The updates and activities of entities that are deals (on a portal without leads)."""
    return [
        a
        for a in actions
        if isinstance(a, UpdateEntity | AddActivity) and a.entity_type == EntityType.DEAL
    ]


async def _follow_leads(scope: _Pass, portal_id: int, bitrix: BitrixClient) -> None:
    """Leads linked since the mode was last asked: ask it now and follow those the portal made
    deals of (:mod:`.lead_follow`); the answer stands for the rest of the pass."""
    if scope.options.dry_run or scope.stopped():
        return
    ctx = scope.ctx
    try:
        followed = await LeadFollow(
            ctx.database,
            bitrix,
            portal_id,
            ctx.crm_modes,
            ctx.clock,
            Backoff(ctx.settings.sync.retry_base_s, ctx.settings.sync.retry_max_s),
            scope.report.run_id,
            ctx.prepared_portals,
            fence=_lease_fence(scope, portal_id),
            in_flight_hold_s=deadlines.in_flight_hold_s(
                ctx.settings.bitrix.request_timeout_s, ctx.settings.bitrix.request_cutoff_s
            ),
            figures=scope.report.writes,
        ).run()
    except BitrixError as exc:
        if isinstance(exc, PortalHold) or not isinstance(exc, Retriable):
            raise  # the portal itself refuses (a hold, a lost install): the pass must stop
        # A passing failure: the marks stay and the next pass follows them; hh.ru is read and
        # the rest of the pass goes on meanwhile.
        log.warning("sync.lead_follow_deferred", error=type(exc).__name__, reason=str(exc))
        scope.report.errors.append(f"following converted leads: {exc}")
        return
    if followed is not None:
        scope.crm_mode = followed.mode


def _lease_fence(scope: _Pass, portal_id: int) -> Fence | None:
    owner = scope.options.lease_owner
    if owner is None:
        return None

    # The batch about to go must end on our side while the lease is still ours.
    margin_s = deadlines.fence_margin_s(scope.ctx.settings.bitrix.request_timeout_s)
    margin = timedelta(seconds=margin_s)

    async def fence(session: AsyncSession) -> None:
        if not await leases.holds(session, owner, portal_id, scope.ctx.clock.now() + margin):
            raise leases.LeaseLost(
                f"portal {portal_id}: the lease of {owner} ended before a CRM write; the pass"
                " stopped there and the lease's next holder carries on"
            )

    return fence


async def _finish_run(ctx: SyncContext, report: PassReport) -> None:
    if report.run_id is None:
        return
    async with ctx.database.session() as session:
        run = await session.get(SyncRun, report.run_id)
        if run is None:
            return
        run.status = report.status
        run.finished_at = ctx.clock.now()
        run.hh_requests = report.hh_requests
        run.bitrix_requests = report.bitrix_requests
        run.bitrix_commands = report.writes.commands
        run.vacancies_read = report.vacancies_read
        run.negotiations_seen = report.negotiations_seen
        run.entities_created = report.writes.created + report.writes.adopted
        run.entities_updated = report.writes.updated
        run.negotiations_failed = report.writes.failed
        run.error = "; ".join([*report.errors, *(a.reason for a in report.anomalies)])[:2000] or (
            report.skipped
        )
        session.add(run)
