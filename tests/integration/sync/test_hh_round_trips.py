"""Long hh.ru round trips do not slow an import below the request budget: the pass keeps enough
requests open (rate x round trip) to use hh.ru's 10 requests a second.

The sandbox holds every answer ``latency_s`` and reports the most requests it had open at once;
the test counts that, it times nothing.
"""

from __future__ import annotations

import math

from hhsync.db.tables import RunStatus
from hhsync.sync.context import HH_BUDGET_HEADROOM, SyncContext
from hhsync.sync.engine import run_pass
from hhsync.sync.options import PassOptions
from hhsync.sync.reading import KIND_READS_AT_ONCE
from hhsync.sync.writing import ENRICH_CONCURRENCY
from hhsync.testing.world import World

ROUND_TRIP_S = 0.4
HH_RATE_PER_S = 10.0  # hh.ru's documented limit (hhru/api #74), not the tests' faster one


async def test_an_import_keeps_rate_times_round_trip_requests_in_flight(world: World) -> None:
    world.hh_admin("POST", "/_sandbox/limits", latency_s=ROUND_TRIP_S)
    base = world.ctx.settings
    settings = base.model_copy(
        update={"hh": base.hh.model_copy(update={"requests_per_s": HH_RATE_PER_S})}
    )
    ctx = SyncContext.create(
        settings, world.ctx.database, world.ctx.cipher, clock=world.clock, instance_id="rtt"
    )
    # Fewer requests open than this leaves the budget idle while answers are on their way.
    needed = math.ceil(HH_RATE_PER_S * HH_BUDGET_HEADROOM * ROUND_TRIP_S)
    assert needed <= ENRICH_CONCURRENCY
    try:
        report = await run_pass(ctx, world.portal_id)
    finally:
        await ctx.aclose()
    assert report.status == RunStatus.OK, report.errors
    assert report.writes.created == world.hh_negotiations()
    peak = world.hh_admin("GET", "/_sandbox/limits")["in_flight_peak"]
    assert needed <= peak <= ENRICH_CONCURRENCY


async def test_kinds_are_told_with_several_conversation_reads_in_flight(world: World) -> None:
    """A first import asks the conversation of every negotiation first seen outside state
    ``response`` (how it started tells a response from an invitation); one at a time, each would
    wait a whole round trip. A dry run reads and plans only, so what the sandbox had open at once
    is the listing's and the kind reads' alone."""
    world.hh_admin("POST", "/_sandbox/limits", latency_s=ROUND_TRIP_S)
    world.hh_admin("DELETE", "/_sandbox/requests")

    report = await run_pass(world.ctx, world.portal_id, PassOptions(dry_run=True))

    assert report.status == RunStatus.OK, report.errors
    logged = world.hh_admin("GET", "/_sandbox/requests")["items"]
    kind_reads = [r for r in logged if r["path"].endswith("/messages")]
    assert len(kind_reads) > KIND_READS_AT_ONCE  # the world has enough of them to overlap
    peak = world.hh_admin("GET", "/_sandbox/limits")["in_flight_peak"]
    assert KIND_READS_AT_ONCE <= peak <= KIND_READS_AT_ONCE + 1
