"""One real pass over both sandboxes fills the traffic families of /metrics."""

from __future__ import annotations

import re

from hhsync.metrics import Metrics
from hhsync.sync.context import SyncContext
from hhsync.sync.engine import run_pass
from hhsync.testing.world import World


def total(text: str, family: str, **labels: str) -> float:
    """The sum of a family's samples whose labels include ``labels``."""
    found = 0.0
    for line in text.splitlines():
        match = re.fullmatch(rf"hhsync_{family}_total(?:\{{(.*)\}})? (\S+)", line)
        if match and all(f'{k}="{v}"' in (match.group(1) or "") for k, v in labels.items()):
            found += float(match.group(2))
    return found


async def test_requests_errors_and_rate_limit_waits_are_counted(world: World) -> None:
    world.bitrix_admin(
        "POST", f"/_sandbox/portals/{world.domain}/required", entity="lead", field="POST"
    )
    base = world.ctx.settings
    # hh.ru paced at 20 requests a second (one saved up): local answers come faster, so the pass
    # must queue for its turns.
    settings = base.model_copy(update={"hh": base.hh.model_copy(update={"requests_per_s": 20.0})})
    metrics = Metrics()
    ctx = SyncContext.create(
        settings, world.ctx.database, world.ctx.cipher, instance_id="metrics", metrics=metrics
    )
    try:
        report = await run_pass(ctx, world.portal_id)
    finally:
        await ctx.aclose()
    text = metrics.render().decode()
    assert total(text, "hh_requests", status_code="200") == report.hh_requests > 0
    assert total(text, "bitrix_requests") == report.bitrix_requests > 0
    # Every create was refused for the required field, inside batch answers; Bitrix24's legacy CRM
    # methods send no code for it ("error": ""), so it counts under hhsync's class for it.
    assert report.writes.failed > 0
    assert total(text, "bitrix_errors", code="RecordRejected") == report.writes.failed
    assert total(text, "bitrix_errors", code="none") == 0
    assert total(text, "rate_limit_waits", service="hh") > 0
    assert total(text, "rate_limit_wait_seconds", service="hh") > 0
