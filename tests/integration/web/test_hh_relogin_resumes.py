"""An account parked by a password change logs in again from the app page and goes on where it
stopped: nothing synced before is imported again, and what arrived meanwhile is not lost.

hh.ru deactivates a user's tokens when the password changes (hh.ru OpenAPI spec, ``invalid_grant``
"token deactivated"); the engine then parks the account (ARCHITECTURE.md invariant 3), and the
same manager's new login renews the same account row (``db.accounts.link_account``).
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlsplit

import httpx
from starlette.applications import Starlette

from hhsync.db import accounts, state
from hhsync.db.crypto import TokenCipher
from hhsync.db.tables import AccountStatus, RunStatus
from hhsync.sync.engine import run_pass
from hhsync.testing.hh_browser import HhBrowser
from hhsync.testing.world import World
from hhsync.web.context import WebContext
from hhsync.web.hh_login import hh_login_routes
from hhsync.web.i18n import translator
from hhsync.web.session import SESSION_HEADER, SessionClaims
from tests.integration.web.login_kit import PUBLIC_URL, UA, login_settings

NEW_PASSWORD = "Новый-пароль-1"


async def test_a_parked_account_logs_in_again_and_resumes(
    world: World, cipher: TokenCipher, db_url: str
) -> None:
    first = await run_pass(world.ctx, world.portal_id)
    assert first.status == RunStatus.OK, first.errors
    imported = world.entities("lead")
    assert len(imported) == world.hh_negotiations()

    async with world.ctx.database.session() as session:
        account = await accounts.get_account(session, world.portal_id, world.account_id)
    assert account is not None
    manager = account.hh_manager_id
    world.hh_admin("POST", f"/_sandbox/managers/{manager}/password", password=NEW_PASSWORD)
    parked = await run_pass(world.ctx, world.portal_id)
    assert parked.status == RunStatus.PARTIAL
    async with world.ctx.database.session() as session:
        account = await accounts.get_account(session, world.portal_id, world.account_id)
    assert account is not None
    assert account.status == AccountStatus.NEEDS_REAUTH

    vacancy = next(
        v["id"] for v in world.hh_admin("GET", "/_sandbox/state")["vacancies"] if not v["archived"]
    )
    arrived = [
        world.hh_admin("POST", "/_sandbox/negotiations", vacancy_id=vacancy)["id"] for _ in range(2)
    ]
    email = next(
        m["email"]
        for e in world.hh_admin("GET", "/_sandbox/state")["employers"]
        for m in e["managers"]
        if m["id"] == manager
    )

    async with (
        httpx.AsyncClient(headers=UA, timeout=30) as http,
        httpx.AsyncClient(base_url=world.hh_url, headers=UA, timeout=30) as popup,
    ):
        ctx = WebContext(login_settings(world.hh_url, db_url), world.ctx.database, cipher, http)
        transport = httpx.ASGITransport(app=Starlette(routes=hh_login_routes(ctx)))
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as app:
            claims = SessionClaims(world.portal_id, "member", 1, True)
            headers = {SESSION_HEADER: ctx.sessions.issue(claims)}
            url = (await app.post("/app/api/hh/login", headers=headers)).json()["authorize_url"]
            redirect = await HhBrowser(popup).authorize(url, email, NEW_PASSWORD)
            back = urlsplit(redirect.headers["location"])
            page = await app.get(f"{back.path}?{back.query}")
    assert page.status_code == 200
    assert translator("ru")("login.linked_title") in page.text

    async with world.ctx.database.session() as session:
        linked = await accounts.list_accounts(session, world.portal_id)
    assert [(a.id, a.status) for a in linked] == [(world.account_id, AccountStatus.ACTIVE)]

    resumed = await run_pass(world.ctx, world.portal_id)
    assert resumed.status == RunStatus.OK, resumed.errors
    assert resumed.writes.created == len(arrived)  # only what arrived while parked
    leads = world.entities("lead")
    origins = Counter(lead["ORIGIN_ID"] for lead in leads)
    assert max(origins.values()) == 1  # nothing twice
    assert set(origins) == {lead["ORIGIN_ID"] for lead in imported} | set(arrived)
    async with world.ctx.database.session() as session:
        counts = await state.count_by_status(session, world.portal_id)
    assert counts["synced"] == len(imported) + len(arrived)
