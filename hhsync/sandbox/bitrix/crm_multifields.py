"""Writing multifields (``PHONE``, ``EMAIL``, ``WEB``, ``IM``): rows added, changed by ``ID`` or
deleted, value types checked, e-mail addresses validated."""

from __future__ import annotations

import re
from typing import Any

from hhsync.sandbox.bitrix.context import CallContext
from hhsync.sandbox.bitrix.envelope import RestError, legacy_error
from hhsync.sandbox.bitrix.fields import VALUE_TYPES
from hhsync.sandbox.bitrix.params import as_int, flag
from hhsync.sandbox.bitrix.store import CrmEntity, MultiValue

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_EMAIL_LABELS = {
    "WORK": "Work e-mail",
    "HOME": "Private e-mail",
    "MAILING": "Newsletter e-mail",
    "OTHER": "Other e-mail",
}


def write_multifields(ctx: CallContext, entity: CrmEntity, type_id: str, rows: Any) -> None:
    """Merge ``rows`` of one multifield into ``entity``; a bad e-mail or value type raises."""
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
