"""Bitrix24 failures, classified by what the caller must do next.

Bitrix24 answers errors as ``{"error": code, "error_description": text}``. The code decides, not the
HTTP status: QUERY_LIMIT_EXCEEDED moved from 429 to 503 over the years, OPERATION_TIME_LIMIT is 429
(Bitrix24 REST docs, limits.md and its history), and legacy CRM methods send ``"error": ""`` with
the meaning only in the text (the docs' CRM error examples). :func:`classify` turns one error body
into one exception of the tree below; every class subclasses a marker of :mod:`hhsync.errors` so
the engine does not need to know Bitrix24.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

from hhsync.bitrix.refusals import required_fields_in
from hhsync.errors import Fatal, HhsyncError, NeedsReauth, Retriable, Skippable


class BitrixError(HhsyncError):
    """Root of Bitrix24 failures; carries the portal's code, text, HTTP status and method."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        description: str = "",
        status: int | None = None,
        method: str = "",
    ) -> None:
        super().__init__(message)
        self.code = code
        self.description = description
        self.status = status
        self.method = method


ErrorObserver = Callable[[BitrixError], None]
"""Told every error a portal (or its OAuth server) answered, as classified (e.g. for metrics)."""


class QueryLimitExceeded(BitrixError, Retriable):
    """The portal's leaky bucket overflowed (HTTP 503); the call did not run, retrying is safe."""

    def __init__(self, message: str, *, retry_after_s: float | None = 1.0, **kw: Any) -> None:
        BitrixError.__init__(self, message, **kw)
        self.retry_after_s = retry_after_s


class OperationTimeLimit(BitrixError, Retriable):
    """The method used up its operating-time budget (HTTP 429); other methods still work."""

    def __init__(self, message: str, *, retry_after_s: float | None = 60.0, **kw: Any) -> None:
        BitrixError.__init__(self, message, **kw)
        self.retry_after_s = retry_after_s


class ServerError(BitrixError, Retriable):
    """The portal failed (5xx, HTML error page, connection trouble); it may work later."""

    def __init__(self, message: str, *, retry_after_s: float | None = None, **kw: Any) -> None:
        BitrixError.__init__(self, message, **kw)
        self.retry_after_s = retry_after_s


class OutcomeUnknown(BitrixError, Retriable):
    """A non-idempotent call may have reached the portal but no answer came back.

    Never retried by the client: the caller must look the entity up (ORIGINATOR_ID + ORIGIN_ID) and
    adopt it before creating it again (Bitrix24 REST docs: "Duplicates are not filtered out").
    """

    def __init__(self, message: str, *, retry_after_s: float | None = None, **kw: Any) -> None:
        BitrixError.__init__(self, message, **kw)
        self.retry_after_s = retry_after_s


class SendWindowMissed(BitrixError, Retriable):
    """A write batch could not leave within its send window (the portal's limits held it back).

    It was never sent, so nothing can have landed; the caller records it for a later retry. The
    client does not retry it itself: a late send would outlive the in-flight hold.
    """

    def __init__(self, message: str, *, retry_after_s: float | None = None, **kw: Any) -> None:
        BitrixError.__init__(self, message, **kw)
        self.retry_after_s = retry_after_s


class OperatingTimeHeld(SendWindowMissed):
    """A write batch not sent because one of its methods waits for its operating-time budget
    (limits.md: 480 s per method per ten minutes, spent by hhsync or by other callers of the same
    budget) longer than its send window allows. Nothing was sent; ``retry_after_s`` is how long
    the method is paused, so the caller retries once the portal's window frees, not sooner."""


class PortalHold(BitrixError):
    """The portal (or one of its methods) refuses until a person acts: support lifts a block, an
    administrator confirms a method, the app's setup is fixed.

    Repeating the call in the same pass cannot help, so the pass stops at the first one, the
    responses stay stored, and the portal waits ``hold_s`` (doubling while it lasts,
    :mod:`hhsync.sync.holds`) before its next pass. The client never retries one.
    """

    default_hold_s: float = 600.0

    def __init__(self, message: str, *, hold_s: float | None = None, **kw: Any) -> None:
        BitrixError.__init__(self, message, **kw)
        self.hold_s = hold_s if hold_s is not None else self.default_hold_s


class PortalBlocked(PortalHold, Retriable):
    """``OVERLOAD_LIMIT``: Bitrix24 support blocked the portal's REST API by hand after an
    overload; it lasts until support lifts it (Bitrix24 REST docs, system errors)."""

    default_hold_s = 600.0

    def __init__(self, message: str, *, hold_s: float | None = None, **kw: Any) -> None:
        PortalHold.__init__(self, message, hold_s=hold_s, **kw)
        self.retry_after_s = self.hold_s


