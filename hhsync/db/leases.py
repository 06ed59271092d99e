"""Portal leases: which daemon instance runs a portal's passes (ARCHITECTURE.md invariant 6).

PostgreSQL is the coordination engine: instances claim due portals with ``SKIP LOCKED`` row locks,
keep them with heartbeats and hand them back with the time of the next pass. A lease not renewed
before ``expires_at`` is lost, so a dead instance's portals move to the living ones. The embedded
SQLite database has no row locks; there leasing still works for one instance and says so once.

Time is always an argument: nothing here reads the clock.
"""

from __future__ import annotations

import weakref
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, LiteralString

from sqlalchemy import Engine, Integer, String, TextClause, bindparam, text
from sqlmodel.ext.asyncio.session import AsyncSession

from hhsync.db import sql
from hhsync.db.tables import PortalStatus, UTCDateTime
from hhsync.errors import Fatal
from hhsync.log import get_logger

EVENT_LEASING_SINGLE_INSTANCE: Final = "lease.single_instance_only"
EVENT_RELEASED_AFTER_EXPIRY: Final = "lease.released_after_expiry"

_DATETIME_BINDS: Final = ("now", "expires_at", "next_pass_at")

# Engines already told that multi-instance leasing is off (one line per database, not per tick).
_warned_engines: weakref.WeakSet[Engine] = weakref.WeakSet()


@dataclass(frozen=True)
class Lease:
    """A live lease: ``owner`` runs ``portal_id``'s passes until ``expires_at``."""

    portal_id: int
    owner: str
    claimed_at: datetime
    heartbeat_at: datetime
    expires_at: datetime


async def claim_due_portals(
    session: AsyncSession, owner: str, now: datetime, ttl_s: float, limit: int
) -> list[int]:
    """Lease up to ``limit`` active portals that are due and free; returns the ids now ours.

    Due means ``next_pass_at`` is unset or not after ``now``; free means no lease or an expired
    one. Concurrent claimers on PostgreSQL never receive the same portal.
    """
    if limit <= 0:
        return []
    params = {
        "owner": owner,
        "now": now,
        "expires_at": _expiry(now, ttl_s),
        "active_status": PortalStatus.ACTIVE.value,
        "limit": limit,
    }
    connection = await session.connection()
    if _dialect(session) == "postgresql":
        result = await connection.execute(_statement(sql.CLAIM_DUE_PORTALS), params)
        return sorted(result.scalars().all())
    _say_single_instance(session)
    due = (await connection.execute(_statement(sql.SELECT_DUE_PORTALS), params)).scalars().all()
    claimed: list[int] = []
    for portal_id in due:
        result = await connection.execute(
            _statement(sql.UPSERT_LEASE), {**params, "portal_id": portal_id}
        )
        claimed.extend(result.scalars().all())
    return sorted(claimed)


async def claim_portal(
    session: AsyncSession, owner: str, portal_id: int, now: datetime, ttl_s: float
) -> bool:
    """Lease one named portal now, due or not (an operator's resync); False if someone holds it.

    The same upsert as the claim tick's: it replaces only an expired lease or one already ours, so
    a daemon and the CLI can never both hold a portal, on either dialect.
    """
    connection = await session.connection()
    result = await connection.execute(
        _statement(sql.UPSERT_LEASE),
        {"owner": owner, "portal_id": portal_id, "now": now, "expires_at": _expiry(now, ttl_s)},
    )
    return bool(result.scalars().all())


class LeaseLost(Fatal):
    """A running pass no longer holds its portal's lease: another instance may run the portal now.

    Raised by the engine's fence just before a CRM write and by an operator's pass whose lease
    keeper found the lease gone (a long pause, a stalled database). Fatal to the pass that lost
    it, never Retriable: retrying the same write would race the lease's new holder, who carries
    the portal on. Nothing is lost: what the pass read and recorded stays in the database.
    """


async def holds(session: AsyncSession, owner: str, portal_id: int, now: datetime) -> bool:
    """Whether ``owner`` still holds a live lease on ``portal_id`` at ``now``.

    On PostgreSQL the lease row stays share-locked until the caller's transaction ends, so it
    cannot change hands between this check and the commit of what the caller writes with it.
    """
    query = sql.HOLDS_LEASE + (" FOR SHARE" if _dialect(session) == "postgresql" else "")
    connection = await session.connection()
    result = await connection.execute(
        _statement(query), {"portal_id": portal_id, "owner": owner, "now": now}
    )
    return result.first() is not None


