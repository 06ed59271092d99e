"""A negotiation's kind is how it started, not its state now (real PostgreSQL, both sandboxes).

On hh.ru a response the employer moves with a message shows ``state: invitation`` to everyone
from then on (hh.ru OpenAPI spec, ``put-negotiations-collection-to-next-state``). A response that
hhsync first sees after that must still be a response: the first message of its conversation
(``GET /negotiations/{nid}/messages``, oldest first) is the applicant's cover letter.
"""

from __future__ import annotations

from typing import Any

import pytest
from structlog.testing import capture_logs

from hhsync.db import state
from hhsync.db.tables import NegotiationKind, RunStatus
from hhsync.sync.engine import run_pass
from hhsync.sync.reading import EVENT_KIND_DEFERRED, EVENT_KIND_GUESSED
from hhsync.testing.world import World


def first_vacancy(world: World) -> str:
    listed = world.hh_admin("GET", "/_sandbox/state")
    return str(
        next(
            v["id"]
            for v in listed["vacancies"]
            if v["employer_id"] == world.employer_id and not v["archived"]
        )
    )


def messages_read(world: World) -> list[str]:
    """Paths of the conversation reads hh.ru saw (the sandbox's request log)."""
    log = world.hh_admin("GET", "/_sandbox/requests")["items"]
    return [r["path"] for r in log if r["path"].endswith("/messages")]


async def kinds(world: World) -> dict[str, NegotiationKind]:
    async with world.ctx.database.session() as session:
        stored = await state.list_negotiations(session, world.portal_id)
    return {n.hh_negotiation_id: NegotiationKind(n.kind) for n in stored}


def lead(world: World, hh_id: str) -> dict[str, Any]:
    return next(x for x in world.entities("lead") if x["ORIGIN_ID"] == hh_id)


async def test_a_response_seen_only_after_it_was_invited_is_a_response(world: World) -> None:
    vacancy = first_vacancy(world)
    response = world.hh_admin("POST", "/_sandbox/negotiations", vacancy_id=vacancy)
    moved = world.hh_admin(
        "POST",
        f"/_sandbox/negotiations/{response['id']}/state",
        employer_state="phone_interview",
        message="Спасибо за отклик! Давайте созвонимся.",
    )
    assert moved["state"] == "invitation"  # what every client sees from now on
    invitation = world.hh_admin(
        "POST", "/_sandbox/negotiations", vacancy_id=vacancy, kind="invitation"
    )
    world.hh_admin("DELETE", "/_sandbox/requests")

    report = await run_pass(world.ctx, world.portal_id)

    assert report.status == RunStatus.OK, report.errors
    stored = await kinds(world)
    assert stored[str(response["id"])] is NegotiationKind.RESPONSE
    assert stored[str(invitation["id"])] is NegotiationKind.INVITATION
    assert lead(world, str(response["id"]))["STATUS_ID"] == "NEW"  # the response stage
    assert lead(world, str(response["id"]))["COMMENTS"].startswith("Отклик")
    assert lead(world, str(invitation["id"]))["STATUS_ID"] == "IN_PROCESS"
    assert lead(world, str(invitation["id"]))["COMMENTS"].startswith("Приглашение")
    # Only negotiations whose state moved on from "response" cost a conversation read.
    read = messages_read(world)
    assert f"/negotiations/{response['id']}/messages" in read
    assert f"/negotiations/{invitation['id']}/messages" in read
    listed = world.hh_admin("GET", "/_sandbox/state")["negotiations"]
    assert len(read) < listed


async def test_a_stored_kind_does_not_flip_when_the_state_changes(world: World) -> None:
    vacancy = first_vacancy(world)
    response = world.hh_admin("POST", "/_sandbox/negotiations", vacancy_id=vacancy)
    first = await run_pass(world.ctx, world.portal_id)
    assert first.status == RunStatus.OK, first.errors
    assert (await kinds(world))[str(response["id"])] is NegotiationKind.RESPONSE

    world.hh_admin(
        "POST",
        f"/_sandbox/negotiations/{response['id']}/state",
        employer_state="interview",
        message="Приглашаем вас на собеседование.",
    )
    world.hh_admin("DELETE", "/_sandbox/requests")
    world.clock.advance(world.ctx.settings.sync.reconcile_period_s)  # state moves need a reconcile
    second = await run_pass(world.ctx, world.portal_id)

    assert second.status == RunStatus.OK, second.errors
    assert (await kinds(world))[str(response["id"])] is NegotiationKind.RESPONSE
    assert lead(world, str(response["id"]))["COMMENTS"].startswith("Отклик")
    assert messages_read(world) == []  # every listed negotiation was stored: nothing to ask


