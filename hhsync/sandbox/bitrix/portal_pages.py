"""The portal pages that host the application, as a Bitrix24 portal shows them to its users.

``/_sandbox/portal/{domain}/...`` (on a portal's own host: ``/``, ``/marketplace/app/1/``,
``/marketplace/install/``, see :mod:`.hosting`), the user chosen with ``?user_id=`` (default 1,
the administrator):

* ``app?user_id=&placement=&placement_options=``: the application. Not installed: a notice (with
  the way to the install page for an administrator). Installed but not finished: the installer
  (``install_url``) for an administrator, "not fully installed yet" for everyone else. Finished:
  ``app_url``, or for a widget the handler ``placement.bind`` registered. The page renders
  ``<iframe name="DOMAIN|0|APP_SID">`` and POSTs ``AUTH_ID``, ``REFRESH_ID``, ``member_id``,
  ``PLACEMENT``… into it, with ``DOMAIN``, ``PROTOCOL``, ``LANG``, ``APP_SID`` in the query
  string; ``static/b24-parent.js`` then answers the frame's SDK (:mod:`.frame_commands`).
* ``activity/{id}/buttons/{key}``: a click on a timeline activity's ``openRestApp`` button, which
  opens the application's slider: the ``app`` page with ``placement_options`` the click's
  parameters (:mod:`.activity_buttons`).
* ``install``: GET shows the administrator's confirmation, POST installs the application (it
  stays "not installed" for ``app.info`` until the installer calls ``installFinish``) and
  redirects to the application page.

A portal whose domain a browser can open (``localhost:PORT``) is always shown on its own origin:
these paths redirect there, because the SDK talks only to ``http://DOMAIN``. Any other portal
(``demo.bitrix24.ru``) still gets the page and the POST, but a frame SDK cannot talk to it.
"""

from __future__ import annotations

import json
from functools import cache
from html import escape
from importlib import resources
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from hhsync.sandbox.bitrix.admin_activity import clicked_options
from hhsync.sandbox.bitrix.admin_requests import AdminError, base_of, sandbox_of
from hhsync.sandbox.bitrix.app_lifecycle import begin_install
from hhsync.sandbox.bitrix.frame_commands import frame_command
from hhsync.sandbox.bitrix.frames import APP_PATH, FrameSession, iframe_name
from hhsync.sandbox.bitrix.hosting import is_browser_domain, request_host
from hhsync.sandbox.bitrix.install import app_sid, iframe_form, iframe_query
from hhsync.sandbox.bitrix.pages import page
from hhsync.sandbox.bitrix.store import Portal, User

INSTALL_PATH = "/marketplace/install/"
NOT_FINISHED = (
    "Приложение ещё не до конца установлено. Обратитесь к администратору Битрикс24, "
    "чтобы завершить установку."
)


@cache
def parent_script() -> bytes:
    """The parent side of the frame protocol, shipped next to this module."""
    return (resources.files("hhsync.sandbox.bitrix") / "static" / "b24-parent.js").read_bytes()


def _hidden(name: str, value: str) -> str:
    return f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'


def _notice(title: str, portal: Portal, text: str, status: int = 200, extra: str = "") -> Response:
    body = f'<h1 id="pagetitle">{escape(title)}</h1><p class="notice">{escape(text)}</p>{extra}'
    return HTMLResponse(page(title, portal, body), status_code=status)


def page_path(request: Request, portal: Portal, which: str, query: dict[str, str]) -> str:
    """The path of a portal page (``app`` or ``install``) on the host this request came to."""
    if request_host(request) == portal.domain:
        path = APP_PATH if which == "app" else INSTALL_PATH
    else:
        path = f"/_sandbox/portal/{quote(portal.domain)}/{which}"
    return f"{path}?{urlencode(query)}" if query else path


def _elsewhere(request: Request, portal: Portal, which: str) -> Response | None:
    """A redirect to the portal's own origin when a browser can open it and this is not it."""
    if not is_browser_domain(portal.domain) or request_host(request) == portal.domain:
        return None
    path = APP_PATH if which == "app" else INSTALL_PATH
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"http://{portal.domain}{path}{query}", status_code=307)


