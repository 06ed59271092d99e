"""An import over a CRM that may hold our entities looks the next batch up while this one is
enriched, so the lookups cost no time of their own.

Real PostgreSQL and both sandboxes over HTTP. The portal row is stored as a real install stores
it (``unrecorded_before``: every negotiation is looked up by ORIGINATOR_ID/ORIGIN_ID before it is
created, see test_adopt_unrecorded.py). The first create batch is answered late (the sandbox's
``slow`` fault; Bitrix24 REST docs, limits.md: a request may run up to 60 s), so the order of
the sandbox's request log (appended as each request is answered) shows what ran alongside it:
the lookup of the third chunk must not wait for the first chunk's send.
"""

from __future__ import annotations

from typing import Any

import pytest

from hhsync.db.tables import Portal, RunStatus
from hhsync.sync.engine import run_pass
from hhsync.testing.world import World

pytestmark = pytest.mark.postgres

LOOKUP = "crm.lead.list"
CREATE = "crm.lead.add"


async def may_hold_our_entities(world: World) -> None:
    """The portal row as an install stores it over a CRM nobody knows to be empty."""
    async with world.ctx.database.session() as session:
        portal = await session.get(Portal, world.portal_id)
        assert portal is not None
        portal.unrecorded_before = world.clock.now()
        session.add(portal)
        await session.commit()


def batches(world: World) -> list[str]:
    """The portal's batches in the order they were answered: ``lookup`` or ``create``."""
    log: list[dict[str, Any]] = world.bitrix_admin(
        "GET", f"/_sandbox/portals/{world.domain}/requests?limit=1000"
    )
    kinds = []
    for entry in log:
        if entry["method"] != "batch":
            continue
        if LOOKUP in entry["commands"]:
            kinds.append("lookup")
        elif CREATE in entry["commands"]:
            kinds.append("create")
    return kinds


async def test_the_next_chunk_is_looked_up_while_this_one_is_enriched(world: World) -> None:
    expected = world.hh_negotiations()
    await may_hold_our_entities(world)
    world.bitrix_admin(
        "POST",
        f"/_sandbox/portals/{world.domain}/faults",
        fault={"kind": "slow", "delay_s": 3.0, "path_contains": CREATE},
        times=1,
    )

    report = await run_pass(world.ctx, world.portal_id)

    assert report.status == RunStatus.OK, report.errors
    assert report.writes.created == expected
    assert report.writes.adopted == 0
    order = batches(world)
    assert order.count("lookup") >= 3, order  # at least three chunks, each looked up first
    # Chunk i+1 is looked up before chunk i's create batch goes out ...
    for i, at in enumerate(i for i, kind in enumerate(order) if kind == "create"):
        lookups_before = order[:at].count("lookup")
        assert lookups_before >= min(i + 2, order.count("lookup")), order
    # ... and chunk 3's lookup ran while chunk 1's (slow) create batch was still unanswered:
    # it did not wait for the send before chunk 2's enrichment.
    assert order.index("create") >= 3, order
    assert len({lead["ORIGIN_ID"] for lead in world.entities("lead")}) == expected
