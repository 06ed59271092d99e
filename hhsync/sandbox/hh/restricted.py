"""Resumes an employer cannot view in full, as real hh.ru serves some of them.

hh.ru's spec (``ResumeEmployerFields``) gives every resume ``can_view_full_info`` and
``contact_view_status``: ``FULL`` (all contacts), ``IPC`` (talk only inside hh.ru, outside
contacts hidden) or ``NONE`` (no contact channel). Without full view the names and photo are
``null`` too, and ``actions`` offers the paid ``get_with_contact``/``download_with_contact``
links (the spec's example of a resume list with ``can_view_full_info: false``). A seeded share of
the generated resumes comes this way, chosen apart from the generator's own random stream so the
rest of the world stays the same whatever the share.
"""

from __future__ import annotations

import random

from hhsync.sandbox.hh.store import HhStore

CONTACT_VIEW_STATUSES = ("FULL", "IPC", "NONE")


def restrict_resumes(store: HhStore, share: float, seed: int) -> None:
    """Make about ``share`` of the resumes ``IPC`` or ``NONE`` (half each), the same for a seed."""
    if not 0.0 <= share <= 1.0:
        raise ValueError("restricted_resume_share must be between 0 and 1")
    rng = random.Random(f"{seed}:restricted")
    for resume_id in sorted(store.resumes):
        if rng.random() < share:
            store.resumes[resume_id].contact_view_status = "NONE" if rng.random() < 0.5 else "IPC"


def full_view(status: str) -> bool:
    """Whether the employer sees the resume in full (names, photo, contacts)."""
    return status == "FULL"
