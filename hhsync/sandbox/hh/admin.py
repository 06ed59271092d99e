"""Admin API of the hh.ru sandbox under ``/_sandbox/``: inspect and steer the fake hh.ru.

No OAuth, JSON in and out, and a 400 ``{"error": ...}`` with a clear message for bad input. Not
part of hh.ru: never call it from production code.
"""

from __future__ import annotations

import json
import random
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from faker import Faker
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hhsync.sandbox.faults import Fault, FaultKind
from hhsync.sandbox.hh import bulk_responses, errors, oauth
from hhsync.sandbox.hh import messages as conversation
from hhsync.sandbox.hh.generator import make_resume, register_applicant
from hhsync.sandbox.hh.guard import JsonBody, sandbox_of
from hhsync.sandbox.hh.restricted import CONTACT_VIEW_STATUSES
from hhsync.sandbox.hh.runtime import DEPTH_PROFILES
from hhsync.sandbox.hh.site import UserKind
from hhsync.sandbox.hh.store import HIDDEN_FIELD_NAMES, StoreError, Vacancy

AdminHandler = Callable[[Request], Awaitable[Response]]

REPUBLISHED_FOR = timedelta(days=30)
"""How long a vacancy published again stays open (hh.ru's standard publication)."""


class AdminInputError(Exception):
    """Bad input to the admin API (answered with 400 and this message)."""


def admin(handler: AdminHandler) -> AdminHandler:
    """Turn input errors into 400 ``{"error": message}``."""

    async def wrapper(request: Request) -> Response:
        try:
            return await handler(request)
        except (AdminInputError, StoreError, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)

    return wrapper


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise AdminInputError(f"body is not valid JSON: {exc.msg}") from exc
    if not isinstance(body, dict):
        raise AdminInputError("body must be a JSON object")
    return body


def _need(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str | int) or isinstance(value, bool) or str(value) == "":
        raise AdminInputError(f"'{key}' is required (string)")
    return str(value)


async def state(request: Request) -> Response:
    """``GET /_sandbox/state``: employers, managers, vacancies and counts, for demos and tests."""
    sandbox = sandbox_of(request)
    store = sandbox.store
    return JsonBody(
        {
            "now": sandbox.now().isoformat(),
            "speed": sandbox.clock.speed,
            "employers": [
                {
                    "id": e.id,
                    "name": e.name,
                    "managers": [
                        {
                            "id": m.id,
                            "name": f"{m.first_name} {m.last_name}",
                            "email": m.email,
                            "is_admin": m.is_admin,
                        }
                        for m in store.employer_managers(e.id)
                    ],
                }
                for e in store.employers.values()
            ],
            "vacancies": [
                {
                    "id": v.id,
                    "employer_id": v.employer_id,
                    "manager_id": v.manager_id,
                    "name": v.name,
                    "archived": v.archived,
                    "internship": v.internship,
                    "negotiations": len(store.negotiations_of(v.id)),
                }
                for v in store.vacancies.values()
            ],
            "applicants": [
                {"id": a.id, "email": a.email, "name": f"{a.first_name} {a.last_name}"}
                for a in store.site.applicants.values()
            ],
            "resumes": len(store.resumes),
            "negotiations": len(store.negotiations),
            # responses the employer has not opened yet (reading them would mark them viewed)
            "unread_negotiations": sorted(
                (n.id for n in store.negotiations.values() if not n.viewed_by_employer), key=int
            ),
        }
    )


