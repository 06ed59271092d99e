"""The sandbox's state and the REST call pipeline, without HTTP.

Order of checks for one request, as on a cloud portal: leaky bucket (per portal and client IP;
a refused request does nothing) → ``auth`` (missing → NO_AUTH_FOUND, unknown/rotated →
invalid_token, old → expired_token, app uninstalled → ERROR_OAUTH, user fired →
authorization_error) → method exists → token scope → method operating-time budget → run.
Every executed call books its method time, failed or not. A call's time comes from the portal's
cost profile (:mod:`cost_profiles`) and runs against the request's 60 s cut-off
(:mod:`method_time`); the HTTP layer then waits that time out on the sandbox clock.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hhsync.sandbox.bitrix import activity, bindings, crm, crm_mode, directory, userfields
from hhsync.sandbox.bitrix.batch import parse_commands, run_batch, split_command
from hhsync.sandbox.bitrix.blocks import PortalBlocks
from hhsync.sandbox.bitrix.config import BitrixSandboxConfig
from hhsync.sandbox.bitrix.context import CallContext, MethodRegistry
from hhsync.sandbox.bitrix.cost_profiles import named_profile
from hhsync.sandbox.bitrix.envelope import (
    CallTime,
    MethodResult,
    RestError,
    insufficient_scope,
    method_not_found,
    no_auth_found,
    operation_time_limit,
    portal_zone,
    query_limit_exceeded,
    success_body,
    time_block,
    user_not_authorized,
)
from hhsync.sandbox.bitrix.frames import FrameRegistry
from hhsync.sandbox.bitrix.hosting import check_domain
from hhsync.sandbox.bitrix.limits import OperatingBudget, RatePlan
from hhsync.sandbox.bitrix.method_time import RequestTimer, params_kb
from hhsync.sandbox.bitrix.oauth import AccessGrant, TokenRegistry, scope_allows
from hhsync.sandbox.bitrix.params import flag
from hhsync.sandbox.bitrix.store import Portal, RequestRecord, User, new_portal, now_iso
from hhsync.sandbox.timescale import ScaledClock


def build_registry() -> MethodRegistry:
    """Every REST method the sandbox implements."""
    registry = MethodRegistry()
    for module in (
        crm,
        userfields,
        directory,
        activity,
        bindings,
        crm_mode,
    ):
        module.register(registry)
    return registry


@dataclass(frozen=True)
class RestReply:
    """An HTTP answer before encoding: status, JSON body, and what to log."""

    status: int
    body: dict[str, Any]
    methods: tuple[str, ...] = ()
    elapsed_s: float = 0.0
    """Sandbox seconds the request's methods took (the HTTP layer waits them out)."""
    timed_out: bool = False
    """The request ran into the 60 s cut-off: the answer is the front end's 504."""


