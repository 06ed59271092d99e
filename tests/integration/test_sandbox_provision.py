"""``install_sandbox_portal`` against both sandboxes over HTTP and real PostgreSQL.

The demo, the benchmark, the instance check and the daemon tests all start from what it stores, so
the proof is that hhsync's own clients, built from the stored rows, reach both sandboxes.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest

from hhsync.db import accounts, portals
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.db.tables import EntityType, PortalStatus, StageMode
from hhsync.db.tokens import read_account_tokens, read_portal_tokens
from hhsync.sandbox.bitrix.app import BitrixSandboxConfig
from hhsync.sandbox.bitrix.app import create_app as create_bitrix
from hhsync.sandbox.hh.app import HhSandboxConfig
from hhsync.sandbox.hh.app import create_app as create_hh
from hhsync.sync.context import SyncContext
from hhsync.testing.portal import SandboxPortal, install_sandbox_portal
from hhsync.testing.server import serve_all
from hhsync.testing.settings import engine_settings

pytestmark = pytest.mark.postgres

DOMAIN = "provision.bitrix24.ru"

Install = Callable[..., Awaitable[SandboxPortal]]


@pytest.fixture
def sandboxes() -> Iterator[tuple[str, str]]:
    """One employer with an admin and an ordinary manager, so picking the admin matters."""
    hh_app = create_hh(
        HhSandboxConfig(
            seed=11,
            employers=1,
            managers_per_employer=2,
            vacancies_per_employer=1,
            archived_vacancies_per_employer=0,
            applicants=5,
            negotiations_per_vacancy=2,
            rate_limit_per_s=0,
        )
    )
    bitrix_app = create_bitrix(BitrixSandboxConfig(seed=11, demo_portals=()))
    with serve_all(hh_app, bitrix_app) as (hh_url, bitrix_url):
        yield hh_url, bitrix_url


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(headers={"User-Agent": "hhsync-tests"}, timeout=30) as client:
        yield client


@pytest.fixture
def install(
    sandboxes: tuple[str, str], http: httpx.AsyncClient, database: Database, cipher: TokenCipher
) -> Install:
    """``install_sandbox_portal`` bound to this test's sandboxes and database."""
    return functools.partial(install_sandbox_portal, http, *sandboxes, database, cipher)


@pytest.fixture
async def ctx(
    sandboxes: tuple[str, str], database: Database, cipher: TokenCipher, db_url: str
) -> AsyncIterator[SyncContext]:
    context = SyncContext.create(engine_settings(sandboxes[0], db_url), database, cipher)
    try:
        yield context
    finally:
        await context.aclose()


async def hh_employer(http: httpx.AsyncClient, hh_url: str) -> dict[str, Any]:
    employer: dict[str, Any] = (await http.get(f"{hh_url}/_sandbox/state")).json()["employers"][0]
    return employer


async def test_stores_a_portal_whose_tokens_reach_both_sandboxes(
    sandboxes: tuple[str, str],
    http: httpx.AsyncClient,
    install: Install,
    database: Database,
    cipher: TokenCipher,
    ctx: SyncContext,
) -> None:
    hh_url, bitrix_url = sandboxes
    installed = await install(domain=DOMAIN, responsible_user_id=1)

    employer = await hh_employer(http, hh_url)
    admin = next(m for m in employer["managers"] if m["is_admin"])
    sandbox_portal = (await http.get(f"{bitrix_url}/_sandbox/portals/{DOMAIN}")).json()
    async with database.session() as session:
        portal = await portals.get_portal(session, installed.portal_id)
        linked = await accounts.list_accounts(session, installed.portal_id)
        saved = await portals.get_settings(session, installed.portal_id)
    assert portal is not None
    assert (portal.domain, portal.member_id) == (DOMAIN, sandbox_portal["member_id"])
    assert portal.status == PortalStatus.ACTIVE
    assert portal.application_token_enc is not None
    assert [a.id for a in linked] == [installed.account_id]
    account = linked[0]
    assert (account.hh_employer_id, account.hh_manager_id) == (employer["id"], admin["id"])
    assert (account.employer_name, account.manager_name) == (employer["name"], admin["name"])
    assert account.is_admin
    assert (installed.employer_id, installed.manager_id, installed.domain) == (
        employer["id"],
        admin["id"],
        DOMAIN,
    )
    # the tokens are stored encrypted, and what they decrypt to is accepted by each sandbox
    assert portal.access_token_enc != read_portal_tokens(portal, cipher).access_token
    assert (await ctx.bitrix_client(portal).user_current()).ID == 1
    me = await ctx.hh_client(account).me()
    assert me.manager is not None
    assert me.employer is not None
    assert (me.employer.id, me.manager.id, me.manager.has_admin_rights) == (
        employer["id"],
        admin["id"],
        True,
    )
    assert saved is not None
    assert saved.configured_at is not None
    assert (saved.entity_type, saved.stage_mode, saved.responsible_user_id) == ("lead", "simple", 1)
    assert saved.stage_map == {"response": "NEW", "invitation": "IN_PROCESS"}


async def test_saves_the_settings_it_is_given(install: Install, database: Database) -> None:
    stages = {"response": "C0:NEW", "interview": "C0:PREPARATION"}
    installed = await install(
        domain=DOMAIN,
        entity_type=EntityType.DEAL,
        stage_mode=StageMode.EXTENDED,
        stage_map=stages,
    )

    async with database.session() as session:
        saved = await portals.get_settings(session, installed.portal_id)
    assert saved is not None
    assert saved.configured_at is not None
    assert (saved.entity_type, saved.stage_mode, saved.responsible_user_id) == (
        "deal",
        "extended",
        None,
    )
    assert saved.stage_map == stages


async def test_each_portal_gets_its_own_working_hh_token_pair(
    install: Install, database: Database, cipher: TokenCipher, ctx: SyncContext
) -> None:
    """hh.ru refresh tokens work once, so two portals sharing a pair would break each other."""
    first, second = [await install(domain=f"t{n}.bitrix24.ru") for n in range(2)]

    assert first.portal_id != second.portal_id
    async with database.session() as session:
        linked = [(await accounts.list_accounts(session, p.portal_id))[0] for p in (first, second)]
    pairs = [read_account_tokens(a, cipher) for a in linked]
    assert pairs[0].access_token != pairs[1].access_token
    assert pairs[0].refresh_token != pairs[1].refresh_token
    for account in linked:
        me = await ctx.hh_client(account).me()
        assert me.manager is not None
        assert me.manager.id == first.manager_id
