"""Which listed vacancies a pass follows, and which just changed sides (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hhsync.sync.vacancy_follow import Unlisted, archives_to_ask, follow


def test_an_archived_vacancy_followed_while_active_is_followed_and_due_a_full_read() -> None:
    chosen = follow(["1", "2"], ["3", "9"], {"1": False, "3": False}, include_archived=False)
    assert chosen.active == ("1", "2")
    assert chosen.archived == ("3",)  # 9 was never followed: not imported
    assert chosen.just_archived == frozenset({"3"})
    assert chosen.returned == frozenset()


def test_an_archived_vacancy_already_stored_as_archived_is_followed_with_no_new_full_read() -> None:
    chosen = follow([], ["3"], {"3": True}, include_archived=False)
    assert chosen.archived == ("3",)
    assert chosen.just_archived == frozenset()


def test_with_import_archived_every_archived_vacancy_is_followed() -> None:
    chosen = follow(["1"], ["3", "9"], {"1": False}, include_archived=True)
    assert chosen.archived == ("3", "9")
    assert chosen.just_archived == frozenset()  # neither was followed while active


def test_a_vacancy_back_in_the_active_list_is_returned() -> None:
    chosen = follow(["3", "1"], [], {"3": True, "1": False}, include_archived=False)
    assert chosen.active == ("3", "1")
    assert chosen.returned == frozenset({"3"})


def test_a_vacancy_in_both_lists_counts_as_archived_the_newer_word() -> None:
    chosen = follow(["1", "3"], ["3"], {"1": False, "3": False}, include_archived=False)
    assert chosen.active == ("1",)
    assert chosen.archived == ("3",)
    assert chosen.just_archived == frozenset({"3"})


def test_repeated_ids_are_listed_once() -> None:
    chosen = follow(["1", "1"], ["3", "3"], {"3": False}, include_archived=False)
    assert chosen.active == ("1",)
    assert chosen.archived == ("3",)


NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_one_archive_request_per_colleague_manager_not_per_vacancy() -> None:
    missing = [
        Unlisted("10", "m2", None),
        Unlisted("11", "m2", None),
        Unlisted("12", "m3", None),
    ]
    asks = archives_to_ask(missing, "m1", NOW, 3600)
    assert dict(asks.by_manager) == {"m2": ("10", "11"), "m3": ("12",)}
    assert asks.nowhere == ()


def test_own_and_unknown_managers_vacancies_are_nowhere_without_a_request() -> None:
    """The caller's own archive was already read; a vacancy with no manager known has none."""
    asks = archives_to_ask([Unlisted("10", "m1", None), Unlisted("11", None, None)], "m1", NOW, 60)
    assert dict(asks.by_manager) == {}
    assert asks.nowhere == ("10", "11")


def test_a_vacancy_found_nowhere_is_looked_for_again_only_after_the_recheck_period() -> None:
    recent = Unlisted("10", "m2", NOW - timedelta(seconds=59))
    due = Unlisted("11", "m3", NOW - timedelta(seconds=60))
    asks = archives_to_ask([recent, due], "m1", NOW, 60)
    assert dict(asks.by_manager) == {"m3": ("11",)}
