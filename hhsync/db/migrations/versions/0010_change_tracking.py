"""Change tracking: where hh.ru lists each negotiation, what each listing counts, what is missing.

A pass now compares each listing's ``counters.total`` (a collection, or one of its funnel
sub-collections) with the negotiations stored as listed there, and reads only the listings that
differ. ``negotiation.hh_listing`` is that listing; ``vacancy.listing_totals`` what hh.ru counted
at the last watch; ``vacancy.watched_at`` when that watch ran; ``vacancy.missing_negotiations``
how many negotiations hh.ru counts that the deepest read it allows could not list. The watermark
columns of the first schema were never written and go.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import hhsync.db.tables

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("negotiation") as batch:
        batch.add_column(sa.Column("hh_listing", sa.String(length=64), nullable=True))
    with op.batch_alter_table("vacancy") as batch:
        batch.add_column(
            sa.Column("listing_totals", _JSON, nullable=False, server_default=sa.text("'{}'"))
        )
        batch.add_column(
            sa.Column("watched_at", hhsync.db.tables.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column(
                "missing_negotiations", sa.Integer(), nullable=False, server_default=sa.text("0")
            )
        )
        batch.drop_column("watermark_at")
        batch.drop_column("watermark_ids")
    op.create_index(
        "negotiation_listing_idx", "negotiation", ["vacancy_id", "hh_listing"], unique=False
    )


def downgrade() -> None:
    op.drop_index("negotiation_listing_idx", table_name="negotiation")
    with op.batch_alter_table("vacancy") as batch:
        batch.add_column(
            sa.Column("watermark_ids", _JSON, nullable=False, server_default=sa.text("'[]'"))
        )
        batch.add_column(
            sa.Column("watermark_at", hhsync.db.tables.UTCDateTime(timezone=True), nullable=True)
        )
        batch.drop_column("missing_negotiations")
        batch.drop_column("watched_at")
        batch.drop_column("listing_totals")
    with op.batch_alter_table("negotiation") as batch:
        batch.drop_column("hh_listing")
