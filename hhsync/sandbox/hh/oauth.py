"""hh.ru OAuth rules of the sandbox: codes, token pairs, single-use refresh, revocation.

Pure logic over :class:`HhStore` and sandbox time (``now_s`` = scaled monotonic seconds). The
error strings are hh.ru's own (hh.ru OpenAPI spec, "Авторизация"; hhru/api docs/errors.md).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum

from hhsync.sandbox.hh import errors
from hhsync.sandbox.hh.errors import TokenError
from hhsync.sandbox.hh.site import Login, UserKind
from hhsync.sandbox.hh.store import AuthCode, HhStore, Manager, TokenPair

MAX_CODES = 1000  # past this, used and expired codes are swept when a new one is issued


class SpontaneousDeactivation(StrEnum):
    """What a refresh answered "token deactivated" without a password change leaves behind.

    hhru/api#869 (2025) and #619 (2022) report ``invalid_grant`` "token deactivated" on a refresh
    of a pair no password change had killed; hh.ru's only answer was that it means a password
    change, and nobody said whether the same refresh token works afterwards. The sandbox offers
    both readings: ``dead`` (the default, the stricter one: the pair stays deactivated, its
    refresh and access tokens are refused from then on) and ``pair_survives`` (nothing was
    revoked: the next refresh with the same token succeeds).
    """

    DEAD = "dead"
    PAIR_SURVIVES = "pair_survives"


@dataclass(frozen=True)
class OAuthRules:
    """What the sandbox accepts and how long things live (sandbox seconds)."""

    client_id: str
    client_secret: str
    access_token_lifetime_s: float
    code_lifetime_s: float


def issue_code(
    store: HhStore,
    rules: OAuthRules,
    login: Login,
    redirect_uri: str,
    code_challenge: str | None,
    now_s: float,
) -> AuthCode:
    """A fresh single-use code for ``login``, bound to the redirect URI it is sent to."""
    if len(store.codes) > MAX_CODES:
        for stale in [c.code for c in store.codes.values() if c.used or now_s >= c.expires_at_s]:
            del store.codes[stale]
    code = AuthCode(
        code=secrets.token_urlsafe(18),
        client_id=rules.client_id,
        login=login.email,
        login_generation=login.generation,
        redirect_uri=redirect_uri,
        expires_at_s=now_s + rules.code_lifetime_s,
        code_challenge=code_challenge,
    )
    store.codes[code.code] = code
    return code


def issue_pair(store: HhStore, rules: OAuthRules, login: Login, now_s: float) -> TokenPair:
    """A new access/refresh pair for a website user, bound to the current password generations."""
    manager = store.managers.get(login.user_id) if login.kind is UserKind.EMPLOYER else None
    employer = store.employers[manager.employer_id] if manager is not None else None
    pair = TokenPair(
        access_token=secrets.token_hex(32).upper(),
        refresh_token=secrets.token_hex(32).upper(),
        login=login.email,
        login_generation=login.generation,
        manager_id=manager.id if manager is not None else None,
        employer_id=employer.id if employer is not None else None,
        applicant_id=login.user_id if login.kind is UserKind.APPLICANT else None,
        issued_at_s=now_s,
        expires_at_s=now_s + rules.access_token_lifetime_s,
        password_generation=employer.password_generation if employer is not None else 0,
    )
    store.tokens_by_access[pair.access_token] = pair
    store.tokens_by_refresh[pair.refresh_token] = pair
    return pair


def manager_login(store: HhStore, manager: Manager) -> Login:
    """The website login of a manager (every generated manager has one)."""
    login = store.site.login_of(UserKind.EMPLOYER, manager.id)
    if login is None:
        login = store.site.add_login(manager.email, UserKind.EMPLOYER, manager.id)
    return login


def deactivated(store: HhStore, pair: TokenPair) -> bool:
    """Whether a password change since the pair was issued killed it (its user's or the
    employer's), or hh.ru deactivated it by itself (:class:`SpontaneousDeactivation`)."""
    if pair.deactivated:
        return True
    login = store.site.logins.get(pair.login)
    if login is None or login.generation != pair.login_generation:
        return True
    if pair.employer_id is None:
        return False
    return store.employers[pair.employer_id].password_generation != pair.password_generation


def deactivate_spontaneously(
    store: HhStore, form: dict[str, str], outcome: SpontaneousDeactivation
) -> None:
    """A named ``token_deactivated`` fault struck the refresh in ``form``: with the ``dead``
    outcome the pair it names is deactivated for good; with ``pair_survives`` nothing changes."""
    if outcome is not SpontaneousDeactivation.DEAD or form.get("grant_type") != "refresh_token":
        return
    pair = store.tokens_by_refresh.get(form.get("refresh_token", ""))
    if pair is not None:
        pair.deactivated = True


def _check_client(rules: OAuthRules, client_id: str, client_secret: str) -> None:
    if client_id != rules.client_id:
        raise TokenError("invalid_client", "client_id or client_secret not found")
    if client_secret != rules.client_secret:
        # The spec's example for a wrong client_id/client_secret pair.
        raise TokenError("invalid_request", "account not found")


def exchange_code(
    store: HhStore, rules: OAuthRules, form: dict[str, str], now_s: float
) -> TokenPair:
    """``grant_type=authorization_code``.

    ``redirect_uri`` is required and must equal the authorize one: the spec marks it required,
    the old doc only "if given at authorize" (hhru/api docs/authorization_for_user.md); we take
    the stricter reading.
    """
    _check_client(rules, form.get("client_id", ""), form.get("client_secret", ""))
    code = store.codes.get(form.get("code", ""))
    if code is None:
        raise TokenError("invalid_request", "code not found")
    if code.used:
        raise TokenError("invalid_grant", "code has already been used")
    if now_s >= code.expires_at_s:
        raise TokenError("invalid_grant", "code expired")
    login = store.site.logins.get(code.login)
    if login is None or login.generation != code.login_generation:
        # "code was revoke": the password changed after the code was issued (hh.ru OpenAPI spec).
        raise TokenError("invalid_grant", "code was revoke")
    if form.get("redirect_uri", "") != code.redirect_uri:
        raise TokenError("invalid_request", "bad redirect url")
    if code.code_challenge is not None:
        verifier = form.get("code_verifier", "")
        digest = hashlib.sha256(verifier.encode()).digest()
        expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if not verifier or expected != code.code_challenge:
            raise TokenError("invalid_grant", "code verifier mismatch")
    code.used = True
    return issue_pair(store, rules, login, now_s)


def refresh(store: HhStore, rules: OAuthRules, form: dict[str, str], now_s: float) -> TokenPair:
    """``grant_type=refresh_token``: once, only after the access token expired, new pair."""
    raw = form.get("refresh_token", "")
    if not raw:
        raise TokenError("invalid_request", "token is empty")
    pair = store.tokens_by_refresh.get(raw)
    if pair is None:
        raise TokenError("invalid_request", "token not found")
    if deactivated(store, pair):
        raise TokenError("invalid_grant", "token deactivated")
    if pair.revoked:
        raise TokenError("invalid_grant", "token was revoked")
    if pair.refreshed:
        raise TokenError("invalid_grant", "token has already been refreshed")
    if now_s < pair.expires_at_s:
        raise TokenError("invalid_grant", "token not expired")
    pair.refreshed = True
    return issue_pair(store, rules, store.site.logins[pair.login], now_s)


def authenticate(store: HhStore, authorization: str | None, now_s: float) -> TokenPair:
    """The pair behind ``Authorization: Bearer ...``, or the 403 hh.ru gives.

    After a password change the old access token fails at once with ``token_revoked`` (not
    documented by hh.ru; the stricter of the candidates, as seen in hhru/api #183).
    Raises:
        errors.ApiError: 403 ``oauth`` with ``bad_authorization``, ``token_revoked`` or
        ``token_expired``.
    """
    if not authorization or not authorization.startswith("Bearer "):
        raise errors.oauth("bad_authorization")
    pair = store.tokens_by_access.get(authorization.removeprefix("Bearer ").strip())
    if pair is None:
        raise errors.oauth("bad_authorization")
    if pair.revoked or deactivated(store, pair):
        raise errors.oauth("token_revoked")
    if now_s >= pair.expires_at_s:
        raise errors.oauth("token_expired")
    return pair


def change_password(store: HhStore, employer_id: str) -> int:
    """The employer changed the password: every token of every manager dies; returns how many."""
    employer = store.employers[employer_id]
    employer.password_generation += 1
    return sum(1 for p in store.tokens_by_access.values() if p.employer_id == employer_id)


def change_user_password(store: HhStore, login: Login, password: str) -> int:
    """One user changed the password: that user's tokens, codes and sessions die; returns how
    many token pairs were live before."""
    live = sum(
        1
        for p in store.tokens_by_access.values()
        if p.login == login.email and not p.revoked and not deactivated(store, p)
    )
    login.set_password(password)
    return live
