"""Hostile requests to the hh.ru login: each gets a clear 4xx, none a 500, and nothing is stored.

The ``state`` must be signed for this purpose, younger than ten minutes, made for the portal and
user whose nonce it carries, and unused (RFC 6749 §10.12); the code works once at hh.ru (hh.ru
OpenAPI spec, ``invalid_grant`` "code has already been used").
"""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from hhsync.testing.html_page import Page
from hhsync.web.context import WebContext
from hhsync.web.hh_login import hh_login_routes
from hhsync.web.hh_login.state import STATE_PURPOSE, StateClaims, StateSigner
from hhsync.web.session import SESSION_HEADER, SessionClaims
from hhsync.web.signing import PurposeSigner
from tests.integration.web.login_kit import (
    APPLICANT_EMAIL,
    PUBLIC_URL,
    LoginWorld,
    state_of,
    with_query,
)

LINK_INVALID = "Ссылка входа устарела, уже использована или повреждена"


async def _nothing_stored(world: LoginWorld, *portals: int) -> None:
    for portal in portals:
        assert await world.accounts(portal) == []


async def test_a_replayed_state_is_refused(login_world: LoginWorld) -> None:
    portal = await login_world.portal()
    callback = await login_world.at_hh(await login_world.start(login_world.session(portal)))
    assert (await login_world.land(callback)).status_code == 200
    [before] = await login_world.accounts(portal)
    replay = await login_world.land(callback)
    assert replay.status_code == 400
    assert LINK_INVALID in replay.text
    [after] = await login_world.accounts(portal)
    assert after.token_version == before.token_version


async def test_a_code_used_once_is_refused_by_hh_with_a_fresh_state(
    login_world: LoginWorld,
) -> None:
    portal = await login_world.portal()
    headers = login_world.session(portal)
    callback = await login_world.at_hh(await login_world.start(headers))
    assert (await login_world.land(callback)).status_code == 200
    fresh_state = state_of(await login_world.start(headers))
    reused = await login_world.land(with_query(callback, state=fresh_state))
    assert reused.status_code == 400
    assert "не принял код входа" in reused.text
    assert len(await login_world.accounts(portal)) == 1


async def test_an_expired_state_is_refused(login_world: LoginWorld) -> None:
    portal = await login_world.portal()
    url = await login_world.start(login_world.session(portal))
    callback = await login_world.at_hh(url)
    login_world.clock.advance(601)  # ten minutes and a second
    page = await login_world.land(callback)
    assert page.status_code == 400
    assert LINK_INVALID in page.text
    await _nothing_stored(login_world, portal)


async def test_a_state_made_for_another_portal_is_refused(login_world: LoginWorld) -> None:
    """Even signed with the right key, a nonce issued to portal A does not link portal B."""
    mine, theirs = await login_world.portal(), await login_world.portal()
    callback = await login_world.at_hh(await login_world.start(login_world.session(mine)))
    signer = StateSigner(login_world.ctx.signing_key(STATE_PURPOSE), login_world.clock)
    claims = signer.verify(state_of(callback))
    for forged in (
        StateClaims(claims.nonce, theirs, claims.user_id),
        StateClaims(claims.nonce, claims.portal_id, claims.user_id + 1),
    ):
        page = await login_world.land(with_query(callback, state=signer.issue(forged)))
        assert page.status_code == 400
        assert LINK_INVALID in page.text
    await _nothing_stored(login_world, mine, theirs)
    assert (await login_world.land(callback)).status_code == 200  # the real one still works


async def test_tampered_or_foreign_signatures_are_refused(login_world: LoginWorld) -> None:
    portal = await login_world.portal()
    headers = login_world.session(portal)
    callback = await login_world.at_hh(await login_world.start(headers))
    state = state_of(callback)
    flipped = state[:-3] + ("A" if state[-3] != "A" else "B") + state[-2:]
    session_token = headers[SESSION_HEADER]  # signed by hhsync, but for the session purpose
    other_key = PurposeSigner(b"k" * 32, STATE_PURPOSE, login_world.clock, 600).dump(
        {"n": "x", "p": portal, "u": 1}
    )
    for bad in (flipped, session_token, other_key, "", "not-a-state", "." * 3000):
        page = await login_world.land(with_query(callback, state=bad))
        assert page.status_code == 400, bad
        assert LINK_INVALID in page.text
    await _nothing_stored(login_world, portal)


