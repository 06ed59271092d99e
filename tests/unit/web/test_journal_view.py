"""The log's pure parts: the page cursor survives a round trip and refuses what it did not write
(other scripts' digits and endless digit strings too); rows link their entity at the portal's
origin."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from hhsync.db.journal import Cursor, JournalRow
from hhsync.web.app_api.journal_view import BadCursor, decode_cursor, encode_cursor, row_json
from hhsync.web.i18n import translator

AT = datetime(2026, 12, 1, 12, 52, 7, 123456, tzinfo=UTC)


def test_a_cursor_survives_the_round_trip_to_the_microsecond() -> None:
    cursor = Cursor(AT, 42)
    assert decode_cursor(encode_cursor(cursor)) == cursor
    latest = Cursor(datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), 9 * 10**17)
    assert decode_cursor(encode_cursor(latest)) == latest


@pytest.mark.parametrize(
    "text",
    [
        "",
        "42",
        "1.2.3",
        "-1.5",
        "abc.5",
        "1.abc",
        "1." + "9" * 40,
        "9" * 30 + ".1",
        "².1",  # str.isdigit() says yes, int() refuses
        "1.²",
        "١٢.5",  # Arabic-Indic digits: int() would read them
        "5.١٢",
        "+1.5",
        " 1.5",
        "1.5\n",
        "1_000.5",
        "9" * 18 + ".1",  # past the year 9999
        "1." + "9" * 19,  # past PostgreSQL's bigint
    ],
)
def test_a_cursor_the_page_did_not_make_is_refused(text: str) -> None:
    with pytest.raises(BadCursor):
        decode_cursor(text)


def test_a_row_links_its_entity_at_the_origin_it_is_given() -> None:
    row = JournalRow(
        id=7,
        hh_negotiation_id="1400000007",
        status="synced",
        kind="response",
        vacancy_name="Курьер",
        applicant_name="Иван",
        at=AT,
        entity_type="deal",
        entity_id=77,
        last_error=None,
        attempts=1,
        next_retry_at=None,
    )
    shown = row_json(translator("ru"), "https://hr.bitrix24.ru", row)
    assert shown["entity"]["url"] == "https://hr.bitrix24.ru/crm/deal/details/77/"
    assert shown["at"] == AT.isoformat()
    not_yet = row_json(translator("ru"), "https://hr.bitrix24.ru", replace(row, entity_id=None))
    assert not_yet["entity"] is None
