"""What the portal offers the form, read live: the responsible person, whether it keeps leads at
all (its CRM mode), deal pipelines, sources, the stages of the chosen entity and pipeline, and the
required fields hhsync would leave empty.

Read on each call and never cached: a person who adds a pipeline or a stage in the CRM sees it on
the next tab open, and a save is checked against what the portal holds right then. The portal's
users are never listed whole (a portal may have thousands): the responsible person is read by id
(``user.get`` with ``ID``), and the page's fallback search asks for the first page of matches
(:func:`search_users`); the portal's own ``selectUser()`` dialog is the main way to pick one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hhsync.bitrix.client import BitrixClient
from hhsync.bitrix.commands import DEAL_ENTITY_TYPE_ID
from hhsync.bitrix.models import FieldDescription, User
from hhsync.model.kinds import EntityType
from hhsync.sync.mapping import entity_kind
from hhsync.web.app_api.reasons import explain
from hhsync.web.app_api.settings_tab.required import (
    CONTACT,
    RequiredField,
    unfilled_contact_required,
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
    responsible: Choice | None
    """The asked responsible person when the portal has them and they are active."""
    categories: tuple[Choice, ...]
    sources: tuple[Choice, ...]
    stages: tuple[Choice, ...]
    required: tuple[RequiredField, ...]
    leads_available: bool = True
    """False on a simple-CRM portal (``crm.settings.mode.get`` = 2): it keeps no leads."""

    def ids(self, name: str) -> frozenset[str]:
        """The ids one select may hold (``categories``, ``sources``, ``stages``)."""
        options: tuple[Choice, ...] = getattr(self, name)
        return frozenset(option.id for option in options)

    def as_json(self) -> dict[str, object]:
        """The choices for the page."""
        return {
            "entity_type": self.entity_type.value,
            "category_id": self.category_id,
            "responsible": self.responsible.as_json() if self.responsible else None,
            "categories": [c.as_json() for c in self.categories],
            "sources": [s.as_json() for s in self.sources],
            "stages": [s.as_json() for s in self.stages],
            "required": [r.as_json() for r in self.required],
            "leads_available": self.leads_available,
        }


def user_name(user: User) -> str:
    """How the portal names a person: first and last name, else the e-mail, else the id."""
    name = " ".join(part for part in (user.NAME, user.LAST_NAME) if part)
    return name or user.EMAIL or f"#{user.ID}"


MAX_SEARCH_CHARS = 100
"""The longest search text sent to the portal."""


async def search_users(client: BitrixClient, text: str) -> tuple[Choice, ...]:
    """The active users matching ``text``: ``user.search`` by ``FIND``, its first page only (50,
    Bitrix24 REST docs, user.search). ``FIND`` cannot be combined with ``ACTIVE``, so fired
    people are dropped from that page here."""
    found = await client.user_search_page(text[:MAX_SEARCH_CHARS])
    return tuple(Choice(str(u.ID), user_name(u)) for u in found if u.ACTIVE is not False)


async def read_responsible(client: BitrixClient, user_id: int | None) -> Choice | None:
    """The responsible person by id, when the portal has them and they are active."""
    if user_id is None:
        return None
    user = await client.user_by_id(user_id)
    if user is None or user.ACTIVE is False:
        return None
    return Choice(str(user.ID), user_name(user))


async def read_choices(
    client: BitrixClient,
    entity_type: EntityType,
    category_id: int,
    *,
    responsible_user_id: int | None,
    source_chosen: bool,
    adds_contact: bool,
    refusals: Iterable[str] = (),
) -> PortalChoices:
    """Everything the form offers for ``entity_type`` (and pipeline ``category_id`` of deals).

    ``adds_contact``: each create also adds the applicant's contact (deals; leads when the portal
    links contacts), whose required fields join the warning. ``refusals`` are the reasons the
    portal gave for the creates it refused: the required fields they name join those
    ``crm.*.fields`` flags.

    Raises whatever :class:`~hhsync.bitrix.errors.BitrixError` the portal answers.
    """
    responsible = await read_responsible(client, responsible_user_id)
    leads_available = (await client.crm_mode()).has_leads
    categories = await client.category_list(DEAL_ENTITY_TYPE_ID)
    sources = await client.status_list({"ENTITY_ID": "SOURCE"})
    directory = stage_directory(entity_type, category_id)
    known_categories = {category.id for category in categories}
    if entity_type == EntityType.DEAL and category_id not in known_categories:
        stages = []
    else:
        stages = await client.status_list({"ENTITY_ID": directory})
    kind = entity_kind(entity_type)
    fields = await client.fields(kind)
    fields_of: dict[str, dict[str, FieldDescription]] = {kind: fields}
    required = unfilled_required(fields, entity_type, source_chosen=source_chosen)
    if adds_contact:
        contact_fields = await client.fields(CONTACT)
        fields_of[CONTACT] = contact_fields
        required += unfilled_contact_required(contact_fields, source_chosen=source_chosen)
    return PortalChoices(
        entity_type=entity_type,
        category_id=category_id,
        responsible=responsible,
        categories=tuple(Choice(str(c.id), c.name) for c in categories),
        sources=tuple(Choice(s.STATUS_ID, s.NAME) for s in sources),
        stages=tuple(
            Choice(s.STATUS_ID, s.NAME) for s in sorted(stages, key=lambda s: s.SORT or 0)
        ),
        required=tuple(
            with_refused(required, kind, fields_of, (explain(text) for text in refusals))
        ),
        leads_available=leads_available,
    )
