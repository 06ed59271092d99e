"""What the process's HTTP traffic tells ``/metrics``: requests by status, errors by code, waits.

Observation sits at the edges the clients already have, so hhsync.hh and hhsync.bitrix stay free
of Prometheus: the httpx transport sees every request once, whichever client method (or the OAuth
flow) sent it, and also the ones that got no response, which a response event hook never sees;
the Bitrix24 client tells its classified errors (per command inside a batch too) to an
``on_error`` observer; the hh.ru budget and the Bitrix24 limiters tell their waits to ``on_wait``.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from hhsync.bitrix.errors import BitrixError, ErrorObserver
from hhsync.metrics import NO_RESPONSE, Metrics

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


def pooled_transport(
    max_connections: int, local_address: str | None = None
) -> httpx.AsyncHTTPTransport:
    """The bounded connection pool an ``AsyncClient`` would build itself from ``limits``,
    leaving from ``local_address`` when one is given (hh.ru limits per client address)."""
    return httpx.AsyncHTTPTransport(
        limits=httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        ),
        local_address=local_address,
    )


def hh_observer(metrics: Metrics) -> StatusObserver:
    """hh.ru: every answer by status; 4xx/5xx and missing answers are errors too."""

    def observe(status: int | None) -> None:
        metrics.hh_request(status)
        if status is None or status >= 400:
            metrics.hh_error(status)

    return observe


def bitrix_observer(metrics: Metrics) -> StatusObserver:
    """Bitrix24: every answer by status; a missing answer is an error (other errors come from
    :func:`bitrix_error_observer`, which knows the portal's code)."""

    def observe(status: int | None) -> None:
        metrics.bitrix_request(status)
        if status is None:
            metrics.bitrix_error(NO_RESPONSE)

    return observe


def bitrix_error_observer(metrics: Metrics) -> ErrorObserver:
    """Bitrix24 errors as the client classified them, by the portal's code.

    Legacy CRM methods answer ``"error": ""`` with the meaning only in the text (a required field,
    in the Bitrix24 REST docs' example): those count under hhsync's class for them
    (``RecordRejected``), which stays low-cardinality where the text would not.
    """

    def observe(error: BitrixError) -> None:
        metrics.bitrix_error(error.code or type(error).__name__)

    return observe
