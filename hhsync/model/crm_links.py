"""Where a CRM entity's card lives on its portal: the one spelling every page's link uses."""

from __future__ import annotations

from hhsync.model.kinds import EntityType


def card_path(entity_type: EntityType, entity_id: int) -> str:
    """The portal-relative path of an entity card (``/crm/lead/details/12/``)."""
    return f"/crm/{entity_type.value}/details/{entity_id}/"
