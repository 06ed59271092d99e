"""How long a write sent to a Bitrix24 portal can go on, and what follows from that. Pure.

A create whose answer never arrived (timeout, crash, lost lease) may still be running at the
portal. Looking it up by origin before it has finished finds nothing, and a create sent then makes
a duplicate. So every write batch obeys three bounds:

* it leaves this machine within :data:`SEND_WINDOW_S` of being marked in flight, or not at all;
* our side gives it up after ``bitrix.request_timeout_s`` (the whole exchange, not one read);
* the portal ends any request after ``bitrix.request_cutoff_s`` (60 s on Bitrix24), even when the
  client has gone, and it cannot begin one whose body it never fully received.

A negotiation marked in flight is therefore looked up, and created again, only after
:func:`in_flight_hold_s` has passed since it was marked.
"""

from __future__ import annotations

from typing import Final

SEND_WINDOW_S: Final = 2.0
"""A write batch marked in flight must start sending within this many seconds (the limiter's wait
comes before the marking, so this covers only the commit, the lease fence and the last slot)."""
CLOCK_MARGIN_S: Final = 5.0
"""Allowance for two instances' clocks disagreeing (``hhsync doctor`` checks the skew)."""


def in_flight_hold_s(request_timeout_s: float, request_cutoff_s: float) -> float:
    """Seconds after marking a batch in flight by which none of its requests can still run."""
    return SEND_WINDOW_S + request_timeout_s + request_cutoff_s + CLOCK_MARGIN_S


def lease_ttl_needed(request_timeout_s: float) -> float:
    """The shortest lease TTL that outlives every Bitrix24 request sent under it.

    The lease fence lets a write batch go only while the lease has the send window plus the
    request timeout left, and heartbeats renew the lease every third of its TTL, so at least two
    thirds of it is left when a batch asks. Half the TTL must cover that span: the remaining sixth
    is slack for a heartbeat that comes late, so a healthy instance never finds its lease too
    short to write.
    """
    return 2.0 * (SEND_WINDOW_S + request_timeout_s)


def fence_margin_s(request_timeout_s: float) -> float:
    """How much of its lease a pass must still hold to send a write batch."""
    return SEND_WINDOW_S + request_timeout_s


def longest_request_timeout_s(lease_ttl_s: float) -> float:
    """The longest ``bitrix.request_timeout_s`` a lease of ``lease_ttl_s`` covers (the inverse
    of :func:`lease_ttl_needed`)."""
    return lease_ttl_s / 2.0 - SEND_WINDOW_S
