"""Mapping hh.ru answers to error types: documented and observed bodies in, a type out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hhsync.errors import Fatal, NeedsReauth, Retriable, Skippable
from hhsync.hh.errors import (
    AppCredentialsRejected,
    BadRequest,
    CaptchaRequired,
    Forbidden,
    HhError,
    NotFound,
    PageDepthExceeded,
    PasswordChanged,
    RateLimited,
    RefreshTokenReused,
    RefreshTooEarly,
    ResumeQuotaExceeded,
    ServerError,
    TokenExpired,
    TokenRevoked,
    UnexpectedAnswer,
    ViewLimitExceeded,
    error_for_api_answer,
    error_for_token_answer,
    parse_retry_after,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "sandbox" / "hh" / "hh_examples"


def _example(name: str) -> bytes:
    return (EXAMPLES / name).read_bytes()


def _body(value: Any) -> bytes:
    return json.dumps(value).encode()


def _oauth(value: str) -> bytes:
    return _body({"errors": [{"type": "oauth", "value": value}], "request_id": "r-1"})


@pytest.mark.parametrize(
    ("status", "content", "expected", "marker"),
    [
        (403, _example("observed.error.403.oauth.token_expired.json"), TokenExpired, Retriable),
        (403, _oauth("token_revoked"), TokenRevoked, NeedsReauth),
        (403, _oauth("bad_authorization"), TokenRevoked, NeedsReauth),
        (403, _oauth("application_not_found"), TokenRevoked, NeedsReauth),
        (
            400,
            _example("observed.error.400.bad_argument.page-depth.json"),
            PageDepthExceeded,
            Fatal,
        ),
        (502, _example("observed.error.5xx.bad_gateway.json"), ServerError, Retriable),
        (503, b"<html><body>503 Service Unavailable</body></html>", ServerError, Retriable),
        (500, b"", ServerError, Retriable),
        (429, b"", RateLimited, Retriable),
        (
            429,
            _body({"errors": [{"type": "resumes", "value": "view_limit_exceeded"}]}),
            ViewLimitExceeded,
            Skippable,
        ),
        (
            403,
            _body({"errors": [{"type": "resumes", "value": "view_limit_exceeded"}]}),
            ViewLimitExceeded,
            Skippable,
        ),
        (  # hhru/api docs/errors.md: the quota the company set for the manager
            403,
            _body({"errors": [{"type": "resumes", "value": "quota_exceeded"}]}),
            ResumeQuotaExceeded,
            Skippable,
        ),
        (
            404,
            _body({"errors": [{"type": "negotiations", "value": "topic_not_found"}]}),
            NotFound,
            Skippable,
        ),
        (404, b"", NotFound, Skippable),
        (
            403,
            _body({"errors": [{"type": "negotiations", "value": "wrong_state"}]}),
            Forbidden,
            Skippable,
        ),
        (
            403,
            _body({"errors": [{"type": "api_access_payment", "value": "action_must_be_payed"}]}),
            Forbidden,
            Skippable,
        ),
        (
            403,
            _body({"errors": [json.loads(_example("doc.errors.captcha_required.item.json"))]}),
            CaptchaRequired,
            Skippable,
        ),
        (400, _body({"errors": [{"type": "bad_user_agent", "value": "unset"}]}), BadRequest, Fatal),
        (409, b"{}", UnexpectedAnswer, Fatal),
    ],
)
def test_api_answers_map_to_types(
    status: int, content: bytes, expected: type[HhError], marker: type[Exception]
) -> None:
    error = error_for_api_answer(status, {"X-Request-Id": "req-42"}, content)
    assert type(error) is expected
    assert isinstance(error, marker)
    assert error.status_code == status
    assert error.request_id == "req-42"
    assert "req-42" in str(error)


@pytest.mark.parametrize("status", [200, 201, 204, 304])
def test_success_is_no_error(status: int) -> None:
    assert error_for_api_answer(status, {}, b"") is None
    assert error_for_token_answer(status, {}, b"") is None


def test_request_id_falls_back_to_the_body() -> None:
    error = error_for_api_answer(403, {}, _oauth("token_revoked"))
    assert error is not None
    assert error.request_id == "r-1"


def test_rate_limit_honours_retry_after() -> None:
    error = error_for_api_answer(429, {"retry-after": "7"}, b"")
    assert isinstance(error, RateLimited)
    assert error.retry_after_s == 7.0


@pytest.mark.parametrize(
    ("header", "seconds"), [(None, None), ("3", 3.0), (" 1.5 ", 1.5), ("-2", 0.0), ("soon", None)]
)
def test_retry_after_parsing(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header) == seconds


@pytest.mark.parametrize(
    ("name", "expected", "marker"),
    [
        (
            "observed.token.error.400.invalid_grant.token-not-expired.json",
            RefreshTooEarly,
            Retriable,
        ),
        (
            "observed.token.error.400.invalid_grant.token-deactivated.json",
            PasswordChanged,
            NeedsReauth,
        ),
        (
            "observed.token.error.400.invalid_grant.token-has-already-been-refreshed.json",
            RefreshTokenReused,
            NeedsReauth,
        ),
        ("token.error.400.account-not-found.json", AppCredentialsRejected, Fatal),
        ("token.error.400.account-is-locked.json", TokenRevoked, NeedsReauth),
    ],
)
def test_token_endpoint_answers_map_to_types(
    name: str, expected: type[HhError], marker: type[Exception]
) -> None:
    error = error_for_token_answer(400, {}, _example(name))
    assert type(error) is expected
    assert isinstance(error, marker)


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (
            400,
            {
                "error": "invalid_client",
                "error_description": "client_id or client_secret not found",
            },
            AppCredentialsRejected,
        ),
        (
            400,
            {"error": "invalid_grant", "error_description": "code has already been used"},
            TokenRevoked,
        ),
        (502, None, ServerError),
        (429, None, RateLimited),
    ],
)
def test_other_token_endpoint_failures(
    status: int, body: dict[str, str] | None, expected: type[HhError]
) -> None:
    content = b"<html/>" if body is None else _body(body)
    assert type(error_for_token_answer(status, {}, content)) is expected


def test_a_proxys_page_is_told_as_such_with_the_call_it_struck() -> None:
    """hh.ru OpenAPI spec: 5xx bodies are not promised to be JSON; a proxy in front of api.hh.ru
    answers its own HTML page. The error names the call and what came back."""
    page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
    error = error_for_api_answer(
        502, {"Content-Type": "text/html; charset=utf-8"}, page, where="GET /negotiations"
    )
    assert isinstance(error, ServerError)
    text = str(error)
    assert "GET /negotiations" in text
    assert f"not hh.ru's JSON: {len(page)} bytes of text/html" in text
    assert "HTTP 502" in text
    assert "an empty body" in str(error_for_api_answer(503, {}, b""))
