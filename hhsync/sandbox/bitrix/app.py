"""The Bitrix24 sandbox as a Starlette app: many portals, their OAuth server, admin API, pages.

Addressing (one server, many portals):

* A portal's REST API lives under a path prefix named after its domain:
  ``{base}/p/{domain}/rest/{method}`` (``.json`` suffix optional, GET or POST; JSON, form and
  multipart bodies with PHP bracket keys). ``client_endpoint`` — what hhsync stores from the
  install — is therefore ``{base}/p/{domain}/rest/``, and every URL a client builds from it
  (``client_endpoint + method``) works unchanged, as on a real portal. The token must belong to
  that portal. File downloads (``downloadUrl`` relative to the portal root) are at
  ``{base}/p/{domain}/bitrix/components/bitrix/crm.{lead|deal}.show/show_file.php``.
* The OAuth server (oauth.bitrix.info) is the server root: ``server_endpoint`` is
  ``{base}/rest/`` (``app.info`` with any portal's token) and the token endpoint
  ``{base}/oauth/token/`` (GET or POST form; ``grant_type=refresh_token|authorization_code``).
* ``DOMAIN`` sent to the app page is the portal's bare domain (``demo.bitrix24.ru``), as a real
  portal sends it; the REST base comes from ``client_endpoint`` in ONAPPINSTALL and in every
  token response.
* A portal a browser can host has the domain ``localhost:PORT`` (this server's port). A request
  whose ``Host`` is that domain reaches the portal's own paths: ``/``, ``/marketplace/app/1/``,
  ``/marketplace/install/``, ``/crm/``, ``/rest/{method}`` (:mod:`.hosting`). That is what the
  frame SDK needs: it posts to and trusts only ``http://DOMAIN``, and calls ``DOMAIN/rest/``.
* Every portal REST answer carries ``Access-Control-Allow-Origin: *``; ``OPTIONS`` answers the
  browser's preflight.
* A renamed portal answers 302 with ``Location`` on its new domain.
* ``/_sandbox/...``: admin API (:mod:`.admin`), the pages hosting the application
  (:mod:`.portal_pages`, with the parent script and :mod:`.frame_commands`) and the CRM view
  (:mod:`.pages`).

Public interface: ``create_app(BitrixSandboxConfig(...))``; the state is ``app.state.sandbox``
(a :class:`~hhsync.sandbox.bitrix.rest.BitrixSandbox`).
"""

from __future__ import annotations

import asyncio
import mimetypes
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from hhsync.sandbox.bitrix import admin, pages, portal_pages
from hhsync.sandbox.bitrix.admin_requests import base_of
from hhsync.sandbox.bitrix.batch import parse_commands, split_command
from hhsync.sandbox.bitrix.blocks import fault_answer, strikes_after, strikes_before
from hhsync.sandbox.bitrix.config import BitrixSandboxConfig
from hhsync.sandbox.bitrix.envelope import (
    CallTime,
    MethodResult,
    RestError,
    invalid_token,
    method_not_found,
    no_auth_found,
    query_limit_exceeded,
    success_body,
)
from hhsync.sandbox.bitrix.hosting import PortalHosts, preflight, with_cors
from hhsync.sandbox.bitrix.http import (
    client_ip,
    nginx_page,
    php_json,
    php_json_text,
    read_params,
)
from hhsync.sandbox.bitrix.install import (
    client_endpoint,
    oauth_host,
    token_response,
)
from hhsync.sandbox.bitrix.latency import take_method_time
from hhsync.sandbox.bitrix.oauth import OAuthError, check_client
from hhsync.sandbox.bitrix.rest import BitrixSandbox, RestReply
from hhsync.sandbox.faults import Fault, FaultKind

__all__ = ["BitrixSandboxConfig", "create_app"]


def _sandbox(request: Request) -> BitrixSandbox:
    sandbox: BitrixSandbox = request.app.state.sandbox
    return sandbox


def _fault_target(method: str, params: dict[str, Any]) -> str:
    """What a fault's ``path_contains`` is matched against: the method, plus a batch's commands."""
    if method.lower() != "batch":
        return method
    inner = " ".join(split_command(text)[0] for _, text in parse_commands(params.get("cmd")))
    return f"batch {inner}"


def _refusal(status: int) -> Response:
    """An injected failure: nginx HTML for 502/504, the bucket's body for 503, else a 5xx JSON."""
    if status in (502, 504):
        return nginx_page(status)
    if status == 503:
        return php_json(query_limit_exceeded().body(), 503)
    body = {"error": "INTERNAL_SERVER_ERROR", "error_description": "Internal server error"}
    return php_json(body, status)