class BitrixSandbox:
    """All portals of one sandbox server, their tokens and the sandbox clock."""

    def __init__(self, config: BitrixSandboxConfig) -> None:
        self.config = config
        self.clock = ScaledClock(config.speed, config.base_clock)
        self.rng = random.Random(config.seed)
        self.tokens = TokenRegistry(
            self.rng, config.access_token_lifetime_s, config.refresh_token_lifetime_s
        )
        self.portals: dict[str, Portal] = {}
        self.moved: dict[str, str] = {}
        self.frames = FrameRegistry()
        self.blocks = PortalBlocks()  # standing refusals (OVERLOAD_LIMIT...), see .blocks
        self.registry = build_registry()
        self.zone = portal_zone(config.utc_offset_h)
        for domain in config.demo_portals:
            self.create_portal(domain)

    # -- time -------------------------------------------------------------------------------
    def now(self) -> datetime:
        """Sandbox time (scaled)."""
        return self.clock.now().astimezone(UTC)

    def now_s(self) -> float:
        """Sandbox time as unix seconds."""
        return self.now().timestamp()

    # -- portals ----------------------------------------------------------------------------
    def create_portal(
        self, domain: str | None = None, plan: RatePlan | None = None, lang: str | None = None
    ) -> Portal:
        """A new portal with the application installed on it."""
        name = (domain or f"b24-{self.rng.getrandbits(24):06x}.bitrix24.ru").lower()
        check_domain(name)
        if name in self.portals:
            raise ValueError(f"portal {name} already exists")
        portal = new_portal(
            name,
            self.rng,
            plan or RatePlan(self.config.drain_per_s, self.config.burst),
            lang or self.config.lang,
        )
        portal.operating = OperatingBudget(self.config.operating_limit_s)
        portal.cost_profile = named_profile(self.config.cost_profile)
        portal.method_costs = {k.lower(): v for k, v in self.config.method_costs.items()}
        self.portals[name] = portal
        return portal

    def portal(self, domain: str) -> Portal | None:
        """The portal called ``domain``, if any."""
        return self.portals.get(domain)

    def issue_tokens(self, portal: Portal, user_id: int) -> AccessGrant:
        """A fresh token pair for one of the portal's users."""
        if user_id not in portal.users:
            raise ValueError(f"portal {portal.domain} has no user {user_id}")
        return self.tokens.issue(portal.domain, user_id, self.config.app_scope, self.now_s())

    def uninstall(self, portal: Portal) -> list[str]:
        """Remove the application: tokens die, bindings go; returns the ONAPPUNINSTALL handlers."""
        portal.installed = False
        self.tokens.revoke_portal(portal.domain)
        handlers = [
            h["handler"]
            for h in portal.event_handlers
            if h["event"] == "ONAPPUNINSTALL" and h["handler"]
        ]
        portal.event_handlers.clear()
        portal.placements.clear()
        return handlers

    def reinstall(self, portal: Portal) -> None:
        """Install the application again (old tokens stay dead)."""
        portal.installed = True
        portal.install_finished = True

    def rename(self, portal: Portal, new_domain: str) -> None:
        """Change the portal's domain: the old one answers 302 to the new one from now on."""
        check_domain(new_domain)
        if new_domain in self.portals:
            raise ValueError(f"portal {new_domain} already exists")
        old = portal.domain
        del self.portals[old]
        portal.domain = new_domain
        self.portals[new_domain] = portal
        self.moved[old] = new_domain
        self.frames.rename(old, new_domain)
        for grant in self.tokens.access.values():
            if grant.domain == old:
                grant.domain = new_domain
        for refresh in self.tokens.refresh.values():
            if refresh.domain == old:
                refresh.domain = new_domain

    def method_cost(
        self, portal: Portal, method: str, params: dict[str, Any] | None = None
    ) -> float:
        """Sandbox seconds one call of ``method`` takes: a fixed override from ``method_costs``,
        else the portal's profile (base + per KB of the encoded parameters)."""
        name = method.lower()
        if name in portal.method_costs:
            return portal.method_costs[name]
        kb = params_kb({k: v for k, v in (params or {}).items() if k not in ("auth", "AUTH")})
        return portal.cost_profile.cost(name, kb)

    # -- the pipeline -----------------------------------------------------------------------
    def authenticate(self, portal: Portal, params: dict[str, Any]) -> tuple[AccessGrant, User]:
        """The grant and user behind the ``auth`` parameter, or the error to answer."""
        token = params.get("auth") or params.get("AUTH")
        if not token or not isinstance(token, str):
            raise no_auth_found()
        grant = self.tokens.check(token, portal.domain, self.now_s(), portal.installed)
        user = portal.users.get(grant.user_id)
        if user is None or not user.active:
            raise user_not_authorized()
        return grant, user

    def run_method(
        self,
        portal: Portal,
        grant: AccessGrant,
        user: User,
        method: str,
        params: dict[str, Any],
        timer: RequestTimer,
        oauth_host: str,
    ) -> tuple[MethodResult | RestError, CallTime]:
        """Run one method (a single call or one batch command) with its operating-time rules
        and the request's cut-off: a command that cannot finish before it does not happen."""
        start = timer.now
        if timer.timed_out:
            return request_cut_off(), CallTime(start, 0.0)
        spec = self.registry.get(method)
        if spec is None:
            return method_not_found(), CallTime(start, 0.0)
        if not scope_allows(grant.scope, spec.scope):
            return insufficient_scope(), CallTime(start, 0.0)
        refused = self.blocks.method_refusal(portal.domain, method)
        if refused is not None:
            return refused, CallTime(start, 0.0)
        name = method.lower()
        budget = portal.operating
        if budget.is_blocked(name, start):
            return operation_time_limit(name), CallTime(start, 0.0)
        cost = self.method_cost(portal, name, params)
        if not timer.fits(cost):
            ran = timer.cut()
            budget.charge(name, start, ran)
            return request_cut_off(), CallTime(start, ran)
        ctx = CallContext(
            portal=portal,
            user=user,
            grant=grant,
            client_id=self.config.client_id,
            now=datetime.fromtimestamp(start, UTC),
            zone=self.zone,
            oauth_host=oauth_host,
        )
        outcome: MethodResult | RestError
        try:
            outcome = spec.handler(ctx, params)
        except RestError as error:
            outcome = error
        operating = budget.charge(name, start, timer.spend(cost))
        return outcome, CallTime(start, cost, operating, budget.reset_at(name, start))

    def take_request(self, portal: Portal, client_ip: str) -> bool:
        """Count one HTTP request in the portal's bucket; False = refuse with 503."""
        return portal.bucket(client_ip).try_take(
            self.now_s(), count_rejected=self.config.count_rejected_requests
        )

    def handle(
        self, portal: Portal, method: str, params: dict[str, Any], client_ip: str, oauth_host: str
    ) -> RestReply:
        """One REST request on ``portal`` (already past fault injection)."""
        if not self.take_request(portal, client_ip):
            error = query_limit_exceeded()
            return RestReply(error.status, error.body(), (method,))
        try:
            grant, user = self.authenticate(portal, params)
        except RestError as error:
            return RestReply(error.status, error.body(), (method,))
        timer = RequestTimer(self.now_s(), self.config.request_cutoff_s)
        if method.lower() == "batch":
            return self._batch(portal, grant, user, params, oauth_host, timer)
        outcome, call = self.run_method(portal, grant, user, method, params, timer, oauth_host)
        if timer.timed_out:
            return _cut_off_reply((method,), timer)
        if isinstance(outcome, RestError):
            return RestReply(outcome.status, outcome.body(), (method,), timer.spent_s)
        body = success_body(outcome, call, self.zone)
        return RestReply(200, body, (method,), timer.spent_s)

    def _batch(
        self,
        portal: Portal,
        grant: AccessGrant,
        user: User,
        params: dict[str, Any],
        oauth_host: str,
        timer: RequestTimer,
    ) -> RestReply:
        commands = parse_commands(params.get("cmd"))
        methods = tuple(["batch", *(split_command(text)[0] for _, text in commands)])
        start = timer.start

        def run(
            method: str, inner: dict[str, Any], at: float
        ) -> tuple[MethodResult | RestError, CallTime]:
            return self.run_method(portal, grant, user, method, inner, timer, oauth_host)

        try:
            outcome = run_batch(
                commands,
                flag(params.get("halt")),
                start,
                run,
                lambda call: time_block(call, self.zone),
                self.config.max_batch_commands,
            )
        except RestError as error:
            return RestReply(error.status, error.body(), methods)
        if timer.timed_out:
            return _cut_off_reply(methods, timer)
        # the outer batch books no operating time of its own; its time block still shows one
        outer = CallTime(
            start, max(outcome.elapsed_s, 0.001), 0.0, portal.operating.reset_at("batch", start)
        )
        body = {"result": outcome.envelope(), "time": time_block(outer, self.zone)}
        return RestReply(200, body, methods, timer.spent_s)

    def preload_operating(self, portal: Portal, busy_s: dict[str, float]) -> dict[str, float]:
        """Book seconds per method as if spent just now by other callers of the same budget
        (another install of the application, its frames, or, in the docs' earlier wording, the
        portal's other applications); returns the methods' sums."""
        now = self.now_s()
        return {
            m.lower(): round(portal.operating.charge(m.lower(), now, float(s)), 6)
            for m, s in busy_s.items()
            if float(s) > 0
        }

    def log(
        self,
        portal: Portal,
        client_ip: str,
        http_method: str,
        methods: tuple[str, ...],
        status: int,
        error: str | None,
    ) -> None:
        """Append to the portal's request log (admin API)."""
        portal.log.append(
            RequestRecord(
                at=now_iso(self.now()),
                client_ip=client_ip,
                http_method=http_method,
                method=methods[0] if methods else "",
                status=status,
                error=error,
                commands=list(methods[1:]),
            )
        )


def request_cut_off() -> RestError:
    """What a command caught by the 60 s cut-off becomes (never shown: the answer is a 504)."""
    return RestError("REQUEST_TIMEOUT", "The request was interrupted by timeout", 504)


def _cut_off_reply(methods: tuple[str, ...], timer: RequestTimer) -> RestReply:
    error = request_cut_off()
    return RestReply(error.status, error.body(), methods, timer.spent_s, timed_out=True)
