"""User fields: ``crm.{lead,deal}.userfield.add/list/get`` and how UF values are written and read.

Facts (Bitrix24 REST docs, crm.lead.userfield.*): ``FIELD_NAME`` always gets the ``UF_CRM_``
prefix and is upper-cased, at most 50 characters of ``A-Z0-9_``; only a CRM administrator may
create fields; ``list`` returns string-typed metadata (labels only with ``filter[LANG]``); file
values go in as ``{"fileData": [name, base64]}`` (a list of those for multiple fields; a list
given to a single field is silently dropped) and come out as ``{"id", "showUrl", "downloadUrl"}``.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import date, datetime, time
from typing import Any

from hhsync.sandbox.bitrix.context import CallContext, Handler, KindOperation, MethodRegistry
from hhsync.sandbox.bitrix.envelope import MethodResult, RestError, iso, legacy_error
from hhsync.sandbox.bitrix.filter import matches, paginate, parse_filter, sort_rows
from hhsync.sandbox.bitrix.params import as_int, flag, lower_keys
from hhsync.sandbox.bitrix.store import ENTITY_IDS, CrmEntity, Portal, StoredFile, UserField

USER_TYPES = frozenset(
    {
        "string",
        "integer",
        "double",
        "boolean",
        "datetime",
        "date",
        "money",
        "url",
        "address",
        "enumeration",
        "file",
        "employee",
        "crm_status",
        "iblock_section",
        "iblock_element",
        "crm",
    }
)
_NAME = re.compile(r"^[A-Z0-9_]+$")
_DEFAULT_SETTINGS: dict[str, dict[str, Any]] = {
    "string": {
        "SIZE": 20,
        "ROWS": 1,
        "REGEXP": "",
        "MIN_LENGTH": 0,
        "MAX_LENGTH": 0,
        "DEFAULT_VALUE": "",
    },
    "file": {
        "SIZE": 20,
        "LIST_WIDTH": 0,
        "LIST_HEIGHT": 0,
        "MAX_SHOW_SIZE": 0,
        "MAX_ALLOWED_SIZE": 0,
        "EXTENSIONS": [],
        "TARGET_BLANK": "Y",
    },
    "enumeration": {
        "DISPLAY": "LIST",
        "LIST_HEIGHT": 1,
        "CAPTION_NO_VALUE": "",
        "SHOW_NO_VALUE": "Y",
    },
    "url": {
        "POPUP": "Y",
        "SIZE": 20,
        "MIN_LENGTH": 0,
        "MAX_LENGTH": 0,
        "DEFAULT_VALUE": "",
        "RE": "",
    },
}


def normalise_field_name(raw: str) -> str:
    """``x`` → ``UF_CRM_X``, ``UF_X`` → ``UF_CRM_X``, ``UF_CRM_X`` stays (upper-cased)."""
    name = raw.strip().upper()
    if name.startswith("UF_CRM_"):
        return name
    if name.startswith("UF_"):
        return "UF_CRM_" + name[3:]
    return "UF_CRM_" + name


def _label(value: Any, lang: str) -> str:
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("en") or next(iter(value.values()), ""))
    return "" if value is None else str(value)


def add_userfield(ctx: CallContext, kind: str, params: dict[str, Any]) -> MethodResult:
    """``crm.{kind}.userfield.add``: validate like the portal, then create; returns the int id."""
    if not ctx.user.admin:
        raise legacy_error("Access denied.")
    raw = params.get("fields", params.get("FIELDS"))
    if not isinstance(raw, dict):
        raise legacy_error("Parameter 'fields' must be array.")
    fields = {k.upper(): v for k, v in raw.items()}
    if not fields.get("USER_TYPE_ID"):
        raise legacy_error("The 'USER_TYPE_ID' field is not found.")
    if not fields.get("FIELD_NAME"):
        raise legacy_error("The 'FIELD_NAME' field is not found.")
    user_type = str(fields["USER_TYPE_ID"])
    if user_type not in USER_TYPES:
        raise RestError("ERROR_CORE", "Invalid custom type specified.", 400)
    name = normalise_field_name(str(fields["FIELD_NAME"]))
    if not _NAME.match(name):
        raise RestError(
            "ERROR_CORE",
            "Field name contains invalid characters. Allowed characters are: A-Z, 0-9 and _.",
            400,
        )
    if len(name) > 50:
        raise RestError("ERROR_CORE", "Field name is too long (more than 50 characters).", 400)
    if ctx.portal.userfield(kind, name) is not None:
        # not documented; a real portal refuses duplicates through the core too
        raise RestError("ERROR_CORE", f"Field {name} already exists.", 400)
    lang = ctx.portal.lang
    label = _label(fields.get("EDIT_FORM_LABEL") or fields.get("LABEL") or name, lang)
    settings = dict(_DEFAULT_SETTINGS.get(user_type, {}))
    if isinstance(fields.get("SETTINGS"), dict):
        settings.update(fields["SETTINGS"])
    uf = UserField(
        id=ctx.portal.next_id("userfield"),
        entity_id=ENTITY_IDS[kind],
        field_name=name,
        user_type_id=user_type,
        label=label,
        multiple=flag(fields.get("MULTIPLE")) and user_type != "boolean",
        mandatory=flag(fields.get("MANDATORY")),
        sort=as_int(fields.get("SORT")) or 100,
        xml_id=str(fields["XML_ID"]) if fields.get("XML_ID") else None,
        show_filter="E" if flag(fields.get("SHOW_FILTER")) else "N",
        show_in_list=flag(fields.get("SHOW_IN_LIST"), True),
        edit_in_list=flag(fields.get("EDIT_IN_LIST"), True),
        is_searchable=flag(fields.get("IS_SEARCHABLE")),
        settings=settings,
        error_message=_label(fields["ERROR_MESSAGE"], lang) or None
        if fields.get("ERROR_MESSAGE")
        else None,
        help_message=_label(fields["HELP_MESSAGE"], lang) or None
        if fields.get("HELP_MESSAGE")
        else None,
    )
    if user_type == "enumeration" and isinstance(fields.get("LIST"), list):
        for index, item in enumerate(fields["LIST"]):
            if isinstance(item, dict) and item.get("VALUE"):
                uf.enum_items.append(
                    {
                        "ID": str(ctx.portal.next_id("enum")),
                        "SORT": str(item.get("SORT", 10 * (index + 1))),
                        "VALUE": str(item["VALUE"]),
                        "DEF": "Y" if flag(item.get("DEF")) else "N",
                        "XML_ID": str(item.get("XML_ID") or f"{uf.id}_{index}"),
                    }
                )
    ctx.portal.userfields[(uf.entity_id, name)] = uf
    return MethodResult(uf.id)


def describe_userfield(uf: UserField, lang: str | None) -> dict[str, Any]:
    """A ``userfield.list`` row: every value a string, labels only when a language was asked."""
    row: dict[str, Any] = {
        "ID": str(uf.id),
        "ENTITY_ID": uf.entity_id,
        "FIELD_NAME": uf.field_name,
        "USER_TYPE_ID": uf.user_type_id,
        "XML_ID": uf.xml_id,
        "SORT": str(uf.sort),
        "MULTIPLE": "Y" if uf.multiple else "N",
        "MANDATORY": "Y" if uf.mandatory else "N",
        "SHOW_FILTER": uf.show_filter,
        "SHOW_IN_LIST": "Y" if uf.show_in_list else "N",
        "EDIT_IN_LIST": "Y" if uf.edit_in_list else "N",
        "IS_SEARCHABLE": "Y" if uf.is_searchable else "N",
        "SETTINGS": uf.settings,
    }
    if lang:
        row.update(
            {
                "EDIT_FORM_LABEL": uf.label,
                "LIST_COLUMN_LABEL": uf.label,
                "LIST_FILTER_LABEL": uf.label,
                "ERROR_MESSAGE": uf.error_message,
                "HELP_MESSAGE": uf.help_message,
            }
        )
    if uf.user_type_id == "enumeration":
        row["LIST"] = [dict(item) for item in uf.enum_items]
    return row


def list_userfields(ctx: CallContext, kind: str, params: dict[str, Any]) -> MethodResult:
    """``crm.{kind}.userfield.list`` with ``filter`` (incl. ``LANG``) and ``order``."""
    lowered = lower_keys(params)
    given = lowered.get("filter")
    raw_filter: dict[str, Any] = given if isinstance(given, dict) else {}
    lang = next((str(v) for k, v in raw_filter.items() if k.upper() == "LANG"), None)
    conditions = [c for c in parse_filter(raw_filter) if c.field != "LANG"]
    rows = [describe_userfield(u, lang) for u in ctx.portal.userfields_of(kind)]
    rows = [
        r
        for r in rows
        if all(matches([r[c.field]] if c.field in r else None, c) for c in conditions)
    ]
    order = lowered.get("order") or {"SORT": "ASC", "ID": "ASC"}
    rows = sort_rows(rows, order, lambda r, name: r.get(name))
    page = paginate(rows, lowered.get("start"))
    return MethodResult(page.rows, page.total, page.next)


def get_userfield(ctx: CallContext, kind: str, params: dict[str, Any]) -> MethodResult:
    """``crm.{kind}.userfield.get``: labels as language maps."""
    wanted = as_int(lower_keys(params).get("id"))
    for uf in ctx.portal.userfields_of(kind):
        if uf.id == wanted:
            row = describe_userfield(uf, "ru")
            for key in ("EDIT_FORM_LABEL", "LIST_COLUMN_LABEL", "LIST_FILTER_LABEL"):
                row[key] = {"en": uf.label, "ru": uf.label}
            row["ERROR_MESSAGE"] = {"en": "", "ru": ""}
            row["HELP_MESSAGE"] = {"en": "", "ru": ""}
            return MethodResult(row)
    raise legacy_error("Not found")


def _decode_file(ctx: CallContext, kind: str, uf: UserField, value: Any) -> StoredFile:
    data = value.get("fileData") if isinstance(value, dict) else None
    if not isinstance(data, list) or len(data) < 2 or not str(data[0]).strip():
        raise legacy_error(f"Invalid file data for field '{uf.field_name}'.")
    try:
        content = base64.b64decode(str(data[1]), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise legacy_error(f"Invalid file data for field '{uf.field_name}'.") from exc
    if not content:
        raise legacy_error(f"Invalid file data for field '{uf.field_name}'.")
    return StoredFile(ctx.portal.next_id("file"), str(data[0]), content, kind, 0, uf.field_name)


def _parse_date(text: str) -> date | None:
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text[:10], pattern).date()
        except ValueError:
            continue
    return None


def _parse_datetime(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        try:
            return datetime.strptime(text, "%d.%m.%Y %H:%M:%S")
        except ValueError:
            return None


def _scalar_uf(ctx: CallContext, uf: UserField, value: Any) -> Any:
    text = "" if value is None else str(value)
    if text == "":
        return None
    kind = uf.user_type_id
    invalid = legacy_error(f"Invalid value of field '{uf.label}'.")
    if kind == "boolean":
        return 1 if flag(value) else 0
    if kind in {"integer", "employee"}:
        number = as_int(text)
        if number is None:
            raise invalid
        if kind == "employee" and number not in ctx.portal.users:
            raise invalid
        return str(number)
    if kind == "double":
        try:
            return str(float(text))
        except ValueError as exc:
            raise invalid from exc
    if kind == "date":
        parsed_date = _parse_date(text)
        if parsed_date is None:
            raise invalid
        return parsed_date.isoformat()
    if kind == "datetime":
        parsed = _parse_datetime(text)
        if parsed is None:
            raise invalid
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=ctx.zone)
        return iso(parsed, ctx.zone)
    if kind == "enumeration" and text not in {i["ID"] for i in uf.enum_items}:
        raise invalid
    return text


def write_uf_value(ctx: CallContext, entity: CrmEntity, uf: UserField, value: Any) -> None:
    """Store a UF value the way the portal would (files decoded but not yet committed)."""
    if uf.user_type_id == "file":
        if uf.multiple:
            items = [value] if isinstance(value, dict) else value
            if not isinstance(items, list):
                return
            entity.uf[uf.field_name] = [_decode_file(ctx, entity.kind, uf, v) for v in items]
        elif isinstance(value, dict):
            entity.uf[uf.field_name] = _decode_file(ctx, entity.kind, uf, value)
        # anything else (a list to a single field, a string) is silently not saved
        return
    if uf.multiple:
        items = value if isinstance(value, list) else [value]
        stored = [_scalar_uf(ctx, uf, v) for v in items]
        entity.uf[uf.field_name] = [v for v in stored if v is not None]
        return
    if isinstance(value, list):
        return  # an array to a single field is dropped
    entity.uf[uf.field_name] = _scalar_uf(ctx, uf, value)


def commit_files(portal: Portal, entity: CrmEntity) -> None:
    """Register the entity's newly uploaded files once the write succeeded."""
    for value in entity.uf.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, StoredFile):
                item.owner_id = entity.id
                portal.files[item.id] = item


