"""The typed hh.ru client: the only code in hhsync that sends requests to hh.ru's API.

One ``httpx.AsyncClient`` per process (:func:`new_http_client`: base URL, the required User-Agent,
timeouts, a bounded connection pool) is shared by one :class:`HhClient` per account, which adds
the account's :class:`~hhsync.hh.auth.HhAuth`, the process-wide
:class:`~hhsync.hh.budget.RequestBudget`, bounded retries of passing failures, and parsing into
:mod:`hhsync.hh.models`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ValidationError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

from hhsync import __version__
from hhsync.hh.budget import Priority, RequestBudget
from hhsync.hh.errors import (
    InvalidPayload,
    NetworkError,
    RateLimited,
    ResumePdfTooLarge,
    ServerError,
    error_for_api_answer,
    request_id_of,
)
from hhsync.hh.models import (
    Manager,
    ManagersPage,
    Me,
    Negotiation,
    NegotiationCollections,
    NegotiationsPage,
    Page,
    Resume,
    VacanciesPage,
    Vacancy,
)
from hhsync.hh.paging import (
    DEFAULT_MAX_DEPTH_ITEMS,
    MAX_PER_PAGE_ACTIVE_VACANCIES,
    MAX_PER_PAGE_ARCHIVED_VACANCIES,
    MAX_PER_PAGE_MANAGERS,
    MAX_PER_PAGE_NEGOTIATIONS,
    PageRequest,
    PageWalk,
    walk_pages,
)
from hhsync.log import get_logger

DEFAULT_BASE_URL = "https://api.hh.ru"
# Hosts hh.ru itself puts into payload URLs (PDF links may point at hh.ru, as in the examples of
# hhru/api docs/employer_negotiations.md).
DEFAULT_TRUSTED_HOSTS = frozenset({"api.hh.ru", "hh.ru"})
DEFAULT_PDF_MAX_BYTES = 10 * 1024 * 1024
PDF_MAGIC = b"%PDF"
EVENT_HH_RETRY = "hh.request_retried"

_Model = TypeVar("_Model", bound=BaseModel)
_PageT = TypeVar("_PageT", bound=Page[Any])


def user_agent(contact: str, version: str = __version__) -> str:
    """The User-Agent hh.ru requires of every request: ``hhsync/<version> (<contact>)``."""
    if not contact.strip():
        raise ValueError("hh.ru requires a contact (an e-mail) in the User-Agent")
    return f"hhsync/{version} ({contact.strip()})"


def new_http_client(
    *,
    base_url: str = DEFAULT_BASE_URL,
    user_agent: str,
    timeout_s: float = 30.0,
    max_connections: int = 10,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """The process's one HTTP client for hh.ru: explicit timeout, bounded pool, the UA headers.

    Both ``User-Agent`` and ``HH-User-Agent`` are sent: hh.ru reads ``HH-User-Agent`` when both are
    there (hh.ru OpenAPI spec, "Требования к запросам"), and the spec declares it on every
    operation.
    """
    return httpx.AsyncClient(
        base_url=base_url,
        headers={
            "User-Agent": user_agent,
            "HH-User-Agent": user_agent,
            "Accept": "application/json",
        },
        timeout=httpx.Timeout(timeout_s),
        limits=httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        ),
        follow_redirects=False,
        transport=transport,
    )


@dataclass(frozen=True)
class RetryPolicy:
    """How passing failures (5xx, network, 429) are retried: bounded by attempts and total time."""

    attempts: int = 4
    first_wait_s: float = 0.5
    max_wait_s: float = 30.0
    total_s: float = 120.0
    rate_limited_hold_s: float = 1.0
    """Pause of all hh.ru requests after a 429 without ``Retry-After`` (hh.ru documents none)."""


@dataclass(frozen=True)
class Listing:
    """All negotiations of a vacancy, deduplicated by id, and where the listing was cut short."""

    negotiations: list[Negotiation]
    truncated_collections: list[str] = field(default_factory=list)


class HhClient:
    """hh.ru API calls of one account, parsed into models; errors are :mod:`hhsync.hh.errors`."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        auth: httpx.Auth | None,
        budget: RequestBudget,
        account_key: str,
        priority: Priority = Priority.INCREMENTAL,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_depth_items: int | None = DEFAULT_MAX_DEPTH_ITEMS,
        trusted_hosts: frozenset[str] = DEFAULT_TRUSTED_HOSTS,
    ) -> None:
        self._http = http
        self._auth = auth
        self._budget = budget
        self._account_key = account_key
        self._priority = priority
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._max_depth_items = max_depth_items
        self._trusted_hosts = trusted_hosts | {http.base_url.host}

    def with_priority(self, priority: Priority) -> HhClient:
        """The same account's client, queued at another budget priority (back-fills)."""
        return HhClient(
            self._http,
            auth=self._auth,
            budget=self._budget,
            account_key=self._account_key,
            priority=priority,
            retry=self._retry,
            sleep=self._sleep,
            max_depth_items=self._max_depth_items,
            trusted_hosts=self._trusted_hosts,
        )

    # --- who am I ---------------------------------------------------------------------------

    async def me(self) -> Me:
        """The logged-in manager: ``employer.id`` and ``manager.id`` drive every later call."""
        return await self._get_model("/me", Me)

    async def managers(self, employer_id: str) -> list[Manager]:
        """Every manager of the company (for per-manager vacancy lists and routing)."""
        path = f"/employers/{employer_id}/managers"
        walk = self._walk(MAX_PER_PAGE_MANAGERS, MAX_PER_PAGE_MANAGERS)
        return [
            manager
            async for page in walk_pages(walk, self._pager(path, ManagersPage))
            for manager in page.items
        ]

    # --- vacancies --------------------------------------------------------------------------

    async def active_vacancies(
        self, employer_id: str, *, all_accessible: bool = True, manager_id: str | None = None
    ) -> list[Vacancy]:
        """The employer's active vacancies with counters, all pages (50 a page, hh.ru's cap).

        ``all_accessible`` lists the vacancies of every manager this one may see; hh.ru forbids
        combining it with ``manager_id`` (hh.ru OpenAPI spec, vacancy list parameters), so a
        given ``manager_id`` wins.
        """
        params: dict[str, str] = {}
        if manager_id is not None:
            params["manager_id"] = manager_id
        elif all_accessible:
            params["all_accessible"] = "true"
        path = f"/employers/{employer_id}/vacancies/active"
        walk = self._walk(MAX_PER_PAGE_ACTIVE_VACANCIES, MAX_PER_PAGE_ACTIVE_VACANCIES)
        return [
            vacancy
            async for page in walk_pages(walk, self._pager(path, VacanciesPage, params))
            for vacancy in page.items
        ]

    async def archived_vacancies(
        self, employer_id: str, *, manager_id: str | None = None, per_page: int = 100
    ) -> list[Vacancy]:
        """The employer's archived vacancies (counters: responses and invitations only)."""
        params = {"manager_id": manager_id} if manager_id is not None else {}
        path = f"/employers/{employer_id}/vacancies/archived"
        walk = self._walk(per_page, MAX_PER_PAGE_ARCHIVED_VACANCIES)
        return [
            vacancy
            async for page in walk_pages(walk, self._pager(path, VacanciesPage, params))
            for vacancy in page.items
        ]

    # --- negotiations -----------------------------------------------------------------------

    async def negotiation_collections(self, vacancy_id: str) -> NegotiationCollections:
        """The collections of one vacancy, with totals to compare against the last pass."""
        return await self._get_model(
            "/negotiations", NegotiationCollections, {"vacancy_id": vacancy_id}
        )

    async def negotiation_pages(
        self, collection_url: str, *, order_by: str | None = None, per_page: int = 50
    ) -> AsyncIterator[NegotiationsPage]:
        """Page through one collection (its ``url`` as hh.ru gave it), 50 a page at most."""
        params = {"order_by": order_by} if order_by is not None else {}
        walk = self._walk(per_page, MAX_PER_PAGE_NEGOTIATIONS)
        async for page in walk_pages(walk, self._pager(collection_url, NegotiationsPage, params)):
            yield page

    async def collection_negotiations(
        self, collection_url: str, *, order_by: str | None = None
    ) -> tuple[list[Negotiation], bool]:
        """Every negotiation of one collection, and whether the depth limit cut the list short."""
        params = {"order_by": order_by} if order_by is not None else {}
        walk = self._walk(MAX_PER_PAGE_NEGOTIATIONS, MAX_PER_PAGE_NEGOTIATIONS)
        items = [
            negotiation
            async for page in walk_pages(
                walk, self._pager(collection_url, NegotiationsPage, params)
            )
            for negotiation in page.items
        ]
        return items, walk.truncated

    async def vacancy_negotiations(self, vacancy_id: str) -> Listing:
        """Every negotiation of a vacancy: all its collections, deduplicated by id.

        A negotiation can move between collections while we page (a state change moves it, and
        hh.ru documents no stable paging), so it may be seen twice (kept once, the later-updated
        copy) or missed until the next pass.
        """
        collections = await self.negotiation_collections(vacancy_id)
        seen: dict[str, Negotiation] = {}
        truncated: list[str] = []
        for collection in collections.collections:
            items, cut = await self.collection_negotiations(collection.url)
            if cut:
                truncated.append(collection.id)
            for negotiation in items:
                known = seen.get(negotiation.id)
                if known is None or negotiation.updated_at > known.updated_at:
                    seen[negotiation.id] = negotiation
        return Listing(list(seen.values()), truncated)

    async def negotiation(self, negotiation_id: str) -> Negotiation:
        """One negotiation with its vacancy (``GET /negotiations/{id}``)."""
        return await self._get_model(f"/negotiations/{negotiation_id}", Negotiation)

    async def change_state(self, action_url: str, *, message: str | None = None) -> None:
        """Apply an action from ``negotiation.actions`` (``PUT`` its ``url``; 204 on success).

        Without ``message`` the move is silent for the applicant; an empty message is refused by
        hh.ru (``403 empty_message``), so it is not sent at all.
        """
        form = {"message": message} if message else None
        await self._send("PUT", action_url, data=form)

    # --- resumes ----------------------------------------------------------------------------

    async def resume(self, resume_url: str) -> Resume:
        """The full resume with contacts, from the negotiation's ``resume.url``.

        That URL carries ``topic_id``: fetching it marks the response viewed and may count against
        the manager's daily view limit (``ViewLimitExceeded``).
        """
        return await self._get_model(resume_url, Resume)

    async def resume_pdf(self, pdf_url: str, *, max_bytes: int = DEFAULT_PDF_MAX_BYTES) -> bytes:
        """Download the resume PDF (``resume.actions.download.pdf.url``), streamed and size-capped.

        Raises:
            ResumePdfTooLarge: the file is bigger than ``max_bytes``.
            InvalidPayload: the body is not a PDF.
        """
        async for attempt in self._retrying():
            with attempt:
                return await self._download_pdf_once(pdf_url, max_bytes)
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover

    # --- plumbing ---------------------------------------------------------------------------

    def _walk(self, per_page: int, max_per_page: int) -> PageWalk:
        return PageWalk(per_page, max_per_page=max_per_page, max_depth_items=self._max_depth_items)

    def _pager(
        self, url: str, model: type[_PageT], params: Mapping[str, str] | None = None
    ) -> Callable[[PageRequest], Awaitable[_PageT]]:
        async def fetch(request: PageRequest) -> _PageT:
            query = {**(params or {}), "page": str(request.page), "per_page": str(request.per_page)}
            return await self._get_model(url, model, query)

        return fetch

    async def _get_model(
        self, url: str, model: type[_Model], params: Mapping[str, str] | None = None
    ) -> _Model:
        response = await self._send("GET", url, params=params)
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            raise InvalidPayload(
                f"hh.ru answer to GET {_path_of(url)} does not fit {model.__name__}: "
                f"{_summarise(exc)}",
                status_code=response.status_code,
                request_id=request_id_of(response.headers),
            ) from exc

    async def _send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        self._check_url(url)
        async for attempt in self._retrying():
            with attempt:
                return await self._send_once(method, url, params=params, data=data)
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover

    async def _send_once(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None,
        data: Mapping[str, str] | None,
    ) -> httpx.Response:
        await self._budget.acquire(self._account_key, self._priority)
        try:
            response = await self._http.request(
                method, _with_params(url, params), data=data, auth=self._auth
            )
        except httpx.TransportError as exc:
            raise NetworkError(
                f"hh.ru {method} {_path_of(url)} failed: {type(exc).__name__}"
            ) from exc
        self._raise_for_answer(response)
        return response

    async def _download_pdf_once(self, pdf_url: str, max_bytes: int) -> bytes:
        self._check_url(pdf_url)
        await self._budget.acquire(self._account_key, self._priority)
        try:
            async with self._http.stream("GET", pdf_url, auth=self._auth) as response:
                if response.status_code >= 400:
                    await response.aread()
                    self._raise_for_answer(response)
                declared = response.headers.get("Content-Length")
                if declared is not None and declared.isdigit() and int(declared) > max_bytes:
                    raise _too_large(response, max_bytes)
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise _too_large(response, max_bytes)
                    chunks.append(chunk)
        except httpx.TransportError as exc:
            raise NetworkError(f"hh.ru resume PDF download failed: {type(exc).__name__}") from exc
        body = b"".join(chunks)
        if not body.startswith(PDF_MAGIC):
            raise InvalidPayload(
                f"hh.ru resume download at {_path_of(pdf_url)} is not a PDF",
                status_code=response.status_code,
                request_id=request_id_of(response.headers),
            )
        return body

    def _raise_for_answer(self, response: httpx.Response) -> None:
        error = error_for_api_answer(response.status_code, response.headers, response.content)
        if error is None:
            return
        if isinstance(error, RateLimited):
            # hh.ru limits per client IP: every account of the process pauses, not just this one.
            self._budget.hold(
                error.retry_after_s
                if error.retry_after_s is not None
                else self._retry.rate_limited_hold_s
            )
        raise error

    def _retrying(self) -> AsyncRetrying:
        policy = self._retry
        return AsyncRetrying(
            stop=stop_after_attempt(policy.attempts) | stop_after_delay(policy.total_s),
            wait=wait_exponential_jitter(
                multiplier=policy.first_wait_s, max=policy.max_wait_s, jitter=policy.first_wait_s
            ),
            retry=retry_if_exception_type((ServerError, NetworkError, RateLimited)),
            sleep=self._sleep,
            reraise=True,
            before_sleep=_log_retry,
        )

    def _check_url(self, url: str) -> None:
        host = urlsplit(url).hostname
        if host is not None and host not in self._trusted_hosts:
            raise InvalidPayload(
                f"refusing to send hh.ru credentials to {host!r} (URL in a payload)"
            )


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome is not None else None
    get_logger("hhsync.hh").info(  # looked up per call: log configuration may change
        EVENT_HH_RETRY,
        error=type(error).__name__,
        request_id=getattr(error, "request_id", None),
        attempt=state.attempt_number,
        wait_s=round(state.upcoming_sleep, 3),
    )


def _too_large(response: httpx.Response, max_bytes: int) -> ResumePdfTooLarge:
    return ResumePdfTooLarge(
        f"resume PDF is larger than {max_bytes} bytes; raise hh.resume_pdf_max_bytes to accept it",
        status_code=response.status_code,
        request_id=request_id_of(response.headers),
    )


def _with_params(url: str, params: Mapping[str, str] | None) -> httpx.URL:
    # Collection URLs arrive with ?vacancy_id=; httpx's params= would replace that query.
    target = httpx.URL(url)
    return target.copy_merge_params(dict(params)) if params else target


def _path_of(url: str) -> str:
    return urlsplit(url).path or url


def _summarise(exc: ValidationError, limit: int = 3) -> str:
    problems = [
        f"{'.'.join(str(part) for part in error['loc']) or '<body>'}: {error['msg']}"
        for error in exc.errors()[:limit]
    ]
    more = exc.error_count() - limit
    return "; ".join(problems) + (f" (+{more} more)" if more > 0 else "")
