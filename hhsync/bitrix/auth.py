"""Bitrix24 OAuth for one portal: the token rides in the ``auth`` param; refresh on expired_token.

Bitrix24 access tokens live an hour; the portal then answers HTTP 401 ``expired_token``. The
documented recipe (Bitrix24 REST docs, settings/oauth/auto-renewal.md): refresh once through the
OAuth server, store the new pair atomically, retry the same call. Refresh tokens are single use, so
refreshes are single-flight per portal (one lock, coalescing concurrent 401s) and the new pair is
handed to the ``persist`` callback *before* it is used: if persisting fails, the call fails and
nothing runs with an unsaved token.

The lock only covers one client, while several clients of one portal hold the same pair (a pass,
the app page's tabs, another daemon). Whoever refreshes first spends the refresh token and kills
the old access token, so the others would see ``invalid_token`` or ``invalid_grant`` for a portal
whose stored pair is fine. A client given ``reload`` therefore re-reads the stored pair before it
refreshes and again when the portal or the OAuth server refuses its pair; a newer one is adopted
and the call sent again (ARCHITECTURE.md invariant 3). Only a refusal of the freshly read pair
reaches the caller.
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
ReloadTokens = Callable[[], Awaitable[PortalTokens | None]]
"""The stored pair when another client stored a newer one than this client last stored or
adopted, else None."""
MAX_SENDS = 3
"""Sends of one request: the first, one after adopting a pair another client stored, one after a
refresh (that adopted pair may have expired too)."""


def with_token(request: httpx.Request, token: str) -> httpx.Request:
    """The request with ``auth=<token>`` in its query (replacing any, e.g. a download URL's)."""
    request.url = request.url.copy_set_param("auth", token)
    return request


def is_expired_token(response: httpx.Response) -> bool:
    """Whether the portal said the access token expired (401 ``expired_token``, any case)."""
    body = _error_body(response)
    return body is not None and str(body.get("error", "")).lower() == "expired_token"


def _error_body(response: httpx.Response) -> dict[str, Any] | None:
    """The JSON body of a 401 (body already read), or None."""
    if response.status_code != 401:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


class BitrixAuth(httpx.Auth):
    """httpx auth flow for one portal: adds the token, refreshes once on expired_token, retries."""

    def __init__(
        self,
        tokens: PortalTokens,
        app: OAuthApp,
        http: httpx.AsyncClient,
        persist: PersistTokens,
        on_error: ErrorObserver | None = None,
        reload: ReloadTokens | None = None,
    ) -> None:
        self._tokens = tokens
        self._app = app
        self._http = http
        self._persist = persist
        self._on_error = on_error
        self._reload = reload
        self._lock = asyncio.Lock()
        self._refreshing: asyncio.Task[PortalTokens] | None = None
        """A refresh still running after its caller was cancelled (see :meth:`refresh`)."""
        self.refresh_count = 0
        self.adopted_count = 0
        """Pairs taken over from the store instead of refreshing (another client refreshed)."""

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
        """Send with the current token; on expired_token refresh (single flight) and resend; on
        another token refusal resend with a newer stored pair, if there is one.

        Resending is safe for any method: the portal checks the token before running the method.
        """
        used = self._tokens.access_token.get_secret_value()
        for _ in range(MAX_SENDS - 1):
            response = yield with_token(request, used)
            fresh = await self._token_after(request, response, used)
            if fresh is None:
                return
            used = fresh
        yield with_token(request, used)

    async def _token_after(
        self, request: httpx.Request, response: httpx.Response, used: str
    ) -> str | None:
        """The token to resend with after the portal refused ``used``; None lets the answer
        through to the REST layer."""
        if response.status_code != 401:
            return None
        await response.aread()  # overriding async_auth_flow means reading the body ourselves
        body = _error_body(response)
        if body is None:
            return None
        method = request.url.path.rsplit("/", 1)[-1].removesuffix(".json")
        error = classify(response.status_code, body, method=method)
        # Resent below, so the REST layer never sees this answer: it is told here.
        if is_expired_token(response):
            self._observe(error)
            await self.refresh(stale_access_token=used)
        elif isinstance(error, TokenRejected) and await self.adopt_stored(used):
            self._observe(error)
        else:
            return None
        current = self._tokens.access_token.get_secret_value()
        return current if current != used else None

    async def adopt_stored(self, stale_access_token: str) -> bool:
        """Take the stored pair if another client stored a newer one than ``stale_access_token``'s.

        Returns whether the client now holds another token than the stale one.
        """
        async with self._lock:
            if self._tokens.access_token.get_secret_value() != stale_access_token:
                return True  # a task of this client refreshed or adopted while we waited
            return await self._adopt_newer()

    async def _adopt_newer(self) -> bool:
        if self._reload is None:
            return False
        newer = await self._reload()
        if newer is None:
            return False
        self._tokens = newer
        self.adopted_count += 1
        log.info("bitrix.token_adopted", member_id=newer.member_id)
        return True

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
            if await self._adopt_newer():
                return self._tokens  # another client refreshed and stored its pair first
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
        try:
            fresh = await self._exchange()
        except TokenRejected:
            # invalid_grant: another client spent the refresh token between our re-read and our
            # exchange; the pair it got is stored (or the chain really is dead).
            if await self._adopt_newer():
                return self._tokens
            raise
        try:
            # Persist before use: the old refresh token is already spent on the server.
            await self._persist(fresh)
        except Exception:
            # Another pair was stored meanwhile (a reinstall, an administrator's open): it is
            # the portal's pair of record, so ours is dropped unused.
            if await self._adopt_newer():
                return self._tokens
            raise
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
