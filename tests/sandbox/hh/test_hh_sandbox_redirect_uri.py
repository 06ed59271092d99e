"""``redirect_uri`` at the sandbox's authorize page, compared with the app's registered one.

Source of the rules: hh.ru OpenAPI spec, "Правила формирования специального redirect_uri" (and
the same list in hhru/api docs/authorization_for_user.md); the binding of a code to its redirect
URI: the spec's ``AuthCode`` schema marks ``redirect_uri`` required at ``POST /token``, and the old
doc says the refined one must be sent back. The hostile cases are our stricter reading.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from hh_sandbox_testkit import ADMIN_EMAIL

from hhsync.clock import FrozenClock
from hhsync.sandbox.hh.app import HhSandboxConfig, create_app
from hhsync.sandbox.hh.redirects import redirect_allowed
from hhsync.testing.hh_browser import HhBrowser

SPEC_SAVED = "http://example.com/oauth"  # the spec's example of a saved redirect URI
REGISTERED = "http://127.0.0.1:8080/oauth/hh/callback"  # the sandbox's default


@pytest.mark.parametrize(
    "given",
    [
        "http://example.com/oauth",
        "http://www.example.com/oauth",  # spec: "поддомен (www)"
        "http://www.example.com/oauth/sub/path",  # spec: "уточнение пути"
        "http://example.com/oauth?lang=RU",  # spec: "дополнительный параметр"
        "http://www.example.com/oauth/sub/path?lang=RU",  # spec: "всё вместе"
        "http://EXAMPLE.com/oauth",  # host names do not care about case
    ],
)
def test_the_spec_allows(given: str) -> None:
    assert redirect_allowed(given, SPEC_SAVED)


@pytest.mark.parametrize(
    "given",
    [
        "https://example.com/oauth",  # spec: "различные протоколы"
        "http://wwwexample.com/oauth",  # spec: "различные домены"
        "http://test.example.com/",  # spec: "дополнительный поддомен"
        "http://wwwexample.com/",  # spec: "другой путь"
        "http://example.com/oauths",  # spec: "другой путь"
        "http://example.com:80/oauths",  # spec: "указание изначально отсутствующего порта"
        "http://example.com:80/oauth",  # the port alone is enough to refuse
        "http://www.www.example.com/oauth",  # only one "www." may be added
        "http://example.com/",  # a shorter path is another path
        "http://example.com",
    ],
)
def test_the_spec_refuses(given: str) -> None:
    assert not redirect_allowed(given, SPEC_SAVED)


@pytest.mark.parametrize(
    "given",
    [
        "http://example.com/oauth/../admin",
        "http://example.com/oauth/%2e%2e/admin",
        "http://example.com/oauth/%2F%2Fevil.com",
        "http://example.com@evil.com/oauth",
        "http://evil.com\\@example.com/oauth",
        "http://user:pw@example.com/oauth",
        "http://example.com/oauth#fragment",  # RFC 6749 §3.1.2: no fragment
        "http://example.com/oauth?code=planted",  # would shadow the real code
        "http://example.com/oauth?state=planted",
        "http://example.com/oauth?error=planted",
        "http://example.com/oauth\n",
        "http://example.com/oauth x",
        "http://example.com/oauth%00",
        "javascript:alert(1)//example.com/oauth",
        "//example.com/oauth",
        "http://example.com:abc/oauth",
        "http://[::1/oauth",
        "http://example.com/oauth/" + "a" * 3000,
        "",
    ],
)
def test_hostile_redirects_are_refused(given: str) -> None:
    assert not redirect_allowed(given, SPEC_SAVED)


def test_a_registered_port_must_stay_the_same() -> None:
    assert redirect_allowed("http://127.0.0.1:8080/oauth/hh/callback/x", REGISTERED)
    assert not redirect_allowed("http://127.0.0.1:8081/oauth/hh/callback", REGISTERED)
    assert not redirect_allowed("http://127.0.0.1/oauth/hh/callback", REGISTERED)


def _authorize(**params: str) -> str:
    query = {"response_type": "code", "client_id": "hhsync-demo", "state": "s1", **params}
    return f"/oauth/authorize?{urlencode(query)}"


@pytest.mark.parametrize(
    "given",
    [
        "https://evil.example.com/cb",
        "ftp://127.0.0.1:8080/oauth/hh/callback",
        "http://127.0.0.1:8080/oauth/hh/callbacks",
        "http://127.0.0.1:9999/oauth/hh/callback",
        "http://127.0.0.1:8080/oauth/hh/callback/../../../admin",
    ],
)
async def test_a_bad_redirect_gets_an_error_page_and_nothing_is_sent(
    client: httpx.AsyncClient, given: str
) -> None:
    """hh.ru's error text for it is "bad redirect url" (spec, ``ErrorsCommon...InvalidRequest``)."""
    page = await client.get(_authorize(redirect_uri=given))
    assert page.status_code == 400
    assert "location" not in page.headers
    assert "bad redirect url" in page.text


def _code_of(redirect: httpx.Response) -> str:
    return parse_qs(urlsplit(redirect.headers["location"]).query)["code"][0]


async def _exchange(client: httpx.AsyncClient, code: str, redirect_uri: str | None) -> Any:
    form = {
        "grant_type": "authorization_code",
        "client_id": "hhsync-demo",
        "client_secret": "hhsync-demo-secret",
        "code": code,
    }
    if redirect_uri is not None:
        form["redirect_uri"] = redirect_uri
    return await client.post("/token", data=form)


async def test_a_missing_redirect_uri_means_the_registered_one(client: httpx.AsyncClient) -> None:
    """Spec: "Если не указать, используется из настроек приложения"."""
    redirect = await HhBrowser(client).authorize(_authorize(), ADMIN_EMAIL)
    assert redirect.headers["location"].startswith(f"{REGISTERED}?code=")
    assert (await _exchange(client, _code_of(redirect), REGISTERED)).status_code == 200


async def test_the_code_is_bound_to_the_redirect_uri_it_was_issued_for(
    client: httpx.AsyncClient,
) -> None:
    """Spec ``AuthCode``: ``redirect_uri`` is required at the exchange; it must be the same."""
    refined = f"{REGISTERED}/popup?lang=RU"
    redirect = await HhBrowser(client).authorize(_authorize(redirect_uri=refined), ADMIN_EMAIL)
    assert redirect.headers["location"].startswith(f"{refined}&code=")
    code = _code_of(redirect)
    for other in (REGISTERED, None, f"{REGISTERED}/popup"):
        refused = await _exchange(client, code, other)
        assert refused.status_code == 400
        assert refused.json() == {
            "error": "invalid_request",
            "error_description": "bad redirect url",
        }
    assert (await _exchange(client, code, refined)).status_code == 200


async def test_www_may_be_added_to_the_registered_host(frozen: FrozenClock) -> None:
    config = HhSandboxConfig(
        base_clock=frozen, rate_limit_per_s=0, registered_redirect_uri="https://crm.example.com/cb"
    )
    transport = httpx.ASGITransport(app=create_app(config))
    async with httpx.AsyncClient(transport=transport, base_url="http://hh.test") as http:
        given = "https://www.crm.example.com/cb"
        redirect = await HhBrowser(http).authorize(_authorize(redirect_uri=given), ADMIN_EMAIL)
        assert redirect.headers["location"].startswith(f"{given}?code=")
        page = await http.get(_authorize(redirect_uri="https://evil.crm.example.com/cb"))
        assert page.status_code == 400
