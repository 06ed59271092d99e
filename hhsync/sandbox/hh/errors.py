"""hh.ru error bodies: the ``errors[]`` shape of API methods and the RFC 6749 shape of ``/token``.

Handlers raise :class:`ApiError` / :class:`TokenError`; the app turns them into responses carrying
the request id (hh.ru OpenAPI spec; hhru/api docs/errors.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# Legacy kebab-case ``oauth_error`` that accompanies some ``errors[].value`` (hh.ru OpenAPI spec).
OAUTH_LEGACY = {
    "token_expired": "token-expired",
    "token_revoked": "token-revoked",
    "bad_authorization": "bad-auth-type",
}


class ApiError(Exception):
    """An API-method failure: HTTP status plus ``errors[{type, value}]`` and optional extras."""

    def __init__(
        self, status: int, errors: list[dict[str, Any]], description: str, **extra: Any
    ) -> None:
        super().__init__(f"{status} {errors}")
        self.status = status
        self.errors = errors
        self.description = description
        self.extra = extra

    def body(self, request_id: str) -> dict[str, Any]:
        """JSON body with the request id hh.ru puts in every error."""
        return {
            "request_id": request_id,
            "description": self.description,
            "errors": self.errors,
            **self.extra,
        }


class TokenError(Exception):
    """A token-endpoint failure: ``{"error", "error_description"}``, HTTP 400 unless stated."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.status = status
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        """The RFC 6749 body (no ``errors[]`` here)."""
        return {"error": self.error, "error_description": self.description}


def oauth(value: str) -> ApiError:
    """Auth failure on an API method: always 403 on hh.ru, never 401 (hhru/api docs/errors.md)."""
    extra: dict[str, Any] = {}
    if value in OAUTH_LEGACY:
        extra["oauth_error"] = OAUTH_LEGACY[value]
    return ApiError(403, [{"type": "oauth", "value": value}], "Forbidden", **extra)


def bad_argument(name: str, description: str) -> ApiError:
    """400 ``bad_argument`` with the legacy ``bad_argument(s)`` keys hh.ru still sends."""
    return ApiError(
        400,
        [{"type": "bad_argument", "value": name}],
        description,
        bad_argument=name,
        bad_arguments=[{"name": name, "description": description}],
    )


def page_depth(limit: int) -> ApiError:
    """Deep paging refused; the body mirrors the one observed in hhru/api#98."""
    text = f"you can't look up more than {limit} items in the list"
    return ApiError(
        400,
        [{"type": "bad_argument", "value": "page"}, {"type": "bad_argument", "value": "per_page"}],
        text,
        bad_argument="page, per_page",
        bad_arguments=[{"name": "page, per_page", "description": text}],
    )


def not_found() -> ApiError:
    """404: missing, another employer's, or no rights (hh.ru does not say which)."""
    return ApiError(404, [{"type": "not_found"}], "Not Found")


def topic_not_found() -> ApiError:
    """404 for a negotiation that is missing, another employer's, or out of the caller's reach."""
    return ApiError(404, [{"type": "negotiations", "value": "topic_not_found"}], "Not Found")


def negotiations(value: str) -> ApiError:
    """403 ``negotiations/<value>`` for refused state changes (hh.ru OpenAPI spec)."""
    return ApiError(403, [{"type": "negotiations", "value": value}], "Forbidden")


def payment_required() -> ApiError:
    """403 when the employer has no paid API access to negotiations and resumes (docs/errors.md)."""
    return ApiError(
        403, [{"type": "api_access_payment", "value": "action_must_be_payed"}], "Forbidden"
    )


def bad_user_agent(value: str) -> ApiError:
    """400 when neither ``User-Agent`` nor ``HH-User-Agent`` is usable (hhru/api docs/errors.md)."""
    return ApiError(400, [{"type": "bad_user_agent", "value": value}], "Bad User-Agent")


def view_limit_exceeded() -> ApiError:
    """429 when the manager's daily resume views are spent (hh.ru OpenAPI spec)."""
    return ApiError(429, [{"type": "resumes", "value": "view_limit_exceeded"}], "Too Many Requests")


def resume_quota_exceeded() -> ApiError:
    """403 when the resume-view quota the company set for the manager is spent (hhru/api
    docs/errors.md, "Работа с резюме")."""
    return ApiError(403, [{"type": "resumes", "value": "quota_exceeded"}], "Forbidden")


def too_many_requests() -> ApiError:
    """429 of the per-client request rate limit.

    The body is not documented; we send a JSON ``errors[]`` body and no
    ``Retry-After`` header, the stricter reading: clients must back off on the status alone.
    """
    return ApiError(429, [{"type": "too_many_requests"}], "Too Many Requests")


CAPTCHA_URL = "https://hh.ru/account/captcha?state=sandbox-captcha"
CAPTCHA_FALLBACK_URL = "https://hh.ru/auth/employer?captcha=true"


def captcha_required() -> ApiError:
    """403 ``captcha_required`` with the page a person solves it on (hh.ru OpenAPI spec,
    ``ErrorsCommonCaptchaError``; hhru/api docs/errors.md): the app appends ``backurl``."""
    item = {
        "type": "captcha_required",
        "value": "captcha_required",
        "captcha_url": CAPTCHA_URL,
        "fallback_url": CAPTCHA_FALLBACK_URL,
    }
    return ApiError(403, [item], "Forbidden")


def managers_forbidden() -> ApiError:
    """403 on ``GET /employers/{id}/managers`` for a manager without the right to list them
    (hh.ru OpenAPI spec, ``get-employer-managers``: "Текущий пользователь не имеет прав на
    просмотр менеджеров данного работодателя"; the body is the spec's ``forbidden`` error)."""
    return ApiError(403, [{"type": "forbidden"}], "Forbidden")


def token_deactivated() -> TokenError:
    """``invalid_grant`` "token deactivated" on a refresh: after a password change, and now and
    then for a pair that is still valid (hhru/api#869, #619)."""
    return TokenError("invalid_grant", "token deactivated")


NAMED: dict[str, Callable[[], ApiError | TokenError]] = {
    "captcha_required": captcha_required,
    "managers_forbidden": managers_forbidden,
    "token_deactivated": token_deactivated,
    "too_many_requests": too_many_requests,
    "view_limit_exceeded": view_limit_exceeded,
    "payment_required": payment_required,
}
"""The documented answers a ``named`` fault can give (``code`` is the key)."""


def named(code: str) -> ApiError | TokenError:
    """The documented answer called ``code``; ValueError names the known ones."""
    make = NAMED.get(code)
    if make is None:
        raise ValueError(f"unknown hh.ru error {code!r}; known: {', '.join(sorted(NAMED))}")
    return make()
