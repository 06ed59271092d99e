"""The fields a new lead, deal or contact starts with, before the caller's fields are applied."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from hhsync.sandbox.bitrix.context import CallContext
from hhsync.sandbox.bitrix.envelope import iso
from hhsync.sandbox.bitrix.fields import FIELDS_BY_KIND


def _midnight(ctx: CallContext, days: int = 0) -> str:
    local = ctx.now.astimezone(ctx.zone).date() + timedelta(days=days)
    return iso(datetime.combine(local, time(0), ctx.zone), ctx.zone)


def default_fields(ctx: CallContext, kind: str, entity_id: int) -> dict[str, Any]:
    """A new ``kind`` entity's fields: Bitrix24's defaults, the calling user, the call's time."""
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
