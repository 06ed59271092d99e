"""Which listed vacancies a pass follows, and which just changed sides (pure)."""

from __future__ import annotations

from hhsync.sync.vacancy_follow import follow


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
