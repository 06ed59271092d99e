"""A sandbox Bitrix24 portal wired to the hh.ru sandbox in our database, as an HR team would.

The demo, the benchmark, the multi-instance check and the daemon tests all start from the state a
real install leaves: the portal's row with its tokens, the employer's admin manager linked after the
hh.ru login, and saved settings (their first save is what starts the initial import). Both
sandboxes' control APIs (``/_sandbox/``) hand out the tokens the browser steps would, so this takes
a few requests instead of a click-through.

It lives outside ``hhsync/sandbox/`` because the sandboxes import only payload models
(ARCHITECTURE.md, "Rules of the house") and this writes to hhsync's own database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, Final

import httpx

from hhsync.clock import Clock, SystemClock
from hhsync.db import accounts, portals
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.db.tables import EntityType, StageMode
from hhsync.db.tokens import TokenPair

RESPONSE_AND_INVITATION_STAGES: Final[Mapping[str, str]] = MappingProxyType(
    {"response": "NEW", "invitation": "IN_PROCESS"}
)
"""Simple stage mode on leads: responses land in NEW, invitations in IN_PROCESS."""


@dataclass(frozen=True)
class SandboxPortal:
    """What was stored (ids for the engine) and whom it links (ids for the hh.ru sandbox)."""

    portal_id: int
    account_id: int
    domain: str
    employer_id: str
    manager_id: str


async def install_sandbox_portal(
    http: httpx.AsyncClient,
    hh_url: str | httpx.URL,
    bitrix_url: str | httpx.URL,
    database: Database,
    cipher: TokenCipher,
    *,
    domain: str,
    entity_type: EntityType = EntityType.LEAD,
    stage_mode: StageMode = StageMode.SIMPLE,
    stage_map: Mapping[str, str] = RESPONSE_AND_INVITATION_STAGES,
    responsible_user_id: int | None = None,
    clock: Clock | None = None,
    crm_known_empty: bool = True,
    employer_index: int = 0,
) -> SandboxPortal:
    """Install the app on a new sandbox portal, link an employer's admin, save settings.

    ``hh_url`` and ``bitrix_url`` are the running sandboxes (with or without a trailing slash, so a
    client's ``base_url`` will do). Each call asks hh.ru for a fresh token pair, because refresh
    tokens work once and every portal's account refreshes on its own. The settings are saved in
    one go, so the portal is configured (and its initial import due) on return.

    The portal is created here, so its CRM is known to be empty: its row is stored without the
    mark that makes a first import look every negotiation up by origin before creating it
    (:func:`hhsync.db.portals.install_portal`), and the import costs what a new CRM costs.
    ``crm_known_empty=False`` stores the mark as a real install does (the benchmark measures
    that import too). ``employer_index`` picks which of the sandbox's employers the portal's
    admin logs in to (the first by default; a fleet of portals gives each its own).
    """
    now = (clock or SystemClock()).now()
    install = await _portal_install(http, httpx.URL(bitrix_url), domain, now)
    async with database.session() as session:
        portal = await portals.install_portal(
            session, cipher, install, now, crm_known_empty=crm_known_empty
        )
        if portal.id is None:
            raise RuntimeError(f"portal {domain} was not stored")
    account_id, link = await link_and_configure(
        http,
        hh_url,
        database,
        cipher,
        portal.id,
        entity_type=entity_type,
        stage_mode=stage_mode,
        stage_map=stage_map,
        responsible_user_id=responsible_user_id,
        now=now,
        employer_index=employer_index,
    )
    return SandboxPortal(
        portal.id, account_id, install.domain, link.hh_employer_id, link.hh_manager_id
    )


async def link_and_configure(
    http: httpx.AsyncClient,
    hh_url: str | httpx.URL,
    database: Database,
    cipher: TokenCipher,
    portal_id: int,
    *,
    entity_type: EntityType = EntityType.LEAD,
    stage_mode: StageMode = StageMode.SIMPLE,
    stage_map: Mapping[str, str] = RESPONSE_AND_INVITATION_STAGES,
    responsible_user_id: int | None = None,
    now: datetime,
    employer_index: int = 0,
) -> tuple[int, accounts.AccountLink]:
    """What the HR team does on a stored portal: an employer's admin (the first employer's
    unless ``employer_index`` says) logs in to hh.ru, the settings are saved. Returns the
    account's id and what was linked."""
    link = await _admin_login(http, httpx.URL(hh_url), now, employer_index)
    async with database.session() as session:
        account = await accounts.link_account(session, cipher, portal_id, link, now)
        if account.id is None:
            raise RuntimeError(f"the hh.ru account of portal {portal_id} was not stored")
        await portals.save_settings(
            session,
            portal_id,
            sandbox_settings(entity_type, stage_mode, stage_map, responsible_user_id),
            now,
        )
    return account.id, link


