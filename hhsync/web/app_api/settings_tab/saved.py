"""The saved settings as the form shows them (defaults before the first save)."""

from __future__ import annotations

from dataclasses import dataclass, field

from hhsync.db.tables import PortalSettings
from hhsync.model.kinds import EntityType, StageMode
from hhsync.web.app_api.settings_tab.stages import DEFAULT_CATEGORY


@dataclass(frozen=True)
class SavedSettings:
    """What the form starts from."""

    configured: bool = False
    entity_type: EntityType = EntityType.LEAD
    responsible_user_id: int | None = None
    category_id: int = DEFAULT_CATEGORY
    source_id: str | None = None
    extended: bool = False
    stage_map: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, saved: PortalSettings | None) -> SavedSettings:
        """The form's values from the stored row (None: nothing saved yet)."""
        if saved is None:
            return cls()
        return cls(
            configured=saved.configured_at is not None,
            entity_type=EntityType(saved.entity_type),
            responsible_user_id=saved.responsible_user_id,
            category_id=saved.category_id or DEFAULT_CATEGORY,
            source_id=saved.source_id,
            extended=saved.stage_mode == StageMode.EXTENDED,
            stage_map={str(k): str(v) for k, v in saved.stage_map.items() if v},
        )

    def as_json(self) -> dict[str, object]:
        """The settings for the page's script."""
        return {
            "configured": self.configured,
            "entity_type": self.entity_type.value,
            "responsible_user_id": self.responsible_user_id,
            "category_id": self.category_id,
            "source_id": self.source_id,
            "extended": self.extended,
            "stage_map": dict(self.stage_map),
        }
