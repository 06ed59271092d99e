"""Bitrix24 OAuth for one portal: the token rides in the ``auth`` param; refresh on expired_token.

Bitrix24 access tokens live an hour; the portal then answers HTTP 401 ``expired_token``. The
documented recipe (Bitrix24 REST docs, settings/oauth/auto-renewal.md): refresh once through the
OAuth server, store the new pair atomically, retry the same call. Refresh tokens are single use, so
refreshes are single-flight per portal (one lock, coalescing concurrent 401s) and the new pair is
handed to the ``persist`` callback *before* it is used: if persisting fails, the call fails and
nothing runs with an unsaved token.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr, ValidationError

from hhsync.bitrix.errors import (
    BitrixError,
    ErrorObserver,
    RecordRejected,
    ServerError,
    TokenRejected,
    classify,
)
from hhsync.bitrix.models import TokenResponse
from hhsync.log import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class PortalTokens:
    """A portal's token pair and the REST endpoint they are valid for (``…/rest/``)."""

    access_token: SecretStr
    refresh_token: SecretStr
    client_endpoint: str
    member_id: str = ""

    def __post_init__(self) -> None:
        if not self.client_endpoint.endswith("/"):
            object.__setattr__(self, "client_endpoint", self.client_endpoint + "/")


@dataclass(frozen=True)
class OAuthApp:
    """The Bitrix24 application's credentials and the OAuth server that refreshes its tokens."""

    client_id: str
    client_secret: SecretStr
    token_url: str
    """``https://oauth.bitrix.info/oauth/token/``, from the install's ``server_endpoint``."""

    @staticmethod
    def token_url_from_server_endpoint(server_endpoint: str) -> str:
        """``https://HOST/rest/`` → ``https://HOST/oauth/token/``.

        HOST differs between regions (the English and Russian Bitrix24 REST docs name different
        OAuth servers), so it is never hard-coded.
        """
        parts = urlsplit(server_endpoint)
        return f"{parts.scheme}://{parts.netloc}/oauth/token/"


PersistTokens = Callable[[PortalTokens], Awaitable[None]]


def with_token(request: httpx.Request, token: str) -> httpx.Request:
    """The request with ``auth=<token>`` in its query (replacing any, e.g. a download URL's)."""
    request.url = request.url.copy_set_param("auth", token)
    return request


def is_expired_token(response: httpx.Response) -> bool:
    """Whether the portal said the access token expired (401 ``expired_token``, any case)."""
    if response.status_code != 401:
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and str(body.get("error", "")).lower() == "expired_token"


