"""The one place that sends HTTP to a Bitrix24 portal: a call, a batch, and the retry rules.

Each request first takes a slot from the portal's :class:`PortalLimiter`, goes out as a JSON POST
to ``<client_endpoint><method>`` with the token added by :class:`BitrixAuth`, and comes back as an
:class:`Envelope` or one classified exception. Retries happen only here, only for ``Retriable``
errors, bounded by attempts *and* total time, with jitter and honouring ``retry_after``.

A call that is not idempotent (``*.add``, and any write unless said otherwise) is never resent once
it may have reached the portal (read timeout, dropped connection, 5xx, garbled 2xx): it raises
:class:`OutcomeUnknown` so the engine can look the entity up by ORIGIN_ID first (Bitrix24 has no
idempotent create; its REST docs: "Duplicates are not filtered out").
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    wait_exponential_jitter,
)

from hhsync.bitrix.auth import BitrixAuth
from hhsync.bitrix.batch import (
    BatchResult,
    Command,
    CommandFailed,
    CommandResult,
    build_batch,
    parse_batch,
)
from hhsync.bitrix.batch_time import REQUEST_CUTOFF_S
from hhsync.bitrix.errors import (
    BitrixError,
    ErrorObserver,
    OperatingTimeHeld,
    OperationTimeLimit,
    OutcomeUnknown,
    PortalHold,
    PortalMoved,
    QueryLimitExceeded,
    SendWindowMissed,
    ServerError,
    UnexpectedResponse,
    classify,
)
from hhsync.bitrix.limiter import OperatingPaused, PortalLimiter, Sleep
from hhsync.errors import Retriable
from hhsync.log import get_logger

log = get_logger(__name__)
T = TypeVar("T")

GATEWAY_TIMEOUT: Final = 504
"""What the front end answers when a request runs past the portal's 60 s cut-off."""

# Suffixes of methods that only read: resending them can never create anything twice.
_READ_SUFFIXES: Final = (
    ".get",
    ".list",
    ".fields",
    ".info",
    ".current",
    ".admin",
    ".search",
    ".items",
    ".findbycomm",
    ".types",
)
_READ_METHODS: Final = frozenset({"profile", "scope", "methods", "app.info", "user.admin"})