async def add_negotiation(request: Request) -> Response:
    """``POST /_sandbox/negotiations``: a new response or invitation.

    Body: ``vacancy_id``; optional ``resume_id`` (else a new applicant is generated), ``kind``
    (``response``|``invitation``), ``employer_state``, ``hidden_fields``, and for a generated
    applicant ``first_name``/``last_name`` (to try hostile names end to end) and
    ``contact_view_status`` (``FULL``|``IPC``|``NONE``: a resume not viewable in full).
    """
    sandbox = sandbox_of(request)
    store = sandbox.store
    body = await _json(request)
    vacancy_id = _need(body, "vacancy_id")
    kind = body.get("kind", "response")
    if kind not in ("response", "invitation"):
        raise AdminInputError("'kind' must be 'response' or 'invitation'")
    resume_id = body.get("resume_id")
    if resume_id is None:
        index = len(store.resumes) + 1000
        fake = Faker("ru_RU")
        fake.seed_instance(sandbox.config.seed * 100_003 + index)
        new = make_resume(
            random.Random(sandbox.config.seed * 7919 + index), fake, sandbox.now(), index
        )
        hidden = body.get("hidden_fields", new.hidden_fields)
        if not isinstance(hidden, list) or not set(hidden) <= set(HIDDEN_FIELD_NAMES):
            raise AdminInputError(f"'hidden_fields' must be a list of {sorted(HIDDEN_FIELD_NAMES)}")
        new.hidden_fields = list(hidden)
        status = body.get("contact_view_status", "FULL")
        if status not in CONTACT_VIEW_STATUSES:
            raise AdminInputError(f"'contact_view_status' must be one of {CONTACT_VIEW_STATUSES}")
        new.contact_view_status = status
        for key in ("first_name", "last_name"):
            if key in body:
                if not isinstance(body[key], str) or not body[key].strip():
                    raise AdminInputError(f"'{key}' must be a non-empty string")
                setattr(new, key, body[key])
        store.resumes[new.id] = new
        register_applicant(store, new)
        resume_id = new.id
    negotiation = store.add_negotiation(
        vacancy_id,
        str(resume_id),
        "applicant" if kind == "response" else "employer",
        sandbox.now(),
        body.get("employer_state"),
    )
    return JsonBody(
        {
            "id": negotiation.id,
            "resume_id": negotiation.resume_id,
            "employer_state": negotiation.employer_state,
        },
        status_code=201,
    )


async def add_responses(request: Request) -> Response:
    """``POST /_sandbox/vacancies/{vid}/responses``: ``count`` responses from new applicants at
    once (a deep vacancy), their resumes' filterable fields set by the optional ``resume`` object
    (``gender``, ``birth_year``, ``total_experience_months``, ``salary``, ``education_level``;
    ``null`` means the applicant did not give it)."""
    sandbox = sandbox_of(request)
    body = await _json(request)
    count = body.get("count")
    if not isinstance(count, int) or isinstance(count, bool):
        raise AdminInputError("'count' is required (integer)")
    ids = bulk_responses.add_responses(
        sandbox.store,
        request.path_params["vid"],
        count,
        bulk_responses.ResumeFields.from_json(body.get("resume")),
        seed=sandbox.config.seed,
        now=sandbox.now(),
    )
    return JsonBody({"ids": ids}, status_code=201)


def _negotiation(request: Request) -> Any:
    store = sandbox_of(request).store
    negotiation = store.negotiations.get(request.path_params["nid"])
    if negotiation is None:
        raise AdminInputError(f"unknown negotiation {request.path_params['nid']!r}")
    return negotiation


