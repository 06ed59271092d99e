"""Fault injection shared by both sandboxes, driven by config or the ``/_sandbox/faults`` admin API.

Faults are either *rates* (a fraction of matching requests) or a *queue* of one-shot faults taken
in order by the next matching requests. Randomness comes from a seeded generator so a failing
test can be replayed.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class Fault:
    """One fault; ``path_contains`` limits it to matching request paths (or Bitrix24 methods)."""

    kind: FaultKind
    status: int = 503
    delay_s: float = 0.0
    path_contains: str = ""

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
        status = int(raw.get("status", 503))
        if not 400 <= status <= 599:
            raise ValueError("fault 'status' must be an HTTP error code (400-599)")
        delay = float(raw.get("delay_s", 0.0))
        if not 0 <= delay <= 300:
            raise ValueError("fault 'delay_s' must be between 0 and 300")
        return cls(kind, status, delay, str(raw.get("path_contains", "")))


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
                "queue": [
                    {
                        "kind": f.kind.value,
                        "status": f.status,
                        "delay_s": f.delay_s,
                        "path_contains": f.path_contains,
                    }
                    for f in self.queue
                ],
            }
