"""Progress figures and the ``--since`` narrowing: pure values, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hhsync.db.tables import NegotiationKind, SyncStatus
from hhsync.model.snapshot import RemoteNegotiation, RemoteSnapshot, StoredNegotiation, StoredState
from hhsync.sync.apply.outcomes import WriteFigures
from hhsync.sync.progress import PassProgress

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def remote(hh_id: str, updated_at: datetime) -> RemoteNegotiation:
    return RemoteNegotiation(
        hh_id, "v1", NegotiationKind.RESPONSE, "response", T0 - timedelta(days=30), updated_at, "r"
    )


def stored(hh_id: str, updated_at: datetime) -> StoredNegotiation:
    return StoredNegotiation(
        hh_id, "v1", NegotiationKind.RESPONSE, "response", updated_at, "r", SyncStatus.FAILED
    )


def test_since_keeps_exactly_what_changed_at_or_after_the_instant() -> None:
    snapshot = RemoteSnapshot(
        (
            remote("old", T0 - timedelta(seconds=1)),
            remote("edge", T0),
            remote("new", T0 + timedelta(days=1)),
        ),
        frozenset({"v1"}),
    )
    narrowed = snapshot.updated_since(T0)
    assert [n.hh_id for n in narrowed.negotiations] == ["edge", "new"]
    assert narrowed.fully_read_vacancies == frozenset({"v1"})

    state = StoredState({"old": stored("old", T0 - timedelta(days=2)), "edge": stored("edge", T0)})
    assert list(state.updated_since(T0).negotiations) == ["edge"]


def test_written_counts_every_outcome_and_never_passes_the_planned_total() -> None:
    progress = PassProgress(negotiations_planned=5)
    assert progress.negotiations_written == 0
    progress.writes.created, progress.writes.adopted, progress.writes.updated = 2, 1, 1
    assert progress.negotiations_written == 4
    # A create whose activity was refused counts as created and failed: still capped at the total.
    progress.writes.failed, progress.writes.outcome_unknown = 2, 1
    assert progress.negotiations_written == 5


def test_progress_shares_the_report_figures_it_is_given() -> None:
    figures = WriteFigures()
    progress = PassProgress(negotiations_planned=3, writes=figures)
    figures.created += 3
    assert progress.negotiations_written == 3
