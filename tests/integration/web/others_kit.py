"""What the «Другие отклики» tests share: both sandboxes with their stores at hand (the hh.ru
store is the oracle of who is the same applicant), a synced portal, the daemon's app with the
door over the same database, and a click on an activity's button carried to ``POST /b24/app``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.sandbox.bitrix.app import BitrixSandboxConfig
from hhsync.sandbox.bitrix.app import create_app as create_bitrix
from hhsync.sandbox.bitrix.rest import BitrixSandbox
from hhsync.sandbox.hh.app import HhSandboxConfig
from hhsync.sandbox.hh.app import create_app as create_hh
from hhsync.sandbox.hh.runtime import HhSandbox
from hhsync.testing.html_page import Document, read_document
from hhsync.testing.server import client_tls, serve_all
from hhsync.testing.world import World, open_world
from hhsync.web.context import WebContext
from tests.integration.web.door_kit import asgi_client, door_app, door_settings, netloc


@dataclass
class OthersWorld:
    """A synced portal (``world``), the sandboxes' live stores and the app with the door."""

    world: World
    hh: HhSandbox
    bitrix: BitrixSandbox
    door: httpx.AsyncClient

    def activity_ids(self) -> dict[str, int]:
        """Each negotiation's timeline activity on the portal, by ORIGIN_ID."""
        portal = self.bitrix.portals[self.world.domain]
        return {str(a.fields["originId"]): a.id for a in portal.activities.values()}

    def expected_others(self, negotiation_id: str) -> set[str]:
        """The same applicant's other responses, by hh.ru's own records: the same resume (none
        when the resume is deleted, since hh.ru then shows no resume at all)."""
        store = self.hh.store
        mine = store.negotiations[negotiation_id]
        if store.resumes[mine.resume_id].deleted:
            return set()
        return {
            n.id
            for n in store.negotiations.values()
            if n.resume_id == mine.resume_id and n.id != negotiation_id
        }

    async def click_others(self, activity_id: int, user_id: int = 1) -> httpx.Response:
        """Click the activity's «Другие отклики» button: the slider's frame POSTed to the app."""
        path = f"/_sandbox/portals/{self.world.domain}/activities/{activity_id}/buttons/others/open"
        opened = self.world.bitrix_admin("POST", path, user_id=user_id)
        return await self.door.post("/b24/app", params=opened["app_query"], data=opened["app_form"])

    async def open_with_options(
        self, domain: str, placement_options: str, user_id: int = 1
    ) -> httpx.Response:
        """The app page of ``domain`` opened with hand-made ``PLACEMENT_OPTIONS``."""
        info = self.world.bitrix_admin(
            "POST", f"/_sandbox/portals/{domain}/tokens", user_id=user_id
        )
        form = {**info["app_form"], "PLACEMENT_OPTIONS": placement_options}
        return await self.door.post("/b24/app", params=info["app_query"], data=form)


def listed(document: Document) -> list[str]:
    """The hh.ru negotiation ids the view lists, in order (each ``li`` also carries hhsync's own
    row id in ``data-negotiation-id``, as the journal's rows do)."""
    return [
        e.attrs["data-hh-negotiation-id"]
        for e in document.elements
        if e.tag == "li" and "data-negotiation-id" in e.attrs
    ]


def row_ids(document: Document) -> dict[str, str]:
    """Each listed response's hh.ru id -> hhsync's own row id (its ``data-negotiation-id``)."""
    return {
        e.attrs["data-hh-negotiation-id"]: e.attrs["data-negotiation-id"]
        for e in document.elements
        if e.tag == "li" and "data-negotiation-id" in e.attrs
    }


def entity_links(document: Document) -> list[str]:
    """The ``a.others-entity`` hrefs of the view."""
    return [
        e.attr("href")
        for e in document.elements
        if e.tag == "a" and "others-entity" in e.attrs.get("class", "").split()
    ]


def view_of(response: httpx.Response) -> Document:
    """The rendered view; fails unless it is the «Другие отклики» section."""
    assert 'id="others"' in response.text, response.text
    return read_document(response.text)


@asynccontextmanager
async def others_world(
    hh_config: HhSandboxConfig, database: Database, cipher: TokenCipher, db_url: str
) -> AsyncIterator[OthersWorld]:
    """Both sandboxes for ``hh_config``, the world's portal, and the door trusting the sandbox."""
    hh_app = create_hh(hh_config)
    bitrix_app = create_bitrix(BitrixSandboxConfig(seed=7, speed=50.0, demo_portals=()))
    with serve_all(hh_app, bitrix_app) as (hh_url, bitrix_url):
        async with open_world((hh_url, bitrix_url), database, cipher, db_url) as world:
            settings = door_settings(db_url, [netloc(bitrix_url)])
            async with httpx.AsyncClient(timeout=30, verify=client_tls()) as outbound:
                ctx = WebContext(settings, database, cipher, outbound)
                async with asgi_client(door_app(ctx)) as door:
                    yield OthersWorld(world, hh_app.state.sandbox, bitrix_app.state.sandbox, door)


def one_applicant_config(vacancies: int) -> HhSandboxConfig:
    """One employer whose every vacancy has one response, all from the same applicant."""
    return HhSandboxConfig(
        seed=5,
        employers=1,
        managers_per_employer=1,
        vacancies_per_employer=vacancies,
        archived_vacancies_per_employer=0,
        applicants=1,
        negotiations_per_vacancy=1,
        rate_limit_per_s=0,
    )


def shared_applicants_config() -> HhSandboxConfig:
    """25 responses on five vacancies from eight applicants: most respond to several."""
    return HhSandboxConfig(
        seed=7,
        employers=1,
        managers_per_employer=2,
        vacancies_per_employer=5,
        archived_vacancies_per_employer=0,
        applicants=8,
        negotiations_per_vacancy=5,
        rate_limit_per_s=0,
    )


def hostile(value: Any) -> str:
    """A name that breaks out of any unescaped HTML context."""
    return f"</script><img src=x onerror=alert(1)>{value}"
