"""SQLModel tables: what hhsync remembers between passes.

Every tenant-owned row carries ``portal_id`` and every uniqueness rule includes it, so no query can
reach another portal's rows by a bare hh.ru or CRM id. Column names carry their units (``_at`` is a
timezone-aware UTC instant, ``_s`` seconds, ``_enc`` Fernet ciphertext). Changes to this module
need an alembic migration (``tests/migration`` fails otherwise).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, DateTime, Index, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from hhsync.clock import utc
from hhsync.model.kinds import (
    AccountStatus,
    EntityType,
    HealthState,
    NegotiationKind,
    PortalStatus,
    RunStatus,
    StageMode,
    SyncStatus,
)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on the way in and out, also on SQLite (which stores no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: hhsync stores UTC instants only")
        return utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else utc(value)


# JSONB on PostgreSQL (indexable, compact), plain JSON text elsewhere.
JSONType = JSON().with_variant(JSONB(), "postgresql")


def _checked(column: str, enum: type[StrEnum]) -> CheckConstraint:
    values = ", ".join(f"'{member.value}'" for member in enum)
    return CheckConstraint(f"{column} IN ({values})", name=f"{column}_valid")


class Portal(SQLModel, table=True):
    """A Bitrix24 portal that installed the app: one tenant."""

    __tablename__ = "portal"
    __table_args__ = (_checked("status", PortalStatus),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: str = Field(max_length=64, unique=True)
    """Bitrix24's stable portal identifier (``member_id`` of the install request)."""
    domain: str = Field(max_length=255, index=True)
    client_endpoint: str = Field(max_length=512)
    """REST base, e.g. ``https://example.bitrix24.ru/rest/``."""
    server_endpoint: str = Field(max_length=512)
    """OAuth server that refreshes this portal's tokens."""
    access_token_enc: str
    refresh_token_enc: str
    application_token_enc: str | None = None
    """Token Bitrix24 sends with events (e.g. ONAPPUNINSTALL) to prove they are genuine."""
    access_expires_at: datetime = Field(sa_type=UTCDateTime)
    token_version: int = 0
    """Bumped on every refresh: writers compare-and-swap on it so a lost race never loses a pair."""
    status: str = Field(default=PortalStatus.ACTIVE, max_length=16)
    status_reason: str | None = None
    lang: str = Field(default="ru", max_length=8)
    poll_interval_s: float | None = None
    """Overrides ``sync.poll_interval_s`` for this portal."""
    next_pass_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    installed_at: datetime = Field(sa_type=UTCDateTime)
    unrecorded_before: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """Set when an install stores this row: the CRM may hold entities of ours for negotiations
    hh.ru created before it that no row here records, so those are looked up by origin before
    they are created (:attr:`hhsync.model.snapshot.StoredState.unrecorded_before`). None: the
    CRM is known to hold nothing of ours without a row."""
    updated_at: datetime = Field(sa_type=UTCDateTime)


