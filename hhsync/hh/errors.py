"""hh.ru failures as types that say what the caller must do, and the one function that maps answers.

hh.ru speaks two error dialects (hh.ru OpenAPI spec; hhru/api docs/errors.md): API methods answer
``{"errors": [{"type", "value"}], "request_id", "description"}`` (auth failures are HTTP 403 with
``type == "oauth"``, never 401), and the token endpoint answers the RFC 6749 shape
``{"error", "error_description"}``. :func:`error_for_api_answer` and :func:`error_for_token_answer`
are pure: status, headers and body in, an error (or ``None``) out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

from hhsync.errors import Fatal, HhsyncError, NeedsReauth, Retriable, Skippable

REQUEST_ID_HEADER = "X-Request-Id"


@dataclass(frozen=True)
class ApiErrorItem:
    """One entry of hh.ru's ``errors[]``: ``type`` always, ``value`` sometimes."""

    type: str
    value: str | None = None
    captcha_url: str | None = None
    """``captcha_required`` only: the page a person solves it on (or its ``fallback_url``)."""


class HhError(HhsyncError):
    """Root of every hh.ru failure; carries what is known about the answer for logs and support."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        request_id: str | None = None,
        errors: tuple[ApiErrorItem, ...] = (),
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.request_id = request_id
        self.errors = errors
        del retry_after_s  # only retriable errors keep it (see RetriableHhError)

    def __str__(self) -> str:
        text = super().__str__()
        details = []
        if self.status_code is not None:
            details.append(f"HTTP {self.status_code}")
        if self.request_id:
            details.append(f"request id {self.request_id}")
        return f"{text} ({', '.join(details)})" if details else text


class RetriableHhError(HhError, Retriable):
    """An hh.ru failure the same call may get past later, possibly after ``retry_after_s``."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        request_id: str | None = None,
        errors: tuple[ApiErrorItem, ...] = (),
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message, status_code=status_code, request_id=request_id, errors=errors)
        self.retry_after_s = retry_after_s


# --- the access token (API methods, HTTP 403 oauth/*) -------------------------------------------


class TokenExpired(RetriableHhError):
    """The access token expired (``oauth/token_expired``): refresh, then repeat the request once."""


class TokenRevoked(HhError, NeedsReauth):
    """The tokens were revoked, are unknown or already spent: the employer must log in again."""


class PasswordChanged(TokenRevoked):
    """hh.ru deactivated the tokens (``token deactivated``): the user changed the password, or
    hh.ru did it by itself to a pair that was still valid (hhru/api#869, #619). Either way only a
    new login helps; the stored pair is kept as it was."""


class RefreshTokenReused(TokenRevoked):
    """The refresh token was used before (``token has already been refreshed``): re-auth."""


class RefreshTooEarly(RetriableHhError):
    """hh.ru refused a refresh because the access token is still valid (``token not expired``)."""


class AppCredentialsRejected(HhError, Fatal):
    """hh.ru does not know our client_id/client_secret: fix the hh.ru application settings."""


class TokenPersistFailed(HhError, Fatal):
    """The new token pair could not be stored, so it is not used (refresh tokens are single use)."""


# --- other API answers ------------------------------------------------------------------------


class Forbidden(HhError, Skippable):
    """hh.ru refuses this action on this record (wrong state, archived vacancy, no paid access…)."""


class CaptchaRequired(Forbidden):
    """hh.ru wants a captcha solved in a browser before it answers again (403
    ``captcha_required``, hh.ru OpenAPI spec): a person must open :attr:`captcha_url` (with a
    ``backurl``) on hh.ru; until then the account's reads pause."""

    @property
    def captcha_url(self) -> str | None:
        """Where the captcha is solved, as hh.ru gave it (no token in it)."""
        return next((item.captcha_url for item in self.errors if item.captcha_url), None)


class NotFound(HhError, Skippable):
    """Gone or gone or out of reach (response or resume deleted, another manager's vacancy)."""


class ViewLimitExceeded(HhError, Skippable):
    """The manager's daily resume-view limit is spent (``resumes/view_limit_exceeded``).

    Contact fetching for this account pauses until the limit resets; the responses stay pending.
    """


class ResumeQuotaExceeded(ViewLimitExceeded):
    """The resume-view quota the company set for this manager is spent (``403
    resumes/quota_exceeded``, hhru/api docs/errors.md): paused like the daily limit."""


