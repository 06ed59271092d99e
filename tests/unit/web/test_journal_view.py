"""The log's pure parts: the page cursor survives a round trip and refuses what it did not write;
CRM links are absolute on the portal, HTTPS unless the portal is a sandbox on loopback."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hhsync.db.journal import Cursor
from hhsync.db.tables import Portal
from hhsync.web.app_api.journal_view import (
    BadCursor,
    decode_cursor,
    encode_cursor,
    entity_link,
    portal_origin,
)


def portal(domain: str, client_endpoint: str) -> Portal:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    return Portal(
        member_id="a" * 32,
        domain=domain,
        client_endpoint=client_endpoint,
        server_endpoint="https://oauth.bitrix.info/rest/",
        access_token_enc="",
        refresh_token_enc="",
        access_expires_at=now,
        installed_at=now,
        updated_at=now,
    )


def test_a_cursor_survives_the_round_trip_to_the_microsecond() -> None:
    cursor = Cursor(datetime(2026, 12, 1, 12, 52, 7, 123456, tzinfo=UTC), 42)
    assert decode_cursor(encode_cursor(cursor)) == cursor


@pytest.mark.parametrize(
    "text", ["", "42", "1.2.3", "-1.5", "abc.5", "1.abc", "1." + "9" * 40, "9" * 30 + ".1"]
)
def test_a_cursor_the_page_did_not_make_is_refused(text: str) -> None:
    with pytest.raises(BadCursor):
        decode_cursor(text)


def test_links_are_absolute_https_on_the_portal() -> None:
    cloud = portal("hr.bitrix24.ru", "https://hr.bitrix24.ru/rest/")
    assert entity_link(cloud, "lead", 7) == "https://hr.bitrix24.ru/crm/lead/details/7/"
    assert entity_link(cloud, "deal", 9) == "https://hr.bitrix24.ru/crm/deal/details/9/"
    assert entity_link(cloud, None, None) is None
    # A real portal is HTTPS even if its REST address were written with http.
    assert portal_origin(portal("hr.bitrix24.ru", "http://hr.bitrix24.ru/rest/")) == (
        "https://hr.bitrix24.ru"
    )


def test_a_sandbox_portal_on_loopback_keeps_plain_http() -> None:
    sandbox = portal("localhost:8123", "http://localhost:8123/rest/")
    assert portal_origin(sandbox) == "http://localhost:8123"
    assert portal_origin(portal("localhost:8123", "https://localhost:8123/rest/")) == (
        "https://localhost:8123"
    )
