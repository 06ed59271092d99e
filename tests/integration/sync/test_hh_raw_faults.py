"""hh.ru answers that are not hh.ru's JSON, in a pass: a proxy's HTML 502 on the negotiations
list, a resume body cut short, a collection page of the wrong shape. Each is told in the pass's
errors or the response's failure reason, loses nothing (what was not read is read again, what
was not synced is retried) and marks nothing synced that is not in the CRM. Real PostgreSQL and
both sandboxes over HTTP, the hh.ru sandbox's ``raw`` fault answering the status and bytes given.

Sources: hh.ru OpenAPI spec ("Ошибки и коды ответов": 5xx answers, whose bodies hh.ru does not
promise to be JSON; a proxy in front of api.hh.ru answers its own HTML page, as observed in
hhru/api issues about 502 Bad Gateway), and the spec's schemas ``NegotiationsNegotiationsList``
and ``ResumeResumeItem`` for the shapes a 200 must have.
"""

from __future__ import annotations

from typing import Any

import pytest
from structlog.testing import capture_logs

from hhsync.db import state
from hhsync.db.tables import SyncStatus
from hhsync.hh.rest import RetryPolicy
from hhsync.sync.engine import run_pass
from hhsync.testing.world import World
from hhsync.web.app_api.reasons import explain

pytestmark = pytest.mark.postgres

PROXY_502 = (
    "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>"
    "</center><hr><center>nginx</center></body></html>"
)


def inject(world: World, times: int = 1, **fault: Any) -> None:
    world.hh_admin("POST", "/_sandbox/faults", fault={"kind": "raw", **fault}, times=times)


def leads_once(world: World) -> set[str]:
    leads = world.entities("lead")
    origins = {str(lead["ORIGIN_ID"]) for lead in leads}
    assert len(origins) == len(leads), "a response created twice"
    return origins


async def synced_ids(world: World) -> set[str]:
    async with world.ctx.database.session() as session:
        rows = await state.list_negotiations(session, world.portal_id, SyncStatus.SYNCED)
    return {n.hh_negotiation_id for n in rows}


async def assert_synced_means_in_the_crm(world: World) -> None:
    origins = leads_once(world)
    assert all(any(hh_id in origin for origin in origins) for hh_id in await synced_ids(world))


def first_vacancy(world: World) -> str:
    listed = world.hh_admin("GET", "/_sandbox/state")["vacancies"]
    return str(
        next(v["id"] for v in listed if v["employer_id"] == world.employer_id and not v["archived"])
    )


async def test_a_proxys_html_502_on_the_negotiations_list_is_told_and_read_again(
    world: World,
) -> None:
    """hh.ru OpenAPI spec: a 5xx body need not be JSON; a proxy answers its own HTML page. An HTML
    502 on ``GET /negotiations`` every attempt of the client's retries: the pass names hh.ru and the
    status, stores nothing new for the vacancy, and the next pass reads it and syncs its new
    responses."""
    expected = world.hh_negotiations()
    await run_pass(world.ctx, world.portal_id)
    assert len(leads_once(world)) == expected
    vacancy = first_vacancy(world)
    for _ in range(2):
        world.hh_admin("POST", "/_sandbox/negotiations", vacancy_id=vacancy)
    inject(
        world,
        times=RetryPolicy().attempts,
        status=502,
        body=PROXY_502,
        content_type="text/html",
        path_contains="/negotiations",
    )

    with capture_logs() as logs:
        failed = await run_pass(world.ctx, world.portal_id)

    told = [e for e in failed.errors if "hh.ru" in e and "502" in e]
    assert told, failed.errors
    # says which call it struck and what came back instead of hh.ru's JSON
    assert any("GET /negotiations" in e and "not hh.ru's JSON" in e for e in told), told
    assert any(e["event"] == "hh.request_retried" for e in logs)  # retried first, bounded
    assert len(leads_once(world)) == expected
    await assert_synced_means_in_the_crm(world)

    after = await run_pass(world.ctx, world.portal_id)
    assert not after.errors
    assert len(leads_once(world)) == expected + 2
    await assert_synced_means_in_the_crm(world)


async def test_a_resume_cut_short_fails_that_response_with_the_reason_and_retries_it(
    world: World,
) -> None:
    """hh.ru OpenAPI spec ``ResumeResumeItem``: a 200 carries a whole resume. ``200`` with half of
    one (the body cut on the way, after hh.ru answered and counted the open, hhru/api #855): that
    response fails with a reason naming the bad answer, the others go on, and the retry syncs it
    once."""
    expected = world.hh_negotiations()
    inject(
        world,
        status=200,
        body='{"id": "1", "first_name": "Ив',
        content_type="application/json",
        path_contains="/resumes/",
        after_write=True,
    )

    first = await run_pass(world.ctx, world.portal_id)

    assert first.writes.failed == 1, first.writes
    async with world.ctx.database.session() as session:
        failed = await state.list_negotiations(session, world.portal_id, SyncStatus.FAILED)
    assert len(failed) == 1
    reason = failed[0].last_error or ""
    assert explain(reason).code == "hh_bad_payload"
    assert "GET /resumes/" in reason, reason
    assert "does not fit Resume" in reason, reason
    assert "Invalid JSON" in reason, reason
    assert failed[0].next_retry_at is not None
    assert len(leads_once(world)) == expected - 1
    assert failed[0].hh_negotiation_id not in await synced_ids(world)
    await assert_synced_means_in_the_crm(world)

    world.clock.advance(world.ctx.settings.sync.retry_max_s)
    await run_pass(world.ctx, world.portal_id)
    assert len(leads_once(world)) == expected
    await assert_synced_means_in_the_crm(world)


async def test_a_collection_page_of_the_wrong_shape_is_told_and_the_vacancy_read_again(
    world: World,
) -> None:
    """hh.ru OpenAPI spec ``NegotiationsNegotiationsList``: a page has ``items`` and its paging
    figures. ``200`` with JSON that is no such page (``items`` an object, no paging figures) on
    the first collection page read: the pass names the page and what does not fit, takes the
    vacancy's listing as unread rather than empty, and the next pass syncs every response."""
    expected = world.hh_negotiations()
    inject(
        world,
        status=200,
        body='{"items": {"id": "1"}, "found": 1}',
        content_type="application/json",
        path_contains="/negotiations/",
    )

    first = await run_pass(world.ctx, world.portal_id)

    told = [e for e in first.errors if "NegotiationsPage" in e]
    assert told, first.errors
    assert "GET /negotiations/" in told[0], told
    assert "Field required" in told[0], told
    assert len(leads_once(world)) < expected
    await assert_synced_means_in_the_crm(world)

    second = await run_pass(world.ctx, world.portal_id)
    assert not second.errors
    assert len(leads_once(world)) == expected
    await assert_synced_means_in_the_crm(world)
