"""The user fields hhsync keeps its data in, made once per portal (Latin names, Russian labels)."""

from __future__ import annotations

from typing import Final

from hhsync.bitrix.client import BitrixClient
from hhsync.bitrix.commands import EntityKind
from hhsync.bitrix.models import UserFieldSpec
from hhsync.sync import mapping

USER_FIELDS: Final = (
    UserFieldSpec(FIELD_NAME=mapping.UF_VACANCY, USER_TYPE_ID="string", LABEL="Вакансия hh.ru"),
    UserFieldSpec(FIELD_NAME=mapping.UF_STATUS, USER_TYPE_ID="string", LABEL="Статус hh.ru"),
    UserFieldSpec(
        FIELD_NAME=mapping.UF_CREATED_AT, USER_TYPE_ID="date", LABEL="Дата отклика hh.ru"
    ),
    UserFieldSpec(
        FIELD_NAME=mapping.UF_RESUME_FILE, USER_TYPE_ID="file", LABEL="Резюме hh.ru (PDF)"
    ),
    UserFieldSpec(FIELD_NAME=mapping.UF_RESUME_URL, USER_TYPE_ID="url", LABEL="Резюме на hh.ru"),
    UserFieldSpec(
        FIELD_NAME=mapping.UF_NEGOTIATION_ID, USER_TYPE_ID="string", LABEL="Отклик hh.ru №"
    ),
)


async def ensure_user_fields(bitrix: BitrixClient, kind: EntityKind) -> list[str]:
    """Create whichever of hhsync's user fields the portal lacks; returns the names created."""
    existing = {field.FIELD_NAME for field in await bitrix.userfield_list(kind)}
    created = []
    for spec in USER_FIELDS:
        if spec.full_name not in existing:
            await bitrix.userfield_add(kind, spec)
            created.append(spec.full_name)
    return created
