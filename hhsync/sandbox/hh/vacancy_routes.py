"""hh.ru API methods about the employer: /me, managers, resume-view limits, vacancy lists."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from hhsync.sandbox.hh import errors, me_payloads, payloads
from hhsync.sandbox.hh.access import api_base, current_manager, current_pair, own_employer
from hhsync.sandbox.hh.guard import JsonBody, sandbox_of
from hhsync.sandbox.hh.limits import parse_paging
from hhsync.sandbox.hh.store import Manager, Vacancy

ACTIVE_ORDERS = {
    "name_asc",
    "name_desc",
    "expiration_date_asc",
    "expiration_date_desc",
    "unseen_responses_asc",
    "unseen_responses_desc",
}
ARCHIVED_ORDERS = {"name_asc", "name_desc", "archive_time_asc", "archive_time_desc"}


async def me(request: Request) -> Response:
    """``GET /me``: a manager's profile, or an applicant's."""
    pair = current_pair(request)
    store = sandbox_of(request).store
    if pair.applicant_id is not None:
        applicant = store.site.applicants[pair.applicant_id]
        owned = sum(
            1 for r in store.resumes.values() if r.owner_id == applicant.id and not r.deleted
        )
        return JsonBody(me_payloads.applicant_me(api_base(request), applicant, owned))
    manager = current_manager(request)
    employer = store.employers[manager.employer_id]
    return JsonBody(me_payloads.manager_me(api_base(request), manager, employer))


async def managers(request: Request) -> Response:
    """``GET /employers/{id}/managers``: ``vacancies_count`` is null for managers one cannot see.

    hh.ru OpenAPI spec, ``get-employer-managers``: 403 "Текущий пользователь не имеет прав на
    просмотр менеджеров данного работодателя". The spec names no right; the sandbox's reading is
    that a manager with ``has_admin_rights`` lists them and another only if the company granted
    it (``POST /_sandbox/managers/{id}/rights``); the others are refused.
    """
    manager = current_manager(request)
    own_employer(manager, request.path_params["employer_id"])
    if not manager.lists_managers():
        raise errors.managers_forbidden()
    sandbox = sandbox_of(request)
    paging = parse_paging(
        request.query_params.get("page"),
        request.query_params.get("per_page"),
        max_per_page=200,
        default_per_page=200,
        depth_limit=sandbox.config.depth_limit,
    )
    everyone = sandbox.store.employer_managers(manager.employer_id)
    start = paging.page * paging.per_page
    items = []
    for other in everyone[start : start + paging.per_page]:
        visible = manager.is_admin or other.id == manager.id
        count = sum(
            1
            for v in sandbox.store.vacancies.values()
            if v.manager_id == other.id and not v.archived
        )
        items.append(payloads.manager_item(api_base(request), other, count if visible else None))
    return JsonBody(payloads.page_envelope(items, len(everyone), paging.page, paging.per_page))


async def resume_limits(request: Request) -> Response:
    """``GET /employers/{eid}/managers/{mid}/limits/resume``."""
    manager = current_manager(request)
    own_employer(manager, request.path_params["employer_id"])
    target = request.path_params["manager_id"]
    if target != manager.id and not manager.is_admin:
        raise errors.not_found()
    sandbox = sandbox_of(request)
    if target not in sandbox.store.managers:
        raise errors.not_found()
    quota, now = sandbox.quota, sandbox.now()
    limit = quota.limit_of(target)
    spent = quota.spent(target, now)
    return JsonBody(
        payloads.resume_limits(limit, spent, quota.left(manager.employer_id, target, now))
    )


def _listed_managers(request: Request, manager: Manager) -> set[str]:
    """Whose vacancies a list shows: own by default; ``manager_id``/``manager_ids``/
    ``all_accessible`` are mutually exclusive (400) and need rights (404) (hh.ru OpenAPI spec)."""
    params = request.query_params
    given = [name for name in ("manager_id", "manager_ids", "all_accessible") if name in params]
    if len(given) > 1:
        raise errors.bad_argument(
            ", ".join(given), "manager_id, manager_ids and all_accessible are mutually exclusive"
        )
    store = sandbox_of(request).store
    colleagues = {m.id for m in store.employer_managers(manager.employer_id)}
    if not given:
        return {manager.id}
    if given[0] == "all_accessible":
        value = params["all_accessible"]
        if value not in ("true", "false"):
            raise errors.bad_argument("all_accessible", "all_accessible must be true or false")
        return colleagues if value == "true" and manager.is_admin else {manager.id}
    if given[0] == "manager_id":
        wanted = {params.getlist("manager_id")[-1]}  # repeated: the last one wins
    else:
        wanted = {m for m in params["manager_ids"].split(",") if m}
    if not wanted or not wanted <= colleagues:
        raise errors.not_found()
    if not manager.is_admin and wanted != {manager.id}:
        raise errors.not_found()
    return wanted


def _sort_active(vacancies: list[Vacancy], order_by: str | None, request: Request) -> None:
    store = sandbox_of(request).store
    vacancies.sort(key=lambda v: (v.published_at, v.id), reverse=True)
    if order_by is None:
        return
    if order_by not in ACTIVE_ORDERS:
        raise errors.bad_argument("order_by", f"order_by must be one of {sorted(ACTIVE_ORDERS)}")
    reverse = order_by.endswith("_desc")
    if order_by.startswith("name"):
        vacancies.sort(key=lambda v: v.name, reverse=reverse)
    elif order_by.startswith("expiration"):
        vacancies.sort(key=lambda v: v.expires_at, reverse=reverse)
    else:
        vacancies.sort(
            key=lambda v: payloads.vacancy_counters(store, v)["unread_responses"],
            reverse=reverse,
        )


async def active_vacancies(request: Request) -> Response:
    """``GET /employers/{id}/vacancies/active`` with ``counters`` and ``has_updates``."""
    manager = current_manager(request)
    own_employer(manager, request.path_params["employer_id"])
    sandbox = sandbox_of(request)
    paging = parse_paging(
        request.query_params.get("page"),
        request.query_params.get("per_page"),
        max_per_page=50,
        default_per_page=20,
        depth_limit=sandbox.config.depth_limit,
    )
    owners = _listed_managers(request, manager)
    found = [
        v
        for v in sandbox.store.vacancies.values()
        if v.employer_id == manager.employer_id and v.manager_id in owners and not v.archived
    ]
    _sort_active(found, request.query_params.get("order_by"), request)
    start = paging.page * paging.per_page
    items = [
        payloads.vacancy_item(api_base(request), sandbox.store, v)
        for v in found[start : start + paging.per_page]
    ]
    return JsonBody(payloads.page_envelope(items, len(found), paging.page, paging.per_page))


def _archived_owners(request: Request, manager: Manager) -> set[str]:
    """Whose archived vacancies are listed: the caller's own unless ``manager_id`` names another
    (the last one wins). hh.ru OpenAPI ``get-archived-vacancies`` documents no ``manager_ids`` or
    ``all_accessible`` there, and hh.ru ignores parameters it does not know."""
    store = sandbox_of(request).store
    given = request.query_params.getlist("manager_id")
    if not given:
        return {manager.id}
    wanted = given[-1]
    colleagues = {m.id for m in store.employer_managers(manager.employer_id)}
    if wanted not in colleagues or (wanted != manager.id and not manager.is_admin):
        raise errors.not_found()
    return {wanted}


async def archived_vacancies(request: Request) -> Response:
    """``GET /employers/{id}/vacancies/archived`` (per_page default and maximum 1000)."""
    manager = current_manager(request)
    own_employer(manager, request.path_params["employer_id"])
    sandbox = sandbox_of(request)
    paging = parse_paging(
        request.query_params.get("page"),
        request.query_params.get("per_page"),
        max_per_page=1000,
        default_per_page=1000,
        depth_limit=max(sandbox.config.depth_limit, 1000),
    )
    owners = _archived_owners(request, manager)
    found = [
        v
        for v in sandbox.store.vacancies.values()
        if v.employer_id == manager.employer_id and v.manager_id in owners and v.archived
    ]
    order_by = request.query_params.get("order_by", "archive_time_desc")
    if order_by not in ARCHIVED_ORDERS:
        raise errors.bad_argument("order_by", f"order_by must be one of {sorted(ARCHIVED_ORDERS)}")
    if order_by.startswith("name"):
        found.sort(key=lambda v: (v.name, v.id), reverse=order_by.endswith("_desc"))
    else:
        found.sort(key=lambda v: (v.archived_at, v.id), reverse=order_by.endswith("_desc"))
    start = paging.page * paging.per_page
    items = [
        payloads.vacancy_item(api_base(request), sandbox.store, v)
        for v in found[start : start + paging.per_page]
    ]
    return JsonBody(payloads.page_envelope(items, len(found), paging.page, paging.per_page))
