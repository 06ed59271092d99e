"""The hh.ru login's world: its routes on real PostgreSQL, the hh.ru sandbox over HTTP, a browser.

The routes run in-process (``httpx.ASGITransport``) at the app's public URL; the hh.ru sandbox
runs as a real server whose registered redirect URI is the app's callback; the browser is a
separate client with its own cookie jar, as the popup would be. The fixtures are in
``conftest.py``; this module holds what the tests import.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from pydantic import AnyHttpUrl, SecretStr

from hhsync.clock import ShiftedClock
from hhsync.config import Settings
from hhsync.db import accounts, portals
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.db.tables import HhAccount
from hhsync.testing.hh_browser import HhBrowser
from hhsync.testing.settings import engine_settings
from hhsync.web.context import WebContext
from hhsync.web.session import SESSION_HEADER, SessionClaims

PUBLIC_URL = "http://127.0.0.1:8080"
CALLBACK = f"{PUBLIC_URL}/oauth/hh/callback"
ADMIN_EMAIL = "hr00@example.com"  # first company's admin manager (sandbox seed data)
MANAGER_EMAIL = "hr01@example.com"  # first company's manager without admin rights
OTHER_ADMIN_EMAIL = "hr10@example.com"  # second company's admin
APPLICANT_EMAIL = "applicant60000000@example.com"
UA = {"User-Agent": "hhsync-tests/1.0 (tests@hhsync.invalid)"}


def login_settings(hh_url: str, db_url: str, **hh: Any) -> Settings:
    """The engine's test settings with the sandbox's hh.ru application and its login page."""
    base = engine_settings(hh_url, db_url)
    update: dict[str, Any] = {
        "client_id": "hhsync-demo",
        "client_secret": SecretStr("hhsync-demo-secret"),
        "oauth_url": AnyHttpUrl(hh_url),
        **hh,
    }
    return base.model_copy(
        update={
            "hh": base.hh.model_copy(update=update),
            "web": base.web.model_copy(update={"public_url": AnyHttpUrl(PUBLIC_URL)}),
        }
    )


@dataclass
class LoginWorld:
    """The login routes, their context, the sandbox and a way to be a person at each."""

    ctx: WebContext
    app: httpx.AsyncClient
    hh: httpx.AsyncClient
    hh_url: str
    clock: ShiftedClock

    async def portal(self, domain: str | None = None) -> int:
        """A portal with the app installed (no hh.ru account yet)."""
        name = domain or f"p{uuid.uuid4().hex[:8]}.bitrix24.ru"
        now = self.clock.now()
        install = portals.PortalInstall(
            member_id=uuid.uuid4().hex,
            domain=name,
            client_endpoint=f"https://{name}/rest/",
            server_endpoint="https://oauth.bitrix.info/rest/",
            access_token="b24-access",
            refresh_token="b24-refresh",
            access_expires_at=now + timedelta(hours=1),
        )
        async with self.ctx.database.session() as session:
            portal = await portals.install_portal(session, self.ctx.cipher, install, now)
        assert portal.id is not None
        return portal.id

    def session(
        self, portal_id: int, user_id: int = 1, *, admin: bool = True, language: str = "ru"
    ) -> dict[str, str]:
        """The header the app page's calls carry for this Bitrix24 user."""
        claims = SessionClaims(portal_id, f"member-{portal_id}", user_id, admin, language)
        return {SESSION_HEADER: self.ctx.sessions.issue(claims)}

    async def start(self, headers: dict[str, str]) -> str:
        """«Войти»: the authorize URL the page would open in the popup."""
        answer = await self.app.post("/app/api/hh/login", headers=headers)
        assert answer.status_code == 200, answer.text
        url: str = answer.json()["authorize_url"]
        return url

    def browser(self) -> HhBrowser:
        """A fresh popup window (no hh.ru session yet)."""
        return HhBrowser(
            httpx.AsyncClient(base_url=self.hh_url, headers=UA, timeout=30, cookies=httpx.Cookies())
        )

    async def at_hh(
        self, authorize_url: str, email: str = ADMIN_EMAIL, *, allow: bool = True
    ) -> str:
        """The person logs in at hh.ru; the callback URL hh.ru sends the popup to."""
        browser = self.browser()
        try:
            redirect = await browser.authorize(authorize_url, email, allow=allow)
        finally:
            await browser.http.aclose()
        location = redirect.headers["location"]
        assert location.startswith(f"{CALLBACK}?"), location
        return location

    async def land(self, callback_url: str) -> httpx.Response:
        """The popup arrives at the app's callback."""
        parts = urlsplit(callback_url)
        answer = await self.app.get(f"{parts.path}?{parts.query}")
        assert answer.status_code < 500, answer.text
        return answer

    async def log_in(
        self, headers: dict[str, str], email: str = ADMIN_EMAIL, *, allow: bool = True
    ) -> httpx.Response:
        """The whole «Войти»: start, hh.ru, callback."""
        return await self.land(await self.at_hh(await self.start(headers), email, allow=allow))

    async def accounts(self, portal_id: int) -> list[HhAccount]:
        """Every account row of the portal (logged out too)."""
        async with self.ctx.database.session() as session:
            return await accounts.list_accounts(session, portal_id)

    async def hh_me(self, access_token: str) -> httpx.Response:
        """``/me`` at the sandbox with a token (is it alive?)."""
        return await self.hh.get("/me", headers={"Authorization": f"Bearer {access_token}"})

    async def hh_log(self) -> list[tuple[str, str, int]]:
        """The sandbox's request log: method, path, status."""
        items = (await self.hh.get("/_sandbox/requests")).json()["items"]
        return [(i["method"], i["path"], i["status"]) for i in items]


def state_of(url: str) -> str:
    """The ``state`` parameter of an authorize or callback URL."""
    return parse_qs(urlsplit(url).query)["state"][0]


def with_query(url: str, **changes: str | None) -> str:
    """``url`` with some query parameters replaced or (None) removed."""
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return parts._replace(query=urlencode(query)).geturl()


def make_context(
    settings: Settings, database: Database, cipher: TokenCipher, http: httpx.AsyncClient
) -> tuple[WebContext, ShiftedClock]:
    """The routes' context on a clock the test may move."""
    clock = ShiftedClock()
    return WebContext(settings, database, cipher, http, clock=clock), clock
