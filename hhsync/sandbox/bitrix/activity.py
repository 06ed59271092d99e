"""Timeline methods: configurable activities, to-dos, ``crm.activity.list/get/delete``, comments."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from hhsync.sandbox.bitrix.activity_layout_rules import (
    check_field_values,
    check_layout_codes,
    require_fields,
)
from hhsync.sandbox.bitrix.context import CallContext, MethodRegistry
from hhsync.sandbox.bitrix.envelope import MethodResult, RestError, iso, legacy_error
from hhsync.sandbox.bitrix.filter import matches, paginate, parse_filter, sort_rows
from hhsync.sandbox.bitrix.layout import normalise_layout, validate_layout
from hhsync.sandbox.bitrix.params import as_int, flag, lower_keys
from hhsync.sandbox.bitrix.store import Activity, TimelineComment

CONFIGURABLE_PROVIDER = "CONFIGURABLE_REST_APP"
TODO_PROVIDER = "CRM_TODO"
_ACTIVITY_FIELDS = {
    "typeId",
    "completed",
    "deadline",
    "pingOffsets",
    "isIncomingChannel",
    "responsibleId",
    "badgeCode",
    "originatorId",
    "originId",
}
_COMMENT_ENTITY_TYPES = {"lead": 1, "deal": 2}


def _owner(ctx: CallContext, params: dict[str, Any]) -> tuple[int, int]:
    owner_type = as_int(params.get("ownerTypeId"))
    owner_id = as_int(params.get("ownerId"))
    if owner_type is None or owner_id is None:
        raise RestError("100", "Required parameters 'ownerTypeId' and 'ownerId' are missing", 400)
    if ctx.portal.owner(owner_type, owner_id) is None:
        raise RestError("NOT_FOUND", "Not found.", 400)
    return owner_type, owner_id


def _title(value: Any, lang: str) -> str:
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("en") or next(iter(value.values()), ""))
    return str(value)


def _checked(ctx: CallContext, params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The layout and ``fields`` of an add or update, with the portal's strict rules when on
    (:mod:`.activity_layout_rules`)."""
    layout = validate_layout(params.get("layout"))
    strict = ctx.portal.strict_activity_layout
    raw = require_fields(params.get("fields")) if strict else params.get("fields")
    fields = _activity_fields(ctx, raw, strict)
    if strict:
        check_layout_codes(layout)
    return layout, fields


def _activity_fields(ctx: CallContext, raw: Any, strict: bool) -> dict[str, Any]:
    fields = raw if isinstance(raw, dict) else {}
    for key in fields:
        if key not in _ACTIVITY_FIELDS:
            raise RestError("FIELD_IS_REDUNDANT", f"Field `{key}` is redundant", 400)
    if strict:
        check_field_values(fields)
    type_id = fields.get("typeId") or "CONFIGURABLE"
    if type_id != "CONFIGURABLE":
        raise RestError("WRONG_FIELD_VALUE", f"Activity type `{type_id}` is not found", 400)
    incoming = flag(fields.get("isIncomingChannel"))
    if incoming and fields.get("deadline"):
        raise RestError(
            "INCOMING_ACTIVITY_CAN_NOT_BE_WITH_DEADLINE",
            "An incoming activity can not have a deadline",
            400,
        )
    responsible = as_int(fields.get("responsibleId")) or ctx.user.id
    if responsible not in ctx.portal.users:
        raise RestError("WRONG_FIELD_VALUE", "Field `responsibleId` has a wrong value", 400)
    return {
        "typeId": "CONFIGURABLE",
        "completed": flag(fields.get("completed")),
        "deadline": fields.get("deadline") or None,
        "pingOffsets": list(fields.get("pingOffsets") or []),
        "isIncomingChannel": incoming,
        "responsibleId": responsible,
        "badgeCode": str(fields.get("badgeCode") or ""),
        "originatorId": fields.get("originatorId"),
        "originId": fields.get("originId"),
    }


