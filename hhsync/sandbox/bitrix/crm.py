"""Legacy ``crm.lead.*``, ``crm.deal.*``, ``crm.contact.*``: add, update, get, list, delete, fields.

Faithful quirks (Bitrix24 REST docs, crm.lead.* and crm.deal.*): numbers come back as strings,
``*.add`` returns an int and ``*.update`` ``true``; unknown and read-only fields are silently
ignored; multifields get row ids and are absent from ``get`` when empty; ``crm.deal.update``
silently keeps the pipeline; required fields configured on the portal (standard or UF) make
add/update fail with ``"error": ""`` and one ``The required field '…' is missing.<br />`` line per
field, creating nothing. Contacts use the same code: they carry multifields like leads, have no
title or stage, and a missing one is ``Contact is not found`` (the documented
``crm.contact.update`` error). Links between contacts and leads/deals are in
:mod:`hhsync.sandbox.bitrix.links`.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any

from hhsync.sandbox.bitrix.context import CallContext, Handler, KindOperation, MethodRegistry
from hhsync.sandbox.bitrix.envelope import MethodResult, RestError, iso, legacy_error
from hhsync.sandbox.bitrix.fields import (
    FIELDS_BY_KIND,
    MULTIFIELDS,
    PERSON_KINDS,
    VALUE_TYPES,
    spec_map,
)
from hhsync.sandbox.bitrix.filter import matches, paginate, parse_filter, sort_rows
from hhsync.sandbox.bitrix.links import LINK_FIELDS, unlink_contact, write_link
from hhsync.sandbox.bitrix.params import as_int, flag, lower_keys
from hhsync.sandbox.bitrix.store import CrmEntity, MultiValue, Portal
from hhsync.sandbox.bitrix.userfields import commit_files, read_uf_value, write_uf_value

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CHAR_FIELDS = {
    "OPENED",
    "CLOSED",
    "IS_MANUAL_OPPORTUNITY",
    "IS_RECURRING",
    "IS_RETURN_CUSTOMER",
    "IS_REPEATED_APPROACH",
}
_MONEY_FIELDS = {"OPPORTUNITY", "TAX_VALUE"}
_INT_FIELDS = {
    "ASSIGNED_BY_ID",
    "COMPANY_ID",
    "CONTACT_ID",
    "PROBABILITY",
    "LEAD_ID",
    "ADDRESS_LOC_ADDR_ID",
}
_EMAIL_LABELS = {
    "WORK": "Work e-mail",
    "HOME": "Private e-mail",
    "MAILING": "Newsletter e-mail",
    "OTHER": "Other e-mail",
}


def _semantic(portal: Portal, entity_id: str, status_id: str) -> str:
    for status in portal.statuses_of(entity_id):
        if status.status_id == status_id:
            return status.semantics or "P"
    return "P"


def _stage_entity(portal: Portal, category_id: int) -> str:
    return portal.categories[category_id].stage_entity


def _status_ids(portal: Portal, entity_id: str) -> list[str]:
    return [s.status_id for s in portal.statuses_of(entity_id)]


def _midnight(ctx: CallContext, days: int = 0) -> str:
    local = ctx.now.astimezone(ctx.zone).date() + timedelta(days=days)
    return iso(datetime.combine(local, time(0), ctx.zone), ctx.zone)


def _defaults(ctx: CallContext, kind: str, entity_id: int) -> dict[str, Any]:
    stamp, user = ctx.stamp(), str(ctx.user.id)
    fields: dict[str, Any] = {
        spec.name: None
        for spec in FIELDS_BY_KIND[kind]
        # list-valued links are kept apart (``entity.contact_ids``) and not returned by ``get``
        if spec.type != "crm_multifield" and spec.name not in {"CONTACT_IDS", "COMPANY_IDS"}
    }
    if kind == "contact":
        fields.update(
            {
                "ID": str(entity_id),
                "TYPE_ID": "CLIENT",
                "OPENED": "Y",
                "EXPORT": "Y",
                "HAS_PHONE": "N",
                "HAS_EMAIL": "N",
                "HAS_IMOL": "N",
                "ASSIGNED_BY_ID": user,
                "CREATED_BY_ID": user,
                "MODIFY_BY_ID": user,
                "DATE_CREATE": stamp,
                "DATE_MODIFY": stamp,
                "LAST_ACTIVITY_BY": user,
                "LAST_ACTIVITY_TIME": stamp,
            }
        )
        return fields
    title_word = (
        {"lead": "Лид", "deal": "Сделка"}
        if ctx.portal.lang == "ru"
        else {"lead": "Lead", "deal": "Deal"}
    )
    fields.update(
        {
            "ID": str(entity_id),
            "TITLE": f"{title_word[kind]} #{entity_id}",
            "CURRENCY_ID": "RUB",
            "OPPORTUNITY": "0.00",
            "IS_MANUAL_OPPORTUNITY": "N",
            "ASSIGNED_BY_ID": user,
            "CREATED_BY_ID": user,
            "MODIFY_BY_ID": user,
            "DATE_CREATE": stamp,
            "DATE_MODIFY": stamp,
            "OPENED": "Y",
            "IS_RETURN_CUSTOMER": "N",
            "MOVED_BY_ID": user,
            "MOVED_TIME": stamp,
            "LAST_ACTIVITY_BY": user,
            "LAST_ACTIVITY_TIME": stamp,
        }
    )
    if kind == "lead":
        fields.update(
            {
                "STATUS_ID": "NEW",
                "BIRTHDATE": "",
                "DATE_CLOSED": "",
                "HAS_PHONE": "N",
                "HAS_EMAIL": "N",
                "HAS_IMOL": "N",
                "STATUS_SEMANTIC_ID": "P",
            }
        )
    else:
        fields.update(
            {
                "TYPE_ID": "SALE",
                "CATEGORY_ID": "0",
                "TAX_VALUE": "0.00",
                "BEGINDATE": _midnight(ctx),
                "CLOSEDATE": _midnight(ctx, 7),
                "CLOSED": "N",
                "IS_NEW": "Y",
                "IS_RECURRING": "N",
                "IS_REPEATED_APPROACH": "N",
                "SOURCE_ID": "CALL",
                "STAGE_SEMANTIC_ID": "P",
            }
        )
    return fields


def _write_multifields(ctx: CallContext, entity: CrmEntity, type_id: str, rows: Any) -> None:
    if isinstance(rows, dict):
        rows = [rows]
    if not isinstance(rows, list):
        return  # a scalar where rows are expected is ignored, like any wrong shape
    for row in rows:
        if not isinstance(row, dict):
            continue
        row_id = as_int(row.get("ID"))
        value = row.get("VALUE")
        existing = next((m for m in entity.multi if m.id == row_id and m.type_id == type_id), None)
        if row_id is not None:
            if existing is None:
                continue
            if flag(row.get("DELETE")) or value in (None, ""):
                entity.multi.remove(existing)
                continue
        if value in (None, ""):
            continue
        value_type = str(row.get("VALUE_TYPE") or (existing.value_type if existing else "WORK"))
        value_type = value_type.upper()
        if value_type not in VALUE_TYPES[type_id]:
            raise legacy_error(f"Invalid value type '{value_type}' for field '{type_id}'.")
        text = str(value).strip()
        if type_id == "EMAIL" and not _EMAIL.match(text):
            label = _EMAIL_LABELS.get(value_type, "E-mail")
            raise RestError("ERROR_CORE", f"The field `{label}` contains an invalid address", 400)
        if existing is not None:
            existing.value, existing.value_type = text, value_type
        else:
            entity.multi.append(
                MultiValue(ctx.portal.next_id("multifield"), type_id, value_type, text)
            )


def _scalar(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return ("Y" if value else "N") if name in _CHAR_FIELDS else ("1" if value else "")
    if isinstance(value, (dict, list)):
        raise legacy_error(f"Invalid value of field '{name}'.")
    text = str(value)
    if name in _CHAR_FIELDS:
        return "Y" if flag(text) else "N"
    if name in _MONEY_FIELDS:
        try:
            return f"{float(text or 0):.2f}"
        except ValueError as exc:
            raise legacy_error(f"Invalid value of field '{name}'.") from exc
    if name in _INT_FIELDS:
        number = as_int(text)
        if number is None and text != "":
            raise legacy_error(f"Invalid value of field '{name}'.")
        return None if number is None else str(number)
    return text


def _validate_references(
    ctx: CallContext, kind: str, name: str, text: str | None, category_id: int
) -> None:
    """Stricter than documented: unknown directory ids and users are refused, not stored."""
    portal = ctx.portal
    if text in (None, ""):
        return
    if name == "STATUS_ID" and kind == "lead" and text not in _status_ids(portal, "STATUS"):
        raise legacy_error(f"Status '{text}' is not found.")
    if name == "SOURCE_ID" and text not in _status_ids(portal, "SOURCE"):
        raise legacy_error(f"Source '{text}' is not found.")
    if name == "STAGE_ID" and text not in _status_ids(portal, _stage_entity(portal, category_id)):
        # a stage of another pipeline is refused (assumed: not documented)
        raise legacy_error(f"Stage '{text}' is not found in the pipeline #{category_id}.")
    if name == "ASSIGNED_BY_ID" and as_int(text) not in portal.users:
        raise legacy_error(f"User #{text} is not found.")


def _apply(
    ctx: CallContext, kind: str, entity: CrmEntity, fields: dict[str, Any], creating: bool
) -> None:
    specs = spec_map(kind)
    portal = ctx.portal
    if kind == "deal":
        if creating and "CATEGORY_ID" in fields:
            category_id = as_int(fields["CATEGORY_ID"])
            if category_id is None or category_id not in portal.categories:
                raise legacy_error(f"Category with ID '{fields['CATEGORY_ID']}' is not found.")
            entity.fields["CATEGORY_ID"] = str(category_id)
        category = int(entity.fields["CATEGORY_ID"])
        if creating and not fields.get("STAGE_ID"):
            entity.fields["STAGE_ID"] = _status_ids(portal, _stage_entity(portal, category))[0]
    category = int(entity.fields.get("CATEGORY_ID") or 0)
    userfields = {u.field_name: u for u in portal.userfields_of(kind)}
    for name, value in fields.items():
        # field names are case-sensitive: a lowercase ``title`` is an unknown field, ignored
        if name in MULTIFIELDS and kind in PERSON_KINDS:
            _write_multifields(ctx, entity, name, value)
            continue
        if name in LINK_FIELDS and name in specs:
            write_link(portal, entity, name, value)
            continue
        if name in userfields:
            write_uf_value(ctx, entity, userfields[name], value)
            continue
        spec = specs.get(name)
        if spec is None or spec.read_only or name == "CATEGORY_ID":
            continue  # unknown, read-only and (on update) pipeline changes are silently ignored
        text = _scalar(name, value)
        _validate_references(ctx, kind, name, text, category)
        if name in {"STATUS_ID", "STAGE_ID"} and text != entity.fields.get(name):
            entity.fields["MOVED_TIME"] = ctx.stamp()
            entity.fields["MOVED_BY_ID"] = str(ctx.user.id)
        entity.fields[name] = text
    if kind in PERSON_KINDS:
        entity.fields["HAS_PHONE"] = "Y" if any(m.type_id == "PHONE" for m in entity.multi) else "N"
        entity.fields["HAS_EMAIL"] = "Y" if any(m.type_id == "EMAIL" for m in entity.multi) else "N"
    if kind == "contact":
        return
    if kind == "lead":
        entity.fields["STATUS_SEMANTIC_ID"] = _semantic(
            portal, "STATUS", entity.fields["STATUS_ID"] or "NEW"
        )
    else:
        entity.fields["STAGE_SEMANTIC_ID"] = _semantic(
            portal, _stage_entity(portal, category), entity.fields["STAGE_ID"] or ""
        )
        entity.fields["CLOSED"] = "N" if entity.fields["STAGE_SEMANTIC_ID"] == "P" else "Y"


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _check_required(portal: Portal, kind: str, entity: CrmEntity) -> None:
    """Every configured required field must be filled; else fail with all their names.

    The exact current wording is not documented; we use the one quoted in
    public reports, one line per field, each ending in ``<br />``.
    """
    missing: list[str] = []
    stage_field = {"lead": "STATUS_ID", "deal": "STAGE_ID"}.get(kind)
    stage = (entity.fields.get(stage_field) if stage_field else None) or ""
    wanted = {**portal.required[kind], **portal.stage_required[kind].get(stage, {})}
    for name, label in wanted.items():
        if name in MULTIFIELDS:
            empty = not any(m.type_id == name for m in entity.multi)
        elif name.startswith("UF_"):
            empty = _is_empty(entity.uf.get(name))
        else:
            empty = _is_empty(entity.fields.get(name))
        if empty:
            missing.append(label)
    for uf in portal.userfields_of(kind):
        if uf.mandatory and uf.field_name not in wanted and _is_empty(entity.uf.get(uf.field_name)):
            missing.append(uf.label)
    if missing:
        raise legacy_error("".join(f"The required field '{m}' is missing.<br />" for m in missing))


def _fields_param(params: dict[str, Any]) -> dict[str, Any]:
    raw = params.get("fields", params.get("FIELDS"))
    if not isinstance(raw, dict):
        raise legacy_error("Parameter 'fields' must be array.")
    return raw


def _entity_id(params: dict[str, Any]) -> int:
    entity_id = as_int(lower_keys(params).get("id"))
    if entity_id is None or entity_id <= 0:
        raise legacy_error("ID is not defined or invalid.")
    return entity_id


_NOT_FOUND = {"contact": "Contact is not found"}  # crm.contact.update.error.not-found.json


def visible(ctx: CallContext, entity: CrmEntity) -> bool:
    """Whether the token's user may read ``entity`` (managers may be limited to their own)."""
    if ctx.user.admin or not ctx.portal.managers_see_own_only:
        return True
    return entity.fields.get("ASSIGNED_BY_ID") == str(ctx.user.id)


