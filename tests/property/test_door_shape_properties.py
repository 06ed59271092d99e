"""Whatever is posted, the door's first steps either accept it or refuse it with a 4xx: no other
exception (which would be a 500), and nothing accepted that a URL or header could be bent with."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from hypothesis import given
from hypothesis import strategies as st

from hhsync.model.hosts import is_host_port
from hhsync.web.bitrix_door.forms import section
from hhsync.web.bitrix_door.frame import parse_frame
from hhsync.web.bitrix_door.refusals import Refusal
from hhsync.web.bitrix_door.servers import trusted_server

FIELDS = (
    "DOMAIN",
    "PROTOCOL",
    "LANG",
    "AUTH_ID",
    "AUTH_EXPIRES",
    "REFRESH_ID",
    "SERVER_ENDPOINT",
    "APPLICATION_TOKEN",
    "member_id",
    "PLACEMENT",
    "PLACEMENT_OPTIONS",
)
text = st.text(max_size=80)
posted = st.dictionaries(st.sampled_from(FIELDS), text)
PLACEMENTS = frozenset({"DEFAULT"})
T = TypeVar("T")


def attempt(call: Callable[[], T]) -> T | Refusal:
    """What ``call`` returns, or the refusal it raised (anything else propagates: a 500)."""
    try:
        return call()
    except Refusal as refusal:
        return refusal


@given(posted, posted)
def test_a_frame_post_is_parsed_or_refused_with_a_4xx(
    query: dict[str, str], form: dict[str, str]
) -> None:
    post = attempt(lambda: parse_frame(query, form, placements=PLACEMENTS))
    if isinstance(post, Refusal):
        assert 400 <= post.status < 500
        assert "\n" not in post.detail
        return
    assert is_host_port(post.domain)
    assert post.origin.split("://", 1)[1] == post.domain


@given(text)
def test_a_server_endpoint_is_trusted_or_refused_with_a_4xx(endpoint: str) -> None:
    server = attempt(lambda: trusted_server(endpoint, ["oauth.bitrix.info", "127.0.0.1:8081"]))
    if isinstance(server, Refusal):
        assert server.status in {400, 403}
        return
    assert server.netloc in {"oauth.bitrix.info", "127.0.0.1:8081"}


@given(st.dictionaries(text, text))
def test_sections_of_any_form_hold_only_bracketed_keys(form: dict[str, str]) -> None:
    for key in section(form, "auth"):
        assert f"auth[{key}]" in form
