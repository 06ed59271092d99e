"""Contract: the hh.ru client against cassettes built from hh.ru's documented examples.

Each test replays a cassette (``record_mode="none"``): the client must send the documented request
(method, URL, query, form body, HH-User-Agent, a bearer token where one is due) or vcrpy refuses to
answer, must make every documented request, and must parse the documented answer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import vcr
from hh_cassettes import (
    API,
    CASSETTES,
    EMPLOYER_ID,
    LEGACY_RESUME_ID,
    TOKEN_URL,
    USER_AGENT,
    cassettes,
    example,
    render,
)

from hhsync.clock import FrozenClock
from hhsync.hh.auth import HhAuth, TokenPair, exchange_code
from hhsync.hh.budget import RequestBudget
from hhsync.hh.client import HhClient, RetryPolicy, new_http_client
from hhsync.hh.errors import (
    CaptchaRequired,
    Forbidden,
    PageDepthExceeded,
    PasswordChanged,
    RefreshTokenReused,
    ResumePdfTooLarge,
    TokenRevoked,
)

REFRESH_TOKEN = example("token.request.refresh_token.form.json")["refresh_token"]
NEW_TOKENS = example("token.user.response.json")


def _same_user_agent(real: Any, recorded: Any) -> None:
    assert real.headers.get("HH-User-Agent") == recorded.headers["HH-User-Agent"]
    assert real.headers.get("User-Agent") == recorded.headers["User-Agent"]


def _bearer_when_due(real: Any, recorded: Any) -> None:
    sent = real.headers.get("Authorization", "")
    if "X-Cassette-Bearer" in recorded.headers:
        assert sent.startswith("Bearer "), "bearer token missing"
        assert len(sent) > len("Bearer "), "empty bearer token"
    else:
        assert not sent, "the token endpoint must not get a bearer token"


def _same_body(real: Any, recorded: Any) -> None:
    # vcrpy's own body matcher parses form bodies; an empty body and no body are the same thing.
    if not real.body and not recorded.body:
        return
    assert vcr.matchers.body(real, recorded) is None


cassette_player = vcr.VCR(
    cassette_library_dir=str(CASSETTES),
    record_mode="none",
    match_on=["method", "scheme", "host", "port", "path", "query", "same_body", "ua", "bearer"],
)
# No filter_headers: a filter would also strip the bearer token from the request being matched.
# Cassettes never hold credentials: the builder writes none (test_cassettes_hold_no_credentials).
cassette_player.register_matcher("ua", _same_user_agent)
cassette_player.register_matcher("bearer", _bearer_when_due)
cassette_player.register_matcher("same_body", _same_body)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with new_http_client(base_url=API, user_agent=USER_AGENT) as client:
        yield client


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))


class Vault:
    """A token store: remembers what HhAuth asked it to persist."""

    def __init__(self) -> None:
        self.saved: list[TokenPair] = []

    async def persist(self, pair: TokenPair) -> None:
        self.saved.append(pair)


def _client(http: httpx.AsyncClient, clock: FrozenClock, *, vault: Vault | None = None) -> HhClient:
    async def no_wait(seconds: float) -> None:
        clock.advance(seconds)

    auth = HhAuth(
        TokenPair("documented-access", REFRESH_TOKEN, clock.now() + timedelta(hours=1)),
        token_url=TOKEN_URL,
        user_agent=USER_AGENT,
        persist=(vault or Vault()).persist,
        clock=clock,
    )
    budget = RequestBudget(100, burst=100, clock=clock, sleep=no_wait)
    retry = RetryPolicy(attempts=3, first_wait_s=0.01, max_wait_s=0.01)
    return HhClient(http, auth=auth, budget=budget, account_key="a1", retry=retry, sleep=no_wait)


def test_committed_cassettes_are_what_the_builder_makes() -> None:
    built = {f"{name}.yaml": render(interactions) for name, interactions in cassettes().items()}
    committed = {path.name: path.read_text(encoding="utf-8") for path in CASSETTES.glob("*.yaml")}
    assert committed == built


async def test_me_gives_employer_and_manager_ids(
    http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    with cassette_player.use_cassette("me.yaml") as cassette:
        me = await _client(http, clock).me()
    assert cassette.all_played
    assert me.employer is not None
    assert me.employer.id == EMPLOYER_ID
    assert me.manager is not None
    assert me.manager.id == "87654321"
    assert me.manager.has_admin_rights is True
    assert me.is_employer


async def test_managers(http: httpx.AsyncClient, clock: FrozenClock) -> None:
    with cassette_player.use_cassette("managers.yaml") as cassette:
        managers = await _client(http, clock).managers(EMPLOYER_ID)
    assert cassette.all_played
    assert [(m.id, m.full_name, m.vacancies_count) for m in managers] == [
        ("1507922", "Иванов Иван Иванович", 0)
    ]


async def test_active_vacancies_with_counters(http: httpx.AsyncClient, clock: FrozenClock) -> None:
    with cassette_player.use_cassette("vacancies_active.yaml") as cassette:
        vacancies = await _client(http, clock).active_vacancies(EMPLOYER_ID)
    assert cassette.all_played
    [vacancy] = vacancies
    assert (vacancy.id, vacancy.name, vacancy.archived, vacancy.has_updates) == (
        "8331228",
        "Секретарь",
        False,
        False,
    )
    assert vacancy.counters is not None
    assert (vacancy.counters.responses, vacancy.counters.unread_responses) == (5, 3)
    assert vacancy.counters.invitations == 10
    assert vacancy.manager is not None
    assert vacancy.manager.id == "5032"
    assert vacancy.created_at == datetime(2012, 10, 11, 9, 27, 16, tzinfo=UTC)  # +0400, no colon


async def test_archived_vacancies(http: httpx.AsyncClient, clock: FrozenClock) -> None:
    with cassette_player.use_cassette("vacancies_archived.yaml") as cassette:
        vacancies = await _client(http, clock).archived_vacancies(EMPLOYER_ID)
    assert cassette.all_played
    [vacancy] = vacancies
    assert vacancy.archived
    assert vacancy.archived_at is not None
    assert vacancy.counters is not None
    assert (vacancy.counters.responses, vacancy.counters.unread_responses) == (3, None)


async def test_vacancy_negotiations_walk_every_collection(
    http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    with cassette_player.use_cassette("vacancy_negotiations.yaml") as cassette:
        listing = await _client(http, clock).vacancy_negotiations("123456")
    assert cassette.all_played
    assert listing.truncated_collections == []
    by_id = {n.id: n for n in listing.negotiations}
    assert set(by_id) == {"1359972474", "123456789"}
    current = by_id["1359972474"]
    assert current.employer_state is not None
    assert current.employer_state.id == "response"
    assert current.resume is not None
    assert current.resume.url == "https://api.hh.ru/resumes/0123456789abcdef?topic_id=1359972474"
    assert current.resume.pdf_url is not None
    assert "topic_id=1359972474" in current.resume.pdf_url
    assert {a.id for a in current.actions} >= {"consider", "discard_by_employer"}


async def test_negotiation_item_has_its_vacancy(
    http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    with cassette_player.use_cassette("negotiation_item.yaml") as cassette:
        negotiation = await _client(http, clock).negotiation("123456789")
    assert cassette.all_played
    assert negotiation.vacancy is not None
    assert negotiation.vacancy.name == "Менеджер"
    assert negotiation.state.id == "response"


async def test_resume_contacts_current_form(http: httpx.AsyncClient, clock: FrozenClock) -> None:
    url = example("negotiations.collection-list.response.json")["items"][0]["resume"]["url"]
    with cassette_player.use_cassette("resume.yaml") as cassette:
        resume = await _client(http, clock).resume(url)
    assert cassette.all_played
    contacts = {c.type.id: c.text for c in resume.contact}
    assert contacts["cell"] == "+7 (495) 552-73-67"
    assert contacts["email"] == "my-email@example.com"
    assert contacts["telegram"] == "@nickname"


async def test_resume_contacts_legacy_form(http: httpx.AsyncClient, clock: FrozenClock) -> None:
    with cassette_player.use_cassette("resume_legacy.yaml") as cassette:
        resume = await _client(http, clock).resume(f"{API}/resumes/{LEGACY_RESUME_ID}")
    assert cassette.all_played
    assert [(c.type.id, c.text) for c in resume.contact] == [
        ("cell", "+71234567890"),
        ("email", "applicant@example.com"),
    ]
    assert [field.id for field in resume.hidden_fields] == ["phones"]
    assert resume.pdf_url is not None
    assert resume.pdf_url.startswith("https://hh.ru/")


async def test_resume_pdf_download(http: httpx.AsyncClient, clock: FrozenClock) -> None:
    item = example("negotiations.collection-list.response.json")["items"][0]
    pdf_url = item["resume"]["actions"]["download"]["pdf"]["url"]
    with cassette_player.use_cassette("resume_pdf.yaml") as cassette:
        pdf = await _client(http, clock).resume_pdf(pdf_url)
    assert cassette.all_played
    assert pdf.startswith(b"%PDF-1.4")


async def test_resume_pdf_above_the_cap_is_refused(
    http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    item = example("negotiations.collection-list.response.json")["items"][0]
    pdf_url = item["resume"]["actions"]["download"]["pdf"]["url"]
    with cassette_player.use_cassette("resume_pdf.yaml"), pytest.raises(ResumePdfTooLarge):
        await _client(http, clock).resume_pdf(pdf_url, max_bytes=16)


async def test_change_state_silently_and_with_a_message(
    http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    item = example("negotiations.collection-list.response.json")["items"][0]
    url = next(a["url"] for a in item["actions"] if a["id"] == "consider")
    client = _client(http, clock)
    with cassette_player.use_cassette("change_state.yaml") as cassette:
        await client.change_state(url)
        await client.change_state(url, message="Спасибо за отклик")
    assert cassette.all_played


async def test_code_exchange(http: httpx.AsyncClient, clock: FrozenClock) -> None:
    form = example("token.request.authorization_code.form.json")
    with cassette_player.use_cassette("token_exchange.yaml") as cassette:
        pair = await exchange_code(
            http,
            token_url=TOKEN_URL,
            client_id=form["client_id"],
            client_secret=form["client_secret"],
            code=form["code"],
            redirect_uri=form["redirect_uri"],
            clock=clock,
        )
    assert cassette.all_played
    assert pair.access_token == NEW_TOKENS["access_token"]
    assert pair.refresh_token == NEW_TOKENS["refresh_token"]
    assert pair.expires_at == clock.now() + timedelta(seconds=1209600)


async def test_expired_token_is_refreshed_persisted_then_used(
    http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    vault = Vault()
    client = _client(http, clock, vault=vault)
    with cassette_player.use_cassette("token_refresh.yaml") as cassette:
        me = await client.me()
    assert cassette.all_played  # 403 token_expired, POST /token, the same GET again
    assert me.manager is not None
    assert [(p.access_token, p.refresh_token) for p in vault.saved] == [
        (NEW_TOKENS["access_token"], NEW_TOKENS["refresh_token"])
    ]


async def test_deactivated_token_means_password_changed(
    http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    vault = Vault()
    client = _client(http, clock, vault=vault)
    with cassette_player.use_cassette("token_refresh_password_changed.yaml") as cassette:
        with pytest.raises(PasswordChanged):
            await client.me()
        assert cassette.all_played
        # The account stays dead without asking hh.ru again (the cassette has nothing more).
        with pytest.raises(TokenRevoked):
            await client.me()
    assert vault.saved == []


async def test_reused_refresh_token_needs_reauth(
    http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    with (
        cassette_player.use_cassette("token_refresh_reused.yaml") as cassette,
        pytest.raises(RefreshTokenReused),
    ):
        await _client(http, clock).me()
    assert cassette.all_played


async def test_too_deep_first_page_is_an_error(http: httpx.AsyncClient, clock: FrozenClock) -> None:
    with (
        cassette_player.use_cassette("errors_page_depth.yaml"),
        pytest.raises(PageDepthExceeded) as caught,
    ):
        await _client(http, clock).active_vacancies(EMPLOYER_ID)
    assert caught.value.request_id == "contract-request-id"


async def test_bad_gateway_is_retried(http: httpx.AsyncClient, clock: FrozenClock) -> None:
    with cassette_player.use_cassette("errors_bad_gateway.yaml") as cassette:
        me = await _client(http, clock).me()
    assert cassette.all_played
    assert me.employer is not None


async def test_captcha_is_its_own_forbidden(http: httpx.AsyncClient, clock: FrozenClock) -> None:
    with cassette_player.use_cassette("errors_captcha.yaml"), pytest.raises(CaptchaRequired):
        await _client(http, clock).me()


async def test_documented_manager_account_error_is_forbidden(
    http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    with (
        cassette_player.use_cassette("errors_manager_account.yaml"),
        pytest.raises(Forbidden) as caught,
    ):
        await _client(http, clock).me()
    assert [(e.type, e.value) for e in caught.value.errors] == [
        ("manager_accounts", "used_manager_account_forbidden")
    ]


def test_cassettes_hold_no_credentials() -> None:
    for path in Path(CASSETTES).glob("*.yaml"):
        assert "Authorization" not in path.read_text(encoding="utf-8"), path.name