def sandbox_settings(
    entity_type: EntityType = EntityType.LEAD,
    stage_mode: StageMode = StageMode.SIMPLE,
    stage_map: Mapping[str, str] = RESPONSE_AND_INVITATION_STAGES,
    responsible_user_id: int | None = None,
) -> dict[str, Any]:
    """The settings an HR team saves first: the CRM entity, the stages, the responsible user."""
    return {
        "entity_type": entity_type.value,
        "stage_mode": stage_mode.value,
        "stage_map": dict(stage_map),
        "responsible_user_id": responsible_user_id,
    }


async def save_sandbox_settings(
    database: Database,
    portal_id: int,
    *,
    responsible_user_id: int | None = None,
    clock: Clock | None = None,
) -> None:
    """Save a portal's first settings (leads, responses → NEW, invitations → IN_PROCESS): what
    starts its initial import."""
    now = (clock or SystemClock()).now()
    async with database.session() as session:
        await portals.save_settings(
            session, portal_id, sandbox_settings(responsible_user_id=responsible_user_id), now
        )


async def _admin_login(
    http: httpx.AsyncClient, hh_url: httpx.URL, now: datetime, employer_index: int = 0
) -> accounts.AccountLink:
    """An employer's admin manager and a token pair, as the OAuth login would give."""
    world = _json(await http.get(hh_url.join("/_sandbox/state")))
    employer = world["employers"][employer_index]
    admin = next(m for m in employer["managers"] if m["is_admin"])
    answer = await http.post(hh_url.join("/_sandbox/tokens"), json={"manager_id": admin["id"]})
    return manager_link(employer, admin, _json(answer), now)


def manager_link(
    employer: Mapping[str, Any],
    manager: Mapping[str, Any],
    tokens: Mapping[str, Any],
    now: datetime,
) -> accounts.AccountLink:
    """What an hh.ru login of ``manager`` leaves to link: the sandbox's state of the employer and
    manager, and the token pair its ``/_sandbox/tokens`` gave."""
    return accounts.AccountLink(
        str(employer["id"]),
        str(manager["id"]),
        employer["name"],
        manager["name"],
        bool(manager["is_admin"]),
        TokenPair(
            tokens["access_token"],
            tokens["refresh_token"],
            now + timedelta(seconds=tokens["expires_in"]),
        ),
    )


async def _portal_install(
    http: httpx.AsyncClient, bitrix_url: httpx.URL, domain: str, now: datetime
) -> portals.PortalInstall:
    """A new portal with the app installed: what its install event would carry."""
    answer = await http.post(bitrix_url.join("/_sandbox/portals"), json={"domain": domain})
    install = _json(answer)
    return portals.PortalInstall(
        member_id=install["member_id"],
        domain=install["domain"],
        client_endpoint=install["client_endpoint"],
        server_endpoint=install["server_endpoint"],
        access_token=install["access_token"],
        refresh_token=install["refresh_token"],
        access_expires_at=now + timedelta(seconds=install["expires_in"]),
        application_token=install["application_token"],
    )


def _json(response: httpx.Response) -> Any:
    """The answer's body; a refused control call fails here with the sandbox's reason."""
    response.raise_for_status()
    return response.json()


async def add_portal(
    database: Database,
    cipher: TokenCipher,
    hh: httpx.AsyncClient,
    bitrix: httpx.AsyncClient,
    domain: str,
) -> int:
    """A portal with the app installed, the hh.ru admin manager linked and settings saved.

    ``hh`` and ``bitrix`` are clients of the two sandboxes (their ``base_url`` says where).
    """
    installed = await install_sandbox_portal(
        hh, hh.base_url, bitrix.base_url, database, cipher, domain=domain
    )
    return installed.portal_id
