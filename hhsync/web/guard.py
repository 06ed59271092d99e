"""Two rules every answer of the handler follows, as one ASGI middleware around the whole app.

* **Bounded bodies.** A request body is read up to ``web.max_body_bytes`` before any route sees
  it; a larger one (declared or streamed) is answered 413 and never reaches a route. Routes then
  read an in-memory body, so a slow or endless upload ties up nothing but its own connection.
* **Security headers.** Every answer gets ``X-Content-Type-Options: nosniff`` and
  ``Referrer-Policy: no-referrer`` (an app URL carries ``DOMAIN`` and ``APP_SID``). Framing is
  refused (``X-Frame-Options: DENY``, ``frame-ancestors 'none'``) unless the route set its own
  ``Content-Security-Policy``: only the Bitrix24 app pages do, naming the portal they verified,
  and then no ``X-Frame-Options`` is sent (it cannot name an origin and would block the frame).
"""

from __future__ import annotations

from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP: Final = b"content-security-policy"
NO_FRAMING_CSP: Final = b"frame-ancestors 'none'; object-src 'none'; base-uri 'none'"
ALWAYS: Final = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"))
TOO_LARGE_BODY: Final = b'{"error": "request body too large"}'


class RequestGuard:
    """The middleware: ``RequestGuard(app, max_body_bytes=65536)``."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self._app = app
        self._max = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        guarded = _with_headers(send)
        if _declared_length(scope) > self._max:
            await _too_large(guarded)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left before its body was in: nobody to answer
            body += message.get("body", b"")
            more = bool(message.get("more_body", False))
            if len(body) > self._max:
                await _too_large(guarded)
                return
        await self._app(scope, _replay(bytes(body), receive), guarded)


def _declared_length(scope: Scope) -> int:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0  # a garbled length: the streamed count still bounds the body
    return 0


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the buffered body over once, then waits for the disconnect."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _with_headers(send: Send) -> Send:
    async def guarded(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [(bytes(k).lower(), bytes(v)) for k, v in message.get("headers", [])]
            names = {name for name, _ in headers}
            if CSP not in names:
                headers.append((CSP, NO_FRAMING_CSP))
                headers.append((b"x-frame-options", b"DENY"))
            headers.extend(pair for pair in ALWAYS if pair[0] not in names)
            message["headers"] = headers
        await send(message)

    return guarded


async def _too_large(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(TOO_LARGE_BODY)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": TOO_LARGE_BODY})
