"""How the log tab shows a row: plain JSON (the page escapes it), the CRM link, the reason in words.

Pure: no I/O. Names and vacancy titles come from hh.ru and are hostile text; they stay plain
strings here, and the template's autoescaping or the script's ``textContent`` shows them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final

from hhsync.db.journal import Cursor, JournalRow
from hhsync.db.tables import SyncStatus
from hhsync.errors import Fatal
from hhsync.model.crm_links import card_url
from hhsync.web.app_api.reasons import Reason, describe, explain
from hhsync.web.i18n import Translator
from hhsync.web.request_numbers import ascii_decimal

DEFAULT_PAGE: Final = 25
MAX_PAGE: Final = 100
EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
MAX_ID_DIGITS: Final = 18
"""A row id longer than this cannot be a row's (PostgreSQL's bigint)."""
MAX_MICROS_DIGITS: Final = 18
"""Microseconds since the epoch up to the year 9999 take 18 digits at most."""


class BadCursor(Fatal, ValueError):
    """A ``before`` the page did not make (tampered or from another version)."""


def encode_cursor(cursor: Cursor) -> str:
    """``<microseconds since the epoch>.<row id>``: opaque to the page, stable across passes."""
    micros = (cursor.at - EPOCH) // timedelta(microseconds=1)
    return f"{micros}.{cursor.negotiation_id}"


def decode_cursor(text: str) -> Cursor:
    """The cursor a page sent back; :class:`BadCursor` for anything :func:`encode_cursor` would
    not have written."""
    micros_text, dot, row_id_text = text.partition(".")
    micros = ascii_decimal(micros_text, max_digits=MAX_MICROS_DIGITS)
    row_id = ascii_decimal(row_id_text, max_digits=MAX_ID_DIGITS)
    if not dot or micros is None or row_id is None:
        raise BadCursor(text[:60])
    try:
        at = EPOCH + timedelta(microseconds=micros)
    except OverflowError as exc:  # past the year 9999
        raise BadCursor(text[:60]) from exc
    return Cursor(at, row_id)


def reason_text(t: Translator, reason: Reason) -> str:
    """A failure in the reader's words (:func:`~hhsync.web.app_api.reasons.describe`)."""
    return describe(t, reason)


def row_json(t: Translator, origin: str, row: JournalRow) -> dict[str, Any]:
    """One row as the log's JSON and template take it, its entity linked at the portal's
    ``origin`` (:func:`hhsync.model.crm_links.portal_origin`)."""
    reason = explain(row.last_error) if row.status == SyncStatus.FAILED else None
    deleted = row.status == SyncStatus.CRM_DELETED
    link = card_url(origin, row.entity_type, row.entity_id)
    entity = None
    if link is not None and row.entity_type is not None:
        label = t(f"journal.entity_{row.entity_type}", id=row.entity_id)
        entity = {
            "type": row.entity_type,
            "id": row.entity_id,
            # a card a person deleted opens nothing: named, not linked
            "url": None if deleted else link,
            "label": t("journal.entity_deleted", entity=label) if deleted else label,
        }
    return {
        "id": row.id,
        "hh_negotiation_id": row.hh_negotiation_id,
        "status": row.status,
        "status_label": t(f"journal.status_{row.status}"),
        "kind": row.kind,
        "kind_label": t(f"journal.kind_{row.kind}"),
        "vacancy_name": row.vacancy_name,
        "applicant_name": row.applicant_name or t("journal.no_name"),
        "at": row.at.isoformat(),
        "entity": entity,
        "reason": (
            {"code": reason.code, "text": reason_text(t, reason), "detail": reason.detail}
            if reason is not None
            else None
        ),
        "note": t("journal.note_crm_deleted") if deleted else None,
        "attempts": row.attempts,
        "next_retry_at": row.next_retry_at.isoformat() if row.next_retry_at else None,
        "can_retry": row.status == SyncStatus.FAILED,
    }
