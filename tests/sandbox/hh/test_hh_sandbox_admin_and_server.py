"""The admin API's contract (JSON in and out, clear 400s, request log) and the sandbox served over
real HTTP: the browser login and consent flow, a client timeout, unknown paths."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from hh_sandbox_testkit import ADMIN_EMAIL, ADMIN_ID, UA, bearer

from hhsync.clock import FrozenClock
from hhsync.sandbox.hh.app import HhSandboxConfig, create_app
from hhsync.testing.hh_browser import HhBrowser
from hhsync.testing.server import serve


@pytest.mark.parametrize(
    ("method", "path", "body", "message"),
    [
        ("POST", "/_sandbox/negotiations", {"vacancy_id": "1"}, "unknown vacancy_id"),
        ("POST", "/_sandbox/negotiations", {}, "'vacancy_id' is required"),
        ("POST", "/_sandbox/negotiations", {"vacancy_id": "90000000", "kind": "hug"}, "'kind'"),
        (
            "POST",
            "/_sandbox/negotiations/1/state",
            {"employer_state": "hired"},
            "unknown negotiation",
        ),
        ("POST", "/_sandbox/tokens", {"manager_id": "nobody"}, "unknown manager"),
        ("POST", "/_sandbox/clock/advance", {"seconds": -5}, "non-negative"),
        ("POST", "/_sandbox/limits", {"speed": 3}, "unknown limit"),
        ("POST", "/_sandbox/employers/1/password_changed", {}, "unknown employer"),
    ],
)
async def test_admin_answers_bad_input_with_400(
    client: httpx.AsyncClient, method: str, path: str, body: dict[str, Any], message: str
) -> None:
    answer = await client.request(method, path, json=body)
    assert answer.status_code == 400
    assert message in answer.json()["error"]


async def test_admin_refuses_invalid_json(client: httpx.AsyncClient) -> None:
    answer = await client.post(
        "/_sandbox/tokens", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400
    assert "not valid JSON" in answer.json()["error"]


async def test_admin_moves_a_negotiation_and_logs_requests(
    client: httpx.AsyncClient,
    tokens: Any,
) -> None:
    headers = bearer(await tokens(ADMIN_ID))
    added = (await client.post("/_sandbox/negotiations", json={"vacancy_id": "90000000"})).json()
    moved = await client.post(
        f"/_sandbox/negotiations/{added['id']}/state", json={"employer_state": "offer"}
    )
    assert moved.json()["employer_state"] == "offer"
    await client.delete("/_sandbox/requests")
    await client.get(f"/negotiations/{added['id']}", headers=headers)
    await client.get("/negotiations/1", headers=headers)
    log = (await client.get("/_sandbox/requests")).json()["items"]
    assert [(r["method"], r["path"], r["status"], r["manager_id"]) for r in log] == [
        ("GET", f"/negotiations/{added['id']}", 200, ADMIN_ID),
        ("GET", "/negotiations/1", 404, ADMIN_ID),
    ]


async def test_admin_state_lists_managers_for_the_demo(client: httpx.AsyncClient) -> None:
    state = (await client.get("/_sandbox/state")).json()
    assert len(state["employers"]) == 2
    assert [m["is_admin"] for m in state["employers"][0]["managers"]] == [True, False, False]
    assert state["negotiations"] == sum(v["negotiations"] for v in state["vacancies"])


async def test_unknown_path_is_hh_json_404(client: httpx.AsyncClient) -> None:
    answer = await client.get("/no/such/method")
    assert answer.status_code == 404
    assert answer.json()["errors"] == [{"type": "not_found"}]


@pytest.mark.usefixtures("uvicorn_logging_restored")
async def test_login_consent_flow_and_api_over_real_http(frozen: FrozenClock) -> None:
    """A browser at the real server: the session cookie survives between the login form and the
    consent form, and the code works with the redirect URI it was issued for."""
    config = HhSandboxConfig(base_clock=frozen, registered_redirect_uri="http://localhost:9/cb")
    with serve(create_app(config)) as base:
        async with httpx.AsyncClient(base_url=base, headers=UA) as http:
            redirect_uri = "http://localhost:9/cb/hh?lang=RU"  # a longer path, one more parameter
            query = urlencode(
                {
                    "response_type": "code",
                    "client_id": "hhsync-demo",
                    "state": "abc",
                    "redirect_uri": redirect_uri,
                }
            )
            consent = await HhBrowser(http).authorize(f"/oauth/authorize?{query}", ADMIN_EMAIL)
            assert consent.status_code == 302
            assert consent.headers["location"].startswith(f"{redirect_uri}&code=")
            code = parse_qs(urlsplit(consent.headers["location"]).query)["code"][0]
            pair = (
                await http.post(
                    "/oauth/token",
                    data={
                        "grant_type": "authorization_code",
                        "client_id": "hhsync-demo",
                        "client_secret": "hhsync-demo-secret",
                        "code": code,
                        "redirect_uri": redirect_uri,
                    },
                )
            ).json()
            me = await http.get("/me", headers=bearer(pair))
            assert me.status_code == 200
            assert me.headers["x-request-id"]
            vacancies = (
                await http.get(
                    f"/employers/{me.json()['employer']['id']}/vacancies/active",
                    headers=bearer(pair),
                )
            ).json()
            # URLs in payloads point back at the sandbox, so clients can follow them.
            assert vacancies["items"][0]["url"].startswith(base)


@pytest.mark.usefixtures("uvicorn_logging_restored")
def test_timeout_fault_exceeds_the_client_timeout(frozen: FrozenClock) -> None:
    app = create_app(HhSandboxConfig(base_clock=frozen))
    with serve(app) as base, httpx.Client(base_url=base, headers=UA) as http:
        http.post("/_sandbox/faults", json={"fault": {"kind": "timeout", "delay_s": 0.5}})
        with pytest.raises(httpx.ReadTimeout):
            http.get("/me", timeout=0.1)