async def heartbeat(
    session: AsyncSession, owner: str, portal_ids: Collection[int], now: datetime, ttl_s: float
) -> list[int]:
    """Extend this owner's live leases; returns the ids still held.

    An id missing from the answer was lost (it expired, maybe to another owner): its pass must stop
    before writing anything more.
    """
    if not portal_ids:
        return []
    statement = _statement(sql.RENEW_LEASES).bindparams(bindparam("portal_ids", expanding=True))
    connection = await session.connection()
    result = await connection.execute(
        statement,
        {
            "owner": owner,
            "portal_ids": list(portal_ids),
            "now": now,
            "expires_at": _expiry(now, ttl_s),
        },
    )
    return sorted(result.scalars().all())


async def release(
    session: AsyncSession, owner: str, portal_id: int, next_pass_at: datetime, now: datetime
) -> bool:
    """Give a portal back after its pass and schedule the next one; False if it was not ours.

    A lease that expired but that nobody took is still released (no one else ran the portal), with
    a warning: the heartbeat came too late for the TTL.
    """
    connection = await session.connection()
    deleted = await connection.execute(
        _statement(sql.DELETE_OWN_LEASE).columns(expires_at=UTCDateTime()),
        {"portal_id": portal_id, "owner": owner},
    )
    expires_at = deleted.scalar_one_or_none()
    if expires_at is None:
        return False
    if expires_at <= now:
        get_logger(__name__).warning(
            EVENT_RELEASED_AFTER_EXPIRY,
            portal=portal_id,
            owner=owner,
            expired_s=(now - expires_at).total_seconds(),
            hint="heartbeats must come well within sync.lease_ttl_s",
        )
    await connection.execute(
        _statement(sql.SET_NEXT_PASS_AT), {"portal_id": portal_id, "next_pass_at": next_pass_at}
    )
    return True


async def prune_expired(session: AsyncSession, now: datetime) -> list[int]:
    """Delete leases that expired by ``now`` (housekeeping); returns their portal ids."""
    connection = await session.connection()
    result = await connection.execute(_statement(sql.DELETE_EXPIRED_LEASES), {"now": now})
    return sorted(result.scalars().all())


async def lease_holders(session: AsyncSession, now: datetime) -> list[Lease]:
    """The leases live at ``now``, by portal id: who runs what, for metrics and `hhsync status`."""
    statement = _statement(sql.SELECT_LIVE_LEASES).columns(
        portal_id=Integer(),
        owner=String(),
        claimed_at=UTCDateTime(),
        heartbeat_at=UTCDateTime(),
        expires_at=UTCDateTime(),
    )
    connection = await session.connection()
    rows = (await connection.execute(statement, {"now": now})).all()
    return [
        Lease(
            portal_id=row.portal_id,
            owner=row.owner,
            claimed_at=row.claimed_at,
            heartbeat_at=row.heartbeat_at,
            expires_at=row.expires_at,
        )
        for row in rows
    ]


def _statement(query: LiteralString) -> TextClause:
    """The query with its datetime binds typed, so both dialects store and compare UTC alike."""
    binds = [
        bindparam(name, type_=UTCDateTime()) for name in _DATETIME_BINDS if f":{name}" in query
    ]
    return text(query).bindparams(*binds)


def _expiry(now: datetime, ttl_s: float) -> datetime:
    if ttl_s <= 0:
        raise ValueError(f"a lease needs a positive TTL, got {ttl_s} s (sync.lease_ttl_s)")
    return now + timedelta(seconds=ttl_s)


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def _say_single_instance(session: AsyncSession) -> None:
    engine = session.get_bind()
    if not isinstance(engine, Engine) or engine in _warned_engines:
        return
    _warned_engines.add(engine)
    get_logger(__name__).warning(
        EVENT_LEASING_SINGLE_INSTANCE,
        dialect=engine.dialect.name,
        note="this database has no FOR UPDATE SKIP LOCKED: multi-instance leasing is off; run "
        "one hhsync instance only, or use PostgreSQL (database.url) to run several",
    )
