"""ONAPPINSTALL, ONAPPUPDATE and ONAPPUNINSTALL: sent once each (never retried), only once the
installation is finished, and every delivery recorded with its HTTP status."""

from __future__ import annotations

import httpx
from b24_hosting_testkit import event_receiver
from b24_sandbox_testkit import PortalHandle

from hhsync.testing.server import free_port, serve


async def test_an_update_sends_onappupdate_with_a_new_application_token(
    portal: PortalHandle,
) -> None:
    handler_app, received = event_receiver()
    with serve(handler_app) as handler_base:
        for event in ("ONAPPUPDATE", "ONAPPUNINSTALL"):
            await portal.ok("event.bind", {"event": event, "handler": f"{handler_base}/events"})
        old_token = portal.info["application_token"]
        updated = await portal.admin("/update", {"version": 2})
        assert (updated["version"], updated["previous_version"]) == (2, 1)
        assert updated["application_token"] != old_token
        [event] = received
        assert (event["event"], event["data[VERSION]"], event["data[PREVIOUS_VERSION]"]) == (
            "ONAPPUPDATE",
            "2",
            "1",
        )
        assert event["auth[application_token]"] == updated["application_token"]
        assert (await portal.ok("app.info"))["VERSION"] == 2
        trusted = await portal.client.get("/rest/app.info", params={"auth": portal.token})
        assert trusted.json()["result"]["install"]["version"] == 2

        for bad in ({"version": 2}, {"version": "3"}, {"version": True}, {}):
            refused = await portal.client.post(
                f"/_sandbox/portals/{portal.domain}/update", json=bad
            )
            assert refused.status_code == 400, bad
        assert (await portal.ok("app.info"))["VERSION"] == 2

        gone = await portal.admin("/uninstall")
        assert gone["handler_statuses"] == {f"{handler_base}/events": 200}
        assert received[-1]["auth[application_token]"] == updated["application_token"]
    events = await portal.admin("/events", method="GET")
    assert [(e["event"], e["status"], e["error"]) for e in events] == [
        ("ONAPPUPDATE", 200, None),
        ("ONAPPUNINSTALL", 200, None),
    ]


async def test_a_handler_that_is_down_misses_the_event_for_good(portal: PortalHandle) -> None:
    dead = f"http://127.0.0.1:{free_port()}/events"
    await portal.ok("event.bind", {"event": "ONAPPUNINSTALL", "handler": dead})
    gone = await portal.admin("/uninstall")
    assert gone["handler_statuses"] == {dead: "failed: ConnectError"}
    events = await portal.admin("/events", method="GET")
    assert [(e["handler"], e["status"], e["error"]) for e in events] == [
        (dead, None, "ConnectError")
    ]


async def test_no_event_reaches_an_app_whose_installation_is_not_finished(
    client: httpx.AsyncClient,
) -> None:
    handler_app, received = event_receiver()
    with serve(handler_app) as handler_base:
        created = await client.post(
            "/_sandbox/portals", json={"domain": "wizard.bitrix24.ru", "install_finished": False}
        )
        info = created.json()
        for event in ("ONAPPUPDATE", "ONAPPUNINSTALL"):
            bound = await client.post(
                f"{info['client_endpoint']}event.bind",
                json={
                    "auth": info["access_token"],
                    "event": event,
                    "handler": f"{handler_base}/events",
                },
            )
            assert bound.json()["result"] is True
        admin = "/_sandbox/portals/wizard.bitrix24.ru"
        assert (await client.post(f"{admin}/update", json={"version": 2})).json()[
            "deliveries"
        ] == []
        assert (await client.post(f"{admin}/uninstall")).json()["handler_statuses"] == {}
    assert received == []
    assert (await client.get(f"{admin}/events")).json() == []


async def test_install_finish_without_a_browser_sends_onappinstall_once(
    client: httpx.AsyncClient,
) -> None:
    handler_app, received = event_receiver()
    with serve(handler_app) as handler_base:
        created = await client.post(
            "/_sandbox/portals", json={"domain": "wizard.bitrix24.ru", "install_finished": False}
        )
        info = created.json()
        await client.post(
            f"{info['client_endpoint']}event.bind",
            json={
                "auth": info["access_token"],
                "event": "ONAPPINSTALL",
                "handler": f"{handler_base}/events",
            },
        )
        admin = "/_sandbox/portals/wizard.bitrix24.ru"
        first = (await client.post(f"{admin}/install-finish")).json()
        second = (await client.post(f"{admin}/install-finish")).json()
    assert [d["status"] for d in first["deliveries"]] == [200]
    assert second == {"install_finished": True, "deliveries": []}
    assert [e["event"] for e in received] == ["ONAPPINSTALL"]
    assert received[0]["data[VERSION]"] == "1"
    assert (await client.get(f"{admin}/app")).json()["install_finish_count"] == 2
