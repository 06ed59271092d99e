"""Pure: which vacancies a pass must read further, from their counters and last full read.

hh.ru's vacancy ``counters`` move when a response arrives or is read; a vacancy whose counters
did not move needs no further requests, which is what keeps an idle pass at a couple of requests.
Employer-side state changes do not always move counters, so every vacancy is also re-read in full
once its last full read is older than the reconcile period.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

# Counters that change when negotiations appear or change. Not `views`, and not
# `unread_responses`: fetching a resume for its contacts marks the response read, so our own pass
# would move that counter and make the next pass re-read the vacancy for nothing.
WATCHED_COUNTERS = (
    "responses",
    "invitations",
    "invitations_and_responses",
    "resumes_in_progress",
    "total_responses",
)


@dataclass(frozen=True)
class VacancySeen:
    """A vacancy as hh.ru lists it now, with what we stored for it."""

    hh_id: str
    counters: Mapping[str, Any]
    stored_counters: Mapping[str, Any] | None
    """None when the vacancy is new to us."""
    last_full_read_at: datetime | None


def watched(counters: Mapping[str, Any]) -> dict[str, Any]:
    """The counters that matter for change detection."""
    return {key: counters.get(key) for key in WATCHED_COUNTERS}


def vacancies_to_read(
    seen: Sequence[VacancySeen], now: datetime, reconcile_s: float, *, force: bool = False
) -> list[str]:
    """Ids of the vacancies whose negotiations this pass must list, in hh.ru's order."""
    period = timedelta(seconds=reconcile_s)
    chosen = []
    for vacancy in seen:
        if (
            force
            or vacancy.stored_counters is None
            or vacancy.last_full_read_at is None
            or watched(vacancy.counters) != watched(vacancy.stored_counters)
            or now - vacancy.last_full_read_at >= period
        ):
            chosen.append(vacancy.hh_id)
    return chosen