def _user(portal: Portal, raw: str | None) -> User | None:
    text = (raw or "1").strip()
    return portal.users.get(int(text)) if text.isdigit() else None


def _frame_target(
    portal: Portal, user: User, placement: str, installer: str, app_url: str
) -> tuple[str, str] | str:
    """``(mode, url)`` of the frame to open, or the notice to show instead."""
    if placement != "DEFAULT":
        if not portal.install_finished:
            return "Виджеты приложения появятся после завершения установки."
        bound = next((p for p in portal.placements if p["placement"] == placement), None)
        if bound is None:
            return f"Виджет {placement} не зарегистрирован (placement.bind)."
        return "app", str(bound["handler"])
    if portal.install_finished:
        return "app", app_url
    return ("install", installer) if user.admin else NOT_FINISHED


def _options(raw: str | None) -> dict[str, Any] | str | None:
    """``placement_options`` as the object the frame gets, or the complaint about it."""
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return "placement_options должен быть JSON-объектом."
    return value if isinstance(value, dict) else "placement_options должен быть JSON-объектом."


async def app_page(request: Request) -> Response:
    """Open the application (or its installer, or a widget) like a portal does."""
    sandbox = sandbox_of(request)
    portal = sandbox.portal(request.path_params["domain"])
    if portal is None:
        return HTMLResponse("Портал не найден", status_code=404)
    moved = _elsewhere(request, portal, "app")
    if moved is not None:
        return moved
    user = _user(portal, request.query_params.get("user_id"))
    if user is None or not user.active:
        return HTMLResponse("Пользователь не найден", status_code=404)
    if not portal.installed:
        link = ""
        if user.admin:
            href = page_path(request, portal, "install", {"user_id": str(user.id)})
            link = f'<p><a href="{escape(href)}">Установить приложение</a></p>'
        text = "Приложение hhsync не установлено на этом портале."
        return _notice("Приложение не установлено", portal, text, 200, link)
    placement = request.query_params.get("placement", "DEFAULT").upper()
    raw_options = request.query_params.get("placement_options")
    options = _options(raw_options)
    if isinstance(options, str):
        return _notice("Ошибка", portal, options, 400)
    config = sandbox.config
    target = _frame_target(portal, user, placement, config.installer_url, config.app_url)
    if isinstance(target, str):
        return _notice("Приложение hhsync", portal, target, 200 if target == NOT_FINISHED else 404)
    mode, url = target
    grant = sandbox.issue_tokens(portal, user.id)
    sid = app_sid(sandbox.rng)
    session = FrameSession(sid, portal.domain, user.id, mode, placement, options, url, grant)
    sandbox.frames.add(session)
    form = iframe_form(
        base_of(request), portal, grant, config.access_token_lifetime_s, placement, raw_options
    )
    separator = "&" if "?" in url else "?"
    action = f"{url}{separator}{urlencode(iframe_query(portal, sid))}"
    name = iframe_name(portal.domain, sid)
    host = {
        "sid": sid,
        "appOrigin": session.origin,
        "commandsUrl": f"/_sandbox/frames/{sid}/commands",
    }
    host_json = json.dumps(host).replace("<", "\\u003c")
    inputs = "".join(_hidden(k, v) for k, v in form.items())
    body = (
        '<h1 id="pagetitle">hhsync</h1>'
        f'<form id="b24-app-form" method="post" target="{escape(name)}" action="{escape(action)}">'
        f"{inputs}<noscript><button>Открыть приложение</button></noscript></form>"
        f'<iframe id="b24-app-frame" name="{escape(name)}" title="hhsync"></iframe>'
        '<div id="b24-dialog" role="dialog" aria-modal="true" hidden></div>'
        f'<script type="application/json" id="b24-host">{host_json}</script>'
        '<script src="/_sandbox/static/b24-parent.js"></script>'
    )
    title = "Установка hhsync" if mode == "install" else "Приложение hhsync"
    return HTMLResponse(page(title, portal, body))