def _find(ctx: CallContext, kind: str, params: dict[str, Any]) -> CrmEntity:
    entity = ctx.portal.entities[kind].get(_entity_id(params))
    if entity is None:
        raise legacy_error(_NOT_FOUND.get(kind, "Not found"))
    if not visible(ctx, entity):
        raise legacy_error("Access denied.")
    return entity


def _snapshot(entity: CrmEntity) -> CrmEntity:
    copy = CrmEntity(
        entity.kind,
        entity.id,
        dict(entity.fields),
        [MultiValue(m.id, m.type_id, m.value_type, m.value) for m in entity.multi],
        dict(entity.uf),
    )
    copy.contact_ids = list(entity.contact_ids)
    return copy


def add(ctx: CallContext, kind: str, params: dict[str, Any]) -> MethodResult:
    """``crm.{kind}.add``: validate everything, then store; returns the int id."""
    fields = _fields_param(params)
    portal = ctx.portal
    draft = CrmEntity(kind, 0, _defaults(ctx, kind, 0))
    _apply(ctx, kind, draft, fields, creating=True)
    _check_required(portal, kind, draft)
    entity_id = portal.next_id(kind)
    draft.id = entity_id
    draft.fields["ID"] = str(entity_id)
    if kind != "contact" and not fields.get("TITLE"):  # the draft's default says "#0"
        draft.fields["TITLE"] = _defaults(ctx, kind, entity_id)["TITLE"]
    commit_files(portal, draft)
    portal.entities[kind][entity_id] = draft
    return MethodResult(entity_id)