@pytest.mark.parametrize(
    "query",
    [
        "",  # nothing at all
        "code=abc",  # no state
        "state=" + "s" * 9000,  # oversized
        "state=a&state=b&code=c",  # repeated
        "code=a&code=b&state=c",
        "state=%ff%fe&code=%00",  # not UTF-8, a NUL
        "error=<script>alert(1)</script>&state=x",
    ],
)
async def test_malformed_callbacks_get_a_clear_400(login_world: LoginWorld, query: str) -> None:
    page = await login_world.app.get(f"/oauth/hh/callback?{query}")
    assert page.status_code == 400
    assert "<script>alert(1)</script>" not in page.text
    assert page.headers["x-frame-options"] == "DENY"


async def test_a_valid_state_without_a_usable_code_is_refused(login_world: LoginWorld) -> None:
    portal = await login_world.portal()
    headers = login_world.session(portal)
    for code in (None, "", "c" * 600):
        state = state_of(await login_world.start(headers))
        query = f"state={state}" if code is None else f"state={state}&code={code}"
        page = await login_world.app.get(f"/oauth/hh/callback?{query}")
        assert page.status_code == 400
    page = await login_world.app.get(
        f"/oauth/hh/callback?state={state_of(await login_world.start(headers))}&code=forged"
    )
    assert page.status_code == 400  # hh.ru: "code not found"
    await _nothing_stored(login_world, portal)


async def test_an_applicant_cannot_log_in_with_force_role(login_world: LoginWorld) -> None:
    """hhsync sends ``role=employer&force_role=true``: hh.ru keeps asking for an employer."""
    portal = await login_world.portal()
    url = await login_world.start(login_world.session(portal))
    browser = login_world.browser()
    try:
        page = await browser.open(url)
        assert isinstance(page, Page)
        refused = await browser.log_in(page, APPLICANT_EMAIL)
    finally:
        await browser.http.aclose()
    assert isinstance(refused, Page)  # no redirect to hhsync at all
    assert refused.status == 400
    assert refused.form("/oauth/authorize/login")
    await _nothing_stored(login_world, portal)


async def test_an_applicant_who_strips_force_role_gets_a_clear_page_and_a_dead_token(
    login_world: LoginWorld,
) -> None:
    """Without ``force_role`` hh.ru lets an applicant through; ``/me`` says ``is_applicant`` and
    has no ``employer``: hhsync stores nothing and kills the pair (``DELETE /token``)."""
    portal = await login_world.portal()
    url = with_query(await login_world.start(login_world.session(portal)), force_role=None)
    await login_world.hh.delete("/_sandbox/requests")
    page = await login_world.land(await login_world.at_hh(url, APPLICANT_EMAIL))
    assert page.status_code == 403
    assert "Нужен аккаунт работодателя" in page.text
    await _nothing_stored(login_world, portal)
    assert ("DELETE", "/token", 204) in await login_world.hh_log()


async def test_an_unconfigured_hh_app_cannot_start_a_login(login_world: LoginWorld) -> None:
    settings = login_world.ctx.settings
    settings = settings.model_copy(update={"hh": settings.hh.model_copy(update={"client_id": ""})})
    ctx = WebContext(
        settings, login_world.ctx.database, login_world.ctx.cipher, login_world.ctx.http
    )
    transport = httpx.ASGITransport(app=Starlette(routes=hh_login_routes(ctx)))
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as app:
        portal = await login_world.portal()
        claims = SessionClaims(portal, "m", 1, True)
        answer = await app.post(
            "/app/api/hh/login", headers={SESSION_HEADER: ctx.sessions.issue(claims)}
        )
    assert answer.status_code == 503
    assert "настроено неверно" in answer.json()["error"]


async def test_too_many_open_logins_are_refused(login_world: LoginWorld) -> None:
    portal = await login_world.portal()
    headers = login_world.session(portal)
    for _ in range(20):
        await login_world.start(headers)
    refused = await login_world.app.post("/app/api/hh/login", headers=headers)
    assert refused.status_code == 429
    assert "Слишком много начатых входов" in refused.json()["error"]
    other_user = await login_world.app.post(
        "/app/api/hh/login", headers=login_world.session(portal, user_id=2)
    )
    assert other_user.status_code == 200
