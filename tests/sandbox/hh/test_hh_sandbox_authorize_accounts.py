"""The sandbox's ``/oauth/authorize`` with several accounts and roles, and password changes.

Sources: hh.ru OpenAPI spec, "Запрос авторизации под другим пользователем" (``force_login``,
``skip_choose_account``, ``role``, ``force_role``), ``MeApplicantProfile``, and the
``invalid_grant`` descriptions "token deactivated" and "code was revoke"; hhru/api
docs/authorization_for_user.md.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from authorize_testkit import (
    APPLICANT_EMAIL,
    answer_of,
    authorize_url,
    exchange,
    page_at,
)
from hh_sandbox_testkit import ADMIN_EMAIL, ADMIN_ID, MANAGER_EMAIL, MANAGER_ID, bearer

from hhsync.testing.hh_browser import HhBrowser
from hhsync.testing.html_page import Page

# --- another account, skip_choose_account, force_login -----------------------------------------


async def test_a_logged_in_user_sees_the_consent_page_and_can_switch(
    client: httpx.AsyncClient,
) -> None:
    """Spec: the user "будет предложена возможность продолжить работу под текущим аккаунтом, либо
    зайти под другим"; ``force_login=true`` always shows the login form."""
    browser = HhBrowser(client)
    await browser.authorize(authorize_url(), ADMIN_EMAIL)
    again = await page_at(browser, authorize_url())
    assert "Продолжить работу" in again.text
    assert "force_login=true" in again.text
    forced = await page_at(browser, authorize_url(force_login="true"))
    consent = await browser.log_in(forced, MANAGER_EMAIL)
    assert isinstance(consent, Page)
    code = answer_of(await browser.decide(consent))["code"][0]
    me = await client.get("/me", headers=bearer((await exchange(client, code)).json()))
    assert me.json()["manager"]["id"] == MANAGER_ID


async def test_skip_choose_account_redirects_at_once_after_a_grant(
    client: httpx.AsyncClient,
) -> None:
    """Spec: with ``skip_choose_account=true`` "автоматически выдаётся доступ пользователю
    авторизованному на сайте" once access was granted before."""
    browser = HhBrowser(client)
    first = await browser.log_in(
        await page_at(browser, authorize_url(skip_choose_account="true")), ADMIN_EMAIL
    )
    assert isinstance(first, Page)
    assert first.form("/oauth/authorize")  # never granted: asked once
    await browser.decide(first)
    at_once = await browser.open(authorize_url(skip_choose_account="true", state="s-2"))
    assert isinstance(at_once, httpx.Response)
    assert answer_of(at_once)["state"] == ["s-2"]


# --- role and force_role -----------------------------------------------------------------------


async def test_force_role_employer_keeps_an_applicant_out(client: httpx.AsyncClient) -> None:
    """Spec: with ``role=employer&force_role=true`` an applicant is shown "форма авторизации на
    сайте с просьбой авторизации как employer"; an applicant's login does not pass it."""
    browser = HhBrowser(client)
    url = authorize_url(role="employer", force_role="true")
    page = await page_at(browser, url)
    assert "войдите как работодатель" in page.text
    refused = await browser.log_in(page, APPLICANT_EMAIL)
    assert isinstance(refused, Page)
    assert refused.status == 400
    assert "другой роли" in refused.text
    assert refused.form("/oauth/authorize/login")
    answer = answer_of(await browser.authorize(url, ADMIN_EMAIL))
    assert answer["code"]


async def test_force_role_asks_a_logged_in_applicant_to_log_in_as_employer(
    client: httpx.AsyncClient,
) -> None:
    browser = HhBrowser(client)
    await browser.authorize(authorize_url(), APPLICANT_EMAIL)  # logged in as an applicant
    page = await page_at(browser, authorize_url(role="employer", force_role="true"))
    assert page.form("/oauth/authorize/login")
    assert "войдите как работодатель" in page.text


