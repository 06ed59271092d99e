"""Resumes a create has opened on hh.ru, kept encrypted until the CRM holds what they gave.

hh.ru counts every open of a resume (and every PDF download) against the manager's daily views
(hh.ru's terms quoted in hhru/api #855), so a negotiation opens its resume once: the create that
fails and is retried, the pass that is cut short, the activity added later all read this copy.

The copy holds personal data (contacts, the PDF), so it is encrypted with the token key and kept
only as long as needed: it is deleted once the negotiation's entity and its timeline activity are
both recorded (:func:`forget`), when its account logs out (:func:`forget_account`: no create of it
runs again), and once it is older than ``sync.resume_copy_max_age_s`` (:func:`sweep` every pass,
:func:`sweep_everywhere` by the daemon; a create still failing after that opens the resume
again); it goes with its negotiation or portal (``ON DELETE CASCADE``). Once the entity holds
the PDF, the copy keeps only the resume (:func:`drop_pdf`). Every function but the daemon's sweep
takes the portal id and never crosses it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hhsync.db.crypto import TokenCipher
from hhsync.db.tables import Negotiation, ResumeCopy


@dataclass(frozen=True)
class KeptResume:
    """A resume as it was read, and its PDF once that is settled."""

    resume_json: str
    pdf_settled: bool = False
    pdf_name: str | None = None
    pdf: bytes | None = None


async def _negotiation_id(
    session: AsyncSession, portal_id: int, hh_negotiation_id: str
) -> int | None:
    result = await session.exec(
        select(Negotiation.id).where(
            col(Negotiation.portal_id) == portal_id,
            col(Negotiation.hh_negotiation_id) == hh_negotiation_id,
        )
    )
    return result.first()


async def load(
    session: AsyncSession, cipher: TokenCipher, portal_id: int, hh_negotiation_id: str
) -> KeptResume | None:
    """The kept copy of the negotiation's resume, if one is kept."""
    result = await session.exec(
        select(ResumeCopy)
        .join(Negotiation, col(Negotiation.id) == col(ResumeCopy.negotiation_id))
        .where(
            col(ResumeCopy.portal_id) == portal_id,
            col(Negotiation.portal_id) == portal_id,
            col(Negotiation.hh_negotiation_id) == hh_negotiation_id,
        )
    )
    row = result.first()
    if row is None:
        return None
    pdf = base64.b64decode(cipher.decrypt(row.pdf_enc)) if row.pdf_enc is not None else None
    return KeptResume(cipher.decrypt(row.resume_enc), row.pdf_settled, row.pdf_name, pdf)


async def keep(
    session: AsyncSession,
    cipher: TokenCipher,
    portal_id: int,
    hh_negotiation_id: str,
    kept: KeptResume,
    now: datetime,
) -> bool:
    """Store (or replace) the copy; False when the negotiation is not stored (a dry run)."""
    negotiation_id = await _negotiation_id(session, portal_id, hh_negotiation_id)
    if negotiation_id is None:
        return False
    row = await session.get(ResumeCopy, negotiation_id)
    if row is None:
        row = ResumeCopy(
            negotiation_id=negotiation_id, portal_id=portal_id, resume_enc="", fetched_at=now
        )
    row.resume_enc = cipher.encrypt(kept.resume_json)
    row.pdf_enc = (
        cipher.encrypt(base64.b64encode(kept.pdf).decode("ascii")) if kept.pdf is not None else None
    )
    row.pdf_name = kept.pdf_name
    row.pdf_settled = kept.pdf_settled
    row.fetched_at = now
    session.add(row)
    await session.flush()
    return True


async def forget(session: AsyncSession, portal_id: int, hh_negotiation_id: str) -> None:
    """Delete the copy: the CRM now holds what the resume gave."""
    negotiation_id = await _negotiation_id(session, portal_id, hh_negotiation_id)
    if negotiation_id is None:
        return
    await session.exec(
        delete(ResumeCopy).where(
            col(ResumeCopy.portal_id) == portal_id,
            col(ResumeCopy.negotiation_id) == negotiation_id,
        )
    )


async def forget_account(session: AsyncSession, portal_id: int, hh_account_id: int) -> int:
    """Delete the copies of an account's negotiations (it logged out: none is created now)."""
    ids = select(Negotiation.id).where(
        col(Negotiation.portal_id) == portal_id, col(Negotiation.hh_account_id) == hh_account_id
    )
    result = await session.exec(
        delete(ResumeCopy).where(
            col(ResumeCopy.portal_id) == portal_id, col(ResumeCopy.negotiation_id).in_(ids)
        )
    )
    return int(result.rowcount)


async def drop_pdf(session: AsyncSession, portal_id: int, hh_negotiation_id: str) -> None:
    """The entity holds the PDF now: keep only what its activity still needs (the resume)."""
    negotiation_id = await _negotiation_id(session, portal_id, hh_negotiation_id)
    if negotiation_id is None:
        return
    await session.exec(
        update(ResumeCopy)
        .where(
            col(ResumeCopy.portal_id) == portal_id,
            col(ResumeCopy.negotiation_id) == negotiation_id,
        )
        .values(pdf_enc=None)
    )


async def sweep(session: AsyncSession, portal_id: int, fetched_before: datetime) -> int:
    """Delete the portal's copies fetched before ``fetched_before``; returns how many.

    A copy outlives its use only when the create or activity keeps failing (or never runs
    again): personal data is not kept for that; a later retry opens the resume again."""
    result = await session.exec(
        delete(ResumeCopy).where(
            col(ResumeCopy.portal_id) == portal_id,
            col(ResumeCopy.fetched_at) < fetched_before,
        )
    )
    return int(result.rowcount)


async def sweep_everywhere(session: AsyncSession, fetched_before: datetime) -> int:
    """:func:`sweep` for every portal at once: the daemon's housekeeping, for the portals no pass
    runs for (parked, uninstalled), whose copies would otherwise stay."""
    result = await session.exec(
        delete(ResumeCopy).where(col(ResumeCopy.fetched_at) < fetched_before)
    )
    return int(result.rowcount)


async def count(session: AsyncSession, portal_id: int) -> int:
    """How many copies the portal keeps (status and tests)."""
    result = await session.exec(
        select(ResumeCopy.negotiation_id).where(col(ResumeCopy.portal_id) == portal_id)
    )
    return len(result.all())