def update(ctx: CallContext, kind: str, params: dict[str, Any]) -> MethodResult:
    """``crm.{kind}.update``: only the passed fields change; all-or-nothing; returns true."""
    entity = _find(ctx, kind, params)
    fields = _fields_param(params)
    draft = _snapshot(entity)
    _apply(ctx, kind, draft, fields, creating=False)
    # Stricter than the card: required fields are checked on the merged entity, so an entity
    # created before a field became required cannot be updated until it is filled.
    _check_required(ctx.portal, kind, draft)
    draft.fields["DATE_MODIFY"] = ctx.stamp()
    draft.fields["MODIFY_BY_ID"] = str(ctx.user.id)
    commit_files(ctx.portal, draft)
    entity.fields, entity.multi, entity.uf = draft.fields, draft.multi, draft.uf
    entity.contact_ids = draft.contact_ids
    return MethodResult(True)


def delete(ctx: CallContext, kind: str, params: dict[str, Any]) -> MethodResult:
    """``crm.{kind}.delete``: removes the entity; returns true."""
    entity = _find(ctx, kind, params)
    del ctx.portal.entities[kind][entity.id]
    if kind == "contact":
        unlink_contact(ctx.portal, entity.id)
    return MethodResult(True)


def render(ctx: CallContext, entity: CrmEntity, select: list[str] | None = None) -> dict[str, Any]:
    """The entity as ``get``/``list`` return it (``select`` None = everything, as ``get``)."""
    kind = entity.kind
    userfields = ctx.portal.userfields_of(kind)
    if select is None:
        wanted_std = [n for n in entity.fields]
        wanted_multi = list(MULTIFIELDS)
        wanted_uf = [u.field_name for u in userfields]
    else:
        names = [s.upper() for s in select]
        star = "*" in names
        wanted_std = [n for n in entity.fields if n == "ID" or star or n in names]
        wanted_multi = [n for n in MULTIFIELDS if n in names]
        wanted_uf = [
            u.field_name
            for u in userfields
            if u.field_name in names or ("UF_*" in names and not u.multiple)
        ]
    row: dict[str, Any] = {name: entity.fields[name] for name in wanted_std}
    if kind in PERSON_KINDS:
        for type_id in wanted_multi:
            values = [m for m in entity.multi if m.type_id == type_id]
            if values:
                row[type_id] = [
                    {
                        "ID": str(m.id),
                        "VALUE_TYPE": m.value_type,
                        "VALUE": m.value,
                        "TYPE_ID": m.type_id,
                    }
                    for m in values
                ]
    for uf in userfields:
        if uf.field_name in wanted_uf:
            present, value = read_uf_value(ctx, entity, uf)
            if present:
                row[uf.field_name] = value
    return row


