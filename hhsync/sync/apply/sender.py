"""The one way batches reach the portal, and the one home of what an unanswered write means.

A write that must happen once (a create, an activity add) is committed *in flight* before it is
sent, behind the lease fence. If its answer never arrives (timeout, crash, 5xx after the write),
the negotiations stay in flight and wait until the request can no longer be running at the
portal (:mod:`hhsync.model.deadlines`); the next pass then looks each one up by
ORIGINATOR_ID/ORIGIN_ID before anything is sent again. A batch refused before it ran (rate or
operating-time limit, a missed send window) wrote nothing: its negotiations fail and are retried
soon. A refusal that waits for a person (:class:`~hhsync.bitrix.errors.PortalHold`: the portal
blocked by support, a method awaiting confirmation, the wrong kind of authorisation), answered for
the whole batch or for one of its commands, is recorded like any refusal and then raised, so the
pass stops calling the portal.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from hhsync.bitrix.batch import MAX_COMMANDS, BatchResult, Command, CommandFailed
from hhsync.bitrix.client import BitrixClient
from hhsync.bitrix.errors import OperatingTimeHeld, OutcomeUnknown, PortalHold
from hhsync.clock import Clock
from hhsync.errors import Retriable
from hhsync.log import get_logger
from hhsync.model import deadlines
from hhsync.sync.apply.outcomes import Outcomes, Recorder

log = get_logger(__name__)

Fence = Callable[[AsyncSession], Awaitable[None]]
"""Checked in the transaction that marks a batch in flight, before it is sent: raises
``LeaseExpired`` once this process no longer holds the portal's lease."""

T = TypeVar("T")

Answered = Callable[[Outcomes, BatchResult], Awaitable[T]]
"""Records a batch's per-command answers (in the transaction it is given)."""

Refused = Callable[[Outcomes, Retriable | PortalHold], Awaitable[None]]
"""Records the items of a batch refused as a whole before it ran (in the transaction it is
given)."""


def batches(items: Sequence[T], size: int = MAX_COMMANDS) -> Iterator[Sequence[T]]:
    """``items`` in runs of ``size`` (Bitrix24 runs at most 50 commands per batch)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def raise_portal_hold(result: BatchResult) -> None:
    """Raise the first command refusal that holds the whole portal (after it was recorded)."""
    for outcome in result.outcomes.values():
        if isinstance(outcome, CommandFailed) and isinstance(outcome.error, PortalHold):
            raise outcome.error


MethodsOf = Callable[[T], Sequence[str]]
"""The methods of the commands one item puts in a batch."""


@dataclass
class Sender:
    """Sends one portal's batches for a pass and counts their commands."""

    bitrix: BitrixClient
    recorder: Recorder
    clock: Clock
    """Read when a batch is marked in flight (the pass's ``now`` may be minutes old by then)."""
    in_flight_hold_s: float
    """How long after marking a write batch its request may still run at the portal."""
    fence: Fence | None = None

    def sized(
        self, items: Sequence[T], methods_of: MethodsOf[T], limit: int = MAX_COMMANDS
    ) -> Iterator[Sequence[T]]:
        """``items`` in runs of at most ``limit`` that fit one batch by the time their commands
        take on this portal; each run is sized when reached, so the answers (or the 504) of the
        one before count."""
        start = 0
        while start < len(items):
            window = items[start : start + limit]
            size = self.bitrix.batch_room([methods_of(item) for item in window])
            yield window[:size]
            start += size

    async def batch(self, commands: Mapping[str, Command]) -> BatchResult:
        """A batch that may run twice without harm: lookups and reads (the client retries
        them) and updates (which write the same values again)."""
        self.recorder.figures.commands += len(commands)
        result = await self.bitrix.batch(commands)
        raise_portal_hold(result)
        return result

    async def recorded(
        self,
        commands: Mapping[str, Command],
        answered: Answered[T],
        *,
        refused: Refused | None = None,
    ) -> T:
        """:meth:`batch`, its answers recorded by ``answered`` in one transaction before a
        command's portal hold is raised: what the other commands adopted or applied stays
        recorded. ``refused`` records the items of a batch refused as a whole (then re-raised).
        """
        self.recorder.figures.commands += len(commands)
        try:
            result = await self.bitrix.batch(commands)
        except (Retriable, PortalHold) as exc:
            if refused is not None:
                async with self.recorder.transaction() as outcomes:
                    await refused(outcomes, exc)
            raise
        async with self.recorder.transaction() as outcomes:
            value = await answered(outcomes, result)
        raise_portal_hold(result)
        return value

    async def once(
        self,
        hh_ids: Sequence[str],
        commands: Mapping[str, Command],
        answered: Answered[None],
        *,
        activity_only: bool = False,
    ) -> None:
        """Send a write batch for ``hh_ids``, committed in flight first, and record what came of
        it: the answers by ``answered``; an unknown outcome leaves them in flight; a refusal
        before it ran records them as failed. ``activity_only``: the batch adds activities.

        The portal's limits are waited for before the marking, so the batch leaves within its
        send window or not at all.
        """
        await self.bitrix.wait_until_sendable(commands)
        send_by = self.bitrix.send_deadline(deadlines.SEND_WINDOW_S)
        until = self.clock.now() + timedelta(seconds=self.in_flight_hold_s)
        async with self.recorder.transaction() as outcomes:
            if self.fence is not None:
                await self.fence(outcomes.store.session)
            for hh_id in hh_ids:
                await outcomes.store.mark_in_flight(hh_id, until=until)
        self.recorder.figures.commands += len(commands)
        try:
            result = await self.bitrix.batch(commands, send_by=send_by)
        except OutcomeUnknown as exc:
            # The portal may have written some of them: they stay in flight, looked up later.
            self.recorder.figures.outcome_unknown += len(hh_ids)
            log.warning("sync.outcome_unknown", count=len(hh_ids), reason=str(exc))
            return
        except (Retriable, PortalHold) as exc:
            # Refused before execution (rate or time limit, send window missed, the portal held):
            # retry when due; a hold ends the pass once recorded.
            prefix = "activity not added: " if activity_only else ""
            retry_at = None
            if isinstance(exc, OperatingTimeHeld) and exc.retry_after_s:
                # not before the paused method's budget frees (limits.md: operating_reset_at)
                retry_at = self.clock.now() + timedelta(seconds=exc.retry_after_s)
            async with self.recorder.transaction() as outcomes:
                for hh_id in hh_ids:
                    await outcomes.failed(
                        hh_id,
                        f"{prefix}{type(exc).__name__}: {exc}",
                        kind="crm_busy",
                        retry_at=retry_at,
                        activity_settled=activity_only,
                    )
            if isinstance(exc, PortalHold):
                raise
            return
        async with self.recorder.transaction() as outcomes:
            await answered(outcomes, result)
        raise_portal_hold(result)