async def test_a_refused_conversation_read_falls_back_to_the_state_and_says_so(
    world: World,
) -> None:
    vacancy = first_vacancy(world)
    response = world.hh_admin("POST", "/_sandbox/negotiations", vacancy_id=vacancy)
    world.hh_admin(
        "POST",
        f"/_sandbox/negotiations/{response['id']}/state",
        employer_state="phone_interview",
        message="Спасибо за отклик! Давайте созвонимся.",
    )
    world.hh_admin("POST", f"/_sandbox/negotiations/{response['id']}/vanish", after_next_list=True)
    with capture_logs() as logs:
        report = await run_pass(world.ctx, world.portal_id)
    assert report.status in (RunStatus.OK, RunStatus.PARTIAL), report.errors
    guessed = [e for e in logs if e["event"] == EVENT_KIND_GUESSED]
    assert [e["negotiation"] for e in guessed] == [str(response["id"])]
    assert guessed[0]["kind"] == "invitation"
    assert guessed[0]["error"] == "NotFound"


def invited_response(world: World, vacancy: str) -> str:
    """A response the employer has since moved with a letter (its state now ``invitation``)."""
    response = world.hh_admin("POST", "/_sandbox/negotiations", vacancy_id=vacancy)
    world.hh_admin(
        "POST",
        f"/_sandbox/negotiations/{response['id']}/state",
        employer_state="phone_interview",
        message="Спасибо за отклик! Давайте созвонимся.",
    )
    return str(response["id"])


@pytest.mark.parametrize("status", [503, 429])
async def test_a_passing_failure_of_the_conversation_read_stores_no_guess(
    world: World, status: int
) -> None:
    """A 5xx or 429 that outlasts the client's retries says nothing about the negotiation
    (hh.ru OpenAPI spec, 429/503 of every method): it is left for the next pass, never guessed
    into a kind that would be stored for good."""
    vacancy = first_vacancy(world)
    nid = invited_response(world, vacancy)
    world.hh_admin(
        "POST",
        "/_sandbox/faults",
        fault={"kind": "error", "status": status, "path_contains": f"/negotiations/{nid}/messages"},
        times=50,
    )
    with capture_logs() as logs:
        first = await run_pass(world.ctx, world.portal_id)

    assert first.status in (RunStatus.OK, RunStatus.PARTIAL), first.errors
    assert nid not in await kinds(world)  # neither stored nor guessed
    assert all(x["ORIGIN_ID"] != nid for x in world.entities("lead"))
    assert not [e for e in logs if e["event"] == EVENT_KIND_GUESSED]
    deferred = [e for e in logs if e["event"] == EVENT_KIND_DEFERRED]
    assert {e["negotiation"] for e in deferred} == {nid}

    world.hh_admin("DELETE", "/_sandbox/faults")
    second = await run_pass(world.ctx, world.portal_id)  # no reconcile due: the vacancy is re-read

    assert second.status == RunStatus.OK, second.errors
    assert (await kinds(world))[nid] is NegotiationKind.RESPONSE
    assert lead(world, nid)["COMMENTS"].startswith("Отклик")


async def test_system_refusals_are_responses_and_their_conversation_is_not_read(
    world: World,
) -> None:
    """Reading a conversation marks the response viewed (hh.ru OpenAPI spec, tag
    «Отклики/приглашения работодателя»); the ``discard_*`` states hh.ru sets itself (public
    integrations, named in tests/sandbox/hh/test_hh_sandbox_states.py) refuse responses nobody
    took up, so no pass reads an unread negotiation's messages."""
    vacancy = first_vacancy(world)
    withdrawn = world.hh_admin("POST", "/_sandbox/negotiations", vacancy_id=vacancy)["id"]
    world.hh_admin("POST", f"/_sandbox/negotiations/{withdrawn}/withdraw")
    refused = {str(withdrawn)}
    for system_state in ("discard_no_interaction", "discard_vacancy_closed"):
        nid = world.hh_admin("POST", "/_sandbox/negotiations", vacancy_id=vacancy)["id"]
        world.hh_admin("POST", f"/_sandbox/negotiations/{nid}/state", employer_state=system_state)
        refused.add(str(nid))
    unread = set(world.hh_admin("GET", "/_sandbox/state")["unread_negotiations"])
    assert refused <= unread
    world.hh_admin("DELETE", "/_sandbox/requests")

    report = await run_pass(world.ctx, world.portal_id)

    assert report.status == RunStatus.OK, report.errors
    stored = await kinds(world)
    assert all(stored[nid] is NegotiationKind.RESPONSE for nid in refused)
    read = {path.split("/")[2] for path in messages_read(world)}
    assert read, "moved negotiations of the generated world still cost a conversation read"
    assert not read & unread
