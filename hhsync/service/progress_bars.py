"""Progress bars for an operator's long pass (a resync of thousands of responses).

Two bars on standard error, so standard output stays a clean report: hh.ru vacancies read (with
the negotiations listed so far) and negotiations written to Bitrix24. They redraw from the pass's
:class:`~hhsync.sync.progress.PassProgress` a few times a second; the pass itself knows nothing of
them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Final

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from hhsync.sync.progress import PassProgress

REDRAW_S: Final = 0.2


@contextlib.asynccontextmanager
async def progress_bars(progress: PassProgress, console: Console) -> AsyncIterator[None]:
    """Show ``progress`` on ``console`` while the body runs; the bars end at their final figures."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, auto_refresh=False) as bars:
        reading = bars.add_task("hh.ru: vacancies read", total=None, detail="")
        writing = bars.add_task("Bitrix24: responses written", total=None, detail="")

        async def follow() -> None:
            while True:
                _draw(bars, reading, writing, progress)
                await asyncio.sleep(REDRAW_S)

        redraw = asyncio.create_task(follow())
        try:
            yield
        finally:
            redraw.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await redraw
            _draw(bars, reading, writing, progress)


def _draw(bars: Progress, reading: TaskID, writing: TaskID, progress: PassProgress) -> None:
    bars.update(
        reading,
        total=progress.vacancies_to_read or None,
        completed=progress.vacancies_read,
        detail=f"{progress.negotiations_listed} negotiations listed",
    )
    bars.update(
        writing,
        total=progress.negotiations_planned or None,
        completed=progress.negotiations_written,
        detail=f"{progress.writes.failed} failed" if progress.writes.failed else "",
    )
    bars.refresh()