def get(ctx: CallContext, kind: str, params: dict[str, Any]) -> MethodResult:
    """``crm.{kind}.get``."""
    return MethodResult(render(ctx, _find(ctx, kind, params)))


def _values_for_filter(ctx: CallContext, entity: CrmEntity, name: str) -> list[Any] | None:
    if name in entity.fields:
        return [entity.fields[name]]
    if name in MULTIFIELDS:
        return [m.value for m in entity.multi if m.type_id == name]
    uf = ctx.portal.userfields.get(name)
    if uf is not None and uf.kind == entity.kind:
        value = entity.uf.get(name)
        if isinstance(value, list):
            return value
        return [value]
    return None


def list_entities(ctx: CallContext, kind: str, params: dict[str, Any]) -> MethodResult:
    """``crm.{kind}.list`` with ``filter``, ``order``, ``select``, ``start`` (50 per page)."""
    lowered = lower_keys(params)
    conditions = parse_filter(lowered.get("filter"))
    rows = [
        e
        for e in ctx.portal.entities[kind].values()
        if visible(ctx, e)
        and all(matches(_values_for_filter(ctx, e, c.field), c) for c in conditions)
    ]
    rows = sort_rows(
        rows, lowered.get("order"), lambda e, name: (_values_for_filter(ctx, e, name) or [None])[0]
    )
    page = paginate(rows, lowered.get("start"))
    raw_select = lowered.get("select")
    select = [str(s) for s in raw_select] if isinstance(raw_select, list) and raw_select else ["*"]
    return MethodResult([render(ctx, e, select) for e in page.rows], page.total, page.next)