async def test_role_alone_lets_an_applicant_through_and_me_says_so(
    client: httpx.AsyncClient, spec: Any
) -> None:
    """The docs give ``role`` effect only with ``force_role``: the app learns the role from
    ``/me`` (spec ``MeApplicantProfile``: ``is_applicant``, no employer, no manager)."""
    redirect = await HhBrowser(client).authorize(authorize_url(role="employer"), APPLICANT_EMAIL)
    pair = (await exchange(client, answer_of(redirect)["code"][0])).json()
    me = (await client.get("/me", headers=bearer(pair))).json()
    spec.check(me, "MeApplicantProfile")
    assert (me["is_applicant"], me["is_employer"], me["employer"], me["manager"]) == (
        True,
        False,
        None,
        None,
    )
    employer_only = await client.get("/employers/1455/vacancies/active", headers=bearer(pair))
    assert employer_only.status_code == 403
    assert employer_only.json()["errors"] == [{"type": "forbidden"}]
    assert (await client.delete("/token", headers=bearer(pair))).status_code == 204


# --- password change ---------------------------------------------------------------------------


async def test_a_password_change_ends_tokens_codes_and_the_login(
    client: httpx.AsyncClient, tokens: Any, frozen: Any
) -> None:
    """Spec ``invalid_grant``: "token deactivated" after the user "сменил пароль", "code was
    revoke" for a code issued before. The browser is logged out (the sandbox's choice)."""
    browser = HhBrowser(client)
    pair = (
        await exchange(
            client, answer_of(await browser.authorize(authorize_url(), ADMIN_EMAIL))["code"][0]
        )
    ).json()
    admin_pair, other = await tokens(ADMIN_ID), await tokens(MANAGER_ID)
    unused = answer_of(await browser.authorize(authorize_url(), ADMIN_EMAIL))["code"][0]

    changed = await client.post(
        f"/_sandbox/managers/{ADMIN_ID}/password", json={"password": "n3w-секрет"}
    )
    assert changed.json() == {"email": ADMIN_EMAIL, "tokens_revoked": 2}

    for dead in (pair, admin_pair):
        answer = await client.get("/me", headers=bearer(dead))
        assert answer.json()["errors"] == [{"type": "oauth", "value": "token_revoked"}]
    assert (await client.get("/me", headers=bearer(other))).status_code == 200
    assert (await exchange(client, unused)).json() == {
        "error": "invalid_grant",
        "error_description": "code was revoke",
    }
    frozen.advance(14 * 24 * 3600 + 1)
    refreshed = await client.post(
        "/token", data={"grant_type": "refresh_token", "refresh_token": pair["refresh_token"]}
    )
    assert refreshed.json()["error_description"] == "token deactivated"

    page = await page_at(browser, authorize_url())
    assert page.form("/oauth/authorize/login")  # logged out
    old = await browser.log_in(page, ADMIN_EMAIL)
    assert isinstance(old, Page)
    assert old.status == 400
    assert answer_of(await browser.authorize(authorize_url(), ADMIN_EMAIL, "n3w-секрет"))["code"]


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/_sandbox/managers/1/password", {"password": "x"}, "unknown employer user"),
        ("/_sandbox/applicants/1/password", {"password": "x"}, "unknown applicant user"),
        (f"/_sandbox/managers/{ADMIN_ID}/password", {}, "'password'"),
        (f"/_sandbox/managers/{ADMIN_ID}/password", {"password": ""}, "'password'"),
        (f"/_sandbox/managers/{ADMIN_ID}/password", {"password": 5}, "'password'"),
        (f"/_sandbox/managers/{ADMIN_ID}/password", {"password": "x" * 129}, "'password'"),
    ],
)
async def test_the_password_admin_api_refuses_bad_input(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], message: str
) -> None:
    answer = await client.post(path, json=body)
    assert answer.status_code == 400
    assert message in answer.json()["error"]


async def test_the_state_lists_the_logins(client: httpx.AsyncClient) -> None:
    state = (await client.get("/_sandbox/state")).json()
    assert state["employers"][0]["managers"][0]["email"] == ADMIN_EMAIL
    assert state["applicants"][0]["email"] == APPLICANT_EMAIL
