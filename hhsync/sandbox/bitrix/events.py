"""Event delivery: each event POSTed once to each handler, and the answer's status recorded.

Bitrix24 never retries an event: "If your server does not respond or returns an error, the
Bitrix24 queue server will log the failure but will not resend the event" (REST docs,
``api-reference/events/index.md``). Every attempt lands in ``portal.app.deliveries``, which the
admin API shows (``GET /_sandbox/portals/{domain}/events``). The forms come from :mod:`.install`.
"""

from __future__ import annotations

import httpx

from hhsync.sandbox.bitrix.app_state import EventDelivery
from hhsync.sandbox.bitrix.store import Portal

DELIVERY_TIMEOUT_S = 10.0


def bound_handlers(portal: Portal, event: str) -> list[str]:
    """The handler URLs bound to ``event`` with ``event.bind`` (online handlers only)."""
    return [h["handler"] for h in portal.event_handlers if h["event"] == event and h["handler"]]


async def deliver(
    portal: Portal, event: str, handlers: list[str], form: dict[str, str], at: str
) -> list[EventDelivery]:
    """POST ``form`` once to each distinct handler, form-encoded as a portal sends events."""
    sent: list[EventDelivery] = []
    async with httpx.AsyncClient(timeout=DELIVERY_TIMEOUT_S) as client:
        for handler in dict.fromkeys(handlers):
            status: int | None = None
            error: str | None = None
            try:
                status = (await client.post(handler, data=form)).status_code
            except (httpx.HTTPError, httpx.InvalidURL) as failure:
                # the queue server logs the failure and drops the event: so do we
                error = failure.__class__.__name__
            delivery = EventDelivery(event, handler, status, error, at)
            portal.app.deliveries.append(delivery)
            sent.append(delivery)
    return sent
