"""Pure: the portal's CRM mode, ``crm.settings.mode.get``: classic (with leads) or simple (none).

b24restdocs ``api-reference/crm/crm-settings-mode-get.md``: the result is ``1`` for classic and
``2`` for simple mode. A simple-CRM portal keeps no leads: ``crm.lead.add`` there still answers an
id, but the portal converts the lead into a deal at once (``crm/leads/index.md``), so hhsync never
writes leads to such a portal and asks for deals instead.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from hhsync.bitrix.batch import Command

METHOD = "crm.settings.mode.get"


class CrmMode(IntEnum):
    """``crm.enum.settings.mode``: 1 «Classic CRM», 2 «Simple CRM»."""

    CLASSIC = 1
    SIMPLE = 2

    @property
    def has_leads(self) -> bool:
        """Whether leads exist on the portal."""
        return self is CrmMode.CLASSIC


def settings_mode_get() -> Command:
    """``crm.settings.mode.get`` (no parameters)."""
    return Command(METHOD)


def parse_mode(result: Any) -> CrmMode:
    """The mode from the method's result (an integer, maybe as a string).

    An unknown number is read as classic: leads are what a portal has unless it says otherwise.
    """
    try:
        number = int(result)
    except (TypeError, ValueError):
        return CrmMode.CLASSIC
    return CrmMode.SIMPLE if number == CrmMode.SIMPLE else CrmMode.CLASSIC
