"""Migrations: build the schema from nothing, match the models, and roll back cleanly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, pool
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import hhsync.db.tables  # noqa: F401  (registers the tables)
from hhsync.db.migrate import current_revision, downgrade, head_revision, upgrade

TABLES = {
    "portal",
    "hh_account",
    "portal_settings",
    "vacancy",
    "negotiation",
    "sync_run",
    "audit_event",
    "portal_lease",
    "portal_health",
    "oauth_state",
    "resume_copy",
}


def sync_url(admin_url: str, name: str) -> str:
    return (
        make_url(admin_url)
        .set(drivername="postgresql+psycopg", database=name)
        .render_as_string(hide_password=False)
    )


def table_names(url: str) -> set[str]:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_from_nothing_then_downgrade_to_base_and_back(
    pg_admin_url: str, fresh_db_name: str
) -> None:
    url = sync_url(pg_admin_url, fresh_db_name)
    assert current_revision(url) is None
    upgrade(url)
    assert current_revision(url) == head_revision()
    assert table_names(url) == TABLES
    downgrade(url, "base")
    assert current_revision(url) is None
    assert table_names(url) == set()
    upgrade(url)
    assert table_names(url) == TABLES


def test_head_matches_the_models(pg_admin_url: str, fresh_db_name: str) -> None:
    url = sync_url(pg_admin_url, fresh_db_name)
    upgrade(url)
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()
    assert diff == [], f"models and migrations differ; write a migration: {diff}"


def test_constraints_are_enforced_by_the_database(pg_admin_url: str, fresh_db_name: str) -> None:
    upgrade(sync_url(pg_admin_url, fresh_db_name))
    dsn = make_url(pg_admin_url).set(database=fresh_db_name).render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn, pytest.raises(psycopg.errors.CheckViolation):
        conn.execute(
            "INSERT INTO portal (member_id, domain, client_endpoint, server_endpoint, "
            "access_token_enc, refresh_token_enc, access_expires_at, token_version, status, "
            "lang, installed_at, updated_at) VALUES ('m', 'd', 'c', 's', 'a', 'r', now(), 0, "
            "'bogus', 'ru', now(), now())"
        )


def test_embedded_sqlite_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hhsync.sqlite3'}"
    upgrade(url)
    assert table_names(url) == TABLES
    downgrade(url, "base")
    assert table_names(url) == set()


def test_rows_in_flight_before_the_hold_existed_get_one(
    pg_admin_url: str, fresh_db_name: str
) -> None:
    """A batch an older version left in flight may still run at the portal during a rolling
    upgrade: its rows must not be looked up at once (migration 0002)."""
    url = sync_url(pg_admin_url, fresh_db_name)
    upgrade(url, "0001")
    dsn = make_url(pg_admin_url).set(database=fresh_db_name).render_as_string(hide_password=False)
    marked = "2026-11-30 10:00:00+00"
    with psycopg.connect(dsn) as conn:
        conn.execute(
            "INSERT INTO portal (id, member_id, domain, client_endpoint, server_endpoint,"
            " access_token_enc, refresh_token_enc, access_expires_at, token_version, status,"
            " lang, installed_at, updated_at) VALUES (1, 'm', 'd', 'c', 's', 'a', 'r', now(), 0,"
            " 'active', 'ru', now(), now())"
        )
        conn.execute(
            "INSERT INTO hh_account (id, portal_id, hh_employer_id, hh_manager_id, employer_name,"
            " manager_name, is_admin, access_token_enc, refresh_token_enc, access_expires_at,"
            " token_version, status, created_at, updated_at) VALUES (1, 1, 'e', 'm', '', '',"
            " true, 'a', 'r', now(), 0, 'active', now(), now())"
        )
        conn.execute(
            "INSERT INTO vacancy (id, portal_id, hh_account_id, hh_vacancy_id, name, area_name,"
            " archived, internship, counters, watermark_ids, created_at, updated_at)"
            " VALUES (1, 1, 1, 'v', '', '', false, false, '{}', '[]', now(), now())"
        )
        for hh_id, status in (("1", "in_flight"), ("2", "synced")):
            conn.execute(
                "INSERT INTO negotiation (portal_id, hh_account_id, vacancy_id,"
                " hh_negotiation_id, resume_deleted, kind, employer_state, hh_created_at,"
                " hh_updated_at, sync_status, attempts, created_at, updated_at) VALUES"
                " (1, 1, 1, %s, false, 'response', 'response', now(), now(), %s, 1, now(), %s)",
                (hh_id, status, marked),
            )
    upgrade(url)
    with psycopg.connect(dsn) as conn:
        rows = dict(
            conn.execute(
                "SELECT hh_negotiation_id, in_flight_until - updated_at FROM negotiation"
            ).fetchall()
        )
    assert rows == {"1": timedelta(minutes=10), "2": None}


def test_logged_out_accounts_are_allowed_and_become_paused_on_downgrade(
    pg_admin_url: str, fresh_db_name: str
) -> None:
    """Migration 0004: «Выйти» leaves an account ``logged_out``; going back to 0003, which does
    not know that status, keeps it unpolled as ``paused``."""
    url = sync_url(pg_admin_url, fresh_db_name)
    upgrade(url)
    dsn = make_url(pg_admin_url).set(database=fresh_db_name).render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn:
        conn.execute(
            "INSERT INTO portal (id, member_id, domain, client_endpoint, server_endpoint,"
            " access_token_enc, refresh_token_enc, access_expires_at, token_version, status,"
            " lang, installed_at, updated_at) VALUES (1, 'm', 'd', 'c', 's', 'a', 'r', now(), 0,"
            " 'active', 'ru', now(), now())"
        )
        conn.execute(
            "INSERT INTO hh_account (id, portal_id, hh_employer_id, hh_manager_id, employer_name,"
            " manager_name, is_admin, access_token_enc, refresh_token_enc, access_expires_at,"
            " token_version, status, created_at, updated_at) VALUES (1, 1, 'e', 'm', '', '',"
            " true, '', '', now(), 0, 'logged_out', now(), now())"
        )
        conn.execute(
            "INSERT INTO oauth_state (nonce, portal_id, user_id, created_at, expires_at)"
            " VALUES ('n', 1, 1, now(), now())"
        )
    with psycopg.connect(dsn) as conn, pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute(
            "INSERT INTO oauth_state (nonce, portal_id, user_id, created_at, expires_at)"
            " VALUES ('n', 1, 1, now(), now())"
        )
    downgrade(url, "0003")
    with psycopg.connect(dsn) as conn:
        status = conn.execute("SELECT status FROM hh_account").fetchone()
    assert status == ("paused",)
    assert "oauth_state" not in table_names(url)


def test_portals_stored_before_the_mark_get_their_install_instant(
    pg_admin_url: str, fresh_db_name: str
) -> None:
    """Migration 0005: a portal stored earlier may be one installed again after its data was
    deleted, its import still under way, so it looks up what predates its install; going back to
    0004 drops the mark and keeps the portal."""
    url = sync_url(pg_admin_url, fresh_db_name)
    upgrade(url, "0004")
    dsn = make_url(pg_admin_url).set(database=fresh_db_name).render_as_string(hide_password=False)
    installed = "2026-11-30 10:00:00+00"
    with psycopg.connect(dsn) as conn:
        conn.execute(
            "INSERT INTO portal (id, member_id, domain, client_endpoint, server_endpoint,"
            " access_token_enc, refresh_token_enc, access_expires_at, token_version, status,"
            " lang, installed_at, updated_at) VALUES (1, 'm', 'd', 'c', 's', 'a', 'r', now(), 0,"
            " 'active', 'ru', %s, now())",
            (installed,),
        )
    upgrade(url)
    with psycopg.connect(dsn) as conn:
        marked = conn.execute("SELECT unrecorded_before = installed_at FROM portal").fetchone()
    assert marked == (True,)
    downgrade(url, "0004")
    with psycopg.connect(dsn) as conn:
        columns = conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'portal'"
        ).fetchall()
        kept = conn.execute("SELECT member_id FROM portal").fetchall()
    assert ("unrecorded_before",) not in columns
    assert kept == [("m",)]


def test_negotiations_stored_before_the_outcome_instant_get_the_best_one_they_kept(
    pg_admin_url: str, fresh_db_name: str
) -> None:
    """Migration 0007: the log orders by ``outcome_at``; a synced row takes its sync (its last
    change when it has none), a failed row its last change, a row pending or in flight again the
    sync it had, a row never synced nothing; the index covers the log's order; going back to
    0006 drops the column and keeps the rows."""
    url = sync_url(pg_admin_url, fresh_db_name)
    upgrade(url, "0006")
    dsn = make_url(pg_admin_url).set(database=fresh_db_name).render_as_string(hide_password=False)
    synced_at = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    changed_at = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
    with psycopg.connect(dsn) as conn:
        conn.execute(
            "INSERT INTO portal (id, member_id, domain, client_endpoint, server_endpoint,"
            " access_token_enc, refresh_token_enc, access_expires_at, token_version, status,"
            " lang, installed_at, updated_at) VALUES (1, 'm', 'd', 'c', 's', 'a', 'r', now(), 0,"
            " 'active', 'ru', now(), now())"
        )
        conn.execute(
            "INSERT INTO hh_account (id, portal_id, hh_employer_id, hh_manager_id, employer_name,"
            " manager_name, is_admin, access_token_enc, refresh_token_enc, access_expires_at,"
            " token_version, status, created_at, updated_at) VALUES (1, 1, 'e', 'm', '', '',"
            " true, 'a', 'r', now(), 0, 'active', now(), now())"
        )
        conn.execute(
            "INSERT INTO vacancy (id, portal_id, hh_account_id, hh_vacancy_id, name, area_name,"
            " archived, internship, counters, watermark_ids, created_at, updated_at)"
            " VALUES (1, 1, 1, 'v', '', '', false, false, '{}', '[]', now(), now())"
        )
        for hh_id, status, synced in (
            ("synced", "synced", synced_at),
            ("synced-unstamped", "synced", None),
            ("failed", "failed", synced_at),
            ("pending-again", "pending", synced_at),
            ("in-flight-again", "in_flight", synced_at),
            ("never", "pending", None),
        ):
            conn.execute(
                "INSERT INTO negotiation (portal_id, hh_account_id, vacancy_id,"
                " hh_negotiation_id, resume_deleted, kind, employer_state, hh_created_at,"
                " hh_updated_at, sync_status, attempts, synced_at, created_at, updated_at)"
                " VALUES (1, 1, 1, %s, false, 'response', 'response', now(), now(), %s, 1, %s,"
                " now(), %s)",
                (hh_id, status, synced, changed_at),
            )
    upgrade(url)
    with psycopg.connect(dsn) as conn:
        rows = dict(
            conn.execute("SELECT hh_negotiation_id, outcome_at FROM negotiation").fetchall()
        )
        index = conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'negotiation_outcome_idx'"
        ).fetchone()
    assert rows == {
        "synced": synced_at,
        "synced-unstamped": changed_at,
        "failed": changed_at,
        "pending-again": synced_at,
        "in-flight-again": synced_at,
        "never": None,
    }
    assert index is not None
    assert "(portal_id, outcome_at, id)" in index[0]
    downgrade(url, "0006")
    with psycopg.connect(dsn) as conn:
        columns = conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'negotiation'"
        ).fetchall()
        kept = conn.execute("SELECT count(*) FROM negotiation").fetchone()
    assert ("outcome_at",) not in columns
    assert kept == (6,)


def test_a_pause_stored_before_its_cause_reads_as_the_daily_limit(
    pg_admin_url: str, fresh_db_name: str
) -> None:
    """Migration 0009: an account paused before the cause was kept has none (read as the daily
    limit); going back to 0008 drops the cause and keeps the pause."""
    url = sync_url(pg_admin_url, fresh_db_name)
    upgrade(url, "0008")
    dsn = make_url(pg_admin_url).set(database=fresh_db_name).render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn:
        conn.execute(
            "INSERT INTO portal (id, member_id, domain, client_endpoint, server_endpoint,"
            " access_token_enc, refresh_token_enc, access_expires_at, token_version, status,"
            " lang, installed_at, updated_at) VALUES (1, 'm', 'd', 'c', 's', 'a', 'r', now(), 0,"
            " 'active', 'ru', now(), now())"
        )
        conn.execute(
            "INSERT INTO hh_account (id, portal_id, hh_employer_id, hh_manager_id, employer_name,"
            " manager_name, is_admin, access_token_enc, refresh_token_enc, access_expires_at,"
            " token_version, status, contacts_paused_until, created_at, updated_at) VALUES"
            " (1, 1, 'e', 'm', '', '', true, '', '', now(), 0, 'active', now(), now(), now())"
        )
    upgrade(url)
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT contacts_paused_by FROM hh_account").fetchone() == (None,)
        conn.execute("UPDATE hh_account SET contacts_paused_by = 'quota'")
    downgrade(url, "0008")
    with psycopg.connect(dsn) as conn:
        paused = conn.execute("SELECT contacts_paused_until IS NOT NULL FROM hh_account").fetchone()
    assert paused == (True,)
    assert current_revision(url) == "0008"
