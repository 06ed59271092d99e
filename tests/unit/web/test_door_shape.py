"""The door's first two steps without any I/O: the shape of a frame POST and the OAuth server
it names."""

from __future__ import annotations

import pytest

from hhsync.web.bitrix_door.forms import section, unique_fields
from hhsync.web.bitrix_door.frame import parse_frame
from hhsync.web.bitrix_door.refusals import Refusal
from hhsync.web.bitrix_door.servers import trusted_server

PLACEMENTS = frozenset({"DEFAULT", "CRM_LEAD_LIST_TOOLBAR"})
QUERY = {"DOMAIN": "Portal.Bitrix24.ru", "PROTOCOL": "1", "LANG": "ru", "APP_SID": "x"}
FORM = {
    "AUTH_ID": "a" * 64,
    "AUTH_EXPIRES": "3600",
    "REFRESH_ID": "r" * 64,
    "SERVER_ENDPOINT": "https://oauth.bitrix.info/rest/",
    "APPLICATION_TOKEN": "ec1b2074a9d3f5c81b6e40d27a95cf38",
    "member_id": "a223c6b3710f85df22e9377d6c4f7553",
    "PLACEMENT": "DEFAULT",
}
ALLOWED = ["oauth.bitrix.info", "oauth.bitrix24.tech", "127.0.0.1:8081"]


def refusal_of(query: dict[str, str], form: dict[str, str]) -> Refusal:
    with pytest.raises(Refusal) as caught:
        parse_frame(query, form, placements=PLACEMENTS)
    return caught.value


def test_the_documented_post_parses_with_its_tokens_kept_secret() -> None:
    post = parse_frame(QUERY, FORM, placements=PLACEMENTS)
    assert post.domain == "portal.bitrix24.ru"
    assert post.origin == "https://portal.bitrix24.ru"
    assert post.auth_id.get_secret_value() == "a" * 64
    assert "a" * 64 not in repr(post)
    assert post.placement_options == {}


def test_the_sandbox_domain_with_a_port_is_a_plain_host() -> None:
    post = parse_frame(
        {**QUERY, "DOMAIN": "localhost:8123", "PROTOCOL": "0"}, FORM, placements=PLACEMENTS
    )
    assert post.origin == "http://localhost:8123"


@pytest.mark.parametrize(
    ("query", "form", "reason"),
    [
        ({"DOMAIN": "a.b/c"}, {}, "bad_domain"),
        ({"DOMAIN": "a.b\r\nSet-Cookie: x"}, {}, "bad_domain"),
        ({"PROTOCOL": "https"}, {}, "bad_protocol"),
        ({}, {"member_id": "a223c6b3710f85df22e9377d6c4f755"}, "bad_member_id"),
        ({}, {"PLACEMENT": "CRM_DEAL_DETAIL_TAB"}, "bad_placement"),
        ({}, {"PLACEMENT_OPTIONS": "[]"}, "bad_placement_options"),
        ({}, {"AUTH_ID": "a b"}, "bad_token"),
        ({}, {"REFRESH_ID": "short"}, "bad_token"),
        ({}, {"APPLICATION_TOKEN": "$$$$$$$$$$"}, "bad_application_token"),
        ({}, {"AUTH_EXPIRES": "-1"}, "bad_auth_expires"),
        ({}, {"AUTH_EXPIRES": "9" * 5000}, "bad_auth_expires"),  # int() would refuse it itself
        ({}, {"AUTH_EXPIRES": "²"}, "bad_auth_expires"),  # a digit to str.isdigit, not to int()
        ({}, {"DOMAIN": "other.bitrix24.ru"}, "conflicting_field"),
    ],
)
def test_what_cannot_be_genuine_is_refused_with_400(
    query: dict[str, str], form: dict[str, str], reason: str
) -> None:
    refusal = refusal_of({**QUERY, **query}, {**FORM, **form})
    assert (refusal.status, refusal.reason) == (400, reason)


def test_only_allowed_oauth_servers_are_trusted_and_only_at_urls_built_here() -> None:
    server = trusted_server("https://oauth.bitrix.info:443/rest/", ALLOWED)
    assert server.root == "https://oauth.bitrix.info"
    assert server.rest_endpoint == "https://oauth.bitrix.info/rest/"
    assert trusted_server("http://127.0.0.1:8081/rest", ALLOWED).root == "http://127.0.0.1:8081"


@pytest.mark.parametrize(
    ("endpoint", "status"),
    [
        ("https://evil.example/rest/", 403),
        ("https://oauth.bitrix.info.evil.example/rest/", 403),
        ("http://oauth.bitrix.info/rest/", 403),  # plain http off loopback
        ("https://oauth.bitrix.info:8443/rest/", 403),  # another port is another server
        ("https://user@oauth.bitrix.info/rest/", 400),
        ("https://oauth.bitrix.info/oauth/token/", 400),
        ("https://oauth.bitrix.info/rest/?x=1", 400),
        ("ftp://oauth.bitrix.info/rest/", 400),
        ("http://[::1/rest/", 400),
        ("", 400),
    ],
)
def test_any_other_server_is_refused(endpoint: str, status: int) -> None:
    with pytest.raises(Refusal) as caught:
        trusted_server(endpoint, ALLOWED)
    assert caught.value.status == status


def test_event_sections_and_repeated_fields() -> None:
    form = {"auth[member_id]": "m", "auth[x][y]": "deep", "data[CLEAN]": "1", "event": "E"}
    assert section(form, "auth") == {"member_id": "m"}
    assert section(form, "data") == {"CLEAN": "1"}
    with pytest.raises(Refusal) as caught:
        unique_fields([("a", "1"), ("a", "2")], "body")
    assert caught.value.reason == "repeated_field"