class RateLimited(RetriableHhError):
    """Too many requests from this process (HTTP 429): back off for ``retry_after_s`` or longer."""


class ServerError(RetriableHhError):
    """hh.ru failed (5xx, often with a non-JSON body); the maintainers' advice is to retry."""


class NetworkError(RetriableHhError):
    """hh.ru could not be reached or the connection broke mid-answer.

    ``reached``: whether the request may have got to hh.ru (False only when no connection was
    made, so hh.ru cannot have acted on it or counted it).
    """

    def __init__(self, message: str, *, reached: bool = True, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.reached = reached


class BadRequest(HhError, Fatal):
    """hh.ru rejected the request's shape (``bad_argument``, ``bad_user_agent``): a bug or setup."""


class PageDepthExceeded(BadRequest):
    """hh.ru refuses to page this deep into a list (``bad_argument`` on ``page``/``per_page``)."""


class InvalidPayload(HhError, Skippable):
    """hh.ru answered, but the body does not have a field we need, or has it with the wrong type."""


class ResumePdfTooLarge(HhError, Skippable):
    """The resume PDF is bigger than the configured cap; the response is synced without it."""


class UnexpectedAnswer(HhError, Fatal):
    """An answer no rule covers (e.g. HTTP 409 or 418); the message quotes it for a bug report."""


class PagingLoop(UnexpectedAnswer):
    """hh.ru answered another page than asked, or the same page again: paging would never end."""


# --- pure mapping ---------------------------------------------------------------------------

_E = TypeVar("_E", bound=HhError)


class _Known(NamedTuple):
    status: int
    request_id: str | None
    errors: tuple[ApiErrorItem, ...]


def _make(cls: type[_E], message: str, known: _Known, retry_after_s: float | None = None) -> _E:
    return cls(
        message,
        status_code=known.status,
        request_id=known.request_id,
        errors=known.errors,
        retry_after_s=retry_after_s,
    )


def request_id_of(headers: Mapping[str, str], body: Any = None) -> str | None:
    """hh.ru's id for this answer: the ``X-Request-Id`` header, else the body's ``request_id``."""
    for key, value in headers.items():
        if key.lower() == REQUEST_ID_HEADER.lower() and value:
            return value
    if isinstance(body, dict) and isinstance(body.get("request_id"), str):
        return str(body["request_id"])
    return None


def parse_json_body(content: bytes) -> Any:
    """The body as JSON, or ``None`` when it is not JSON (5xx pages are often HTML or empty)."""
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return None


def _error_items(body: Any) -> tuple[ApiErrorItem, ...]:
    if not isinstance(body, dict) or not isinstance(body.get("errors"), list):
        return ()
    items = []
    for raw in body["errors"]:
        if isinstance(raw, dict) and isinstance(raw.get("type"), str):
            value = raw.get("value")
            url = raw.get("captcha_url") or raw.get("fallback_url")
            items.append(
                ApiErrorItem(
                    raw["type"],
                    value if isinstance(value, str) else None,
                    url if isinstance(url, str) else None,
                )
            )
    return tuple(items)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header given in seconds; ``None`` if absent or not a number.

    hh.ru does not document the header; HTTP dates are not expected.
    """
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return max(seconds, 0.0)


def error_for_api_answer(
    status: int, headers: Mapping[str, str], content: bytes, *, where: str = ""
) -> HhError | None:
    """The error an API method's answer means, or ``None`` for a success (2xx/3xx).

    ``where`` (``GET /negotiations``) names the request in a server error's message: a failure
    that is no answer of hh.ru's own (a proxy's page) says which call it struck and what came
    back instead of hh.ru's JSON.
    """
    if status < 400:
        return None
    body = parse_json_body(content)
    items = _error_items(body)
    known = _Known(status, request_id_of(headers, body), items)
    pairs = {(item.type, item.value) for item in items}
    types = {item.type for item in items}
    described = _describe(items, body, headers, content)

    if status == 403 and "oauth" in types:
        if ("oauth", "token_expired") in pairs:
            return _make(TokenExpired, "hh.ru access token expired", known)
        return _make(
            TokenRevoked,
            f"hh.ru rejected the account's token ({described}); connect hh.ru again",
            known,
        )
    if ("resumes", "view_limit_exceeded") in pairs:
        # Documented as 429; accepted as a 403 variant too. Checked before RateLimited.
        return _make(
            ViewLimitExceeded,
            "the manager's daily hh.ru resume-view limit is spent; contacts resume after it resets",
            known,
        )
    if ("resumes", "quota_exceeded") in pairs:
        return _make(
            ResumeQuotaExceeded,
            "the hh.ru resume-view quota the company set for this manager is spent; contacts"
            " resume after the day resets or once the company raises the quota",
            known,
        )
    if status == 429:
        retry_after = parse_retry_after(_header(headers, "Retry-After"))
        return _make(
            RateLimited, f"hh.ru rate limit hit ({described})", known, retry_after_s=retry_after
        )
    if status >= 500:
        on = f" on {where}" if where else ""
        return _make(ServerError, f"hh.ru server error{on} ({described})", known)
    if status == 404:
        return _make(NotFound, f"not found on hh.ru ({described})", known)
    if status == 403:
        if "captcha_required" in types:
            return _make(
                CaptchaRequired,
                "hh.ru asks for a captcha: the manager must log in to hh.ru in a browser and "
                "solve it; the account's reads pause until then",
                known,
            )
        return _make(Forbidden, f"hh.ru refused the action ({described})", known)
    if status == 400:
        arguments = {item.value for item in items if item.type == "bad_argument"}
        if {"page", "per_page"} & arguments:
            return _make(PageDepthExceeded, f"hh.ru refuses to page this deep ({described})", known)
        if "bad_user_agent" in types:
            return _make(
                BadRequest,
                "hh.ru rejected the User-Agent; set hh.user_agent_contact to a real e-mail",
                known,
            )
        return _make(BadRequest, f"hh.ru rejected the request ({described})", known)
    return _make(UnexpectedAnswer, f"unexpected hh.ru answer ({described})", known)


def error_for_token_answer(
    status: int, headers: Mapping[str, str], content: bytes
) -> HhError | None:
    """The error a token-endpoint answer means (RFC 6749 ``error_description``), or ``None``."""
    if status < 400:
        return None
    body = parse_json_body(content)
    known = _Known(status, request_id_of(headers, body), ())
    if status == 429:
        retry_after = parse_retry_after(_header(headers, "Retry-After"))
        return _make(
            RateLimited, "hh.ru token endpoint rate limit hit", known, retry_after_s=retry_after
        )
    if status >= 500 or not isinstance(body, dict):
        return _make(ServerError, f"hh.ru token endpoint failed with HTTP {status}", known)
    error = str(body.get("error", ""))
    description = str(body.get("error_description", ""))
    said = f"{error}: {description}" if description else error
    if description == "token not expired":
        return _make(
            RefreshTooEarly, "hh.ru refuses to refresh a token that has not expired", known
        )
    if description == "token deactivated":
        return _make(
            PasswordChanged,
            "hh.ru deactivated the account's tokens (after a password change, or now and then "
            "by itself); connect hh.ru again",
            known,
        )
    if description == "token has already been refreshed":
        return _make(
            RefreshTokenReused,
            "the hh.ru refresh token was already used; connect hh.ru again",
            known,
        )
    if error == "invalid_client" or description == "account not found":
        return _make(
            AppCredentialsRejected,
            f"hh.ru rejected the app credentials ({said}); check hh.client_id/client_secret",
            known,
        )
    if error in {"invalid_grant", "invalid_request"}:
        return _make(
            TokenRevoked, f"hh.ru refused the token request ({said}); connect hh.ru again", known
        )
    if "oauth" in {item.type for item in _error_items(body)}:
        return _make(TokenRevoked, f"hh.ru refused the token request ({said})", known)
    return _make(
        UnexpectedAnswer, f"unexpected hh.ru token endpoint answer ({said or status})", known
    )


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def _describe(
    items: tuple[ApiErrorItem, ...],
    body: Any,
    headers: Mapping[str, str] | None = None,
    content: bytes = b"",
) -> str:
    if items:
        return ", ".join(f"{i.type}/{i.value}" if i.value else i.type for i in items)
    if isinstance(body, dict) and isinstance(body.get("description"), str):
        return str(body["description"])
    if body is None and content:
        # A gateway's or proxy's page in front of hh.ru: say what it was, not what it said.
        kind = (_header(headers or {}, "Content-Type") or "unknown type").split(";")[0].strip()
        return f"the body is not hh.ru's JSON: {len(content)} bytes of {kind}"
    if not content:
        return "an empty body"
    return "no error details in the body"
