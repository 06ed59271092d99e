"""Legacy ``crm.lead.*``, ``crm.deal.*``, ``crm.contact.*``: add, update, get, list, delete, fields.

Faithful quirks (Bitrix24 REST docs, crm.lead.* and crm.deal.*): numbers come back as strings,
``*.add`` returns an int and ``*.update`` ``true``; unknown and read-only fields are silently
ignored; multifields get row ids and are absent from ``get`` when empty; ``crm.deal.update``
silently keeps the pipeline; required fields configured on the portal (standard or UF) make
add/update fail with ``"error": ""`` and one ``The required field '…' is missing.<br />`` line per
field (``Не введено значение обязательного поля "…"<br />`` on a Russian portal), creating
nothing. Contacts use the same code: they carry multifields like leads, have no title or stage,
and a missing one is ``Contact is not found`` (the documented
``crm.contact.update`` error). Links between contacts and leads/deals are in
:mod:`hhsync.sandbox.bitrix.links`.
"""

from __future__ import annotations

from typing import Any

from hhsync.sandbox.bitrix.context import CallContext, Handler, KindOperation, MethodRegistry
from hhsync.sandbox.bitrix.crm_defaults import default_fields
from hhsync.sandbox.bitrix.crm_mode import convert_new_lead
from hhsync.sandbox.bitrix.crm_write import apply_fields, check_required
from hhsync.sandbox.bitrix.envelope import MethodResult, legacy_error
from hhsync.sandbox.bitrix.fields import FIELDS_BY_KIND, MULTIFIELDS, PERSON_KINDS
from hhsync.sandbox.bitrix.filter import matches, paginate, parse_filter, sort_rows
from hhsync.sandbox.bitrix.links import unlink_contact
from hhsync.sandbox.bitrix.params import as_int, lower_keys
from hhsync.sandbox.bitrix.store import CrmEntity, MultiValue
from hhsync.sandbox.bitrix.userfields import commit_files, read_uf_value


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
    draft = CrmEntity(kind, 0, default_fields(ctx, kind, 0))
    apply_fields(ctx, kind, draft, fields, creating=True)
    check_required(portal, kind, draft)
    entity_id = portal.next_id(kind)
    draft.id = entity_id
    draft.fields["ID"] = str(entity_id)
    if kind != "contact" and not fields.get("TITLE"):  # the draft's default says "#0"
        draft.fields["TITLE"] = default_fields(ctx, kind, entity_id)["TITLE"]
    commit_files(portal, draft)
    portal.entities[kind][entity_id] = draft
    if kind == "lead":
        convert_new_lead(ctx, draft)  # a simple-CRM portal makes a deal of it at once
    return MethodResult(entity_id)


def update(ctx: CallContext, kind: str, params: dict[str, Any]) -> MethodResult:
    """``crm.{kind}.update``: only the passed fields change; all-or-nothing; returns true."""
    entity = _find(ctx, kind, params)
    fields = _fields_param(params)
    draft = _snapshot(entity)
    apply_fields(ctx, kind, draft, fields, creating=False)
    # Stricter than the card: required fields are checked on the merged entity, so an entity
    # created before a field became required cannot be updated until it is filled.
    check_required(ctx.portal, kind, draft)
    draft.fields["DATE_MODIFY"] = ctx.stamp()
    draft.fields["MODIFY_BY_ID"] = str(ctx.user.id)
    commit_files(ctx.portal, draft)
    entity.fields, entity.multi, entity.uf = draft.fields, draft.multi, draft.uf
    entity.contact_ids = draft.contact_ids
    return MethodResult(True)


def delete(ctx: CallContext, kind: str, params: dict[str, Any]) -> MethodResult:
    """``crm.{kind}.delete``: removes the entity and its timeline; returns true."""
    entity = _find(ctx, kind, params)
    del ctx.portal.entities[kind][entity.id]
    ctx.portal.drop_timeline_of(kind, entity.id)
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
    uf = ctx.portal.userfield(entity.kind, name)
    if uf is not None:
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
