"""Contract tests: the Bitrix24 client against cassettes of the official documented examples.

Each cassette (built by ``make_cassettes.py`` from Bitrix24's documented examples) holds the
documented response body verbatim and the request in its documented shape. vcrpy replays it with
``record_mode="none"``; the ``json_body`` matcher fails the test when the client sends params of a
different shape, and the assertions fail when the client misreads the documented response.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
import structlog
import vcr
from pydantic import SecretStr
from vcr.request import Request as VcrRequest

from hhsync.bitrix.auth import OAuthApp, PortalTokens
from hhsync.bitrix.batch import Command, CommandFailed, CommandNotRun, CommandResult
from hhsync.bitrix.client import BitrixClient, make_http_client, portal_client
from hhsync.bitrix.errors import (
    MethodAwaitingConfirmation,
    NotFound,
    OutcomeUnknown,
    PermissionDenied,
    PortalUnavailable,
    RecordRejected,
    TokenRejected,
)
from hhsync.bitrix.limiter import PortalLimiter
from hhsync.bitrix.models import ActivityLayout, FileUpload, UserFieldSpec
from hhsync.bitrix.rest import RetryPolicy
from hhsync.clock import FrozenClock

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes" / "bitrix"
ACCESS = "test-access-token-0123456789abcdef"
REFRESH = "test-refresh-token-0123456789abcdef"
# Form fields compared in OAuth requests; secrets differ between cassette and test on purpose.
_OAUTH_COMPARED = ("grant_type", "client_id")


def _json_body(r1: VcrRequest, r2: VcrRequest) -> None:
    """Same JSON params (key order ignored); for form bodies, the non-secret fields."""
    b1, b2 = r1.body or b"", r2.body or b""
    b1 = b1.decode() if isinstance(b1, bytes) else b1
    b2 = b2.decode() if isinstance(b2, bytes) else b2
    if "oauth/token" in r1.path or "oauth/token" in r2.path:
        f1, f2 = dict(parse_qsl(b1)), dict(parse_qsl(b2))
        assert {k: f1.get(k) for k in _OAUTH_COMPARED} == {k: f2.get(k) for k in _OAUTH_COMPARED}
        return
    try:
        p1, p2 = json.loads(b1 or "{}"), json.loads(b2 or "{}")
    except ValueError as exc:
        raise AssertionError(f"not JSON: {b1!r} / {b2!r}") from exc
    assert p1 == p2


_VCR = vcr.VCR(
    cassette_library_dir=str(CASSETTES),
    record_mode="none",
    match_on=["method", "scheme", "host", "path", "json_body"],
    filter_query_parameters=["auth"],
    filter_post_data_parameters=["client_secret", "refresh_token"],
    decode_compressed_response=True,
)
_VCR.register_matcher("json_body", _json_body)


class Harness:
    """A client wired like production, on a frozen clock whose sleeps just move time on."""

    def __init__(self, client: BitrixClient, clock: FrozenClock, saved: list[PortalTokens]):
        self.client = client
        self.clock = clock
        self.saved = saved


@pytest.fixture
async def harness() -> AsyncIterator[Harness]:
    clock = FrozenClock()

    async def sleep(seconds: float) -> None:
        clock.advance(seconds)

    saved: list[PortalTokens] = []

    async def persist(tokens: PortalTokens) -> None:
        saved.append(tokens)

    async with make_http_client() as http:
        client = portal_client(
            http,
            PortalTokens(
                SecretStr(ACCESS),
                SecretStr(REFRESH),
                "https://portal.bitrix24.com/rest/",
                "a223c6b3710f85df22e9377d6c4f7553",
            ),
            OAuthApp(
                "local.test.app",
                SecretStr("test-client-secret"),
                "https://oauth.bitrix.info/oauth/token/",
            ),
            persist,
            PortalLimiter(clock=clock, sleep=sleep),
            RetryPolicy(sleep=sleep),
        )
        yield Harness(client, clock, saved)


@contextmanager
def cassette(name: str) -> Iterator[Any]:
    """Replay one cassette and insist that every recorded exchange was used."""
    with _VCR.use_cassette(f"{name}.yaml") as cass:
        yield cass
    assert cass.all_played, f"{name}: not every documented exchange was requested"


# --- app and users -----------------------------------------------------------------------------


async def test_app_info_reads_installed_and_license(harness: Harness) -> None:
    with cassette("app.info"):
        info = await harness.client.app_info()
    assert info.INSTALLED is True
    assert info.LICENSE == "de_ent10000"
    assert info.PAYMENT_EXPIRED is False


async def test_app_info_without_app_context_is_permission_denied(harness: Harness) -> None:
    with cassette("app.info.error.no-app-context"), pytest.raises(PermissionDenied) as err:
        await harness.client.app_info()
    assert err.value.code == "ACCESS_DENIED"
    assert "Application context required" in str(err.value)


async def test_user_current_and_admin(harness: Harness) -> None:
    with cassette("user.current"):
        user = await harness.client.user_current()
    assert (user.ID, user.NAME, user.UF_DEPARTMENT) == (3, "John", [1])
    with cassette("user.admin"):
        assert await harness.client.user_admin() is True


async def test_user_get_filters_active_and_reads_all(harness: Harness) -> None:
    with cassette("user.get"):
        users = await harness.client.user_get()
    assert [u.ID for u in users] == [1, 3]
    assert all(u.ACTIVE for u in users)


# --- leads -------------------------------------------------------------------------------------


async def test_lead_add_sends_multifields_origin_and_file(harness: Harness) -> None:
    fields = {
        "TITLE": "Python developer — Ivan Petrov",
        "NAME": "Ivan",
        "LAST_NAME": "Petrov",
        "SECOND_NAME": "Sergeevich",
        "STATUS_ID": "NEW",
        "SOURCE_ID": "WEB",
        "ASSIGNED_BY_ID": 1,
        "ORIGINATOR_ID": "hhsync",
        "ORIGIN_ID": "negotiation-1234567",
        "PHONE": [{"VALUE": "+79991234567", "VALUE_TYPE": "MOBILE"}],
        "EMAIL": [{"VALUE": "ivan@example.com", "VALUE_TYPE": "WORK"}],
        "ADDRESS_CITY": "Москва",
        "UF_CRM_HH_RESUME": FileUpload.from_bytes("resume.pdf", b"%PDF-1.4\n").model_dump(),
    }
    with cassette("crm.lead.add"):
        assert await harness.client.add("lead", fields) == 3465


async def test_lead_add_access_denied_is_skippable_with_portal_text(harness: Harness) -> None:
    with cassette("crm.lead.add.error.access-denied"), pytest.raises(RecordRejected) as err:
        await harness.client.add("lead", {"TITLE": "x"})
    assert err.value.code == ""
    assert "Access denied." in str(err.value)


async def test_lead_update_and_invalid_id(harness: Harness) -> None:
    with cassette("crm.lead.update"):
        assert (
            await harness.client.update(
                "lead", 123, {"STATUS_ID": "IN_PROCESS", "UF_CRM_HH_STATUS": "interview"}
            )
            is True
        )
    with cassette("crm.lead.update.error.invalid-id"), pytest.raises(RecordRejected) as err:
        await harness.client.update("lead", 0, {"STATUS_ID": "IN_PROCESS"})
    assert "ID is not defined or invalid." in str(err.value)


async def test_lead_get_reads_string_numbers_and_multifields(harness: Harness) -> None:
    with cassette("crm.lead.get"):
        lead = await harness.client.get_lead(123)
    assert (lead.ID, lead.ASSIGNED_BY_ID, lead.STATUS_ID) == (123, 1, "IN_PROCESS")
    assert [(p.VALUE, p.VALUE_TYPE, p.ID) for p in lead.PHONE] == [
        ("+15454777777", "OTHER", "11658")
    ]
    assert lead.EMAIL == []
    assert lead.ORIGIN_ID is None


async def test_lead_get_file_user_fields_give_download_urls(harness: Harness) -> None:
    with cassette("crm.lead.get.file-uf"):
        lead = await harness.client.get_lead(5)
    single = lead.file_field("UF_CRM_LEAD_FILE")
    multiple = lead.file_field("UF_CRM_LEAD_FILES")
    assert [f.id for f in single] == [37375]
    assert [f.id for f in multiple] == [37377]
    assert single[0].downloadUrl is not None
    url = harness.client.absolute_url(single[0].downloadUrl)
    assert url.startswith("https://portal.bitrix24.com/bitrix/components/bitrix/crm.lead.show/")
    assert lead.file_field("UF_CRM_ABSENT") == []


async def test_lead_get_not_found(harness: Harness) -> None:
    with cassette("crm.lead.get.error.not-found"), pytest.raises(NotFound):
        await harness.client.get_lead(999999)


async def test_lead_fields_describe_types(harness: Harness) -> None:
    with cassette("crm.lead.fields"):
        fields = await harness.client.fields("lead")
    assert fields["STATUS_ID"].statusType == "STATUS"
    assert fields["ID"].isReadOnly is True
    assert fields["PHONE"].isMultiple is True


# --- user fields -------------------------------------------------------------------------------


async def test_userfield_add_and_its_error(harness: Harness) -> None:
    spec = UserFieldSpec(
        FIELD_NAME="HH_RESUME", USER_TYPE_ID="file", LABEL="Резюме hh.ru", XML_ID="HH_RESUME"
    )
    assert spec.full_name == "UF_CRM_HH_RESUME"
    with cassette("crm.lead.userfield.add"):
        assert await harness.client.userfield_add("lead", spec) == 6997
    bad = UserFieldSpec(FIELD_NAME="HH_STATUS", USER_TYPE_ID="nonsense", LABEL="x")
    with cassette("crm.lead.userfield.add.error"), pytest.raises(RecordRejected) as err:
        await harness.client.userfield_add("lead", bad)
    assert "USER_TYPE_ID" in str(err.value)


async def test_userfield_list_reads_string_metadata_and_enumerations(harness: Harness) -> None:
    with cassette("crm.lead.userfield.list"):
        fields = await harness.client.userfield_list("lead", {"LANG": "en"})
    by_name = {f.FIELD_NAME: f for f in fields}
    radio = by_name["UF_CRM_1724077760"]
    assert radio.USER_TYPE_ID == "enumeration"
    assert radio.MULTIPLE is True
    assert radio.LIST is not None
    assert radio.LIST[0].VALUE == "Children's Radio"


# --- deals -------------------------------------------------------------------------------------


DEAL_FIELDS = {
    "TITLE": "Python developer — Ivan Petrov",
    "CATEGORY_ID": 1,
    "STAGE_ID": "C1:NEW",
    "ORIGINATOR_ID": "hhsync",
    "ORIGIN_ID": "negotiation-1234567",
}


async def test_deal_add_update_get(harness: Harness) -> None:
    with cassette("crm.deal.add"):
        assert await harness.client.add("deal", DEAL_FIELDS) == 394
    with cassette("crm.deal.update"):
        assert await harness.client.update("deal", 410, {"STAGE_ID": "PREPARATION"}) is True
    with cassette("crm.deal.get"):
        deal = await harness.client.get_deal(410)
    assert (deal.ID, deal.CATEGORY_ID, deal.STAGE_ID, deal.CONTACT_ID) == (
        410,
        0,
        "PREPARATION",
        84,
    )
    assert deal.user_field("UF_CRM_1721244482250") == "Hello world!"
    assert deal.OPENED is True


async def test_deal_add_error_fields_not_array(harness: Harness) -> None:
    with cassette("crm.deal.add.error.fields-not-array"), pytest.raises(RecordRejected) as err:
        await harness.client.add("deal", {})
    assert "must be array" in str(err.value)


async def test_deal_list_pages_until_no_next(harness: Harness) -> None:
    select = [
        "ID",
        "TITLE",
        "TYPE_ID",
        "CATEGORY_ID",
        "STAGE_ID",
        "OPPORTUNITY",
        "IS_MANUAL_OPPORTUNITY",
        "ASSIGNED_BY_ID",
        "DATE_CREATE",
    ]
    with cassette("crm.deal.list"):
        deals = await harness.client.list_entities("deal", {"CATEGORY_ID": 1}, select)
    assert [d.ID for d in deals] == [37, 38, 39, 40, 41, 42]


async def test_find_by_origin_uses_origin_filter_and_no_count(harness: Harness) -> None:
    with cassette("crm.deal.list.by-origin"):
        ids = await harness.client.find_by_origin("deal", "hhsync", "negotiation-1234567")
    assert ids == [37, 38, 39, 40, 41, 42]


async def test_deal_fields_category_is_immutable(harness: Harness) -> None:
    with cassette("crm.deal.fields"):
        fields = await harness.client.fields("deal")
    assert fields["CATEGORY_ID"].isImmutable is True
    assert fields["STAGE_ID"].statusType == "DEAL_STAGE"


# --- directories -------------------------------------------------------------------------------


async def test_status_list_and_entity_items(harness: Harness) -> None:
    with cassette("crm.status.list"):
        statuses = await harness.client.status_list({"ENTITY_ID": "DEAL_STAGE"})
    assert statuses[0].STATUS_ID == "NEW"
    assert statuses[0].SORT == 10
    assert statuses[0].SYSTEM is True
    with cassette("crm.status.entity.items"):
        items = await harness.client.status_entity_items("DEAL_STAGE")
    assert [i.STATUS_ID for i in items][-3:] == ["WON", "LOSE", "APOLOGY"]


async def test_status_errors_carry_the_text_from_the_error_member(harness: Harness) -> None:
    with cassette("crm.status.list.error"), pytest.raises(RecordRejected) as err:
        await harness.client.status_list({"ENTITY_ID": "DEAL_STAGE"})
    assert "Invalid parameters." in str(err.value)
    with cassette("crm.status.entity.items.error"), pytest.raises(RecordRejected) as err2:
        await harness.client.status_entity_items("")
    assert "entityId" in str(err2.value)


@pytest.mark.parametrize("name", ["crm.category.list", "crm.category.list.real"])
async def test_category_list_includes_the_default_pipeline(harness: Harness, name: str) -> None:
    with cassette(name):
        categories = await harness.client.category_list()
    default = [c for c in categories if c.isDefault]
    assert [c.id for c in default] == [0]
    assert all(c.entityTypeId == 2 for c in categories)


async def test_duplicates_found_empty_and_error(harness: Harness) -> None:
    with cassette("crm.duplicate.findbycomm"):
        found = await harness.client.duplicates_by_comm("PHONE", ["+79991234567"])
    assert found.CONTACT == [275, 2297]
    assert found.LEAD == []
    with cassette("crm.duplicate.findbycomm.empty"):
        none = await harness.client.duplicates_by_comm("EMAIL", ["nobody@example.com"], "LEAD")
    assert (none.LEAD, none.CONTACT, none.COMPANY) == ([], [], [])
    with cassette("crm.duplicate.findbycomm.error"), pytest.raises(RecordRejected) as err:
        await harness.client.duplicates_by_comm("PHONE", ["+79991234567"])
    assert "Communication type is not defined" in str(err.value)


# --- timeline ----------------------------------------------------------------------------------


async def test_todo_add_and_owner_not_found(harness: Harness) -> None:
    with cassette("crm.activity.todo.add"):
        assert (
            await harness.client.activity_todo_add(
                "deal", 410, "2025-02-03T15:00:00", "Call the applicant"
            )
            == 999
        )
    with cassette("crm.activity.todo.add.error"), pytest.raises(NotFound):
        await harness.client.activity_todo_add(
            "deal", 999999, "2025-02-03T15:00:00", "Call the applicant"
        )


async def test_configurable_activity_sends_the_documented_layout(harness: Harness) -> None:
    layout = json.loads(
        (CASSETTES / "crm.activity.configurable.layout.request-example.json").read_text(
            encoding="utf-8"
        )
    )
    with cassette("crm.activity.configurable.add.error"), pytest.raises(NotFound):
        await harness.client.activity_configurable_add("lead", 999999, layout)


async def test_configurable_activity_over_20_blocks_is_refused_unsent(harness: Harness) -> None:
    block = {"type": "text", "properties": {"value": "x"}}
    layout: dict[str, Any] = {
        "icon": {"code": "info"},
        "header": {"title": "Отклик"},
        "body": {"logo": {"code": "info"}, "blocks": {f"b{i}": block for i in range(21)}},
    }
    # No cassette: any HTTP request would fail with CannotOverwriteExistingCassetteException.
    with _VCR.use_cassette("crm.activity.configurable.get.yaml") as cass:
        with pytest.raises(RecordRejected) as err:
            await harness.client.activity_configurable_add("lead", 1, layout)
        assert cass.play_count == 0
    assert err.value.code == "TOO_MANY_ITEMS"
    twenty = {**layout, "body": {**layout["body"], "blocks": {f"b{i}": block for i in range(20)}}}
    assert len(ActivityLayout.model_validate(twenty).body["blocks"]) == 20


async def test_configurable_activity_get(harness: Harness) -> None:
    with cassette("crm.activity.configurable.get"):
        envelope = await harness.client.call(Command("crm.activity.configurable.get", {"id": 8903}))
    assert envelope.result["activity"]["ownerTypeId"] == 1


async def test_timeline_comment_add_uses_lowercase_entity_type(harness: Harness) -> None:
    with cassette("crm.timeline.comment.add"):
        assert await harness.client.timeline_comment_add("deal", 410, "Отклик на вакансию") == 999


# --- batch -------------------------------------------------------------------------------------


CHAIN = {
    "get_user": Command("user.current"),
    "get_department": Command("department.get", {"ID": "$result[get_user][UF_DEPARTMENT]"}),
}


async def test_batch_chains_results_and_reads_each_command(harness: Harness) -> None:
    with cassette("batch"):
        result = await harness.client.batch(CHAIN)
    user = result["get_user"]
    department = result["get_department"]
    assert isinstance(user, CommandResult)
    assert user.result["UF_DEPARTMENT"] == [1]
    assert isinstance(department, CommandResult)
    assert department.total == 1
    assert department.result[0]["NAME"] == "DEMO"


async def test_batch_halt0_reports_every_failure(harness: Harness) -> None:
    with cassette("batch.error.halt0"):
        result = await harness.client.batch(CHAIN)
    assert set(result.errors()) == {"get_user", "get_department"}
    assert all(isinstance(f.error, PermissionDenied) for f in result.errors().values())


async def test_batch_halt1_marks_later_commands_not_run(harness: Harness) -> None:
    with cassette("batch.error.halt1"):
        result = await harness.client.batch(CHAIN, halt=True)
    assert isinstance(result["get_user"], CommandFailed)
    assert isinstance(result["get_department"], CommandNotRun)


# --- auth and error envelopes ------------------------------------------------------------------


async def test_expired_token_refreshes_persists_then_retries(harness: Harness) -> None:
    with structlog.testing.capture_logs() as logs, cassette("error.expired_token.refresh"):
        user = await harness.client.user_current()
    assert user.ID == 3
    assert [t.access_token.get_secret_value() for t in harness.saved] == [
        "ydtj8pho532wydb5ixk78ol7uqlb7sch"
    ]
    assert harness.saved[0].refresh_token.get_secret_value() == "3s6lr4kr3cv2od4v853gvrchb875bwxb"
    assert harness.client.rest.auth.tokens == harness.saved[0]
    text = repr(logs)
    assert ACCESS not in text
    assert "ydtj8pho532wydb5ixk78ol7uqlb7sch" not in text


async def test_refresh_refused_for_payment_is_portal_unavailable(harness: Harness) -> None:
    with cassette("error.expired_token.refresh-payment-required"), pytest.raises(PortalUnavailable):
        await harness.client.user_current()
    assert harness.saved == []


async def test_query_limit_exceeded_is_retried_after_backing_off(harness: Harness) -> None:
    with cassette("error.QUERY_LIMIT_EXCEEDED.then-ok"):
        user = await harness.client.user_current()
    assert user.ID == 3
    assert harness.client.rest.query_limit_responses == 1
    assert harness.clock.monotonic() > 0  # the limiter and the retry waited


async def test_query_limit_exceeded_on_add_is_safe_to_retry(harness: Harness) -> None:
    # The bucket refuses before the method runs (Bitrix24's limits.md), so even an add is resent.
    with cassette("error.QUERY_LIMIT_EXCEEDED.on-add"):
        assert await harness.client.add("deal", DEAL_FIELDS) == 394


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("error.invalid_token", TokenRejected),
        ("error.authorization_error", TokenRejected),
        ("error.METHOD_CONFIRM_WAITING", MethodAwaitingConfirmation),
        ("error.ERROR_OAUTH", PortalUnavailable),
        ("error.APPLICATION_NOT_FOUND", PortalUnavailable),
        ("error.PAYMENT_REQUIRED", PortalUnavailable),
        ("error.insufficient_scope", PermissionDenied),
    ],
)
async def test_error_envelopes_are_classified(
    harness: Harness, name: str, expected: type[Exception]
) -> None:
    with cassette(name), pytest.raises(expected) as err:
        await harness.client.user_current()
    assert not isinstance(err.value, OutcomeUnknown)
    assert harness.saved == []
