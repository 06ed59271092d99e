"""Hand-written SQL, one named constant per statement, so every query the ORM cannot say is here.

Parameters are SQLAlchemy named binds (``:now``); the callers in ``hhsync/db`` give datetime binds
the ``UTCDateTime`` type so SQLite stores them exactly as the ORM does. Instants compare with
``expires_at <= :now`` meaning *expired*: a lease is live strictly before its ``expires_at``.
"""

from __future__ import annotations

from typing import Final, LiteralString

# --- portal leases (ARCHITECTURE.md invariant 6: one owner per portal) -----------------------

# The guarantee of every lease claim: the upsert replaces only a lease that has expired or is
# already ours, and RETURNING lists only the rows actually written.
# Active portals whose next pass is due and that no live lease holds, oldest due first.
_DUE_PORTALS: Final[LiteralString] = """
SELECT p.id
FROM portal AS p
WHERE p.status = :active_status
  AND (p.next_pass_at IS NULL OR p.next_pass_at <= :now)
  AND NOT EXISTS (
      SELECT 1 FROM portal_lease AS l
      WHERE l.portal_id = p.id AND l.expires_at > :now
  )
ORDER BY p.next_pass_at NULLS FIRST, p.id
LIMIT :limit
"""

_TAKE_OVER_AN_EXPIRED_OR_OWN_LEASE: Final[LiteralString] = """ON CONFLICT (portal_id) DO UPDATE
    SET owner = excluded.owner,
        claimed_at = excluded.claimed_at,
        heartbeat_at = excluded.heartbeat_at,
        expires_at = excluded.expires_at
    WHERE portal_lease.expires_at <= excluded.claimed_at
       OR portal_lease.owner = excluded.owner
RETURNING portal_id
"""

# PostgreSQL. The CTE locks the due portal rows with SKIP LOCKED, so concurrent claimers split the
# due portals instead of queueing behind each other. NO KEY UPDATE is the weakest lock that still
# excludes another claimer; unlike FOR UPDATE it does not block rows being inserted elsewhere that
# reference the portal (foreign keys take KEY SHARE). The lock alone is not the guarantee: a
# claimer whose snapshot predates another's commit may still pick a portal just leased. The
# upsert's WHERE is the guarantee: it only replaces a lease that has expired or is already ours,
# and RETURNING lists only the rows actually written, so the loser of such a race gets nothing.
CLAIM_DUE_PORTALS: Final[LiteralString] = (
    """
WITH due AS (
"""
    + _DUE_PORTALS
    + """    FOR NO KEY UPDATE OF p SKIP LOCKED
)
INSERT INTO portal_lease (portal_id, owner, claimed_at, heartbeat_at, expires_at)
SELECT due.id, :owner, :now, :now, :expires_at FROM due
"""
    + _TAKE_OVER_AN_EXPIRED_OR_OWN_LEASE
)

# SQLite (embedded, one instance): no row locks exist, so the due portals are read plainly and
# each is leased with UPSERT_LEASE; the database file lock serialises writers.
SELECT_DUE_PORTALS: Final[LiteralString] = _DUE_PORTALS

# Also how an operator's resync leases one named portal (either dialect): a concurrent insert of the
# same portal waits for the other's commit, then the WHERE sees its live lease and writes nothing.
UPSERT_LEASE: Final[LiteralString] = (
    """
INSERT INTO portal_lease (portal_id, owner, claimed_at, heartbeat_at, expires_at)
VALUES (:portal_id, :owner, :now, :now, :expires_at)
"""
    + _TAKE_OVER_AN_EXPIRED_OR_OWN_LEASE
)

# Extends only live leases of this owner: a lease past its expiry is lost even if nobody took it
# yet, because another instance may already be about to.
RENEW_LEASES: Final[LiteralString] = """
UPDATE portal_lease
SET heartbeat_at = :now, expires_at = :expires_at
WHERE owner = :owner
  AND portal_id IN :portal_ids
  AND expires_at > :now
RETURNING portal_id
"""

# The fence before a CRM write: the lease is still this owner's and live. FOR SHARE (PostgreSQL)
# keeps a claimer from replacing it until the write's in-flight marks are committed.
HOLDS_LEASE: Final[LiteralString] = """
SELECT 1 FROM portal_lease
WHERE portal_id = :portal_id AND owner = :owner AND expires_at > :now
"""

DELETE_OWN_LEASE: Final[LiteralString] = """
DELETE FROM portal_lease
WHERE portal_id = :portal_id AND owner = :owner
RETURNING expires_at
"""

SET_NEXT_PASS_AT: Final[LiteralString] = """
UPDATE portal SET next_pass_at = :next_pass_at WHERE id = :portal_id
"""  # noqa: S105 - the name says "pass" (a sync pass); this is SQL, not a password

DELETE_EXPIRED_LEASES: Final[LiteralString] = """
DELETE FROM portal_lease WHERE expires_at <= :now RETURNING portal_id
"""

SELECT_LIVE_LEASES: Final[LiteralString] = """
SELECT portal_id, owner, claimed_at, heartbeat_at, expires_at
FROM portal_lease
WHERE expires_at > :now
ORDER BY portal_id
"""

# --- the fleet's capacity -----------------------------------------------------------------------

# The last :limit passes of every active portal, newest first, through the (portal_id,
# started_at) index: a handful of rows per portal however long sync_run has grown.
LAST_RUNS_OF_ACTIVE_PORTALS: Final[LiteralString] = """
SELECT p.id AS portal_id, r.instance_id, r.started_at, r.finished_at, r.forced,
       r.hh_requests, r.entities_created
FROM portal AS p
CROSS JOIN LATERAL (
    SELECT s.instance_id, s.started_at, s.finished_at, s.forced, s.hh_requests,
           s.entities_created
    FROM sync_run AS s
    WHERE s.portal_id = p.id
    ORDER BY s.started_at DESC
    LIMIT :limit
) AS r
WHERE p.status = :active_status
"""

# --- health -----------------------------------------------------------------------------------

SELECT_ONE: Final[LiteralString] = "SELECT 1"

# The database's own clock (PostgreSQL); SQLite answers with a naive text instant instead.
SELECT_NOW: Final[LiteralString] = "SELECT CURRENT_TIMESTAMP"
