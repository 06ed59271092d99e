"""Pure: what a save may hold, first its shape, then each id against the portal's real choices.

Nothing the page sends is trusted: the ids come back from a person's browser and must name a user,
pipeline, source and stages the portal holds right now (:mod:`.choices`). A refusal names the
field, so the page can point at it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hhsync.errors import Fatal
from hhsync.model.kinds import EntityType, StageMode
from hhsync.web.app_api.settings_tab.choices import PortalChoices
from hhsync.web.app_api.settings_tab.stages import DEFAULT_CATEGORY, stage_keys
from hhsync.web.request_numbers import ascii_decimal

MAX_ID_DIGITS = 10
"""A Bitrix24 user or pipeline id is a 32-bit integer: at most 10 digits."""
MAX_ID_CHARS = 64
"""``crm_status.STATUS_ID`` and ``portal_settings.source_id`` are 64 characters at most."""


class FormRefusal(Fatal):
    """A save refused because of one field; ``key`` is its message in the catalogue."""

    def __init__(self, name: str, key: str) -> None:
        super().__init__(name, key)
        self.field = name
        self.key = key


@dataclass(frozen=True)
class SettingsForm:
    """A save's values, well-formed but not yet checked against the portal."""

    entity_type: EntityType
    responsible_user_id: int
    category_id: int
    source_id: str | None
    stage_mode: StageMode
    stage_map: Mapping[str, str] = field(default_factory=dict)

    def changes(self) -> dict[str, Any]:
        """The columns :func:`hhsync.db.portals.save_settings` stores (pipeline 0 is None)."""
        return {
            "entity_type": self.entity_type.value,
            "responsible_user_id": self.responsible_user_id,
            "category_id": (
                self.category_id
                if self.entity_type == EntityType.DEAL and self.category_id != DEFAULT_CATEGORY
                else None
            ),
            "source_id": self.source_id,
            "stage_mode": self.stage_mode.value,
            "stage_map": dict(self.stage_map),
        }


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise FormRefusal(name, "settings.invalid_" + name)
    if isinstance(value, int) and 0 <= value < 10**MAX_ID_DIGITS:
        return value
    number = ascii_decimal(value, max_digits=MAX_ID_DIGITS) if isinstance(value, str) else None
    if number is None:
        raise FormRefusal(name, "settings.invalid_" + name)
    return number


def _id_text(value: Any, name: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_ID_CHARS or not value.isprintable():
        raise FormRefusal(name, "settings.invalid_" + name)
    return value


def parse_form(body: Any) -> SettingsForm:
    """The save's values from the page's JSON.

    Raises:
        FormRefusal: for the first field that is missing or malformed.
    """
    if not isinstance(body, dict):
        raise FormRefusal("form", "common.bad_request")
    try:
        entity_type = EntityType(str(body.get("entity_type")))
    except ValueError:
        raise FormRefusal("entity_type", "settings.invalid_entity_type") from None
    if body.get("responsible_user_id") in (None, ""):
        raise FormRefusal("responsible_user_id", "settings.choose_responsible")
    responsible = _int(body.get("responsible_user_id"), "responsible_user_id")
    category = DEFAULT_CATEGORY
    if entity_type == EntityType.DEAL and body.get("category_id") not in (None, ""):
        category = _int(body.get("category_id"), "category_id")
    source = _id_text(body.get("source_id"), "source_id")
    extended = body.get("extended", False)
    if not isinstance(extended, bool):
        raise FormRefusal("extended", "common.bad_request")
    mode = StageMode.EXTENDED if extended else StageMode.SIMPLE
    raw_map = body.get("stage_map", {})
    if not isinstance(raw_map, dict):
        raise FormRefusal("stage_map", "settings.invalid_stage")
    rows = stage_keys(mode)
    stage_map: dict[str, str] = {}
    for key, value in raw_map.items():
        if key not in rows:
            raise FormRefusal(f"stage_map.{key}"[:80], "settings.invalid_stage")
        stage = _id_text(value, "stage")
        if stage is not None:
            stage_map[key] = stage
    return SettingsForm(entity_type, responsible, category, source, mode, stage_map)


def check_against(form: SettingsForm, choices: PortalChoices) -> None:
    """Every id of ``form`` is one the portal offers (``choices`` read for its entity and
    pipeline).

    Raises:
        FormRefusal: naming the first field whose id the portal does not hold.
    """
    if form.entity_type == EntityType.LEAD and not choices.leads_available:
        raise FormRefusal("entity_type", "settings.leads_off_refused")
    # choices.responsible is the form's user read by id: None when absent or fired
    if choices.responsible is None or choices.responsible.id != str(form.responsible_user_id):
        raise FormRefusal("responsible_user_id", "settings.invalid_responsible_user_id")
    if form.entity_type == EntityType.DEAL and str(form.category_id) not in choices.ids(
        "categories"
    ):
        raise FormRefusal("category_id", "settings.invalid_category_id")
    if form.source_id is not None and form.source_id not in choices.ids("sources"):
        raise FormRefusal("source_id", "settings.invalid_source_id")
    stages = choices.ids("stages")
    for key, stage in form.stage_map.items():
        if stage not in stages:
            raise FormRefusal(f"stage_map.{key}", "settings.invalid_stage")
