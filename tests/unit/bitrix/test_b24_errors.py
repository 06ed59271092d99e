"""Classification of Bitrix24 error answers into what the caller must do."""

from __future__ import annotations

from typing import Any

import pytest

from hhsync.bitrix.errors import (
    AppUninstalled,
    BitrixError,
    ExpiredToken,
    MethodAwaitingConfirmation,
    NotFound,
    OperationTimeLimit,
    PaymentRequired,
    PermissionDenied,
    PortalBlocked,
    PortalHold,
    PortalUnavailable,
    ProtocolError,
    QueryLimitExceeded,
    RecordRejected,
    ServerError,
    TokenRejected,
    UnexpectedResponse,
    WrongAuthKind,
    classify,
    portal_message,
)
from hhsync.errors import Fatal, NeedsReauth, Retriable, Skippable


@pytest.mark.parametrize(
    ("status", "body", "expected", "marker"),
    [
        (
            503,
            {"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"},
            QueryLimitExceeded,
            Retriable,
        ),
        (429, {"error": "QUERY_LIMIT_EXCEEDED"}, QueryLimitExceeded, Retriable),  # older docs
        (503, {"error": "OVERLOAD_LIMIT"}, PortalBlocked, Retriable),
        (401, {"error": "METHOD_CONFIRM_WAITING"}, MethodAwaitingConfirmation, Retriable),
        (403, {"error": "METHOD_CONFIRM_DENIED"}, PermissionDenied, NeedsReauth),
        (429, {"error": "OPERATION_TIME_LIMIT"}, OperationTimeLimit, Retriable),
        (401, {"error": "expired_token"}, ExpiredToken, NeedsReauth),
        (401, {"error": "invalid_token"}, TokenRejected, NeedsReauth),
        (400, {"error": "invalid_grant"}, TokenRejected, NeedsReauth),
        (401, {"error": "NO_AUTH_FOUND"}, TokenRejected, NeedsReauth),
        (
            401,
            {"error": "ERROR_OAUTH", "error_description": "Application not installed"},
            AppUninstalled,
            NeedsReauth,
        ),
        (401, {"error": "APPLICATION_NOT_FOUND"}, AppUninstalled, NeedsReauth),
        (500, {"error": "PORTAL_DELETED"}, PortalUnavailable, NeedsReauth),
        (400, {"error": "invalid_client"}, AppUninstalled, NeedsReauth),
        (400, {"error": "PAYMENT_REQUIRED"}, PaymentRequired, NeedsReauth),
        (401, {"error": "PAYMENT_REQUIRED"}, PaymentRequired, NeedsReauth),
        (403, {"error": "insufficient_scope"}, PermissionDenied, NeedsReauth),
        (403, {"error": "WRONG_AUTH_TYPE"}, WrongAuthKind, Fatal),
        (400, {"error": "ERROR_WRONG_CONTEXT"}, WrongAuthKind, Fatal),
        (404, {"error": "ERROR_METHOD_NOT_FOUND"}, ProtocolError, Fatal),
        (400, {"error": "ERROR_BATCH_LENGTH_EXCEEDED"}, ProtocolError, Fatal),
        (500, {"error": "INTERNAL_SERVER_ERROR"}, ServerError, Retriable),
        (502, None, ServerError, Retriable),  # nginx HTML page
        (400, {"error": "", "error_description": "Not found"}, NotFound, Skippable),
        (400, {"error": "OWNER_NOT_FOUND"}, NotFound, Skippable),
        (400, {"error": "TOO_MANY_ITEMS"}, RecordRejected, Skippable),
        (400, {"error": "", "error_description": "Access denied."}, RecordRejected, Skippable),
        (200, None, UnexpectedResponse, Retriable),
        (401, None, TokenRejected, NeedsReauth),
    ],
)
def test_the_error_code_decides_not_the_status(
    status: int, body: Any, expected: type[BitrixError], marker: type[Exception]
) -> None:
    error = classify(status, body, method="crm.lead.add")
    assert type(error) is expected
    assert isinstance(error, marker)
    assert error.method == "crm.lead.add"
    assert error.status == status


def test_required_field_errors_name_the_fields_and_keep_the_portal_text() -> None:
    body = {
        "error": "",
        "error_description": "The required field 'Lead Name' is missing.<br />"
        "The required field 'Phone' is missing.<br />",
    }
    error = classify(400, body, method="crm.lead.add")
    assert isinstance(error, RecordRejected)
    assert error.fields == ("Lead Name", "Phone")
    assert "<br" not in str(error)
    assert "The required field 'Lead Name' is missing.; The required field" in str(error)


def test_retry_after_hints() -> None:
    limit = classify(429, {"error": "OPERATION_TIME_LIMIT"}, retry_after_s=42.0)
    assert isinstance(limit, Retriable)
    assert limit.retry_after_s == 42.0
    assert classify(503, {"error": "QUERY_LIMIT_EXCEEDED"}).retry_after_s == 1.0  # type: ignore[attr-defined]


def test_refusals_that_wait_for_a_person_hold_the_portal_for_minutes() -> None:
    """OVERLOAD_LIMIT is a manual block (Bitrix24 REST docs, _includes/system-errors.md), not the
    leaky bucket's QUERY_LIMIT_EXCEEDED that shares its 503: it must never be retried at once."""
    blocked = classify(503, {"error": "OVERLOAD_LIMIT"}, method="batch")
    assert not isinstance(blocked, QueryLimitExceeded)
    waiting = classify(401, {"error": "METHOD_CONFIRM_WAITING"}, method="crm.lead.add")
    wrong = classify(403, {"error": "WRONG_AUTH_TYPE"}, method="crm.activity.add")
    for error in (blocked, waiting, wrong):
        assert isinstance(error, PortalHold)
        assert error.hold_s >= 300
    assert "crm.lead.add" in str(waiting)
    assert "confirm" in str(waiting)
    assert "support" in str(blocked)


def test_portal_message_prefers_text_and_keeps_the_code() -> None:
    assert portal_message("", "Not found") == "Not found"
    assert portal_message("NOT_FOUND", "Not found.") == "NOT_FOUND: Not found."
    assert portal_message("", "") == "no description"
