"""``hhsync doctor``: every check an operator would do by hand before blaming hhsync.

Each check answers OK or FAIL with one sentence saying why (and what to do); one failing check
never stops the others. Network checks use a short timeout and count any HTTP answer as
"reachable": a 401 from an API root proves the network path, which is all this asks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Final

import httpx
from sqlalchemy import text

from hhsync.clock import Clock
from hhsync.config import Settings
from hhsync.db import accounts, migrate, portals, sql
from hhsync.db.crypto import cipher_from_settings
from hhsync.db.session import Database
from hhsync.db.tables import AccountStatus, PortalStatus
from hhsync.db.tokens import read_account_tokens, read_portal_tokens
from hhsync.errors import HhsyncError
from hhsync.hh.client import user_agent
from hhsync.service.status import fleet_capacity

NETWORK_TIMEOUT_S: Final = 5.0
PORTAL_CHECKS_AT_ONCE: Final = 10
MAX_CLOCK_SKEW_S: Final = 60.0
"""hh.ru and Bitrix24 tokens carry expiry instants: a clock off by minutes refreshes wrongly."""


@dataclass(frozen=True)
class Check:
    """The outcome of one check."""

    name: str
    ok: bool
    reason: str


@dataclass
class _Doctor:
    settings: Settings
    database: Database
    clock: Clock
    checks: list[Check]
    server_date: datetime | None = None

    def add(self, name: str, ok: bool, reason: str) -> None:
        self.checks.append(Check(name, ok, reason))


async def diagnose(settings: Settings, database: Database, clock: Clock) -> list[Check]:
    """Run every check; the configuration is valid already (it loaded)."""
    doctor = _Doctor(settings, database, clock, [Check("config", True, "settings are valid")])
    steps: list[Callable[[_Doctor], Awaitable[None]]] = [
        _database,
        _schema,
        _token_key,
        _token_states,
        _hh_reachable,
        _portals_reachable,
        _clock,
        _capacity,
    ]
    for step in steps:
        await step(doctor)
    return doctor.checks


async def _database(d: _Doctor) -> None:
    try:
        async with d.database.session() as session:
            await (await session.connection()).execute(text(sql.SELECT_ONE))
    except (HhsyncError, OSError) as exc:
        d.add("database", False, str(exc))
        return
    d.add("database", True, "reachable")


async def _schema(d: _Doctor) -> None:
    try:
        current = migrate.current_revision(migrate.url_for(d.settings))
    except HhsyncError as exc:
        d.add("schema", False, str(exc))
        return
    head = migrate.head_revision()
    if current == head:
        d.add("schema", True, f"at head ({head})")
    else:
        d.add("schema", False, f"at {current or 'nothing'}, need {head}: run `hhsync db upgrade`")


async def _token_key(d: _Doctor) -> None:
    try:
        cipher = cipher_from_settings(d.settings)
        if cipher.decrypt(cipher.encrypt("doctor")) != "doctor":
            raise HhsyncError("the key does not round-trip")
        async with d.database.session() as session:
            for portal in await portals.list_portals(session):
                if portal.status != PortalStatus.UNINSTALLED:  # its tokens were wiped on purpose
                    read_portal_tokens(portal, cipher)
                for account in await accounts.list_accounts(session, portal.id or 0):
                    read_account_tokens(account, cipher)
    except HhsyncError as exc:
        d.add("token key", False, str(exc))
        return
    d.add("token key", True, "encrypts, and decrypts every stored token")


async def _token_states(d: _Doctor) -> None:
    problems: list[str] = []
    count = 0
    try:
        async with d.database.session() as session:
            for portal in await portals.list_portals(session):
                count += 1
                if portal.status == PortalStatus.NEEDS_REAUTH:
                    problems.append(f"portal {portal.id} ({portal.domain}) needs re-install")
                for account in await accounts.list_accounts(session, portal.id or 0):
                    if account.status == AccountStatus.NEEDS_REAUTH:
                        problems.append(
                            f"hh.ru account {account.id} of portal {portal.id} needs a new login"
                            f" ({account.status_reason or 'token revoked'})"
                        )
    except HhsyncError as exc:
        d.add("token states", False, str(exc))
        return
    if problems:
        d.add("token states", False, "; ".join(problems))
    else:
        d.add("token states", True, f"{count} portals, no token needs a person")


async def _reach(url: str, agent: str, local_address: str | None = None) -> httpx.Response:
    async with httpx.AsyncClient(
        timeout=NETWORK_TIMEOUT_S,
        headers={"User-Agent": agent},
        transport=httpx.AsyncHTTPTransport(local_address=local_address),
    ) as client:
        return await client.get(url)


async def _hh_reachable(d: _Doctor) -> None:
    url = str(d.settings.hh.api_url).rstrip("/") + "/"
    address = d.settings.hh.local_address
    source = None if address is None else str(address)
    try:
        response = await _reach(url, user_agent(d.settings.hh.user_agent_contact), source)
    except (httpx.HTTPError, OSError) as exc:
        where = "" if source is None else f" from hh.local_address {source}"
        d.add("hh.ru", False, f"{url} unreachable{where} within {NETWORK_TIMEOUT_S:g} s: {exc!r}")
        return
    date = response.headers.get("date")
    if date:
        try:
            d.server_date = parsedate_to_datetime(date)
        except (TypeError, ValueError):
            d.server_date = None
    d.add("hh.ru", True, f"{url} answered HTTP {response.status_code}")


async def _portals_reachable(d: _Doctor) -> None:
    """Each active portal's REST endpoint, and once each the OAuth servers their tokens are
    refreshed at; many portals are checked a few at a time so a large fleet takes seconds."""
    try:
        async with d.database.session() as session:
            listed = await portals.list_portals(session)
    except HhsyncError as exc:
        d.add("portals", False, str(exc))
        return
    gate = asyncio.Semaphore(PORTAL_CHECKS_AT_ONCE)

    async def reach(name: str, url: str) -> Check:
        async with gate:
            try:
                response = await _reach(url, "hhsync-doctor")
            except httpx.HTTPError as exc:
                return Check(name, False, f"{url} unreachable: {exc!r}")
        return Check(name, True, f"{url} answered HTTP {response.status_code}")

    active = [p for p in listed if p.status == PortalStatus.ACTIVE]
    oauth_servers = sorted({p.server_endpoint for p in active if p.server_endpoint})
    probes = [reach(f"portal {p.id} ({p.domain})", p.client_endpoint) for p in active]
    probes += [reach(f"Bitrix24 OAuth {url}", url) for url in oauth_servers]
    for portal in listed:
        if portal.status != PortalStatus.ACTIVE:
            d.add(f"portal {portal.id} ({portal.domain})", True, f"not polled ({portal.status})")
    d.checks.extend(await asyncio.gather(*probes))


async def _clock(d: _Doctor) -> None:
    """Against the database (leases compare instances' clocks through it) and against hh.ru
    (token expiry instants); each skew must stay well inside what it could break."""
    now = d.clock.now()
    allowed_db_s = min(MAX_CLOCK_SKEW_S, d.settings.sync.lease_ttl_s / 6)
    try:
        async with d.database.session() as session:
            db_now = (await (await session.connection()).execute(text(sql.SELECT_NOW))).scalar()
    except (HhsyncError, OSError) as exc:
        d.add("clock (database)", False, f"cannot read the database's clock: {exc}")
        db_now = None
    if isinstance(db_now, datetime) and db_now.tzinfo is not None:
        skew_s = abs((now - db_now).total_seconds())
        d.add(
            "clock (database)",
            skew_s <= allowed_db_s,
            f"{skew_s:.1f} s from the database's clock (at most {allowed_db_s:g} s: a sixth of"
            " sync.lease_ttl_s, so two instances never disagree on a lease; run NTP if more)",
        )
    elif db_now is not None:
        d.add("clock (database)", True, "SQLite has no clock of its own: local time is used")
    if not any(c.name == "hh.ru" and c.ok for c in d.checks):
        return  # unreachable: already a FAIL of its own
    if d.server_date is None:
        d.add("clock (hh.ru)", False, "hh.ru sent no Date header: cannot compare clocks")
        return
    skew_s = abs((now - d.server_date).total_seconds())
    d.add(
        "clock (hh.ru)",
        skew_s <= MAX_CLOCK_SKEW_S,
        f"{skew_s:.0f} s from hh.ru's clock (at most {MAX_CLOCK_SKEW_S:g} s allowed; "
        "run NTP if more)",
    )


async def _capacity(d: _Doctor) -> None:
    """The fleet's hh.ru cost against one instance's budget: over it, every interval is
    stretched alike (nothing is starved), and only another egress address adds budget."""
    try:
        measured = await fleet_capacity(d.database, d.settings, d.clock.now())
    except HhsyncError as exc:
        d.add("hh.ru capacity", False, str(exc))
        return
    d.add("hh.ru capacity", not measured.over_budget, measured.sentence())
