"""Instants on the app page read as dates, not ISO strings, before the script localises them."""

from __future__ import annotations

import pytest

from hhsync.web.templating import environment, instant_text


@pytest.mark.parametrize(
    ("iso", "shown"),
    [
        ("2026-12-01T12:52:55.557955+00:00", "01.12.2026 12:52 UTC"),
        ("2026-12-01T15:52:00+03:00", "01.12.2026 12:52 UTC"),
        (None, ""),
        ("", ""),
        ("not a date", ""),
    ],
)
def test_an_instant_is_shown_as_a_day_and_a_time(iso: str | None, shown: str) -> None:
    assert instant_text(iso) == shown


def test_the_template_filter_is_the_same_function() -> None:
    rendered = (
        environment().from_string("{{ at | instant }}").render(at="2026-01-02T03:04:00+00:00")
    )
    assert rendered == "02.01.2026 03:04 UTC"