class MethodAwaitingConfirmation(PortalHold, Retriable):
    """``METHOD_CONFIRM_WAITING``: the method needs the portal administrator's confirmation;
    later calls get the same answer until it is given (Bitrix24 REST docs, scopes/confirmation)."""

    default_hold_s = 300.0

    def __init__(self, message: str, *, hold_s: float | None = None, **kw: Any) -> None:
        PortalHold.__init__(self, message, hold_s=hold_s, **kw)
        self.retry_after_s = self.hold_s


class WrongAuthKind(PortalHold, Fatal):
    """``WRONG_AUTH_TYPE`` / ``ERROR_WRONG_CONTEXT``: the method needs another kind of
    authorisation (the application's context, not a webhook or a user session): a setup error
    that no retry fixes, checked again only now and then."""

    default_hold_s = 3600.0


class ExpiredToken(BitrixError, NeedsReauth):
    """The access token is past its hour; the auth flow refreshes it and callers rarely see this."""


class TokenRejected(BitrixError, NeedsReauth):
    """The token (or refresh token) is invalid or revoked: open or install the app again."""


class PortalUnavailable(BitrixError, NeedsReauth):
    """The portal is gone for this app: uninstalled, deleted, unpaid or moved; stop polling it."""


class AppUninstalled(PortalUnavailable):
    """The app is no longer installed on the portal (or Bitrix24 no longer knows our client).

    Bitrix24 never retries the ONAPPUNINSTALL event, so an answer like this is how a missed
    uninstall is noticed: ``ERROR_OAUTH``/``APPLICATION_NOT_FOUND`` on a REST call, or
    ``invalid_client`` when refreshing (which a wrong client secret also causes).
    """


class PaymentRequired(PortalUnavailable):
    """The portal's subscription to the app ended (``PAYMENT_REQUIRED``): no tokens until paid."""


class PortalMoved(PortalUnavailable):
    """The portal answered with a redirect: its domain changed (``location`` is the new address)."""

    def __init__(self, message: str, *, location: str = "", **kw: Any) -> None:
        super().__init__(message, **kw)
        self.location = location


class PermissionDenied(BitrixError, NeedsReauth):
    """The app or its user lacks a scope or right; an administrator has to grant it."""


class RecordRejected(BitrixError, Skippable):
    """The portal refused this one record (required field, invalid value, layout too big...).

    ``fields`` names the required fields the portal reported missing, when it said so.
    """

    def __init__(self, message: str, *, fields: tuple[str, ...] = (), **kw: Any) -> None:
        super().__init__(message, **kw)
        self.fields = fields


class NotFound(RecordRejected):
    """The record (or the owner of an activity/comment) does not exist on the portal."""


class ProtocolError(BitrixError, Fatal):
    """hhsync sent something Bitrix24 cannot take (unknown method, oversized batch): a bug."""


class UnexpectedResponse(BitrixError, Retriable):
    """A 2xx answer that is not the documented JSON envelope (garbage, truncated body)."""

    def __init__(self, message: str, *, retry_after_s: float | None = None, **kw: Any) -> None:
        BitrixError.__init__(self, message, **kw)
        self.retry_after_s = retry_after_s


# Codes compared upper-cased: Bitrix24 mixes `expired_token` and `QUERY_LIMIT_EXCEEDED`.
_TOKEN_REJECTED: Final = frozenset(
    {
        "INVALID_TOKEN",
        "NO_AUTH_FOUND",
        "INVALID_GRANT",
        "AUTHORIZATION_ERROR",
        "INVALID_REQUEST",
    }
)
_APP_UNINSTALLED: Final = frozenset(
    {"ERROR_OAUTH", "APPLICATION_NOT_FOUND", "NOT_INSTALLED", "INVALID_CLIENT"}
)
_PORTAL_GONE: Final = frozenset(
    {"PORTAL_DELETED", "WRONG_CLIENT", "ERROR_MANIFEST_IS_NOT_AVAILABLE"}
)
_PERMISSION: Final = frozenset(
    {
        "INSUFFICIENT_SCOPE",
        "INVALID_SCOPE",
        "USER_ACCESS_ERROR",
        "METHOD_CONFIRM_DENIED",
        "INVALID_CREDENTIALS",
        "ACCESS_DENIED",
    }
)
_PROTOCOL: Final = frozenset(
    {"ERROR_METHOD_NOT_FOUND", "ERROR_BATCH_LENGTH_EXCEEDED", "ERROR_BATCH_METHOD_NOT_ALLOWED"}
)
_SERVER: Final = frozenset({"INTERNAL_SERVER_ERROR", "ERROR_UNEXPECTED_ANSWER"})
_NOT_FOUND: Final = frozenset({"NOT_FOUND", "OWNER_NOT_FOUND"})
_TAGS: Final = re.compile(r"<br\s*/?>", re.IGNORECASE)


