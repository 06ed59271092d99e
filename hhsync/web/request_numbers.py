"""Numbers in request input: ASCII digits only, with a bound on their count.

``str.isdigit`` is no check for this: it accepts '²', Arabic-Indic '١٢' and other digits that
``int`` refuses or reads differently, and a digit string of any length, which the database's
integer columns refuse. Every number a request carries in a path, query or form field goes
through :func:`ascii_decimal`, so a bad one gets its route's stable 4xx, never a 500.
"""

from __future__ import annotations

import re
from typing import Final

_ASCII_DIGITS: Final = re.compile(r"[0-9]+")


def ascii_decimal(text: str, *, max_digits: int) -> int | None:
    """The number ``text`` spells in 1 to ``max_digits`` ASCII digits and nothing else (no sign,
    space or other script's digits); None for anything else."""
    if len(text) > max_digits or _ASCII_DIGITS.fullmatch(text) is None:
        return None
    return int(text)
