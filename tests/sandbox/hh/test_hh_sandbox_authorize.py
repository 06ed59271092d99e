"""The sandbox's ``/oauth/authorize``: log in with e-mail and password, then «Разрешить»/«Отказать».

Sources: hh.ru OpenAPI spec, "Авторизация" ("Процесс авторизации": a login form when not logged
in, then the consent form, ``error=access_denied`` with ``state`` on refusal; "Запрос авторизации
под другим пользователем": ``force_login``, ``skip_choose_account``, ``role``, ``force_role``)
and hhru/api docs/authorization_for_user.md. What hh.ru does not describe (the forms' one-time
tokens, the session cookie, the error pages' words) is the sandbox's own, and said so below.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from hh_sandbox_testkit import ADMIN_EMAIL, ADMIN_ID, MANAGER_EMAIL, MANAGER_ID, bearer

from hhsync.sandbox.hh.authorize_routes import SESSION_COOKIE
from hhsync.sandbox.hh.site import DEMO_PASSWORD
from hhsync.testing.hh_browser import HhBrowser, Page

REGISTERED = "http://127.0.0.1:8080/oauth/hh/callback"
APPLICANT_EMAIL = "applicant60000000@example.com"  # the first generated resume's owner


def authorize_url(**params: str) -> str:
    query = {"response_type": "code", "client_id": "hhsync-demo", "state": "s-1", **params}
    return f"/oauth/authorize?{urlencode(query)}"


async def page_at(browser: HhBrowser, url: str) -> Page:
    landed = await browser.open(url)
    assert isinstance(landed, Page), landed.headers.get("location")
    return landed


def answer_of(redirect: httpx.Response) -> dict[str, list[str]]:
    assert redirect.status_code == 302, redirect.text
    location = urlsplit(redirect.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REGISTERED
    return parse_qs(location.query, keep_blank_values=True)


async def exchange(client: httpx.AsyncClient, code: str) -> httpx.Response:
    return await client.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "client_id": "hhsync-demo",
            "client_secret": "hhsync-demo-secret",
            "code": code,
            "redirect_uri": REGISTERED,
        },
    )


@asynccontextmanager
async def another_browser(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hh.test") as http:
        yield http


# --- the login form ---------------------------------------------------------------------------


async def test_a_visitor_not_logged_in_gets_the_login_form(client: httpx.AsyncClient) -> None:
    """Spec: "Если пользователь не авторизован на сайте, ему будет показана форма авторизации"."""
    page = await page_at(HhBrowser(client), authorize_url())
    assert page.status == 200
    form = page.form("/oauth/authorize/login")
    assert {k for k, _ in form.fields} >= {"email", "password", "form_token", "state"}
    assert form.field("state") == "s-1"
    # The sandbox's own: not framable (a popup, never an iframe), not cached, a safe cookie.
    assert page.response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.response.headers["content-security-policy"]
    assert page.response.headers["cache-control"] == "no-store"
    cookie = page.response.headers["set-cookie"].lower()
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "httponly" in cookie
    assert "samesite=lax" in cookie


@pytest.mark.parametrize(
    ("email", "password"),
    [(ADMIN_EMAIL, "wrong"), ("nobody@example.com", DEMO_PASSWORD), (ADMIN_EMAIL, "")],
)
async def test_wrong_credentials_show_the_form_again(
    client: httpx.AsyncClient, email: str, password: str
) -> None:
    browser = HhBrowser(client)
    again = await browser.log_in(await page_at(browser, authorize_url()), email, password)
    assert isinstance(again, Page)
    assert again.status == 400
    assert "Неверная почта или пароль" in again.text
    assert again.form("/oauth/authorize/login")  # a new form with a new token
    still = await page_at(browser, authorize_url())
    assert still.form("/oauth/authorize/login")  # not logged in


async def test_the_login_is_case_insensitive_and_rotates_the_session(
    client: httpx.AsyncClient,
) -> None:
    browser = HhBrowser(client)
    before = await page_at(browser, authorize_url())
    old_cookie = client.cookies[SESSION_COOKIE]
    consent = await browser.log_in(before, ADMIN_EMAIL.upper())
    assert isinstance(consent, Page)
    assert consent.form("/oauth/authorize")
    assert client.cookies[SESSION_COOKIE] != old_cookie  # no session fixation


async def test_the_login_form_escapes_what_it_echoes(client: httpx.AsyncClient) -> None:
    hostile = '"><script>alert(1)</script>'
    browser = HhBrowser(client)
    page = await page_at(browser, authorize_url(state=hostile))
    assert "<script>alert(1)</script>" not in page.text
    assert page.form("/oauth/authorize/login").field("state") == hostile
    again = await browser.log_in(page, f"{hostile}@example.com", "x")
    assert isinstance(again, Page)
    assert "<script>alert(1)</script>" not in again.text


# --- one-time form tokens (the sandbox's own CSRF defence) ------------------------------------


async def _login_form(client: httpx.AsyncClient) -> tuple[Page, list[tuple[str, str]]]:
    page = await page_at(HhBrowser(client), authorize_url())
    form = page.form("/oauth/authorize/login")
    fields = [(k, v) for k, v in form.fields if k not in ("email", "password")]
    return page, [*fields, ("email", ADMIN_EMAIL), ("password", DEMO_PASSWORD)]


def _with(fields: list[tuple[str, str]], **changes: str) -> dict[str, str]:
    return {**dict(fields), **changes}


async def test_a_login_posted_from_elsewhere_is_refused(
    client: httpx.AsyncClient, app: Any
) -> None:
    """A form with no session cookie, a forged token or another browser's token: 403."""
    _, fields = await _login_form(client)
    async with another_browser(app) as stranger:
        no_cookie = await stranger.post("/oauth/authorize/login", data=dict(fields))
        assert no_cookie.status_code == 403
        assert "Форма устарела" in no_cookie.text
        await stranger.get(authorize_url())  # the stranger has a session of their own
        foreign = await stranger.post("/oauth/authorize/login", data=dict(fields))
        assert foreign.status_code == 403
    forged = await client.post("/oauth/authorize/login", data=_with(fields, form_token="forged"))
    assert forged.status_code == 403
    missing = await client.post(
        "/oauth/authorize/login", data={k: v for k, v in fields if k != "form_token"}
    )
    assert missing.status_code == 403


