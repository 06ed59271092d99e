"""Portals (tenants) and their settings: install, look-up and the settings the HR team saves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hhsync.db.crypto import TokenCipher
from hhsync.db.tables import Portal, PortalSettings, PortalStatus


@dataclass(frozen=True)
class PortalInstall:
    """What a portal sends when the app is installed (or reinstalled)."""

    member_id: str
    domain: str
    client_endpoint: str
    server_endpoint: str
    access_token: str
    refresh_token: str
    access_expires_at: datetime
    application_token: str | None = None
    lang: str = "ru"

    def __repr__(self) -> str:
        return f"PortalInstall(member_id={self.member_id!r}, domain={self.domain!r})"


async def install_portal(
    session: AsyncSession,
    cipher: TokenCipher,
    install: PortalInstall,
    now: datetime,
    *,
    crm_known_empty: bool = False,
) -> Portal:
    """Create the portal, or refresh its endpoints and tokens on reinstall (same member_id).

    A row created here may sit over a CRM that already holds entities of ours with no row left:
    the app was removed with its data (``data[CLEAN]=1``) and installed again, or another
    installation or a lost database filled it. So a new row records ``now`` as
    ``unrecorded_before``, and negotiations hh.ru created before it are looked up by origin
    before they are created (ARCHITECTURE.md invariant 1). ``crm_known_empty`` is for a caller
    that has just created the portal itself (a sandbox's new portal): nothing to look up. A
    reinstall keeps the row, its rows and its mark as they were.
    """
    portal = await get_portal_by_member_id(session, install.member_id)
    if portal is None:
        portal = Portal(
            member_id=install.member_id,
            domain=install.domain,
            client_endpoint=install.client_endpoint,
            server_endpoint=install.server_endpoint,
            access_token_enc="",
            refresh_token_enc="",
            access_expires_at=install.access_expires_at,
            installed_at=now,
            unrecorded_before=None if crm_known_empty else now,
            updated_at=now,
        )
    portal.domain = install.domain
    portal.client_endpoint = install.client_endpoint
    portal.server_endpoint = install.server_endpoint
    portal.access_token_enc = cipher.encrypt(install.access_token)
    portal.refresh_token_enc = cipher.encrypt(install.refresh_token)
    if install.application_token:
        # Kept when an install carries none (older portals omit it): events still need it.
        portal.application_token_enc = cipher.encrypt(install.application_token)
    portal.access_expires_at = install.access_expires_at
    portal.token_version += 1
    portal.lang = install.lang
    portal.status = PortalStatus.ACTIVE
    portal.status_reason = None
    portal.updated_at = now
    session.add(portal)
    await session.flush()
    return portal


UNINSTALLED_REASON = "the app was removed from the portal"


async def uninstall_portal(
    session: AsyncSession, portal_id: int, now: datetime, reason: str = UNINSTALLED_REASON
) -> Portal | None:
    """Mark the portal uninstalled and wipe its tokens; its other rows stay for a reinstall.

    The token version moves on, so a pass still running cannot store a refreshed pair over the
    wiped one (its compare-and-swap fails).
    """
    portal = await session.get(Portal, portal_id)
    if portal is None:
        return None
    portal.status = PortalStatus.UNINSTALLED
    portal.status_reason = reason
    portal.access_token_enc = ""
    portal.refresh_token_enc = ""
    portal.application_token_enc = None
    portal.token_version += 1
    portal.updated_at = now
    session.add(portal)
    await session.flush()
    return portal


async def delete_portal(session: AsyncSession, portal_id: int) -> bool:
    """Delete the portal and, by cascade, every row of it (the uninstall asked to clean up)."""
    result = await session.exec(delete(Portal).where(col(Portal.id) == portal_id))
    return bool(result.rowcount)


async def set_application_token(
    session: AsyncSession, cipher: TokenCipher, portal_id: int, token: str, now: datetime
) -> bool:
    """Replace the token the portal's events carry (an app update issues a new one)."""
    result = await session.exec(
        update(Portal)
        .where(col(Portal.id) == portal_id)
        .values(application_token_enc=cipher.encrypt(token), updated_at=now)
    )
    return bool(result.rowcount)


async def move_portal(
    session: AsyncSession, portal_id: int, domain: str, client_endpoint: str, now: datetime
) -> bool:
    """Store the portal's new address after a verified domain change."""
    result = await session.exec(
        update(Portal)
        .where(col(Portal.id) == portal_id)
        .values(domain=domain, client_endpoint=client_endpoint, updated_at=now)
    )
    return bool(result.rowcount)


async def get_portal(session: AsyncSession, portal_id: int) -> Portal | None:
    """The portal with this id."""
    return await session.get(Portal, portal_id)


async def poll_interval_s(session: AsyncSession, portal_id: int, default_s: float) -> float:
    """Seconds between the portal's passes: its own interval, else the global ``default_s``."""
    portal = await session.get(Portal, portal_id)
    if portal is not None and portal.poll_interval_s:
        return float(portal.poll_interval_s)
    return default_s


async def get_portal_by_member_id(session: AsyncSession, member_id: str) -> Portal | None:
    """The portal Bitrix24 identifies by ``member_id``."""
    result = await session.exec(select(Portal).where(col(Portal.member_id) == member_id))
    return result.first()


async def list_portals(session: AsyncSession, status: PortalStatus | None = None) -> list[Portal]:
    """Every portal (optionally only those in one status), oldest first."""
    query = select(Portal).order_by(col(Portal.id))
    if status is not None:
        query = query.where(col(Portal.status) == status)
    return list((await session.exec(query)).all())


async def set_portal_status(
    session: AsyncSession, portal_id: int, status: PortalStatus, reason: str | None, now: datetime
) -> Portal | None:
    """Pause, resume or park a portal; returns None when there is no such portal."""
    portal = await session.get(Portal, portal_id)
    if portal is None:
        return None
    portal.status = status
    portal.status_reason = reason
    portal.updated_at = now
    session.add(portal)
    await session.flush()
    return portal


async def get_settings(session: AsyncSession, portal_id: int) -> PortalSettings | None:
    """The portal's saved settings, None until the HR team first saves them."""
    return await session.get(PortalSettings, portal_id)


SETTINGS_FIELDS = frozenset(
    {
        "entity_type",
        "responsible_user_id",
        "category_id",
        "source_id",
        "stage_mode",
        "stage_map",
        "import_archived",
        "link_contacts",
        "routing_rules",
    }
)


async def save_settings(
    session: AsyncSession, portal_id: int, changes: dict[str, Any], now: datetime
) -> tuple[PortalSettings, bool]:
    """Save settings for one portal; returns them and whether this was the first save.

    The first save is what starts the initial import, so the caller needs to know; it also makes
    the portal due at once, so the import does not wait out the poll interval of a pass that
    found the portal unconfigured a moment earlier.
    """
    unknown = set(changes) - SETTINGS_FIELDS
    if unknown:
        raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
    current = await session.get(PortalSettings, portal_id)
    first = current is None or current.configured_at is None
    if current is None:
        current = PortalSettings(portal_id=portal_id, updated_at=now)
    merged = current.model_dump() | changes
    validated = PortalSettings.model_validate(merged)
    for key in SETTINGS_FIELDS:
        setattr(current, key, getattr(validated, key))
    if first:
        current.configured_at = now
        portal = await session.get(Portal, portal_id)
        if portal is not None:
            portal.next_pass_at = None
            session.add(portal)
    current.updated_at = now
    session.add(current)
    await session.flush()
    return current, first
