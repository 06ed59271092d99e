"""How far a portal's import has come: the counters the settings page and `hhsync status` show."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ImportProgress:
    """The initial import's counters, counted from the stored negotiations."""

    loaded: int
    """Responses and invitations read from hh.ru and stored."""
    imported: int
    """Of those, with a CRM entity."""
    failed: int
    """Kept with their reason, waiting for a retry."""
    pending: int
    """Not sent yet, or sent with no recorded outcome."""
