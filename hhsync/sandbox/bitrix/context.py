"""What a REST method handler receives, and the registry that maps method names to handlers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from hhsync.sandbox.bitrix.envelope import MethodResult, iso
from hhsync.sandbox.bitrix.oauth import AccessGrant
from hhsync.sandbox.bitrix.store import Portal, User


@dataclass(frozen=True)
class CallContext:
    """One method call: the portal, the token's user and grant, sandbox time, the app's id."""

    portal: Portal
    user: User
    grant: AccessGrant
    client_id: str
    now: datetime
    zone: timezone
    oauth_host: str

    def stamp(self) -> str:
        """Now, as the portal prints dates."""
        return iso(self.now, self.zone)


Handler = Callable[[CallContext, dict[str, Any]], MethodResult]
KindOperation = Callable[[CallContext, str, dict[str, Any]], MethodResult]


@dataclass(frozen=True)
class MethodSpec:
    """A REST method: its handler and the scope its token needs (None = no scope needed)."""

    handler: Handler
    scope: str | None


class MethodRegistry:
    """Method name (lower case) → :class:`MethodSpec`."""

    def __init__(self) -> None:
        self._methods: dict[str, MethodSpec] = {}

    def add(self, name: str, handler: Handler, scope: str | None) -> None:
        """Register ``name``."""
        self._methods[name.lower()] = MethodSpec(handler, scope)

    def get(self, name: str) -> MethodSpec | None:
        """The method called ``name`` (case-insensitive, as Bitrix24 is), if any."""
        return self._methods.get(name.lower())

    def names(self) -> list[str]:
        """Every registered method (for the admin API)."""
        return sorted(self._methods)
