"""PHP-style parameter parsing and JSON output (pure)."""

from __future__ import annotations

from urllib.parse import urlencode

from b24_sandbox_testkit import PortalHandle

from hhsync.sandbox.bitrix.http import php_json_text
from hhsync.sandbox.bitrix.params import parse_php_pairs, parse_query_string, php_array


def test_bracket_keys_nest_and_numeric_keys_become_lists() -> None:
    params = parse_php_pairs(
        [
            ("fields[TITLE]", "T"),
            ("fields[PHONE][0][VALUE]", "+7"),
            ("fields[PHONE][0][VALUE_TYPE]", "MOBILE"),
            ("select[]", "ID"),
            ("select[]", "TITLE"),
            ("filter[>ID]", "5"),
        ]
    )
    assert params == {
        "fields": {"TITLE": "T", "PHONE": [{"VALUE": "+7", "VALUE_TYPE": "MOBILE"}]},
        "select": ["ID", "TITLE"],
        "filter": {">ID": "5"},
    }


def test_query_strings_decode_plus_and_escaped_ampersands() -> None:
    assert parse_query_string("fields[TITLE]=A%26B+C&id=1") == {
        "fields": {"TITLE": "A&B C"},
        "id": "1",
    }
    assert parse_query_string(urlencode({"a[b]": "ж"})) == {"a": {"b": "ж"}}


def test_php_arrays_serialise_like_json_encode() -> None:
    assert php_array({}) == []
    assert php_array({"0": "a", "1": "b"}) == ["a", "b"]
    assert php_array({"1": "b"}) == {"1": "b"}
    assert php_json_text({"url": "/a/b", "name": "Иван"}) == (
        '{"url":"\\/a\\/b","name":"\\u0418\\u0432\\u0430\\u043d"}'
    )


async def test_query_string_and_body_are_merged(portal: PortalHandle) -> None:
    response = await portal.client.post(
        f"{portal.endpoint}crm.lead.add.json",
        params={"auth": portal.token},
        data={"fields[TITLE]": "from body"},
    )
    lead_id = response.json()["result"]
    assert (
        portal.sandbox.portals[portal.domain].entities["lead"][lead_id].fields["TITLE"]
        == "from body"
    )
    assert "\\u" in (await portal.call("user.current")).text  # Cyrillic is \u-escaped
