"""The portal's answers to a frame's commands: ``POST /_sandbox/frames/{APP_SID}/commands``.

The parent script checks ``event.origin`` and ``APP_SID``, then forwards ``{command, params}``
here. The reply tells it what to do: ``answer`` (posted back to the frame as
``"callbackKey:JSON"``) and/or an ``effect`` the page carries out (``resize``, ``title``,
``reload``, ``select_user``). Commands are those of the SDK's ``MessageCommands``; what each
does follows the BX24 docs (``sdk/bx24-js-sdk/...``):

* ``getInitData``: the init data (:func:`.frames.init_data`); ``refreshAuth``: a new token pair
  for the frame's user; ``setInstall``: the ``FIRST_RUN`` handshake, remembered per user;
* ``setInstallFinish``: on the installer, finishes the installation (ONAPPINSTALL goes out) and
  reloads the page, which then shows the app; it is not answered (the page goes away). Elsewhere
  it has no effect. Every one is counted (``install_finish_count``);
* ``resizeWindow`` (what ``fitWindow`` sends): width ``'100%'`` or ``parseInt`` pixels (100 when
  not a number), height used only when above 0; answered with the frame's size;
* ``setTitle``: the page heading; ``reloadWindow``: the whole page; ``selectUser``: a dialog of
  the portal's active users, answered with ``{id, name, photo, position, url, sub, sup}`` (an
  array with ``mult``), ``null`` when closed;
* ``setAppOption`` (administrators only) / ``setUserOption``: answered with all options.

Any other command is recorded and left unanswered, as a portal ignores what it does not know.
Only ``application/json`` is accepted, so no other origin can post here without a preflight.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hhsync.sandbox.bitrix.admin_requests import AdminError, base_of, json_body, sandbox_of
from hhsync.sandbox.bitrix.app_lifecycle import finish_install
from hhsync.sandbox.bitrix.frames import FrameCommand, FrameSession, init_data
from hhsync.sandbox.bitrix.rest import BitrixSandbox
from hhsync.sandbox.bitrix.store import Portal, User, now_iso

MAX_BODY_BYTES = 64 * 1024
_COMMAND_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.:]{0,63}$")
_LEADING_INT = re.compile(r"^\s*([+-]?\d+)")


@dataclass(frozen=True)
class Command:
    """One forwarded command with everything its handler needs."""

    request: Request
    sandbox: BitrixSandbox
    session: FrameSession
    portal: Portal
    user: User
    params: Any

    def param(self, name: str) -> Any:
        """A field of an object ``params`` (None when absent or not an object)."""
        return self.params.get(name) if isinstance(self.params, dict) else None


Reply = dict[str, Any]
Handler = Callable[[Command], Awaitable[Reply]]


def parse_int(value: Any) -> int | None:
    """JavaScript's ``parseInt`` for what a frame may send: leading digits, else None."""
    match = _LEADING_INT.match(str(value)) if value is not None else None
    return int(match.group(1)) if match else None


async def get_init_data(cmd: Command) -> Reply:
    """The session's tokens, placement, install mode and options."""
    return {"answer": init_data(cmd.session, cmd.portal, cmd.user, cmd.sandbox.now_s())}


async def refresh_auth(cmd: Command) -> Reply:
    """A fresh pair for the frame's user (the old one stays valid until it expires)."""
    grant = cmd.sandbox.issue_tokens(cmd.portal, cmd.user.id)
    cmd.session.grant = grant
    expires = max(0, int(grant.expires_at - cmd.sandbox.now_s()))
    return {
        "answer": {
            "AUTH_ID": grant.token,
            "REFRESH_ID": grant.refresh_token,
            "AUTH_EXPIRES": str(expires),
        }
    }


async def set_install(cmd: Command) -> Reply:
    """The SDK's reply to ``FIRST_RUN``: this user has run the app."""
    cmd.portal.app.first_run_done.add(cmd.user.id)
    return {"answer": cmd.params if isinstance(cmd.params, dict) else {}}


async def set_install_finish(cmd: Command) -> Reply:
    """Finish the installation from the installer, then reload the page."""
    if cmd.session.mode != "install":
        cmd.portal.app.install_finish_count += 1
        return {}
    await finish_install(cmd.sandbox, cmd.portal, cmd.user.id, base_of(cmd.request))
    return {"effect": "reload"}