def file_urls(kind: str, stored: StoredFile) -> dict[str, Any]:
    """``{"id", "showUrl", "downloadUrl"}`` relative to the portal root, as ``crm.*.get`` gives.

    ``auth=`` is empty, as in the documented fragment: the client adds its own token.
    """
    query = f"ownerId={stored.owner_id}&fieldName={stored.field_name}&dynamic=Y&fileId={stored.id}"
    path = f"/bitrix/components/bitrix/crm.{kind}.show/show_file.php"
    return {"id": stored.id, "showUrl": f"{path}?{query}", "downloadUrl": f"{path}?auth=&{query}"}


def read_uf_value(ctx: CallContext, entity: CrmEntity, uf: UserField) -> tuple[bool, Any]:
    """``(present, value)`` of a UF in ``get``: a single empty file field is absent."""
    value = entity.uf.get(uf.field_name)
    if uf.user_type_id == "file":
        if uf.multiple:
            items = value if isinstance(value, list) else []
            return True, [file_urls(entity.kind, f) for f in items if isinstance(f, StoredFile)]
        if isinstance(value, StoredFile):
            return True, file_urls(entity.kind, value)
        return False, None
    if uf.multiple:
        items = value if isinstance(value, list) else []
        return True, [_render_scalar(ctx, uf, v) for v in items] or None
    return True, _render_scalar(ctx, uf, value)


def _render_scalar(ctx: CallContext, uf: UserField, value: Any) -> Any:
    if value is None:
        return None
    if uf.user_type_id == "boolean":
        return bool(value)
    if uf.user_type_id == "date":
        # Not documented: we return the local-midnight datetime, as standard
        # date fields do; a client must parse that form.
        day = date.fromisoformat(str(value))
        return iso(datetime.combine(day, time(0), ctx.zone), ctx.zone)
    return value


def _bind(operation: KindOperation, kind: str) -> Handler:
    def handler(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
        return operation(ctx, kind, params)

    return handler


def register(registry: MethodRegistry) -> None:
    """Add the user-field methods of leads and deals."""
    operations = {"add": add_userfield, "list": list_userfields, "get": get_userfield}
    for kind in ("lead", "deal", "contact"):
        for name, operation in operations.items():
            registry.add(
                f"crm.{kind}.userfield.{name}",
                _bind(operation, kind),
                "crm",
            )
