"""hh.ru OAuth: the authorization URL, the code exchange, and bearer auth with single-use refresh.

Rules (hh.ru OpenAPI spec, "Авторизация"): a refresh works only after the access token expired
("token not expired" otherwise), it rotates both tokens, and a refresh token works once. So
:class:`HhAuth` refreshes only when the stored expiry has passed or hh.ru answers
``oauth/token_expired``, does it under a per-account lock, hands the new pair to ``persist`` and
uses it only after ``persist`` returned, and never sends a refresh token twice. Callers never see
the tokens in requests or errors.

The lock covers one client only, while two clients of one account may hold the same pair (a pass
and the app's logout, or a pass a lost lease left running beside the next daemon's). The one that
refreshes second would spend a used refresh token (``token has already been refreshed``) and its
account would be parked although the stored pair works. So a client given ``reload`` re-reads the
stored pair before it refreshes and again when the refresh is refused, and adopts a newer one
(ARCHITECTURE.md invariant 3).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from urllib.parse import urlencode

import httpx
from pydantic import ValidationError

from hhsync.clock import Clock, SystemClock
from hhsync.hh.errors import (
    HhError,
    InvalidPayload,
    NetworkError,
    RefreshTooEarly,
    TokenExpired,
    TokenPersistFailed,
    TokenRevoked,
    error_for_api_answer,
    error_for_token_answer,
    request_id_of,
)
from hhsync.hh.models import UserTokenResponse


@dataclass(frozen=True)
class TokenPair:
    """An hh.ru user's access and refresh tokens; ``expires_at`` is None when unknown."""

    access_token: str
    refresh_token: str
    expires_at: datetime | None

    def expired(self, now: datetime) -> bool:
        """Whether the access token is past its stored expiry (unknown expiry: not expired)."""
        return self.expires_at is not None and now >= self.expires_at

    def __repr__(self) -> str:  # tokens never reach logs or tracebacks
        return f"TokenPair(expires_at={self.expires_at!r})"


PersistTokens = Callable[[TokenPair], Awaitable[None]]
"""Stores a new token pair durably; HhAuth uses the pair only after this returned."""
ReloadTokens = Callable[[], Awaitable[TokenPair | None]]
"""The stored pair when another client stored a newer one than this client holds, else None."""


def token_pair_from(answer: UserTokenResponse, now: datetime) -> TokenPair:
    """The pair a token-endpoint answer grants, with its expiry as an instant."""
    return TokenPair(
        answer.access_token, answer.refresh_token, now + timedelta(seconds=answer.expires_in)
    )


def authorization_url(
    oauth_url: str,
    *,
    client_id: str,
    state: str,
    redirect_uri: str | None = None,
    code_challenge: str | None = None,
    role: str | None = None,
    force_role: bool = False,
) -> str:
    """Where to send the employer's browser to grant hhsync access (``/oauth/authorize``).

    ``role`` with ``force_role`` makes hh.ru ask a user logged in with another role to log in
    with this one (hh.ru OpenAPI spec, "Запрос авторизации под другим пользователем").
    """
    params = {"response_type": "code", "client_id": client_id, "state": state}
    if redirect_uri is not None:
        params["redirect_uri"] = redirect_uri
    if role is not None:
        params["role"] = role
        if force_role:
            params["force_role"] = "true"
    if code_challenge is not None:
        params["code_challenge"] = code_challenge
        params["code_challenge_method"] = "S256"  # the only method hh.ru accepts
    return f"{oauth_url.rstrip('/')}/oauth/authorize?{urlencode(params)}"


async def exchange_code(
    http: httpx.AsyncClient,
    *,
    token_url: str,
    client_id: str,
    client_secret: str,
    code: str,
    redirect_uri: str | None,
    clock: Clock | None = None,
    code_verifier: str | None = None,
) -> TokenPair:
    """Trade the authorization code from the OAuth redirect for the employer's first token pair.

    Raises:
        TokenRevoked: hh.ru refused the code (used, expired, revoked): start the OAuth flow again.
        AppCredentialsRejected: the client id or secret is wrong.
    """
    form = {
        "grant_type": "authorization_code",
        "client_id": client_id,
        "client_secret": client_secret,
        "code": code,
    }
    if redirect_uri is not None:
        form["redirect_uri"] = redirect_uri
    if code_verifier is not None:
        form["code_verifier"] = code_verifier
    try:
        response = await http.post(token_url, data=form)
    except httpx.TransportError as exc:
        raise NetworkError(f"hh.ru token endpoint unreachable: {type(exc).__name__}") from exc
    error = error_for_token_answer(response.status_code, response.headers, response.content)
    if error is not None:
        raise error
    answer = _parse_token_answer(response)
    return token_pair_from(answer, (clock or SystemClock()).now())


def _parse_token_answer(response: httpx.Response) -> UserTokenResponse:
    try:
        return UserTokenResponse.model_validate_json(response.content)
    except ValidationError as exc:
        raise InvalidPayload(
            "hh.ru token endpoint answered without a usable token pair",
            status_code=response.status_code,
            request_id=request_id_of(response.headers),
        ) from exc