def _text(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise AdminInputError(f"'{key}' must be a non-empty string")
    return value


async def move_negotiation(request: Request) -> Response:
    """``POST /_sandbox/negotiations/{nid}/state`` ``{"employer_state": ..., "message": ...}``:
    the employer (on the website) moved it; it changes collection and ``updated_at``. With a
    ``message`` (the website's usual flow) the applicant sees an invitation or a refusal."""
    sandbox = sandbox_of(request)
    negotiation = _negotiation(request)
    body = await _json(request)
    message = _text(body, "message")
    sandbox.store.move(negotiation, _need(body, "employer_state"), sandbox.now(), message)
    if body.get("has_updates") is True:
        negotiation.has_updates = True
    return JsonBody(
        {
            "id": negotiation.id,
            "employer_state": negotiation.employer_state,
            "state": negotiation.applicant_state,
        }
    )


async def applicant_message(request: Request) -> Response:
    """``POST /_sandbox/negotiations/{nid}/applicant_message`` ``{"text": ...}``: the applicant
    wrote in the conversation; the negotiation moves up the default order and has updates."""
    sandbox = sandbox_of(request)
    negotiation = _negotiation(request)
    text = _text(await _json(request), "text") or "Добрый день! Есть ли новости по отклику?"
    conversation.applicant_wrote(negotiation, text, sandbox.now())
    return JsonBody({"id": negotiation.id, "messages": negotiation.messages, "has_updates": True})


async def vanish_negotiation(request: Request) -> Response:
    """``POST /_sandbox/negotiations/{nid}/vanish``: delete it now, or with
    ``{"after_next_list": true}`` right after it next appears in a list (list-then-detail race)."""
    store = sandbox_of(request).store
    negotiation = _negotiation(request)
    body = await _json(request)
    if body.get("after_next_list") is True:
        store.vanish_after_list.add(negotiation.id)
    else:
        del store.negotiations[negotiation.id]
    return JsonBody({"id": negotiation.id, "vanishing": True})


async def delete_resume(request: Request) -> Response:
    """``POST /_sandbox/resumes/{rid}/delete``: the applicant deleted it (``resume: null``)."""
    store = sandbox_of(request).store
    resume = store.resumes.get(request.path_params["rid"])
    if resume is None:
        raise AdminInputError(f"unknown resume {request.path_params['rid']!r}")
    resume.deleted = True
    return JsonBody({"id": resume.id, "deleted": True})


async def archive_vacancy(request: Request) -> Response:
    """``POST /_sandbox/vacancies/{vid}/archive``: it moves from the active to the archived list."""
    sandbox = sandbox_of(request)
    vacancy = sandbox.store.vacancies.get(request.path_params["vid"])
    if vacancy is None:
        raise AdminInputError(f"unknown vacancy {request.path_params['vid']!r}")
    if vacancy.archived_at is None:
        vacancy.archived_at = sandbox.now()
    return JsonBody({"id": vacancy.id, "archived": True})


async def restore_vacancy(request: Request) -> Response:
    """``POST /_sandbox/vacancies/{vid}/restore``: the archived vacancy is back in the active list
    under its own id, published anew (its negotiations stay with it).

    hh.ru's API documents no way back for the same id (``add-vacancy-to-archive`` only; a
    prolongation of an archived vacancy is refused with ``vacancy_archived``; ``publish-vacancy``
    with ``previous_id`` makes a new vacancy, which is :func:`republish_vacancy`), so this lever
    stands for what the website or hh.ru's moderation may do: a vacancy id seen in ``/archived``
    shows up in ``/active`` again.
    """
    sandbox = sandbox_of(request)
    vacancy = _vacancy(request)
    if vacancy.archived_at is None:
        raise AdminInputError(f"vacancy {vacancy.id} is not archived")
    now = sandbox.now()
    vacancy.archived_at = None
    vacancy.published_at = now
    vacancy.expires_at = now + REPUBLISHED_FOR
    return JsonBody({"id": vacancy.id, "archived": False})


async def republish_vacancy(request: Request) -> Response:
    """``POST /_sandbox/vacancies/{vid}/republish``: the employer publishes a new vacancy from the
    archived one (hh.ru OpenAPI ``publish-vacancy``, body field ``previous_id``: "должен быть равен
    только ID архивной вакансии"); the new one has a new id and no negotiations, the archived one
    stays in the archive with its own."""
    sandbox = sandbox_of(request)
    vacancy = _vacancy(request)
    if vacancy.archived_at is None:
        raise AdminInputError(f"vacancy {vacancy.id} is not archived; previous_id must be")
    new = sandbox.store.republish(vacancy, sandbox.now(), REPUBLISHED_FOR)
    return JsonBody({"id": new.id, "previous_id": vacancy.id, "archived": False}, status_code=201)


def _vacancy(request: Request) -> Vacancy:
    vacancy = sandbox_of(request).store.vacancies.get(request.path_params["vid"])
    if vacancy is None:
        raise AdminInputError(f"unknown vacancy {request.path_params['vid']!r}")
    return vacancy


async def password_changed(request: Request) -> Response:
    """``POST /_sandbox/employers/{eid}/password_changed``: every token of that employer dies."""
    store = sandbox_of(request).store
    employer_id = request.path_params["eid"]
    if employer_id not in store.employers:
        raise AdminInputError(f"unknown employer {employer_id!r}")
    killed = oauth.change_password(store, employer_id)
    return JsonBody({"employer_id": employer_id, "tokens_revoked": killed})


async def user_password(request: Request) -> Response:
    """``POST /_sandbox/managers/{uid}/password`` or ``/_sandbox/applicants/{uid}/password``
    ``{"password": "..."}``: the user changed the password on the website. Every token pair,
    unused code and browser login of that user dies (``token deactivated``, ``code was revoke``)."""
    store = sandbox_of(request).store
    kind = (
        UserKind.EMPLOYER
        if request.url.path.startswith("/_sandbox/managers/")
        else (UserKind.APPLICANT)
    )
    login = store.site.login_of(kind, request.path_params["uid"])
    if login is None:
        raise AdminInputError(f"unknown {kind.value} user {request.path_params['uid']!r}")
    password = (await _json(request)).get("password")
    if not isinstance(password, str) or not 1 <= len(password) <= 128:
        raise AdminInputError("'password' must be a string of 1 to 128 characters")
    killed = oauth.change_user_password(store, login, password)
    return JsonBody({"email": login.email, "tokens_revoked": killed})


async def manager_rights(request: Request) -> Response:
    """``POST /_sandbox/managers/{uid}/rights`` ``{"list_managers": bool}``: the company gives a
    manager without admin rights the managers list, or takes it back (admins always have it)."""
    manager = sandbox_of(request).store.managers.get(request.path_params["uid"])
    if manager is None:
        raise AdminInputError(f"unknown manager {request.path_params['uid']!r}")
    granted = (await _json(request)).get("list_managers")
    if not isinstance(granted, bool):
        raise AdminInputError("'list_managers' must be true or false")
    manager.may_list_managers = granted
    return JsonBody({"manager_id": manager.id, "list_managers": manager.lists_managers()})


async def oauth_rules(request: Request) -> Response:
    """``GET|POST /_sandbox/oauth`` ``{"spontaneous_deactivation": "dead" | "pair_survives"}``:
    what a ``token_deactivated`` fault on a refresh leaves behind
    (:class:`~hhsync.sandbox.hh.oauth.SpontaneousDeactivation`)."""
    config = sandbox_of(request).config
    if request.method == "POST":
        body = await _json(request)
        for key in body:
            if key != "spontaneous_deactivation":
                raise AdminInputError(f"unknown OAuth rule {key!r}")
        if "spontaneous_deactivation" in body:
            try:
                outcome = oauth.SpontaneousDeactivation(body["spontaneous_deactivation"])
            except ValueError as exc:
                known = ", ".join(o.value for o in oauth.SpontaneousDeactivation)
                raise AdminInputError(
                    f"'spontaneous_deactivation' must be one of: {known}"
                ) from exc
            config.spontaneous_deactivation = outcome
    return JsonBody({"spontaneous_deactivation": config.spontaneous_deactivation.value})


async def paid_access(request: Request) -> Response:
    """``POST /_sandbox/employers/{eid}/paid_access`` ``{"enabled": bool}``: switch the employer's
    paid API access; without it negotiations and resumes answer 403 ``action_must_be_payed``."""
    store = sandbox_of(request).store
    employer = store.employers.get(request.path_params["eid"])
    if employer is None:
        raise AdminInputError(f"unknown employer {request.path_params['eid']!r}")
    enabled = (await _json(request)).get("enabled")
    if not isinstance(enabled, bool):
        raise AdminInputError("'enabled' must be true or false")
    employer.paid_api_access = enabled
    return JsonBody({"employer_id": employer.id, "paid_api_access": enabled})


async def issue_tokens(request: Request) -> Response:
    """``POST /_sandbox/tokens`` ``{"manager_id": ...}``: a pair without the browser dance."""
    sandbox = sandbox_of(request)
    manager_id = _need(await _json(request), "manager_id")
    manager = sandbox.store.managers.get(manager_id)
    if manager is None:
        raise AdminInputError(f"unknown manager {manager_id!r}")
    login = oauth.manager_login(sandbox.store, manager)
    pair = oauth.issue_pair(sandbox.store, sandbox.oauth, login, sandbox.now_s())
    return JsonBody(
        {
            "access_token": pair.access_token,
            "refresh_token": pair.refresh_token,
            "token_type": "bearer",
            "expires_in": int(sandbox.config.access_token_lifetime_s),
        },
        status_code=201,
    )


async def revoke_token(request: Request) -> Response:
    """``POST /_sandbox/tokens/revoke`` ``{"access_token": ...}``: access withdrawn."""
    store = sandbox_of(request).store
    pair = store.tokens_by_access.get(_need(await _json(request), "access_token"))
    if pair is None:
        raise AdminInputError("unknown access_token")
    pair.revoked = True
    return JsonBody({"revoked": True})


async def advance_clock(request: Request) -> Response:
    """``POST /_sandbox/clock/advance`` ``{"seconds": n}``: jump sandbox time (expire tokens…)."""
    sandbox = sandbox_of(request)
    seconds = (await _json(request)).get("seconds")
    if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
        raise AdminInputError("'seconds' must be a non-negative number")
    sandbox.clock.advance(float(seconds))
    return JsonBody({"now": sandbox.now().isoformat()})


async def faults(request: Request) -> Response:
    """``GET|POST|DELETE /_sandbox/faults``: describe, add (``{"fault": {...}, "times": n}`` or
    ``{"rates": {"error": 0.1}}``), or clear the fault plan. ``{"kind": "named", "code":
    "captcha_required"}`` answers a documented error (:data:`errors.NAMED`; the token endpoint's
    ``token_deactivated`` with ``path_contains: "/token"``), ``raw`` any status and body."""
    plan = sandbox_of(request).faults
    if request.method == "DELETE":
        plan.clear()
    elif request.method == "POST":
        body = await _json(request)
        if "fault" in body:
            if not isinstance(body["fault"], dict):
                raise AdminInputError("'fault' must be an object")
            times = body.get("times", 1)
            if not isinstance(times, int) or times < 1:
                raise AdminInputError("'times' must be a positive integer")
            fault = Fault.from_json(body["fault"])
            if fault.kind is FaultKind.NAMED:
                errors.named(fault.code)  # an unknown name is refused now, not when it strikes
            plan.push(fault, times)
        elif isinstance(body.get("rates"), dict):
            for kind, rate in body["rates"].items():
                plan.set_rate(FaultKind(kind), float(rate))
        else:
            raise AdminInputError("body needs 'fault' (one-shot) or 'rates' (fractions)")
    return JsonBody(plan.describe())


async def resume_views(request: Request) -> Response:
    """``GET /_sandbox/resume_views``: today's counted resume opens (Moscow day), per manager and
    per company, as the daily limits count them (:mod:`~hhsync.sandbox.hh.resume_quota`)."""
    sandbox = sandbox_of(request)
    return JsonBody(sandbox.quota.today(sandbox.now()))


_NUMERIC_LIMITS = (
    "rate_limit_per_s",
    "depth_limit",
    "resume_views_per_day",
    "resume_views_per_company_per_day",
    "latency_s",
    "latency_jitter_s",
    "resume_pdf_bytes",
)


async def limits(request: Request) -> Response:
    """``GET|POST /_sandbox/limits``: read or change rate limit, depth limit (a number, or
    ``depth_profile`` ``strict`` = 2000 / ``loose`` = 10,000), resume views (daily per manager and
    per company, unique or every open, managers' own quotas), latency and the resume PDF size."""
    sandbox = sandbox_of(request)
    quota, latency, config = sandbox.quota, sandbox.latency, sandbox.config
    if request.method == "POST":
        body = await _json(request)
        if "depth_profile" in body:
            profile = body.pop("depth_profile")
            if profile not in DEPTH_PROFILES:
                raise AdminInputError(f"'depth_profile' must be one of {sorted(DEPTH_PROFILES)}")
            body.setdefault("depth_limit", DEPTH_PROFILES[profile])
        for key in body:
            if key == "resume_views_unique":
                if not isinstance(body[key], bool):
                    raise AdminInputError("'resume_views_unique' must be true or false")
            elif key == "resume_view_quotas":
                _check_quotas(body[key])
            elif key not in _NUMERIC_LIMITS:
                raise AdminInputError(f"unknown limit {key!r}")
            elif not isinstance(body[key], int | float) or body[key] < 0:
                raise AdminInputError(f"{key!r} must be a non-negative number")
        if "rate_limit_per_s" in body:
            sandbox.limiter.per_second = float(body["rate_limit_per_s"])
        if "depth_limit" in body:
            config.depth_limit = int(body["depth_limit"])
        if "resume_views_per_day" in body:
            quota.per_day = int(body["resume_views_per_day"])
        if "resume_views_per_company_per_day" in body:
            quota.per_company_per_day = int(body["resume_views_per_company_per_day"])
        if "resume_views_unique" in body:
            quota.unique_views = body["resume_views_unique"]
        if "resume_view_quotas" in body:
            quota.manager_quotas = {str(k): int(v) for k, v in body["resume_view_quotas"].items()}
        if "latency_s" in body:
            latency.delay_s = float(body["latency_s"])
        if "latency_jitter_s" in body:
            latency.jitter_s = float(body["latency_jitter_s"])
        if "resume_pdf_bytes" in body:
            config.resume_pdf_bytes = int(body["resume_pdf_bytes"])
    return JsonBody(
        {
            "rate_limit_per_s": sandbox.limiter.per_second,
            "depth_limit": config.depth_limit,
            "depth_profile": next(
                (n for n, v in DEPTH_PROFILES.items() if v == config.depth_limit), None
            ),
            "resume_views_per_day": quota.per_day,
            "resume_views_per_company_per_day": quota.per_company_per_day,
            "resume_views_unique": quota.unique_views,
            "resume_view_quotas": quota.manager_quotas,
            "latency_s": latency.delay_s,
            "latency_jitter_s": latency.jitter_s,
            "resume_pdf_bytes": config.resume_pdf_bytes,
            "in_flight_peak": latency.peak_in_flight,
        }
    )


def _check_quotas(value: Any) -> None:
    if not isinstance(value, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value.values()
    ):
        raise AdminInputError("'resume_view_quotas' must map manager ids to non-negative integers")


async def requests_log(request: Request) -> Response:
    """``GET|DELETE /_sandbox/requests``: the request log (newest last) and, per client
    address, the requests served, refused with 429 and the busiest second; or clear both."""
    sandbox = sandbox_of(request)
    log = sandbox.store.request_log
    if request.method == "DELETE":
        log.clear()
        sandbox.limiter.tallies.clear()
    clients = {address: t.as_json() for address, t in sorted(sandbox.limiter.tallies.items())}
    return JsonBody({"items": [r.as_json() for r in log], "clients": clients})


def admin_routes() -> list[Route]:
    """Routes of the admin API, all under ``/_sandbox/``."""
    return [
        Route("/_sandbox/state", admin(state), methods=["GET"]),
        Route("/_sandbox/negotiations", admin(add_negotiation), methods=["POST"]),
        Route("/_sandbox/negotiations/{nid}/state", admin(move_negotiation), methods=["POST"]),
        Route(
            "/_sandbox/negotiations/{nid}/applicant_message",
            admin(applicant_message),
            methods=["POST"],
        ),
        Route("/_sandbox/negotiations/{nid}/vanish", admin(vanish_negotiation), methods=["POST"]),
        Route("/_sandbox/resumes/{rid}/delete", admin(delete_resume), methods=["POST"]),
        Route("/_sandbox/vacancies/{vid}/archive", admin(archive_vacancy), methods=["POST"]),
        Route("/_sandbox/vacancies/{vid}/responses", admin(add_responses), methods=["POST"]),
        Route("/_sandbox/vacancies/{vid}/restore", admin(restore_vacancy), methods=["POST"]),
        Route("/_sandbox/vacancies/{vid}/republish", admin(republish_vacancy), methods=["POST"]),
        Route(
            "/_sandbox/employers/{eid}/password_changed", admin(password_changed), methods=["POST"]
        ),
        Route("/_sandbox/employers/{eid}/paid_access", admin(paid_access), methods=["POST"]),
        Route("/_sandbox/managers/{uid}/password", admin(user_password), methods=["POST"]),
        Route("/_sandbox/managers/{uid}/rights", admin(manager_rights), methods=["POST"]),
        Route("/_sandbox/oauth", admin(oauth_rules), methods=["GET", "POST"]),
        Route("/_sandbox/applicants/{uid}/password", admin(user_password), methods=["POST"]),
        Route("/_sandbox/tokens", admin(issue_tokens), methods=["POST"]),
        Route("/_sandbox/tokens/revoke", admin(revoke_token), methods=["POST"]),
        Route("/_sandbox/clock/advance", admin(advance_clock), methods=["POST"]),
        Route("/_sandbox/faults", admin(faults), methods=["GET", "POST", "DELETE"]),
        Route("/_sandbox/limits", admin(limits), methods=["GET", "POST"]),
        Route("/_sandbox/resume_views", admin(resume_views), methods=["GET"]),
        Route("/_sandbox/requests", admin(requests_log), methods=["GET", "DELETE"]),
    ]
