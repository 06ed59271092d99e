"""`hhsync demo --duration` as a user runs it: sandboxes, daemon, the app installed and the hh.ru
account linked through the front door, live counts, clean exit; and the second portal it leaves
for a person to click through (installed, not linked, not configured)."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from hhsync.db.session import Database
from hhsync.sandbox.hh.site import DEMO_PASSWORD
from hhsync.testing.app_journey import ADMIN_EMAIL
from hhsync.testing.daemon import clean_environ
from hhsync.testing.door import AppPage, DoorDriver, HostPortal

pytestmark = pytest.mark.slow


def test_demo_runs_bounded_and_fills_the_crm_through_the_front_door(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hhsync", "demo", "--duration", "20"],
        cwd=tmp_path,
        env={**clean_environ(), "HHSYNC_LOG__FORMAT": "json"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    domain = re.search(r"portal (localhost:\d+) \(#(\d+)\)", out)
    assert domain is not None, out
    portal_host, portal_id = domain.group(1), int(domain.group(2))
    assert f"http://{portal_host}/marketplace/app/1/" in out
    assert f"http://{portal_host}/crm/" in out
    assert "/_sandbox/state" in out
    assert "/metrics" in out
    last = out.strip().splitlines()[-1]
    found = re.search(r"CRM leads:\s+(\d+)", last)
    assert last.startswith("demo stopped:"), last
    assert found is not None, last
    assert int(found.group(1)) > 0

    # The portal saw one installFinish and the events bound to hhsync's handler.
    web = re.search(r"hhsync metrics:\s+(http://[\d.:]+)/metrics", out)
    assert web is not None, out
    events_url = f"{web.group(1)}/b24/events"
    assert "installFinish ×1;" in out
    assert f"ONAPPUNINSTALL → {events_url}, ONAPPUPDATE → {events_url};" in out
    assert "widgets CRM_LEAD_LIST_TOOLBAR, CRM_DEAL_LIST_TOOLBAR" in out

    # The installer created the portal row, the hh.ru callback linked the account.
    events = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    installed = [e for e in events if e["event"] == "b24.install_finished"]
    linked = [e for e in events if e["event"] == "hh_login.linked"]
    # the automatic portal's install, then the by-hand portal's
    assert [e["reinstalled"] for e in installed] == [False, False]
    assert installed[0]["portal"] == portal_id
    assert [(e["portal"], e["account"]) for e in linked] == [(portal_id, 1)]
    database = tmp_path / "var" / "demo" / "hhsync.sqlite3"
    with sqlite3.connect(database) as db:
        portals = db.execute("SELECT id, domain, status FROM portal").fetchall()
        accounts = db.execute("SELECT portal_id, status FROM hh_account").fetchall()
    # the automatic portal, then the one left for a person to set up (no account)
    assert portals[0] == (portal_id, portal_host, "active")
    assert [status for _, _, status in portals[1:]] == ["active"]
    assert accounts == [(portal_id, "active")]


def test_ctrl_c_stops_the_demo_cleanly(tmp_path: Path) -> None:
    demo = subprocess.Popen(
        [sys.executable, "-m", "hhsync", "demo"],
        cwd=tmp_path,
        env={**clean_environ(), "HHSYNC_LOG__FORMAT": "json"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert demo.stdout is not None
        for line in demo.stdout:  # bounded by the process: it prints this once it is up
            if "Ctrl-C stops the demo" in line:
                break
        demo.send_signal(signal.SIGINT)
        out, err = demo.communicate(timeout=60)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    assert demo.returncode == 0, err[-3000:]
    assert "Traceback" not in err
    assert out.strip().splitlines()[-1].startswith("demo stopped:")


BY_HAND = re.compile(r"Set up by hand \(installed, not linked\): (http://(localhost:\d+)\S+)")
BY_HAND_LOGIN = re.compile(r"«Войти» on hh.ru as (\S+@example\.com) / (\S+),")


async def _open_by_hand(app_url: str, domain: str, state: Path) -> tuple[AppPage, httpx.Response]:
    """The by-hand portal's app page in its frame, and the hh.ru accounts it lists."""
    database = Database(f"sqlite+aiosqlite:///{state}")
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            driver = DoorDriver(http, database)
            app = await driver.open_app_page(HostPortal(domain, "", "", {"app": app_url}))
            return app, await driver.api(app, "GET", "/app/api/hh/accounts")
    finally:
        await database.dispose()


def test_the_by_hand_portal_is_installed_unlinked_unconfigured_and_opens(tmp_path: Path) -> None:
    state = tmp_path / "var" / "demo" / "hhsync.sqlite3"
    demo = subprocess.Popen(
        [sys.executable, "-m", "hhsync", "demo"],
        cwd=tmp_path,
        env={**clean_environ(), "HHSYNC_LOG__FORMAT": "json"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    printed: list[str] = []
    try:
        assert demo.stdout is not None
        for line in demo.stdout:  # bounded by the process: it prints this once it is up
            printed.append(line)
            if "Ctrl-C stops the demo" in line:
                break
        out = "".join(printed)
        by_hand, login = BY_HAND.search(out), BY_HAND_LOGIN.search(out)
        automatic = re.search(r"portal (localhost:\d+) \(#(\d+)\)", out)
        assert by_hand is not None, out
        assert login is not None, out
        assert automatic is not None, out
        # the app page opens in the portal's frame while the demo runs
        app, accounts = asyncio.run(_open_by_hand(by_hand.group(1), by_hand.group(2), state))
        demo.send_signal(signal.SIGINT)
        _, err = demo.communicate(timeout=60)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    assert demo.returncode == 0, err[-3000:]
    assert by_hand.group(2) != automatic.group(1)  # a portal of its own, on its own origin
    assert login.group(2) == DEMO_PASSWORD
    assert login.group(1) != ADMIN_EMAIL  # another company than the linked portal's
    assert app.page.status == 200
    assert app.page.element("main", "hhsync-app").attrs.get("data-can-write") == "true"
    # «Войти» offered, no account yet
    assert re.search(r'<button[^>]* class="[^"]*\bhh-login\b', app.page.text), app.page.text
    assert (accounts.status_code, accounts.json()["accounts"]) == (200, [])

    # nothing linked, nothing saved: its passes skip it until a person saves its settings
    with sqlite3.connect(state) as db:
        (portal_id,) = db.execute(
            "SELECT id FROM portal WHERE domain = ? AND status = 'active'", (by_hand.group(2),)
        ).fetchone()
        linked = db.execute("SELECT id FROM hh_account WHERE portal_id = ?", (portal_id,))
        assert linked.fetchall() == []
        saved = db.execute(
            "SELECT configured_at FROM portal_settings WHERE portal_id = ?", (portal_id,)
        )
        assert [row for row in saved.fetchall() if row[0] is not None] == []
        assert db.execute("SELECT count(*) FROM hh_account").fetchone() == (1,)
