"""The sync engine's stored state on PostgreSQL: remember first, record every outcome, scoped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from hhsync.db import accounts, portals, state
from hhsync.db.crypto import TokenCipher
from hhsync.db.portal_store import CreatedEntity, EntityUpdate, PortalStore
from hhsync.db.session import Database
from hhsync.db.tables import EntityType, NegotiationKind, SyncStatus
from hhsync.db.tokens import TokenPair
from hhsync.model.backoff import Backoff
from hhsync.model.import_progress import ImportProgress
from hhsync.model.snapshot import RemoteNegotiation
from hhsync.texts import import_progress_labels

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


async def portal_with_vacancy(
    database: Database, cipher: TokenCipher, member: str
) -> tuple[int, int, int]:
    async with database.session() as session:
        portal = await portals.install_portal(
            session,
            cipher,
            portals.PortalInstall(
                member_id=member,
                domain=f"{member}.bitrix24.ru",
                client_endpoint=f"https://{member}.bitrix24.ru/rest/",
                server_endpoint="https://oauth.bitrix.info/rest/",
                access_token="a",
                refresh_token="r",
                access_expires_at=NOW,
            ),
            NOW,
        )
        assert portal.id is not None
        account = await accounts.link_account(
            session,
            cipher,
            portal.id,
            accounts.AccountLink("1", "2", "E", "M", True, TokenPair("a", "r", NOW)),
            NOW,
        )
        assert account.id is not None
        vacancy = await state.upsert_vacancy(
            session,
            portal_id=portal.id,
            hh_account_id=account.id,
            remote=state.VacancyRow("501", "Python-разработчик", "Москва"),
            now=NOW,
        )
        assert vacancy.id is not None
        return portal.id, account.id, vacancy.id


def outcomes(session: AsyncSession, portal_id: int) -> PortalStore:
    return PortalStore(session, portal_id, now=NOW, backoff=Backoff(60.0, 3600.0))


def seen(hh_id: str, employer_state: str = "response") -> RemoteNegotiation:
    return RemoteNegotiation(
        hh_id, "501", NegotiationKind.RESPONSE, employer_state, NOW, NOW, f"r{hh_id}"
    )


async def test_seen_negotiations_are_stored_pending_and_updated_not_duplicated(
    database: Database, cipher: TokenCipher
) -> None:
    portal_id, account_id, vacancy_id = await portal_with_vacancy(database, cipher, "alpha")
    async with database.session() as session:
        new = await state.remember_negotiations(
            session,
            portal_id=portal_id,
            hh_account_id=account_id,
            vacancy_id=vacancy_id,
            seen=[seen("1"), seen("2")],
            now=NOW,
        )
        assert new == 2
        again = await state.remember_negotiations(
            session,
            portal_id=portal_id,
            hh_account_id=account_id,
            vacancy_id=vacancy_id,
            seen=[seen("2", "interview"), seen("3")],
            now=NOW,
        )
        assert again == 1
        stored = await state.load_stored_state(session, portal_id)
    assert set(stored.negotiations) == {"1", "2", "3"}
    assert stored.negotiations["2"].employer_state == "interview"
    assert all(n.sync_status == SyncStatus.PENDING for n in stored.negotiations.values())


async def test_outcomes_move_status_and_write_audit(
    database: Database, cipher: TokenCipher
) -> None:
    portal_id, account_id, vacancy_id = await portal_with_vacancy(database, cipher, "alpha")
    async with database.session() as session:
        await state.remember_negotiations(
            session,
            portal_id=portal_id,
            hh_account_id=account_id,
            vacancy_id=vacancy_id,
            seen=[seen("1"), seen("2")],
            now=NOW,
        )
        store = outcomes(session, portal_id)
        await store.mark_in_flight("1", until=NOW)
        await store.record_created(
            "1", CreatedEntity(EntityType.LEAD, 17, "NEW", "response", activity_id=5)
        )
        await store.mark_in_flight("2", until=NOW)
        await store.record_failed(
            "2",
            "The required field 'Lead Name' is missing.",
            retry_at=NOW + timedelta(minutes=1),
        )
        await store.record_updated(
            "1", EntityUpdate(hh_status="interview", stage="IN_PROCESS", stage_kept_manual=True)
        )
        stored = await state.load_stored_state(session, portal_id)
        trail = [e.event for e in await state.audit_trail(session, portal_id)]
        failed = await state.get_negotiation(session, portal_id, "2")
    one, two = stored.negotiations["1"], stored.negotiations["2"]
    assert (one.sync_status, one.crm_entity_id, one.hh_status_set) == (
        SyncStatus.SYNCED,
        17,
        "interview",
    )
    assert one.crm_stage_set == "NEW"  # the person's stage won; ours is unchanged
    assert (two.sync_status, two.attempts) == (SyncStatus.FAILED, 1)
    assert two.next_retry_at == NOW + timedelta(minutes=1)
    assert failed is not None
    assert failed.last_error == "The required field 'Lead Name' is missing."
    assert sorted(trail) == sorted(
        ["entity.created", "sync.failed", "entity.updated", "stage.kept_manual"]
    )


async def test_loading_by_vacancy_keeps_every_unfinished_negotiation(
    database: Database, cipher: TokenCipher
) -> None:
    portal_id, account_id, vacancy_id = await portal_with_vacancy(database, cipher, "alpha")
    async with database.session() as session:
        other = await state.upsert_vacancy(
            session,
            portal_id=portal_id,
            hh_account_id=account_id,
            remote=state.VacancyRow("777", "Курьер"),
            now=NOW,
        )
        assert other.id is not None
        await state.remember_negotiations(
            session,
            portal_id=portal_id,
            hh_account_id=account_id,
            vacancy_id=vacancy_id,
            seen=[seen("1"), seen("2"), seen("3")],
            now=NOW,
        )
        store = outcomes(session, portal_id)
        await store.record_created(
            "2", CreatedEntity(EntityType.LEAD, 3, None, "response", activity_id=30)
        )
        await store.record_created("3", CreatedEntity(EntityType.LEAD, 4, None, "response"))
        await state.remember_negotiations(
            session,
            portal_id=portal_id,
            hh_account_id=account_id,
            vacancy_id=other.id,
            seen=[
                RemoteNegotiation("9", "777", NegotiationKind.RESPONSE, "response", NOW, NOW, None)
            ],
            now=NOW,
        )
        only_777 = await state.load_stored_state(session, portal_id, ["777"])
    # "1" is pending on another vacancy: still loaded so that it is retried; "3"'s lead has no
    # timeline activity yet, so it is loaded too; "2" is settled.
    assert set(only_777.negotiations) == {"1", "3", "9"}
    assert only_777.negotiations["9"].resume_id is None


async def test_outcomes_cannot_touch_another_portal(
    database: Database, cipher: TokenCipher
) -> None:
    portal_a, account_a, vacancy_a = await portal_with_vacancy(database, cipher, "alpha")
    portal_b, _, _ = await portal_with_vacancy(database, cipher, "beta")
    async with database.session() as session:
        await state.remember_negotiations(
            session,
            portal_id=portal_a,
            hh_account_id=account_a,
            vacancy_id=vacancy_a,
            seen=[seen("1")],
            now=NOW,
        )
        with pytest.raises(LookupError, match="not stored for portal"):
            await outcomes(session, portal_b).record_failed("1", "x", retry_at=NOW)
        assert (await state.load_stored_state(session, portal_b)).negotiations == {}


async def test_import_progress_counts_loaded_and_imported(
    database: Database, cipher: TokenCipher
) -> None:
    portal_id, account_id, vacancy_id = await portal_with_vacancy(database, cipher, "alpha")
    async with database.session() as session:
        await state.remember_negotiations(
            session,
            portal_id=portal_id,
            hh_account_id=account_id,
            vacancy_id=vacancy_id,
            seen=[seen("1"), seen("2"), seen("3")],
            now=NOW,
        )
        store = outcomes(session, portal_id)
        await store.record_created("1", CreatedEntity(EntityType.DEAL, 9, None, "response"))
        await store.record_failed("2", "x", retry_at=NOW)
        progress = await state.import_progress(session, portal_id)
    assert progress == ImportProgress(loaded=3, imported=1, failed=1, pending=1)
    assert import_progress_labels(progress, EntityType.DEAL) == {
        "Откликов загружено": 3,
        "Сделок импортировано": 1,
        "Ожидают повтора": 1,
        "В очереди": 1,
    }


async def test_unfinished_counts_per_portal_feed_the_pending_gauge(
    database: Database, cipher: TokenCipher
) -> None:
    alpha, account_a, vacancy_a = await portal_with_vacancy(database, cipher, "alpha")
    beta, account_b, vacancy_b = await portal_with_vacancy(database, cipher, "beta")
    async with database.session() as session:
        await state.remember_negotiations(
            session,
            portal_id=alpha,
            hh_account_id=account_a,
            vacancy_id=vacancy_a,
            seen=[seen("1"), seen("2")],
            now=NOW,
        )
        await state.remember_negotiations(
            session,
            portal_id=beta,
            hh_account_id=account_b,
            vacancy_id=vacancy_b,
            seen=[seen("1")],
            now=NOW,
        )
        await outcomes(session, alpha).record_created(
            "1", CreatedEntity(EntityType.LEAD, 5, None, "response")
        )
        assert await state.unfinished_by_portal(session) == {alpha: 1, beta: 1}
