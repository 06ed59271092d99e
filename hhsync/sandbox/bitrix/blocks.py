"""Documented refusals a portal keeps answering until someone acts: blocks, and named faults.

Some Bitrix24 errors are not passing trouble but a state of the portal or of one method, which
lasts until a person acts (Bitrix24 REST docs):

* ``OVERLOAD_LIMIT`` 503 "REST API is blocked due to overload": a manual block by Bitrix24
  support, lifted only by support (``_includes/system-errors.md``); every REST call is refused.
* ``PAYMENT_REQUIRED`` "Subscription has been ended": the app's trial or paid period is over
  (``settings/oauth/error-codes.md``); every call is refused until it is paid. HTTP 401 as the
  Bitrix24 SDKs observe it.
* ``METHOD_CONFIRM_WAITING`` 401 "Waiting for confirmation": the method needs the administrator's
  confirmation, asked once; later calls get the same answer without a new request
  (``api-reference/scopes/confirmation.md``). ``METHOD_CONFIRM_DENIED`` 403 once refused.
* ``WRONG_AUTH_TYPE`` 403 "Application context required" (``settings/interactivity/push-and-pull/
  pull-application-config-get.md``) and ``ERROR_WRONG_CONTEXT`` "Method call is only possible in
  the context of an application" (``api-reference/crm/timeline/activities/configurable/
  crm-activity-configurable-add.md``; HTTP 400 like the other errors of that method): a method
  called with the wrong kind of authorisation.

A *block* (``POST P/blocks {code, method?}``) answers its code until ``DELETE P/blocks`` lifts it:
portal-wide codes refuse the whole request (a batch too), method codes refuse each matching call
or batch command. A *named fault* answers a code for the next N matching calls only
(:mod:`hhsync.sandbox.faults`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Final

from starlette.responses import Response

from hhsync.sandbox.bitrix.envelope import RestError
from hhsync.sandbox.bitrix.http import php_json
from hhsync.sandbox.faults import Fault, FaultKind


@dataclass(frozen=True)
class Documented:
    """A documented error: its HTTP status and text, and whether it refuses the whole portal."""

    status: int
    description: str
    portal_wide: bool


CATALOGUE: Final[dict[str, Documented]] = {
    "OVERLOAD_LIMIT": Documented(503, "REST API is blocked due to overload", True),
    "PAYMENT_REQUIRED": Documented(401, "Subscription has been ended", True),
    "METHOD_CONFIRM_WAITING": Documented(401, "Waiting for confirmation", False),
    "METHOD_CONFIRM_DENIED": Documented(403, "Method call denied", False),
    "WRONG_AUTH_TYPE": Documented(403, "Application context required", False),
    "ERROR_WRONG_CONTEXT": Documented(
        400, "Method call is only possible in the context of an application", False
    ),
    "QUERY_LIMIT_EXCEEDED": Documented(503, "Too many requests", True),
    "INTERNAL_SERVER_ERROR": Documented(500, "Internal server error", True),
    "ERROR_UNEXPECTED_ANSWER": Documented(500, "Server returned an unexpected response", True),
    "ACCESS_DENIED": Documented(403, "REST API is available only on commercial plans", True),
    "PORTAL_DELETED": Documented(500, "Portal was deleted", True),
}


def documented_error(code: str, status: int = 0) -> RestError:
    """The documented answer for ``code`` (``status`` overrides the documented one)."""
    known = CATALOGUE.get(code)
    if known is None:
        codes = ", ".join(sorted(CATALOGUE))
        raise ValueError(f"unknown Bitrix24 error code {code!r}; known: {codes}")
    return RestError(code, known.description, status or known.status)


@dataclass(frozen=True)
class Block:
    """A standing refusal: ``code`` for every call whose method contains ``method`` ("" = all)."""

    code: str
    method: str = ""
    status: int = 0

    @property
    def portal_wide(self) -> bool:
        """Whether it refuses whole requests rather than single methods."""
        return CATALOGUE[self.code].portal_wide

    def error(self) -> RestError:
        """The answer it gives."""
        return documented_error(self.code, self.status)

    def describe(self) -> dict[str, Any]:
        """JSON view for the admin API."""
        error = self.error()
        return {"code": self.code, "method": self.method, "status": error.status}


class PortalBlocks:
    """The standing blocks of every portal, by domain (the admin API and REST calls share it)."""

    def __init__(self) -> None:
        self._blocks: dict[str, list[Block]] = {}
        self._lock = threading.Lock()

    def add(self, domain: str, block: Block) -> None:
        """Start refusing (validates the code first)."""
        block.error()
        with self._lock:
            self._blocks.setdefault(domain, []).append(block)

    def lift(self, domain: str, code: str = "") -> None:
        """Lift the portal's blocks of ``code`` ("" = all of them)."""
        with self._lock:
            kept = [b for b in self._blocks.get(domain, []) if code and b.code != code]
            self._blocks[domain] = kept

    def of(self, domain: str) -> list[Block]:
        """The portal's blocks, oldest first."""
        with self._lock:
            return list(self._blocks.get(domain, []))

    def request_refusal(self, domain: str, target: str) -> RestError | None:
        """The portal-wide refusal of a request for ``target`` (its method and batch commands)."""
        for block in self.of(domain):
            if block.portal_wide and block.method in target:
                return block.error()
        return None

    def method_refusal(self, domain: str, method: str) -> RestError | None:
        """The refusal of one call (or one batch command) of ``method``."""
        for block in self.of(domain):
            if not block.portal_wide and block.method.lower() in method.lower():
                return block.error()
        return None


def fault_answer(fault: Fault) -> Response:
    """What a ``named`` or ``raw`` fault answers."""
    if fault.kind is FaultKind.NAMED:
        error = documented_error(fault.code, fault.status)
        return php_json(error.body(), error.status)
    return Response(
        fault.body, status_code=fault.status, media_type=fault.content_type or "text/html"
    )


def strikes_before(fault: Fault | None) -> bool:
    """Whether a named or raw fault answers instead of running the method."""
    return (
        fault is not None
        and fault.kind in (FaultKind.NAMED, FaultKind.RAW)
        and not fault.after_write
    )


def strikes_after(fault: Fault | None) -> bool:
    """Whether a named or raw fault answers once the method ran (its work is kept)."""
    return (
        fault is not None and fault.kind in (FaultKind.NAMED, FaultKind.RAW) and fault.after_write
    )
