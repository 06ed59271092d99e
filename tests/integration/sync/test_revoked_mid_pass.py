"""A login revoked in the middle of a pass parks that account at once and spoils nothing else.

hh.ru deactivates every token of an employer when its password changes (hh.ru OpenAPI spec:
"token deactivated"). The pass may be anywhere then: listing, reading resumes with several
requests in flight, downloading PDFs. Whatever it was doing, the account is parked with its
reason, the portal's other accounts are synced in the same pass, and the pass's run row is closed.
"""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import col, select

from hhsync.db import accounts
from hhsync.db.tables import AccountStatus, RunStatus, SyncRun
from hhsync.sandbox.hh.app import HhSandboxConfig
from hhsync.sync.engine import run_pass
from hhsync.testing.portal import manager_link
from hhsync.testing.world import World


@pytest.fixture
def hh_sandbox_config() -> HhSandboxConfig:
    """Two employers: the portal links the admin manager of each."""
    return HhSandboxConfig(
        seed=11,
        employers=2,
        managers_per_employer=1,
        vacancies_per_employer=2,
        archived_vacancies_per_employer=0,
        applicants=60,
        negotiations_per_vacancy=10,
        rate_limit_per_s=0,
    )


async def link_second_employer(world: World) -> tuple[int, str]:
    employer = world.hh_admin("GET", "/_sandbox/state")["employers"][1]
    admin = next(m for m in employer["managers"] if m["is_admin"])
    tokens = world.hh_admin("POST", "/_sandbox/tokens", manager_id=admin["id"])
    now = world.clock.now()
    link = manager_link(employer, admin, tokens, now)
    async with world.ctx.database.session() as session:
        account = await accounts.link_account(session, world.ctx.cipher, world.portal_id, link, now)
    assert account.id is not None
    return account.id, str(employer["id"])


def leads_of(world: World, employer_id: str) -> int:
    state = world.hh_admin("GET", "/_sandbox/state")
    vacancies = {str(v["name"]) for v in state["vacancies"] if str(v["employer_id"]) == employer_id}
    return sum(1 for lead in world.entities("lead") if lead["UF_CRM_HH_VACANCY"] in vacancies)


def negotiations_of(world: World, employer_id: str) -> int:
    state = world.hh_admin("GET", "/_sandbox/state")
    return sum(
        v["negotiations"] for v in state["vacancies"] if str(v["employer_id"]) == employer_id
    )


@pytest.mark.parametrize("path", ["/resumes/", "/negotiations/"])
async def test_a_password_changed_while_the_pass_reads_parks_the_account_and_finishes_the_rest(
    world: World, path: str
) -> None:
    other_account, other_employer = await link_second_employer(world)
    seen = 0

    async def change_password_midway(response: httpx.Response) -> None:
        nonlocal seen
        # The portal's first account (this employer's) is synced first.
        if path in response.request.url.path:
            seen += 1
            if seen == 3:
                world.hh_admin("POST", f"/_sandbox/employers/{world.employer_id}/password_changed")

    hooks = world.ctx.hh_http.event_hooks["response"]
    hooks.append(change_password_midway)
    try:
        report = await run_pass(world.ctx, world.portal_id)
    finally:
        hooks.remove(change_password_midway)

    assert seen >= 3, "the password must change in the middle of the pass"
    assert report.status == RunStatus.PARTIAL
    assert any("needs a new login" in e for e in report.errors), report.errors
    async with world.ctx.database.session() as session:
        parked = await accounts.get_account(session, world.portal_id, world.account_id)
        other = await accounts.get_account(session, world.portal_id, other_account)
        runs = (
            await session.exec(select(SyncRun).where(col(SyncRun.portal_id) == world.portal_id))
        ).all()
    assert parked is not None
    assert parked.status == AccountStatus.NEEDS_REAUTH
    assert parked.status_reason
    assert other is not None
    assert other.status == AccountStatus.ACTIVE
    # The other employer's responses all arrived in this same pass.
    assert leads_of(world, other_employer) == negotiations_of(world, other_employer)
    assert [r.status for r in runs] == [RunStatus.PARTIAL]
    assert all(r.finished_at is not None for r in runs)
