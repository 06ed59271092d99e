"""What the portal offers the form, read live: its users, deal pipelines, sources, the stages of
the chosen entity and pipeline, and the required fields hhsync would leave empty.

Read on each call and never cached: a person who adds a pipeline or a stage in the CRM sees it on
the next tab open, and a save is checked against what the portal holds right then.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hhsync.bitrix.client import BitrixClient
from hhsync.bitrix.commands import DEAL_ENTITY_TYPE_ID
from hhsync.bitrix.models import User
from hhsync.model.kinds import EntityType
from hhsync.sync.mapping import entity_kind
from hhsync.web.app_api.settings_tab.required import (
    RequiredField,
    labels_in,
    unfilled_required,
    with_refused,
)
from hhsync.web.app_api.settings_tab.stages import stage_directory


@dataclass(frozen=True)
class Choice:
    """One option of a select: the portal's id and the name it shows."""

    id: str
    name: str

    def as_json(self) -> dict[str, str]:
        """The option for the page."""
        return {"id": self.id, "name": self.name}


@dataclass(frozen=True)
class PortalChoices:
    """The portal's options for one entity type and pipeline."""

    entity_type: EntityType
    category_id: int
    users: tuple[Choice, ...]
    categories: tuple[Choice, ...]
    sources: tuple[Choice, ...]
    stages: tuple[Choice, ...]
    required: tuple[RequiredField, ...]

    def ids(self, name: str) -> frozenset[str]:
        """The ids one select may hold (``users``, ``categories``, ``sources``, ``stages``)."""
        options: tuple[Choice, ...] = getattr(self, name)
        return frozenset(option.id for option in options)

    def as_json(self) -> dict[str, object]:
        """The choices for the page."""
        return {
            "entity_type": self.entity_type.value,
            "category_id": self.category_id,
            "users": [u.as_json() for u in self.users],
            "categories": [c.as_json() for c in self.categories],
            "sources": [s.as_json() for s in self.sources],
            "stages": [s.as_json() for s in self.stages],
            "required": [r.as_json() for r in self.required],
        }


def user_name(user: User) -> str:
    """How the portal names a person: first and last name, else the e-mail, else the id."""
    name = " ".join(part for part in (user.NAME, user.LAST_NAME) if part)
    return name or user.EMAIL or f"#{user.ID}"


async def read_choices(
    client: BitrixClient,
    entity_type: EntityType,
    category_id: int,
    *,
    source_chosen: bool,
    refusals: Iterable[str] = (),
) -> PortalChoices:
    """Everything the form offers for ``entity_type`` (and pipeline ``category_id`` of deals).

    ``refusals`` are the reasons the portal gave for the creates it refused: the required fields
    they name join those ``crm.*.fields`` flags.

    Raises whatever :class:`~hhsync.bitrix.errors.BitrixError` the portal answers.
    """
    users = await client.user_get()
    categories = await client.category_list(DEAL_ENTITY_TYPE_ID)
    sources = await client.status_list({"ENTITY_ID": "SOURCE"})
    directory = stage_directory(entity_type, category_id)
    known_categories = {category.id for category in categories}
    if entity_type == EntityType.DEAL and category_id not in known_categories:
        stages = []
    else:
        stages = await client.status_list({"ENTITY_ID": directory})
    fields = await client.fields(entity_kind(entity_type))
    return PortalChoices(
        entity_type=entity_type,
        category_id=category_id,
        users=tuple(Choice(str(u.ID), user_name(u)) for u in users),
        categories=tuple(Choice(str(c.id), c.name) for c in categories),
        sources=tuple(Choice(s.STATUS_ID, s.NAME) for s in sources),
        stages=tuple(
            Choice(s.STATUS_ID, s.NAME) for s in sorted(stages, key=lambda s: s.SORT or 0)
        ),
        required=tuple(
            with_refused(
                unfilled_required(fields, entity_type, source_chosen=source_chosen),
                fields,
                labels_in(refusals),
            )
        ),
    )
