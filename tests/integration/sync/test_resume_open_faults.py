"""A resume open hh.ru counts and then answers 500: what it costs of the manager's daily views.

hh.ru counts every open of a resume, responses and PDF downloads included, against the manager's
daily views (hh.ru's terms quoted in hhru/api #855). The hh.ru sandbox's ``error_after_write``
fault does the open (counts it, marks the response viewed) and then answers 500, as a failure
behind hh.ru's front would. hhsync never repeats such an open within a pass: one failed open costs
one view per pass, the response waits failed with the reason and is retried at the sync's
backoff, reusing the resume it already keeps, and lands once hh.ru answers. The views are counted
by the sandbox (``GET /_sandbox/resume_views``). Real PostgreSQL and both sandboxes over HTTP.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from hhsync.db import state
from hhsync.db.tables import SyncStatus
from hhsync.hh.quota_day import next_reset
from hhsync.sync.engine import run_pass
from hhsync.testing.world import World
from hhsync.web.app_api.reasons import explain

pytestmark = pytest.mark.postgres

OPENS_PER_RESPONSE = 2
"""The resume itself and its PDF: both count as an open on hh.ru."""


def next_moscow_day(world: World) -> None:
    """Both clocks just past the next Moscow midnight: the whole test counts one hh.ru day."""
    now = world.ctx.clock.now()
    seconds = (next_reset(now) - now + timedelta(minutes=1)).total_seconds()
    world.clock.advance(seconds)
    world.hh_admin("POST", "/_sandbox/clock/advance", seconds=seconds)


def views(world: World) -> int:
    """Resume opens hh.ru counted today, all managers of the company."""
    counted = world.hh_admin("GET", "/_sandbox/resume_views")["by_company"]
    return int(counted.get(world.employer_id, 0))


def resume_requests(world: World) -> list[dict[str, Any]]:
    log = world.hh_admin("GET", "/_sandbox/requests")["items"]
    return [r for r in log if r["path"].startswith("/resumes/")]


def count_then_fail(world: World, path: str, times: int = 1) -> None:
    fault = {"kind": "error_after_write", "path_contains": path}
    world.hh_admin("POST", "/_sandbox/faults", fault=fault, times=times)


async def with_resume(world: World) -> int:
    async with world.ctx.database.session() as session:
        rows = [
            n
            for status in SyncStatus
            for n in await state.list_negotiations(session, world.portal_id, status)
        ]
    return sum(1 for n in rows if not n.resume_deleted)


async def failed_rows(world: World) -> list[Any]:
    async with world.ctx.database.session() as session:
        return list(await state.list_negotiations(session, world.portal_id, SyncStatus.FAILED))


def retry_due(world: World) -> None:
    world.clock.advance(world.ctx.settings.sync.retry_max_s)


async def test_an_open_counted_then_answered_500_costs_one_view_a_pass_and_never_loops(
    world: World,
) -> None:
    """hhru/api #855: the open counts although hh.ru answers 500. hhsync does not repeat it in
    the pass (a retry would spend a second view), keeps the response failed with the reason, and
    each later due pass spends at most one view on it until hh.ru answers."""
    next_moscow_day(world)
    expected = world.hh_negotiations()
    count_then_fail(world, "/resumes/")  # the pass's first resume open

    first = await run_pass(world.ctx, world.portal_id)

    asked = resume_requests(world)
    lost = [r for r in asked if r["status"] == 500]
    assert len(lost) == 1
    path = lost[0]["path"]
    assert [r["path"] for r in asked].count(path) == 1  # not repeated: no second view burnt
    assert views(world) == len(asked)  # every open counted, the lost one too
    failed = await failed_rows(world)
    assert len(failed) == 1 == first.writes.failed
    assert explain(failed[0].last_error).code == "hh_unavailable"
    assert path in (failed[0].last_error or "")
    assert failed[0].next_retry_at is not None
    assert len(world.entities("lead")) == expected - 1

    # Not due yet: the next pass opens nothing.
    await run_pass(world.ctx, world.portal_id)
    assert len(resume_requests(world)) == len(asked)

    # hh.ru keeps failing that open: each due pass spends one view on it, no more.
    count_then_fail(world, path, times=10)
    for passes in range(1, 3):
        before = views(world)
        retry_due(world)
        await run_pass(world.ctx, world.portal_id)
        assert views(world) == before + 1
        assert [r["path"] for r in resume_requests(world)].count(path) == 1 + passes
        assert len(await failed_rows(world)) == 1

    world.hh_admin("DELETE", "/_sandbox/faults")
    retry_due(world)
    await run_pass(world.ctx, world.portal_id)
    leads = world.entities("lead")
    assert len(leads) == expected
    assert len({lead["ORIGIN_ID"] for lead in leads}) == expected
    assert await failed_rows(world) == []
    # Each response's opens once, plus one view for each of the three failed opens.
    assert views(world) == OPENS_PER_RESPONSE * await with_resume(world) + 3


async def test_a_pdf_download_counted_then_answered_500_reuses_the_kept_resume(
    world: World,
) -> None:
    """hhru/api #855: a PDF download is an open too. One counted and answered 500 is not repeated
    in the pass; the retry downloads the PDF once more and reuses the resume it already kept
    (no second view for it); the lead gets its file."""
    next_moscow_day(world)
    expected = world.hh_negotiations()
    count_then_fail(world, "/download/")  # the pass's first PDF download

    await run_pass(world.ctx, world.portal_id)

    lost = [r for r in resume_requests(world) if r["status"] == 500]
    assert len(lost) == 1
    assert "/download/" in lost[0]["path"]
    assert views(world) == len(resume_requests(world))
    failed = await failed_rows(world)
    assert len(failed) == 1
    assert explain(failed[0].last_error).code == "hh_unavailable"

    fetches_before = sum(1 for r in resume_requests(world) if "/download/" not in r["path"])
    retry_due(world)
    await run_pass(world.ctx, world.portal_id)
    # The retry downloaded the PDF again (one view) and reused the resume it kept (none).
    fetches_after = sum(1 for r in resume_requests(world) if "/download/" not in r["path"])
    assert fetches_after == fetches_before
    assert len(world.entities("lead")) == expected
    assert views(world) == OPENS_PER_RESPONSE * await with_resume(world) + 1
    assert len({f["owner_id"] for f in world.entities("file")}) == await with_resume(world)
