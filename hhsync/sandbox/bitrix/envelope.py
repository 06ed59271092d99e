"""Bitrix24's response envelopes: the ``time`` block, success bodies and the error shape.

Errors are ``{"error": code, "error_description": text}``. Legacy CRM methods put an empty string
in ``error`` and the meaning in ``error_description`` (HTTP 400, as observed); system errors carry
codes with their own statuses (Bitrix24 REST docs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any


class RestError(Exception):
    """A method failure that becomes ``{"error", "error_description"}`` with an HTTP status."""

    def __init__(
        self, code: str, description: str, status: int = 400, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{code or '(legacy)'}: {description}")
        self.code = code
        self.description = description
        self.status = status
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        """The JSON body Bitrix24 sends for this error."""
        return {"error": self.code, "error_description": self.description, **self.extra}


def legacy_error(description: str) -> RestError:
    """A legacy CRM business error: ``"error": ""`` with the text, HTTP 400 (observed)."""
    return RestError("", description, 400)


# The errors every client must recognise, with the texts and statuses of the documented examples.
def expired_token() -> RestError:
    """401 expired_token: the access token outlived its hour."""
    return RestError("expired_token", "The access token provided has expired.", 401)


def invalid_token() -> RestError:
    """401 invalid_token: unknown, rotated-away or foreign token."""
    return RestError("invalid_token", "Unable to get application by token", 401)


def no_auth_found() -> RestError:
    """401 NO_AUTH_FOUND: no ``auth`` parameter at all."""
    return RestError("NO_AUTH_FOUND", "Wrong authorization data", 401)


def app_not_installed() -> RestError:
    """401 ERROR_OAUTH: the application was uninstalled; its tokens are dead."""
    return RestError("ERROR_OAUTH", "Application not installed", 401)


def user_not_authorized() -> RestError:
    """401 authorization_error: the token's user was deactivated."""
    return RestError("authorization_error", "Unable to authorize user", 401)


def method_not_found() -> RestError:
    """404 ERROR_METHOD_NOT_FOUND."""
    return RestError("ERROR_METHOD_NOT_FOUND", "Method not found!", 404)


def insufficient_scope() -> RestError:
    """403 insufficient_scope (docs say 403; some SDKs expect 401)."""
    return RestError(
        "insufficient_scope",
        "The request requires higher privileges than provided by the access token",
        403,
    )


def query_limit_exceeded() -> RestError:
    """503 QUERY_LIMIT_EXCEEDED: the leaky bucket is full; nothing was done."""
    return RestError("QUERY_LIMIT_EXCEEDED", "Too many requests", 503)


def operation_time_limit(method: str) -> RestError:
    """429 OPERATION_TIME_LIMIT: this method used up its ten-minute time budget."""
    return RestError(
        "OPERATION_TIME_LIMIT", f"Method is blocked due to operation time limit ({method})", 429
    )


@dataclass(frozen=True)
class CallTime:
    """When a method ran (sandbox time) and what it costs, for the ``time`` block."""

    start: float
    cost_s: float
    operating: float | None = None
    operating_reset_at: int | None = None


def portal_zone(offset_hours: float) -> timezone:
    """The portal's fixed UTC offset (Bitrix24 prints dates with it)."""
    return timezone(timedelta(hours=offset_hours))


def iso(moment: datetime, zone: timezone) -> str:
    """``2024-05-23T18:18:25+02:00``: seconds precision, the portal's offset."""
    return moment.astimezone(zone).replace(microsecond=0).isoformat()


def time_block(call: CallTime, zone: timezone) -> dict[str, Any]:
    """The ``time`` object of every response (and of each ``result_time`` entry)."""
    finish = call.start + call.cost_s
    block: dict[str, Any] = {
        "start": round(call.start, 6),
        "finish": round(finish, 6),
        "duration": round(call.cost_s, 6),
        "processing": round(call.cost_s, 6),
        "date_start": iso(datetime.fromtimestamp(call.start, UTC), zone),
        "date_finish": iso(datetime.fromtimestamp(finish, UTC), zone),
    }
    if call.operating_reset_at is not None:
        block["operating_reset_at"] = call.operating_reset_at
    if call.operating is not None:
        block["operating"] = round(call.operating, 6)
    return block


@dataclass(frozen=True)
class MethodResult:
    """What a method handler returns: the ``result`` plus paging members for list methods."""

    result: Any
    total: int | None = None
    next: int | None = None


def success_body(outcome: MethodResult, call: CallTime, zone: timezone) -> dict[str, Any]:
    """``{"result", ["next"], ["total"], "time"}`` with ``next`` only when more rows exist."""
    body: dict[str, Any] = {"result": outcome.result}
    if outcome.next is not None:
        body["next"] = outcome.next
    if outcome.total is not None:
        body["total"] = outcome.total
    body["time"] = time_block(call, zone)
    return body
