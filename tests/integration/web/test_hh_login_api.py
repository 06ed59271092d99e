"""Who may call the account block's JSON API: a valid session header (else 401), a portal admin
for logging in and out (else 403), and only this portal's accounts (else 404)."""

from __future__ import annotations

import pytest

from hhsync.web.session import SESSION_HEADER, SESSION_TTL_S, SessionClaims, SessionSigner
from tests.integration.web.login_kit import ADMIN_EMAIL, LoginWorld

CALLS = [
    ("POST", "/app/api/hh/login"),
    ("GET", "/app/api/hh/accounts"),
    ("POST", "/app/api/hh/accounts/1/logout"),
]


@pytest.mark.parametrize(("method", "path"), CALLS)
async def test_no_or_forged_session_is_401(login_world: LoginWorld, method: str, path: str) -> None:
    portal = await login_world.portal()
    valid = login_world.session(portal)[SESSION_HEADER]
    foreign = SessionSigner(b"another-deployment-key-32-bytes!", login_world.clock).issue(
        SessionClaims(portal, "m", 1, True)
    )
    for headers in (
        {},
        {SESSION_HEADER: ""},
        {SESSION_HEADER: "forged"},
        {SESSION_HEADER: valid[:-2] + "xx"},
        {SESSION_HEADER: foreign},
        {SESSION_HEADER: "x" * 10_000},
        {"Cookie": f"session={valid}"},  # the session travels in its header only
    ):
        answer = await login_world.app.request(method, path, headers=headers)
        assert answer.status_code == 401, headers
        assert "Сессия приложения" in answer.json()["error"]


async def test_an_expired_session_is_401(login_world: LoginWorld) -> None:
    portal = await login_world.portal()
    headers = login_world.session(portal)
    login_world.clock.advance(SESSION_TTL_S + 1)
    for method, path in CALLS:
        assert (await login_world.app.request(method, path, headers=headers)).status_code == 401


async def test_a_user_who_is_not_a_portal_admin_may_look_but_not_log_in_or_out(
    login_world: LoginWorld,
) -> None:
    portal = await login_world.portal()
    await login_world.log_in(login_world.session(portal), ADMIN_EMAIL)
    [account] = await login_world.accounts(portal)
    user = login_world.session(portal, user_id=7, admin=False)
    start = await login_world.app.post("/app/api/hh/login", headers=user)
    assert start.status_code == 403
    assert "только администратор" in start.json()["error"]
    out = await login_world.app.post(f"/app/api/hh/accounts/{account.id}/logout", headers=user)
    assert out.status_code == 403
    listed = await login_world.app.get("/app/api/hh/accounts", headers=user)
    assert listed.status_code == 200
    assert [a["id"] for a in listed.json()["accounts"]] == [account.id]
    [still] = await login_world.accounts(portal)
    assert still.status == "active"


async def test_another_portals_account_is_not_found(login_world: LoginWorld) -> None:
    mine, theirs = await login_world.portal(), await login_world.portal()
    await login_world.log_in(login_world.session(theirs), ADMIN_EMAIL)
    [their_account] = await login_world.accounts(theirs)
    headers = login_world.session(mine)
    for raw in (str(their_account.id), "0", "-1", "abc", "1e3", "9" * 40, "%00"):
        answer = await login_world.app.post(f"/app/api/hh/accounts/{raw}/logout", headers=headers)
        assert answer.status_code == 404, raw
    listed = await login_world.app.get("/app/api/hh/accounts", headers=headers)
    assert listed.json() == {"accounts": []}
    [untouched] = await login_world.accounts(theirs)
    assert untouched.status == "active"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/app/api/hh/login"),
        ("PUT", "/app/api/hh/accounts"),
        ("GET", "/app/api/hh/accounts/1/logout"),
        ("POST", "/oauth/hh/callback"),
    ],
)
async def test_wrong_methods_are_405(login_world: LoginWorld, method: str, path: str) -> None:
    portal = await login_world.portal()
    answer = await login_world.app.request(method, path, headers=login_world.session(portal))
    assert answer.status_code == 405
