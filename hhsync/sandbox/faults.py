"""Fault injection shared by both sandboxes, driven by config or the ``/_sandbox/faults`` admin API.

Faults are either *rates* (a fraction of matching requests) or a *queue* of one-shot faults taken
in order by the next matching requests. Randomness comes from a seeded generator so a failing
test can be replayed.
"""

from __future__ import annotations

import base64
import binascii
import random
import threading
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class FaultKind(StrEnum):
    """What goes wrong."""

    ERROR = "error"  # answer with HTTP `status` (5xx by default) before doing the work
    ERROR_AFTER_WRITE = "error_after_write"  # do the work, then answer 500: the exactly-once case
    TIMEOUT = "timeout"  # hold the request for `delay_s` (real seconds), then drop the connection
    SLOW = "slow"  # answer correctly after `delay_s` real seconds
    GARBAGE = "garbage"  # answer 200 with invalid JSON
    TRUNCATED = "truncated"  # answer 200 with the real body cut in half
    NAMED = "named"  # answer the service's documented error `code` (its own status and body)
    RAW = "raw"  # answer any `status` with any `body` (text, or bytes as `body_base64`)


@dataclass(frozen=True)
class Fault:
    """One fault; ``path_contains`` limits it to matching request paths (or Bitrix24 methods).

    ``code`` names the documented error of a ``named`` fault; ``body`` and ``content_type`` are
    what a ``raw`` fault answers; ``after_write`` lets either strike once the work is done (the
    exactly-once case) instead of before it.
    """

    kind: FaultKind
    status: int = 503
    delay_s: float = 0.0
    path_contains: str = ""
    code: str = ""
    body: bytes = b""
    content_type: str = ""
    after_write: bool = False

    def matches(self, path: str) -> bool:
        """Whether this fault applies to a request for ``path``."""
        return self.path_contains in path

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Fault:
        """Parse the admin API's JSON form; raises ValueError with a clear message."""
        try:
            kind = FaultKind(raw["kind"])
        except (KeyError, ValueError) as exc:
            kinds = ", ".join(k.value for k in FaultKind)
            raise ValueError(f"fault needs 'kind', one of: {kinds}") from exc
        default_status = 0 if kind is FaultKind.NAMED else 503
        status = int(raw.get("status", default_status))
        if kind is FaultKind.RAW and not 200 <= status <= 599:
            raise ValueError("a raw fault's 'status' must be an HTTP status (200-599)")
        if kind is FaultKind.NAMED and status and not 400 <= status <= 599:
            raise ValueError("a named fault's 'status' must be an HTTP error code (400-599)")
        if kind not in (FaultKind.RAW, FaultKind.NAMED) and not 400 <= status <= 599:
            raise ValueError("fault 'status' must be an HTTP error code (400-599)")
        delay = float(raw.get("delay_s", 0.0))
        if not 0 <= delay <= 300:
            raise ValueError("fault 'delay_s' must be between 0 and 300")
        code = str(raw.get("code", ""))
        if kind is FaultKind.NAMED and not code:
            raise ValueError("a named fault needs 'code', the documented error to answer")
        return cls(
            kind,
            status,
            delay,
            str(raw.get("path_contains", "")),
            code=code,
            body=_raw_body(raw),
            content_type=str(raw.get("content_type", "")),
            after_write=bool(raw.get("after_write", False)),
        )

    def describe(self) -> dict[str, Any]:
        """JSON view for the admin API (a raw body as text, undecodable bytes replaced)."""
        view: dict[str, Any] = {
            "kind": self.kind.value,
            "status": self.status,
            "delay_s": self.delay_s,
            "path_contains": self.path_contains,
        }
        if self.kind is FaultKind.NAMED:
            view["code"] = self.code
        if self.kind is FaultKind.RAW:
            view["body"] = self.body.decode("utf-8", "replace")
            view["content_type"] = self.content_type
        if self.kind in (FaultKind.NAMED, FaultKind.RAW):
            view["after_write"] = self.after_write
        return view


def _raw_body(raw: dict[str, Any]) -> bytes:
    """A raw fault's body: ``body_base64`` (any bytes) or ``body`` (text, sent as UTF-8)."""
    if "body_base64" in raw:
        try:
            return base64.b64decode(str(raw["body_base64"]), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("fault 'body_base64' is not valid base64") from exc
    return str(raw.get("body", "")).encode("utf-8")


@dataclass
class FaultPlan:
    """Rates and one-shot faults for one sandbox (or one Bitrix24 portal)."""

    rates: dict[FaultKind, float] = field(default_factory=dict)
    rate_status: int = 503
    rate_delay_s: float = 1.0
    queue: list[Fault] = field(default_factory=list)
    seed: int = 0
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def next_fault(self, path: str) -> Fault | None:
        """The fault the next request for ``path`` suffers, if any (consumes one-shot faults)."""
        with self._lock:
            for index, fault in enumerate(self.queue):
                if fault.matches(path):
                    del self.queue[index]
                    return fault
            for kind, rate in self.rates.items():
                if rate > 0 and self._rng.random() < rate:
                    return Fault(kind, self.rate_status, self.rate_delay_s)
        return None

    def push(self, fault: Fault, times: int = 1) -> None:
        """Queue ``fault`` for the next ``times`` matching requests."""
        with self._lock:
            self.queue.extend([fault] * times)

    def set_rate(self, kind: FaultKind, rate: float) -> None:
        """Set the fraction of requests that suffer ``kind``."""
        if not 0 <= rate <= 1:
            raise ValueError("fault rate must be between 0 and 1")
        with self._lock:
            self.rates[kind] = rate

    def clear(self) -> None:
        """No more faults."""
        with self._lock:
            self.rates.clear()
            self.queue.clear()

    def describe(self) -> dict[str, Any]:
        """JSON view for the admin API."""
        with self._lock:
            return {
                "rates": {k.value: v for k, v in self.rates.items()},
                "rate_status": self.rate_status,
                "rate_delay_s": self.rate_delay_s,
                "queue": [f.describe() for f in self.queue],
            }