async def test_a_form_token_works_once(client: httpx.AsyncClient) -> None:
    _, fields = await _login_form(client)
    wrong = await client.post("/oauth/authorize/login", data=_with(fields, password="bad"))
    assert wrong.status_code == 400
    replay = await client.post("/oauth/authorize/login", data=dict(fields))
    assert replay.status_code == 403


async def test_altered_hidden_fields_are_refused(client: httpx.AsyncClient) -> None:
    """The token is bound to the parameters the form was shown with: a changed ``state`` or
    another (still allowed) ``redirect_uri`` does not pass."""
    _, fields = await _login_form(client)
    changed = await client.post("/oauth/authorize/login", data=_with(fields, state="other"))
    assert changed.status_code == 403
    _, fields = await _login_form(client)
    moved = await client.post(
        "/oauth/authorize/login", data=_with(fields, redirect_uri=f"{REGISTERED}/elsewhere")
    )
    assert moved.status_code == 403


async def test_a_login_token_cannot_answer_the_consent_form(client: httpx.AsyncClient) -> None:
    """A logged-in session shown the login form (here: ``force_role`` asks for another role)
    cannot spend that form's token on the consent form."""
    browser = HhBrowser(client)
    await browser.authorize(authorize_url(), APPLICANT_EMAIL)
    page = await page_at(browser, authorize_url(role="employer", force_role="true"))
    fields = {**dict(page.form("/oauth/authorize/login").fields), "decision": "allow"}
    answer = await client.post("/oauth/authorize", data=fields)
    assert answer.status_code == 403
    assert "Форма устарела" in answer.text