class BitrixAuth(httpx.Auth):
    """httpx auth flow for one portal: adds the token, refreshes once on expired_token, retries."""

    def __init__(
        self,
        tokens: PortalTokens,
        app: OAuthApp,
        http: httpx.AsyncClient,
        persist: PersistTokens,
        on_error: ErrorObserver | None = None,
    ) -> None:
        self._tokens = tokens
        self._app = app
        self._http = http
        self._persist = persist
        self._on_error = on_error
        self._lock = asyncio.Lock()
        self._refreshing: asyncio.Task[PortalTokens] | None = None
        """A refresh still running after its caller was cancelled (see :meth:`refresh`)."""
        self.refresh_count = 0

    @property
    def tokens(self) -> PortalTokens:
        """The current pair (after any refresh)."""
        return self._tokens

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        """Not supported: hhsync talks to Bitrix24 only through ``httpx.AsyncClient``."""
        raise RuntimeError("BitrixAuth works with httpx.AsyncClient only")

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Send with the current token; on expired_token refresh (single flight) and resend once.

        Resending is safe for any method: the portal checks the token before running the method.
        """
        used = self._tokens.access_token.get_secret_value()
        response = yield with_token(request, used)
        if response.status_code == 401:
            await response.aread()  # overriding async_auth_flow means reading the body ourselves
        if not is_expired_token(response):
            return
        # Refreshed and resent here, so the REST layer never sees this answer: tell it now.
        method = request.url.path.rsplit("/", 1)[-1].removesuffix(".json")
        self._observe(classify(response.status_code, response.json(), method=method))
        await self.refresh(stale_access_token=used)
        yield with_token(request, self._tokens.access_token.get_secret_value())

    async def refresh(self, *, stale_access_token: str | None = None) -> PortalTokens:
        """Exchange the refresh token for a new pair, persist it, then make it current.

        Concurrent callers that saw the same stale token share one refresh.
        Raises TokenRejected/PortalUnavailable when the OAuth server refuses, ServerError when it
        cannot be reached.
        """
        async with self._lock:
            orphan = self._refreshing
            if orphan is not None:
                # A refresh whose caller was cancelled still runs: its answer decides, since the
                # refresh token it sent works once. Waiting for it keeps refreshes single-flight
                # even though the cancelled caller let go of the lock.
                # If it failed, nothing changed and this caller tries for itself below.
                await asyncio.wait({orphan})
                self._refreshing = None
            current = self._tokens.access_token.get_secret_value()
            if stale_access_token is not None and current != stale_access_token:
                return self._tokens  # another task refreshed while we waited
            # Shielded: a pass cancelled mid-refresh (a write's timeout, a stop) must still keep
            # the new pair, since the old refresh token is already spent on the server.
            task = asyncio.get_running_loop().create_task(
                self._exchange_and_persist(), name="bitrix-token-refresh"
            )
            task.add_done_callback(_retrieve_error)
            self._refreshing = task
            fresh = await asyncio.shield(task)
            self._refreshing = None
            return fresh

    async def _exchange_and_persist(self) -> PortalTokens:
        fresh = await self._exchange()
        # Persist before use: the old refresh token is already spent on the server.
        await self._persist(fresh)
        self._tokens = fresh
        self.refresh_count += 1
        log.info("bitrix.token_refreshed", member_id=fresh.member_id)
        return fresh

    def _observe(self, error: BitrixError) -> BitrixError:
        if self._on_error is not None:
            self._on_error(error)
        return error

    async def _exchange(self) -> PortalTokens:
        form = {
            "grant_type": "refresh_token",
            "client_id": self._app.client_id,
            "client_secret": self._app.client_secret.get_secret_value(),
            "refresh_token": self._tokens.refresh_token.get_secret_value(),
        }
        try:
            # POST form keeps the secret out of URLs and access logs (CRest does the same).
            response = await self._http.post(self._app.token_url, data=form)
        except httpx.HTTPError as exc:
            raise ServerError(
                f"Bitrix24 OAuth server unreachable ({type(exc).__name__}); retry later",
                method="oauth.token",
            ) from exc
        body: Any
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code != 200 or not isinstance(body, dict) or "error" in body:
            error: BitrixError = classify(response.status_code, body, method="oauth.token")
            if isinstance(error, RecordRejected):
                # Any other refusal of a refresh still means: this token chain is dead.
                error = TokenRejected(
                    f"Bitrix24 OAuth refused the refresh ({error.description or error.code}); "
                    "open the app in the portal again",
                    code=error.code,
                    description=error.description,
                    status=error.status,
                    method="oauth.token",
                )
            raise self._observe(error)
        try:
            token = TokenResponse.model_validate(body)
        except ValidationError as exc:
            raise self._observe(
                ServerError("Bitrix24 OAuth answer lacks the token pair", method="oauth.token")
            ) from exc
        return replace(
            self._tokens,
            access_token=SecretStr(token.access_token),
            refresh_token=SecretStr(token.refresh_token),
            client_endpoint=token.client_endpoint or self._tokens.client_endpoint,
            member_id=token.member_id or self._tokens.member_id,
        )


def _retrieve_error(task: asyncio.Task[PortalTokens]) -> None:
    """Mark an orphaned refresh's error as seen: the next caller of ``refresh`` acts on it."""
    if not task.cancelled():
        task.exception()
