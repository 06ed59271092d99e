"""hh.ru OAuth endpoints: the consent page (a manager picker for the demo) and the token endpoint.

The token endpoint is served at ``POST /token`` (current) and ``POST /oauth/token`` (legacy host
path, still used by most code), takes form bodies only and answers errors in the RFC 6749 shape.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from hhsync.sandbox.hh import oauth
from hhsync.sandbox.hh.access import current_manager
from hhsync.sandbox.hh.errors import TokenError
from hhsync.sandbox.hh.guard import JsonBody, guarded, sandbox_of
from hhsync.sandbox.hh.runtime import HhSandbox

AUTHORIZE_FIELDS = (
    "response_type",
    "client_id",
    "state",
    "redirect_uri",
    "code_challenge",
    "code_challenge_method",
)


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        f"<!doctype html><html lang='ru'><head><meta charset='utf-8'><title>{escape(title)}"
        f"</title></head><body><h1>{escape(title)}</h1>{body}</body></html>",
        status_code=status,
    )


def _authorize_problem(params: dict[str, str], sandbox: HhSandbox) -> str | None:
    """Why an authorize request is refused before the consent page, or None."""
    if params.get("response_type") != "code":
        return "response_type must be code"
    if params.get("client_id") != sandbox.config.client_id:
        return "unknown client_id"
    redirect = params.get("redirect_uri") or _default_redirect()
    if not oauth.redirect_allowed(redirect, sandbox.config.redirect_hosts):
        return "bad redirect url"
    has_challenge = bool(params.get("code_challenge"))
    method = params.get("code_challenge_method")
    if has_challenge != bool(method) or (method and method != "S256"):
        return "code_challenge and code_challenge_method=S256 must come together"
    return None


def _default_redirect() -> str:
    return "http://127.0.0.1/oauth/callback"


async def authorize_page(request: Request) -> Response:
    """``GET /oauth/authorize``: the consent page, listing every manager to log in as."""
    sandbox = sandbox_of(request)
    params = {k: v for k, v in request.query_params.items() if k in AUTHORIZE_FIELDS}
    problem = _authorize_problem(params, sandbox)
    if problem:
        return _page("Ошибка авторизации", f"<p>{escape(problem)}</p>", 400)
    hidden = "".join(
        f"<input type='hidden' name='{escape(k)}' value='{escape(v)}'>" for k, v in params.items()
    )
    rows = []
    store = sandbox.store
    for employer in sorted(store.employers.values(), key=lambda e: e.id):
        for manager in store.employer_managers(employer.id):
            role = "администратор" if manager.is_admin else "менеджер"
            rows.append(
                f"<li><form method='post'>{hidden}"
                f"<input type='hidden' name='manager_id' value='{escape(manager.id)}'>"
                f"<button type='submit' name='decision' value='allow'>Войти как "
                f"{escape(manager.first_name)} {escape(manager.last_name)} ({role}, "
                f"{escape(employer.name)})</button></form></li>"
            )
    deny = (
        f"<form method='post'>{hidden}<button type='submit' name='decision' value='deny'>"
        f"Отказать</button></form>"
    )
    body = f"<p>Приложение {escape(sandbox.config.client_id)} просит доступ.</p><ul>"
    return _page("Разрешить доступ", body + "".join(rows) + "</ul>" + deny)


async def authorize_decision(request: Request) -> Response:
    """``POST /oauth/authorize``: consent (302 with ``code``) or refusal (``access_denied``)."""
    sandbox = sandbox_of(request)
    form = await request.form()
    params = {k: v for k, v in form.items() if k in AUTHORIZE_FIELDS and isinstance(v, str)}
    problem = _authorize_problem(params, sandbox)
    if problem:
        return _page("Ошибка авторизации", f"<p>{escape(problem)}</p>", 400)
    redirect = params.get("redirect_uri") or _default_redirect()
    glue = "&" if "?" in redirect else "?"
    answer: dict[str, str] = {}
    if form.get("decision") == "deny":
        answer["error"] = "access_denied"
    else:
        manager = sandbox.store.managers.get(str(form.get("manager_id", "")))
        if manager is None:
            return _page("Ошибка авторизации", "<p>unknown manager_id</p>", 400)
        code = oauth.issue_code(
            sandbox.store,
            sandbox.oauth,
            manager,
            redirect,
            params.get("code_challenge") or None,
            sandbox.now_s(),
        )
        answer["code"] = code.code
    if "state" in params:
        answer["state"] = params["state"]
    return RedirectResponse(f"{redirect}{glue}{urlencode(answer)}", status_code=302)


async def token(request: Request) -> Response:
    """``POST /token``: authorization_code and refresh_token grants (form-encoded only)."""
    sandbox = sandbox_of(request)
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        # hh.ru documents only form bodies; anything else is refused (our wording).
        raise TokenError("invalid_request", "body must be application/x-www-form-urlencoded")
    raw = await request.form()
    form = {k: v for k, v in raw.items() if isinstance(v, str)}
    grant = form.get("grant_type", "")
    if grant == "authorization_code":
        pair = oauth.exchange_code(sandbox.store, sandbox.oauth, form, sandbox.now_s())
    elif grant == "refresh_token":
        pair = oauth.refresh(sandbox.store, sandbox.oauth, form, sandbox.now_s())
    else:
        # client_credentials (application tokens) is not needed by hhsync and refused here.
        raise TokenError("unsupported_grant_type", "unsupported grant_type")
    request.state.manager_id = pair.manager_id
    return JsonBody(
        {
            "access_token": pair.access_token,
            "token_type": "bearer",
            "expires_in": int(sandbox.config.access_token_lifetime_s),
            "refresh_token": pair.refresh_token,
        }
    )


async def invalidate_token(request: Request) -> Response:
    """``DELETE /token``: kills the caller's pair (the refresh token stops working too)."""
    current_manager(request)
    sandbox = sandbox_of(request)
    raw = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    sandbox.store.tokens_by_access[raw].revoked = True
    return Response(status_code=204)


def auth_routes() -> list[Route]:
    """OAuth routes; the consent page is a browser page, so it skips the API's User-Agent rule."""
    return [
        Route("/oauth/authorize", authorize_page, methods=["GET"]),
        Route("/oauth/authorize", authorize_decision, methods=["POST"]),
        Route("/token", guarded(token), methods=["POST"]),
        Route("/token", guarded(invalidate_token), methods=["DELETE"]),
        Route("/oauth/token", guarded(token), methods=["POST"]),
    ]
