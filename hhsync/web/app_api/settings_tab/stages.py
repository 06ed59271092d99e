"""Pure: the rows of the stage table and the directory their stages come from.

Simple mode maps how a negotiation started (:class:`~hhsync.model.kinds.NegotiationKind`), extended
mode every employer state the official app's guide lists, by hh.ru's state ids (hh.ru OpenAPI,
``employer_states``; :mod:`hhsync.sync.routing` reads the map the same way). Extended mode keeps
the invitation row: :func:`hhsync.sync.routing.stage_for` falls back to a negotiation's kind for a
state with no row of its own (after its family's row: every ``discard_*`` state uses «Отказ»,
:data:`hhsync.model.stage_rows.FALLBACK_FAMILIES`), and responses already have theirs (hh.ru's
``response`` state), so «Приглашения (остальные)» is where invitations in such states go.
"""

from __future__ import annotations

from typing import Final

from hhsync.model.kinds import EntityType, StageMode
from hhsync.model.stage_rows import EXTENDED_KEYS, SIMPLE_KEYS

__all__ = ["ALL_KEYS", "DEFAULT_CATEGORY", "EXTENDED_KEYS", "SIMPLE_KEYS"]

ALL_KEYS: Final = tuple(dict.fromkeys((*SIMPLE_KEYS, *EXTENDED_KEYS)))
"""Every row the page renders, each shown in the modes that have it."""

DEFAULT_CATEGORY: Final = 0
"""The default deal pipeline («Общее») is category 0 (Bitrix24 REST docs, crm.category.list)."""


def stage_keys(mode: StageMode) -> tuple[str, ...]:
    """The rows of the stage table in ``mode``."""
    return EXTENDED_KEYS if mode == StageMode.EXTENDED else SIMPLE_KEYS


def modes_of(key: str) -> tuple[str, ...]:
    """The modes a row shows in (``simple``, ``extended``)."""
    return tuple(
        mode.value for mode in (StageMode.SIMPLE, StageMode.EXTENDED) if key in stage_keys(mode)
    )


def stage_directory(entity_type: EntityType, category_id: int | None) -> str:
    """The ``crm.status`` directory of the stages: ``STATUS`` for leads, ``DEAL_STAGE`` for the
    default pipeline, ``DEAL_STAGE_<n>`` for pipeline ``n`` (Bitrix24 REST docs, crm.status)."""
    if entity_type == EntityType.LEAD:
        return "STATUS"
    if not category_id:
        return "DEAL_STAGE"
    return f"DEAL_STAGE_{category_id}"