def fields(ctx: CallContext, kind: str, params: dict[str, Any]) -> MethodResult:
    """``crm.{kind}.fields``: standard fields then user fields (``isDynamic: true``).

    ``isRequired`` stays false for standard fields made required on the portal, as reported for
    real portals (mesilov/bitrix24-php-sdk#59); only UF ``MANDATORY`` shows.
    """
    del params
    result: dict[str, Any] = {}
    for spec in FIELDS_BY_KIND[kind]:
        result[spec.name] = spec.describe()
    for uf in ctx.portal.userfields_of(kind):
        result[uf.field_name] = {
            "type": uf.user_type_id,
            "isRequired": uf.mandatory,
            "isReadOnly": False,
            "isImmutable": False,
            "isMultiple": uf.multiple,
            "isDynamic": True,
            "title": uf.field_name,
            "listLabel": uf.label,
            "formLabel": uf.label,
            "filterLabel": uf.label,
            "settings": uf.settings,
        }
        if uf.enum_items:
            result[uf.field_name]["items"] = [
                {"ID": i["ID"], "VALUE": i["VALUE"]} for i in uf.enum_items
            ]
    return MethodResult(result)


def _bind(operation: KindOperation, kind: str) -> Handler:
    def handler(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
        return operation(ctx, kind, params)

    return handler


def register(registry: MethodRegistry) -> None:
    """Add the lead, deal and contact methods."""
    operations = {
        "add": add,
        "update": update,
        "get": get,
        "list": list_entities,
        "delete": delete,
        "fields": fields,
    }
    for kind in ("lead", "deal", "contact"):
        for name, operation in operations.items():
            registry.add(
                f"crm.{kind}.{name}",
                _bind(operation, kind),
                "crm",
            )
