"""Bitrix24 refusals that wait for a person end the pass at once and lose nothing.

Real PostgreSQL and both sandboxes over HTTP. The Bitrix24 sandbox's blocks answer the documented
codes until lifted (Bitrix24 REST docs: ``_includes/system-errors.md`` for OVERLOAD_LIMIT,
``api-reference/scopes/confirmation.md`` for METHOD_CONFIRM_WAITING, the push-and-pull and
configurable-activity pages for WRONG_AUTH_TYPE / ERROR_WRONG_CONTEXT, ``settings/oauth/
error-codes.md`` for PAYMENT_REQUIRED). Each pass must stop calling the portal on the first such
answer, keep every response it read, and bring them all over exactly once after the person acted.
"""

from __future__ import annotations

from typing import Any

import pytest

from hhsync.db import portals, state
from hhsync.db.tables import PortalStatus, RunStatus
from hhsync.sync.engine import run_pass
from hhsync.testing.world import World
from tests.integration.sync.test_adopt_unrecorded import activities_per_origin, store_portal_anew

pytestmark = pytest.mark.postgres


def block(world: World, code: str, method: str) -> None:
    answer = world.bitrix.post(
        f"/_sandbox/portals/{world.domain}/blocks", json={"code": code, "method": method}
    )
    assert answer.status_code == 200, answer.text


def lift(world: World) -> None:
    world.bitrix.delete(f"/_sandbox/portals/{world.domain}/blocks").raise_for_status()


def requests_refused(world: World, code: str) -> int:
    log: list[dict[str, Any]] = world.bitrix_admin(
        "GET", f"/_sandbox/portals/{world.domain}/requests?limit=1000"
    )
    return sum(1 for entry in log if entry["error"] == code)


def refused_commands(world: World, method: str) -> int:
    """Requests that carried ``method`` (alone or in a batch) while it was refused."""
    log: list[dict[str, Any]] = world.bitrix_admin(
        "GET", f"/_sandbox/portals/{world.domain}/requests?limit=1000"
    )
    return sum(1 for entry in log if method in entry["commands"] or entry["method"] == method)


async def stored(world: World) -> dict[str, int]:
    async with world.ctx.database.session() as session:
        return await state.count_by_status(session, world.portal_id)


def assert_each_response_once(world: World, expected: int) -> None:
    leads = world.entities("lead")
    assert len(leads) == expected
    assert len({lead["ORIGIN_ID"] for lead in leads}) == expected


async def resumed_pass_brings_everything_once(world: World, expected: int) -> None:
    world.clock.advance(3 * world.ctx.settings.sync.retry_base_s)  # the kept rows are due again
    again = await run_pass(world.ctx, world.portal_id)
    assert again.status == RunStatus.OK, again.errors
    assert again.hold_s is None
    assert_each_response_once(world, expected)
    assert (await stored(world))["synced"] == expected


async def test_a_portal_blocked_by_support_is_asked_once_per_pass_and_keeps_the_responses(
    world: World,
) -> None:
    expected = world.hh_negotiations()
    block(world, "OVERLOAD_LIMIT", "batch")  # every write batch of the pass is refused

    report = await run_pass(world.ctx, world.portal_id)

    assert report.status == RunStatus.FAILED
    assert report.hold_s is not None
    assert report.hold_s >= 600  # minutes, not the bucket's second
    assert any("OVERLOAD_LIMIT" in error and "support" in error for error in report.errors)
    assert requests_refused(world, "OVERLOAD_LIMIT") == 1  # no retry, no next batch
    assert world.entities("lead") == []
    counts = await stored(world)
    assert counts["in_flight"] == 0  # refused before it ran: nothing to look up later
    assert counts["synced"] == 0
    assert counts["pending"] + counts["failed"] == expected
    lift(world)
    await resumed_pass_brings_everything_once(world, expected)


async def test_a_method_awaiting_confirmation_is_not_called_again_in_the_pass(world: World) -> None:
    expected = world.hh_negotiations()
    block(world, "METHOD_CONFIRM_WAITING", "crm.lead.add")

    report = await run_pass(world.ctx, world.portal_id)

    assert report.status == RunStatus.FAILED
    assert report.hold_s is not None
    reason = "; ".join(report.errors)
    assert "METHOD_CONFIRM_WAITING" in reason
    assert "crm.lead.add" in reason
    assert "confirm" in reason
    assert refused_commands(world, "crm.lead.add") == 1  # one batch, then the pass stopped
    assert world.entities("lead") == []
    counts = await stored(world)
    assert (counts["in_flight"], counts["synced"]) == (0, 0)
    assert counts["pending"] + counts["failed"] == expected
    lift(world)  # the administrator confirmed the method
    await resumed_pass_brings_everything_once(world, expected)


@pytest.mark.parametrize("code", ["WRONG_AUTH_TYPE", "ERROR_WRONG_CONTEXT"])
async def test_the_wrong_kind_of_auth_is_a_setup_error_that_loses_nothing(
    world: World, code: str
) -> None:
    expected = world.hh_negotiations()
    block(world, code, "crm.lead.add")

    report = await run_pass(world.ctx, world.portal_id)

    assert report.status == RunStatus.FAILED
    reason = "; ".join(report.errors)
    assert code in reason
    assert "wrong kind of authorisation" in reason
    assert report.hold_s is not None
    assert report.hold_s >= 3600  # a setup error: checked again only now and then
    async with world.ctx.database.session() as session:
        portal = await portals.get_portal(session, world.portal_id)
    assert portal is not None
    assert portal.status == PortalStatus.ACTIVE  # not a token problem: nobody must re-login
    counts = await stored(world)
    assert counts["pending"] + counts["failed"] == expected
    lift(world)
    await resumed_pass_brings_everything_once(world, expected)