class HhAccount(SQLModel, table=True):
    """An hh.ru employer manager linked to a portal through hh.ru OAuth."""

    __tablename__ = "hh_account"
    __table_args__ = (
        UniqueConstraint("portal_id", "hh_manager_id", name="hh_account_portal_manager_key"),
        _checked("status", AccountStatus),
    )

    id: int | None = Field(default=None, primary_key=True)
    portal_id: int = Field(foreign_key="portal.id", ondelete="CASCADE", index=True)
    hh_employer_id: str = Field(max_length=32)
    hh_manager_id: str = Field(max_length=32)
    employer_name: str = Field(default="", max_length=512)
    manager_name: str = Field(default="", max_length=512)
    is_admin: bool = False
    """An admin manager sees every vacancy of the employer; others see only their own."""
    access_token_enc: str
    refresh_token_enc: str
    access_expires_at: datetime = Field(sa_type=UTCDateTime)
    token_version: int = 0
    status: str = Field(default=AccountStatus.ACTIVE, max_length=16)
    status_reason: str | None = None
    contacts_paused_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """Set when hh.ru answers ``view_limit_exceeded``: resume contacts wait until then."""
    contacts_paused_by: str | None = Field(default=None, max_length=16)
    """Why they wait: ``quota`` (the company's quota for the manager) or ``daily_limit`` (None
    reads as the daily limit, as pauses stored before it was kept)."""
    reauth_retries: int = 0
    """How often a pass tried the kept pair of this ``needs_reauth`` account again."""
    reauth_retry_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """When a pass tries the kept pair once more (a refresh hh.ru answered "token deactivated",
    :mod:`hhsync.sync.kept_pair`); None: it is not tried again, only a new login helps."""
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class PortalSettings(SQLModel, table=True):
    """What the HR team chose on the settings page."""

    __tablename__ = "portal_settings"
    __table_args__ = (
        _checked("entity_type", EntityType),
        _checked("stage_mode", StageMode),
    )

    portal_id: int = Field(foreign_key="portal.id", ondelete="CASCADE", primary_key=True)
    entity_type: str = Field(default=EntityType.LEAD, max_length=8)
    responsible_user_id: int | None = None
    """Bitrix24 user id put in ASSIGNED_BY_ID."""
    category_id: int | None = None
    """Deal pipeline (CATEGORY_ID); None is the default pipeline."""
    source_id: str | None = Field(default=None, max_length=64)
    stage_mode: str = Field(default=StageMode.SIMPLE, max_length=8)
    stage_map: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    """hh.ru kind (simple) or employer state (extended) -> lead STATUS_ID / deal STAGE_ID."""
    import_archived: bool = False
    """Initial import also reads archived vacancies."""
    link_contacts: bool = False
    """Link an applicant's entities to one CRM contact found by phone or e-mail."""
    routing_rules: list[Any] = Field(default_factory=list, sa_type=JSONType)
    """Saved with the settings; no pass applies them yet."""
    configured_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """First save of the settings; the initial import starts then."""
    updated_at: datetime = Field(sa_type=UTCDateTime)


