"""What the Новые отклики and Журнал tests share: the app with the door on the world's sandboxes
and clock, sessions opened through the app page as a portal's user would, and the JSON calls."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from hhsync.db import state
from hhsync.db.tables import Negotiation, Portal, SyncStatus
from hhsync.testing.server import client_tls
from hhsync.testing.world import World
from hhsync.web.context import WebContext
from tests.integration.web.door_kit import asgi_client, door_app, door_settings, netloc, open_page

ADMIN = 1
RECRUITER = 2
REQUIRED_FIELD = "COMPANY_TITLE"
REQUIRED_LABEL = "Название компании"
SESSION = re.compile(r'data-session="([^"]+)"')


@dataclass
class AppPage:
    """One user's open app page: its HTML and the session its scripts call the API with."""

    html: str
    token: str
    client: httpx.AsyncClient

    async def get(self, path: str, **params: str) -> httpx.Response:
        """``GET /app/api{path}`` with the page's session."""
        return await self.client.get(
            f"/app/api{path}", params=params, headers={"X-Hhsync-Session": self.token}
        )

    async def post(self, path: str) -> httpx.Response:
        """``POST /app/api{path}`` with the page's session (the buttons send no body)."""
        return await self.client.post(f"/app/api{path}", headers={"X-Hhsync-Session": self.token})


@dataclass
class AppWorld:
    """The world (sandboxes, portal, engine) and the app serving its page."""

    world: World
    ctx: WebContext
    client: httpx.AsyncClient

    async def open(self, user_id: int, domain: str | None = None, lang: str = "ru") -> AppPage:
        """The app page as ``user_id`` of the portal opens it in its frame (``LANG`` as given)."""
        where = domain or self.world.domain
        info = self.world.bitrix_admin("POST", f"/_sandbox/portals/{where}/tokens", user_id=user_id)
        page = await open_page(self.client, "/b24/app", info, query={"LANG": lang})
        if page.status_code != 200:
            raise AssertionError(f"{page.status_code}: {page.text}")
        found = SESSION.search(page.text)
        if found is None:
            raise AssertionError("the app page carries no session")
        return AppPage(page.text, found.group(1), self.client)

    def require_company(self, domain: str | None = None) -> None:
        """Make the sandbox portal refuse leads without a company name (a required field)."""
        self.world.bitrix_admin(
            "POST",
            f"/_sandbox/portals/{domain or self.world.domain}/required",
            entity="lead",
            field=REQUIRED_FIELD,
            label=REQUIRED_LABEL,
        )

    def allow_without_company(self, domain: str | None = None) -> None:
        """The field is optional again."""
        self.world.bitrix_admin(
            "DELETE",
            f"/_sandbox/portals/{domain or self.world.domain}/required",
            entity="lead",
            field=REQUIRED_FIELD,
        )

    async def negotiations(
        self, portal_id: int | None = None, status: SyncStatus | None = None
    ) -> list[Negotiation]:
        """The portal's stored negotiations (the world's by default)."""
        async with self.world.ctx.database.session() as session:
            return await state.list_negotiations(session, portal_id or self.world.portal_id, status)

    async def portal(self, portal_id: int | None = None) -> Portal:
        """The stored portal row (the world's by default)."""
        async with self.world.ctx.database.session() as session:
            row = await session.get(Portal, portal_id or self.world.portal_id)
        assert row is not None
        return row


@asynccontextmanager
async def app_world(world: World, db_url: str) -> AsyncIterator[AppWorld]:
    """The daemon's app with the door, trusting the world's Bitrix24 sandbox, on its clock and
    its Bitrix24 limiters (as the runner builds it)."""
    settings = door_settings(db_url, [netloc(world.bitrix_url)])
    async with httpx.AsyncClient(timeout=10, verify=client_tls()) as outbound:
        ctx = WebContext(
            settings,
            world.ctx.database,
            world.ctx.cipher,
            outbound,
            world.clock,
            shared_limiters=world.ctx.limiters,
        )
        async with asgi_client(door_app(ctx)) as client:
            yield AppWorld(world, ctx, client)


def ids_of(rows: list[dict[str, Any]]) -> list[int]:
    """The negotiation ids of a journal answer's rows."""
    return [row["id"] for row in rows]
