"""Property: whatever params hhsync encodes into a batch command, a PHP-style parser reads back.

The reader is the sandbox's model of PHP's ``parse_str`` (bracket keys, ``0..n-1`` keys as lists),
so this checks our ``http_build_query`` against the rules Bitrix24 parses commands with.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

from hypothesis import given, settings
from hypothesis import strategies as st

from hhsync.bitrix.batch import Command, encode_query
from hhsync.sandbox.bitrix.batch import split_command
from hhsync.sandbox.bitrix.params import parse_query_string

keys = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,11}", fullmatch=True)
text = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)
scalars = st.one_of(text, st.integers(-(10**6), 10**6), st.booleans(), st.none())
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=4),
        st.dictionaries(keys, inner, min_size=1, max_size=4),
    ),
    max_leaves=12,
)
params = st.dictionaries(keys, values, min_size=1, max_size=5)


def as_php_reads_it(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: as_php_reads_it(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_php_reads_it(v) for v in value]
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    return str(value)


@settings(max_examples=60, deadline=None)
@given(params)
def test_encoded_params_parse_back_as_php_would(raw: dict[str, Any]) -> None:
    assert parse_query_string(encode_query(raw)) == as_php_reads_it(raw)


@settings(max_examples=60, deadline=None)
@given(params)
def test_a_command_splits_into_method_and_the_same_params(raw: dict[str, Any]) -> None:
    method, query = split_command(Command("crm.lead.add", raw).encode())
    assert method == "crm.lead.add"
    assert parse_query_string(query) == as_php_reads_it(raw)


base64_ish = st.text(st.sampled_from("AZaz09+/=-_.~[]%& \nйЯ"), max_size=60)


@settings(max_examples=200, deadline=None)
@given(base64_ish)
def test_a_value_is_escaped_as_quote_escapes_it(value: str) -> None:
    """A file's Base64 takes a one-pass escape; every value still reads as ``quote`` made it."""
    assert encode_query({"v": value}) == f"v={quote(value, safe='-_.')}"


def test_a_pdf_sized_base64_value_parses_back() -> None:
    content = base64.b64encode(bytes(range(256)) * 1200).decode("ascii")
    encoded = encode_query({"fields": {"UF": {"fileData": ["cv.pdf", content]}}})
    assert parse_query_string(encoded) == {"fields": {"UF": {"fileData": ["cv.pdf", content]}}}
