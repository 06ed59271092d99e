"""Admin API of the hh.ru sandbox for states and counters: funnel stages, withdrawals, moves to
another vacancy, counters that lag, freeze or reset (:mod:`hhsync.sandbox.hh.states`,
:mod:`hhsync.sandbox.hh.counters`).

Same rules as :mod:`hhsync.sandbox.hh.admin`: no OAuth, JSON in and out, 400 with a message.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hhsync.sandbox.hh import payloads
from hhsync.sandbox.hh.admin import AdminInputError, _json, _need, _negotiation, admin
from hhsync.sandbox.hh.counters import CounterMode, Scope
from hhsync.sandbox.hh.guard import JsonBody, sandbox_of
from hhsync.sandbox.hh.states import (
    REFUSAL_COLLECTION,
    SYSTEM_DISCARD_STATES,
    WITHDRAWN_APPLICANT_STATE,
    WITHDRAWN_STATE,
)
from hhsync.sandbox.hh.store import COLLECTION_NAMES, EMPLOYER_STATES, Vacancy

MOVED_STATE = "discard_to_other_vacancy"
"""What the employer sees on a response moved to another vacancy."""


def _vacancy(request: Request) -> Vacancy:
    vacancy = sandbox_of(request).store.vacancies.get(request.path_params["vid"])
    if vacancy is None:
        raise AdminInputError(f"unknown vacancy {request.path_params['vid']!r}")
    return vacancy


async def add_funnel_stage(request: Request) -> Response:
    """``POST /_sandbox/vacancies/{vid}/funnel_stages`` ``{"collection": id, "name": text}``: the
    employer adds a sub-state to one collection of this vacancy (a new sub-collection)."""
    store = sandbox_of(request).store
    vacancy = _vacancy(request)
    body = await _json(request)
    collection = _need(body, "collection")
    if collection not in COLLECTION_NAMES:
        raise AdminInputError(f"'collection' must be one of {sorted(COLLECTION_NAMES)}")
    name = _need(body, "name").strip()
    if not name:
        raise AdminInputError("'name' must not be blank")
    stage = store.funnels.add_stage(vacancy.id, collection, name)
    return JsonBody(
        {
            "id": stage.id,
            "vacancy_id": vacancy.id,
            "collection": collection,
            "sub_collection_id": stage.sub_collection_id,
            "name": stage.name,
        },
        status_code=201,
    )


async def place_in_funnel_stage(request: Request) -> Response:
    """``POST /_sandbox/negotiations/{nid}/funnel_stage`` ``{"funnel_stage_id": id}``: the
    employer moved it into a custom stage (on the website); it takes the stage's collection's
    state and a new ``updated_at``."""
    sandbox = sandbox_of(request)
    negotiation = _negotiation(request)
    stage = sandbox.store.funnels.stages.get(_need(await _json(request), "funnel_stage_id"))
    if stage is None or stage.vacancy_id != negotiation.vacancy_id:
        raise AdminInputError("'funnel_stage_id' names no stage of this negotiation's vacancy")
    state = stage.collection
    if collection_is_refusal(state) and negotiation.employer_state.startswith("discard"):
        state = negotiation.employer_state  # a refusal keeps its reason inside the collection
    sandbox.store.move(negotiation, state, sandbox.now())
    sandbox.store.funnels.place(negotiation.id, stage)
    negotiation.has_updates = True
    return JsonBody(
        {
            "id": negotiation.id,
            "employer_state": negotiation.employer_state,
            "funnel_stage": stage.id,
        }
    )


def collection_is_refusal(collection: str) -> bool:
    """Whether ``collection`` is the one every ``discard_*`` state is listed in."""
    return collection == REFUSAL_COLLECTION


async def withdraw(request: Request) -> Response:
    """``POST /_sandbox/negotiations/{nid}/withdraw``: the applicant withdraws the response; the
    employer then sees ``discard_by_applicant`` in the refusal collection, with updates."""
    sandbox = sandbox_of(request)
    negotiation = _negotiation(request)
    if negotiation.employer_state == WITHDRAWN_STATE:
        raise AdminInputError(f"negotiation {negotiation.id} is already withdrawn")
    sandbox.store.move(negotiation, WITHDRAWN_STATE, sandbox.now())
    negotiation.applicant_state = WITHDRAWN_APPLICANT_STATE
    negotiation.has_updates = True
    return JsonBody({"id": negotiation.id, "employer_state": negotiation.employer_state})


async def move_to_vacancy(request: Request) -> Response:
    """``POST /_sandbox/negotiations/{nid}/move_to_vacancy`` ``{"vacancy_id": id}``: the employer
    moved the response to another vacancy of the company on the website. As hh.ru shows it, the
    old negotiation gets ``discard_to_other_vacancy`` (in the refusal collection) and the target
    vacancy gets a new response of the same resume (optional ``employer_state``, ``response`` by
    default; hh.ru's mail templates include ``another_vacancy_response_invite_mail``, an
    invitation to a phone interview for another vacancy). Checked before anything moves: the
    target is another active vacancy of the same employer with no negotiation of that resume."""
    sandbox = sandbox_of(request)
    store = sandbox.store
    negotiation = _negotiation(request)
    body = await _json(request)
    target = store.vacancies.get(_need(body, "vacancy_id"))
    source = store.vacancies[negotiation.vacancy_id]
    if target is None or target.employer_id != source.employer_id:
        raise AdminInputError("'vacancy_id' names no vacancy of this negotiation's employer")
    if target.id == source.id:
        raise AdminInputError("'vacancy_id' must name another vacancy")
    if target.archived:
        raise AdminInputError(f"vacancy {target.id} is archived")
    if negotiation.employer_state == MOVED_STATE:
        raise AdminInputError(f"negotiation {negotiation.id} was moved already")
    if any(n.resume_id == negotiation.resume_id for n in store.negotiations_of(target.id)):
        raise AdminInputError(f"resume {negotiation.resume_id} already has a negotiation there")
    state = body.get("employer_state", "response")
    if state not in EMPLOYER_STATES or state in SYSTEM_DISCARD_STATES:
        raise AdminInputError("'employer_state' must be an employer state an employer can set")
    now = sandbox.now()
    created = store.add_negotiation(target.id, negotiation.resume_id, "applicant", now, state)
    store.move(negotiation, MOVED_STATE, now)
    negotiation.has_updates = True
    return JsonBody(
        {
            "id": negotiation.id,
            "employer_state": negotiation.employer_state,
            "new_id": created.id,
            "vacancy_id": target.id,
            "new_employer_state": created.employer_state,
        }
    )


async def vacancy_counters(request: Request) -> Response:
    """``POST /_sandbox/vacancies/{vid}/counters``: ``{"mode": "live"|"frozen"}`` (a freeze may
    name a ``scope``: ``vacancy`` or ``collections`` alone), ``{"mode": "lag", "lag_s": n}`` or
    ``{"reset": true}`` (a republication); the answer says what the counters do now."""
    sandbox = sandbox_of(request)
    store = sandbox.store
    vacancy = _vacancy(request)
    body = await _json(request)
    board = store.counters
    if body.get("reset") is True:
        board.reset(vacancy.id, payloads.vacancy_counters(store, vacancy))
    elif "reset" in body:
        raise AdminInputError("'reset' must be true")
    if "mode" in body:
        try:
            mode = CounterMode(body["mode"])
        except ValueError:
            raise AdminInputError(
                f"'mode' must be one of {[m.value for m in CounterMode]}"
            ) from None
        if mode == CounterMode.LAG:
            lag_s = body.get("lag_s")
            if not isinstance(lag_s, int | float) or isinstance(lag_s, bool) or lag_s <= 0:
                raise AdminInputError("'lag_s' must be a positive number of sandbox seconds")
            board.lag(vacancy.id, float(lag_s))
        elif mode == CounterMode.FROZEN:
            # What the counters show right now (a lagging view freezes where it stands).
            truth = payloads.true_counters(store, vacancy.id)
            scopes = _scopes(body.get("scope"))
            current = {scope: board.shown(vacancy.id, scope, truth[scope]) for scope in scopes}
            board.freeze(vacancy.id, current)
        else:
            board.live(vacancy.id)
    elif "reset" not in body:
        raise AdminInputError("body needs 'mode' or 'reset'")
    knob = board.knob(vacancy.id)
    return JsonBody(
        {
            "vacancy_id": vacancy.id,
            "mode": knob.mode.value,
            "lag_s": knob.lag_s,
            "resets": knob.resets,
        }
    )


def _scopes(raw: object) -> tuple[Scope, ...]:
    """Which counters a freeze pins: both (absent), or only ``vacancy`` (the vacancy's own, as
    hh.ru's do not move on an employer's moves) or ``collections``."""
    if raw is None:
        return tuple(Scope)
    try:
        return (Scope(str(raw)),)
    except ValueError:
        raise AdminInputError(f"'scope' must be one of {[s.value for s in Scope]}") from None


def state_admin_routes() -> list[Route]:
    """The routes of this module, all under ``/_sandbox/``."""
    return [
        Route("/_sandbox/vacancies/{vid}/funnel_stages", admin(add_funnel_stage), methods=["POST"]),
        Route(
            "/_sandbox/negotiations/{nid}/funnel_stage",
            admin(place_in_funnel_stage),
            methods=["POST"],
        ),
        Route("/_sandbox/negotiations/{nid}/withdraw", admin(withdraw), methods=["POST"]),
        Route(
            "/_sandbox/negotiations/{nid}/move_to_vacancy",
            admin(move_to_vacancy),
            methods=["POST"],
        ),
        Route("/_sandbox/vacancies/{vid}/counters", admin(vacancy_counters), methods=["POST"]),
    ]
