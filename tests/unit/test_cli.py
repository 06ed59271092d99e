"""The command line's own logic, in process: lag text, ``--since`` parsing, when bars show.

Commands run as real processes in tests/acceptance/test_cli.py and test_operator_cli.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import typer

from hhsync.cli.command import EXIT_CONFIG
from hhsync.cli.passes import parse_since, progress_wanted
from hhsync.cli.status import interval, lag
from hhsync.service.status import PortalView


@pytest.mark.parametrize(
    ("lag_s", "overdue_s", "text"),
    [
        (None, 0.0, "-"),
        (42.9, 0.0, "42s"),
        (185.0, 0.0, "3m05s"),
        (185.0, 12.5, "3m05s (overdue 12s)"),
        (None, 0.4, "-"),
    ],
)
def test_lag_reads_like_a_duration(lag_s: float | None, overdue_s: float, text: str) -> None:
    assert lag(lag_s, overdue_s) == text


def test_since_takes_a_date_an_instant_or_an_offset() -> None:
    assert parse_since(None) is None
    assert parse_since("2026-11-01") == datetime(2026, 11, 1, tzinfo=UTC)
    assert parse_since("2026-11-01T09:30") == datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
    moscow = timezone(timedelta(hours=3))
    assert parse_since("2026-11-01T09:30+03:00") == datetime(2026, 11, 1, 9, 30, tzinfo=moscow)


def test_since_refuses_words_with_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit) as ended:
        parse_since("last tuesday")
    assert ended.value.exit_code == EXIT_CONFIG
    assert "--since: 'last tuesday' is not a date" in capsys.readouterr().err


def test_progress_bars_never_join_json_output() -> None:
    assert progress_wanted(True, as_json=False) is True
    assert progress_wanted(False, as_json=False) is False
    assert progress_wanted(None, as_json=True) is False  # whatever standard error is


def view_with(effective_s: float | None, stretch: float) -> PortalView:
    return PortalView(
        id=1,
        domain="hr.bitrix24.ru",
        status="active",
        reason=None,
        poll_interval_s=None,
        next_pass_at=None,
        leased_by=None,
        accounts=[],
        last_pass_at=None,
        last_pass_status=None,
        last_pass_error=None,
        counts={},
        effective_interval_s=effective_s,
        stretch=stretch,
    )


def test_the_interval_column_shows_the_stretch_when_there_is_one() -> None:
    assert interval(view_with(60.0, 1.0)) == "60s"
    assert interval(view_with(105.3, 1.755)) == "60s -> 105s"
    assert interval(view_with(None, 1.0)) == "-"
