"""hh.ru refusals a person must clear: a captcha, tokens deactivated on refresh, a managers list
refused to a manager without the right. Real PostgreSQL and both sandboxes over HTTP.

Sources of the sandbox's answers: hh.ru OpenAPI spec ``ErrorsCommonCaptchaError`` (403
``captcha_required`` with ``captcha_url``), hhru/api#869 and #619 (a refresh answered
``invalid_grant`` "token deactivated" although the pair was valid), hh.ru OpenAPI spec
``get-employer-managers`` (403 for a manager without the right: the sandbox refuses the list to a
manager without ``has_admin_rights``, no fault needed).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from structlog.testing import capture_logs

from hhsync.db import accounts
from hhsync.db.accounts import AccountLink
from hhsync.db.tables import AccountStatus, HhAccount, RunStatus
from hhsync.db.tokens import TokenPair
from hhsync.errors import NeedsReauth
from hhsync.hh.budget import Priority
from hhsync.hh.errors import Forbidden
from hhsync.sandbox.hh.errors import CAPTCHA_URL
from hhsync.sync.apply.enrich import CAPTCHA_PAUSE
from hhsync.sync.engine import CAPTCHA_NOTE, run_pass
from hhsync.sync.writing import ENRICH_CONCURRENCY
from hhsync.testing.world import World

pytestmark = pytest.mark.postgres


def inject(world: World, times: int = 1, **fault: Any) -> None:
    world.hh_admin("POST", "/_sandbox/faults", fault=fault, times=times)


async def account_of(world: World) -> HhAccount:
    async with world.ctx.database.session() as session:
        account = await accounts.get_account(session, world.portal_id, world.account_id)
    assert account is not None
    return account


def assert_each_response_once(world: World, expected: int) -> None:
    leads = world.entities("lead")
    assert len(leads) == expected
    assert len({lead["ORIGIN_ID"] for lead in leads}) == expected


async def test_a_captcha_pauses_the_accounts_reads_says_why_once_and_resumes(
    world: World,
) -> None:
    expected = world.hh_negotiations()
    inject(world, times=3, kind="named", code="captcha_required", path_contains="/vacancies")
    secret = world.ctx.cipher.decrypt((await account_of(world)).access_token_enc)

    with capture_logs() as logs:
        first = await run_pass(world.ctx, world.portal_id)
        second = await run_pass(world.ctx, world.portal_id)

    for report in (first, second):
        assert any("captcha" in error for error in report.errors)
    account = await account_of(world)
    assert account.status == AccountStatus.ACTIVE  # not a lost login: no re-login asked
    assert account.status_reason is not None
    assert account.status_reason.startswith(CAPTCHA_NOTE)
    assert CAPTCHA_URL in account.status_reason  # for the operator, never in a log line
    warned = [e for e in logs if e["event"] == "sync.account_captcha"]
    assert len(warned) == 1  # once per change, not every pass
    assert all(secret not in str(entry) and CAPTCHA_URL not in str(entry) for entry in logs)
    assert world.entities("lead") == []

    world.hh_admin("DELETE", "/_sandbox/faults")  # the manager solved it on hh.ru
    with capture_logs() as later:
        third = await run_pass(world.ctx, world.portal_id)
    assert not any("captcha" in error for error in third.errors)
    assert (await account_of(world)).status_reason is None
    assert [e["event"] for e in later if e["event"].startswith("sync.account_captcha")] == [
        "sync.account_captcha_solved"
    ]
    assert_each_response_once(world, expected)


async def test_a_captcha_on_a_resume_stops_the_passes_resume_reads_and_loses_nothing(
    world: World,
) -> None:
    expected = world.hh_negotiations()
    inject(world, kind="named", code="captcha_required", path_contains="/resumes/")
    world.hh_admin("DELETE", "/_sandbox/requests")

    report = await run_pass(world.ctx, world.portal_id)

    assert report.writes.failed > 0
    assert len(world.entities("lead")) < expected
    # the captcha stopped the resume reads of the pass: no request per waiting response
    logged = world.hh_admin("GET", "/_sandbox/requests")["items"]
    resumes_asked = [r for r in logged if "/resumes/" in r["path"]]
    # only those already under way when it came (a resume and its PDF each), not one per response
    assert len(resumes_asked) <= 2 * ENRICH_CONCURRENCY < 2 * expected
    world.clock.advance(CAPTCHA_PAUSE.total_seconds() + 1)
    await run_pass(world.ctx, world.portal_id)
    assert_each_response_once(world, expected)
    assert all(f["field_name"] == "UF_CRM_HH_RESUME" for f in world.entities("file"))


async def test_a_spontaneous_token_deactivated_asks_for_a_new_login_and_keeps_the_pair(
    world: World,
) -> None:
    before = await account_of(world)
    async with world.ctx.database.session() as session:
        stored = await session.get(HhAccount, world.account_id)
        assert stored is not None
        stored.access_expires_at = world.clock.now() - timedelta(seconds=1)  # refresh is due
        session.add(stored)
    inject(world, kind="named", code="token_deactivated", path_contains="/token")

    report = await run_pass(world.ctx, world.portal_id)

    assert any("needs a new login" in error for error in report.errors)
    account = await account_of(world)
    assert account.status == AccountStatus.NEEDS_REAUTH  # the re-login banner's state
    assert account.status_reason is not None
    assert "deactivated" in account.status_reason
    # the refused refresh stored nothing: the pair is the one it was
    assert (account.access_token_enc, account.refresh_token_enc) == (
        before.access_token_enc,
        before.refresh_token_enc,
    )
    assert account.token_version == before.token_version
    assert account.reauth_retry_at is not None  # the kept pair is tried again: test_hh_kept_pair
    assert world.entities("lead") == []


async def test_a_managers_list_refused_to_a_non_admin_is_a_plain_refusal_not_a_lost_login(
    world: World,
) -> None:
    inject(world, kind="named", code="managers_forbidden", path_contains="/managers")
    account = await account_of(world)
    hh = world.ctx.hh_client(account, Priority.INCREMENTAL)
    with pytest.raises(Forbidden) as refused:
        await hh.managers(world.employer_id)
    assert not isinstance(refused.value, NeedsReauth)
    assert (await account_of(world)).status == AccountStatus.ACTIVE
    report = await run_pass(world.ctx, world.portal_id)  # syncing never needs the list
    assert not report.errors


async def test_a_non_admins_pass_meets_the_role_based_managers_403_and_never_asks_again(
    world: World,
) -> None:
    """hh.ru OpenAPI spec, ``get-employer-managers``: 403 for a manager without the right; the
    sandbox answers it by role (``has_admin_rights``), no fault injected."""
    state = world.hh_admin("GET", "/_sandbox/state")
    [employer] = [e for e in state["employers"] if e["id"] == world.employer_id]
    manager = next(m for m in employer["managers"] if not m["is_admin"])
    pair = world.hh_admin("POST", "/_sandbox/tokens", manager_id=manager["id"])
    now = world.clock.now()
    async with world.ctx.database.session() as session:
        admin = await accounts.get_account(session, world.portal_id, world.account_id)
        assert admin is not None
        admin.status = AccountStatus.LOGGED_OUT  # only the manager without admin rights syncs
        session.add(admin)
        link = AccountLink(
            world.employer_id,
            manager["id"],
            "",
            manager["name"],
            False,
            TokenPair(
                pair["access_token"],
                pair["refresh_token"],
                now + timedelta(seconds=pair["expires_in"]),
            ),
        )
        account = await accounts.link_account(session, world.ctx.cipher, world.portal_id, link, now)
    hh = world.ctx.hh_client(account, Priority.INCREMENTAL)
    with pytest.raises(Forbidden) as refused:
        await hh.managers(world.employer_id)
    assert not isinstance(refused.value, NeedsReauth)
    own = sum(
        v["negotiations"]
        for v in state["vacancies"]
        if v["manager_id"] == manager["id"] and not v["archived"]
    )
    assert own > 0
    world.hh_admin("DELETE", "/_sandbox/requests")

    first = await run_pass(world.ctx, world.portal_id)
    second = await run_pass(world.ctx, world.portal_id)

    for report in (first, second):
        assert report.status == RunStatus.OK, report.errors
    async with world.ctx.database.session() as session:
        stored = await accounts.get_account(session, world.portal_id, account.id or 0)
    assert stored is not None
    assert stored.status == AccountStatus.ACTIVE
    assert_each_response_once(world, own)  # its own vacancies' responses, once each
    logged = world.hh_admin("GET", "/_sandbox/requests")["items"]
    assert not [r for r in logged if r["path"].endswith("/managers")]  # never asked: no loop
    assert not [r for r in logged if r["status"] == 403]