def is_idempotent(method: str) -> bool:
    """Whether resending ``method`` after an unknown outcome is harmless (reads only)."""
    lowered = method.lower()
    return lowered in _READ_METHODS or lowered.endswith(_READ_SUFFIXES)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds of the client's retries: attempts and total seconds, jittered exponential waits.

    Seconds are those of the limiter's clock (sandbox seconds under a time scale).
    """

    attempts: int = 6
    total_s: float = 120.0
    initial_wait_s: float = 0.5
    max_wait_s: float = 30.0
    sleep: Sleep = asyncio.sleep


@dataclass(frozen=True)
class Envelope:
    """A successful answer: ``result``, list ``total``/``next`` when present, and ``time``."""

    result: Any
    total: int | None = None
    next: int | None = None
    time: Mapping[str, Any] | None = None


def without_auth(url: str) -> str:
    """``url`` without its ``auth`` query parameter (the token must never reach logs or errors)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "auth"]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _int_or_none(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def _retry_after_header(response: httpx.Response) -> float | None:
    raw = response.headers.get("Retry-After")
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None


class BitrixRest:
    """Low-level REST access to one portal (use :class:`hhsync.bitrix.client.BitrixClient`)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        auth: BitrixAuth,
        limiter: PortalLimiter,
        retry: RetryPolicy | None = None,
        on_error: ErrorObserver | None = None,
        write_timeout_s: float | None = None,
    ) -> None:
        self._http = http
        self._write_timeout_s = write_timeout_s
        """The whole exchange of a write request is given up after this (outcome unknown)."""
        self.auth = auth
        self.limiter = limiter
        self._retry = retry or RetryPolicy()
        self._on_error = on_error
        self._backoff = wait_exponential_jitter(
            multiplier=self._retry.initial_wait_s,
            max=self._retry.max_wait_s,
            jitter=self._retry.initial_wait_s,
        )
        self.query_limit_responses = 0

    def url(self, method: str) -> str:
        """``<client_endpoint><method>.json`` for the portal's current endpoint."""
        return f"{self.auth.tokens.client_endpoint}{method}.json"

    async def call(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        *,
        idempotent: bool | None = None,
    ) -> Envelope:
        """Call one method; retries Retriable failures within the policy's bounds."""
        safe = is_idempotent(method) if idempotent is None else idempotent
        body = dict(params or {})

        async def once() -> Envelope:
            parsed = await self._send(method, body, safe, (method,))
            if not isinstance(parsed, Mapping) or "result" not in parsed:
                error = UnexpectedResponse(
                    f"Bitrix24 {method}: answer has no result", method=method
                )
                self._observe(error)
                raise self._unknown_if_unsafe(error, safe)
            self.limiter.observe(method, parsed.get("time"))
            return Envelope(
                parsed["result"],
                _int_or_none(parsed.get("total")),
                _int_or_none(parsed.get("next")),
                parsed.get("time"),
            )

        return await self._retrying(once)

    async def batch(
        self,
        commands: Mapping[str, Command],
        *,
        halt: bool = False,
        send_by: float | None = None,
    ) -> BatchResult:
        """Run up to 50 commands in one request (``halt=0``: a bad command does not stop the rest).

        Per-command failures are in the result, never raised (but told to ``on_error``); the batch
        as a whole is retried only for failures that happen before it runs (rate limit, connection
        refused, expired token). ``send_by`` (limiter seconds): no attempt starts after it; a
        batch still held back by the portal's limits then raises :class:`SendWindowMissed`.
        """
        payload = build_batch(commands, halt=halt)
        safe = all(is_idempotent(c.method) for c in commands.values())
        inner = [c.method for c in commands.values()]  # one per command: a 504 weighs them

        async def once() -> BatchResult:
            parsed = await self._send("batch", payload, safe, inner, send_by)
            try:
                result = parse_batch(parsed, commands)
            except ValueError as exc:
                error = UnexpectedResponse(f"Bitrix24 batch: {exc}", method="batch")
                self._observe(error)
                raise self._unknown_if_unsafe(error, safe) from exc
            self._book_batch(result)
            return result

        return await self._retrying(once)

    def _book_batch(self, result: BatchResult) -> None:
        # Each inner command counts against its own method's budget; the batch does not (limits.md).
        for outcome in result.outcomes.values():
            if isinstance(outcome, CommandFailed):
                self._observe(outcome.error)
                if isinstance(outcome.error, OperationTimeLimit):
                    outcome.error.retry_after_s = self.limiter.operation_time_limit(
                        outcome.method, outcome.error.retry_after_s
                    )
            elif isinstance(outcome, CommandResult):
                self.limiter.observe(outcome.method, outcome.time)

    async def ready(
        self, methods: Iterable[str], *, max_operating_wait_s: float | None = None
    ) -> None:
        """Wait until the portal's limits would let a request for ``methods`` go at once (an
        operating-time pause only up to ``max_operating_wait_s``)."""
        await self.limiter.ready(methods, max_operating_wait_s=max_operating_wait_s)

    async def _send(
        self,
        method: str,
        body: Mapping[str, Any],
        safe: bool,
        inner: Iterable[str],
        send_by: float | None = None,
    ) -> Any:
        try:
            async with self.limiter.slot(inner, until=send_by):
                if send_by is not None and self.limiter.now() > send_by:
                    raise SendWindowMissed(
                        f"Bitrix24 {method}: not sent, the portal's limits held it past its send"
                        " window",
                        method=method,
                    )
                # A write's whole exchange is bounded, so the portal cannot still be starting it
                # long after it was marked in flight (see hhsync.model.deadlines).
                async with asyncio.timeout(None if safe else self._write_timeout_s):
                    response = await self._http.post(self.url(method), json=body, auth=self.auth)
        except OperatingPaused as paused:
            # Waiting out the pause would miss the send window: refused unsent, retried later.
            raise OperatingTimeHeld(
                f"Bitrix24 {method}: not sent, the operating-time budget of {paused.method} on"
                " the portal is used up (480 s per 10 minutes, other applications' time"
                f" included) for {math.ceil(paused.wait_s)} s more",
                retry_after_s=paused.wait_s,
                method=method,
            ) from paused
        except TimeoutError as exc:
            # Only a write is bounded here: it ran for the whole bound, not the portal's 60 s.
            bound = self._write_timeout_s
            self.limiter.request_timed_out(inner, REQUEST_CUTOFF_S if bound is None else bound)
            raise self._unknown_if_unsafe(
                ServerError(f"Bitrix24 {method}: no answer in time", method=method), safe
            ) from exc
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # Never left this machine: safe to resend whatever the method.
            raise ServerError(
                f"Bitrix24 {method}: cannot connect ({type(exc).__name__})", method=method
            ) from exc
        except httpx.HTTPError as exc:
            raise self._unknown_if_unsafe(
                ServerError(f"Bitrix24 {method}: no answer ({type(exc).__name__})", method=method),
                safe,
            ) from exc
        try:
            parsed: Any = response.json()
        except ValueError:
            parsed = None
        if response.is_success and isinstance(parsed, Mapping) and "error" not in parsed:
            return parsed
        error: BitrixError
        if response.is_redirect:
            # A portal whose domain changed answers 302; a POST must not silently become a GET.
            location = without_auth(response.headers.get("Location", ""))
            error = PortalMoved(
                f"Bitrix24 {method}: portal redirected to {location!r}; its domain changed",
                location=location,
                status=response.status_code,
                method=method,
            )
        else:
            error = classify(
                response.status_code,
                parsed,
                method=method,
                retry_after_s=_retry_after_header(response),
            )
        self._observe(error)
        if response.status_code == GATEWAY_TIMEOUT:
            # the portal's 60 s cut-off (limits.md): the next batches of these methods shrink
            self.limiter.request_timed_out(inner)
        if isinstance(error, QueryLimitExceeded):
            self.query_limit_responses += 1
            self.limiter.query_limit_exceeded()
        elif isinstance(error, OperationTimeLimit):
            for name in inner:
                error.retry_after_s = self.limiter.operation_time_limit(name, error.retry_after_s)
        raise self._unknown_if_unsafe(error, safe)

    def _observe(self, error: BitrixError) -> None:
        if self._on_error is not None:
            self._on_error(error)

    @staticmethod
    def _unknown_if_unsafe(error: BitrixError, safe: bool) -> BitrixError:
        if safe or not isinstance(error, ServerError | UnexpectedResponse):
            return error
        unknown = OutcomeUnknown(
            f"{error}; the write may have been applied — look it up before repeating it",
            code=error.code,
            description=error.description,
            status=error.status,
            method=error.method,
        )
        unknown.__cause__ = error
        return unknown

    def _wait(self, state: RetryCallState) -> float:
        backoff = self._backoff(state)
        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, QueryLimitExceeded):
            return backoff  # the limiter already refilled its bucket; a short jittered pause
        hinted = getattr(error, "retry_after_s", None)
        return max(backoff, float(hinted)) if hinted else backoff

    async def _retrying(self, attempt: Callable[[], Awaitable[T]]) -> T:
        def retriable(exc: BaseException) -> bool:
            # A portal hold (OVERLOAD_LIMIT...) lasts until a person acts: never retried here.
            return isinstance(exc, Retriable) and not isinstance(
                exc, OutcomeUnknown | SendWindowMissed | PortalHold
            )

        started = self.limiter.now()

        def stop(state: RetryCallState) -> bool:
            # Attempts and total time, counting the wait ahead: a 10-minute operating-time pause
            # is handed to the caller as Retriable(retry_after) instead of being slept here.
            if state.attempt_number >= self._retry.attempts:
                return True
            ahead = state.upcoming_sleep or 0.0
            return self.limiter.now() - started + ahead > self._retry.total_s

        retrying = AsyncRetrying(
            retry=retry_if_exception(retriable),
            stop=stop,
            wait=self._wait,
            sleep=self._retry.sleep,
            reraise=True,
            before_sleep=self._log_retry,
        )
        async for try_ in retrying:
            with try_:
                return await attempt()
        raise AssertionError("unreachable: tenacity reraises the last error")  # pragma: no cover

    @staticmethod
    def _log_retry(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        log.info(
            "bitrix.retry",
            attempt=state.attempt_number,
            error=type(error).__name__,
            method=getattr(error, "method", ""),
        )
