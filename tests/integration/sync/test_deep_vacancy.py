"""Deep vacancies end to end on the sandboxes and PostgreSQL: a 3,000-response inbox under the
strict 2,000 depth is stored whole by a full read, and a vacancy whose applicants leave out every
filtered field keeps a gap that is stored on the vacancy, is not read whole again at every watch,
and is named by ``hhsync status`` and the app page's «Новые отклики»."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest

from hhsync.cli.status import gap_lines
from hhsync.db import accounts, state
from hhsync.db.tables import HhAccount, Vacancy
from hhsync.hh.paging import DEFAULT_MAX_DEPTH_ITEMS
from hhsync.sandbox.hh.app import HhSandboxConfig
from hhsync.service.status import portal_views
from hhsync.sync.reading import AccountReading, read_account
from hhsync.testing.daemon import daemon_env
from hhsync.testing.world import World
from tests.integration.web.inbox_journal_kit import ADMIN, AppWorld, app_world

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

FACELESS = {
    "gender": None,
    "birth_year": None,
    "salary": None,
    "total_experience_months": 100,
    "education_level": "higher",
}
"""Applicants who give no gender, age or salary, all in one experience bucket and education."""


@pytest.fixture
def hh_sandbox_config() -> HhSandboxConfig:
    """One employer with one open vacancy; the strict depth (the sandbox's default)."""
    return HhSandboxConfig(
        seed=5,
        employers=1,
        managers_per_employer=1,
        vacancies_per_employer=1,
        archived_vacancies_per_employer=0,
        applicants=20,
        negotiations_per_vacancy=10,
        rate_limit_per_s=0,
    )


@pytest.fixture
async def app(world: World, db_url: str) -> AsyncIterator[AppWorld]:
    """The app on the world."""
    async with app_world(world, db_url) as opened:
        yield opened


def hhsync(world: World, db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """One ``hhsync`` command as an operator runs it (a real process on the same database)."""
    return subprocess.run(
        [sys.executable, "-m", "hhsync", *args],
        env=daemon_env(world, db_url),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


WATCH_S = 180.0


def the_vacancy(world: World) -> dict[str, Any]:
    [vacancy] = world.hh_admin("GET", "/_sandbox/state")["vacancies"]
    return dict(vacancy)


async def full_read(world: World, *, force: bool = True) -> AccountReading:
    """A forced full read of the account (or, unforced, what its watch asks), stored as a pass
    stores it."""
    async with world.ctx.database.session() as session:
        [account] = await accounts.list_accounts(session, world.portal_id)
    assert isinstance(account, HhAccount)
    return await read_account(
        world.ctx.database,
        world.ctx.hh_client(account),
        account,
        include_archived=False,
        reconcile_s=21_600,
        watch_s=WATCH_S,
        now=world.clock.now(),
        force=force,
    )


async def stored(world: World) -> tuple[Vacancy, int]:
    """The stored vacancy row and how many of its negotiations are stored."""
    async with world.ctx.database.session() as session:
        [row] = await state.list_vacancies(session, world.portal_id)
        negotiations = await state.list_negotiations(session, world.portal_id)
    return row, len(negotiations)


async def test_three_thousand_responses_under_the_depth_are_stored_whole(world: World) -> None:
    vacancy = the_vacancy(world)
    world.hh_admin("POST", f"/_sandbox/vacancies/{vacancy['id']}/responses", count=2990)
    expected = world.hh_negotiations()
    assert expected >= 3000 > DEFAULT_MAX_DEPTH_ITEMS

    started = world.clock.now()
    reading = await full_read(world)

    row, count = await stored(world)
    assert count == expected  # every one stored, once
    assert reading.truncated == []
    assert row.missing_negotiations == 0
    assert row.last_full_read_at is not None
    assert row.last_full_read_at >= started  # a complete read restarts the reconcile


async def test_a_gap_no_filter_can_close_is_stored_and_shown(app: AppWorld, db_url: str) -> None:
    world = app.world
    vacancy = the_vacancy(world)
    world.hh_admin(
        "POST", f"/_sandbox/vacancies/{vacancy['id']}/responses", count=2600, resume=FACELESS
    )
    expected = world.hh_negotiations()

    reading = await full_read(world)

    row, count = await stored(world)
    gap = expected - count
    assert gap > 0
    assert count > DEFAULT_MAX_DEPTH_ITEMS  # the orders reached past one walk's 2,000
    assert row.missing_negotiations == gap
    assert reading.truncated == [vacancy["id"]]
    # read as deep as hh.ru allows: the reconcile clock restarts, and the next watch, finding the
    # totals as they were, pages nothing (the gap is known, not a change)
    assert row.last_full_read_at is not None
    world.clock.advance(WATCH_S)
    watched = await full_read(world, force=False)
    assert watched.vacancies_read == 1
    assert watched.leaves_read == 0
    row, _ = await stored(world)
    assert row.missing_negotiations == gap  # a watch does not measure the gap: it stays

    [view] = await portal_views(world.ctx.database, world.clock.now(), world.portal_id)
    assert [(g.hh_vacancy_id, g.name, g.missing) for g in view.gaps] == [
        (vacancy["id"], vacancy["name"], gap)
    ]
    assert view.as_json()["gaps"][0]["missing"] == gap
    [line] = gap_lines([view])
    assert vacancy["id"] in line
    assert vacancy["name"] in line
    assert f"does not list {gap} of its negotiations" in line
    shown_by_cli = hhsync(world, db_url, "status")
    assert shown_by_cli.returncode == 0, shown_by_cli.stderr[-2000:]
    assert line in shown_by_cli.stdout.splitlines()
    portal_cli = hhsync(world, db_url, "portals", "show", str(world.portal_id))
    assert line in portal_cli.stdout.splitlines()

    page = await app.open(ADMIN)
    answer = await page.get("/inbox")
    assert answer.status_code == 200, answer.text
    [shown] = answer.json()["gaps"]
    assert (shown["vacancy_id"], shown["name"], shown["missing"]) == (
        vacancy["id"],
        vacancy["name"],
        gap,
    )
    assert f"Вакансия «{vacancy['name']}»" in shown["text"]
    assert f"не прочитано: {gap}" in shown["text"]
    assert f'<li data-vacancy="{vacancy["id"]}">{shown["text"]}</li>' in page.html
    english = await (await app.open(ADMIN, lang="en")).get("/inbox")
    assert f"{gap} not read" in english.json()["gaps"][0]["text"]


async def test_a_gap_closes_once_the_vacancy_reads_whole(world: World) -> None:
    vacancy = the_vacancy(world)
    world.hh_admin(
        "POST", f"/_sandbox/vacancies/{vacancy['id']}/responses", count=2100, resume=FACELESS
    )
    await full_read(world)
    row, _ = await stored(world)
    assert row.missing_negotiations > 0
    # the employer takes 400 of them out of the inbox: it now fits one walk, and so does «Подумать»
    for negotiation in world.hh_admin("GET", "/_sandbox/state")["unread_negotiations"][:400]:
        world.hh_admin(
            "POST", f"/_sandbox/negotiations/{negotiation}/state", employer_state="consider"
        )
    await full_read(world)
    row, count = await stored(world)
    assert row.missing_negotiations == 0
    assert count == world.hh_negotiations()
