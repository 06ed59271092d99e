"""The operator's progress bars draw the pass's figures and end at their final values."""

from __future__ import annotations

import asyncio
import io

from rich.console import Console

from hhsync.service.progress_bars import progress_bars
from hhsync.sync.progress import PassProgress


async def test_bars_follow_the_figures_and_show_the_final_state() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120, color_system=None)
    progress = PassProgress()
    async with progress_bars(progress, console):
        progress.vacancies_to_read = 4
        progress.vacancies_read = 1
        progress.negotiations_listed = 12
        await asyncio.sleep(0.5)  # lets the redraw task draw a middle state
        assert "1/4" in out.getvalue()
        progress.vacancies_read = 4
        progress.negotiations_listed = 40
        progress.negotiations_planned = 40
        progress.writes.created = 38
        progress.writes.failed = 2
    drawn = out.getvalue()
    assert "hh.ru: vacancies read" in drawn
    assert "4/4" in drawn
    assert "40 negotiations listed" in drawn
    assert "40/40" in drawn
    assert "2 failed" in drawn