async def install_page(request: Request) -> Response:
    """GET: the administrator's confirmation; POST: install and go to the application."""
    sandbox = sandbox_of(request)
    portal = sandbox.portal(request.path_params["domain"])
    if portal is None:
        return HTMLResponse("Портал не найден", status_code=404)
    if request.method == "GET":
        moved = _elsewhere(request, portal, "install")
        if moved is not None:
            return moved
        raw_user = request.query_params.get("user_id")
    else:
        raw_user = str((await request.form()).get("user_id") or "")
    user = _user(portal, raw_user)
    if user is None or not user.active:
        return HTMLResponse("Пользователь не найден", status_code=404)
    if not user.admin:
        text = "Устанавливать приложения может только администратор Битрикс24."
        return _notice("Установка приложения", portal, text, 403)
    app_path = page_path(request, portal, "app", {"user_id": str(user.id)})
    if request.method == "POST":
        if not portal.installed:
            begin_install(portal)
        return RedirectResponse(app_path, status_code=303)
    if portal.installed:
        link = f'<p><a href="{escape(app_path)}">Открыть приложение</a></p>'
        return _notice("Установка приложения", portal, "Приложение уже установлено.", 200, link)
    scopes = escape(sandbox.config.app_scope)
    confirm = (
        f'<form method="post" action="">{_hidden("user_id", str(user.id))}'
        f"<p>Права доступа: {scopes}</p>"
        '<button id="b24-install" type="submit">Установить</button></form>'
    )
    return _notice("Установка приложения", portal, "Установить приложение hhsync?", 200, confirm)


async def home_page(request: Request) -> Response:
    """The portal's start page: where the application, the market and the CRM are."""
    portal = sandbox_of(request).portal(request.path_params["domain"])
    if portal is None:
        return HTMLResponse("Портал не найден", status_code=404)
    users = "".join(
        f'<li><a href="{escape(page_path(request, portal, "app", {"user_id": str(u.id)}))}">'
        f"{escape(u.name)} {escape(u.last_name)}</a>{' (администратор)' if u.admin else ''}</li>"
        for u in portal.users.values()
        if u.active
    )
    body = f'<h1 id="pagetitle">Битрикс24</h1><p>Открыть приложение как:</p><ul>{users}</ul>'
    return HTMLResponse(page("Битрикс24", portal, body))


async def activity_button(request: Request) -> Response:
    """A click on a timeline activity's ``openRestApp`` button: the application's slider.

    The portal opens the creating application with ``PLACEMENT=DEFAULT`` and the click's
    parameters as ``PLACEMENT_OPTIONS`` (:mod:`.activity_buttons`); here that is the application
    page with those options, framed and POSTed like any other open.
    """
    sandbox = sandbox_of(request)
    portal = sandbox.portal(request.path_params["domain"])
    if portal is None:
        return HTMLResponse("Портал не найден", status_code=404)
    try:
        raw = clicked_options(
            sandbox, portal, request.path_params["activity_id"], request.path_params["key"]
        )
    except AdminError as exc:
        return _notice("Ошибка", portal, str(exc), exc.status)
    user = request.query_params.get("user_id", "1")
    query = {"user_id": user, "placement": "DEFAULT", "placement_options": raw}
    return RedirectResponse(page_path(request, portal, "app", query), status_code=303)


async def parent_js(request: Request) -> Response:
    """``/_sandbox/static/b24-parent.js``."""
    del request
    return Response(
        parent_script(),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "no-store"},
    )


def routes() -> list[BaseRoute]:
    """The routes of the hosting pages, the parent script and the frame command endpoint."""
    return [
        Route("/_sandbox/portal/{domain}/", home_page, methods=["GET"]),
        Route("/_sandbox/portal/{domain}/app", app_page, methods=["GET"]),
        Route("/_sandbox/portal/{domain}/install", install_page, methods=["GET", "POST"]),
        Route(
            "/_sandbox/portal/{domain}/activity/{activity_id}/buttons/{key}",
            activity_button,
            methods=["GET"],
        ),
        Route("/_sandbox/static/b24-parent.js", parent_js, methods=["GET"]),
        Route("/_sandbox/frames/{sid}/commands", frame_command, methods=["POST"]),
    ]