def portal_message(code: str, description: str) -> str:
    """The portal's own words, tidied: ``<br />`` separators become ``; ``.

    The portal joins required-field messages with ``<br />`` (the Bitrix24 REST docs' examples).
    """
    parts = [p.strip() for p in _TAGS.split(description) if p.strip()]
    text = "; ".join(parts)
    if code and code not in text:
        text = f"{code}: {text}" if text else code
    return text or "no description"


def classify(
    status: int | None, body: Any, *, method: str = "", retry_after_s: float | None = None
) -> BitrixError:
    """One exception for one error answer (``body`` is the parsed JSON, or None if it was not JSON).

    The ``error`` code decides; the HTTP status only fills in when there is no code.
    """
    code = ""
    description = ""
    if isinstance(body, dict):
        code = str(body.get("error") or "")
        description = str(body.get("error_description") or "")
    key = code.upper()
    text = portal_message(code, description)
    where = f"Bitrix24 {method}" if method else "Bitrix24"
    kw: dict[str, Any] = {
        "code": code,
        "description": description,
        "status": status,
        "method": method,
    }
    if key == "QUERY_LIMIT_EXCEEDED":
        return QueryLimitExceeded(
            f"{where}: request rate limit exceeded ({text}); slowing down",
            retry_after_s=retry_after_s or 1.0,
            **kw,
        )
    if key == "OVERLOAD_LIMIT":
        # Set by Bitrix24 support by hand and lifted only by it: minutes apart, never a loop.
        return PortalBlocked(
            f"{where}: Bitrix24 support blocked the portal's REST API after an overload "
            f"({text}); hhsync tries again every few minutes, less often while it lasts, and "
            "keeps the responses until it is lifted (ask Bitrix24 support to lift it)",
            **kw,
        )
    if key == "METHOD_CONFIRM_WAITING":
        return MethodAwaitingConfirmation(
            f"{where}: the method {method or '?'} waits for the portal administrator's "
            f"confirmation ({text}); confirm it in the Bitrix24 notification, hhsync carries on "
            "by itself afterwards",
            **kw,
        )
    if key in ("WRONG_AUTH_TYPE", "ERROR_WRONG_CONTEXT"):
        return WrongAuthKind(
            f"{where}: the method {method or '?'} was called with the wrong kind of "
            f"authorisation ({text}); it needs the application's own OAuth context — a setup "
            "error retrying cannot fix (check that hhsync uses the installed app's tokens, not "
            "a webhook)",
            **kw,
        )
    if key == "OPERATION_TIME_LIMIT":
        return OperationTimeLimit(
            f"{where}: the method's operating-time budget is used up ({text})",
            retry_after_s=retry_after_s or 60.0,
            **kw,
        )
    if key == "EXPIRED_TOKEN":
        return ExpiredToken(f"{where}: access token expired ({text})", **kw)
    if key in _TOKEN_REJECTED:
        return TokenRejected(
            f"{where}: token rejected ({text}); open the app in the portal again to re-authorise",
            **kw,
        )
    if key == "PAYMENT_REQUIRED":
        return PaymentRequired(
            f"{where}: the portal's subscription to the app has ended ({text}); polling resumes "
            "once it is paid and an operator resumes the portal",
            **kw,
        )
    if key in _APP_UNINSTALLED:
        return AppUninstalled(
            f"{where}: the app is not installed on the portal ({text}); it comes back when an "
            "administrator installs it again (or, on invalid_client, check bitrix.client_id and "
            "bitrix.client_secret)",
            **kw,
        )
    if key in _PORTAL_GONE:
        return PortalUnavailable(
            f"{where}: portal unavailable to hhsync ({text}); the app is uninstalled, unpaid or "
            "the portal was deleted (or the client id/secret is wrong)",
            **kw,
        )
    if key in _PERMISSION:
        return PermissionDenied(
            f"{where}: permission denied ({text}); an administrator must grant the app the "
            "needed scope/rights (reinstall with scopes crm, user)",
            **kw,
        )
    if key in _PROTOCOL:
        return ProtocolError(f"{where}: request refused as malformed ({text})", **kw)
    if key in _SERVER or (status is not None and status >= 500):
        return ServerError(
            f"{where}: server error ({text}, HTTP {status})", retry_after_s=retry_after_s, **kw
        )
    if key in _NOT_FOUND or description.strip().rstrip(".").lower() == "not found":
        return NotFound(f"{where}: not found ({text})", **kw)
    if status is not None and status in (301, 302, 303, 307, 308):
        return PortalMoved(f"{where}: portal redirected (HTTP {status}); its domain changed", **kw)
    if status == 401:
        return TokenRejected(f"{where}: unauthorised ({text})", **kw)
    if not isinstance(body, dict) and status is not None and 200 <= status < 300:
        return UnexpectedResponse(f"{where}: answer is not the JSON envelope", **kw)
    fields = required_fields_in(description)
    return RecordRejected(f"{where} rejected the record: {text}", fields=fields, **kw)