async def _before_work(fault: Fault | None) -> Response | None:
    """The answer of a fault that strikes before the method runs (None: go on)."""
    if fault is None:
        return None
    if strikes_before(fault):
        return fault_answer(fault)
    if fault.kind in {FaultKind.SLOW, FaultKind.TIMEOUT}:
        await asyncio.sleep(fault.delay_s)
    if fault.kind is FaultKind.TIMEOUT:
        return nginx_page(504)  # what the front end answers when the 60 s cut-off hits
    if fault.kind is FaultKind.GARBAGE:
        return Response(
            "<html><body>Bitrix24 is updating…", status_code=200, media_type="application/json"
        )
    if fault.kind is FaultKind.ERROR:
        return _refusal(fault.status)
    return None


def _after_work(fault: Fault | None, reply: RestReply) -> Response:
    """The answer once the method ran: the reply, or a failure that hides a done write."""
    if fault is not None and fault.kind is FaultKind.ERROR_AFTER_WRITE:
        return _refusal(fault.status if fault.status != 503 else 500)
    if fault is not None and strikes_after(fault):
        return fault_answer(fault)
    if fault is not None and fault.kind is FaultKind.TRUNCATED:
        text = php_json_text(reply.body)
        return Response(
            text[: len(text) // 2],
            status_code=reply.status,
            media_type="application/json; charset=utf-8",
        )
    return php_json(reply.body, reply.status)


async def rest_endpoint(request: Request) -> Response:
    """``/p/{domain}/rest/{method}``: one REST call or a batch, readable from any origin."""
    return with_cors(await _rest_call(request))


async def _rest_call(request: Request) -> Response:
    sandbox = _sandbox(request)
    domain = request.path_params["domain"]
    method = request.path_params["method"].removesuffix(".json")
    if domain in sandbox.moved:
        target = request.url.path.replace(f"/p/{domain}/", f"/p/{sandbox.moved[domain]}/", 1)
        if request.url.query:
            target += "?" + request.url.query
        # the portal changed its domain: a POST may silently become a GET after this redirect
        return RedirectResponse(target, status_code=302)
    portal = sandbox.portal(domain)
    if portal is None:
        return Response("Portal not found", status_code=404)
    params = await read_params(request)
    ip = client_ip(request)
    if "/" in method:
        # incoming-webhook paths (/rest/{user}/{code}/{method}) are not part of this sandbox
        refused = no_auth_found()
        sandbox.log(portal, ip, request.method, (method,), refused.status, refused.code)
        return php_json(refused.body(), refused.status)
    target = _fault_target(method, params)
    blocked = sandbox.blocks.request_refusal(portal.domain, target)
    if blocked is not None:
        sandbox.log(portal, ip, request.method, (method,), blocked.status, blocked.code)
        return php_json(blocked.body(), blocked.status)
    fault = portal.faults.next_fault(target)
    early = await _before_work(fault)
    if early is not None and fault is not None:
        sandbox.log(
            portal, ip, request.method, (method,), early.status_code, f"fault:{fault.kind.value}"
        )
        return early
    host = oauth_host(base_of(request))
    reply = sandbox.handle(portal, method, params, ip, host)
    await take_method_time(sandbox, reply)
    if reply.timed_out:
        # the 60 s cut-off: the front end's page, whatever the commands before it wrote
        sandbox.log(portal, ip, request.method, reply.methods, 504, "REQUEST_TIMEOUT")
        return nginx_page(504)
    response = _after_work(fault, reply)
    error: str | None = None if reply.status == 200 else str(reply.body.get("error"))
    if fault is not None and fault.kind is FaultKind.ERROR_AFTER_WRITE:
        error = "fault:error_after_write"
    elif fault is not None and strikes_after(fault):
        error = f"fault:{fault.kind.value}_after_write"
    sandbox.log(portal, ip, request.method, reply.methods, response.status_code, error)
    return response


async def token_endpoint(request: Request) -> Response:
    """``/oauth/token/``: refresh (single use, rotating) and authorization-code exchange."""
    sandbox = _sandbox(request)
    params = await read_params(request)
    base = base_of(request)
    now = sandbox.now_s()
    grant_type = str(params.get("grant_type") or "")
    try:
        if grant_type not in {"refresh_token", "authorization_code"}:
            raise OAuthError("invalid_request", "Invalid grant_type")
        check_client(
            str(params.get("client_id") or ""),
            str(params.get("client_secret") or ""),
            sandbox.config.client_id,
            sandbox.config.client_secret,
        )
        if grant_type == "refresh_token":
            refresh = sandbox.tokens.refresh.get(str(params.get("refresh_token") or ""))
            portal = sandbox.portal(refresh.domain) if refresh else None
            grant = sandbox.tokens.use_refresh(
                str(params.get("refresh_token") or ""), now, portal.installed if portal else False
            )
        else:
            code = sandbox.tokens.codes.get(str(params.get("code") or ""))
            portal = sandbox.portal(code.domain) if code else None
            grant = sandbox.tokens.use_code(
                str(params.get("code") or ""), now, portal.installed if portal else False
            )
    except OAuthError as error:
        return php_json(error.body(), error.status)
    portal = sandbox.portals[grant.domain]
    body = token_response(
        base,
        portal,
        grant,
        sandbox.config.access_token_lifetime_s,
        with_user=grant_type == "refresh_token",
    )
    return php_json(body)


async def oauth_rest_endpoint(request: Request) -> Response:
    """``/rest/{method}`` on the OAuth server: only ``app.info``, with any portal's token."""
    sandbox = _sandbox(request)
    method = request.path_params["method"].removesuffix(".json").lower()
    params = await read_params(request)
    base = base_of(request)
    if method != "app.info":
        not_found = method_not_found()
        return php_json(not_found.body(), not_found.status)
    token = params.get("auth")
    if not isinstance(token, str) or not token:
        return php_json(no_auth_found().body(), 401)
    grant = sandbox.tokens.access.get(token)
    portal = sandbox.portal(grant.domain) if grant else None
    try:
        checked = sandbox.tokens.check(
            token, None, sandbox.now_s(), portal.installed if portal else False
        )
    except RestError as error:
        return php_json(error.body(), error.status)
    if portal is None:  # a token of a portal that no longer exists
        return php_json(invalid_token().body(), 401)
    result = {
        "client_id": sandbox.config.client_id,
        "scope": checked.scope,
        "expires": datetime.fromtimestamp(checked.expires_at, UTC)
        .astimezone(sandbox.zone)
        .replace(microsecond=0)
        .isoformat(),
        "install": {
            "installed": portal.install_finished,
            "version": portal.app.version,
            "status": "L",
            "scope": checked.scope,
            "domain": portal.domain,
            "uri": f"{base}/p/{portal.domain}",
            "client_endpoint": client_endpoint(base, portal),
            "member_id": portal.member_id,
            "member_type": "PORTAL",
        },
        "user_id": checked.user_id,
    }
    call = CallTime(sandbox.now_s(), 0.01)
    return php_json(success_body(MethodResult(result), call, sandbox.zone))


async def file_endpoint(request: Request) -> Response:
    """``show_file.php``: a file UF's content, for a valid token of that portal."""
    sandbox = _sandbox(request)
    portal = sandbox.portal(request.path_params["domain"])
    if portal is None:
        return Response("Portal not found", status_code=404)
    tokens = [v for k, v in request.query_params.multi_items() if k == "auth" and v]
    file_id = request.query_params.get("fileId", "")
    try:
        if not tokens:
            raise no_auth_found()
        sandbox.tokens.check(tokens[-1], portal.domain, sandbox.now_s(), portal.installed)
    except RestError:
        # a portal shows its login page here; a client must not take that page for the file
        return Response(
            "<html><body>Авторизация</body></html>", status_code=403, media_type="text/html"
        )
    stored = portal.files.get(int(file_id)) if file_id.isdigit() else None
    if stored is None or stored.field_name != request.query_params.get("fieldName", ""):
        return Response("File not found", status_code=404)
    media_type = mimetypes.guess_type(stored.name)[0] or "application/octet-stream"
    disposition = f"attachment; filename*=UTF-8''{quote(stored.name)}"
    return Response(
        stored.content, media_type=media_type, headers={"Content-Disposition": disposition}
    )


def routes() -> list[BaseRoute]:
    """Every route of the sandbox."""
    return [
        Route("/p/{domain}/rest/{method:path}", rest_endpoint, methods=["GET", "POST"]),
        Route("/p/{domain}/rest/{method:path}", preflight, methods=["OPTIONS"]),
        Route(
            "/p/{domain}/bitrix/components/bitrix/{component}/show_file.php",
            file_endpoint,
            methods=["GET"],
        ),
        Route("/oauth/token/", token_endpoint, methods=["GET", "POST"]),
        Route("/oauth/token", token_endpoint, methods=["GET", "POST"]),
        Route("/rest/{method:path}", oauth_rest_endpoint, methods=["GET", "POST"]),
        *admin.routes(),
        *portal_pages.routes(),
        *pages.routes(),
    ]


def create_app(config: BitrixSandboxConfig | None = None) -> Starlette:
    """The sandbox app; ``app.state.sandbox`` is its state (portals, tokens, clock)."""
    app = Starlette(routes=routes(), middleware=[Middleware(PortalHosts)])
    app.state.sandbox = BitrixSandbox(config or BitrixSandboxConfig())
    return app
