"""New entities: adopt what the CRM may already hold first, then create the rest in batches.

Each batch carries, per negotiation, its contact (deals, or ``link_contacts``), the entity and
its timeline activity, chained by ``$result``; the activity travels with its entity, so an
adoption later finds both. hh.ru enrichment of the next batch overlaps with sending the current
one to Bitrix24, and while no batch is out two chunks are enriched at once (the second's fetches
take the room the first's slowest round trips leave), so hh.ru is kept busy; at most two chunks'
prepared creates (their PDFs) are held. The lookup of the chunk after them runs ahead too: a
first import over a CRM that may hold our entities looks every negotiation up, and those lookups
would otherwise wait on the enrichment (and it on them). Nothing is enriched before its lookup
has settled it, so a negotiation adopted costs no hh.ru request.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Final

from hhsync.bitrix import commands as cmd
from hhsync.bitrix.batch import BatchResult, Command, CommandResult, result_ref
from hhsync.bitrix.client import BitrixClient
from hhsync.db.portal_store import CreatedEntity
from hhsync.db.tables import EntityType, PortalSettings
from hhsync.sync import activity, mapping
from hhsync.sync.actions import CreateEntity
from hhsync.sync.apply.adoption import Adoption
from hhsync.sync.apply.enrich import Enricher, Prepared
from hhsync.sync.apply.outcomes import Outcomes, Recorder, refusal
from hhsync.sync.apply.request_size import DEFAULT_MAX_BATCH_BYTES, create_bytes, split_by_bytes
from hhsync.sync.apply.sender import Sender

# Three commands per negotiation (contact, entity, activity) fit 16 negotiations in a 50-command
# batch; leads need two, but one size keeps batches of similar body size (PDFs travel inside).
# Fewer when the portal's method time says they would not finish well within its 60 s cut-off
# (hhsync.bitrix.batch_time).
CREATES_PER_BATCH: Final = 16

_CHUNKS_HELD: Final = 2
"""Chunks whose prepared creates (PDFs included) are held at once: sending or being enriched."""


@dataclass(frozen=True)
class _LookedUp:
    """A chunk and its lookup of what the CRM already holds (None: nothing to look up)."""

    chunk: Sequence[CreateEntity]
    task: asyncio.Task[set[str]] | None


@dataclass
class Creates:
    """Creates one account's new entities in one portal."""

    bitrix: BitrixClient
    sender: Sender
    recorder: Recorder
    enricher: Enricher
    adoption: Adoption
    prefs: PortalSettings
    stop: asyncio.Event
    """Set when the daemon shuts down: no new batch starts; the one under way is recorded."""
    max_batch_bytes: int = DEFAULT_MAX_BATCH_BYTES
    """A batch's body bound (:mod:`~hhsync.sync.apply.request_size`): PDFs make creates heavy."""

    async def run(self, creates: Sequence[CreateEntity]) -> None:
        """Create entities (adopting earlier ones first where an outcome was unknown).

        Enrichment runs a few hh.ru requests at once; the process-wide hh.ru budget still sets
        the pace. Two chunks at most hold prepared creates (their PDFs) at once: the one being
        sent and the next being enriched, or, while no batch is out, two being enriched; the
        second's fetches queue behind the first's, so hh.ru is not left idle while a chunk's
        slowest round trips finish. Each chunk is looked up before its enrichment starts, the
        lookups running one chunk ahead of the enrichment.
        """
        chunks = self.sender.sized(creates, self._methods, CREATES_PER_BATCH)
        halted = False
        lookups: deque[_LookedUp] = deque()
        preparing: deque[asyncio.Task[list[Prepared]]] = deque()
        sending: asyncio.Task[None] | None = None

        def look_up_next() -> None:
            chunk = next(chunks, None)
            if chunk:
                previous = lookups[-1].task if lookups else None
                task = None
                if any(a.adopt_first for a in chunk):
                    task = asyncio.create_task(
                        self._adopt_after(previous, chunk), name="b24-adoptions"
                    )
                lookups.append(_LookedUp(chunk, task))

        def stopping() -> bool:
            return halted or self.stop.is_set()

        try:
            look_up_next()
            while True:
                if sending is not None and sending.done():
                    done, sending = sending, None
                    await done  # its error (a portal hold, a lost lease) ends the creates
                while (
                    lookups
                    and len(preparing) + (sending is not None) < _CHUNKS_HELD
                    and not self.stop.is_set()
                ):
                    # The next chunk is chosen by the sizing known now; only its send is sized
                    # again, once the batches before answered.
                    looked_up = lookups.popleft()
                    look_up_next()
                    preparing.append(
                        asyncio.create_task(
                            self._prepare(looked_up, stopping), name="hh-enrichment"
                        )
                    )
                if not preparing and sending is None:
                    break
                if preparing and preparing[0].done() and sending is None:
                    ready = await preparing.popleft()
                    if ready and not self.stop.is_set():
                        sending = asyncio.create_task(self._send(ready), name="b24-creates")
                    continue
                # Only what is still running: a chunk already prepared waits for the send, and
                # a finished task in the set would make the wait return at once, every turn.
                waiting = {t for t in (*preparing, sending) if t is not None and not t.done()}
                if waiting:
                    await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                for failed in [t for t in preparing if t.done() and not t.cancelled()]:
                    if failed.exception() is None:
                        continue
                    # A preparation's error (a revoked login, a crash) ends the creates now:
                    # the chunks prepared and not sent stay pending with their kept copies.
                    await failed
        finally:
            # What stopped the loop (a stop, an error, a crash) starts no further fetch; the
            # fetches under way finish and keep their copies, and their negotiations stay
            # pending for the next pass. A lookup run ahead for a chunk the loop did not reach
            # keeps what it adopted; its own error gives way to whatever ended the loop.
            halted = True
            left = [*preparing, *(x.task for x in lookups if x.task is not None)]
            if left:
                await asyncio.wait(left)
                for task in left:
                    if not task.cancelled():
                        task.exception()
            if sending is not None:
                await sending  # its outcomes must be recorded whatever stopped the preparation

    async def _adopt_after(
        self, previous: asyncio.Task[set[str]] | None, chunk: Sequence[CreateEntity]
    ) -> set[str]:
        """The chunk's lookup, once the chunk before it was looked up (one lookup at a time)."""
        if previous is not None:
            await asyncio.wait({previous})
        return await self._adopt(chunk)

    async def _prepare(self, looked_up: _LookedUp, stopping: Callable[[], bool]) -> list[Prepared]:
        """The chunk's creates prepared, once its lookup settled what the CRM already holds:
        a negotiation adopted costs no hh.ru request."""
        settled = await looked_up.task if looked_up.task is not None else set()
        return await self.enricher.prepare_all(
            [a for a in looked_up.chunk if a.hh_id not in settled], stopping
        )

    def _methods(self, action: CreateEntity) -> list[str]:
        deal = action.entity_type == EntityType.DEAL
        kind = mapping.entity_kind(action.entity_type)
        return create_methods(kind, with_contact=deal or self.prefs.link_contacts)

    def _prepared_methods(self, item: Prepared) -> list[str]:
        wants_contact = item.draft.contact_fields is not None or self.prefs.link_contacts
        kind = mapping.entity_kind(item.action.entity_type)
        return create_methods(kind, with_contact=wants_contact)

    async def _adopt(self, chunk: Sequence[CreateEntity]) -> set[str]:
        """Adopt what the CRM holds of the chunk's look-up-first creates (see
        :meth:`Adoption.entities`)."""
        return await self.adoption.entities([a for a in chunk if a.adopt_first])

    async def _send(self, ready: list[Prepared]) -> None:
        """Send the prepared creates in batches sized by the portal's method time and their bodies.

        Sized again now that the batch before has answered: a chunk chosen before that answer
        (or 504) goes out in smaller batches when the portal turned out slower; heavy PDFs split
        a batch further by body size.
        """
        sent_any = False
        for part in self.sender.sized(ready, self._prepared_methods, CREATES_PER_BATCH):
            for group in split_by_bytes(
                part, _bytes_of, self.max_batch_bytes, max_items=CREATES_PER_BATCH
            ):
                if sent_any and self.stop.is_set():
                    return  # the rest stay pending in the database for the next pass
                await self._send_batch(group)
                sent_any = True

    async def _send_batch(self, ready: list[Prepared]) -> None:
        commands: dict[str, Command] = {}
        made_in_batch: dict[str, str] = {}
        for index, item in enumerate(ready):
            commands.update(await self._commands(index, item, made_in_batch))
        hh_ids = [item.action.hh_id for item in ready]
        await self.sender.once(hh_ids, commands, partial(_record, ready))

    async def _commands(
        self, index: int, item: Prepared, made_in_batch: dict[str, str]
    ) -> dict[str, Command]:
        """The contact (unless one is found), entity and activity commands of one create."""
        commands: dict[str, Command] = {}
        kind = mapping.entity_kind(item.action.entity_type)
        fields = dict(item.draft.fields)
        wants_contact = item.draft.contact_fields is not None or self.prefs.link_contacts
        contact: int | str | None = None
        if self.prefs.link_contacts:
            contact = await self._contact_for(item.draft, made_in_batch)
        if wants_contact and contact is None:
            commands[f"c{index}"] = Command(
                "crm.contact.add",
                {
                    "fields": item.draft.contact_fields or item.draft.linkable_contact,
                    "params": {"REGISTER_SONET_EVENT": "N"},
                },
            )
            contact = result_ref(f"c{index}")
            for phone, _ in item.draft.applicant.phones:
                made_in_batch[phone.lower()] = contact
            for email in item.draft.applicant.emails:
                made_in_batch[email.lower()] = contact
        if contact is not None:
            if item.action.entity_type == EntityType.DEAL:
                fields["CONTACT_IDS"] = [contact]
            else:
                fields["CONTACT_ID"] = contact
        commands[f"e{index}"] = cmd.entity_add(kind, fields)
        commands[f"a{index}"] = cmd.activity_configurable_add(
            kind,
            result_ref(f"e{index}"),
            item.layout,
            activity.activity_fields(item.action.hh_id, self.prefs.responsible_user_id),
        )
        return commands

    async def _contact_for(
        self, draft: mapping.CrmDraft, made_in_batch: dict[str, str]
    ) -> int | str | None:
        """An existing contact with the applicant's phone or e-mail (``link_contacts``), or the
        ``$result`` of one created earlier in this batch for the same applicant."""
        keys = [*(p for p, _ in draft.applicant.phones), *draft.applicant.emails]
        for key in keys:
            if key.lower() in made_in_batch:
                return made_in_batch[key.lower()]
        found: list[int] = []
        phones = [p for p, _ in draft.applicant.phones][: cmd.MAX_DUPLICATE_VALUES]
        emails = list(draft.applicant.emails)[: cmd.MAX_DUPLICATE_VALUES]
        if phones:
            found += (await self.bitrix.duplicates_by_comm("PHONE", phones, "CONTACT")).CONTACT
        if emails and not found:
            found += (await self.bitrix.duplicates_by_comm("EMAIL", emails, "CONTACT")).CONTACT
        self.recorder.figures.commands += bool(phones) + bool(emails and not found)
        return min(found) if found else None


