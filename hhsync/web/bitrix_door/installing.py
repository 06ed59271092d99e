"""Installing on a portal: its row and tokens stored, then what the installer registers.

The tokens are an administrator's (the installer's ``AUTH_ID``/``REFRESH_ID``, or those of an
ONAPPINSTALL event), stored encrypted with the ``client_endpoint`` that ``app.info`` gave and the
trusted OAuth server. A reinstall (same ``member_id``) updates that row, so the portal keeps its
hh.ru accounts, settings and synced negotiations: nothing is created twice. Registration then
runs with the stored tokens; a refresh on the way is stored first (compare-and-swap on the
token version), as every Bitrix24 client of hhsync does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from pydantic import SecretStr
from sqlalchemy.exc import IntegrityError

from hhsync import texts
from hhsync.bitrix.client import BitrixClient
from hhsync.db import portals
from hhsync.db.portals import PortalInstall
from hhsync.db.tables import Portal
from hhsync.db.tokens import read_portal_tokens
from hhsync.log import get_logger
from hhsync.sync.portal_tokens import portal_token_store
from hhsync.web.bitrix_door.bindings import (
    StepOutcome,
    bind_events,
    bind_toolbars,
    create_user_fields,
)
from hhsync.web.bitrix_door.context import APP_PATH, EVENTS_PATH, DoorContext
from hhsync.web.bitrix_door.proof import ProvenToken
from hhsync.web.bitrix_door.refusals import Refusal
from hhsync.web.bitrix_door.servers import OAuthServer

log = get_logger(__name__)


@dataclass(frozen=True)
class Grant:
    """An administrator's tokens, proven with ``app.info``, ready to store."""

    server: OAuthServer
    proven: ProvenToken
    access_token: SecretStr
    refresh_token: SecretStr
    expires_s: int
    application_token: SecretStr | None
    lang: str = "ru"

    def __repr__(self) -> str:
        return f"Grant(member_id={self.proven.member_id!r}, domain={self.proven.domain!r})"


@dataclass
class InstallReport:
    """What one run of the installer did, for its page."""

    portal_id: int
    reinstalled: bool
    events: StepOutcome = field(default_factory=StepOutcome)
    toolbars: StepOutcome = field(default_factory=StepOutcome)
    user_fields: StepOutcome = field(default_factory=StepOutcome)

    @property
    def complete(self) -> bool:
        """The registrations only an installer makes are in place: the page may call
        ``installFinish()``. User fields do not hold it back: a pass creates any that are missing
        before its first write (:func:`hhsync.sync.userfields.ensure_user_fields`)."""
        return self.events.ok and self.toolbars.ok


async def store_grant(door: DoorContext, grant: Grant) -> tuple[Portal, bool]:
    """Store (or, same ``member_id``, update) the portal with ``grant``'s tokens, active.

    Returns the stored row and whether it existed before.
    """
    now = door.web.clock.now()
    install = PortalInstall(
        member_id=grant.proven.member_id,
        domain=grant.proven.domain,
        client_endpoint=grant.proven.client_endpoint,
        server_endpoint=grant.server.rest_endpoint,
        access_token=grant.access_token.get_secret_value(),
        refresh_token=grant.refresh_token.get_secret_value(),
        access_expires_at=now + timedelta(seconds=grant.expires_s),
        application_token=(
            grant.application_token.get_secret_value() if grant.application_token else None
        ),
        lang=grant.lang,
    )
    try:
        return await _store(door, install)
    except IntegrityError:
        # Two opens of one new portal at once (a double click, ONAPPINSTALL beside the
        # installer): the other stored the row first, so this try updates it.
        return await _store(door, install)


async def _store(door: DoorContext, install: PortalInstall) -> tuple[Portal, bool]:
    async with door.web.database.session() as session:
        found = await portals.get_portal_by_member_id(session, install.member_id)
        portal = await portals.install_portal(
            session, door.web.cipher, install, now=door.web.clock.now()
        )
    return portal, found is not None


async def install(door: DoorContext, grant: Grant) -> InstallReport:
    """Store the portal, then bind events and toolbars and create the user fields."""
    async with door.install_lock(grant.proven.member_id):
        portal, existed = await store_grant(door, grant)
        if portal.id is None:
            raise ValueError("a stored portal has an id")
        client = stored_client(door, portal, grant.server)
        report = InstallReport(portal.id, existed)
        report.events = await bind_events(client, door.url(EVENTS_PATH))
        report.toolbars = await bind_toolbars(
            client, door.url(APP_PATH), texts.PLACEMENT_TITLE, texts.PLACEMENT_DESCRIPTION
        )
        report.user_fields = await create_user_fields(client)
    log.info(
        "b24.install_finished" if report.complete else "b24.install_incomplete",
        portal=portal.id,
        member_id=portal.member_id,
        reinstalled=existed,
        events_added=report.events.added,
        toolbars_added=report.toolbars.added,
        user_fields_added=len(report.user_fields.added),
        failed=[
            f"{name}: {step.error}"
            for name, step in (
                ("events", report.events),
                ("toolbars", report.toolbars),
                ("user_fields", report.user_fields),
            )
            if step.error
        ],
    )
    return report


def stored_client(door: DoorContext, portal: Portal, server: OAuthServer) -> BitrixClient:
    """A client on the stored tokens; a refreshed pair is stored before it is used, and a pair
    another client (a pass, another daemon) stored meanwhile is adopted instead of refreshing."""
    if portal.id is None:
        raise ValueError("a stored portal has an id")
    stored = read_portal_tokens(portal, door.web.cipher)
    web = door.web
    store = portal_token_store(
        web.database,
        web.cipher,
        web.clock,
        portal_id=portal.id,
        version=stored.version,
        race_lost=lambda: Refusal(
            409, "token_race", "another process refreshed the portal's tokens"
        ),
    )

    return door.portal_client(
        server,
        portal.client_endpoint,
        portal.member_id,
        SecretStr(stored.access_token),
        SecretStr(stored.refresh_token),
        store.persist,
        store.reload,
    )
