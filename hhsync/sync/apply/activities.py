"""Timeline activities refused or lost when their entity was created, added on their own.

Those whose earlier add has no known outcome are looked up by origin first and only the missing
ones are added. Each batch of adds goes in flight before it is sent, so a crash or an unknown
outcome after it leads to a lookup, never to a second add. An add whose owner the portal does not
find met an entity a person deleted: recorded as deleted, followed no more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from hhsync.bitrix import commands as cmd
from hhsync.bitrix.batch import BatchResult, CommandResult
from hhsync.db.tables import PortalSettings
from hhsync.sync import activity, mapping
from hhsync.sync.actions import AddActivity
from hhsync.sync.apply.adoption import Adoption
from hhsync.sync.apply.enrich import Enricher
from hhsync.sync.apply.outcomes import Outcomes, entity_gone, refusal
from hhsync.sync.apply.sender import Sender


@dataclass
class Activities:
    """Adds one account's missing activities in one portal."""

    sender: Sender
    enricher: Enricher
    adoption: Adoption
    prefs: PortalSettings

    async def run(self, actions: Sequence[AddActivity]) -> None:
        """Look up the activities in doubt, then add those known to be missing."""
        missing = [a for a in actions if not a.lookup_first]
        missing += await self.adoption.activities([a for a in actions if a.lookup_first])
        ready: list[tuple[AddActivity, dict[str, Any]]] = []
        for action in missing:
            layout = await self.enricher.layout(action)
            if layout is not None:
                ready.append((action, layout))
        for chunk in self.sender.sized(ready, _add_methods):
            await self._send(chunk)

    async def _send(self, chunk: Sequence[tuple[AddActivity, dict[str, Any]]]) -> None:
        commands = {
            f"a{i}": cmd.activity_configurable_add(
                mapping.entity_kind(action.entity_type),
                action.entity_id,
                layout,
                activity.activity_fields(action.hh_id, self.prefs.responsible_user_id),
            )
            for i, (action, layout) in enumerate(chunk)
        }
        hh_ids = [action.hh_id for action, _ in chunk]
        await self.sender.once(hh_ids, commands, partial(_record, hh_ids), activity_only=True)


async def _record(hh_ids: list[str], outcomes: Outcomes, result: BatchResult) -> None:
    for i, hh_id in enumerate(hh_ids):
        outcome = result[f"a{i}"]
        if isinstance(outcome, CommandResult):
            await outcomes.activity_added(hh_id, cmd.parse_int(outcome.result))
        elif entity_gone(outcome):
            # Its owner was deleted in the CRM by a person: followed no more.
            await outcomes.entity_deleted(hh_id, refusal(outcome))
        else:
            await outcomes.failed(
                hh_id, refusal(outcome), kind="crm_refused", activity_settled=True
            )


def _add_methods(_: tuple[AddActivity, dict[str, Any]]) -> list[str]:
    return ["crm.activity.configurable.add"]
