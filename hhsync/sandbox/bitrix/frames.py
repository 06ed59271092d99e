"""Frame sessions: one per rendering of a portal page that hosts the application in an iframe.

A portal page names its iframe ``"DOMAIN|PROTOCOL|APP_SID"``; the frame's SDK reads that name
(``window.name``) and from then on posts every command to the parent with ``APP_SID`` in it.
The parent script (``static/b24-parent.js``) forwards each command it accepts to the sandbox,
which answers from the session: the same tokens the page POSTed, the placement, whether this
is the installer. The session records every command, so tests can see what the frame sent.

Pure data, no HTTP.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from hhsync.sandbox.bitrix.oauth import AccessGrant
from hhsync.sandbox.bitrix.store import Portal, User

APP_PATH = "/marketplace/app/1/"
"""Where the portal shows the application (``PATH`` of ``getInitData``)."""
PROTOCOL_HTTP = "0"
"""``PROTOCOL`` of the frame name and init data: the sandbox portal speaks plain HTTP."""
MAX_SESSIONS = 500
MAX_COMMANDS = 500


@dataclass(frozen=True)
class FrameCommand:
    """One command a frame sent, as the parent forwarded it."""

    command: str
    params: Any
    at: str


@dataclass
class FrameSession:
    """One iframe the portal opened: who opened it, on what URL, and what it said since."""

    sid: str
    domain: str
    user_id: int
    mode: str
    """``install`` (the installer, until ``installFinish``) or ``app``."""
    placement: str
    placement_options: dict[str, Any] | None
    url: str
    """The URL the frame was opened on, without its query string."""
    grant: AccessGrant
    commands: deque[FrameCommand] = field(default_factory=lambda: deque(maxlen=MAX_COMMANDS))
    size: dict[str, Any] | None = None
    title: str | None = None

    @property
    def origin(self) -> str:
        """The origin the frame's messages must come from (``event.origin``)."""
        return origin_of(self.url)

    def row(self) -> dict[str, Any]:
        """The admin API's view (no tokens)."""
        return {
            "sid": self.sid,
            "user_id": self.user_id,
            "mode": self.mode,
            "placement": self.placement,
            "placement_options": self.placement_options,
            "url": self.url,
            "origin": self.origin,
            "size": self.size,
            "title": self.title,
            "commands": [
                {"command": c.command, "params": c.params, "at": c.at} for c in self.commands
            ],
        }


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` as a browser writes ``event.origin`` (default ports dropped)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    default = {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{host}" if port in (None, default) else f"{scheme}://{host}:{port}"


def iframe_name(domain: str, sid: str) -> str:
    """The iframe's name, which the SDK parses as ``DOMAIN|PROTOCOL|APP_SID``."""
    return f"{domain}|{PROTOCOL_HTTP}|{sid}"


class FrameRegistry:
    """Every frame session of the sandbox, the oldest forgotten past :data:`MAX_SESSIONS`."""

    def __init__(self) -> None:
        self._sessions: OrderedDict[str, FrameSession] = OrderedDict()

    def add(self, session: FrameSession) -> None:
        """Remember a new session."""
        self._sessions[session.sid] = session
        while len(self._sessions) > MAX_SESSIONS:
            self._sessions.popitem(last=False)

    def get(self, sid: str) -> FrameSession | None:
        """The session of ``APP_SID``, if any."""
        return self._sessions.get(sid)

    def of_portal(self, domain: str) -> list[FrameSession]:
        """A portal's sessions, oldest first."""
        return [s for s in self._sessions.values() if s.domain == domain]

    def rename(self, old: str, new: str) -> None:
        """Follow a portal to its new domain."""
        for session in self._sessions.values():
            if session.domain == old:
                session.domain = new


def php_object(value: dict[str, Any] | None) -> dict[str, Any] | list[Any]:
    """An associative array as PHP's ``json_encode`` writes it: empty ones come out as ``[]``."""
    return dict(value) if value else []


def init_data(session: FrameSession, portal: Portal, user: User, now_s: float) -> dict[str, Any]:
    """The answer to ``getInitData``: every field the SDK's ``B24Frame.init`` reads."""
    grant = session.grant
    return {
        "DOMAIN": portal.domain,
        "PROTOCOL": PROTOCOL_HTTP,
        "LANG": portal.lang,
        "PATH": APP_PATH,
        "AUTH_ID": grant.token,
        "AUTH_EXPIRES": str(max(0, int(grant.expires_at - now_s))),
        "REFRESH_ID": grant.refresh_token,
        "MEMBER_ID": portal.member_id,
        "IS_ADMIN": user.admin,
        "APP_OPTIONS": php_object(portal.app.options),
        "USER_OPTIONS": php_object(portal.app.user_options.get(user.id)),
        "PLACEMENT": session.placement,
        "PLACEMENT_OPTIONS": php_object(session.placement_options),
        "INSTALL": session.mode == "install",
        "FIRST_RUN": user.id not in portal.app.first_run_done,
    }
