"""Leads written while a portal's «classic CRM» answer was trusted, followed to their deals.

hhsync reuses a portal's «classic» answer for a while (:mod:`.crm_mode_memory`); a portal
switched to simple CRM within that window converts each lead written then into a deal at once
(:mod:`.lead_conversion`). Every lead row linked since the mode was last asked is marked
(``crm_lead_unchecked``); after an account's writes, and at a pass's start for what a crash
left, :func:`follow_leads` asks the mode once (refreshing what the process remembers), unmarks
the rows on a classic portal, and on a simple one finds each lead's deal by ``LEAD_ID``, gives it
hhsync's origin, user fields and contact, and links the row to it. The row then waits for its
activity, which the planner adds on the deal (the lead keeps the one it got); the next status
or stage update goes to the deal.

Exactly once: the write (the deal's update, and the contact made for it when none is known) goes
through the one sender (:meth:`~hhsync.sync.apply.sender.Sender.once`): its rows are committed in
flight behind the lease fence and it leaves within its send window. A write whose answer was lost
leaves its rows in flight, skipped until the request can no longer run at the portal
(:mod:`hhsync.model.deadlines`); the next follow then finds the deal (by ``LEAD_ID``, the one of
ours first) and the contact it made (by origin), so nothing is made twice. The row is relinked
only after the write landed.

Bounded: a lead the portal answers «Not found» for, with no deal made of it, was deleted by a
person (the row becomes deleted in the CRM); a converted lead whose deal never shows (a person
deleted it) is given up after :data:`~.lead_conversion.GIVE_UP_AFTER`, with an audit line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from hhsync.bitrix import commands as cmd
from hhsync.bitrix.batch import BatchResult, Command, CommandFailed, CommandResult, result_ref
from hhsync.bitrix.client import BitrixClient
from hhsync.bitrix.crm_mode import CrmMode
from hhsync.bitrix.errors import NotFound
from hhsync.clock import Clock
from hhsync.db import lead_checks
from hhsync.db.portal_store import CreatedEntity
from hhsync.db.session import Database
from hhsync.db.tables import EntityType, Negotiation
from hhsync.log import get_logger
from hhsync.model import deadlines
from hhsync.model.backoff import Backoff
from hhsync.sync import lead_conversion as conversion
from hhsync.sync import mapping
from hhsync.sync.apply.outcomes import Outcomes, Recorder, WriteFigures, refusal
from hhsync.sync.apply.sender import Fence, Sender
from hhsync.sync.crm_mode_memory import CrmModeMemory
from hhsync.sync.userfields import ensure_user_fields

log = get_logger(__name__)

LEADS_PER_BATCH: Final = 16
"""Three lookups a lead (the lead, the deals made from it, the contacts of its origin) fit a
50-command batch, and so do its two writes (a contact, the deal)."""


@dataclass(frozen=True)
class Followed:
    """What one call did: the mode the portal answered, the rows linked to their deals."""

    mode: CrmMode
    followed: int = 0
    waiting: int = 0


@dataclass
class LeadFollow:
    """Follows one portal's unchecked leads."""

    database: Database
    bitrix: BitrixClient
    portal_id: int
    memory: CrmModeMemory
    clock: Clock
    backoff: Backoff
    run_id: int | None = None
    prepared: set[tuple[int, str]] | None = None
    """The portals (and entity types) whose user fields exist already, shared by the process."""
    fence: Fence | None = None
    """The pass's lease fence, checked before the write is marked in flight."""
    in_flight_hold_s: float = deadlines.in_flight_hold_s(30.0, 60.0)
    figures: WriteFigures | None = None
    """The pass's write figures (commands, unknown outcomes, failures)."""

    def _sender(self) -> Sender:
        recorder = Recorder(
            self.database,
            self.portal_id,
            self.clock.now(),
            self.backoff,
            self.figures if self.figures is not None else WriteFigures(),
            self.run_id,
        )
        return Sender(self.bitrix, recorder, self.clock, self.in_flight_hold_s, self.fence)

    async def run(self) -> Followed | None:
        """Ask the mode if a lead row is unchecked, and follow what it says; None when none is
        (nothing asked)."""
        async with self.database.session() as session:
            rows = await lead_checks.unchecked_leads(session, self.portal_id, self.clock.now())
        if not rows:
            return None
        mode = await self.bitrix.crm_mode()
        self.memory.remember(self.portal_id, mode, self.clock.now())
        if mode.has_leads:
            async with self.database.session() as session:
                await lead_checks.mark_checked(session, self.portal_id, _ids(rows))
            return Followed(mode)
        prepared = self.prepared if self.prepared is not None else set()
        if (self.portal_id, EntityType.DEAL.value) not in prepared:
            await ensure_user_fields(self.bitrix, "deal")  # the deal is given the lead's values
            prepared.add((self.portal_id, EntityType.DEAL.value))
        followed = waiting = 0
        for start in range(0, len(rows), LEADS_PER_BATCH):
            done, left = await self._follow(rows[start : start + LEADS_PER_BATCH])
            followed, waiting = followed + done, waiting + left
        log.warning("sync.leads_converted", followed=followed, waiting=waiting)
        return Followed(mode, followed, waiting)

    async def _follow(self, rows: Sequence[Negotiation]) -> tuple[int, int]:
        """One chunk: look the leads and their deals up, write the deals, relink the rows."""
        sender = self._sender()
        lookups: dict[str, Command] = {}
        for i, row in enumerate(rows):
            lead_id = row.crm_entity_id or 0
            lookups[f"l{i}"] = cmd.entity_get("lead", lead_id)
            lookups[f"d{i}"] = cmd.entity_list(
                "deal", {"LEAD_ID": lead_id}, select=conversion.DEAL_SELECT, order={"ID": "ASC"}
            )
            lookups[f"c{i}"] = Command(
                "crm.contact.list",
                {
                    "filter": {
                        "ORIGINATOR_ID": mapping.ORIGINATOR_ID,
                        "ORIGIN_ID": row.hh_negotiation_id,
                    },
                    "select": ["ID"],
                    "order": {"ID": "ASC"},
                },
            )
        found = await sender.batch(lookups)
        decisions = [
            conversion.decide(
                row.hh_negotiation_id,
                _dict(found, f"l{i}"),
                _rows(found, f"d{i}"),
                row.crm_contact_id,
                _rows(found, f"c{i}"),
                lead_gone=_not_found(found, f"l{i}"),
            )
            for i, row in enumerate(rows)
        ]
        writes: dict[str, Command] = {}
        follows: list[tuple[int, Negotiation, conversion.Follow]] = []
        for i, (row, d) in enumerate(zip(rows, decisions, strict=True)):
            if not isinstance(d, conversion.Follow):
                continue
            follows.append((i, row, d))
            fields = dict(d.fields)
            if d.new_contact is not None:
                writes[f"c{i}"] = Command(
                    "crm.contact.add",
                    {"fields": d.new_contact, "params": {"REGISTER_SONET_EVENT": "N"}},
                )
                fields["CONTACT_IDS"] = [result_ref(f"c{i}")]
            writes[f"u{i}"] = cmd.entity_update("deal", d.deal_id, fields)
        followed = 0

        async def answered(outcomes: Outcomes, written: BatchResult) -> None:
            nonlocal followed
            for i, row, decision in follows:
                update = written.outcomes.get(f"u{i}")
                if not isinstance(update, CommandResult):
                    # The deal refused the write: kept with the portal's words, followed again.
                    reason = f"the deal refused the write: {refusal(update)}"
                    log.info("sync.lead_not_followed", reason=reason)
                    await outcomes.failed(row.hh_negotiation_id, reason, kind="crm_refused")
                    continue
                made = written.outcomes.get(f"c{i}")
                contact_id = (
                    cmd.parse_int(made.result)
                    if isinstance(made, CommandResult)
                    else decision.contact_id
                )
                await outcomes.store.record_created(
                    row.hh_negotiation_id,
                    CreatedEntity(
                        EntityType.DEAL,
                        decision.deal_id,
                        decision.stage,
                        row.hh_status_set,
                        contact_id=contact_id,
                        adopted=True,
                    ),
                )
                followed += 1

        if writes:
            # Marked in flight behind the lease fence, sent within its window; an unknown
            # outcome leaves the rows in flight until the request can no longer run.
            await sender.once([row.hh_negotiation_id for _, row, _ in follows], writes, answered)
        await self._settle(sender, rows, decisions)
        return followed, len(rows) - followed - sum(
            isinstance(d, conversion.StaysLead | conversion.Gone) for d in decisions
        )

    async def _settle(
        self,
        sender: Sender,
        rows: Sequence[Negotiation],
        decisions: Sequence[conversion.Decision],
    ) -> None:
        """The rows nothing was written for: still leads (checked), deleted by a person (final),
        or waiting (given up once they have waited long enough)."""
        now = self.clock.now()
        checked: list[int] = []
        async with sender.recorder.transaction() as outcomes:
            session = outcomes.store.session
            for row, decision in zip(rows, decisions, strict=True):
                if isinstance(decision, conversion.StaysLead):
                    checked.append(row.id or 0)
                elif isinstance(decision, conversion.Gone):
                    await outcomes.entity_deleted(row.hh_negotiation_id, decision.reason)
                    checked.append(row.id or 0)
                elif isinstance(decision, conversion.NotYet):
                    since = row.outcome_at or row.synced_at or row.created_at
                    if decision.lasting and now - since >= conversion.GIVE_UP_AFTER:
                        log.warning(
                            "sync.lead_follow_given_up",
                            negotiation=row.hh_negotiation_id,
                            reason=decision.reason,
                        )
                        await lead_checks.give_up(
                            session, row, decision.reason, now=now, run_id=self.run_id
                        )
                    else:
                        log.info("sync.lead_not_followed", reason=decision.reason)
            await lead_checks.mark_checked(session, self.portal_id, checked)


def _not_found(result: BatchResult, key: str) -> bool:
    outcome = result.outcomes.get(key)
    return isinstance(outcome, CommandFailed) and isinstance(outcome.error, NotFound)


def _ids(rows: Sequence[Negotiation]) -> list[int]:
    return [row.id for row in rows if row.id is not None]


def _dict(result: BatchResult, key: str) -> dict[str, object] | None:
    outcome = result.outcomes.get(key)
    if isinstance(outcome, CommandResult) and isinstance(outcome.result, dict):
        return outcome.result
    return None


def _rows(result: BatchResult, key: str) -> list[dict[str, object]] | None:
    outcome = result.outcomes.get(key)
    if not isinstance(outcome, CommandResult):
        return None
    rows = outcome.result if isinstance(outcome.result, list) else []
    return [r for r in rows if isinstance(r, dict)]
