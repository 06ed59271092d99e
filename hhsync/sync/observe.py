"""What the process's HTTP traffic tells ``/metrics``: requests by status, errors by code, waits.

Observation sits at the edges the clients already have (the httpx transport and response hooks,
the limiters' wait callbacks), so hhsync.hh and hhsync.bitrix stay free of Prometheus and every
request is counted once, whichever client method sent it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Final

import httpx

from hhsync.metrics import Metrics

NO_ANSWER: Final = "no_response"

StatusObserver = Callable[[int | None], None]


class ObservedTransport(httpx.AsyncBaseTransport):
    """Wraps a transport; tells ``observe`` each answer's status, or ``None`` when none came."""

    def __init__(self, inner: httpx.AsyncBaseTransport, observe: StatusObserver) -> None:
        self._inner = inner
        self._observe = observe

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send through the wrapped transport, counting the outcome."""
        try:
            response = await self._inner.handle_async_request(request)
        except httpx.TransportError:
            self._observe(None)
            raise
        self._observe(response.status_code)
        return response

    async def aclose(self) -> None:
        """Close the wrapped transport (the pool)."""
        await self._inner.aclose()


def pooled_transport(max_connections: int) -> httpx.AsyncHTTPTransport:
    """The bounded connection pool an ``AsyncClient`` would build itself from ``limits``."""
    return httpx.AsyncHTTPTransport(
        limits=httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        )
    )


def hh_observer(metrics: Metrics) -> StatusObserver:
    """hh.ru: every answer by status; 4xx/5xx and missing answers are errors too."""

    def observe(status: int | None) -> None:
        metrics.hh_request(status)
        if status is None or status >= 400:
            metrics.hh_error(status)

    return observe


def bitrix_observer(metrics: Metrics) -> StatusObserver:
    """Bitrix24: every answer by status; a missing answer is an error (codes come from bodies)."""

    def observe(status: int | None) -> None:
        metrics.bitrix_request(status)
        if status is None:
            metrics.bitrix_error(NO_ANSWER)

    return observe


def bitrix_error_hook(metrics: Metrics) -> Callable[[httpx.Response], Any]:
    """A response hook counting Bitrix24 error codes: the envelope's ``error`` and, in a batch,
    each failed command's (``result_error``). Only error answers and batches are parsed."""

    async def hook(response: httpx.Response) -> None:
        method = response.request.url.path.rstrip("/").rsplit("/", 1)[-1]
        is_batch = method in ("batch", "batch.json")
        if response.status_code < 400 and not is_batch:
            return
        await response.aread()
        for code in error_codes(response.status_code, response.content):
            metrics.bitrix_error(code)

    return hook


def error_codes(status: int, body: bytes) -> list[str]:
    """The Bitrix24 error codes an answer carries (``http_<status>`` if an error has none)."""
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    codes: list[str] = []
    if isinstance(parsed, Mapping):
        if parsed.get("error"):
            codes.append(str(parsed["error"]))
        inner = parsed.get("result")
        failed = inner.get("result_error") if isinstance(inner, Mapping) else None
        if isinstance(failed, Mapping):
            codes.extend(
                str(e.get("error") or "unknown") if isinstance(e, Mapping) else "unknown"
                for e in failed.values()
            )
    if status >= 400 and not codes:
        codes.append(f"http_{status}")
    return codes
