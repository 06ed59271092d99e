"""Numbers from requests: ASCII digits only, never more than the bound; what ``str.isdigit``
lets through ('²', Arabic-Indic digits, endless strings) is refused, not turned into a 500."""

from __future__ import annotations

import pytest

from hhsync.web.request_numbers import ascii_decimal


@pytest.mark.parametrize(
    ("text", "number"), [("0", 0), ("7", 7), ("0042", 42), ("9" * 18, 10**18 - 1)]
)
def test_ascii_digits_within_the_bound_are_read(text: str, number: int) -> None:
    assert ascii_decimal(text, max_digits=18) == number


@pytest.mark.parametrize(
    "text",
    [
        "",
        "²",
        "1²",
        "١٢",
        "۱۲",
        "१२",
        "１２",
        "-1",
        "+1",
        " 1",
        "1 ",
        "1\n",
        "1_0",
        "1.0",
        "0x1",
        "9" * 19,
        "9" * 5000,
    ],
)
def test_anything_else_is_none(text: str) -> None:
    assert ascii_decimal(text, max_digits=18) is None
