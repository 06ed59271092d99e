"""What the door's tests share: the app on an ASGI transport, the Bitrix24 sandbox over real HTTP,
a recording server that plays the attacker's host, and a snapshot of every table to prove that a
refused request changed nothing."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hhsync.config import Settings, load_settings
from hhsync.db import portals
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.db.tables import Portal
from hhsync.metrics import Metrics
from hhsync.web.app import create_app
from hhsync.web.context import WebContext
from hhsync.web.door import door_routes

PUBLIC_URL = "https://hhsync.test"
EVENTS_URL = f"{PUBLIC_URL}/b24/events"
APP_URL = f"{PUBLIC_URL}/b24/app"
CLIENT_ID = "hhsync-demo-b24"
CLIENT_SECRET = "hhsync-demo-b24-secret"
TABLES = (
    "portal",
    "hh_account",
    "portal_settings",
    "vacancy",
    "negotiation",
    "sync_run",
    "audit_event",
    "portal_health",
    "portal_lease",
)


def door_settings(db_url: str, oauth_hosts: list[str], **env: str) -> Settings:
    """Settings of a daemon serving the app, trusting ``oauth_hosts`` (host:port)."""
    return load_settings(
        environ={
            "HHSYNC_DATABASE__URL": db_url,
            "HHSYNC_SECURITY__TOKEN_KEY": TokenCipher.generate_key(),
            "HHSYNC_BITRIX__CLIENT_ID": CLIENT_ID,
            "HHSYNC_BITRIX__CLIENT_SECRET": CLIENT_SECRET,
            "HHSYNC_HH__CLIENT_ID": "hhsync-demo",
            "HHSYNC_HH__CLIENT_SECRET": "hhsync-demo-secret",
            "HHSYNC_BITRIX__OAUTH_SERVERS": json.dumps(oauth_hosts),
            "HHSYNC_WEB__PUBLIC_URL": PUBLIC_URL,
            **env,
        }
    )


def netloc(url: str) -> str:
    """``host:port`` of a base URL."""
    return urlsplit(url).netloc


def door_app(ctx: WebContext) -> Starlette:
    """The daemon's app with the door mounted, as the runner builds it."""
    return create_app(
        ctx.database,
        Metrics(),
        routes=door_routes(ctx),
        max_body_bytes=ctx.settings.web.max_body_bytes,
    )


def asgi_client(app: Starlette) -> httpx.AsyncClient:
    """A client of ``app`` through httpx.ASGITransport (no network)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC_URL)


@dataclass
class Recorder:
    """Every request a server got: the attacker's host must see none."""

    seen: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Starlette:
        """Answers everything with 200 ``{}`` after noting it."""

        async def note(request: Request) -> JSONResponse:
            body = await request.body()
            with self.lock:
                self.seen.append({"method": request.method, "path": request.url.path, "body": body})
            return JSONResponse({})

        return Starlette(
            routes=[Route("/{path:path}", note, methods=["GET", "POST", "PUT", "DELETE"])]
        )

    def forms(self) -> list[dict[str, str]]:
        """The form bodies received, decoded (what the sandbox posted as events)."""
        with self.lock:
            bodies = [entry["body"] for entry in self.seen]
        return [dict(httpx.QueryParams(body.decode())) for body in bodies]


async def snapshot(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    async with database.session() as session:
        connection = await session.connection()
        for table in TABLES:
            result = await connection.execute(text(f"SELECT * FROM {table}"))  # noqa: S608
            rows[table] = sorted((tuple(row) for row in result.all()), key=repr)
    return rows


async def stored_portal(database: Database, member_id: str) -> Portal | None:
    """The portal row of ``member_id``."""
    async with database.session() as session:
        return await portals.get_portal_by_member_id(session, member_id)


class SandboxAdmin:
    """The Bitrix24 sandbox's control API and a REST call with an admin's token."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def _ok(self, response: httpx.Response) -> Any:
        if response.status_code >= 300:
            raise AssertionError(f"{response.status_code}: {response.text}")
        return response.json()

    async def new_portal(self, domain: str, *, install_finished: bool = False) -> dict[str, Any]:
        """A portal with the app installed (its installer not yet finished by default)."""
        body = {"domain": domain, "install_finished": install_finished}
        return await self._ok(await self.http.post("/_sandbox/portals", json=body))

    async def tokens(self, domain: str, user_id: int = 1) -> dict[str, Any]:
        """A fresh pair (and the app page's POST) for one of the portal's users."""
        path = f"/_sandbox/portals/{domain}/tokens"
        return await self._ok(await self.http.post(path, json={"user_id": user_id}))

    async def post(self, domain: str, action: str, body: dict[str, Any] | None = None) -> Any:
        """``POST /_sandbox/portals/{domain}/{action}`` with a JSON ``body``."""
        path = f"/_sandbox/portals/{domain}/{action}"
        return await self._ok(await self.http.post(path, json=body or {}))

    async def rest(self, domain: str, method: str, **params: Any) -> Any:
        """A REST call on the portal with a fresh administrator's token; its ``result``."""
        info = await self.tokens(domain, 1)
        response = await self.http.post(
            f"{info['client_endpoint']}{method}", json={"auth": info["access_token"], **params}
        )
        return (await self._ok(response))["result"]

    async def bound(self, domain: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """(event, handler) and (placement, handler) pairs the app has bound."""
        events = await self.rest(domain, "event.get")
        placements = await self.rest(domain, "placement.get")
        return (
            sorted((e["event"], e["handler"]) for e in events),
            sorted((p["placement"], p["handler"]) for p in placements),
        )

    async def userfields(self, domain: str) -> list[str]:
        """``entity:FIELD_NAME`` of every user field on the portal."""
        rows = await self._ok(
            await self.http.get(f"/_sandbox/portals/{domain}/entities/userfields")
        )
        return sorted(f"{row['ENTITY_ID']}:{row['FIELD_NAME']}" for row in rows)


async def open_page(
    client: httpx.AsyncClient,
    path: str,
    info: Mapping[str, Any],
    *,
    query: Mapping[str, str] | None = None,
    form: Mapping[str, str] | None = None,
    drop: tuple[str, ...] = (),
) -> httpx.Response:
    """POST the portal's frame request for ``info`` (an install or tokens answer) to ``path``."""
    params = {**info["app_query"], **(query or {})}
    data = {**info["app_form"], **(form or {})}
    for name in drop:
        data.pop(name, None)
    return await client.post(path, params=params, data=data)
