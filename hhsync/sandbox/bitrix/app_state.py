"""The application's installation on one portal: version, options, first runs, event deliveries.

Pure data, no HTTP. ``Portal.installed`` and ``Portal.install_finished`` (in :mod:`.store`) say
whether the app is on the portal and whether its installer called ``installFinish``; this record
holds the rest of what the portal remembers about the app, so that tests can read it back through
the admin API (``GET /_sandbox/portals/{domain}/app`` and ``.../events``).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

MAX_DELIVERIES = 1000


@dataclass(frozen=True)
class EventDelivery:
    """One POST of an event to a handler: Bitrix24 sends each event once and never retries it."""

    event: str
    handler: str
    status: int | None
    """The handler's HTTP status; None when the request failed (``error`` says how)."""
    error: str | None
    at: str

    def row(self) -> dict[str, Any]:
        """The admin API's view."""
        return {
            "event": self.event,
            "handler": self.handler,
            "status": self.status,
            "error": self.error,
            "at": self.at,
        }


@dataclass
class AppState:
    """What a portal keeps about the hhsync application besides its tokens."""

    version: int = 1
    """The installed version (``app.info`` ``VERSION``; moved by the admin's update action)."""
    install_finish_count: int = 0
    """Every ``setInstallFinish`` the portal received, useful or not (tests assert "once")."""
    options: dict[str, Any] = field(default_factory=dict)
    """Application options (``setAppOption``, administrators only)."""
    user_options: dict[int, dict[str, Any]] = field(default_factory=dict)
    """Per-user options (``setUserOption``)."""
    first_run_done: set[int] = field(default_factory=set)
    """Users whose frame answered ``FIRST_RUN`` with ``setInstall``."""
    deliveries: deque[EventDelivery] = field(default_factory=lambda: deque(maxlen=MAX_DELIVERIES))

    def forget(self, clean: bool) -> None:
        """What an uninstall wipes: first runs always, options only with "clear data" (CLEAN)."""
        self.first_run_done.clear()
        if clean:
            self.options.clear()
            self.user_options.clear()