def configurable_add(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    """``crm.activity.configurable.add``: validated layout; ``{"activity": {"id": N}}``."""
    owner_type, owner_id = _owner(ctx, params)
    layout, fields = _checked(ctx, params)
    activity = Activity(
        id=ctx.portal.next_id("activity"),
        owner_type_id=owner_type,
        owner_id=owner_id,
        provider_id=CONFIGURABLE_PROVIDER,
        provider_type_id="CONFIGURABLE",
        subject=_title(layout["header"]["title"], ctx.portal.lang),
        created=ctx.stamp(),
        author_id=ctx.user.id,
        responsible_id=int(fields["responsibleId"]),
        fields=fields,
        layout=normalise_layout(layout),
        deadline=fields["deadline"],
        completed=bool(fields["completed"]),
        client_id=ctx.client_id,
    )
    ctx.portal.activities[activity.id] = activity
    return MethodResult({"activity": {"id": activity.id}})


def _activity(ctx: CallContext, params: dict[str, Any]) -> Activity:
    activity_id = as_int(lower_keys(params).get("id"))
    activity = ctx.portal.activities.get(activity_id or 0)
    if activity is None:
        raise RestError("NOT_FOUND", "Not found.", 400)
    return activity


def configurable_update(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    """``crm.activity.configurable.update``: only by the application that created it."""
    activity = _activity(ctx, params)
    if activity.provider_id != CONFIGURABLE_PROVIDER or activity.client_id != ctx.client_id:
        raise RestError(
            "ERROR_WRONG_APPLICATION", "Activity was created by another application", 400
        )
    layout, activity.fields = _checked(ctx, params)
    activity.layout = normalise_layout(layout)
    activity.subject = _title(layout["header"]["title"], ctx.portal.lang)
    return MethodResult({"activity": {"id": activity.id}})


def configurable_get(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    """``crm.activity.configurable.get``: ``{activity: {id, ownerTypeId, ownerId, fields, …}}``."""
    activity = _activity(ctx, params)
    if activity.provider_id != CONFIGURABLE_PROVIDER:
        raise RestError("NOT_FOUND", "Not found.", 400)
    return MethodResult(
        {
            "activity": {
                "id": activity.id,
                "ownerTypeId": activity.owner_type_id,
                "ownerId": activity.owner_id,
                "fields": dict(activity.fields),
                "layout": copy.deepcopy(activity.layout),
            }
        }
    )


def todo_add(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    """``crm.activity.todo.add``: ``deadline`` is required and must be a date-time."""
    owner_type, owner_id = _owner(ctx, params)
    deadline_raw = params.get("deadline")
    if not deadline_raw:
        raise RestError("100", "Required parameter 'deadline' is missing", 400)
    try:
        deadline = datetime.fromisoformat(str(deadline_raw))
    except ValueError as exc:
        raise RestError("WRONG_DATETIME_FORMAT", "Wrong datetime format", 400) from exc
    if deadline.tzinfo is None:
        deadline = deadline.replace(tzinfo=ctx.zone)
    responsible = as_int(params.get("responsibleId")) or ctx.user.id
    activity = Activity(
        id=ctx.portal.next_id("activity"),
        owner_type_id=owner_type,
        owner_id=owner_id,
        provider_id=TODO_PROVIDER,
        provider_type_id="TODO",
        subject=str(params.get("title") or ""),
        created=ctx.stamp(),
        author_id=ctx.user.id,
        responsible_id=responsible,
        description=str(params.get("description") or ""),
        deadline=iso(deadline, ctx.zone),
        client_id=ctx.client_id,
    )
    ctx.portal.activities[activity.id] = activity
    return MethodResult({"id": activity.id})


def activity_row(activity: Activity) -> dict[str, Any]:
    """The legacy ``crm.activity.list``/``get`` row (strings, Y/N)."""
    return {
        "ID": str(activity.id),
        "OWNER_ID": str(activity.owner_id),
        "OWNER_TYPE_ID": str(activity.owner_type_id),
        "TYPE_ID": "6",
        "PROVIDER_ID": activity.provider_id,
        "PROVIDER_TYPE_ID": activity.provider_type_id,
        "SUBJECT": activity.subject,
        "CREATED": activity.created,
        "LAST_UPDATED": activity.created,
        "START_TIME": activity.created,
        "END_TIME": activity.deadline or "",
        "DEADLINE": activity.deadline or "",
        "COMPLETED": "Y" if activity.completed else "N",
        "RESPONSIBLE_ID": str(activity.responsible_id),
        "AUTHOR_ID": str(activity.author_id),
        "DESCRIPTION": activity.description,
        "DESCRIPTION_TYPE": "1",
        "ORIGINATOR_ID": activity.fields.get("originatorId"),
        "ORIGIN_ID": activity.fields.get("originId"),
    }


def _selected(row: dict[str, Any], select: Any) -> dict[str, Any]:
    """The row cut to ``select`` (``ID`` always; none or ``*`` = every field)."""
    names = {str(s).upper() for s in select} if isinstance(select, list) and select else {"*"}
    if "*" in names:
        return row
    return {k: v for k, v in row.items() if k == "ID" or k in names}


def activity_list(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    """``crm.activity.list`` with ``filter`` on any row field (``OWNER_TYPE_ID``, ``OWNER_ID``,
    ``PROVIDER_ID``, ``ORIGINATOR_ID``, ``ORIGIN_ID``…), ``order``, ``select`` and ``start``."""
    lowered = lower_keys(params)
    conditions = parse_filter(lowered.get("filter"))
    rows = [activity_row(a) for a in ctx.portal.activities.values()]
    rows = [
        r
        for r in rows
        if all(matches([r[c.field]] if c.field in r else None, c) for c in conditions)
    ]
    rows = sort_rows(rows, lowered.get("order"), lambda r, name: r.get(name))
    page = paginate(rows, lowered.get("start"))
    select = lowered.get("select")
    return MethodResult([_selected(r, select) for r in page.rows], page.total, page.next)


def activity_get(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    """``crm.activity.get``."""
    activity = ctx.portal.activities.get(as_int(lower_keys(params).get("id")) or 0)
    if activity is None:
        raise legacy_error("Not found")
    return MethodResult(activity_row(activity))


def activity_delete(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    """``crm.activity.delete``."""
    activity_id = as_int(lower_keys(params).get("id")) or 0
    if activity_id not in ctx.portal.activities:
        raise legacy_error("Not found")
    del ctx.portal.activities[activity_id]
    return MethodResult(True)


def timeline_comment_add(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    """``crm.timeline.comment.add``: only lowercase ``fields`` and lowercase ``ENTITY_TYPE``."""
    fields = params.get("fields")
    if not isinstance(fields, dict):
        raise RestError("ERROR_ARGUMENT", "Argument 'fields' is null or empty", 400)
    entity_type = str(fields.get("ENTITY_TYPE") or "")
    entity_id = as_int(fields.get("ENTITY_ID"))
    owner_type = _COMMENT_ENTITY_TYPES.get(entity_type)
    if owner_type is None or entity_id is None:
        raise RestError("OWNER_NOT_FOUND", "Owner element is not found", 400)
    if ctx.portal.owner(owner_type, entity_id) is None:
        raise RestError("OWNER_NOT_FOUND", "Owner element is not found", 400)
    comment = str(fields.get("COMMENT") or "").strip()
    if not comment:
        raise RestError("INVALID_ARG_VALUE", "Comment is empty", 400)
    record = TimelineComment(
        ctx.portal.next_id("comment"), entity_type, entity_id, comment, ctx.stamp(), ctx.user.id
    )
    ctx.portal.comments[record.id] = record
    return MethodResult(record.id)


def register(registry: MethodRegistry) -> None:
    """Add the timeline methods."""
    registry.add("crm.activity.configurable.add", configurable_add, "crm")
    registry.add("crm.activity.configurable.update", configurable_update, "crm")
    registry.add("crm.activity.configurable.get", configurable_get, "crm")
    registry.add("crm.activity.todo.add", todo_add, "crm")
    registry.add("crm.activity.list", activity_list, "crm")
    registry.add("crm.activity.get", activity_get, "crm")
    registry.add("crm.activity.delete", activity_delete, "crm")
    registry.add("crm.timeline.comment.add", timeline_comment_add, "crm")
