"""Bitrix24's side of a pass: one account's plan applied to one portal, job by job.

Exactly once: a create or an activity add is committed *in flight* before its batch is sent
(:mod:`hhsync.sync.apply.sender`); whatever its answer, the next pass knows whether to record,
adopt or look up before anything is sent again. Creates go first (adopting what earlier creates
with an unknown outcome left), then updates, then the activities still missing. Every outcome is
recorded with its audit line in the transaction that advances the negotiation's standing
(:mod:`hhsync.model.lifecycle`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from hhsync.bitrix.client import BitrixClient
from hhsync.clock import Clock, SystemClock
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.db.tables import PortalSettings
from hhsync.hh.client import HhClient
from hhsync.model import deadlines
from hhsync.model.backoff import Backoff
from hhsync.sync.actions import Action, AddActivity, CreateEntity, UpdateEntity
from hhsync.sync.apply.activities import Activities
from hhsync.sync.apply.adoption import Adoption
from hhsync.sync.apply.creates import Creates
from hhsync.sync.apply.enrich import Enricher, pause_cause
from hhsync.sync.apply.outcomes import Recorder, WriteFigures
from hhsync.sync.apply.request_size import DEFAULT_MAX_BATCH_BYTES
from hhsync.sync.apply.sender import Fence, Sender
from hhsync.sync.apply.updates import Updates
from hhsync.sync.reading import AccountReading

ENRICH_CONCURRENCY: Final = 8
"""hh.ru requests of one account in flight at once while enriching. The process-wide budget sets
the rate (10/s); to reach it while each round trip takes RTT seconds a pass needs rate x RTT
requests open, so 8 fill the budget up to 0.8 s a round trip."""

ENRICH_DB_CONNECTIONS: Final = 2
"""Database connections the enrichment workers hold at once (between their round trips); a pass
needs more besides (``hhsync.service.runner.PASS_CONNECTIONS`` counts them)."""


@dataclass
class Writer:
    """Applies one account's planned actions to one portal."""

    database: Database
    bitrix: BitrixClient
    hh: HhClient
    portal_id: int
    prefs: PortalSettings
    reading: AccountReading
    """What the pass read of the account: the vacancies, and the listed payloads enrichment
    starts from (updates need none)."""
    now: datetime
    backoff: Backoff
    pdf_max_bytes: int
    cipher: TokenCipher
    """Encrypts the resume copies kept until a create is through (personal data at rest)."""
    account_id: int | None = None
    contacts_paused_until: datetime | None = None
    """The account's stored pause of resume opens (hh.ru refused more views today)."""
    contacts_paused_by: str | None = None
    """Which refusal that pause stands for, as stored (``contacts_paused_by``)."""
    run_id: int | None = None
    figures: WriteFigures = field(default_factory=WriteFigures)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when the daemon shuts down: no new batch starts; the one under way is recorded."""
    fence: Fence | None = None
    clock: Clock = field(default_factory=SystemClock)
    in_flight_hold_s: float = deadlines.in_flight_hold_s(30.0, 60.0)
    max_batch_bytes: int = DEFAULT_MAX_BATCH_BYTES
    """Largest create batch body (``bitrix.max_batch_bytes``)."""

    async def apply(self, actions: Sequence[Action], stopped: Callable[[], bool]) -> None:
        """Creates, then (unless ``stopped`` says the pass ends) updates and activities."""
        recorder = Recorder(
            self.database, self.portal_id, self.now, self.backoff, self.figures, self.run_id
        )
        sender = Sender(self.bitrix, recorder, self.clock, self.in_flight_hold_s, self.fence)
        enricher = Enricher(
            self.hh,
            recorder,
            self.prefs,
            self.reading.vacancies,
            self.reading.negotiations,
            self.pdf_max_bytes,
            ENRICH_CONCURRENCY,
            self.cipher,
            self.account_id,
            self.contacts_paused_until,
            pause_cause(self.contacts_paused_by),
            db_connections=ENRICH_DB_CONNECTIONS,
        )
        adoption = Adoption(sender)
        creating = Creates(
            self.bitrix,
            sender,
            recorder,
            enricher,
            adoption,
            self.prefs,
            self.stop,
            self.max_batch_bytes,
        )
        await creating.run([a for a in actions if isinstance(a, CreateEntity)])
        if stopped():
            return
        await Updates(sender).run([a for a in actions if isinstance(a, UpdateEntity)])
        adding = Activities(sender, enricher, adoption, self.prefs)
        await adding.run([a for a in actions if isinstance(a, AddActivity)])
