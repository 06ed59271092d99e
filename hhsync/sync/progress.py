"""Live figures of a running pass, for the operator's progress bars on long resyncs.

The engine only adds to these numbers; a progress display reads them from the same event loop
whenever it redraws, so no callbacks run inside the pass and a pass without a display pays nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hhsync.sync.apply.outcomes import WriteFigures


@dataclass
class PassProgress:
    """How far a pass has come: vacancies read from hh.ru, then CRM writes of the plan."""

    vacancies_to_read: int = 0
    vacancies_read: int = 0
    negotiations_listed: int = 0
    negotiations_planned: int = 0
    """Distinct negotiations the plan acts on (the writes' total)."""
    writes: WriteFigures = field(default_factory=WriteFigures)

    @property
    def negotiations_written(self) -> int:
        """Negotiations whose outcome is recorded so far (never above the planned total)."""
        figures = self.writes
        done = (
            figures.created
            + figures.adopted
            + figures.updated
            + figures.outcome_unknown
            + figures.failed
        )
        return min(done, self.negotiations_planned)
