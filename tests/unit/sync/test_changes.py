"""Which vacancies a pass watches or reads in full, and which leaf listings a watch reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hhsync.sync.changes import (
    ARCHIVED_WATCH_FACTOR,
    NOT_LISTED,
    DueReason,
    LeafProgress,
    LeafRead,
    LeafReadMode,
    LeafState,
    Move,
    ReadMode,
    VacancyDue,
    VacancySeen,
    after_moves,
    dirty,
    leaf_reads,
    leaf_states,
    needs_full_read,
    vacancies_due,
    walk_done,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
COUNTERS = {"responses": 12, "unread_responses": 3, "invitations": 1, "views": 400}
WATCH_S = 180.0
RECONCILE_S = 3600.0


def seen(
    hh_id: str,
    counters: dict[str, int],
    stored: dict[str, int] | None,
    read_age_s: float,
    *,
    watch_age_s: float | None = 0,
    pass_gap_s: float = 60,
) -> VacancySeen:
    return VacancySeen(
        hh_id,
        counters,
        stored,
        NOW - timedelta(seconds=read_age_s),
        None if watch_age_s is None else NOW - timedelta(seconds=watch_age_s),
        NOW - timedelta(seconds=pass_gap_s),
    )


def due(vacancies: list[VacancySeen], *, force: bool = False) -> list[VacancyDue]:
    return vacancies_due(vacancies, NOW, reconcile_s=RECONCILE_S, watch_s=WATCH_S, force=force)


def test_new_stale_and_never_fully_read_vacancies_are_read_in_full() -> None:
    never = VacancySeen("never", COUNTERS, COUNTERS, None, NOW, NOW)
    chosen = due(
        [
            seen("new", COUNTERS, None, 0),
            seen("same", COUNTERS, COUNTERS, 60),
            seen("stale", COUNTERS, COUNTERS, RECONCILE_S),
            never,
        ]
    )
    assert chosen == [
        VacancyDue("new", ReadMode.FULL, DueReason.NEW),
        VacancyDue("stale", ReadMode.FULL, DueReason.RECONCILE),
        VacancyDue("never", ReadMode.FULL, DueReason.NOT_FULLY_READ),
    ]


def test_moved_counters_are_watched_at_once_but_not_views_or_our_own_reads() -> None:
    chosen = due(
        [
            seen("views_only", {**COUNTERS, "views": 999}, COUNTERS, 60, watch_age_s=10),
            seen("read_by_us", {**COUNTERS, "unread_responses": 0}, COUNTERS, 60, watch_age_s=10),
            seen("responded", {**COUNTERS, "responses": 13}, COUNTERS, 60, watch_age_s=10),
        ]
    )
    assert chosen == [VacancyDue("responded", ReadMode.WATCH, DueReason.COUNTERS)]


def test_a_vacancy_is_watched_once_its_period_ran_out_and_not_before() -> None:
    chosen = due(
        [
            seen("fresh", COUNTERS, COUNTERS, 600, watch_age_s=WATCH_S - 1, pass_gap_s=WATCH_S),
            seen("due", COUNTERS, COUNTERS, 600, watch_age_s=WATCH_S, pass_gap_s=WATCH_S),
            seen("unwatched", COUNTERS, COUNTERS, 600, watch_age_s=None, pass_gap_s=WATCH_S),
        ]
    )
    assert chosen == [
        VacancyDue("unwatched", ReadMode.WATCH, DueReason.UNWATCHED),
        VacancyDue("due", ReadMode.WATCH, DueReason.PERIOD),
    ]


def test_an_archived_vacancy_is_watched_a_tenth_as_often() -> None:
    archived_s = WATCH_S * ARCHIVED_WATCH_FACTOR
    assert archived_s < RECONCILE_S
    gap = archived_s

    def archived(hh_id: str, watch_age_s: float) -> VacancySeen:
        vacancy = seen(hh_id, COUNTERS, COUNTERS, 600, watch_age_s=watch_age_s, pass_gap_s=gap)
        return VacancySeen(**{**vacancy.__dict__, "archived": True})

    chosen = due([archived("recent", archived_s - 1), archived("stale", archived_s)])
    assert chosen == [VacancyDue("stale", ReadMode.WATCH, DueReason.PERIOD)]
    # its counters moving still has it watched at once
    moved = VacancySeen(**{**archived("moved", WATCH_S).__dict__, "counters": {"responses": 13}})
    assert due([moved]) == [VacancyDue("moved", ReadMode.WATCH, DueReason.COUNTERS)]


def test_forced_reads_everything_in_full() -> None:
    same = seen("s", COUNTERS, COUNTERS, 1, watch_age_s=1)
    assert due([same]) == []
    assert due([same], force=True) == [VacancyDue("s", ReadMode.FULL, DueReason.FORCED)]


def test_period_watches_spread_across_passes_most_overdue_first() -> None:
    """Nine vacancies fell due together; passes 60 s apart take a third of a 180 s period's
    watches each, the most overdue first, so the burst spreads over three passes."""
    vacancies = [
        seen(f"v{i}", COUNTERS, COUNTERS, 600, watch_age_s=WATCH_S + i, pass_gap_s=60)
        for i in range(9)
    ]
    chosen = due(vacancies)
    assert [d.hh_id for d in chosen] == ["v8", "v7", "v6"]
    assert {d.reason for d in chosen} == {DueReason.PERIOD}


def test_urgent_watches_are_never_held_back_by_the_spread() -> None:
    vacancies = [
        seen(f"p{i}", COUNTERS, COUNTERS, 600, watch_age_s=WATCH_S + i, pass_gap_s=60)
        for i in range(6)
    ] + [seen(f"c{i}", {**COUNTERS, "responses": 99}, COUNTERS, 600) for i in range(6)]
    chosen = due(vacancies)
    assert [d.hh_id for d in chosen if d.reason == DueReason.COUNTERS] == [
        f"c{i}" for i in range(6)
    ]
    assert len([d for d in chosen if d.reason == DueReason.PERIOD]) == 4  # ceil(12 x 60 / 180)


def test_passes_a_period_apart_watch_every_due_vacancy() -> None:
    vacancies = [
        seen(f"v{i}", COUNTERS, COUNTERS, 600, watch_age_s=WATCH_S * 2, pass_gap_s=WATCH_S * 2)
        for i in range(50)
    ]
    assert len(due(vacancies)) == 50


def test_rows_stored_before_listings_were_recorded_ask_for_a_full_read() -> None:
    assert needs_full_read({None: 3, "response": 2})
    assert not needs_full_read({"response": 2, NOT_LISTED: 1})
    assert not needs_full_read({})


def test_a_leaf_is_dirty_when_its_total_differs_from_what_is_stored_there() -> None:
    states = leaf_states(
        {"response": 5001, "consider": 3, "interview_1": 2, "interview_2": 0},
        {"response": 5000, "consider": 3, "interview_1": 3, NOT_LISTED: 4},
        {"response": 5000, "consider": 3, "interview_1": 3},
    )
    assert dirty(states) == ["response", "interview_1"]
    assert states["response"].delta == 1
    assert states["interview_1"].delta == -1


def test_a_listing_deeper_than_hh_ru_pages_keeps_its_gap_and_is_not_read_for_it() -> None:
    """A listing whose last read could list only 2,000 of its 2,500 is clean while its total
    stays, and a new response there is looked for alone, not the 500 it cannot reach."""
    settled = {"response": 2500}
    quiet = leaf_states({"response": 2500}, {"response": 2000}, settled)
    assert dirty(quiet) == []
    grown = leaf_states({"response": 2501}, {"response": 2000}, settled)
    assert leaf_reads(grown, {}) == [LeafRead("response", LeafReadMode.NEWEST, 1)]


def test_gaining_leaves_are_read_first_and_a_move_found_there_settles_the_one_it_left() -> None:
    states = leaf_states(
        {"response": 9, "consider": 4},
        {"response": 10, "consider": 3},
        {"response": 10, "consider": 3},
    )
    progress = LeafProgress()
    first = leaf_reads(states, progress.frozen())
    assert first == [LeafRead("consider", LeafReadMode.NEWEST, 1)]
    progress.ran(first[0])
    states = after_moves(states, [Move("response", "consider"), Move("consider", "consider")])
    assert leaf_reads(states, progress.frozen()) == []


def test_a_leaf_still_counting_more_than_hh_ru_is_read_to_the_end_once() -> None:
    """A withdrawal hidden from the employer, a deletion: nobody gains, so the leaf that lost
    one is read in full; that read, done, is not repeated."""
    states = leaf_states({"response": 9}, {"response": 10}, {"response": 10})
    progress = LeafProgress()
    reads = leaf_reads(states, progress.frozen())
    assert reads == [LeafRead("response", LeafReadMode.FULL)]
    progress.ran(reads[0])
    assert leaf_reads(states, progress.frozen()) == []
    states = after_moves(states, [Move("response", NOT_LISTED)])
    assert states["response"] == LeafState(9, 9, 0)


def test_a_newest_first_read_is_not_repeated_in_one_pass() -> None:
    states = leaf_states({"response": 12}, {"response": 10}, {"response": 10})
    progress = LeafProgress()
    progress.ran(LeafRead("response", LeafReadMode.NEWEST, 2))
    assert leaf_reads(states, progress.frozen()) == []


def test_a_walk_stops_only_with_what_it_came_for_and_a_page_it_knew() -> None:
    assert not walk_done(wanted=2, found_new=1, saw_unchanged=True)
    assert not walk_done(wanted=1, found_new=1, saw_unchanged=False)
    assert walk_done(wanted=1, found_new=1, saw_unchanged=True)
    assert walk_done(wanted=1, found_new=3, saw_unchanged=True)
