"""Initial schema: portals, hh.ru accounts, settings, vacancies, negotiations, runs, audit, leases.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 22:27:04.030881
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import hhsync.db.tables

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "portal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=False),
        sa.Column("client_endpoint", sa.String(length=512), nullable=False),
        sa.Column("server_endpoint", sa.String(length=512), nullable=False),
        sa.Column("access_token_enc", sa.String(), nullable=False),
        sa.Column("refresh_token_enc", sa.String(), nullable=False),
        sa.Column("application_token_enc", sa.String(), nullable=True),
        sa.Column("access_expires_at", hhsync.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("token_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_reason", sa.String(), nullable=True),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("poll_interval_s", sa.Float(), nullable=True),
        sa.Column("next_pass_at", hhsync.db.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column("installed_at", hhsync.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hhsync.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'paused', 'needs_reauth', 'uninstalled')", name="status_valid"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("member_id"),
    )
    with op.batch_alter_table("portal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_portal_domain"), ["domain"], unique=False)

    op.create_table(
        "hh_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portal_id", sa.Integer(), nullable=False),
        sa.Column("hh_employer_id", sa.String(length=32), nullable=False),
        sa.Column("hh_manager_id", sa.String(length=32), nullable=False),
        sa.Column("employer_name", sa.String(length=512), nullable=False),
        sa.Column("manager_name", sa.String(length=512), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("access_token_enc", sa.String(), nullable=False),
        sa.Column("refresh_token_enc", sa.String(), nullable=False),
        sa.Column("access_expires_at", hhsync.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("token_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_reason", sa.String(), nullable=True),
        sa.Column(
            "contacts_paused_until", hhsync.db.tables.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("created_at", hhsync.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hhsync.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('active', 'paused', 'needs_reauth')", name="status_valid"),
        sa.ForeignKeyConstraint(["portal_id"], ["portal.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("portal_id", "hh_manager_id", name="hh_account_portal_manager_key"),
    )
    with op.batch_alter_table("hh_account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hh_account_portal_id"), ["portal_id"], unique=False)

    op.create_table(
        "portal_lease",
        sa.Column("portal_id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=128), nullable=False),
        sa.Column("claimed_at", hhsync.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", hhsync.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", hhsync.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["portal_id"], ["portal.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("portal_id"),
    )
    with op.batch_alter_table("portal_lease", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_portal_lease_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "portal_settings",
        sa.Column("portal_id", sa.Integer(), nullable=False),
        sa.Column("entity_type", sa.String(length=8), nullable=False),
        sa.Column("responsible_user_id", sa.Integer(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("source_id", sa.String(length=64), nullable=True),
        sa.Column("stage_mode", sa.String(length=8), nullable=False),
        sa.Column(
            "stage_map",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("import_archived", sa.Boolean(), nullable=False),
        sa.Column("link_contacts", sa.Boolean(), nullable=False),
        sa.Column(
            "routing_rules",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("configured_at", hhsync.db.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", hhsync.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("entity_type IN ('lead', 'deal')", name="entity_type_valid"),
        sa.CheckConstraint("stage_mode IN ('simple', 'extended')", name="stage_mode_valid"),
        sa.ForeignKeyConstraint(["portal_id"], ["portal.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("portal_id"),
    )
    op.create_table(
        "sync_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portal_id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.String(length=128), nullable=False),
        sa.Column("forced", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", hhsync.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", hhsync.db.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column("hh_requests", sa.Integer(), nullable=False),
        sa.Column("bitrix_requests", sa.Integer(), nullable=False),
        sa.Column("bitrix_commands", sa.Integer(), nullable=False),
        sa.Column("vacancies_read", sa.Integer(), nullable=False),
        sa.Column("negotiations_seen", sa.Integer(), nullable=False),
        sa.Column("entities_created", sa.Integer(), nullable=False),
        sa.Column("entities_updated", sa.Integer(), nullable=False),
        sa.Column("negotiations_failed", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(), nullable=True),
        sa.CheckConstraint("status IN ('running', 'ok', 'partial', 'failed')", name="status_valid"),
        sa.ForeignKeyConstraint(["portal_id"], ["portal.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sync_run", schema=None) as batch_op:
        batch_op.create_index(
            "sync_run_portal_started_idx", ["portal_id", "started_at"], unique=False
        )

    op.create_table(
        "vacancy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portal_id", sa.Integer(), nullable=False),
        sa.Column("hh_account_id", sa.Integer(), nullable=False),
        sa.Column("hh_vacancy_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=1024), nullable=False),
        sa.Column("area_name", sa.String(length=255), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("internship", sa.Boolean(), nullable=False),
        sa.Column(
            "counters",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("watermark_at", hhsync.db.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "watermark_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("last_full_read_at", hhsync.db.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", hhsync.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hhsync.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["hh_account_id"], ["hh_account.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["portal_id"], ["portal.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("portal_id", "hh_vacancy_id", name="vacancy_portal_hh_key"),
    )
    with op.batch_alter_table("vacancy", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vacancy_hh_account_id"), ["hh_account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_vacancy_portal_id"), ["portal_id"], unique=False)

    op.create_table(
        "negotiation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portal_id", sa.Integer(), nullable=False),
        sa.Column("hh_account_id", sa.Integer(), nullable=False),
        sa.Column("vacancy_id", sa.Integer(), nullable=False),
        sa.Column("hh_negotiation_id", sa.String(length=32), nullable=False),
        sa.Column("hh_resume_id", sa.String(length=64), nullable=True),
        sa.Column("resume_deleted", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("employer_state", sa.String(length=64), nullable=False),
        sa.Column("hh_created_at", hhsync.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("hh_updated_at", hhsync.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("crm_entity_type", sa.String(length=8), nullable=True),
        sa.Column("crm_entity_id", sa.Integer(), nullable=True),
        sa.Column("crm_activity_id", sa.Integer(), nullable=True),
        sa.Column("crm_contact_id", sa.Integer(), nullable=True),
        sa.Column("crm_stage_set", sa.String(length=64), nullable=True),
        sa.Column("hh_status_set", sa.String(length=64), nullable=True),
        sa.Column("sync_status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("next_retry_at", hhsync.db.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column("synced_at", hhsync.db.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", hhsync.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hhsync.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "crm_entity_type IS NULL OR crm_entity_type IN ('lead', 'deal')",
            name="crm_entity_type_valid",
        ),
        sa.CheckConstraint("kind IN ('response', 'invitation')", name="kind_valid"),
        sa.CheckConstraint(
            "sync_status IN ('pending', 'in_flight', 'synced', 'failed')", name="sync_status_valid"
        ),
        sa.ForeignKeyConstraint(["hh_account_id"], ["hh_account.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["portal_id"], ["portal.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["vacancy_id"], ["vacancy.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("portal_id", "hh_negotiation_id", name="negotiation_portal_hh_key"),
    )
    with op.batch_alter_table("negotiation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_negotiation_hh_account_id"), ["hh_account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_negotiation_vacancy_id"), ["vacancy_id"], unique=False)
        batch_op.create_index(
            "negotiation_due_idx", ["portal_id", "sync_status", "next_retry_at"], unique=False
        )

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portal_id", sa.Integer(), nullable=False),
        sa.Column("negotiation_id", sa.Integer(), nullable=True),
        sa.Column("sync_run_id", sa.Integer(), nullable=True),
        sa.Column("at", hhsync.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column(
            "detail",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["negotiation_id"], ["negotiation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["portal_id"], ["portal.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sync_run_id"], ["sync_run.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("audit_event_negotiation_idx", ["negotiation_id"], unique=False)
        batch_op.create_index("audit_event_portal_at_idx", ["portal_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("audit_event_portal_at_idx")
        batch_op.drop_index("audit_event_negotiation_idx")

    op.drop_table("audit_event")
    with op.batch_alter_table("negotiation", schema=None) as batch_op:
        batch_op.drop_index("negotiation_due_idx")
        batch_op.drop_index(batch_op.f("ix_negotiation_vacancy_id"))
        batch_op.drop_index(batch_op.f("ix_negotiation_hh_account_id"))

    op.drop_table("negotiation")
    with op.batch_alter_table("vacancy", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vacancy_portal_id"))
        batch_op.drop_index(batch_op.f("ix_vacancy_hh_account_id"))

    op.drop_table("vacancy")
    with op.batch_alter_table("sync_run", schema=None) as batch_op:
        batch_op.drop_index("sync_run_portal_started_idx")

    op.drop_table("sync_run")
    op.drop_table("portal_settings")
    with op.batch_alter_table("portal_lease", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_lease_expires_at"))

    op.drop_table("portal_lease")
    with op.batch_alter_table("hh_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hh_account_portal_id"))

    op.drop_table("hh_account")
    with op.batch_alter_table("portal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_domain"))

    op.drop_table("portal")
