"""How the log tab shows a row: plain JSON (the page escapes it), the CRM link, the reason in words.

Pure: no I/O. Names and vacancy titles come from hh.ru and are hostile text; they stay plain
strings here, and the template's autoescaping or the script's ``textContent`` shows them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final
from urllib.parse import urlsplit

from hhsync.db.journal import Cursor, JournalRow
from hhsync.db.tables import EntityType, Portal, SyncStatus
from hhsync.errors import Fatal
from hhsync.model.crm_links import card_path
from hhsync.model.hosts import is_loopback
from hhsync.web.app_api.reasons import Reason, describe, explain
from hhsync.web.i18n import Translator

DEFAULT_PAGE: Final = 25
MAX_PAGE: Final = 100
EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


class BadCursor(Fatal, ValueError):
    """A ``before`` the page did not make (tampered or from another version)."""


def encode_cursor(cursor: Cursor) -> str:
    """``<microseconds since the epoch>.<row id>``: opaque to the page, stable across passes."""
    micros = (cursor.at - EPOCH) // timedelta(microseconds=1)
    return f"{micros}.{cursor.negotiation_id}"


def decode_cursor(text: str) -> Cursor:
    """The cursor a page sent back; :class:`BadCursor` for anything :func:`encode_cursor` would
    not have written."""
    micros, dot, row_id = text.partition(".")
    if not dot or not micros.isdigit() or not row_id.isdigit() or len(text) > 40:
        raise BadCursor(text)
    try:
        at = EPOCH + timedelta(microseconds=int(micros))
    except OverflowError as exc:
        raise BadCursor(text) from exc
    return Cursor(at, int(row_id))


def portal_origin(portal: Portal) -> str:
    """``https://DOMAIN`` of the portal's own pages (a sandbox on loopback keeps plain HTTP).

    The domain is the verified one the door stored; the scheme is that of the REST address
    Bitrix24 gave, except that a real (non-loopback) portal is always HTTPS.
    """
    scheme = urlsplit(portal.client_endpoint).scheme
    host = urlsplit(f"//{portal.domain}").hostname or ""
    if scheme != "http" or not is_loopback(host):
        scheme = "https"
    return f"{scheme}://{portal.domain}"


def entity_link(portal: Portal, entity_type: str | None, entity_id: int | None) -> str | None:
    """The absolute address of an entity's card on the portal, or None when there is none."""
    if entity_type is None or entity_id is None:
        return None
    return portal_origin(portal) + card_path(EntityType(entity_type), entity_id)


def reason_text(t: Translator, reason: Reason) -> str:
    """A failure in the reader's words (:func:`~hhsync.web.app_api.reasons.describe`)."""
    return describe(t, reason)


def row_json(t: Translator, portal: Portal, row: JournalRow) -> dict[str, Any]:
    """One row as the log's JSON and template take it."""
    reason = explain(row.last_error) if row.status == SyncStatus.FAILED else None
    link = entity_link(portal, row.entity_type, row.entity_id)
    entity = None
    if link is not None and row.entity_type is not None:
        entity = {
            "type": row.entity_type,
            "id": row.entity_id,
            "url": link,
            "label": t(f"journal.entity_{row.entity_type}", id=row.entity_id),
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
        "attempts": row.attempts,
        "next_retry_at": row.next_retry_at.isoformat() if row.next_retry_at else None,
        "can_retry": row.status == SyncStatus.FAILED,
    }
