"""Who is calling and what may they touch: Bearer auth, paid access, employer and vacancy scope.

Shared by the hh.ru API route modules; hh.ru answers 404 (not 403) for what the caller may not see.
"""

from __future__ import annotations

from starlette.requests import Request

from hhsync.sandbox.hh import errors, oauth
from hhsync.sandbox.hh.guard import sandbox_of
from hhsync.sandbox.hh.store import Manager, TokenPair, Vacancy


def api_base(request: Request) -> str:
    """The sandbox's own base URL, used in every ``url`` field."""
    return str(request.base_url).rstrip("/")


def current_pair(request: Request) -> TokenPair:
    """The live token pair behind ``Authorization: Bearer`` (403 ``oauth`` otherwise)."""
    sandbox = sandbox_of(request)
    pair = oauth.authenticate(sandbox.store, request.headers.get("authorization"), sandbox.now_s())
    request.state.manager_id = pair.manager_id
    return pair


def current_manager(request: Request) -> Manager:
    """The manager behind the Bearer token (403 ``oauth`` otherwise).

    An applicant's token on an employer method gets 403 ``forbidden``, the type hh.ru's spec
    lists for actions the user may not take (hh.ru OpenAPI spec, ``ErrorsCommon...``).
    """
    pair = current_pair(request)
    if pair.manager_id is None:
        raise errors.ApiError(403, [{"type": "forbidden"}], "Forbidden")
    manager = sandbox_of(request).store.managers[pair.manager_id]
    account = request.headers.get("x-manager-account-id")
    if account is not None and account != manager.id:
        raise errors.ApiError(
            403,
            [{"type": "manager_extra_accounts", "value": "manager_extra_account_not_found"}],
            "Forbidden",
        )
    return manager


def paying_manager(request: Request) -> Manager:
    """The current manager, provided the employer pays for API access to negotiations/resumes."""
    manager = current_manager(request)
    if not sandbox_of(request).store.employers[manager.employer_id].paid_api_access:
        raise errors.payment_required()
    return manager


def own_employer(manager: Manager, employer_id: str) -> None:
    """404 unless the path's employer is the caller's own."""
    if manager.employer_id != employer_id:
        raise errors.not_found()


def vacancy_param(request: Request, manager: Manager) -> Vacancy:
    """The ``vacancy_id`` query parameter: required (400), visible to the caller (404)."""
    vacancy_id = request.query_params.get("vacancy_id")
    if not vacancy_id:
        raise errors.bad_argument("vacancy_id", "vacancy_id is required")
    vacancy = sandbox_of(request).store.visible_vacancy(manager, vacancy_id)
    if vacancy is None:
        raise errors.not_found()
    return vacancy
