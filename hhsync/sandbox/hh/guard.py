"""What hh.ru does around every API call: request id, faults, rate limit, User-Agent, error bodies.

:func:`guarded` wraps a route handler; the admin API (``/_sandbox/``) is deliberately not wrapped.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from hhsync.sandbox.faults import Fault, FaultKind
from hhsync.sandbox.hh import errors, oauth
from hhsync.sandbox.hh.errors import ApiError, TokenError
from hhsync.sandbox.hh.runtime import HhSandbox, new_request_id

Handler = Callable[[Request], Awaitable[Response]]

# User-Agents hh.ru refuses as ``blacklisted``: the docs' own example (hhru/api#296) and generic
# HTTP-library defaults, which identify no application. Refusing the latter is our stricter
# reading of the spec's advice to name the app in the header (hh.ru OpenAPI spec, "Требования к
# запросам").
BLACKLISTED_UA_PREFIXES = (
    "MyApp/1.0 (my-app-feedback@example.com)",
    "python-httpx/",
    "python-requests/",
    "python-urllib",
    "aiohttp/",
)


class JsonBody(JSONResponse):
    """JSON with Cyrillic kept readable (hh.ru sends UTF-8, not ``\\u`` escapes)."""

    def render(self, content: Any) -> bytes:
        """Serialise as UTF-8 JSON."""
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sandbox_of(request: Request) -> HhSandbox:
    """The sandbox this request runs in."""
    sandbox: HhSandbox = request.app.state.sandbox
    return sandbox


def check_user_agent(request: Request) -> None:
    """Refuse requests without a usable ``HH-User-Agent``/``User-Agent`` (HH- wins if both)."""
    agent = request.headers.get("hh-user-agent") or request.headers.get("user-agent") or ""
    if not agent.strip():
        raise errors.bad_user_agent("unset")
    if agent.startswith(BLACKLISTED_UA_PREFIXES):
        raise errors.bad_user_agent("blacklisted")


def _error_response(exc: ApiError | TokenError, request_id: str) -> Response:
    if isinstance(exc, TokenError):
        return JsonBody(exc.body(), status_code=exc.status)
    return JsonBody(exc.body(request_id), status_code=exc.status)


def _fault_response(fault: Fault) -> Response:
    """A failure as a proxy in front of hh.ru would give it: 5xx bodies are often not JSON."""
    if fault.status == 502:
        body = {"errors": [{"type": "bad_gateway"}], "description": "Bad Gateway"}
        return JsonBody(body, status_code=502)
    if fault.status == 503:
        return HTMLResponse("<html><body><h1>503 Service Unavailable</h1></body></html>", 503)
    return Response(b"", status_code=fault.status)


def _raw_response(fault: Fault) -> Response:
    """A ``raw`` fault's answer: its status and bytes as they are."""
    return Response(fault.body, status_code=fault.status, media_type=fault.content_type or None)


async def _deactivate_spontaneously(sandbox: HhSandbox, request: Request) -> None:
    """A ``token_deactivated`` fault on a refresh: the pair dies or survives as configured."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return
    raw = await request.form()
    form = {k: v for k, v in raw.items() if isinstance(v, str)}
    oauth.deactivate_spontaneously(sandbox.store, form, sandbox.config.spontaneous_deactivation)


def guarded(handler: Handler) -> Handler:
    """Wrap an hh.ru route with the rules every hh.ru request goes through."""

    async def wrapper(request: Request) -> Response:
        sandbox = sandbox_of(request)
        request_id = new_request_id()
        request.state.manager_id = None
        client = request.client.host if request.client else "unknown"
        fault = sandbox.faults.next_fault(request.url.path)
        response = await _run(sandbox, request, handler, fault, request_id, client)
        response.headers["X-Request-ID"] = request_id
        sandbox.log_request(
            request.method,
            request.url.path,
            request.url.query,
            response.status_code,
            request.state.manager_id,
            client,
        )
        return response

    return wrapper


async def _run(
    sandbox: HhSandbox,
    request: Request,
    handler: Handler,
    fault: Fault | None,
    request_id: str,
    client: str,
) -> Response:
    if fault is not None and fault.kind is FaultKind.ERROR:
        return _fault_response(fault)
    if fault is not None and fault.kind is FaultKind.NAMED and not fault.after_write:
        if fault.code == "token_deactivated":
            await _deactivate_spontaneously(sandbox, request)
        return _error_response(errors.named(fault.code), request_id)
    if fault is not None and fault.kind is FaultKind.RAW and not fault.after_write:
        return _raw_response(fault)
    if fault is not None and fault.kind is FaultKind.TIMEOUT:
        # Hold the request past the client's timeout, then give up as a gateway would.
        await asyncio.sleep(fault.delay_s)
        return HTMLResponse("<html><body>504 Gateway Time-out</body></html>", 504)
    if fault is not None and fault.kind is FaultKind.SLOW:
        await asyncio.sleep(fault.delay_s)
    try:
        if not sandbox.limiter.allow(client, sandbox.now_s()):
            raise errors.too_many_requests()
        check_user_agent(request)
        async with sandbox.latency.round_trip():
            response = await handler(request)
    except (ApiError, TokenError) as exc:
        return _error_response(exc, request_id)
    if fault is None:
        return response
    if fault.kind is FaultKind.ERROR_AFTER_WRITE:
        return HTMLResponse("<html><body>500 Internal Server Error</body></html>", 500)
    if fault.kind is FaultKind.NAMED:
        return _error_response(errors.named(fault.code), request_id)
    if fault.kind is FaultKind.RAW:
        return _raw_response(fault)
    if fault.kind is FaultKind.GARBAGE and response.status_code == 200:
        return Response(b'{"items": [{"id": "1", ', status_code=200, media_type="application/json")
    if fault.kind is FaultKind.TRUNCATED and response.status_code == 200:
        body = bytes(response.body)
        return Response(body[: len(body) // 2], status_code=200, media_type=response.media_type)
    return response
