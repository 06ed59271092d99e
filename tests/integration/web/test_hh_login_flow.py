"""«Войти» from the app page to a linked hh.ru account, against the hh.ru sandbox.

hh.ru's side follows its OpenAPI spec ("Авторизация": authorize parameters, the code exchange
with the same ``redirect_uri``, ``role``/``force_role``, ``error=access_denied``; ``/me`` with
``manager.has_admin_rights``).
"""

from __future__ import annotations

import json
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

from hhsync.db.tables import AccountStatus
from hhsync.web.i18n import translator
from tests.integration.web.login_kit import (
    ADMIN_EMAIL,
    CALLBACK,
    MANAGER_EMAIL,
    OTHER_ADMIN_EMAIL,
    PUBLIC_URL,
    LoginWorld,
    state_of,
)


def notice_of(page: str) -> dict[str, object]:
    """What the popup page posts to the app page."""
    found = re.search(r'data-notice="([^"]*)"', page)
    assert found, page
    notice: dict[str, object] = json.loads(unescape(found.group(1)))
    return notice


async def test_the_authorize_url_asks_hh_for_an_employer_at_our_callback(
    login_world: LoginWorld,
) -> None:
    portal = await login_world.portal()
    url = await login_world.start(login_world.session(portal))
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == login_world.hh_url.rstrip("/")
    assert parts.path == "/oauth/authorize"
    query = parse_qs(parts.query)
    assert {k: v[0] for k, v in query.items() if k != "state"} == {
        "response_type": "code",
        "client_id": "hhsync-demo",
        "redirect_uri": CALLBACK,
        "role": "employer",
        "force_role": "true",
    }
    assert len(state_of(url)) < 400


async def test_the_popup_answers_in_the_app_pages_language(login_world: LoginWorld) -> None:
    portal = await login_world.portal()
    page = await login_world.log_in(login_world.session(portal, language="en"), ADMIN_EMAIL)

    assert page.status_code == 200
    assert '<html lang="en">' in page.text
    assert translator("en")("login.linked_title") in page.text
    assert ">Close</button>" in page.text


async def test_an_admin_manager_logs_in_and_syncing_starts(login_world: LoginWorld) -> None:
    portal = await login_world.portal()
    page = await login_world.log_in(login_world.session(portal), ADMIN_EMAIL)

    assert page.status_code == 200
    assert translator("ru")("login.linked_title") in page.text
    assert "без прав администратора" not in page.text
    # A top-level popup page: never framed, the code in its URL never sent on as a Referer.
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    assert f'data-origin="{PUBLIC_URL}"' in page.text

    [account] = await login_world.accounts(portal)
    assert account.status == AccountStatus.ACTIVE
    assert account.is_admin
    assert account.employer_name in unescape(page.text)
    assert account.manager_name in unescape(page.text)
    assert notice_of(page.text) == {"type": "hhsync:hh-login", "ok": True, "account_id": account.id}
    access = login_world.ctx.cipher.decrypt(account.access_token_enc)
    assert access not in page.text
    me = (await login_world.hh_me(access)).json()
    assert me["manager"]["id"] == account.hh_manager_id


async def test_a_manager_without_admin_rights_is_warned(login_world: LoginWorld) -> None:
    """hh.ru shows such a manager only their own vacancies (spec ``manager.has_admin_rights``)."""
    portal = await login_world.portal()
    page = await login_world.log_in(login_world.session(portal), MANAGER_EMAIL)
    assert page.status_code == 200
    assert "синхронизируются только ваши вакансии" in page.text
    [account] = await login_world.accounts(portal)
    assert not account.is_admin


async def test_refusing_on_hh_links_nothing(login_world: LoginWorld) -> None:
    """«Отказать»: hh.ru redirects with ``error=access_denied`` and the state."""
    portal = await login_world.portal()
    callback = await login_world.at_hh(
        await login_world.start(login_world.session(portal)), allow=False
    )
    assert parse_qs(urlsplit(callback).query)["error"] == ["access_denied"]
    page = await login_world.land(callback)
    assert page.status_code == 200
    assert "Вход отменён" in page.text
    assert notice_of(page.text)["ok"] is False
    assert await login_world.accounts(portal) == []
    again = await login_world.land(callback)  # the state was used up
    assert again.status_code == 400


async def test_several_employer_accounts_per_portal_each_listed_without_tokens(
    login_world: LoginWorld,
) -> None:
    portal = await login_world.portal()
    headers = login_world.session(portal)
    await login_world.log_in(headers, ADMIN_EMAIL)
    await login_world.log_in(headers, OTHER_ADMIN_EMAIL)
    listed = await login_world.app.get("/app/api/hh/accounts", headers=headers)
    assert listed.status_code == 200
    items = listed.json()["accounts"]
    assert len(items) == 2
    assert {item["is_admin"] for item in items} == {True}
    assert len({item["employer_name"] for item in items}) == 2
    assert set(items[0]) == {
        "id",
        "employer_name",
        "manager_name",
        "is_admin",
        "status",
        "needs_reauth",
    }
    for account in await login_world.accounts(portal):
        for secret in (account.access_token_enc, account.refresh_token_enc):
            assert login_world.ctx.cipher.decrypt(secret) not in listed.text
    assert "token" not in listed.text


async def test_the_same_manager_logging_in_again_renews_one_account(
    login_world: LoginWorld,
) -> None:
    portal = await login_world.portal()
    headers = login_world.session(portal)
    await login_world.log_in(headers, ADMIN_EMAIL)
    [first] = await login_world.accounts(portal)
    await login_world.log_in(headers, ADMIN_EMAIL)
    [again] = await login_world.accounts(portal)
    assert again.id == first.id
    assert again.token_version == first.token_version + 1
    fresh = login_world.ctx.cipher.decrypt(again.access_token_enc)
    assert (await login_world.hh_me(fresh)).status_code == 200


async def test_one_manager_may_serve_two_portals(login_world: LoginWorld) -> None:
    first, second = await login_world.portal(), await login_world.portal()
    await login_world.log_in(login_world.session(first), ADMIN_EMAIL)
    await login_world.log_in(login_world.session(second), ADMIN_EMAIL)
    [a] = await login_world.accounts(first)
    [b] = await login_world.accounts(second)
    assert a.id != b.id
    assert a.hh_manager_id == b.hh_manager_id
