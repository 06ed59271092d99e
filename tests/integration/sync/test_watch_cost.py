"""What the state watch costs on hh.ru, counted in the hh.ru sandbox's request log: a vacancy
with 5,000 negotiations that gains one response costs the vacancy lists, one collections request
and at most two pages; one whose totals did not move costs the watch alone.

hh.ru lists at most 50 negotiations a page (hh.ru OpenAPI spec, ``per_page`` of the collection
list) and reads a listing's ``order_by=created_at`` newest first, so a new response is on page 0
(ARCHITECTURE.md "Counters and the reconcile").
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hhsync.db import accounts, state
from hhsync.db.tables import HhAccount
from hhsync.sandbox.bitrix.app import BitrixSandboxConfig
from hhsync.sandbox.bitrix.app import create_app as create_bitrix
from hhsync.sandbox.hh.app import HhSandboxConfig
from hhsync.sandbox.hh.app import create_app as create_hh
from hhsync.sandbox.hh.store import COLLECTION_NAMES
from hhsync.sync.reading import AccountReading, read_account
from hhsync.testing.server import serve
from hhsync.testing.world import World
from tests.integration.sync.test_engine import first_vacancy
from tests.integration.sync.test_new_states import respond

pytestmark = pytest.mark.postgres

NEGOTIATIONS = 5000


@pytest.fixture
def sandboxes() -> Iterator[tuple[str, str]]:
    """One vacancy of 5,000 negotiations spread evenly over its collections (625 each), so each
    listing is read to the end within hh.ru's 2,000-deep paging: the deep reader's case is not
    this one's. Responses keep the applicant's side ``response``, so telling their kind costs no
    request."""
    hh_app = create_hh(
        HhSandboxConfig(
            seed=5,
            employers=1,
            managers_per_employer=1,
            vacancies_per_employer=1,
            archived_vacancies_per_employer=0,
            applicants=NEGOTIATIONS + 10,
            negotiations_per_vacancy=NEGOTIATIONS,
            rate_limit_per_s=0,
        )
    )
    store = hh_app.state.sandbox.store
    states = list(COLLECTION_NAMES)
    for index, negotiation in enumerate(sorted(store.negotiations.values(), key=lambda n: n.id)):
        negotiation.employer_state = states[index % len(states)]
        if negotiation.initiator == "applicant":
            negotiation.applicant_state = "response"
    bitrix_app = create_bitrix(BitrixSandboxConfig(seed=7, speed=50.0, demo_portals=()))
    with serve(hh_app) as hh_url, serve(bitrix_app) as bitrix_url:
        yield hh_url, bitrix_url


async def _account(world: World) -> HhAccount:
    async with world.ctx.database.session() as session:
        account = await accounts.get_account(session, world.portal_id, world.account_id)
    assert account is not None
    return account


async def _read(world: World) -> AccountReading:
    """hh.ru's side of one pass of the world's account, stored (nothing sent to the CRM)."""
    account = await _account(world)
    sync = world.ctx.settings.sync
    return await read_account(
        world.ctx.database,
        world.ctx.hh_client(account),
        account,
        include_archived=False,
        reconcile_s=sync.reconcile_period_s,
        watch_s=sync.state_watch_period_s,
        now=world.clock.now(),
    )


def _requests(world: World) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = world.hh_admin("GET", "/_sandbox/requests")["items"]
    return items


async def test_one_new_response_on_5000_costs_the_watch_and_a_page_or_two(world: World) -> None:
    vacancy_id = first_vacancy(world)
    first = await _read(world)
    assert len(first.snapshot.negotiations) == NEGOTIATIONS

    hh_id = respond(world, vacancy_id)
    world.hh_admin("DELETE", "/_sandbox/requests")
    grown = await _read(world)

    asked = _requests(world)
    paths = [r["path"] for r in asked]
    assert paths[0].endswith("/vacancies/active")
    assert paths[1].endswith("/vacancies/archived")  # the vacancy lists: one request each
    assert paths.count("/negotiations") == 1  # the watch
    pages = [p for p in paths if p.startswith("/negotiations/")]
    assert 1 <= len(pages) <= 2
    assert len(asked) <= 5
    assert hh_id in {n.hh_id for n in grown.snapshot.negotiations}
    async with world.ctx.database.session() as session:
        stored = await state.get_negotiation(session, world.portal_id, hh_id)
        vacancy = await state.get_vacancy(session, world.portal_id, vacancy_id)
        assert vacancy is not None
        assert vacancy.id is not None
        counts = await state.listing_counts(session, vacancy.id)
    assert stored is not None
    assert stored.hh_listing == "response"
    assert sum(counts.values()) == NEGOTIATIONS + 1
    assert {leaf: counts.get(leaf, 0) for leaf in vacancy.listing_totals} == (
        vacancy.listing_totals
    )  # every leaf's stored count is hh.ru's total

    world.clock.advance(world.ctx.settings.sync.state_watch_period_s)
    world.hh_admin("DELETE", "/_sandbox/requests")
    quiet = await _read(world)

    assert [r["path"] for r in _requests(world)][2:] == ["/negotiations"]
    assert quiet.leaves_read == 0
    assert quiet.vacancies_read == 1