@pytest.mark.parametrize(
    ("content", "headers", "status"),
    [
        (b'{"email": "x"}', {"Content-Type": "application/json"}, 400),
        (b"a=" + b"x" * 20_000, {"Content-Type": "application/x-www-form-urlencoded"}, 413),
        (
            "&".join(f"f{i}=1" for i in range(100)).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
            400,
        ),
        (b"email=\xff\xfe", {"Content-Type": "application/x-www-form-urlencoded"}, 400),
        (
            b"email=a&email=b&response_type=code&client_id=hhsync-demo",
            {"Content-Type": "application/x-www-form-urlencoded"},
            400,
        ),
    ],
)
@pytest.mark.parametrize("path", ["/oauth/authorize/login", "/oauth/authorize"])
async def test_malformed_form_bodies_get_a_clear_4xx(
    client: httpx.AsyncClient, content: bytes, headers: dict[str, str], status: int, path: str
) -> None:
    await client.get(authorize_url())
    answer = await client.post(path, content=content, headers=headers)
    assert answer.status_code == status
    assert "Ошибка авторизации" in answer.text


# --- consent -----------------------------------------------------------------------------------


async def test_allow_gives_a_code_for_the_logged_in_manager(client: httpx.AsyncClient) -> None:
    """Spec: "В случае разрешения прав, в редиректе будет указан временный authorization_code"."""
    redirect = await HhBrowser(client).authorize(authorize_url(), MANAGER_EMAIL)
    answer = answer_of(redirect)
    assert answer["state"] == ["s-1"]
    pair = (await exchange(client, answer["code"][0])).json()
    me = await client.get("/me", headers=bearer(pair))
    assert me.json()["manager"]["id"] == MANAGER_ID


async def test_deny_redirects_with_access_denied_and_the_state(client: httpx.AsyncClient) -> None:
    """Spec: "перенаправлен на указанный redirect_uri с ?error=access_denied и state={state}"."""
    redirect = await HhBrowser(client).authorize(authorize_url(), ADMIN_EMAIL, allow=False)
    assert answer_of(redirect) == {"error": ["access_denied"], "state": ["s-1"]}


async def test_without_state_none_comes_back(client: httpx.AsyncClient) -> None:
    """Spec: ``state`` "в случае указания, будет включен в ответный редирект"."""
    url = "/oauth/authorize?" + urlencode({"response_type": "code", "client_id": "hhsync-demo"})
    answer = answer_of(await HhBrowser(client).authorize(url, ADMIN_EMAIL))
    assert set(answer) == {"code"}


@pytest.mark.parametrize(
    "state",
    ["a&b=c#d", "Привет мир", "%41%", "<script>x</script>", " spaced ", "", "x" * 2048],
)
async def test_the_state_comes_back_untouched(client: httpx.AsyncClient, state: str) -> None:
    answer = answer_of(await HhBrowser(client).authorize(authorize_url(state=state), ADMIN_EMAIL))
    assert answer["state"] == [state]


async def test_consent_needs_a_logged_in_session(client: httpx.AsyncClient, app: Any) -> None:
    browser = HhBrowser(client)
    consent = await browser.log_in(await page_at(browser, authorize_url()), ADMIN_EMAIL)
    assert isinstance(consent, Page)
    fields = {**dict(consent.form("/oauth/authorize").fields), "decision": "allow"}
    async with another_browser(app) as stranger:
        answer = await stranger.post("/oauth/authorize", data=fields)
        assert answer.status_code == 403
        assert "location" not in answer.headers
    odd = await client.post("/oauth/authorize", data={**fields, "decision": "maybe"})
    assert odd.status_code == 400


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"client_id": "someone-else"}, "unknown client_id"),
        ({"response_type": "token"}, "response_type must be code"),
        ({"code_challenge": "abc"}, "code_challenge"),
        ({"code_challenge": "abc", "code_challenge_method": "plain"}, "code_challenge"),
        ({"role": "admin"}, "role must be applicant or employer"),
        ({"state": "x" * 2049}, "state is too long"),
    ],
)
async def test_bad_requests_get_an_error_page(
    client: httpx.AsyncClient, params: dict[str, str], message: str
) -> None:
    page = await client.get(authorize_url(**params))
    assert page.status_code == 400
    assert message in page.text
    assert "set-cookie" not in page.headers


async def test_a_repeated_parameter_is_refused(client: httpx.AsyncClient) -> None:
    url = authorize_url() + "&" + urlencode({"redirect_uri": "https://evil.example.com/"})
    url += "&" + urlencode({"redirect_uri": REGISTERED})
    page = await client.get(url)
    assert page.status_code == 400
    assert "redirect_uri is given more than once" in page.text


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
