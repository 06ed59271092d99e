"""Counters that lie the way real ones may: lagging, frozen, or reset by a republication.

The sandbox computes a vacancy's ``counters`` and a collection's ``counters.total`` /
``with_updates`` from its negotiations on every request, so by default they are always right.
hh.ru promises nothing of the kind: it calls them statistics (hh.ru OpenAPI spec,
``NegotiationsObjectsEmployerCounters`` «Объект со статистикой»). A client that trusts counters
to find new responses must still find them. hh.ru documents neither lag nor resets; these are
the ways a cache or a republication could plausibly bend them. Per vacancy, the admin API can
make the counters it serves:

* ``lag``: show the values of ``lag_s`` sandbox seconds ago (the newest value seen at or before
  then; the oldest one seen when nothing is that old);
* ``frozen``: show the values of the moment of freezing, whatever happens after;
* ``reset``: a republication; the vacancy's counters count from zero again (collections keep
  counting: their negotiations stay).

Bookkeeping only; sandbox seconds come from the clock the runtime hands the board.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

HISTORY_PER_SCOPE: Final = 2000
"""Samples kept per vacancy and scope: enough for any lag a test asks, flat in long runs."""


class CounterMode(StrEnum):
    """How a vacancy's counters are served."""

    LIVE = "live"
    LAG = "lag"
    FROZEN = "frozen"


class Scope(StrEnum):
    """Which counters of a vacancy: its own, or its collections' (flattened ``<id>.total``)."""

    VACANCY = "vacancy"
    COLLECTIONS = "collections"


Counters = dict[str, int]


@dataclass
class CounterKnob:
    """One vacancy's counter behaviour."""

    mode: CounterMode = CounterMode.LIVE
    lag_s: float = 0.0
    frozen: dict[Scope, Counters] = field(default_factory=dict)
    baseline: Counters = field(default_factory=dict)
    """Vacancy counter values at the last reset, subtracted from the live ones."""
    resets: int = 0


@dataclass
class CounterBoard:
    """Every vacancy's knob and the counter values served so far."""

    knobs: dict[str, CounterKnob] = field(default_factory=dict)
    history: dict[tuple[str, Scope], deque[tuple[float, Counters]]] = field(default_factory=dict)
    now_s: Callable[[], float] = field(default=lambda: 0.0)
    """Sandbox monotonic seconds (the runtime hands in its scaled clock)."""
    sample: Callable[[str], dict[Scope, Counters]] = field(default=lambda _vacancy_id: {})
    """A vacancy's true counters by scope (the runtime hands in the payloads' computation)."""

    def knob(self, vacancy_id: str) -> CounterKnob:
        """The knob of a vacancy (live until changed)."""
        return self.knobs.setdefault(vacancy_id, CounterKnob())

    def shown(self, vacancy_id: str, scope: Scope, live: Counters) -> Counters:
        """What the sandbox serves now for the ``live`` (true) counters."""
        knob = self.knobs.get(vacancy_id)
        samples = self._record(vacancy_id, scope, live)
        live = samples[-1][1]
        if knob is None or knob.mode == CounterMode.LIVE:
            return dict(live)
        if knob.mode == CounterMode.FROZEN:
            return _keyed_like(knob.frozen.get(scope, live), live)
        cutoff = self.now_s() - knob.lag_s
        older = [values for at, values in samples if at <= cutoff]
        return _keyed_like(older[-1] if older else samples[0][1], live)

    def changed(self, vacancy_id: str) -> None:
        """A vacancy's negotiations changed: remember the new values when its counters lag, so
        "``lag_s`` ago" is measured from the change, not from when someone next asked."""
        knob = self.knobs.get(vacancy_id)
        if knob is None or knob.mode != CounterMode.LAG:
            return
        for scope, values in self.sample(vacancy_id).items():
            self._record(vacancy_id, scope, values)

    def _record(
        self, vacancy_id: str, scope: Scope, live: Counters
    ) -> deque[tuple[float, Counters]]:
        knob = self.knobs.get(vacancy_id)
        if scope == Scope.VACANCY and knob is not None and knob.baseline:
            live = {k: max(0, v - knob.baseline.get(k, 0)) for k, v in live.items()}
        samples = self.history.setdefault((vacancy_id, scope), deque(maxlen=HISTORY_PER_SCOPE))
        if not samples or samples[-1][1] != live:
            samples.append((self.now_s(), dict(live)))
        return samples

    def freeze(self, vacancy_id: str, current: dict[Scope, Counters]) -> None:
        """Pin the counters to ``current`` (what they show right now)."""
        knob = self.knob(vacancy_id)
        knob.mode = CounterMode.FROZEN
        knob.frozen = {scope: dict(values) for scope, values in current.items()}

    def lag(self, vacancy_id: str, lag_s: float) -> None:
        """Serve the values of ``lag_s`` sandbox seconds ago (from now on, the values of now)."""
        for scope, values in self.sample(vacancy_id).items():
            self._record(vacancy_id, scope, values)
        knob = self.knob(vacancy_id)
        knob.mode = CounterMode.LAG
        knob.lag_s = lag_s

    def live(self, vacancy_id: str) -> None:
        """Serve the true values again (a reset's baseline stays: republished is republished)."""
        knob = self.knob(vacancy_id)
        knob.mode = CounterMode.LIVE
        knob.frozen = {}

    def reset(self, vacancy_id: str, raw: Counters) -> None:
        """A republication: from now on the vacancy counts from zero (``raw``: today's truth)."""
        knob = self.knob(vacancy_id)
        knob.baseline = {k: v for k, v in raw.items() if k != "views"}
        knob.resets += 1


def _keyed_like(values: Counters, live: Counters) -> Counters:
    """``values`` with exactly ``live``'s keys (a collection added later shows its true value)."""
    return {key: values.get(key, live[key]) for key in live}
