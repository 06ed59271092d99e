"""The portal's interface language: what the application's frame gets as ``LANG``.

A Bitrix24 portal opens an application with ``LANG`` in the frame URL's query string (the
language its interface speaks, ``ru``, ``en``, ``de``…; b24restdocs "Application placement"
and the frame SDK's ``getLang``); the sandbox's ``POST /_sandbox/portals/{domain}/lang`` changes
it for the next open, so one portal can be seen in both languages.
"""

from __future__ import annotations

import httpx
from b24_hosting_testkit import as_browser, read_host_page

from hhsync.clock import FrozenClock
from hhsync.sandbox.bitrix.app import BitrixSandboxConfig, create_app
from hhsync.testing.server import serve


async def test_the_frame_gets_the_language_the_portal_was_switched_to() -> None:
    config = BitrixSandboxConfig(base_clock=FrozenClock(), demo_portals=())
    with serve(create_app(config)) as sandbox_url:
        async with httpx.AsyncClient(base_url=sandbox_url) as server:
            created = (await server.post("/_sandbox/portals", json={"domain_is_host": True})).json()
            domain = created["domain"]
            async with as_browser(sandbox_url, domain) as browser:
                first = read_host_page((await browser.get("/marketplace/app/1/")).text)
                switched = await server.post(
                    f"/_sandbox/portals/{domain}/lang", json={"lang": "en"}
                )
                second = read_host_page((await browser.get("/marketplace/app/1/")).text)
            refused = [
                await server.post(f"/_sandbox/portals/{domain}/lang", json=body)
                for body in ({"lang": "english"}, {"lang": 7}, {})
            ]
            unknown = await server.post(
                "/_sandbox/portals/nowhere.bitrix24.ru/lang", json={"lang": "en"}
            )
    assert first.query["LANG"] == "ru"
    assert (switched.status_code, switched.json()) == (200, {"domain": domain, "lang": "en"})
    assert second.query["LANG"] == "en"
    assert [r.status_code for r in refused] == [400, 400, 400]
    assert "two-letter" in refused[0].json()["error"]
    assert unknown.status_code == 404