async def resize_window(cmd: Command) -> Reply:
    """The frame's new size as BX24 computes it; the page applies it and answers the size."""
    width_raw = cmd.param("width")
    width: str | int = "100%" if width_raw == "100%" else (parse_int(width_raw) or 100)
    height = parse_int(cmd.param("height"))
    size: dict[str, Any] = {"width": width, "height": height if height and height > 0 else None}
    cmd.session.size = size
    return {"effect": "resize", **size}


async def set_title(cmd: Command) -> Reply:
    """The page heading (never the browser tab's title)."""
    title = str(cmd.param("title") or "")[:255]
    cmd.session.title = title
    return {"effect": "title", "title": title, "answer": {"title": title}}


async def reload_window(cmd: Command) -> Reply:
    """Reload the whole page (a new frame session)."""
    del cmd
    return {"effect": "reload", "answer": {}}


async def select_user(cmd: Command) -> Reply:
    """The user picker: the portal's active employees."""
    users = [
        {
            "id": str(u.id),
            "name": f"{u.name} {u.last_name}",
            "photo": "",
            "position": u.work_position,
            "url": f"/company/personal/user/{u.id}/",
            "sub": False,
            "sup": False,
        }
        for u in sorted(cmd.portal.users.values(), key=lambda u: u.id)
        if u.active
    ]
    return {"effect": "select_user", "multiple": bool(cmd.param("mult")), "users": users}


async def set_app_option(cmd: Command) -> Reply:
    """Store an application option; only users who manage the app may."""
    name = cmd.param("name")
    if not cmd.user.admin or not isinstance(name, str) or not name:
        return {}
    cmd.portal.app.options[name] = cmd.param("value")
    return {"answer": dict(cmd.portal.app.options)}


async def set_user_option(cmd: Command) -> Reply:
    """Store an option of the frame's user."""
    name = cmd.param("name")
    if not isinstance(name, str) or not name:
        return {}
    options = cmd.portal.app.user_options.setdefault(cmd.user.id, {})
    options[name] = cmd.param("value")
    return {"answer": dict(options)}


HANDLERS: dict[str, Handler] = {
    "getInitData": get_init_data,
    "refreshAuth": refresh_auth,
    "setInstall": set_install,
    "setInstallFinish": set_install_finish,
    "resizeWindow": resize_window,
    "setTitle": set_title,
    "reloadWindow": reload_window,
    "selectUser": select_user,
    "setAppOption": set_app_option,
    "setUserOption": set_user_option,
}


async def frame_command(request: Request) -> Response:
    """``POST /_sandbox/frames/{sid}/commands {command, params}``: record it, then answer it."""
    sandbox = sandbox_of(request)
    session = sandbox.frames.get(request.path_params["sid"])
    if session is None:
        return JSONResponse({"error": "no such frame session"}, status_code=404)
    if not request.headers.get("content-type", "").lower().startswith("application/json"):
        # only the portal page's own script may speak here: a JSON POST from any other origin
        # needs a CORS preflight, which this endpoint never grants
        return JSONResponse({"error": "send application/json"}, status_code=415)
    try:
        if len(await request.body()) > MAX_BODY_BYTES:
            raise AdminError("command too large")
        body = await json_body(request)
    except AdminError as error:
        return JSONResponse({"error": str(error)}, status_code=error.status)
    name = body.get("command")
    if not isinstance(name, str) or not _COMMAND_NAME.match(name):
        return JSONResponse({"error": "command must be a command name"}, status_code=400)
    portal = sandbox.portal(session.domain)
    user = portal.users.get(session.user_id) if portal else None
    if portal is None or user is None:
        return JSONResponse({"error": "the frame's portal or user is gone"}, status_code=404)
    params = body.get("params")
    session.commands.append(FrameCommand(name, params, now_iso(sandbox.now())))
    handler = HANDLERS.get(name)
    if handler is None:
        return JSONResponse({})
    reply = await handler(Command(request, sandbox, session, portal, user, params))
    return JSONResponse(reply)
