"""«Выйти»: the pair dies on hh.ru (``DELETE /token``, hh.ru OpenAPI spec ``invalidate-token``),
the account stops being polled and leaves the list; its synced data stays."""

from __future__ import annotations

from hhsync.db import accounts
from hhsync.db.tables import AccountStatus
from tests.integration.web.login_kit import ADMIN_EMAIL, OTHER_ADMIN_EMAIL, LoginWorld

FOURTEEN_DAYS_S = 14 * 24 * 3600


async def _two_accounts(world: LoginWorld) -> tuple[int, dict[str, str]]:
    portal = await world.portal()
    headers = world.session(portal)
    await world.log_in(headers, ADMIN_EMAIL)
    await world.log_in(headers, OTHER_ADMIN_EMAIL)
    return portal, headers


async def test_logout_kills_the_token_and_stops_polling_that_account(
    login_world: LoginWorld,
) -> None:
    portal, headers = await _two_accounts(login_world)
    first, second = await login_world.accounts(portal)
    access = login_world.ctx.cipher.decrypt(first.access_token_enc)

    out = await login_world.app.post(f"/app/api/hh/accounts/{first.id}/logout", headers=headers)

    assert out.status_code == 200
    assert out.json() == {"logged_out": first.id}
    dead = (await login_world.hh_me(access)).json()
    assert dead["errors"] == [{"type": "oauth", "value": "token_revoked"}]
    async with login_world.ctx.database.session() as session:
        active = await accounts.list_accounts(session, portal, AccountStatus.ACTIVE)
        gone = await accounts.get_account(session, portal, first.id or 0)
    assert [a.id for a in active] == [second.id]  # the engine polls only active accounts
    assert gone is not None
    assert gone.status == AccountStatus.LOGGED_OUT
    assert (gone.access_token_enc, gone.refresh_token_enc) == ("", "")
    listed = await login_world.app.get("/app/api/hh/accounts", headers=headers)
    assert [a["id"] for a in listed.json()["accounts"]] == [second.id]
    again = await login_world.app.post(f"/app/api/hh/accounts/{first.id}/logout", headers=headers)
    assert again.status_code == 404


async def test_logout_of_an_account_whose_token_is_already_dead(login_world: LoginWorld) -> None:
    portal, headers = await _two_accounts(login_world)
    first, _ = await login_world.accounts(portal)
    access = login_world.ctx.cipher.decrypt(first.access_token_enc)
    revoked = await login_world.hh.post("/_sandbox/tokens/revoke", json={"access_token": access})
    assert revoked.status_code == 200
    out = await login_world.app.post(f"/app/api/hh/accounts/{first.id}/logout", headers=headers)
    assert out.status_code == 200


async def test_an_expired_access_token_is_refreshed_before_it_is_killed(
    login_world: LoginWorld,
) -> None:
    """hh.ru invalidates only a live access token; the refreshed pair is stored before use."""
    portal, headers = await _two_accounts(login_world)
    first, _ = await login_world.accounts(portal)
    await login_world.hh.post("/_sandbox/clock/advance", json={"seconds": FOURTEEN_DAYS_S + 5})
    login_world.clock.advance(FOURTEEN_DAYS_S + 5)
    headers = login_world.session(portal)  # the page was opened again
    await login_world.hh.delete("/_sandbox/requests")

    out = await login_world.app.post(f"/app/api/hh/accounts/{first.id}/logout", headers=headers)

    assert out.status_code == 200
    log = await login_world.hh_log()
    assert ("POST", "/token", 200) in log
    assert log[-1] == ("DELETE", "/token", 204)


async def test_when_hh_does_not_answer_nothing_changes(login_world: LoginWorld) -> None:
    portal, headers = await _two_accounts(login_world)
    first, _ = await login_world.accounts(portal)
    fault = {"fault": {"kind": "error", "status": 503, "path_contains": "/token"}, "times": 5}
    assert (await login_world.hh.post("/_sandbox/faults", json=fault)).status_code == 200
    try:
        out = await login_world.app.post(f"/app/api/hh/accounts/{first.id}/logout", headers=headers)
    finally:
        await login_world.hh.delete("/_sandbox/faults")
    assert out.status_code == 502
    assert "hh.ru не ответил" in out.json()["error"]
    same, _ = await login_world.accounts(portal)
    assert same.status == AccountStatus.ACTIVE
    assert same.access_token_enc == first.access_token_enc
    access = login_world.ctx.cipher.decrypt(same.access_token_enc)
    assert (await login_world.hh_me(access)).status_code == 200


async def test_a_pair_refreshed_meanwhile_is_not_wiped(login_world: LoginWorld) -> None:
    """Only the pair just killed on hh.ru is wiped: a pass that refreshed it in between left a
    live pair, which must not be forgotten unrevoked (the page presses «Выйти» again)."""
    portal, _ = await _two_accounts(login_world)
    first, _ = await login_world.accounts(portal)
    assert first.id is not None
    now = login_world.clock.now()
    async with login_world.ctx.database.session() as session:
        stale = await accounts.log_out_account(
            session, portal, first.id, first.token_version - 1, now
        )
    assert not stale
    same, _ = await login_world.accounts(portal)
    assert same.status == AccountStatus.ACTIVE
    assert same.access_token_enc == first.access_token_enc
    async with login_world.ctx.database.session() as session:
        assert await accounts.log_out_account(session, portal, first.id, first.token_version, now)
