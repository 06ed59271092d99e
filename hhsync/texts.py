"""The words hhsync shows HR people, in Russian first: the official app's labels, which they know.

Only what the code shows today lives here; the settings page's catalogue (Russian, and English
when the portal's language is not Russian) grows from it.
"""

from __future__ import annotations

from hhsync.model.import_progress import ImportProgress
from hhsync.model.kinds import EntityType


def import_progress_labels(progress: ImportProgress, entity_type: EntityType) -> dict[str, int]:
    """The import's counters under the labels the settings page shows."""
    entities = "Лидов" if entity_type == EntityType.LEAD else "Сделок"
    return {
        "Откликов загружено": progress.loaded,
        f"{entities} импортировано": progress.imported,
        "Ожидают повтора": progress.failed,
        "В очереди": progress.pending,
    }
