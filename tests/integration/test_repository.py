"""Repository functions on real PostgreSQL: tokens encrypted at rest, reads scoped by portal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, StatementError

from hhsync.db import accounts, portals, state
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.db.tables import (
    AccountStatus,
    Negotiation,
    NegotiationKind,
    PortalStatus,
    SyncStatus,
    Vacancy,
)
from hhsync.db.tokens import (
    TokenPair,
    mark_account_needs_reauth,
    read_account_tokens,
    read_portal_tokens,
    swap_account_tokens,
    swap_portal_tokens,
)

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
B24_ACCESS = "s6p6eclrvim6da22ft9ch94ekreb52lv"
B24_REFRESH = "4s386p3q0tr8dy89xvmt96234v3dljg8"
HH_ACCESS = "USERJY0N3H8O0VT7Q3KSVKOHS1LLPL14PK2U7CCIPRC0D2QG1T0ESVRA7AMTQRU"
HH_REFRESH = "USERHJN7L3HQ0RGO0UELE5HLT4S8VIM3RQKS1UOVSIF8EOK1AHM4FO9VC3KQO14S"


def install(member: str) -> portals.PortalInstall:
    return portals.PortalInstall(
        member_id=member,
        domain=f"{member}.bitrix24.ru",
        client_endpoint=f"https://{member}.bitrix24.ru/rest/",
        server_endpoint="https://oauth.bitrix.info/rest/",
        access_token=f"{B24_ACCESS}-{member}",
        refresh_token=f"{B24_REFRESH}-{member}",
        access_expires_at=NOW + timedelta(hours=1),
        application_token=f"app-token-{member}",
    )


def link(manager: str, suffix: str) -> accounts.AccountLink:
    return accounts.AccountLink(
        hh_employer_id="1455",
        hh_manager_id=manager,
        employer_name="ООО «Ромашка»",
        manager_name="Иванова Мария",
        is_admin=True,
        tokens=TokenPair(f"{HH_ACCESS}{suffix}", f"{HH_REFRESH}{suffix}", NOW + timedelta(days=14)),
    )


async def two_tenants(database: Database, cipher: TokenCipher) -> tuple[int, int, int, int]:
    """Portals A and B with one hh.ru account each: (portal_a, account_a, portal_b, account_b)."""
    async with database.session() as session:
        portal_a = await portals.install_portal(session, cipher, install("alpha"), NOW)
        portal_b = await portals.install_portal(session, cipher, install("beta"), NOW)
        assert portal_a.id is not None
        assert portal_b.id is not None
        account_a = await accounts.link_account(session, cipher, portal_a.id, link("11", "A"), NOW)
        account_b = await accounts.link_account(session, cipher, portal_b.id, link("22", "B"), NOW)
        assert account_a.id is not None
        assert account_b.id is not None
        return portal_a.id, account_a.id, portal_b.id, account_b.id


async def test_raw_token_columns_hold_no_plaintext(
    database: Database, cipher: TokenCipher, db_url: str
) -> None:
    await two_tenants(database, cipher)
    dsn = make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn:
        dump = "\n".join(
            str(row)
            for table in ("portal", "hh_account")
            for row in conn.execute(f"SELECT * FROM {table}").fetchall()  # noqa: S608 - fixed names
        )
    for plaintext in (B24_ACCESS, B24_REFRESH, HH_ACCESS, HH_REFRESH, "app-token-alpha"):
        assert plaintext not in dump
    async with database.session() as session:
        portal = await portals.get_portal_by_member_id(session, "alpha")
        assert portal is not None
        pair = read_portal_tokens(portal, cipher)
        assert pair.access_token == f"{B24_ACCESS}-alpha"
        assert pair.refresh_token == f"{B24_REFRESH}-alpha"
        assert B24_ACCESS not in repr(pair)  # a logged pair shows no secret


async def test_reinstall_keeps_the_portal_and_replaces_tokens(
    database: Database, cipher: TokenCipher
) -> None:
    async with database.session() as session:
        first = await portals.install_portal(session, cipher, install("alpha"), NOW)
        await portals.set_portal_status(
            session, first.id or 0, PortalStatus.UNINSTALLED, "app removed", NOW
        )
    renewed = install("alpha")
    renewed = portals.PortalInstall(**{**renewed.__dict__, "access_token": "new-access-token"})
    async with database.session() as session:
        again = await portals.install_portal(session, cipher, renewed, NOW + timedelta(days=1))
        assert again.id == first.id
        assert again.status == PortalStatus.ACTIVE
        assert again.status_reason is None
        assert read_portal_tokens(again, cipher).access_token == "new-access-token"
        assert len(await portals.list_portals(session)) == 1


async def test_a_new_row_marks_its_crm_as_maybe_holding_unrecorded_entities(
    database: Database, cipher: TokenCipher
) -> None:
    """A row an install creates may sit over a CRM that holds our entities (the app removed with
    its data and installed again): negotiations older than it are looked up before any create. A
    reinstall of a kept row changes no mark, and a caller that made the portal itself opts out."""
    async with database.session() as session:
        fresh = await portals.install_portal(session, cipher, install("alpha"), NOW)
        made = await portals.install_portal(
            session, cipher, install("beta"), NOW, crm_known_empty=True
        )
        assert fresh.id is not None
        await portals.set_portal_status(session, fresh.id, PortalStatus.UNINSTALLED, "gone", NOW)
    async with database.session() as session:
        again = await portals.install_portal(
            session, cipher, install("alpha"), NOW + timedelta(days=3)
        )
        loaded = await state.load_stored_state(session, fresh.id)
        assert again.id == fresh.id
        assert again.unrecorded_before == NOW
        assert made.unrecorded_before is None
        assert loaded.unrecorded_before == NOW
        assert (await state.load_stored_state(session, made.id or 0)).unrecorded_before is None


async def test_a_reinstall_without_an_application_token_keeps_the_stored_one(
    database: Database, cipher: TokenCipher
) -> None:
    async with database.session() as session:
        await portals.install_portal(session, cipher, install("alpha"), NOW)
    older = portals.PortalInstall(**{**install("alpha").__dict__, "application_token": None})
    async with database.session() as session:
        again = await portals.install_portal(session, cipher, older, NOW)
        assert again.application_token_enc is not None
        assert cipher.decrypt(again.application_token_enc) == "app-token-alpha"


async def test_uninstall_wipes_the_tokens_and_moves_the_version_on(
    database: Database, cipher: TokenCipher
) -> None:
    portal_a, account_a, portal_b, _ = await two_tenants(database, cipher)
    async with database.session() as session:
        before = await portals.get_portal(session, portal_a)
        assert before is not None
        version = before.token_version
        gone = await portals.uninstall_portal(session, portal_a, NOW)
        assert gone is not None
        assert gone.status == PortalStatus.UNINSTALLED
        assert (gone.access_token_enc, gone.refresh_token_enc) == ("", "")
        assert gone.application_token_enc is None
        assert gone.token_version == version + 1
        # its other rows stay for a reinstall
        assert await accounts.get_account(session, portal_a, account_a) is not None
        assert await portals.delete_portal(session, portal_a)
        assert await portals.get_portal(session, portal_a) is None
        assert await accounts.get_account(session, portal_a, account_a) is None
        assert await portals.get_portal(session, portal_b) is not None


async def test_account_reads_never_cross_portals(database: Database, cipher: TokenCipher) -> None:
    portal_a, account_a, portal_b, account_b = await two_tenants(database, cipher)
    async with database.session() as session:
        assert await accounts.get_account(session, portal_a, account_a) is not None
        assert await accounts.get_account(session, portal_a, account_b) is None
        assert await accounts.get_account(session, portal_b, account_a) is None
        listed = await accounts.list_accounts(session, portal_a)
        assert [a.id for a in listed] == [account_a]
        own = await accounts.get_account(session, portal_b, account_b)
        assert own is not None
        assert read_account_tokens(own, cipher).access_token == f"{HH_ACCESS}B"


async def test_token_writes_never_cross_portals(database: Database, cipher: TokenCipher) -> None:
    portal_a, _account_a, portal_b, account_b = await two_tenants(database, cipher)
    stolen = TokenPair("attacker-access", "attacker-refresh", NOW + timedelta(days=14))
    async with database.session() as session:
        assert not await swap_account_tokens(
            session,
            cipher,
            portal_id=portal_a,
            account_id=account_b,
            expected_version=1,
            new=stolen,
            now=NOW,
        )
        assert not await mark_account_needs_reauth(
            session, portal_id=portal_a, account_id=account_b, reason="x", now=NOW
        )
    async with database.session() as session:
        victim = await accounts.get_account(session, portal_b, account_b)
        assert victim is not None
        assert read_account_tokens(victim, cipher).access_token == f"{HH_ACCESS}B"
        assert victim.status == AccountStatus.ACTIVE


async def test_refresh_compare_and_swap_lets_one_writer_win(
    database: Database, cipher: TokenCipher
) -> None:
    portal_a, account_a, _, _ = await two_tenants(database, cipher)
    async with database.session() as session:
        account = await accounts.get_account(session, portal_a, account_a)
        assert account is not None
        version = account.token_version
    first = TokenPair("access-1", "refresh-1", NOW + timedelta(days=14))
    second = TokenPair("access-2", "refresh-2", NOW + timedelta(days=14))
    async with database.session() as session:
        assert await swap_account_tokens(
            session,
            cipher,
            portal_id=portal_a,
            account_id=account_a,
            expected_version=version,
            new=first,
            now=NOW,
        )
    async with database.session() as session:
        # A second refresher that read the same version loses and must reload, not overwrite.
        assert not await swap_account_tokens(
            session,
            cipher,
            portal_id=portal_a,
            account_id=account_a,
            expected_version=version,
            new=second,
            now=NOW,
        )
        assert await swap_portal_tokens(
            session, cipher, portal_id=portal_a, expected_version=1, new=second, now=NOW
        )
    async with database.session() as session:
        account = await accounts.get_account(session, portal_a, account_a)
        assert account is not None
        assert read_account_tokens(account, cipher).refresh_token == "refresh-1"
        assert account.token_version == version + 1


async def test_state_reads_are_scoped_and_ids_unique_per_portal(
    database: Database, cipher: TokenCipher
) -> None:
    portal_a, account_a, portal_b, account_b = await two_tenants(database, cipher)
    async with database.session() as session:
        for portal_id, account_id in ((portal_a, account_a), (portal_b, account_b)):
            vacancy = Vacancy(
                portal_id=portal_id,
                hh_account_id=account_id,
                hh_vacancy_id="93353083",
                name="Python-разработчик",
                created_at=NOW,
                updated_at=NOW,
            )
            session.add(vacancy)
            await session.flush()
            assert vacancy.id is not None
            # The same hh.ru negotiation id may exist in two portals (two employers' views).
            session.add(
                Negotiation(
                    portal_id=portal_id,
                    hh_account_id=account_id,
                    vacancy_id=vacancy.id,
                    hh_negotiation_id="1843757424",
                    hh_resume_id="r1",
                    kind=NegotiationKind.RESPONSE,
                    employer_state="response",
                    hh_created_at=NOW,
                    hh_updated_at=NOW,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        await session.flush()
        neg_a = await state.get_negotiation(session, portal_a, "1843757424")
        neg_b = await state.get_negotiation(session, portal_b, "1843757424")
        assert neg_a is not None
        assert neg_b is not None
        assert neg_a.id != neg_b.id
        assert neg_a.portal_id == portal_a
        assert await state.count_by_status(session, portal_a) == {
            "pending": 1,
            "in_flight": 0,
            "synced": 0,
            "failed": 0,
            "crm_deleted": 0,
        }
        await state.add_audit(
            session,
            portal_id=portal_a,
            negotiation_id=neg_a.id,
            event="entity.created",
            now=NOW,
            detail={"lead": 17},
        )
        assert [e.event for e in await state.audit_trail(session, portal_a)] == ["entity.created"]
        assert await state.audit_trail(session, portal_b) == []
        assert [n.id for n in await state.list_negotiations(session, portal_b)] == [neg_b.id]
        assert await state.list_negotiations(session, portal_a, SyncStatus.FAILED) == []
        vacancy_a = await state.get_vacancy(session, portal_a, "93353083")
        assert vacancy_a is not None
        assert vacancy_a.hh_account_id == account_a
    with pytest.raises(IntegrityError):
        async with database.session() as session:
            session.add(
                Negotiation(
                    portal_id=portal_a,
                    hh_account_id=account_a,
                    vacancy_id=neg_a.vacancy_id,
                    hh_negotiation_id="1843757424",
                    kind=NegotiationKind.RESPONSE,
                    employer_state="response",
                    hh_created_at=NOW,
                    hh_updated_at=NOW,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )


async def test_settings_first_save_is_reported_once(
    database: Database, cipher: TokenCipher
) -> None:
    portal_a, _, portal_b, _ = await two_tenants(database, cipher)
    async with database.session() as session:
        saved, first = await portals.save_settings(
            session,
            portal_a,
            {"entity_type": "deal", "category_id": 3, "stage_map": {"response": "C3:NEW"}},
            NOW,
        )
        assert first
        assert saved.configured_at == NOW
        again, first_again = await portals.save_settings(
            session, portal_a, {"responsible_user_id": 1}, NOW + timedelta(minutes=5)
        )
        assert not first_again
        assert again.entity_type == "deal"
        assert again.responsible_user_id == 1
        assert await portals.get_settings(session, portal_b) is None
        with pytest.raises(ValueError, match="unknown settings: portal_id"):
            await portals.save_settings(session, portal_a, {"portal_id": portal_b}, NOW)


async def test_the_first_save_makes_the_portal_due_and_a_later_one_leaves_its_schedule(
    database: Database, cipher: TokenCipher
) -> None:
    portal_a, _, portal_b, _ = await two_tenants(database, cipher)
    later = NOW + timedelta(hours=1)
    async with database.session() as session:
        for portal_id in (portal_a, portal_b):
            row = await portals.get_portal(session, portal_id)
            assert row is not None
            row.next_pass_at = later  # a pass found it unconfigured and scheduled the next
            session.add(row)
    async with database.session() as session:
        await portals.save_settings(session, portal_a, {"responsible_user_id": 1}, NOW)
    async with database.session() as session:
        due = await portals.get_portal(session, portal_a)
        untouched = await portals.get_portal(session, portal_b)
        assert due is not None
        assert untouched is not None
        assert due.next_pass_at is None  # the initial import starts at the next claim
        assert untouched.next_pass_at == later
        due.next_pass_at = later
        session.add(due)
    async with database.session() as session:
        await portals.save_settings(session, portal_a, {"responsible_user_id": 2}, NOW)
    async with database.session() as session:
        again = await portals.get_portal(session, portal_a)
        assert again is not None
        assert again.next_pass_at == later


async def test_naive_datetimes_are_refused(database: Database, cipher: TokenCipher) -> None:
    naive = portals.PortalInstall(
        **{**install("naive").__dict__, "access_expires_at": datetime(2026, 1, 1)}
    )
    with pytest.raises(StatementError, match="naive datetime refused"):
        async with database.session() as session:
            await portals.install_portal(session, cipher, naive, NOW)