async def test_an_ended_subscription_pauses_the_portal_and_keeps_the_responses(
    world: World,
) -> None:
    expected = world.hh_negotiations()
    block(world, "PAYMENT_REQUIRED", "batch")

    report = await run_pass(world.ctx, world.portal_id)

    assert report.status == RunStatus.FAILED
    async with world.ctx.database.session() as session:
        portal = await portals.get_portal(session, world.portal_id)
    assert portal is not None
    assert portal.status == PortalStatus.PAUSED
    assert portal.status_reason is not None
    assert "PAYMENT_REQUIRED" in portal.status_reason
    assert requests_refused(world, "PAYMENT_REQUIRED") == 1
    assert world.entities("lead") == []
    counts = await stored(world)
    # kept: the refused batch's rows stay in flight (looked up by origin once it is paid)
    assert counts["synced"] == 0
    assert counts["pending"] + counts["failed"] + counts["in_flight"] == expected
    skipped = await run_pass(world.ctx, world.portal_id)
    assert skipped.skipped is not None
    assert skipped.skipped.startswith("portal is paused")
    assert requests_refused(world, "PAYMENT_REQUIRED") == 1  # a paused portal is not called


RAW_ANSWERS = {
    "nginx_502_page": {
        "status": 502,
        "body": "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
    },
    "empty_500": {"status": 500},
    "garbage_json": {
        "status": 200,
        "body": '{"result": {"result": {"c0": 1',
        "content_type": "application/json",
    },
}


@pytest.mark.parametrize("answer", sorted(RAW_ANSWERS))
async def test_any_answer_to_a_create_that_ran_is_adopted_not_duplicated(
    world: World, answer: str
) -> None:
    """Bitrix24 REST docs, _includes/system-errors.md: "HTTP Status: 20x, 40x, 50x"; what comes
    back may not be the JSON envelope at all (the nginx in front of the portal)."""
    expected = world.hh_negotiations()
    world.bitrix_admin(
        "POST",
        f"/_sandbox/portals/{world.domain}/faults",
        fault={
            "kind": "raw",
            "after_write": True,
            "path_contains": "crm.lead.add",
            **RAW_ANSWERS[answer],
        },
    )

    first = await run_pass(world.ctx, world.portal_id)

    assert first.writes.outcome_unknown > 0
    assert len(world.entities("lead")) == expected  # the portal did write them all
    world.wait_out_in_flight()
    second = await run_pass(world.ctx, world.portal_id)
    assert second.writes.adopted == first.writes.outcome_unknown
    assert_each_response_once(world, expected)


async def test_a_raw_refusal_before_the_write_is_retried_and_lands_once(world: World) -> None:
    expected = world.hh_negotiations()
    world.bitrix_admin(
        "POST",
        f"/_sandbox/portals/{world.domain}/faults",
        fault={"kind": "raw", "status": 500, "path_contains": "crm.lead.add"},
    )
    first = await run_pass(world.ctx, world.portal_id)
    assert first.status in (RunStatus.OK, RunStatus.PARTIAL)
    world.wait_out_in_flight()
    await run_pass(world.ctx, world.portal_id)
    assert_each_response_once(world, expected)


async def test_a_hold_on_one_command_keeps_what_the_others_of_its_batch_adopted(
    world: World,
) -> None:
    """The lookup batch's lead and deal commands are answered, its activity commands refused
    (``METHOD_CONFIRM_WAITING``, api-reference/scopes/confirmation.md): the adoptions the batch
    answered are recorded before the hold ends the pass, and nothing is created twice."""
    imported = (await run_pass(world.ctx, world.portal_id)).writes.created
    assert imported == world.hh_negotiations() > 0
    portal_id = await store_portal_anew(world)  # its rows lost, the CRM holds every entity
    block(world, "METHOD_CONFIRM_WAITING", "crm.activity.list")

    report = await run_pass(world.ctx, portal_id)

    assert report.status == RunStatus.FAILED
    assert report.hold_s is not None
    assert any("METHOD_CONFIRM_WAITING" in error for error in report.errors)
    assert refused_commands(world, "crm.activity.list") >= 1
    async with world.ctx.database.session() as session:
        rows = await state.list_negotiations(session, portal_id)
    adopted = [row for row in rows if row.crm_entity_id is not None]
    assert adopted, "the batch's answered lookups were not recorded"
    assert report.writes.adopted == len(adopted)
    assert len(world.entities("lead")) == imported  # nothing created while the hold stood
    lift(world)
    world.clock.advance(3 * world.ctx.settings.sync.retry_base_s)
    for _ in range(2):  # adopts the rest, then adds nothing: every activity is there
        again = await run_pass(world.ctx, portal_id)
        assert again.status == RunStatus.OK, again.errors
    assert_each_response_once(world, imported)
    assert set(activities_per_origin(world).values()) == {1}
