"""The sandbox's ``/oauth/authorize``: log in with e-mail and password, then «Разрешить»/«Отказать».

Sources: hh.ru OpenAPI spec, "Авторизация" ("Процесс авторизации": a login form when not logged
in, then the consent form, ``error=access_denied`` with ``state`` on refusal) and hhru/api
docs/authorization_for_user.md. What hh.ru does not describe (the forms' one-time tokens, the
session cookie, the error pages' words) is the sandbox's own, and said so below. Accounts, roles
and password changes: ``test_hh_sandbox_authorize_accounts.py``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from authorize_testkit import (
    APPLICANT_EMAIL,
    REGISTERED,
    another_browser,
    answer_of,
    authorize_url,
    exchange,
    page_at,
)
from hh_sandbox_testkit import ADMIN_EMAIL, MANAGER_EMAIL, MANAGER_ID, bearer

from hhsync.sandbox.hh.authorize_routes import SESSION_COOKIE
from hhsync.sandbox.hh.site import DEMO_PASSWORD
from hhsync.testing.hh_browser import HhBrowser
from hhsync.testing.html_page import Page

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