def create_methods(kind: str, *, with_contact: bool) -> list[str]:
    """The methods one create puts in a batch: a contact (for a deal, or when contacts are
    linked; counted before enrichment whether or not one is found), the entity, its activity."""
    contact = ["crm.contact.add"] if with_contact else []
    return [*contact, f"crm.{kind}.add", "crm.activity.configurable.add"]


def _bytes_of(item: Prepared) -> int:
    draft = item.draft
    return create_bytes(draft.fields, item.layout, draft.contact_fields or draft.linkable_contact)


async def _record(ready: list[Prepared], outcomes: Outcomes, result: BatchResult) -> None:
    for index, item in enumerate(ready):
        entity = result[f"e{index}"]
        contact = result.outcomes.get(f"c{index}")
        if not isinstance(entity, CommandResult):
            await outcomes.failed(item.action.hh_id, refusal(entity, contact), kind="crm_refused")
            continue
        made = result[f"a{index}"]
        created = CreatedEntity(
            item.action.entity_type,
            cmd.parse_int(entity.result),
            item.action.stage,
            item.action.employer_state,
            activity_id=cmd.parse_int(made.result) if isinstance(made, CommandResult) else None,
            contact_id=cmd.parse_int(contact.result)
            if isinstance(contact, CommandResult)
            else None,
            activity_error=None if isinstance(made, CommandResult) else refusal(made),
        )
        await outcomes.created(item.action.hh_id, created)
