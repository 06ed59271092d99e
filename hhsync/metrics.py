"""Prometheus metrics: what an operator graphs and alerts on, served at ``/metrics``.

Each :class:`Metrics` owns its own registry (no process-global state), so tests and several apps in
one process never collide. Label names come from :class:`Tag` only, so the same dimension is spelt
the same way on every family; label values are kept low-cardinality by the callers (an HTTP status,
an error code, a portal id — never a negotiation id or a URL).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

NAMESPACE: Final = "hhsync"
CONTENT_TYPE: Final = CONTENT_TYPE_LATEST
"""Media type of :meth:`Metrics.render`'s output (Prometheus text format)."""

# A pass over one portal lasts from well under a second (nothing new) to many minutes (back-fill).
PASS_DURATION_BUCKETS_S: Final = (0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800)
HEALTH_STATES: Final = ("unknown", "ok", "failing", "parked")
"""Values of the ``state`` label (``hhsync.db.tables.HealthState``)."""
NO_RESPONSE: Final = "none"
"""Label value of a request that got no response at all (timeout, refused, reset)."""


class Tag(StrEnum):
    """The only label names hhsync metrics use."""

    OUTCOME = "outcome"  # a pass's RunStatus: ok, partial, failed
    REASON = "reason"  # why one response failed to sync (an error class or code)
    STATUS_CODE = "status_code"  # HTTP status of a response ("none" when no response came)
    # Bitrix24 error code, e.g. QUERY_LIMIT_EXCEEDED; hhsync's error class (RecordRejected) when
    # the portal sent none (legacy CRM methods answer "error": ""); "none" when no answer came
    CODE = "code"
    SERVICE = "service"  # hh or bitrix
    OWNER = "owner"  # the daemon instance holding leases
    PORTAL = "portal"  # a portal id
    STATE = "state"  # a portal's health: unknown, ok, failing, parked


