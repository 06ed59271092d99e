"""Which vacancies a pass reads further: new, changed, stale or forced ones only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hhsync.sync.changes import VacancySeen, vacancies_to_read

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
COUNTERS = {"responses": 12, "unread_responses": 3, "invitations": 1, "views": 400}


def seen(
    hh_id: str, counters: dict[str, int], stored: dict[str, int] | None, age_s: float
) -> VacancySeen:
    return VacancySeen(hh_id, counters, stored, NOW - timedelta(seconds=age_s))


def test_only_new_changed_or_stale_vacancies_are_read() -> None:
    vacancies = [
        seen("new", COUNTERS, None, 0),
        seen("same", COUNTERS, COUNTERS, 60),
        seen("views_only", {**COUNTERS, "views": 999}, COUNTERS, 60),
        seen("read_by_us", {**COUNTERS, "unread_responses": 0}, COUNTERS, 60),
        seen("responded", {**COUNTERS, "responses": 13}, COUNTERS, 60),
        seen("stale", COUNTERS, COUNTERS, 3600),
    ]
    assert vacancies_to_read(vacancies, NOW, reconcile_s=3600) == ["new", "responded", "stale"]


def test_never_fully_read_and_forced() -> None:
    never = VacancySeen("n", COUNTERS, COUNTERS, None)
    same = seen("s", COUNTERS, COUNTERS, 1)
    assert vacancies_to_read([never, same], NOW, reconcile_s=3600) == ["n"]
    assert vacancies_to_read([never, same], NOW, reconcile_s=3600, force=True) == ["n", "s"]