def is_token_expired_answer(response: httpx.Response) -> bool:
    """Whether an API answer (body already read) is hh.ru's ``403 oauth/token_expired``."""
    if response.status_code != 403:
        return False
    error = error_for_api_answer(response.status_code, response.headers, response.content)
    return isinstance(error, TokenExpired)


class HhAuth(httpx.Auth):
    """Bearer auth for one hh.ru account, refreshing its single-use tokens safely (async only)."""

    def __init__(
        self,
        tokens: TokenPair,
        *,
        token_url: str,
        user_agent: str,
        persist: PersistTokens,
        clock: Clock | None = None,
        lock: asyncio.Lock | None = None,
        reload: ReloadTokens | None = None,
    ) -> None:
        self._tokens = tokens
        self._token_url = token_url
        self._user_agent = user_agent
        self._persist = persist
        self._clock = clock or SystemClock()
        self._lock = lock or asyncio.Lock()
        self._spent_refresh_tokens: set[str] = set()
        self._unpersisted: TokenPair | None = None
        self._dead: HhError | None = None
        self._reload = reload
        self.adopted_count = 0
        """Pairs taken over from the store instead of refreshing (another client refreshed)."""

    @property
    def expires_at(self) -> datetime | None:
        """Expiry of the access token in use (for status pages; the tokens stay inside)."""
        return self._tokens.expires_at

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        """Not supported: hhsync talks to hh.ru only through ``httpx.AsyncClient``."""
        raise RuntimeError("HhAuth works only with httpx.AsyncClient")

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Send ``request`` with a valid bearer token; on ``token_expired`` refresh, resend once."""
        async with self._lock:
            await self._use_unpersisted_pair()
            self._raise_if_dead()
            if self._tokens.expired(self._clock.now()) and not await self._adopt_newer():
                refresh_answer = yield self._refresh_request()
                await refresh_answer.aread()
                await self._accept_refresh(refresh_answer, early_is_fine=True)
            sent_token = self._tokens.access_token
        request.headers["Authorization"] = f"Bearer {sent_token}"
        response = yield request
        if response.status_code != 403:
            return
        await response.aread()
        if not is_token_expired_answer(response):
            return
        async with self._lock:
            await self._use_unpersisted_pair()
            self._raise_if_dead()
            # Nobody refreshed while we waited, in this client or (stored) in another.
            if self._tokens.access_token == sent_token and not await self._adopt_newer():
                refresh_answer = yield self._refresh_request()
                await refresh_answer.aread()
                await self._accept_refresh(refresh_answer, early_is_fine=False)
            sent_token = self._tokens.access_token
        request.headers["Authorization"] = f"Bearer {sent_token}"
        yield request  # once: a second token_expired reaches the caller as TokenExpired

    def _refresh_request(self) -> httpx.Request:
        refresh_token = self._tokens.refresh_token
        if refresh_token in self._spent_refresh_tokens:
            raise TokenRevoked("the hh.ru refresh token was already used; connect hh.ru again")
        return httpx.Request(
            "POST",
            self._token_url,
            data={"grant_type": "refresh_token", "refresh_token": refresh_token},
            headers={"User-Agent": self._user_agent, "HH-User-Agent": self._user_agent},
        )

    async def _accept_refresh(self, answer: httpx.Response, *, early_is_fine: bool) -> None:
        error = error_for_token_answer(answer.status_code, answer.headers, answer.content)
        if isinstance(error, RefreshTooEarly) and early_is_fine:
            # Our stored expiry ran ahead of hh.ru's: keep the token, let hh.ru say when it expires.
            self._tokens = replace(self._tokens, expires_at=None)
            return
        if error is not None:
            if isinstance(error, TokenRevoked):
                self._spent_refresh_tokens.add(self._tokens.refresh_token)
                # Another client may have spent it first and stored what it got.
                if await self._adopt_newer():
                    return
                self._dead = error
            raise error
        # 200: hh.ru has spent the old refresh token whatever happens next.
        self._spent_refresh_tokens.add(self._tokens.refresh_token)
        try:
            pair = token_pair_from(_parse_token_answer(answer), self._clock.now())
        except InvalidPayload as exc:
            self._dead = TokenRevoked(f"hh.ru refresh answer unusable ({exc}); connect hh.ru again")
            raise
        self._unpersisted = pair
        await self._use_unpersisted_pair()

    async def _use_unpersisted_pair(self) -> None:
        pair = self._unpersisted
        if pair is None:
            return
        try:
            await self._persist(pair)
        except Exception as exc:  # any storage failure: the pair is kept and stored next time
            raise TokenPersistFailed(
                f"storing the new hh.ru tokens failed ({type(exc).__name__}: {exc}); "
                "they stay in memory and are stored before first use"
            ) from exc
        self._tokens = pair
        self._unpersisted = None

    async def _adopt_newer(self) -> bool:
        """Take the stored pair if another client stored a newer one (caller holds the lock)."""
        if self._reload is None:
            return False
        newer = await self._reload()
        if newer is None:
            return False
        self._tokens = newer
        self.adopted_count += 1
        return True

    def _raise_if_dead(self) -> None:
        if self._dead is not None:
            raise TokenRevoked(f"hh.ru account needs to be connected again: {self._dead}")