class Metrics:
    """Every metric family hhsync exports, registered on a private registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.passes = Counter(
            "passes",
            "Sync passes finished, by outcome.",
            [Tag.OUTCOME],
            namespace=NAMESPACE,
            registry=self.registry,
        )
        self.pass_duration = Histogram(
            "pass_duration_seconds",
            "Wall time of one sync pass over one portal.",
            namespace=NAMESPACE,
            buckets=PASS_DURATION_BUCKETS_S,
            registry=self.registry,
        )
        self.responses_synced = Counter(
            "responses_synced",
            "hh.ru responses and invitations written to the CRM.",
            namespace=NAMESPACE,
            registry=self.registry,
        )
        self.responses_failed = Counter(
            "responses_failed",
            "Responses that failed to sync (kept for retry), by reason.",
            [Tag.REASON],
            namespace=NAMESPACE,
            registry=self.registry,
        )
        self.hh_requests = Counter(
            "hh_requests",
            "Requests sent to hh.ru, by HTTP status.",
            [Tag.STATUS_CODE],
            namespace=NAMESPACE,
            registry=self.registry,
        )
        self.hh_errors = Counter(
            "hh_errors",
            "hh.ru requests that failed, by HTTP status (none: no response).",
            [Tag.STATUS_CODE],
            namespace=NAMESPACE,
            registry=self.registry,
        )
        self.bitrix_requests = Counter(
            "bitrix_requests",
            "Requests sent to Bitrix24 portals, by HTTP status.",
            [Tag.STATUS_CODE],
            namespace=NAMESPACE,
            registry=self.registry,
        )
        self.bitrix_errors = Counter(
            "bitrix_errors",
            "Bitrix24 errors (commands inside a batch too), by Bitrix24 error code.",
            [Tag.CODE],
            namespace=NAMESPACE,
            registry=self.registry,
        )
        self.rate_limit_waits = Counter(
            "rate_limit_waits",
            "Times a request waited for the service's rate limit, by service.",
            [Tag.SERVICE],
            namespace=NAMESPACE,
            registry=self.registry,
        )
        self.rate_limit_wait_seconds = Counter(
            "rate_limit_wait_seconds",
            "Seconds spent waiting for the service's rate limit, by service.",
            [Tag.SERVICE],
            namespace=NAMESPACE,
            registry=self.registry,
        )
        self.lease_holders = Gauge(
            "lease_holders",
            "Portals leased right now, by owning instance.",
            [Tag.OWNER],
            namespace=NAMESPACE,
            registry=self.registry,
        )
        self.pending_responses = Gauge(
            "pending_responses",
            "Responses seen on hh.ru and not yet in the CRM, by portal.",
            [Tag.PORTAL],
            namespace=NAMESPACE,
            registry=self.registry,
        )

        self.portal_health = Gauge(
            "portal_health",
            "1 for the health state each polled portal is in, 0 for the others.",
            [Tag.PORTAL, Tag.STATE],
            namespace=NAMESPACE,
            registry=self.registry,
        )
        self.hh_cost_per_minute = Gauge(
            "hh_cost_per_minute",
            "hh.ru requests a minute this instance's share of the fleet costs at current settings.",
            namespace=NAMESPACE,
            registry=self.registry,
        )
        self.hh_budget_per_minute = Gauge(
            "hh_budget_per_minute",
            "hh.ru requests a minute this instance may spend (hh.requests_per_s less headroom).",
            namespace=NAMESPACE,
            registry=self.registry,
        )
        self.interval_stretch = Gauge(
            "interval_stretch",
            "Factor on every poll interval and watch period (1: as set; above: over budget).",
            namespace=NAMESPACE,
            registry=self.registry,
        )
        self.effective_poll_interval_seconds = Gauge(
            "effective_poll_interval_seconds",
            "The default poll interval as stretched to fit the hh.ru budget.",
            namespace=NAMESPACE,
            registry=self.registry,
        )
        self.capacity_portals = Gauge(
            "capacity_portals",
            "Portals like the fleet's this instance can poll every 60 s within its hh.ru budget.",
            namespace=NAMESPACE,
            registry=self.registry,
        )
        self.health_transitions = Counter(
            "portal_health_transitions",
            "Portals that changed health in this instance's passes, by the state entered.",
            [Tag.STATE],
            namespace=NAMESPACE,
            registry=self.registry,
        )

    def pass_finished(self, outcome: str, duration_s: float) -> None:
        """Count one finished pass and observe how long it took."""
        self.passes.labels(outcome).inc()
        self.pass_duration.observe(duration_s)

    def response_synced(self, count: int = 1) -> None:
        """Count responses that reached the CRM."""
        self.responses_synced.inc(count)

    def response_failed(self, reason: str, count: int = 1) -> None:
        """Count responses that failed to sync, by why (``sync.apply.outcomes.FailureKind``)."""
        self.responses_failed.labels(reason).inc(count)

    def hh_request(self, status_code: int | None) -> None:
        """Count one hh.ru request by its HTTP status; ``None`` means no response arrived."""
        self.hh_requests.labels(_status_label(status_code)).inc()

    def hh_error(self, status_code: int | None) -> None:
        """Count one failed hh.ru request (an error status, or ``None``: timeout, reset)."""
        self.hh_errors.labels(_status_label(status_code)).inc()

    def bitrix_request(self, status_code: int | None) -> None:
        """Count one Bitrix24 request by its HTTP status; ``None`` means no response arrived."""
        self.bitrix_requests.labels(_status_label(status_code)).inc()

    def bitrix_error(self, code: str) -> None:
        """Count one Bitrix24 error (an HTTP error or a failed command inside a batch)."""
        self.bitrix_errors.labels(code).inc()

    def rate_limit_waited(self, service: str, seconds: float) -> None:
        """Count one wait for a rate limit and the time it took."""
        self.rate_limit_waits.labels(service).inc()
        self.rate_limit_wait_seconds.labels(service).inc(seconds)

    def set_lease_holders(self, leases_by_owner: Mapping[str, int]) -> None:
        """Replace the lease gauge with a fresh count, so owners that vanished drop out."""
        self.lease_holders.clear()
        for owner, count in leases_by_owner.items():
            self.lease_holders.labels(owner).set(count)

    def set_pending_responses(self, pending_by_portal: Mapping[int, int]) -> None:
        """Replace the pending gauge with a fresh count per portal."""
        self.pending_responses.clear()
        for portal_id, count in pending_by_portal.items():
            self.pending_responses.labels(str(portal_id)).set(count)

    def set_portal_health(self, state_by_portal: Mapping[int, str]) -> None:
        """Replace the health gauge with every polled portal's state (a state set: one series per
        portal and state, 1 for the current one), so portals no longer polled drop out."""
        self.portal_health.clear()
        for portal_id, state in state_by_portal.items():
            self.portal_health_changed(portal_id, state)

    def portal_health_changed(self, portal_id: int, state: str) -> None:
        """Set one portal's health series (the periodic refresh overwrites it from the database)."""
        for known in HEALTH_STATES:
            self.portal_health.labels(str(portal_id), known).set(1 if known == state else 0)

    def health_transition(self, state: str) -> None:
        """Count one portal entering ``state``."""
        self.health_transitions.labels(state).inc()

    def set_capacity(
        self,
        *,
        cost_per_min: float,
        budget_per_min: float,
        stretch: float,
        effective_interval_s: float,
        capacity_portals: int | None,
    ) -> None:
        """This instance's hh.ru cost, budget, stretch and capacity (``None``: no portal yet)."""
        self.hh_cost_per_minute.set(cost_per_min)
        self.hh_budget_per_minute.set(budget_per_min)
        self.interval_stretch.set(stretch)
        self.effective_poll_interval_seconds.set(effective_interval_s)
        self.capacity_portals.set(float("nan") if capacity_portals is None else capacity_portals)

    def render(self) -> bytes:
        """The registry in Prometheus text format (serve with :data:`CONTENT_TYPE`)."""
        return generate_latest(self.registry)


def _status_label(status_code: int | None) -> str:
    return NO_RESPONSE if status_code is None else str(status_code)