class Vacancy(SQLModel, table=True):
    """A vacancy we poll, with the counters that let an idle pass skip its negotiations.

    A pass watches a vacancy (its listings' totals) when its hh.ru counters changed or its watch
    period since ``watched_at`` ran out, and reads it in full when the reconcile period since
    ``last_full_read_at`` ran out (:mod:`hhsync.sync.changes`).
    """

    __tablename__ = "vacancy"
    __table_args__ = (UniqueConstraint("portal_id", "hh_vacancy_id", name="vacancy_portal_hh_key"),)

    id: int | None = Field(default=None, primary_key=True)
    portal_id: int = Field(foreign_key="portal.id", ondelete="CASCADE", index=True)
    hh_account_id: int = Field(foreign_key="hh_account.id", ondelete="CASCADE", index=True)
    hh_vacancy_id: str = Field(max_length=32)
    name: str = Field(default="", max_length=1024)
    area_name: str = Field(default="", max_length=255)
    archived: bool = False
    internship: bool = False
    """Guessed from the vacancy's name and stored on every pass; nothing reads it yet (routing
    rules are to use it)."""
    counters: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    """Last seen hh.ru ``counters``; a change means the negotiations must be read."""
    listing_totals: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    """``counters.total`` of each listing (collection or funnel sub-collection id) at the last
    watch; a listing whose total differs from the negotiations stored there is read again."""
    watched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """When the listings' totals were last read (the state watch, ``sync.state_watch_period_s``)."""
    missing_negotiations: int = 0
    """How many negotiations hh.ru counts that the deepest read it allows could not list (a deep
    vacancy's gap, shown by ``hhsync status`` and the settings page); 0 when complete."""
    hh_manager_id: str | None = Field(default=None, max_length=32)
    """The manager the active list last showed for it (hh.ru's archived items carry none): once
    archived, a colleague's vacancy is only in that manager's archive (``manager_id``)."""
    unlisted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """When a pass last looked for it and found it in no list (deleted or hidden on hh.ru, or its
    manager's archive refused); None while listed. Kept, not read, looked for again once a
    reconcile period."""
    last_full_read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class Negotiation(SQLModel, table=True):
    """One hh.ru response or invitation and the CRM entity it became."""

    __tablename__ = "negotiation"
    __table_args__ = (
        UniqueConstraint("portal_id", "hh_negotiation_id", name="negotiation_portal_hh_key"),
        Index("negotiation_due_idx", "portal_id", "sync_status", "next_retry_at"),
        Index("negotiation_outcome_idx", "portal_id", "outcome_at", "id"),
        Index("negotiation_resume_idx", "portal_id", "hh_resume_id"),
        Index("negotiation_listing_idx", "vacancy_id", "hh_listing"),
        # the few lead rows waiting for a CRM-mode check, asked for twice a pass (migration 0015)
        Index(
            "negotiation_lead_unchecked_idx",
            "portal_id",
            postgresql_where=text("crm_lead_unchecked"),
            sqlite_where=text("crm_lead_unchecked"),
        ),
        _checked("kind", NegotiationKind),
        _checked("sync_status", SyncStatus),
        CheckConstraint(
            "crm_entity_type IS NULL OR crm_entity_type IN ('lead', 'deal')",
            name="crm_entity_type_valid",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    portal_id: int = Field(foreign_key="portal.id", ondelete="CASCADE")
    hh_account_id: int = Field(foreign_key="hh_account.id", ondelete="CASCADE", index=True)
    vacancy_id: int = Field(foreign_key="vacancy.id", ondelete="CASCADE", index=True)
    hh_negotiation_id: str = Field(max_length=32)
    hh_resume_id: str | None = Field(default=None, max_length=64)
    applicant_name: str | None = Field(default=None, max_length=512)
    """How the list shows the applicant (cleaned like the CRM's title; a placeholder when hidden
    or deleted), for the app page's log. None for rows stored before it was kept."""
    resume_deleted: bool = False
    """hh.ru shows ``resume: null``: the entity is marked «резюме удалено» instead of retried."""
    kind: str = Field(max_length=16)
    employer_state: str = Field(max_length=64)
    hh_listing: str | None = Field(default=None, max_length=64)
    """The listing (collection, or the funnel sub-collection) hh.ru last listed it in; the state
    watch counts the stored negotiations of each listing against hh.ru's ``counters.total``."""
    hh_created_at: datetime = Field(sa_type=UTCDateTime)
    hh_updated_at: datetime = Field(sa_type=UTCDateTime)
    crm_entity_type: str | None = Field(default=None, max_length=8)
    crm_entity_id: int | None = None
    crm_activity_id: int | None = None
    crm_contact_id: int | None = None
    crm_stage_set: str | None = Field(default=None, max_length=64)
    """The stage hhsync last set; if the CRM shows another, a person moved it and wins."""
    hh_status_set: str | None = Field(default=None, max_length=64)
    """The employer state last written to UF_CRM_HH_STATUS."""
    crm_lead_unchecked: bool = Field(default=False, sa_column_kwargs={"server_default": "false"})
    """A lead linked since the portal last said it keeps leads: a portal switched to simple CRM
    meanwhile made a deal of it (``sync/lead_follow.py`` asks and follows)."""
    sync_status: str = Field(default=SyncStatus.PENDING, max_length=16)
    in_flight_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """While in flight: the request carrying it may run at the portal until then; it is looked
    up (and never created again) only after this instant."""
    attempts: int = 0
    last_error: str | None = None
    next_retry_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    synced_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    outcome_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """When its latest outcome was recorded (created, updated, activity added, failed) or a
    retry was asked for; never moved by a read of hh.ru. The app page's log orders and pages by
    it. None while nothing was recorded (pending, or in flight on its first send)."""
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    """Any change of the row, every read of hh.ru included."""


class ResumeCopy(SQLModel, table=True):
    """What a create needs of a resume it opened on hh.ru: the resume and its PDF, encrypted.

    hh.ru counts every open of a resume against the manager's daily views, so a create that fails
    and is retried, or a pass that is cut short, reads this copy instead of opening the resume
    again. It holds personal data, so it is kept only until the negotiation's entity and its
    activity are in the CRM, its account logs out or it grows too old
    (:mod:`hhsync.db.resume_copies`).
    """

    __tablename__ = "resume_copy"

    negotiation_id: int = Field(foreign_key="negotiation.id", ondelete="CASCADE", primary_key=True)
    portal_id: int = Field(foreign_key="portal.id", ondelete="CASCADE", index=True)
    resume_enc: str
    """The resume as parsed from hh.ru, JSON, Fernet ciphertext."""
    pdf_enc: str | None = None
    """The PDF, base64 then Fernet; None when there was none to attach."""
    pdf_name: str | None = Field(default=None, max_length=255)
    pdf_settled: bool = False
    """The PDF was downloaded, or found not to be had (archived vacancy, too large): a retry
    downloads it only while this is false."""
    fetched_at: datetime = Field(sa_type=UTCDateTime)


class SyncRun(SQLModel, table=True):
    """Figures of one pass over one portal, for `hhsync status`, metrics and benchmarks."""

    __tablename__ = "sync_run"
    __table_args__ = (
        Index("sync_run_portal_started_idx", "portal_id", "started_at"),
        _checked("status", RunStatus),
    )

    id: int | None = Field(default=None, primary_key=True)
    portal_id: int = Field(foreign_key="portal.id", ondelete="CASCADE")
    instance_id: str = Field(max_length=128)
    forced: bool = False
    status: str = Field(default=RunStatus.RUNNING, max_length=16)
    started_at: datetime = Field(sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    hh_requests: int = 0
    bitrix_requests: int = 0
    bitrix_commands: int = 0
    vacancies_read: int = 0
    negotiations_seen: int = 0
    entities_created: int = 0
    entities_updated: int = 0
    negotiations_failed: int = 0
    error: str | None = None


class AuditEvent(SQLModel, table=True):
    """What happened to a negotiation (or portal), written in the transaction that caused it."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("audit_event_portal_at_idx", "portal_id", "at"),
        Index("audit_event_negotiation_idx", "negotiation_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    portal_id: int = Field(foreign_key="portal.id", ondelete="CASCADE")
    negotiation_id: int | None = Field(
        default=None, foreign_key="negotiation.id", ondelete="CASCADE"
    )
    sync_run_id: int | None = Field(default=None, foreign_key="sync_run.id", ondelete="SET NULL")
    at: datetime = Field(sa_type=UTCDateTime)
    event: str = Field(max_length=64)
    """Stable event name, e.g. ``entity.created``, ``stage.kept_manual``, ``sync.failed``."""
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)


class PortalHealth(SQLModel, table=True):
    """A portal's health and since when, kept by whichever instance ran its latest pass.

    Stored (not derived from ``sync_run``) so that a pass that never finished its row (a crash,
    a lost lease) neither hides a failure nor fakes a recovery, and every instance agrees.
    """

    __tablename__ = "portal_health"
    __table_args__ = (_checked("state", HealthState),)

    portal_id: int = Field(foreign_key="portal.id", ondelete="CASCADE", primary_key=True)
    state: str = Field(default=HealthState.UNKNOWN, max_length=16)
    since: datetime = Field(sa_type=UTCDateTime)
    """When the portal entered this state (the end of the first failed pass of a streak)."""
    failing_passes: int = 0
    """Failed passes in a row while failing."""
    reason: str | None = None
    """Why the latest failed pass failed, or why the portal was parked."""
    updated_at: datetime = Field(sa_type=UTCDateTime)


class PortalLease(SQLModel, table=True):
    """Which daemon instance owns a portal's passes right now (one owner per portal)."""

    __tablename__ = "portal_lease"

    portal_id: int = Field(foreign_key="portal.id", ondelete="CASCADE", primary_key=True)
    owner: str = Field(max_length=128)
    claimed_at: datetime = Field(sa_type=UTCDateTime)
    heartbeat_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)


class OAuthState(SQLModel, table=True):
    """One hh.ru login started from the app page: the nonce its signed ``state`` carries.

    The signature proves where a ``state`` came from; this row makes it work once. The callback
    consumes it with ``UPDATE ... WHERE used_at IS NULL``, so a replayed or raced ``state`` finds
    nothing to consume (ARCHITECTURE.md invariant 4).
    """

    __tablename__ = "oauth_state"

    id: int | None = Field(default=None, primary_key=True)
    nonce: str = Field(max_length=64, unique=True)
    portal_id: int = Field(foreign_key="portal.id", ondelete="CASCADE", index=True)
    user_id: int
    """The Bitrix24 user who pressed «Войти»."""
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# The shared vocabularies are re-exported for the database layer's callers.
__all__ = [
    "AccountStatus",
    "AuditEvent",
    "EntityType",
    "HealthState",
    "HhAccount",
    "JSONType",
    "Negotiation",
    "NegotiationKind",
    "OAuthState",
    "Portal",
    "PortalHealth",
    "PortalLease",
    "PortalSettings",
    "PortalStatus",
    "RunStatus",
    "StageMode",
    "SyncRun",
    "SyncStatus",
    "UTCDateTime",
    "Vacancy",
]
