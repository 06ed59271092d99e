"""Portals on their own origin: host-based routing, the base URL the sandbox hands out, CORS.

A frame's SDK talks to ``http://DOMAIN``: it posts every command to the parent with that target
origin, drops answers from any other origin, and calls REST at ``http://DOMAIN/rest/``. So a
portal that a browser shall host must be an origin the sandbox answers on: its domain is
``localhost:PORT`` (Chromium resolves ``localhost`` and ``*.localhost`` to loopback; Python's
resolver does not know ``x.localhost``). When a request's ``Host`` is a portal's domain, these
paths are that portal's own:

* ``/`` the start page; ``/marketplace/app/1/`` the application (the installer until
  ``installFinish``); ``/marketplace/install/`` the administrator's install page; ``/crm/``;
* ``/rest/{method}`` its REST API, with ``Access-Control-Allow-Origin: *`` as a cloud portal
  sends; ``/bitrix/components/bitrix/{c}/show_file.php`` file downloads.

They are rewritten onto the path-prefixed routes (``/p/{domain}/...``, ``/_sandbox/portal/
{domain}/...``); everything else (``/_sandbox/``, ``/oauth/``, ``/p/``) is served as on any host.
Server-side clients keep ``client_endpoint`` = ``{base}/p/{domain}/rest/``, where ``base`` is the
address the request reached (``127.0.0.1:PORT``), never the portal's browser host.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import quote, urlsplit

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

_PAGE_PATHS = {
    "/": "/",
    "/marketplace/app/1/": "/app",
    "/marketplace/app/1": "/app",
    "/marketplace/install/": "/install",
    "/marketplace/install": "/install",
    "/crm/": "/crm",
    "/crm": "/crm",
}
_ENTITY_CARD = re.compile(r"^/crm/(lead|deal|contact)/details/([0-9]{1,12})/?$")
_ALLOWED_HEADERS = re.compile(r"^[A-Za-z0-9_, -]{1,500}$")


def request_host(request: Request) -> str:
    """The ``Host`` the client asked for, lower case."""
    return request.headers.get("host", "").lower()


def is_browser_domain(domain: str) -> bool:
    """Whether a browser can open ``http://{domain}`` on this machine (``localhost[:port]``)."""
    host = urlsplit(f"//{domain}").hostname or ""
    return host == "localhost" or host.endswith(".localhost")


def check_domain(domain: str) -> None:
    """Refuse a portal domain the sandbox could not tell from its own address."""
    try:
        host = urlsplit(f"//{domain}").hostname or ""
    except ValueError as exc:
        raise ValueError(f"portal domain {domain!r} is not a host name") from exc
    if not host or "/" in domain or "?" in domain or "#" in domain:
        raise ValueError(f"portal domain {domain!r} is not a host name")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return
    # /rest/ on the sandbox's own address is the OAuth server; a portal there would hide it
    raise ValueError(
        f"portal domain {domain!r} is an IP address; a portal a browser opens is localhost:PORT"
    )


def internal_path(domain: str, path: str) -> str | None:
    """Where a path on the portal's own host is routed, or None when it is not the portal's."""
    prefix = f"/_sandbox/portal/{domain}"
    if path in _PAGE_PATHS:
        return prefix + _PAGE_PATHS[path]
    card = _ENTITY_CARD.match(path)
    if card is not None:
        return f"{prefix}/crm/{card.group(1)}/details/{card.group(2)}"
    if path.startswith(("/rest/", "/bitrix/")):
        return f"/p/{domain}{path}"
    return None


class PortalHosts:
    """ASGI middleware: requests whose ``Host`` is a portal's domain reach that portal's paths."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = (Headers(scope=scope).get("host") or "").lower()
            portals: dict[str, Any] = scope["app"].state.sandbox.portals
            target = internal_path(host, scope["path"]) if host in portals else None
            if target is not None:
                scope = dict(scope, path=target, raw_path=quote(target, safe="/:@").encode())
        await self.app(scope, receive, send)


def public_base(request: Request, public_url: str | None, portals: dict[str, Any]) -> str:
    """The base URL server-side clients get (``client_endpoint``, ``server_endpoint``…).

    ``public_url`` when configured; the address the request reached when it came through a
    portal's browser host (that host's ``/rest/`` is the portal, not the OAuth server); else the
    request's own base.
    """
    if public_url:
        return public_url.rstrip("/")
    server = request.scope.get("server")
    if request_host(request) in portals and server:
        host, port = server[0], server[1]
        host = f"[{host}]" if ":" in str(host) else str(host)
        return f"{request.url.scheme}://{host}:{port}"
    return str(request.base_url).rstrip("/")


def with_cors(response: Response) -> Response:
    """A REST answer any origin may read (cloud portals answer ``*``)."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


async def preflight(request: Request) -> Response:
    """``OPTIONS`` on a REST path: what a browser asks before a JSON POST from another origin."""
    asked = request.headers.get("access-control-request-headers", "")
    allowed = asked if _ALLOWED_HEADERS.match(asked) else "Content-Type"
    return with_cors(
        Response(
            status_code=204,
            headers={
                "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                "Access-Control-Allow-Headers": allowed,
                "Access-Control-Max-Age": "600",
            },
        )
    )
