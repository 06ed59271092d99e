"""Messages of the settings page: journal."""

from __future__ import annotations

from typing import Final

RU: Final[dict[str, str]] = {}

EN: Final[dict[str, str]] = {}
