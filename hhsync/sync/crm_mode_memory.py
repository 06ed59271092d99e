"""What this process last heard of each portal's CRM mode, so a lead write does not ask each pass.

A classic-CRM answer is trusted for :data:`CLASSIC_TRUSTED_S`; a simple-CRM one never is (a pass
on such a portal asks again, so the administrator's switch back is seen at the next pass). A
portal switched to simple CRM within that window may still get leads, which the portal turns into
deals (b24restdocs ``crm/leads/index.md``) that carry none of hhsync's marks: every lead linked
since the last answer is marked, and :mod:`.lead_follow` asks again right after the writes that
linked it and follows each such lead to its deal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from hhsync.bitrix.crm_mode import CrmMode

CLASSIC_TRUSTED_S: Final = 600.0
"""How long a portal's «classic CRM» answer is taken as still true."""


@dataclass
class CrmModeMemory:
    """Portal id -> (mode, when the portal said so)."""

    heard: dict[int, tuple[CrmMode, datetime]] = field(default_factory=dict)

    def known(self, portal_id: int, now: datetime) -> CrmMode | None:
        """The mode still trusted at ``now``, or None when the portal must be asked."""
        entry = self.heard.get(portal_id)
        if entry is None:
            return None
        mode, at = entry
        fresh = now - at < timedelta(seconds=CLASSIC_TRUSTED_S)
        return mode if mode is CrmMode.CLASSIC and fresh else None

    def remember(self, portal_id: int, mode: CrmMode, now: datetime) -> None:
        """What the portal answered at ``now``."""
        self.heard[portal_id] = (mode, now)
