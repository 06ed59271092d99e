"""PURE: the Bitrix24 methods hhsync uses, as :class:`Command` builders and result parsers.

A builder returns the exact method and params a call sends, so one definition serves a single call
(:class:`hhsync.bitrix.client.BitrixClient`) and a ``batch`` alike; a parser turns that method's
documented ``result`` into a model. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal

from hhsync.bitrix.batch import Command
from hhsync.bitrix.models import (
    ActivityLayout,
    AppInfo,
    Category,
    Deal,
    DuplicateMatches,
    EventHandler,
    FieldDescription,
    Lead,
    PlacementHandler,
    Status,
    StatusItem,
    User,
    UserField,
    UserFieldSpec,
)

EntityKind = Literal["lead", "deal"]
OWNER_TYPE_ID: Final[dict[EntityKind, int]] = {"lead": 1, "deal": 2}
"""CRM entity type ids (``ownerTypeId``/``entityTypeId``): 1 lead, 2 deal (Bitrix24 REST docs)."""
MAX_DUPLICATE_VALUES: Final = 20
DEAL_ENTITY_TYPE_ID: Final = 2


# --- Builders ----------------------------------------------------------------------------------


def entity_add(kind: EntityKind, fields: Mapping[str, Any], *, notify: bool = False) -> Command:
    """``crm.<kind>.add``; ``notify`` = REGISTER_SONET_EVENT (feed post + notification)."""
    return Command(
        f"crm.{kind}.add",
        {"fields": dict(fields), "params": {"REGISTER_SONET_EVENT": "Y" if notify else "N"}},
    )


def entity_update(kind: EntityKind, entity_id: int | str, fields: Mapping[str, Any]) -> Command:
    """``crm.<kind>.update`` with only the changed fields (``entity_id`` may be a ``$result``)."""
    return Command(
        f"crm.{kind}.update",
        {"id": entity_id, "fields": dict(fields), "params": {"REGISTER_SONET_EVENT": "N"}},
    )


def entity_get(kind: EntityKind, entity_id: int | str) -> Command:
    """``crm.<kind>.get``: all fields including ``UF_*`` (multifields only when set)."""
    return Command(f"crm.{kind}.get", {"id": entity_id})


def entity_list(
    kind: EntityKind,
    filter_: Mapping[str, Any] | None = None,
    select: Sequence[str] = ("*", "UF_*", "PHONE", "EMAIL"),
    order: Mapping[str, str] | None = None,
) -> Command:
    """``crm.<kind>.list``; multifields must be selected by name (``*`` excludes them).

    The ``select`` rule of the Bitrix24 REST docs for list methods.
    """
    params: dict[str, Any] = {"filter": dict(filter_ or {}), "select": list(select)}
    if order:
        params["order"] = dict(order)
    return Command(f"crm.{kind}.list", params)


def find_by_origin(kind: EntityKind, originator_id: str, origin_id: str) -> Command:
    """The ids of entities hhsync created for one source record (by ORIGINATOR_ID + ORIGIN_ID)."""
    return Command(
        f"crm.{kind}.list",
        {
            "filter": {"ORIGINATOR_ID": originator_id, "ORIGIN_ID": origin_id},
            "select": ["ID"],
            "order": {"ID": "ASC"},
            "start": -1,
        },
    )


def find_stages_by_origin(
    kind: EntityKind, originator_id: str, origin_id: str, also: Sequence[str] = ()
) -> Command:
    """Like :func:`find_by_origin`, with each entity's stage (a lead's ``STATUS_ID``, a deal's
    ``STAGE_ID``): what an adoption must record as the stage hhsync last set; ``also`` selects
    more fields (user fields by name: a list's ``UF_*`` leaves out multiple ones)."""
    command = find_by_origin(kind, originator_id, origin_id)
    stage = "STATUS_ID" if kind == "lead" else "STAGE_ID"
    return Command(command.method, {**command.params, "select": ["ID", stage, *also]})


def parse_stages(rows: Any) -> dict[int, str | None]:
    """``ID`` → stage of each row of a :func:`find_stages_by_origin` result."""
    found: dict[int, str | None] = {}
    for row in rows or []:
        stage = row.get("STATUS_ID", row.get("STAGE_ID"))
        found[int(row["ID"])] = None if stage in (None, "") else str(stage)
    return found


def parse_values(rows: Any, name: str) -> dict[int, str | None]:
    """``ID`` → the field ``name`` of each row of a list result (None when empty or absent)."""
    found: dict[int, str | None] = {}
    for row in rows or []:
        value = row.get(name)
        found[int(row["ID"])] = None if value in (None, "") else str(value)
    return found


def entity_fields(kind: EntityKind | Literal["contact"]) -> Command:
    """``crm.<kind>.fields``: field descriptions, user fields included (leads, deals, contacts)."""
    return Command(f"crm.{kind}.fields")


def userfield_add(kind: EntityKind, spec: UserFieldSpec) -> Command:
    """``crm.<kind>.userfield.add`` (CRM administrator only)."""
    return Command(f"crm.{kind}.userfield.add", {"fields": spec.model_dump(exclude_none=True)})


def userfield_list(kind: EntityKind, filter_: Mapping[str, Any] | None = None) -> Command:
    """``crm.<kind>.userfield.list`` (string-typed metadata; ``LANG`` makes labels strings)."""
    return Command(
        f"crm.{kind}.userfield.list",
        {"filter": dict(filter_ or {}), "order": {"SORT": "ASC", "ID": "ASC"}},
    )


def status_list(filter_: Mapping[str, Any] | None = None) -> Command:
    """``crm.status.list`` (e.g. ``{"ENTITY_ID": "DEAL_STAGE_2"}``)."""
    return Command("crm.status.list", {"filter": dict(filter_ or {}), "order": {"SORT": "ASC"}})


def status_entity_items(entity_id: str) -> Command:
    """``crm.status.entity.items``: entries of one directory (``STATUS``, ``DEAL_STAGE_n``...)."""
    return Command("crm.status.entity.items", {"entityId": entity_id})


def category_list(entity_type_id: int = DEAL_ENTITY_TYPE_ID) -> Command:
    """``crm.category.list``: pipelines, the default one (``id`` 0) included."""
    return Command("crm.category.list", {"entityTypeId": entity_type_id})


def duplicate_find_by_comm(
    comm_type: Literal["PHONE", "EMAIL"],
    values: Sequence[str],
    entity_type: Literal["LEAD", "CONTACT", "COMPANY"] | None = None,
) -> Command:
    """``crm.duplicate.findbycomm``; at most 20 values per call (Bitrix24 REST docs)."""
    if not values or len(values) > MAX_DUPLICATE_VALUES:
        raise ValueError(f"findbycomm takes 1..{MAX_DUPLICATE_VALUES} values, got {len(values)}")
    params: dict[str, Any] = {"type": comm_type, "values": list(values)}
    if entity_type:
        params["entity_type"] = entity_type
    return Command("crm.duplicate.findbycomm", params)


def activity_configurable_add(
    kind: EntityKind,
    owner_id: int | str,
    layout: ActivityLayout | Mapping[str, Any],
    fields: Mapping[str, Any] | None = None,
) -> Command:
    """``crm.activity.configurable.add``; the layout is checked (1..20 blocks) before sending.

    Raises ValueError (pydantic ValidationError) for a layout the portal would refuse.
    """
    checked = (
        layout if isinstance(layout, ActivityLayout) else ActivityLayout.model_validate(layout)
    )
    return Command(
        "crm.activity.configurable.add",
        {
            "ownerTypeId": OWNER_TYPE_ID[kind],
            "ownerId": owner_id,
            "fields": dict(fields or {}),
            "layout": checked.model_dump(exclude_none=True),
        },
    )


def activity_configurable_get(activity_id: int) -> Command:
    """``crm.activity.configurable.get``."""
    return Command("crm.activity.configurable.get", {"id": activity_id})


def activity_todo_add(
    kind: EntityKind,
    owner_id: int | str,
    deadline: str,
    title: str,
    description: str = "",
    responsible_id: int | None = None,
) -> Command:
    """``crm.activity.todo.add``; ``deadline`` is required (ISO, e.g. ``2025-02-03T15:00:00``)."""
    params: dict[str, Any] = {
        "ownerTypeId": OWNER_TYPE_ID[kind],
        "ownerId": owner_id,
        "deadline": deadline,
        "title": title,
        "description": description,
    }
    if responsible_id is not None:
        params["responsibleId"] = responsible_id
    return Command("crm.activity.todo.add", params)


def activity_list(filter_: Mapping[str, Any], select: Sequence[str] = ("ID",)) -> Command:
    """``crm.activity.list`` (e.g. by ``OWNER_TYPE_ID``/``OWNER_ID``/``ORIGIN_ID``)."""
    return Command("crm.activity.list", {"filter": dict(filter_), "select": list(select)})


def find_activities_by_origin(
    kind: EntityKind | None, originator_id: str, origin_id: str, owner_id: int | None = None
) -> Command:
    """The activities hhsync added for one source record (``originatorId``/``originId``).

    ``crm.activity.list`` filters on the activity's ORIGINATOR_ID/ORIGIN_ID and its owner; without
    ``owner_id`` every owner of ``kind`` matches (of any kind when ``kind`` is None) and the rows'
    OWNER_TYPE_ID and OWNER_ID tell them apart.
    """
    filter_: dict[str, Any] = {"ORIGINATOR_ID": originator_id, "ORIGIN_ID": origin_id}
    if kind is not None:
        filter_["OWNER_TYPE_ID"] = OWNER_TYPE_ID[kind]
    if owner_id is not None:
        filter_["OWNER_ID"] = owner_id
    return Command(
        "crm.activity.list",
        {
            "filter": filter_,
            "select": ["ID", "OWNER_TYPE_ID", "OWNER_ID"],
            "order": {"ID": "ASC"},
            "start": -1,
        },
    )


def timeline_comment_add(kind: EntityKind, entity_id: int | str, comment: str) -> Command:
    """``crm.timeline.comment.add``; only lowercase ``fields`` and ``ENTITY_TYPE`` are accepted."""
    return Command(
        "crm.timeline.comment.add",
        {"fields": {"ENTITY_ID": entity_id, "ENTITY_TYPE": kind, "COMMENT": comment}},
    )


def user_get(filter_: Mapping[str, Any] | None = None, *, active_only: bool = True) -> Command:
    """``user.get``; fired users are included unless ``ACTIVE`` is filtered (documented)."""
    filter_dict = dict(filter_ or {})
    if active_only:
        filter_dict.setdefault("ACTIVE", True)
    return Command("user.get", {"FILTER": filter_dict, "sort": "ID", "order": "ASC"})


def user_by_id(user_id: int) -> Command:
    """``user.get`` of one user by ``ID``, fired or not (``ACTIVE`` is not filtered)."""
    return Command("user.get", {"FILTER": {"ID": user_id}})


def user_search(find: str) -> Command:
    """``user.search`` by full text (``FIND`` excludes field filters)."""
    return Command("user.search", {"FILTER": {"FIND": find}})


def event_get() -> Command:
    """``event.get``: the app's bound event handlers (application context only)."""
    return Command("event.get")


def event_bind(event: str, handler: str) -> Command:
    """``event.bind`` of an online ``event`` to ``handler`` (returns true)."""
    return Command("event.bind", {"event": event, "handler": handler})


def placement_get() -> Command:
    """``placement.get``: the app's bound widgets (administrator only)."""
    return Command("placement.get")


def placement_bind(placement: str, handler: str, title: str, description: str = "") -> Command:
    """``placement.bind`` of a widget to ``handler`` (administrator only; returns true)."""
    return Command(
        "placement.bind",
        {"PLACEMENT": placement, "HANDLER": handler, "TITLE": title, "DESCRIPTION": description},
    )


# --- Parsers -----------------------------------------------------------------------------------


def parse_int(result: Any) -> int:
    """``*.add`` results: an int id (or ``{"id": N}``, ``{"activity": {"id": N}}``)."""
    if isinstance(result, Mapping):
        inner = result.get("activity", result)
        if isinstance(inner, Mapping) and "id" in inner:
            return int(inner["id"])
        raise ValueError(f"no id in {result!r}")
    if isinstance(result, bool):
        raise ValueError(f"expected an id, got {result!r}")
    return int(result)


def parse_true(result: Any) -> bool:
    """``*.update`` results: ``true``."""
    return result is True or result == 1 or result == "1"


def parse_entity(kind: EntityKind, result: Any) -> Lead | Deal:
    """A lead or deal from ``crm.<kind>.get``/``list`` rows."""
    return Lead.model_validate(result) if kind == "lead" else Deal.model_validate(result)


def parse_fields(result: Any) -> dict[str, FieldDescription]:
    """``crm.<kind>.fields`` → description per field name."""
    return {name: FieldDescription.model_validate(item) for name, item in dict(result).items()}


def parse_ids(rows: Any) -> list[int]:
    """The ``ID`` of each row of a list result."""
    return [int(row["ID"]) for row in rows or []]


def parse_activity_owners(rows: Any) -> list[tuple[int, int]]:
    """``(ID, OWNER_ID)`` of each ``crm.activity.list`` row."""
    return [(int(row["ID"]), int(row["OWNER_ID"])) for row in rows or []]


def parse_activity_owner_kinds(rows: Any) -> list[tuple[int, EntityKind | None, int]]:
    """``(ID, owner's kind, OWNER_ID)`` of each ``crm.activity.list`` row that selected
    OWNER_TYPE_ID (None: an owner that is neither a lead nor a deal)."""
    kinds = {type_id: kind for kind, type_id in OWNER_TYPE_ID.items()}
    return [
        (int(row["ID"]), kinds.get(int(row["OWNER_TYPE_ID"])), int(row["OWNER_ID"]))
        for row in rows or []
    ]


def parse_userfields(rows: Any) -> list[UserField]:
    """``crm.<kind>.userfield.list`` rows."""
    return [UserField.model_validate(row) for row in rows or []]


def parse_statuses(rows: Any) -> list[Status]:
    """``crm.status.list`` rows."""
    return [Status.model_validate(row) for row in rows or []]


def parse_status_items(rows: Any) -> list[StatusItem]:
    """``crm.status.entity.items`` rows."""
    return [StatusItem.model_validate(row) for row in rows or []]


def parse_categories(result: Any) -> list[Category]:
    """``crm.category.list`` → ``{"categories": [...]}``."""
    rows = result.get("categories", []) if isinstance(result, Mapping) else []
    return [Category.model_validate(row) for row in rows]


def parse_users(rows: Any) -> list[User]:
    """``user.get``/``user.search`` rows."""
    return [User.model_validate(row) for row in rows or []]


def parse_user(result: Any) -> User:
    """``user.current``."""
    return User.model_validate(result)


def parse_app_info(result: Any) -> AppInfo:
    """``app.info``."""
    return AppInfo.model_validate(result)


def parse_duplicates(result: Any) -> DuplicateMatches:
    """``crm.duplicate.findbycomm`` (``[]`` means nothing found)."""
    return DuplicateMatches.model_validate(result)


def parse_event_handlers(rows: Any) -> list[EventHandler]:
    """``event.get``'s list."""
    return [EventHandler.model_validate(row) for row in rows or []]


def parse_placement_handlers(rows: Any) -> list[PlacementHandler]:
    """``placement.get``'s list."""
    return [PlacementHandler.model_validate(row) for row in rows or []]
