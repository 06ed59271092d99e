"""How long a portal waits after Bitrix24 refused it until a person acts (pure).

A manual block by Bitrix24 support (``OVERLOAD_LIMIT``), a method awaiting the administrator's
confirmation or the wrong kind of authorisation do not pass by themselves within seconds; asking
again every poll interval would only add to the overload the block is about. The wait starts at
the refusal's own hold and doubles with each failed pass in a row, up to :data:`HOLD_MAX_S`, so a
block lifted after an hour is noticed within the hour and a week-long one costs a few calls a day.
"""

from __future__ import annotations

from typing import Final

HOLD_MAX_S: Final = 6 * 3600.0
"""The longest wait between two passes of a held portal."""


def hold_delay_s(base_s: float, failing_passes: int, poll_interval_s: float) -> float:
    """Seconds until a held portal's next pass: ``base_s`` doubled per earlier failed pass of
    the streak (``failing_passes`` counts this one), never below the poll interval."""
    doublings = min(max(failing_passes - 1, 0), 16)
    held = min(base_s * 2.0**doublings, HOLD_MAX_S)
    return max(held, poll_interval_s)
