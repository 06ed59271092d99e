"""Applying ``fields`` to a lead, deal or contact draft: value coercion, directory and user
references, pipelines and stage semantics, links, user fields; then the required-field check."""

from __future__ import annotations

from typing import Any, Final

from hhsync.sandbox.bitrix.context import CallContext
from hhsync.sandbox.bitrix.crm_multifields import write_multifields
from hhsync.sandbox.bitrix.envelope import legacy_error
from hhsync.sandbox.bitrix.fields import MULTIFIELDS, PERSON_KINDS, spec_map
from hhsync.sandbox.bitrix.links import LINK_FIELDS, write_link
from hhsync.sandbox.bitrix.params import as_int, flag
from hhsync.sandbox.bitrix.store import CrmEntity, Portal
from hhsync.sandbox.bitrix.userfields import write_uf_value

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


def _semantic(portal: Portal, entity_id: str, status_id: str) -> str:
    for status in portal.statuses_of(entity_id):
        if status.status_id == status_id:
            return status.semantics or "P"
    return "P"


def _stage_entity(portal: Portal, category_id: int) -> str:
    return portal.categories[category_id].stage_entity


def _status_ids(portal: Portal, entity_id: str) -> list[str]:
    return [s.status_id for s in portal.statuses_of(entity_id)]


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


def apply_fields(
    ctx: CallContext, kind: str, entity: CrmEntity, fields: dict[str, Any], creating: bool
) -> None:
    """Write ``fields`` into ``entity``; unknown and read-only names are silently ignored."""
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
            write_multifields(ctx, entity, name, value)
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


MISSING_FIELD: Final = {
    "en": "The required field '{label}' is missing.",
    "ru": 'Не введено значение обязательного поля "{label}"',
}
"""CRM_ERROR_FIELD_IS_MISSING as Bitrix24's legacy CRM classes word it in the portal's language
(crm/lang/en|ru/classes/general/crm_lead.php; the English one is quoted in the Bitrix24 REST
docs and in mesilov/bitrix24-php-sdk#59). Other languages get the English one."""


def missing_field_message(portal: Portal, label: str) -> str:
    """One required-field refusal line in the portal's language, ending in ``<br />``."""
    template = MISSING_FIELD.get(portal.lang, MISSING_FIELD["en"])
    return template.format(label=label) + "<br />"


def check_required(portal: Portal, kind: str, entity: CrmEntity) -> None:
    """Every configured required field must be filled; else fail with all their names, one line
    per field in the portal's language (:func:`missing_field_message`)."""
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
        raise legacy_error("".join(missing_field_message(portal, m) for m in missing))
