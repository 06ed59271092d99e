"""The hh.ru side of logging in and out: the code exchange, who logged in, killing a token pair.

Everything goes through hhsync's hh.ru client code (:mod:`hhsync.hh.auth`, :mod:`hhsync.hh.client`)
on the app's shared HTTP client and the process's one hh.ru request budget (hh.ru limits per
client IP, and a busy pass must not make the login answer 429), queued ahead of the passes, with
few and quick retries: a person is waiting in the popup.
hh.ru's own rules apply: the code exchange sends the same ``redirect_uri`` as the authorize
request, and ``DELETE /token`` works only with a live access token, so an expired one is
refreshed first and the new pair stored before it is used (ARCHITECTURE.md invariant 3).
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from hhsync.db.tables import HhAccount
from hhsync.db.tokens import read_account_tokens
from hhsync.errors import Retriable, TokenDecryptError
from hhsync.hh.auth import HhAuth, TokenPair, exchange_code
from hhsync.hh.budget import Priority
from hhsync.hh.client import HhClient, RetryPolicy
from hhsync.hh.errors import RateLimited, TokenRevoked
from hhsync.hh.models import Me
from hhsync.sync.account_tokens import AccountTokenStore
from hhsync.web.context import WebContext
from hhsync.web.hh_login.app_config import HhApp

LOGIN_RETRY: Final = RetryPolicy(attempts=4, first_wait_s=0.2, max_wait_s=1.0, total_s=10.0)
"""A 429 or a passing failure is retried a few times within seconds; the popup then says so."""
EXCHANGE_ATTEMPTS: Final = 4
"""Tries of the code exchange when hh.ru answers 429 (a 429 is answered before the code is
looked at, so the same code may be sent again; any other refusal is final)."""
RATE_LIMITED_HOLD_S: Final = 1.0
ASSUMED_LIFETIME: Final = timedelta(days=14)


class StoreRaceLost(Retriable):
    """Another worker stored a newer token pair of the account first (HhAuth reports it as
    ``TokenPersistFailed``)."""


@dataclass
class _Vault:
    """Where a refreshed pair of a login not stored yet goes (a fresh pair is rarely refreshed)."""

    latest: TokenPair | None = None

    async def keep(self, pair: TokenPair) -> None:
        self.latest = pair


@dataclass
class HhCalls:
    """hh.ru calls of the login routes, on the app's HTTP client and the process's hh.ru budget
    (``WebContext.hh_budget``) at :attr:`Priority.INTERACTIVE`."""

    ctx: WebContext
    app: HhApp

    def _client(self, auth: HhAuth, key: str) -> HhClient:
        return HhClient(
            self.ctx.http,
            auth=auth,
            budget=self.ctx.hh_budget,
            account_key=key,
            priority=Priority.INTERACTIVE,
            retry=LOGIN_RETRY,
            base_url=self.app.api_url,
        )

    def _auth(self, pair: TokenPair, vault: _Vault) -> HhAuth:
        return HhAuth(
            pair,
            token_url=self.app.token_url,
            user_agent=self.app.user_agent,
            persist=vault.keep,
            clock=self.ctx.clock,
        )

    async def exchange(self, code: str) -> TokenPair:
        """The first token pair for a code from the callback (raises :mod:`hhsync.hh.errors`).

        It waits its turn in the process's hh.ru budget like every hh.ru request; a 429 pauses
        the whole budget (hh.ru limits per IP) and the exchange is tried again, a few times.
        """
        budget = self.ctx.hh_budget
        for attempt in range(1, EXCHANGE_ATTEMPTS + 1):
            await budget.acquire("login", Priority.INTERACTIVE)
            try:
                return await exchange_code(
                    self.ctx.http,
                    token_url=self.app.token_url,
                    client_id=self.app.client_id,
                    client_secret=self.app.client_secret,
                    code=code,
                    redirect_uri=self.app.redirect_uri,
                    clock=self.ctx.clock,
                )
            except RateLimited as limited:
                budget.hold(limited.retry_after_s or RATE_LIMITED_HOLD_S)
                if attempt == EXCHANGE_ATTEMPTS:
                    raise
        raise AssertionError("unreachable: the last attempt returns or raises")  # pragma: no cover

    async def who(self, pair: TokenPair) -> tuple[Me, TokenPair]:
        """``GET /me`` with a new pair; also the pair to store (refreshed, in the rare case)."""
        vault = _Vault()
        me = await self._client(self._auth(pair, vault), "login").me()
        return me, vault.latest or pair

    async def drop(self, pair: TokenPair) -> None:
        """Kill a pair that will not be stored (an applicant's); an already dead one is fine."""
        try:
            await self._client(self._auth(pair, _Vault()), "login").invalidate_token()
        except TokenRevoked:
            return

    async def drop_account(self, account: HhAccount) -> int:
        """Kill a linked account's pair on hh.ru before it is logged out; returns the token
        version of the pair killed (a refresh on the way stores a newer one first, and a pair a
        pass stored meanwhile is taken over rather than refreshed again).

        A pair hh.ru already killed (revoked, password changed, refresh spent) counts as done,
        and so does one hhsync cannot decrypt any more (nobody can use it either).

        Raises:
            hhsync.hh.errors.TokenPersistFailed: the account's tokens were refreshed meanwhile.
            hhsync.hh.errors.HhError: hh.ru did not answer (``NetworkError``, ``ServerError``…).
        """
        if account.id is None:
            raise ValueError("a stored account is needed")
        try:
            stored = read_account_tokens(account, self.ctx.cipher)
        except TokenDecryptError:
            return account.token_version
        portal_id, account_id = account.portal_id, account.id
        store = AccountTokenStore(
            self.ctx.database,
            self.ctx.cipher,
            self.ctx.clock,
            portal_id,
            account_id,
            stored.version,
            race_lost=lambda: StoreRaceLost(f"hh.ru account {account_id} was refreshed meanwhile"),
        )
        auth = HhAuth(
            TokenPair(stored.access_token, stored.refresh_token, stored.access_expires_at),
            token_url=self.app.token_url,
            user_agent=self.app.user_agent,
            persist=store.persist,
            clock=self.ctx.clock,
            reload=store.reload,
        )
        with suppress(TokenRevoked):  # already dead on hh.ru: nothing left to kill
            await self._client(auth, f"{portal_id}:{account_id}").invalidate_token()
        return store.version
