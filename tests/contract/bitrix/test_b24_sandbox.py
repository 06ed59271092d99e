"""Contract tests: the Bitrix24 client against the Bitrix24 sandbox over real HTTP.

The sandbox runs at ``SPEED`` times real time (limits keep their ratios); the client's limiter and
retry sleeps run on a :class:`ScaledClock` of the same speed, as a benchmark would configure them.
Every test creates its own portal through the admin API, so tests never share a bucket.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from hhsync.bitrix.auth import OAuthApp, PortalTokens
from hhsync.bitrix.batch import Command, CommandFailed, CommandNotRun, CommandResult, result_ref
from hhsync.bitrix.client import BitrixClient, make_http_client, portal_client
from hhsync.bitrix.commands import entity_add
from hhsync.bitrix.crm_mode import CrmMode
from hhsync.bitrix.errors import (
    NotFound,
    OperationTimeLimit,
    OutcomeUnknown,
    PortalMoved,
    PortalUnavailable,
    RecordRejected,
)
from hhsync.bitrix.limiter import BitrixLimits, PortalLimiter
from hhsync.bitrix.models import FileUpload, UserFieldSpec
from hhsync.bitrix.rest import RetryPolicy
from hhsync.sandbox.bitrix.app import BitrixSandboxConfig, create_app
from hhsync.sandbox.timescale import ScaledClock
from hhsync.testing.server import serve

SPEED = 50.0
FAST_SPEED = 1200.0  # for the 10-minute operating-time window: half a real second
CLIENT_SECRET = BitrixSandboxConfig().client_secret


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    with serve(create_app(BitrixSandboxConfig(speed=SPEED))) as base:
        yield base


@pytest.fixture(scope="module")
def fast_sandbox_url() -> Iterator[str]:
    with serve(create_app(BitrixSandboxConfig(speed=FAST_SPEED))) as base:
        yield base


def admin(base: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """Call the sandbox admin API (not Bitrix24: no bucket, no tokens)."""
    response = httpx.post(f"{base}/_sandbox{path}", json=body or {}, timeout=10)
    response.raise_for_status()
    return response.json()


def admin_get(base: str, path: str) -> Any:
    response = httpx.get(f"{base}/_sandbox{path}", timeout=10)
    response.raise_for_status()
    return response.json()


@dataclass
class Portal:
    """One sandbox portal and a client wired to it."""

    base: str
    info: dict[str, Any]
    client: BitrixClient
    limiter: PortalLimiter
    saved: list[PortalTokens]

    @property
    def domain(self) -> str:
        return str(self.info["domain"])

    def admin(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return admin(self.base, f"/portals/{self.domain}{path}", body)

    def requests(self) -> list[dict[str, Any]]:
        log: list[dict[str, Any]] = admin_get(
            self.base, f"/portals/{self.domain}/requests?limit=5000"
        )
        return log


def scaled_sleep(speed: float) -> Callable[[float], Awaitable[None]]:
    """Sleep for sandbox seconds: the client's waits shrink with the sandbox's time scale."""

    async def sleep(seconds: float) -> None:
        await asyncio.sleep(seconds / speed)

    return sleep


@pytest.fixture
async def portal(sandbox_url: str) -> AsyncIterator[Portal]:
    async with open_portal(sandbox_url) as opened:
        yield opened


@asynccontextmanager
async def open_portal(
    base: str,
    limits: BitrixLimits | None = None,
    plan: dict[str, Any] | None = None,
    speed: float = SPEED,
    timeout_s: float = 10.0,
    retry_total_s: float = 120.0,
    write_timeout_s: float | None = None,
) -> AsyncIterator[Portal]:
    """A new installed portal (optionally with its own plan) and a client for it."""
    info = admin(base, "/portals")
    if plan:
        admin(base, f"/portals/{info['domain']}/plan", plan)
    saved: list[PortalTokens] = []

    async def persist(tokens: PortalTokens) -> None:
        saved.append(tokens)

    limiter = PortalLimiter(limits or BitrixLimits(), ScaledClock(speed), scaled_sleep(speed))
    async with make_http_client(timeout_s=timeout_s) as http:
        client = portal_client(
            http,
            PortalTokens(
                SecretStr(info["access_token"]),
                SecretStr(info["refresh_token"]),
                info["client_endpoint"],
                info["member_id"],
            ),
            OAuthApp(info["client_id"], SecretStr(CLIENT_SECRET), info["token_url"]),
            persist,
            limiter,
            RetryPolicy(total_s=retry_total_s, sleep=scaled_sleep(speed)),
            write_timeout_s=write_timeout_s,
        )
        yield Portal(base, info, client, limiter, saved)


def statuses(portal: Portal, method: str | None = None) -> list[int]:
    return [r["status"] for r in portal.requests() if method is None or r["method"] == method]


# --- tokens ------------------------------------------------------------------------------------


async def test_expired_token_is_refreshed_persisted_and_the_call_retried(portal: Portal) -> None:
    admin(portal.base, "/time/advance", {"seconds": 3601})
    users = await asyncio.gather(*(portal.client.user_current() for _ in range(8)))
    assert {u.ID for u in users} == {1}
    # One refresh for eight concurrent 401s: the sandbox rejects a reused refresh token, so a
    # second refresh would have failed the calls.
    assert len(portal.saved) == 1
    fresh = portal.saved[0]
    assert fresh.access_token.get_secret_value() != portal.info["access_token"]
    assert portal.client.rest.auth.tokens == fresh
    async with httpx.AsyncClient() as http:
        reuse = await http.post(
            portal.info["token_url"],
            data={
                "grant_type": "refresh_token",
                "client_id": portal.info["client_id"],
                "client_secret": CLIENT_SECRET,
                "refresh_token": portal.info["refresh_token"],
            },
        )
    assert reuse.json()["error"] == "invalid_grant"  # the persisted pair is the only live one
    log = statuses(portal, "user.current")
    assert log.count(200) == 8
    # Only the calls already in flight (at most 5) saw the expired token; the rest used the new.
    assert 1 <= log.count(401) <= portal.limiter.limits.in_flight


async def test_uninstalled_app_makes_the_portal_unavailable(portal: Portal) -> None:
    portal.admin("/uninstall")
    with pytest.raises(PortalUnavailable):
        await portal.client.user_current()


async def test_uninstalled_app_with_an_expired_token_is_unavailable_too(portal: Portal) -> None:
    portal.admin("/uninstall")
    admin(portal.base, "/time/advance", {"seconds": 3601})
    with pytest.raises(PortalUnavailable):
        await portal.client.user_current()
    assert portal.saved == []


async def test_renamed_portal_is_reported_moved_without_the_token(portal: Portal) -> None:
    portal.admin("/rename", {"domain": "renamed-" + portal.domain})
    with pytest.raises(PortalMoved) as err:
        await portal.client.user_current()
    assert "renamed-" in err.value.location
    assert portal.info["access_token"] not in str(err.value) + err.value.location


# --- rate limit and operating time -------------------------------------------------------------


@pytest.mark.slow
async def test_1000_calls_at_the_default_plan_see_no_503(sandbox_url: str) -> None:
    async with open_portal(sandbox_url) as portal:
        await _rate_run(portal)


async def _rate_run(portal: Portal) -> None:
    clock = ScaledClock(SPEED)
    calls = 1000

    async def worker(count: int) -> None:
        for _ in range(count):
            await portal.client.user_current()

    started = clock.monotonic()
    await asyncio.gather(*(worker(calls // 8) for _ in range(8)))
    elapsed_s = clock.monotonic() - started
    log = portal.requests()
    refused = sum(1 for r in log if r["status"] == 503)
    stamps = [datetime.fromisoformat(r["at"]) for r in log]
    span_s = (max(stamps) - min(stamps)).total_seconds()
    figure = {
        "calls": calls,
        "503_seen_by_sandbox": refused,
        "503_seen_by_client": portal.client.rest.query_limit_responses,
        "sandbox_seconds": round(elapsed_s, 1),
        "achieved_rate_per_s": round(calls / elapsed_s, 3),
        "achieved_after_burst_per_s": round(
            (calls - portal.limiter.limits.usable_burst) / elapsed_s, 3
        ),
        "allowed": "2 req/s drain, burst 50",
        "log_span_sandbox_s": span_s,
    }
    print("BITRIX_RATE_FIGURE " + json.dumps(figure))
    assert len(log) == calls
    assert refused == 0
    assert portal.client.rest.query_limit_responses == 0
    assert all(r["status"] == 200 for r in log)


async def test_forced_503_bursts_are_retried_until_the_call_succeeds(portal: Portal) -> None:
    portal.admin(
        "/faults",
        {"fault": {"kind": "error", "status": 503, "path_contains": "user.current"}, "times": 3},
    )
    user = await portal.client.user_current()
    assert user.ID == 1
    assert statuses(portal, "user.current") == [503, 503, 503, 200]
    assert portal.limiter.query_limit_hits == 3


async def test_random_503s_over_many_calls_all_recover(portal: Portal) -> None:
    portal.admin("/faults", {"rates": {"error": 0.1}, "rate_status": 503})
    for _ in range(60):
        await portal.client.user_current()
    log = statuses(portal, "user.current")
    assert log.count(200) == 60
    assert log.count(503) == portal.client.rest.query_limit_responses


async def test_a_stricter_real_bucket_costs_one_503_then_the_limiter_keeps_below_it(
    sandbox_url: str,
) -> None:
    # The client believes in the default plan (50); the portal's bucket holds only 5.
    async with open_portal(sandbox_url, plan={"drain_per_s": 2, "burst": 5}) as portal:
        for _ in range(40):
            await portal.client.user_current()
        log = statuses(portal, "user.current")
    assert log.count(200) == 40
    assert 1 <= log.count(503) <= 2


async def test_operation_time_limit_pauses_only_that_method_and_recovers(
    fast_sandbox_url: str,
) -> None:
    plan = {"operating_limit_s": 1.0, "method_costs": {"crm.lead.fields": 0.6}}
    # A budget long enough to sit out the pause (the default hands it back as retry_after).
    async with open_portal(
        fast_sandbox_url, plan=plan, speed=FAST_SPEED, retry_total_s=900.0
    ) as portal:
        for _ in range(3):
            await portal.client.fields("lead")
        assert await portal.client.user_admin() is True
        log = statuses(portal, "crm.lead.fields")
    assert log.count(200) == 3
    assert log.count(429) == 1  # paused after the refusal instead of hammering the method


async def test_operation_time_pause_longer_than_the_retry_budget_goes_back_to_the_caller(
    fast_sandbox_url: str,
) -> None:
    plan = {"operating_limit_s": 1.0, "method_costs": {"crm.lead.fields": 0.6}}
    async with open_portal(fast_sandbox_url, plan=plan, speed=FAST_SPEED) as portal:
        for _ in range(2):
            await portal.client.fields("lead")
        with pytest.raises(OperationTimeLimit) as err:
            await portal.client.fields("lead")
        assert err.value.retry_after_s is not None
        assert err.value.retry_after_s > 120.0  # the caller reschedules the portal instead
        assert statuses(portal, "crm.lead.fields") == [200, 200, 429]


async def test_operating_budget_known_to_the_client_avoids_the_429(
    fast_sandbox_url: str,
) -> None:
    limits = BitrixLimits(operating_budget_s=1.0, headroom=0.0)
    plan = {"operating_limit_s": 1.0, "method_costs": {"crm.lead.fields": 0.6}}
    async with open_portal(fast_sandbox_url, limits=limits, plan=plan, speed=FAST_SPEED) as portal:
        for _ in range(3):
            await portal.client.fields("lead")
        assert statuses(portal, "crm.lead.fields") == [200, 200, 200]


# --- writes, batches, lists ----------------------------------------------------------------------


async def test_add_that_fails_after_writing_is_outcome_unknown_then_adoptable(
    portal: Portal,
) -> None:
    portal.admin(
        "/faults",
        {"fault": {"kind": "error_after_write", "status": 500, "path_contains": "crm.lead.add"}},
    )
    fields = {"TITLE": "Отклик", "ORIGINATOR_ID": "hhsync", "ORIGIN_ID": "neg-42"}
    with pytest.raises(OutcomeUnknown):
        await portal.client.add("lead", fields)
    assert statuses(portal, "crm.lead.add") == [500]  # never resent
    assert len(await portal.client.find_by_origin("lead", "hhsync", "neg-42")) == 1


async def test_add_that_times_out_is_outcome_unknown_and_a_read_is_retried(
    sandbox_url: str,
) -> None:
    async with open_portal(sandbox_url, timeout_s=0.3) as portal:
        for method in ("crm.lead.add", "user.current"):
            portal.admin(
                "/faults", {"fault": {"kind": "timeout", "delay_s": 1.0, "path_contains": method}}
            )
        with pytest.raises(OutcomeUnknown):
            await portal.client.add("lead", {"TITLE": "slow"})
        # A resent add would have run at once (the fault is one-shot) and created the lead.
        assert admin_get(portal.base, f"/portals/{portal.domain}/entities/leads") == []
        # The timed-out read was resent: the first attempt is still held by the sandbox.
        assert (await portal.client.user_current()).ID == 1


async def test_a_write_given_up_by_the_client_scales_its_estimate_to_the_bound_not_60_s(
    sandbox_url: str,
) -> None:
    """bitrix.request_timeout_s ends a write before the portal's 60 s cut-off (limits.md,
    "Request Execution Time Limit"): the add is known to have run for that bound only, so its
    estimate doubles (the least a timeout teaches) instead of growing to 60 s."""
    async with open_portal(sandbox_url, write_timeout_s=0.3) as portal:
        portal.admin(
            "/faults", {"fault": {"kind": "slow", "delay_s": 1.0, "path_contains": "crm.lead.add"}}
        )
        before = portal.limiter.times.estimate("crm.lead.add")
        with pytest.raises(OutcomeUnknown):
            await portal.client.add("lead", {"TITLE": "slow"})
        assert portal.limiter.times.estimate("crm.lead.add") == 2 * before


async def test_garbage_answer_to_a_read_is_retried(portal: Portal) -> None:
    portal.admin("/faults", {"fault": {"kind": "garbage", "path_contains": "user.current"}})
    assert (await portal.client.user_current()).ID == 1
    assert statuses(portal, "user.current") == [200, 200]


async def test_required_field_rejection_names_the_field_and_creates_nothing(
    portal: Portal,
) -> None:
    portal.admin("/required", {"entity": "lead", "field": "NAME"})
    with pytest.raises(RecordRejected) as err:
        await portal.client.add(
            "lead", {"TITLE": "x", "ORIGINATOR_ID": "hhsync", "ORIGIN_ID": "neg-1"}
        )
    assert err.value.fields == ("First Name",)
    assert await portal.client.find_by_origin("lead", "hhsync", "neg-1") == []


async def test_batch_chains_results_and_reports_per_command_errors(portal: Portal) -> None:
    result = await portal.client.batch(
        {
            "add": entity_add(
                "lead", {"TITLE": "Отклик", "ORIGINATOR_ID": "hhsync", "ORIGIN_ID": "neg-7"}
            ),
            "comment": Command(
                "crm.timeline.comment.add",
                {
                    "fields": {
                        "ENTITY_ID": result_ref("add"),
                        "ENTITY_TYPE": "lead",
                        "COMMENT": "Резюме & ссылка",
                    }
                },
            ),
            "missing": Command("crm.lead.get", {"id": 999999}),
            "move": Command(
                "crm.lead.update", {"id": result_ref("add"), "fields": {"STATUS_ID": "IN_PROCESS"}}
            ),
        }
    )
    added = result["add"]
    assert isinstance(added, CommandResult)
    lead_id = int(added.result)
    assert isinstance(result["comment"], CommandResult)
    missing = result["missing"]
    assert isinstance(missing, CommandFailed)
    assert isinstance(missing.error, NotFound)
    assert isinstance(result["move"], CommandResult)  # halt=0: the failure did not stop it
    lead = await portal.client.get_lead(lead_id)
    assert lead.STATUS_ID == "IN_PROCESS"
    comments = admin_get(portal.base, f"/portals/{portal.domain}/entities/comments")
    assert [c["comment"] for c in comments if str(c.get("entity_id")) == str(lead_id)] == [
        "Резюме & ссылка"
    ]
    assert statuses(portal) == [200, 200]  # one request for four commands, then the get


async def test_batch_with_halt_stops_at_the_first_failure(portal: Portal) -> None:
    result = await portal.client.batch(
        {
            "missing": Command("crm.lead.get", {"id": 999999}),
            "never": entity_add("lead", {"TITLE": "must not exist"}),
        },
        halt=True,
    )
    assert isinstance(result["missing"], CommandFailed)
    assert isinstance(result["never"], CommandNotRun)
    assert admin_get(portal.base, f"/portals/{portal.domain}/entities/leads") == []


async def test_lists_page_by_start_and_by_id_cursor(portal: Portal) -> None:
    adds = [
        entity_add("lead", {"TITLE": f"L{i}", "ORIGINATOR_ID": "hhsync", "ORIGIN_ID": f"neg-{i}"})
        for i in range(120)
    ]
    batches = await portal.client.batch_all(adds)
    assert [len(b.results()) for b in batches] == [50, 50, 20]
    listed = await portal.client.list_entities("lead", {"ORIGINATOR_ID": "hhsync"}, ["ID"])
    assert len({e.ID for e in listed}) == 120
    list_pages = [r for r in portal.requests() if r["method"] == "crm.lead.list"]
    assert len(list_pages) == 3  # 50 + 50 + 20, following `next`
    by_id = [
        row
        async for row in portal.client.iter_by_id(
            Command("crm.lead.list", {"filter": {"ORIGINATOR_ID": "hhsync"}, "select": ["ID"]})
        )
    ]
    assert sorted(int(r["ID"]) for r in by_id) == sorted(e.ID for e in listed)


# --- user fields, files, activities ------------------------------------------------------------


async def test_file_user_field_round_trip(portal: Portal) -> None:
    spec = UserFieldSpec(FIELD_NAME="HH_RESUME", USER_TYPE_ID="file", LABEL="Резюме")
    await portal.client.userfield_add("lead", spec)
    names = [f.FIELD_NAME for f in await portal.client.userfield_list("lead")]
    assert "UF_CRM_HH_RESUME" in names
    pdf = b"%PDF-1.4\n% resume of an applicant\n"
    lead_id = await portal.client.add(
        "lead",
        {
            "TITLE": "Отклик",
            "UF_CRM_HH_RESUME": FileUpload.from_bytes("resume.pdf", pdf).model_dump(),
        },
    )
    files = (await portal.client.get_lead(lead_id)).file_field("UF_CRM_HH_RESUME")
    assert len(files) == 1
    assert files[0].downloadUrl is not None
    assert await portal.client.download_file(files[0].downloadUrl) == pdf


async def test_configurable_activity_accepts_20_blocks_and_refuses_21_unsent(
    portal: Portal,
) -> None:
    lead_id = await portal.client.add("lead", {"TITLE": "Отклик"})

    def layout(blocks: int) -> dict[str, Any]:
        return {
            "icon": {"code": "info"},
            "header": {"title": "Отклик"},
            "body": {
                "logo": {"code": "document"},  # a system logo (crm.timeline.logo.list)
                "blocks": {
                    f"b{i}": {"type": "text", "properties": {"value": f"#{i}"}}
                    for i in range(blocks)
                },
            },
        }

    activity_id = await portal.client.activity_configurable_add("lead", lead_id, layout(20))
    assert activity_id > 0
    before = len(portal.requests())
    with pytest.raises(RecordRejected):
        await portal.client.activity_configurable_add("lead", lead_id, layout(21))
    assert len(portal.requests()) == before


async def test_the_crm_mode_is_read(portal: Portal) -> None:
    """b24restdocs crm/crm-settings-mode-get.md: 1 classic, 2 simple."""
    assert await portal.client.crm_mode() is CrmMode.CLASSIC
    portal.admin("/crm-mode", {"mode": 2})
    assert await portal.client.crm_mode() is CrmMode.SIMPLE


async def test_directories_and_users(portal: Portal) -> None:
    categories = await portal.client.category_list()
    assert 0 in {c.id for c in categories}
    stages = await portal.client.status_entity_items("DEAL_STAGE")
    assert stages[0].STATUS_ID == "NEW"
    statuses_ = await portal.client.status_list({"ENTITY_ID": "STATUS"})
    assert "NEW" in {s.STATUS_ID for s in statuses_}
    users = await portal.client.user_get()
    assert all(u.ACTIVE for u in users)
    assert (await portal.client.app_info()).INSTALLED is True


async def test_leads_and_deals_are_found_by_user_field_and_origin(portal: Portal) -> None:
    await portal.client.userfield_add(
        "deal",
        UserFieldSpec(FIELD_NAME="HH_NEGOTIATION_ID", USER_TYPE_ID="string", LABEL="Отклик hh.ru"),
    )
    deal_id = await portal.client.add(
        "deal",
        {
            "TITLE": "Отклик",
            "CATEGORY_ID": 1,
            "ORIGINATOR_ID": "hhsync",
            "ORIGIN_ID": "neg-9",
            "UF_CRM_HH_NEGOTIATION_ID": "neg-9",
        },
    )
    await portal.client.add("deal", {"TITLE": "other", "UF_CRM_HH_NEGOTIATION_ID": "neg-10"})
    found = await portal.client.list_entities("deal", {"UF_CRM_HH_NEGOTIATION_ID": "neg-9"})
    assert [d.ID for d in found] == [deal_id]
    assert await portal.client.find_by_origin("deal", "hhsync", "neg-9") == [deal_id]
    deal = await portal.client.get_deal(deal_id)
    assert deal.CATEGORY_ID == 1
    assert deal.STAGE_ID is not None
    assert deal.STAGE_ID.startswith("C1:")  # the first stage of pipeline 1
    stages = await portal.client.status_entity_items("DEAL_STAGE_1")
    assert await portal.client.update("deal", deal_id, {"STAGE_ID": stages[1].STATUS_ID})
    assert (await portal.client.get_deal(deal_id)).STAGE_ID == stages[1].STATUS_ID


async def test_a_russian_portals_refusal_names_the_field_too(portal: Portal) -> None:
    """A portal answers in its own language (Bitrix24's CRM_ERROR_FIELD_IS_MISSING, ru)."""
    portal.admin("/lang", {"lang": "ru"})
    portal.admin("/required", {"entity": "lead", "field": "NAME"})
    with pytest.raises(RecordRejected) as err:
        await portal.client.add(
            "lead", {"TITLE": "x", "ORIGINATOR_ID": "hhsync", "ORIGIN_ID": "neg-2"}
        )
    assert "Не введено значение обязательного поля" in str(err.value)
    assert err.value.fields == ("First Name",)  # the field's label as the portal keeps it


# --- method time ------------------------------------------------------------------------------

CREATE = ["crm.contact.add", "crm.lead.add", "crm.activity.configurable.add"]


def _leads(portal: Portal, count: int, prefix: str = "n") -> dict[str, Command]:
    return {
        f"l{i}": entity_add(
            "lead", {"TITLE": f"L{i}", "ORIGINATOR_ID": "hhsync", "ORIGIN_ID": f"{prefix}{i}"}
        )
        for i in range(count)
    }


async def test_batches_shrink_to_the_time_the_portal_reports(portal: Portal) -> None:
    """crm-lead-add.md: a create takes 3.3 s on the documented portal; limits.md: a request is
    cut off at 60 s. The client learns each method's seconds from the batch's ``result_time``."""
    assert portal.client.batch_room([CREATE] * 16) == 2  # the cautious prior: 3 x 2.5 s each
    portal.admin("/method_time", {"profile": "documented"})
    result = await portal.client.batch(_leads(portal, 2))
    assert all(isinstance(o, CommandResult) for o in result.outcomes.values())
    assert portal.limiter.times.estimate("crm.lead.add") == pytest.approx(3.3077, abs=0.01)
    assert portal.limiter.budget.operating_s("crm.lead.add") == pytest.approx(6.6154, abs=0.02)
    assert portal.client.batch_room([["crm.lead.add"]] * 50) == 6  # 6 x 3.31 s = 19.8 s


async def test_a_batch_cut_off_at_60_s_is_outcome_unknown_and_the_next_one_smaller(
    portal: Portal,
) -> None:
    """limits.md: a request running past 60 s is interrupted (nginx 504). The creates it finished
    are written, so the batch's outcome is unknown (adopt by ORIGIN_ID, never resend); its
    methods' estimates grow until that batch would have taken 60 s, so the next one fits."""
    portal.admin("/method_time", {"base_s": {"crm.lead.add": 25}})
    before = portal.client.batch_room([["crm.lead.add"]] * 50)
    with pytest.raises(OutcomeUnknown):
        await portal.client.batch(_leads(portal, 4))
    written = admin_get(portal.base, f"/portals/{portal.domain}/entities/lead")
    assert sorted(lead["ORIGIN_ID"] for lead in written) == ["n0", "n1"]
    assert statuses(portal, "batch") == [504]  # sent once, never again
    assert portal.client.batch_room([["crm.lead.add"]] * 50) < before // 2
    await portal.client.batch(_leads(portal, portal.client.batch_room([["crm.lead.add"]] * 4)))
    assert statuses(portal, "batch") == [504, 200]


async def test_time_spent_by_others_is_waited_out_from_result_time_not_collected_as_429(
    fast_sandbox_url: str,
) -> None:
    """limits.md (Resource Intensity Limits): each batch command's ``result_time`` carries its
    method's ``operating`` and ``operating_reset_at``; past the (paced) budget the client waits
    for that reset instead of calling into 429 OPERATION_TIME_LIMIT."""
    async with open_portal(fast_sandbox_url, speed=FAST_SPEED) as portal:
        portal.admin("/method_time", {"profile": "documented", "busy_s": {"crm.lead.add": 470}})
        first = await portal.client.batch(_leads(portal, 1))
        second = await portal.client.batch(_leads(portal, 1, prefix="m"))
        log = statuses(portal, "batch")
    first_time, second_time = first["l0"], second["l0"]
    assert isinstance(first_time, CommandResult)
    assert isinstance(second_time, CommandResult)
    assert first_time.time is not None
    assert second_time.time is not None
    assert first_time.time["operating"] > 470
    assert log == [200, 200]
    assert second_time.time["start"] >= first_time.time["operating_reset_at"]
    assert second_time.time["operating"] < 10
