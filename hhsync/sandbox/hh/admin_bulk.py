"""Admin API of the hh.ru sandbox for big vacancies: thousands of responses in one call.

``POST /_sandbox/vacancies/{vid}/negotiations/bulk`` ``{"count": n}`` gives the vacancy ``n``
new responses, each from a new applicant with a generated resume, created one after another over
the past ``spread_s`` sandbox seconds (a day by default), oldest first. Optional
``employer_state`` puts them all in one state (``response`` by default); ``"deleted_resumes":
true`` has every applicant delete the resume after responding (the negotiation then shows
``resume: null``, as hh.ru does), so a benchmark's set-up import need not open 2 resume
documents per response when the resumes are not what it measures. The benchmarks use it to
build a vacancy deeper than hh.ru's paging depth, or one portal's big back-fill beside a fleet of
small ones, without generating the whole world that big.

Same rules as :mod:`hhsync.sandbox.hh.admin`: no OAuth, JSON in and out, 400 with a message.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Final

from faker import Faker
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hhsync.sandbox.hh.admin import AdminInputError, _json, admin
from hhsync.sandbox.hh.admin_states import _vacancy
from hhsync.sandbox.hh.generator import make_resume, register_applicant
from hhsync.sandbox.hh.guard import JsonBody, sandbox_of
from hhsync.sandbox.hh.store import EMPLOYER_STATES

MAX_BULK: Final = 50_000
"""Most responses one call adds (a bound on the sandbox's memory, not an hh.ru rule)."""
DEFAULT_SPREAD_S: Final = 86_400.0


def _count(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_BULK:
        raise AdminInputError(f"'count' must be an integer from 1 to {MAX_BULK}")
    return value


def _spread(value: object) -> float:
    if value is None:
        return DEFAULT_SPREAD_S
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        raise AdminInputError("'spread_s' must be a non-negative number of sandbox seconds")
    return float(value)


async def bulk_negotiations(request: Request) -> Response:
    """``POST /_sandbox/vacancies/{vid}/negotiations/bulk``: ``count`` new responses at once."""
    sandbox = sandbox_of(request)
    store = sandbox.store
    vacancy = _vacancy(request)
    body = await _json(request)
    count = _count(body.get("count"))
    spread_s = _spread(body.get("spread_s"))
    state = body.get("employer_state", "response")
    if not isinstance(state, str) or state not in EMPLOYER_STATES:
        raise AdminInputError(f"'employer_state' {state!r} is not one of {sorted(EMPLOYER_STATES)}")
    deleted = body.get("deleted_resumes", False)
    if not isinstance(deleted, bool):
        raise AdminInputError("'deleted_resumes' must be true or false")
    now = sandbox.now()
    first_index = len(store.resumes) + 1000
    rng = random.Random(sandbox.config.seed * 104_729 + first_index)
    fake = Faker("ru_RU")
    fake.seed_instance(sandbox.config.seed * 100_003 + first_index)
    step_s = spread_s / count
    ids: list[str] = []
    for n in range(count):
        resume = make_resume(rng, fake, now, first_index + n)
        resume.deleted = deleted
        store.resumes[resume.id] = resume
        register_applicant(store, resume)
        at = now - timedelta(seconds=step_s * (count - 1 - n))
        negotiation = store.add_negotiation(vacancy.id, resume.id, "applicant", at, state)
        ids.append(negotiation.id)
    return JsonBody(
        {"vacancy_id": vacancy.id, "added": len(ids), "first_id": ids[0], "last_id": ids[-1]},
        status_code=201,
    )


def bulk_admin_routes() -> list[Route]:
    """The routes of this module, all under ``/_sandbox/``."""
    return [
        Route(
            "/_sandbox/vacancies/{vid}/negotiations/bulk",
            admin(bulk_negotiations),
            methods=["POST"],
        )
    ]
