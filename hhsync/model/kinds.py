"""The small vocabularies every layer shares: statuses, kinds and modes, as plain string enums.

They live below the database tables and the sync engine alike, so that the pure planner can speak of
a negotiation's status without importing the tables (``hhsync.db.tables`` stores their values and
checks them with CHECK constraints). Pure: the standard library only.
"""

from __future__ import annotations

from enum import StrEnum


class PortalStatus(StrEnum):
    """Whether a portal is polled."""

    ACTIVE = "active"
    PAUSED = "paused"  # an operator paused it
    NEEDS_REAUTH = "needs_reauth"  # Bitrix24 tokens cannot be refreshed
    UNINSTALLED = "uninstalled"  # the app was removed from the portal


class AccountStatus(StrEnum):
    """Whether an hh.ru account is polled."""

    ACTIVE = "active"
    PAUSED = "paused"
    NEEDS_REAUTH = "needs_reauth"  # token revoked, password changed, access withdrawn
    LOGGED_OUT = "logged_out"  # the HR team pressed «Выйти»: tokens revoked and wiped, data kept


class EntityType(StrEnum):
    """The CRM entity a negotiation becomes."""

    LEAD = "lead"
    DEAL = "deal"


class StageMode(StrEnum):
    """Simple: one stage for responses, one for invitations. Extended: one per employer state."""

    SIMPLE = "simple"
    EXTENDED = "extended"


class NegotiationKind(StrEnum):
    """hh.ru's two ways a negotiation starts."""

    RESPONSE = "response"  # the applicant responded to a vacancy
    INVITATION = "invitation"  # the employer invited the applicant


class SyncStatus(StrEnum):
    """Where a negotiation stands on its way to the CRM."""

    PENDING = "pending"  # seen on hh.ru, not yet in the CRM
    # A create (or an activity-only add) was sent and its outcome is not yet recorded: the next
    # pass looks the entity or activity up by its origin before sending anything again.
    IN_FLIGHT = "in_flight"
    SYNCED = "synced"  # the CRM entity exists and reflects the last hh.ru state we saw
    FAILED = "failed"  # the last attempt failed; last_error says why, next_retry_at says when
    # A person deleted its CRM entity by hand (the portal answered «Not found» to a write):
    # never created again nor followed; its entity ids stay for the record.
    CRM_DELETED = "crm_deleted"


class RunStatus(StrEnum):
    """Outcome of one sync pass."""

    RUNNING = "running"
    OK = "ok"
    PARTIAL = "partial"  # some negotiations failed; they are kept for retry
    FAILED = "failed"


class HealthState(StrEnum):
    """A portal's health as its passes show it (``hhsync.sync.health`` decides the changes)."""

    UNKNOWN = "unknown"  # no pass recorded yet
    OK = "ok"
    FAILING = "failing"  # its latest passes failed
    PARKED = "parked"  # Bitrix24 needs re-authorisation: no passes until then


class StageMisfit(StrEnum):
    """Why the stage mapped to a new employer state cannot be an existing entity's: the stage map
    belongs to the saved settings, the entity to the settings it was created or adopted under."""

    ENTITY_TYPE = "entity_type"  # a deal stage for a lead, or a lead status for a deal
    PIPELINE = "pipeline"  # a stage of another deal pipeline (its ``C<n>:`` prefix differs)
