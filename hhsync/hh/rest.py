"""The one place that sends HTTP to hh.ru: the shared HTTP client, retries, and error mapping.

One ``httpx.AsyncClient`` per process (:func:`new_http_client`: base URL, the required User-Agent,
timeouts, a bounded connection pool) is shared by one :class:`HhRest` per account, which adds the
account's :class:`~hhsync.hh.auth.HhAuth`, the process-wide
:class:`~hhsync.hh.budget.RequestBudget`, bounded retries of passing failures, a refusal to send
credentials to hosts hh.ru does not own, and parsing answers into models. The typed endpoints are
:class:`hhsync.hh.client.HhClient`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ValidationError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
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
from hhsync.log import get_logger

DEFAULT_BASE_URL = "https://api.hh.ru"
# Hosts hh.ru itself puts into payload URLs (PDF links may point at hh.ru, as in the examples of
# hhru/api docs/employer_negotiations.md).
DEFAULT_TRUSTED_HOSTS = frozenset({"api.hh.ru", "hh.ru"})
PDF_MAGIC = b"%PDF"
EVENT_HH_RETRY = "hh.request_retried"

_Model = TypeVar("_Model", bound=BaseModel)


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
    """How passing failures (5xx, network, 429) are retried: bounded by attempts and total time.

    A *counted* request (a resume open: ``GET /resumes/{id}`` or its PDF download) is retried
    only where hh.ru cannot have counted it: a 429 (refused before the work) or a connection
    never made. hh.ru counts every open against the manager's daily views (hhru/api #855) and
    may count one it then answers 5xx or whose answer breaks on the way, so such a failure is
    not repeated in the request: one failed open costs at most one view per pass, and the
    response is retried in a later pass at the sync's backoff.
    """

    attempts: int = 4
    first_wait_s: float = 0.5
    max_wait_s: float = 30.0
    total_s: float = 120.0
    rate_limited_hold_s: float = 1.0
    """Pause of all hh.ru requests after a 429 without ``Retry-After`` (hh.ru documents none)."""


@dataclass(frozen=True)
class HhRest:
    """One account's requests to hh.ru; errors are :mod:`hhsync.hh.errors`."""

    http: httpx.AsyncClient
    auth: httpx.Auth | None
    budget: RequestBudget
    account_key: str
    priority: Priority
    retry: RetryPolicy
    sleep: Callable[[float], Awaitable[None]]
    trusted_hosts: frozenset[str]
    """Hosts that may receive the account's token (a payload URL elsewhere is refused)."""
    base_url: str | None = None
    """Where relative paths go when ``http`` has no base URL of its own (a shared client)."""

    async def get_model(
        self,
        url: str,
        model: type[_Model],
        params: Mapping[str, str] | None = None,
        *,
        counted: bool = False,
    ) -> _Model:
        """``GET`` ``url`` parsed into ``model``; ``InvalidPayload`` if the answer does not fit.
        ``counted``: hh.ru counts the request against a daily limit (see :class:`RetryPolicy`)."""
        response = await self.send("GET", url, params=params, counted=counted)
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            raise InvalidPayload(
                f"hh.ru answer to GET {_path_of(url)} does not fit {model.__name__}: "
                f"{_summarise(exc)}",
                status_code=response.status_code,
                request_id=request_id_of(response.headers),
            ) from exc

    async def send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        counted: bool = False,
    ) -> httpx.Response:
        """One request, retried on passing failures (a ``counted`` one only where hh.ru cannot
        have counted it); an hh.ru error answer raises."""
        if self.base_url is not None and url.startswith("/"):
            url = f"{self.base_url.rstrip('/')}{url}"
        self._check_url(url)
        async for attempt in self._retrying(counted=counted):
            with attempt:
                return await self._send_once(method, url, params=params, data=data)
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover

    async def download_pdf(self, pdf_url: str, max_bytes: int) -> bytes:
        """A resume PDF, streamed and size-capped: a counted open, retried only where hh.ru
        cannot have counted it (:class:`RetryPolicy`)."""
        async for attempt in self._retrying(counted=True):
            with attempt:
                return await self._download_pdf_once(pdf_url, max_bytes)
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover

    async def _send_once(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None,
        data: Mapping[str, str] | None,
    ) -> httpx.Response:
        await self.budget.acquire(self.account_key, self.priority)
        try:
            response = await self.http.request(
                method, _with_params(url, params), data=data, auth=self.auth
            )
        except httpx.TransportError as exc:
            raise NetworkError(
                f"hh.ru {method} {_path_of(url)} failed: {type(exc).__name__}",
                reached=_may_have_reached(exc),
            ) from exc
        self._raise_for_answer(response)
        return response

    async def _download_pdf_once(self, pdf_url: str, max_bytes: int) -> bytes:
        self._check_url(pdf_url)
        await self.budget.acquire(self.account_key, self.priority)
        try:
            async with self.http.stream("GET", pdf_url, auth=self.auth) as response:
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
            raise NetworkError(
                f"hh.ru resume PDF download failed: {type(exc).__name__}",
                reached=_may_have_reached(exc),
            ) from exc
        body = b"".join(chunks)
        if not body.startswith(PDF_MAGIC):
            raise InvalidPayload(
                f"hh.ru resume download at {_path_of(pdf_url)} is not a PDF",
                status_code=response.status_code,
                request_id=request_id_of(response.headers),
            )
        return body

    def _raise_for_answer(self, response: httpx.Response) -> None:
        request = response.request
        error = error_for_api_answer(
            response.status_code,
            response.headers,
            response.content,
            where=f"{request.method} {request.url.path}",
        )
        if error is None:
            return
        if isinstance(error, RateLimited):
            # hh.ru limits per client IP: every account of the process pauses, not just this one.
            self.budget.hold(
                error.retry_after_s
                if error.retry_after_s is not None
                else self.retry.rate_limited_hold_s
            )
        raise error

    def _retrying(self, *, counted: bool = False) -> AsyncRetrying:
        policy = self.retry
        return AsyncRetrying(
            stop=stop_after_attempt(policy.attempts) | stop_after_delay(policy.total_s),
            wait=wait_exponential_jitter(
                multiplier=policy.first_wait_s, max=policy.max_wait_s, jitter=policy.first_wait_s
            ),
            retry=retry_if_exception(_counted_retriable if counted else _retriable),
            sleep=self.sleep,
            reraise=True,
            before_sleep=_log_retry,
        )

    def _check_url(self, url: str) -> None:
        host = urlsplit(url).hostname
        if host is not None and host not in self.trusted_hosts:
            raise InvalidPayload(
                f"refusing to send hh.ru credentials to {host!r} (URL in a payload)"
            )


def _retriable(exc: BaseException) -> bool:
    return isinstance(exc, ServerError | NetworkError | RateLimited)


def _counted_retriable(exc: BaseException) -> bool:
    """What a counted request may repeat: what hh.ru refused before counting, or never got."""
    if isinstance(exc, RateLimited):
        return True
    return isinstance(exc, NetworkError) and not exc.reached


def _may_have_reached(exc: httpx.TransportError) -> bool:
    """Whether hh.ru may have received the request (not so when no connection was made)."""
    return not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


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
