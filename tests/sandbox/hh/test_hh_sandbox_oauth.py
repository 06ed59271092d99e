"""OAuth of the hh.ru sandbox: consent page, code exchange, expiry, single-use refresh, revocation.

Error bodies are compared with the ones observed on hh.ru (``hh_examples/observed.*``).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from hh_sandbox_testkit import ADMIN_EMAIL, ADMIN_ID, MANAGER_ID, bearer

from hhsync.clock import FrozenClock
from hhsync.sandbox.hh.app import HhSandboxConfig, create_app
from hhsync.testing.hh_browser import HhBrowser

REDIRECT = "http://127.0.0.1:8080/oauth/hh/callback"  # the sandbox app's registered redirect URI
FOURTEEN_DAYS_S = 1_209_600


async def consent(
    client: httpx.AsyncClient, email: str = ADMIN_EMAIL, allow: bool = True, **extra: str
) -> httpx.Response:
    """Log in as ``email`` on the authorize page and answer the consent form."""
    params = {
        "response_type": "code",
        "client_id": "hhsync-demo",
        "state": "s-42",
        "redirect_uri": REDIRECT,
        **extra,
    }
    return await HhBrowser(client).authorize(
        f"/oauth/authorize?{urlencode(params)}", email, allow=allow
    )


async def login(client: httpx.AsyncClient, email: str = ADMIN_EMAIL) -> dict[str, Any]:
    """The whole authorization-code flow; returns the token JSON."""
    redirect = await consent(client, email)
    code = parse_qs(urlsplit(redirect.headers["location"]).query)["code"][0]
    answer = await client.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "client_id": "hhsync-demo",
            "client_secret": "hhsync-demo-secret",
            "code": code,
            "redirect_uri": REDIRECT,
        },
    )
    assert answer.status_code == 200, answer.text
    pair: dict[str, Any] = answer.json()
    return pair


async def refresh(
    client: httpx.AsyncClient, refresh_token: str, path: str = "/token"
) -> httpx.Response:
    """A refresh_token grant."""
    return await client.post(
        path, data={"grant_type": "refresh_token", "refresh_token": refresh_token}
    )


async def test_consent_redirects_with_code_and_state(client: httpx.AsyncClient) -> None:
    redirect = await consent(client)
    assert redirect.status_code == 302
    location = urlsplit(redirect.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == ["s-42"]
    assert query["code"][0]


async def test_refusal_redirects_with_access_denied(client: httpx.AsyncClient) -> None:
    redirect = await consent(client, allow=False)
    query = parse_qs(urlsplit(redirect.headers["location"]).query)
    assert query == {"error": ["access_denied"], "state": ["s-42"]}


async def test_code_exchange_gives_a_fourteen_day_pair(
    client: httpx.AsyncClient, example: Callable[[str], Any]
) -> None:
    pair = await login(client)
    assert set(pair) == set(example("token.user.response.json"))
    assert pair["token_type"] == "bearer"
    assert pair["expires_in"] == FOURTEEN_DAYS_S
    me = await client.get("/me", headers=bearer(pair))
    assert me.json()["manager"]["id"] == ADMIN_ID


async def _code(client: httpx.AsyncClient, **extra: str) -> str:
    redirect = await consent(client, **extra)
    return parse_qs(urlsplit(redirect.headers["location"]).query)["code"][0]


def _exchange_form(issued: str, **override: str) -> dict[str, str]:
    return {
        "grant_type": "authorization_code",
        "client_id": "hhsync-demo",
        "client_secret": "hhsync-demo-secret",
        "code": issued,
        "redirect_uri": REDIRECT,
        **override,
    }


async def test_code_is_single_use(client: httpx.AsyncClient) -> None:
    code = await _code(client)
    assert (await client.post("/token", data=_exchange_form(code))).status_code == 200
    again = await client.post("/token", data=_exchange_form(code))
    assert again.status_code == 400
    assert again.json() == {
        "error": "invalid_grant",
        "error_description": "code has already been used",
    }


async def test_code_expires(client: httpx.AsyncClient, frozen: FrozenClock) -> None:
    code = await _code(client)
    frozen.advance(601)
    answer = await client.post("/token", data=_exchange_form(code))
    assert answer.json() == {"error": "invalid_grant", "error_description": "code expired"}


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        (
            {"client_secret": "wrong"},
            {"error": "invalid_request", "error_description": "account not found"},
        ),
        (
            {"client_id": "someone-else"},
            {
                "error": "invalid_client",
                "error_description": "client_id or client_secret not found",
            },
        ),
        (
            {"redirect_uri": "http://127.0.0.1:8080/oauth/hh/callback/other"},
            {"error": "invalid_request", "error_description": "bad redirect url"},
        ),
        (
            {"code": "no-such-code"},
            {"error": "invalid_request", "error_description": "code not found"},
        ),
    ],
)
async def test_code_exchange_refusals(
    client: httpx.AsyncClient, override: dict[str, str], expected: dict[str, str]
) -> None:
    code = await _code(client)
    answer = await client.post("/token", data=_exchange_form(code, **override))
    assert answer.status_code == 400
    assert answer.json() == expected


async def test_pkce_verifier_must_match(client: httpx.AsyncClient) -> None:
    verifier = "a" * 64
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    extra = {"code_challenge": challenge.rstrip(b"=").decode(), "code_challenge_method": "S256"}
    wrong = await client.post(
        "/token", data=_exchange_form(await _code(client, **extra), code_verifier="b" * 64)
    )
    assert wrong.json() == {"error": "invalid_grant", "error_description": "code verifier mismatch"}
    right = await client.post(
        "/token", data=_exchange_form(await _code(client, **extra), code_verifier=verifier)
    )
    assert right.status_code == 200


async def test_token_endpoint_takes_form_bodies_only(client: httpx.AsyncClient) -> None:
    answer = await client.post("/token", json={"grant_type": "refresh_token", "refresh_token": "x"})
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ({"grant_type": "refresh_token"}, ("invalid_request", "token is empty")),
        (
            {"grant_type": "refresh_token", "refresh_token": "nope"},
            ("invalid_request", "token not found"),
        ),
        ({"grant_type": "password"}, ("unsupported_grant_type", "unsupported grant_type")),
    ],
)
async def test_token_endpoint_bad_requests(
    client: httpx.AsyncClient, form: dict[str, str], expected: tuple[str, str]
) -> None:
    answer = await client.post("/token", data=form)
    assert answer.status_code == 400
    assert (answer.json()["error"], answer.json()["error_description"]) == expected


async def test_refresh_while_access_token_valid_is_refused(
    client: httpx.AsyncClient,
    frozen: FrozenClock,
    example: Callable[[str], Any],
) -> None:
    pair = await login(client)
    frozen.advance(FOURTEEN_DAYS_S - 1)
    answer = await refresh(client, pair["refresh_token"])
    assert answer.status_code == 400
    assert answer.json() == example("observed.token.error.400.invalid_grant.token-not-expired.json")


async def test_access_token_expires_with_hh_403(
    client: httpx.AsyncClient,
    frozen: FrozenClock,
    example: Callable[[str], Any],
) -> None:
    pair = await login(client)
    frozen.advance(FOURTEEN_DAYS_S)
    answer = await client.get("/me", headers=bearer(pair))
    assert answer.status_code == 403  # hh.ru never answers 401
    observed = example("observed.error.403.oauth.token_expired.json")
    assert answer.json()["errors"] == observed["errors"]
    assert answer.json()["oauth_error"] == "token-expired"
    assert answer.json()["request_id"] == answer.headers["x-request-id"]


@pytest.mark.parametrize("path", ["/token", "/oauth/token"])
async def test_refresh_after_expiry_rotates_both_tokens_once(
    client: httpx.AsyncClient,
    frozen: FrozenClock,
    example: Callable[[str], Any],
    path: str,
) -> None:
    pair = await login(client)
    frozen.advance(FOURTEEN_DAYS_S + 5)
    first = await refresh(client, pair["refresh_token"], path)
    assert first.status_code == 200
    new = first.json()
    assert new["access_token"] != pair["access_token"]
    assert new["refresh_token"] != pair["refresh_token"]
    assert (await client.get("/me", headers=bearer(new))).status_code == 200
    second = await refresh(client, pair["refresh_token"], path)
    assert second.status_code == 400
    assert second.json() == example(
        "observed.token.error.400.invalid_grant.token-has-already-been-refreshed.json"
    )


async def test_password_change_kills_every_token_of_that_employer_only(
    client: httpx.AsyncClient,
    tokens: Any,
    frozen: FrozenClock,
    example: Callable[[str], Any],
) -> None:
    admin_pair = await login(client, ADMIN_EMAIL)
    manager_pair = await tokens(MANAGER_ID)
    other_employer = await tokens("87654421")
    changed = await client.post("/_sandbox/employers/1455/password_changed")
    assert changed.json()["tokens_revoked"] == 2
    for pair in (admin_pair, manager_pair):
        answer = await client.get("/me", headers=bearer(pair))
        assert answer.status_code == 403
        assert answer.json()["errors"] == [{"type": "oauth", "value": "token_revoked"}]
    assert (await client.get("/me", headers=bearer(other_employer))).status_code == 200
    frozen.advance(FOURTEEN_DAYS_S + 1)
    dead = await refresh(client, admin_pair["refresh_token"])
    assert dead.json() == example("observed.token.error.400.invalid_grant.token-deactivated.json")


async def test_delete_token_invalidates_the_pair(
    client: httpx.AsyncClient, frozen: FrozenClock
) -> None:
    pair = await login(client)
    assert (await client.delete("/token", headers=bearer(pair))).status_code == 204
    answer = await client.get("/me", headers=bearer(pair))
    assert answer.json()["errors"] == [{"type": "oauth", "value": "token_revoked"}]
    frozen.advance(FOURTEEN_DAYS_S + 1)
    assert (await refresh(client, pair["refresh_token"])).json() == {
        "error": "invalid_grant",
        "error_description": "token was revoked",
    }


@pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Basic abc"])
async def test_bad_authorization(client: httpx.AsyncClient, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    answer = await client.get("/me", headers=headers)
    assert answer.status_code == 403
    assert answer.json()["errors"] == [{"type": "oauth", "value": "bad_authorization"}]


async def test_time_scale_shortens_token_life(frozen: FrozenClock) -> None:
    """At speed 20 a 14-day token lives 14/20 days of real time."""
    app = create_app(HhSandboxConfig(speed=20, base_clock=frozen, rate_limit_per_s=0))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://hh.test", headers={"User-Agent": "hhsync-tests/1.0"}
    ) as client:
        pair = await login(client)
        frozen.advance(FOURTEEN_DAYS_S / 20 - 1)
        assert (await client.get("/me", headers=bearer(pair))).status_code == 200
        frozen.advance(2)
        assert (await client.get("/me", headers=bearer(pair))).json()["errors"][0]["value"] == (
            "token_expired"
        )


async def test_admin_revokes_one_token(client: httpx.AsyncClient, tokens: Any) -> None:
    """Access withdrawn by the user: that pair dies, another pair of the same manager lives."""
    revoked, kept = await tokens(ADMIN_ID), await tokens(ADMIN_ID)
    answer = await client.post(
        "/_sandbox/tokens/revoke", json={"access_token": revoked["access_token"]}
    )
    assert answer.status_code == 200
    dead = await client.get("/me", headers=bearer(revoked))
    assert dead.json()["errors"] == [{"type": "oauth", "value": "token_revoked"}]
    assert dead.json()["oauth_error"] == "token-revoked"
    assert (await client.get("/me", headers=bearer(kept))).status_code == 200
