"""`hhsync demo --duration` as a user runs it: sandboxes, daemon, the app installed and the hh.ru
account linked through the front door, live counts, clean exit."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from hhsync.testing.daemon import clean_environ

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
    assert [(e["portal"], e["reinstalled"]) for e in installed] == [(portal_id, False)]
    assert [(e["portal"], e["account"]) for e in linked] == [(portal_id, 1)]
    database = tmp_path / "var" / "demo" / "hhsync.sqlite3"
    with sqlite3.connect(database) as db:
        portals = db.execute("SELECT id, domain, status FROM portal").fetchall()
        accounts = db.execute("SELECT portal_id, status FROM hh_account").fetchall()
    assert portals == [(portal_id, portal_host, "active")]
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
