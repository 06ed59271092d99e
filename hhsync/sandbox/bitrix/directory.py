"""Read-mostly methods: app.info, profile, user.*, crm.status.*, crm.category.list, duplicates."""

from __future__ import annotations

import re
from typing import Any

from hhsync.sandbox.bitrix.context import CallContext, MethodRegistry
from hhsync.sandbox.bitrix.envelope import MethodResult, RestError
from hhsync.sandbox.bitrix.filter import matches, paginate, parse_filter, sort_rows
from hhsync.sandbox.bitrix.params import as_int, lower_keys
from hhsync.sandbox.bitrix.store import Status, User

APP_CODE = "hhsync.hh_integration"


def app_info(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    """``app.info`` on the portal: the installed application's status."""
    del params
    portal = ctx.portal
    return MethodResult(
        {
            "ID": 1,
            "CODE": APP_CODE,
            "VERSION": portal.app.version,
            "STATUS": "L",
            "INSTALLED": portal.install_finished,
            "PAYMENT_EXPIRED": "N",
            "DAYS": None,
            "LANGUAGE_ID": portal.lang,
            "LICENSE": portal.license,
            "LICENSE_TYPE": portal.license.split("_", 1)[-1],
            "LICENSE_FAMILY": "project",
        }
    )


def _user_row(user: User, brief: bool = False) -> dict[str, Any]:
    row: dict[str, Any] = {
        "ID": str(user.id),
        "ACTIVE": user.active,
        "NAME": user.name,
        "LAST_NAME": user.last_name,
    }
    if brief:
        return row
    row.update(
        {
            "SECOND_NAME": "",
            "EMAIL": user.email,
            "LAST_LOGIN": user.registered,
            "DATE_REGISTER": user.registered,
            "TIME_ZONE": "",
            "IS_ONLINE": "N",
            "PERSONAL_GENDER": "",
            "PERSONAL_WWW": "",
            "PERSONAL_BIRTHDAY": "",
            "PERSONAL_MOBILE": "",
            "PERSONAL_CITY": "",
            "WORK_PHONE": "",
            "WORK_POSITION": user.work_position,
            "UF_EMPLOYMENT_DATE": "",
            "UF_DEPARTMENT": list(user.departments),
            "USER_TYPE": "employee",
        }
    )
    return row


def user_current(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    """``user.current``: the token's user."""
    del params
    row = _user_row(ctx.user)
    for key in (
        "SECOND_NAME",
        "TIME_ZONE",
        "USER_TYPE",
        "PERSONAL_WWW",
        "PERSONAL_MOBILE",
        "PERSONAL_CITY",
        "WORK_PHONE",
    ):
        row.pop(key, None)
    return MethodResult(row)


def user_admin(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    """``user.admin``: whether the token's user may manage application settings."""
    del params
    return MethodResult(ctx.user.admin)


def profile(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    """``profile``: basic data of the token's user, needs no scope."""
    del params
    user = ctx.user
    return MethodResult(
        {
            "ID": str(user.id),
            "ADMIN": user.admin,
            "NAME": user.name,
            "LAST_NAME": user.last_name,
            "PERSONAL_GENDER": "",
            "TIME_ZONE": "",
        }
    )


def _user_filter(params: dict[str, Any]) -> dict[str, Any]:
    lowered = lower_keys(params)
    raw = lowered.get("filter")
    result = dict(raw) if isinstance(raw, dict) else {}
    # user.get also takes filter fields as top-level parameters (e.g. ``ID=1``, ``ACTIVE=true``)
    for key, value in params.items():
        if key.lower() not in {
            "filter",
            "sort",
            "order",
            "start",
            "admin_mode",
            "select",
            "auth",
            "find",
            "image_resize",
        }:
            result.setdefault(key, value)
    return result


def _user_value(user: User, name: str) -> list[Any] | None:
    row = _user_row(user)
    if name == "ACTIVE":
        return ["true" if user.active else "false", "Y" if user.active else "N"]
    if name == "UF_DEPARTMENT":
        return list(user.departments)
    if name == "NAME_SEARCH":
        return [f"{user.name} {user.last_name}"]
    return [row[name]] if name in row else None


def _select_users(ctx: CallContext, filter_raw: dict[str, Any]) -> list[User]:
    conditions = parse_filter(filter_raw)
    users = []
    for user in ctx.portal.users.values():
        ok = True
        for condition in conditions:
            values = _user_value(user, condition.field)
            if condition.field == "ACTIVE":
                wanted = str(condition.operand).lower() in {"true", "y", "1"}
                ok = ok and user.active == wanted
            elif condition.field == "NAME_SEARCH":
                needle = str(condition.operand).lower()
                ok = ok and needle in (values or [""])[0].lower()
            else:
                ok = ok and matches(values, condition)
        if ok:
            users.append(user)
    return users


def user_get(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    """``user.get``: fired users included unless ``ACTIVE`` is filtered; 50 per page."""
    lowered = lower_keys(params)
    users = _select_users(ctx, _user_filter(params))
    sort_field = str(lowered.get("sort") or "ID").upper()
    direction = str(lowered.get("order") or "ASC").upper()
    rows = sort_rows(
        [_user_row(u) for u in users], {sort_field: direction}, lambda r, name: r.get(name)
    )
    page = paginate(rows, lowered.get("start"))
    return MethodResult(page.rows, page.total, page.next)


def user_search(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    """``user.search``: ``FIND`` (full text) or field filters; ``FIND`` wins when both come."""
    lowered = lower_keys(params)
    raw_filter = lowered.get("filter")
    filter_dict = (
        {k.upper(): v for k, v in raw_filter.items()} if isinstance(raw_filter, dict) else {}
    )
    find = lowered.get("find") or filter_dict.get("FIND")
    if find:
        needle = str(find).lower()
        users = [
            u
            for u in ctx.portal.users.values()
            if needle in f"{u.name} {u.last_name} {u.email} {u.work_position}".lower()
        ]
    else:
        users = _select_users(ctx, _user_filter(params))
    rows = [_user_row(u) for u in sorted(users, key=lambda u: u.id)]
    page = paginate(rows, lowered.get("start"))
    return MethodResult(page.rows, page.total, page.next)


def _status_row(status: Status) -> dict[str, Any]:
    extra = {
        "SEMANTICS": {"S": "success", "F": "failure"}.get(status.semantics or "", "process"),
        "COLOR": status.color,
    }
    return {
        "ID": str(status.id),
        "ENTITY_ID": status.entity_id,
        "STATUS_ID": status.status_id,
        "NAME": status.name,
        "NAME_INIT": status.name if status.system else "",
        "SORT": str(status.sort),
        "SYSTEM": "Y" if status.system else "N",
        "CATEGORY_ID": None if status.category_id is None else str(status.category_id),
        "COLOR": status.color,
        "SEMANTICS": status.semantics,
        "EXTRA": extra,
    }


def status_list(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    """``crm.status.list`` with ``filter`` (e.g. ``ENTITY_ID``) and ``order``; string-typed."""
    lowered = lower_keys(params)
    rows = [
        _status_row(s) for s in sorted(ctx.portal.statuses, key=lambda s: (s.entity_id, s.sort))
    ]
    conditions = parse_filter(lowered.get("filter"))
    rows = [
        r
        for r in rows
        if all(matches([r.get(c.field)] if c.field in r else None, c) for c in conditions)
    ]
    if lowered.get("order"):
        rows = sort_rows(rows, lowered.get("order"), lambda r, name: r.get(name))
    return MethodResult(rows, len(rows))


def status_entity_items(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    """``crm.status.entity.items``: ``[{NAME, SORT (int), STATUS_ID}]`` of one directory."""
    entity_id = str(params.get("entityId") or lower_keys(params).get("entityid") or "")
    statuses = ctx.portal.statuses_of(entity_id) if entity_id else []
    if not statuses:
        raise RestError(
            "The parameter entityId is not defined or invalid.",
            "The directory ID is not specified or is incorrect.",
            400,
        )
    return MethodResult(
        [{"NAME": s.name, "SORT": s.sort, "STATUS_ID": s.status_id} for s in statuses]
    )


def category_list(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    """``crm.category.list`` (``entityTypeId`` 2): ``{"categories": [...]}`` with ints."""
    entity_type = as_int(params.get("entityTypeId") or lower_keys(params).get("entitytypeid"))
    if entity_type != 2:
        raise RestError("NOT_FOUND", "Smart process not found", 400)
    categories = []
    for category in sorted(ctx.portal.categories.values(), key=lambda c: (c.sort, c.id)):
        row: dict[str, Any] = {
            "id": category.id,
            "name": category.name,
            "sort": category.sort,
            "entityTypeId": 2,
            "isDefault": "Y" if category.id == 0 else "N",
        }
        if category.id != 0:
            row.update({"originId": "", "originatorId": ""})
        categories.append(row)
    return MethodResult({"categories": categories}, len(categories))


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def duplicate_findbycomm(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    """``crm.duplicate.findbycomm``: lead/contact ids by phone or e-mail; ``[]`` when none match.

    Normalisation is not documented. We compare phones by their digits only
    (``+7 999`` and ``8 999`` do *not* match: the stricter choice) and e-mails case-insensitively.
    Leads and contacts carry multifields here; companies are not modelled.
    """
    lowered = lower_keys(params)
    comm_type = str(lowered.get("type") or "").upper()
    if not comm_type:
        raise RestError("Communication type is not defined", "Parameter 'type' is required.", 400)
    if comm_type not in {"PHONE", "EMAIL"}:
        raise RestError(
            f"Communication type '{comm_type}' is not supported in current context", "", 400
        )
    values = lowered.get("values")
    if not isinstance(values, list) or not values:
        raise RestError(
            "Communication values is not defined", "Parameter 'values' must be an array.", 400
        )
    if len(values) > 20:
        raise RestError(
            "Too many communication values",
            "Parameter 'values' may contain no more than 20 values.",
            400,
        )
    entity_type = str(lowered.get("entity_type") or "").upper()
    kinds = {"LEAD": "lead", "CONTACT": "contact"}
    if entity_type and entity_type not in kinds:
        return MethodResult([])  # companies are not modelled: nothing can match

    def norm(text: str) -> str:
        return _digits(text) if comm_type == "PHONE" else text.strip().lower()

    wanted = {norm(str(v)) for v in values} - {""}
    found: dict[str, list[int]] = {}
    for key, kind in kinds.items():
        if entity_type and key != entity_type:
            continue
        ids = [
            entity.id
            for entity in ctx.portal.entities[kind].values()
            if any(m.type_id == comm_type and norm(m.value) in wanted for m in entity.multi)
        ]
        if ids:
            found[key] = ids[:20]
        if len(ids) >= 20:
            break  # a full type hides the later ones (order LEAD, CONTACT; documented)
    return MethodResult(found if found else [])


def register(registry: MethodRegistry) -> None:
    """Add the directory methods with their scopes."""
    registry.add("app.info", app_info, None)
    registry.add("profile", profile, None)
    registry.add("user.admin", user_admin, None)
    registry.add("user.current", user_current, "user")
    registry.add("user.get", user_get, "user")
    registry.add("user.search", user_search, "user")
    registry.add("crm.status.list", status_list, "crm")
    registry.add("crm.status.entity.items", status_entity_items, "crm")
    registry.add("crm.category.list", category_list, "crm")
    registry.add("crm.duplicate.findbycomm", duplicate_findbycomm, "crm")
