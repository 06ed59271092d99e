"""Tokens of the sandbox portals and the oauth.bitrix.info-like token endpoint's rules.

Rules (Bitrix24 REST docs, settings/oauth/index.md and auto-renewal.md):
* access tokens live ``access_lifetime_s`` (3600 s); afterwards every call answers 401
  ``expired_token``;
* refresh tokens are single use: a refresh kills the used refresh token *and* the access token
  issued with it, and re-using it answers ``invalid_grant``;
* refresh tokens expire after ``refresh_lifetime_s``. The docs disagree (180 days now, "28 days
  or until first use" before); we default to the stricter 28 days;
* uninstalling the application kills every token of the portal; a refresh then answers
  ``invalid_client`` (the docs' meaning "application not installed");
* authorization codes live 30 s and are single use.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from hhsync.sandbox.bitrix.envelope import (
    RestError,
    app_not_installed,
    expired_token,
    invalid_token,
)


@dataclass
class AccessGrant:
    """An access token: which portal, which user, until when."""

    token: str
    domain: str
    user_id: int
    expires_at: float
    scope: str
    refresh_token: str
    revoked: bool = False


@dataclass
class RefreshGrant:
    """A refresh token and the access token issued with it."""

    token: str
    domain: str
    user_id: int
    expires_at: float
    scope: str
    access_token: str
    used: bool = False
    revoked: bool = False


@dataclass
class AuthCode:
    """A one-time authorization code (``grant_type=authorization_code``)."""

    code: str
    domain: str
    user_id: int
    expires_at: float
    scope: str
    used: bool = False


class OAuthError(Exception):
    """A token-endpoint failure: ``{"error", "error_description"}`` with an HTTP status."""

    def __init__(self, code: str, description: str, status: int = 400) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description
        self.status = status

    def body(self) -> dict[str, str]:
        """The JSON body of this failure."""
        return {"error": self.code, "error_description": self.description}


@dataclass
class TokenRegistry:
    """Every token the sandbox issued, across portals."""

    rng: random.Random
    access_lifetime_s: float = 3600.0
    refresh_lifetime_s: float = 28 * 86400.0
    code_lifetime_s: float = 30.0
    access: dict[str, AccessGrant] = field(default_factory=dict)
    refresh: dict[str, RefreshGrant] = field(default_factory=dict)
    codes: dict[str, AuthCode] = field(default_factory=dict)

    def _token(self) -> str:
        return f"{self.rng.getrandbits(256):064x}"

    def issue(self, domain: str, user_id: int, scope: str, now: float) -> AccessGrant:
        """A new token pair for ``user_id`` on ``domain`` (install, iframe opening, refresh)."""
        access_token, refresh_token = self._token(), self._token()
        grant = AccessGrant(
            access_token, domain, user_id, now + self.access_lifetime_s, scope, refresh_token
        )
        self.access[access_token] = grant
        self.refresh[refresh_token] = RefreshGrant(
            refresh_token, domain, user_id, now + self.refresh_lifetime_s, scope, access_token
        )
        return grant

    def issue_code(self, domain: str, user_id: int, scope: str, now: float) -> str:
        """An authorization code, as the portal's authorize page would redirect with."""
        code = self._token()[:32]
        self.codes[code] = AuthCode(code, domain, user_id, now + self.code_lifetime_s, scope)
        return code

    def check(self, token: str, domain: str | None, now: float, installed: bool) -> AccessGrant:
        """The grant behind ``token`` for a call on ``domain``, or the error Bitrix24 answers."""
        grant = self.access.get(token)
        if grant is None or (domain is not None and grant.domain != domain):
            raise invalid_token()
        if not installed:
            raise app_not_installed()
        if grant.revoked:
            raise invalid_token()
        if now >= grant.expires_at:
            raise expired_token()
        return grant

    def use_refresh(self, token: str, now: float, installed: bool) -> AccessGrant:
        """Rotate: a new pair for a valid unused refresh token; the old pair dies."""
        grant = self.refresh.get(token)
        if grant is None or grant.revoked:
            raise OAuthError("invalid_grant", "Invalid refresh token")
        if not installed:
            raise OAuthError("invalid_client", "Application not installed")
        if grant.used:
            raise OAuthError("invalid_grant", "Refresh token has already been used")
        if now >= grant.expires_at:
            raise OAuthError("invalid_grant", "The refresh token provided has expired.")
        grant.used = True
        old_access = self.access.get(grant.access_token)
        if old_access is not None:
            old_access.revoked = True
        return self.issue(grant.domain, grant.user_id, grant.scope, now)

    def use_code(self, code: str, now: float, installed: bool) -> AccessGrant:
        """Exchange an authorization code (30 s, single use) for a token pair."""
        grant = self.codes.get(code)
        if grant is None or grant.used:
            raise OAuthError("invalid_grant", "Invalid authorization code")
        if not installed:
            raise OAuthError("invalid_client", "Application not installed")
        if now >= grant.expires_at:
            raise OAuthError("expired_token", "The authorization token provided has expired.")
        grant.used = True
        return self.issue(grant.domain, grant.user_id, grant.scope, now)

    def revoke_portal(self, domain: str) -> None:
        """Kill every token of ``domain`` (application uninstalled)."""
        for access in self.access.values():
            if access.domain == domain:
                access.revoked = True
        for refresh in self.refresh.values():
            if refresh.domain == domain:
                refresh.revoked = True

    def revoke_user(self, domain: str, user_id: int) -> None:
        """Kill the tokens of one user (admin API: e.g. the user was fired)."""
        for access in self.access.values():
            if access.domain == domain and access.user_id == user_id:
                access.revoked = True


def scope_allows(granted: str, required: str | None) -> bool:
    """Whether the token's comma-separated ``granted`` scopes cover ``required``."""
    if required is None:
        return True
    scopes = {s.strip() for s in granted.split(",") if s.strip()}
    if required == "user":
        # user.current/user.get work with any of the user scopes; which fields come back differs
        return bool(scopes & {"user", "user_brief", "user_basic"})
    return required in scopes


def check_client(
    client_id: str, client_secret: str, expected_id: str, expected_secret: str
) -> None:
    """Reject wrong application credentials with ``invalid_client``."""
    if client_id != expected_id or client_secret != expected_secret:
        raise OAuthError("invalid_client", "Invalid client credentials")


__all__ = [
    "AccessGrant",
    "OAuthError",
    "RefreshGrant",
    "RestError",
    "TokenRegistry",
    "check_client",
    "scope_allows",
]
