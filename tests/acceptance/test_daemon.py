"""`hhsync run` as a real process: readiness to systemd, graceful stop, SIGKILL safety."""

from __future__ import annotations

import signal
import socket
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from hhsync.testing.daemon import daemon_env, start_daemon, wait_for
from hhsync.testing.world import World

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[tuple[str, socket.socket]]:
    """An AF_UNIX datagram socket standing in for systemd's NOTIFY_SOCKET."""
    path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(60)
    try:
        yield path, sock
    finally:
        sock.close()


def messages_until(sock: socket.socket, key: str) -> list[str]:
    """Read notification datagrams until one carries ``key=1``; all lines read."""
    lines: list[str] = []
    while f"{key}=1" not in lines:
        lines.extend(sock.recv(4096).decode().splitlines())
    return lines


def test_run_notifies_ready_syncs_and_stops_on_sigterm(
    world: World, db_url: str, tmp_path: Path, notify_socket: tuple[str, socket.socket]
) -> None:
    path, sock = notify_socket
    expected = world.hh_negotiations()
    log = tmp_path / "daemon.log"
    process = start_daemon(daemon_env(world, db_url, NOTIFY_SOCKET=path), log)
    try:
        assert "READY=1" in messages_until(sock, "READY")
        wait_for(lambda: len(world.entities("lead")) == expected, "the initial import")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        assert "STOPPING=1" in messages_until(sock, "STOPPING")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    output = log.read_text()
    assert "daemon.stopped" in output
    assert "Traceback" not in output
    assert len(world.entities("lead")) == expected


def test_sigkill_mid_import_and_restart_leave_exactly_one_lead_per_negotiation(
    world: World, db_url: str, tmp_path: Path
) -> None:
    expected = world.hh_negotiations()
    # A slow hh.ru budget keeps the import long enough to be interrupted in the middle.
    env = daemon_env(world, db_url, HHSYNC_HH__REQUESTS_PER_S="6")
    kills = 0
    for attempt in range(3):
        before = len(world.entities("lead"))
        if before >= expected:
            break
        process = start_daemon(env, tmp_path / f"killed-{attempt}.log")
        try:
            wait_for(lambda floor=before: len(world.entities("lead")) > floor, "some progress")
        finally:
            process.kill()  # SIGKILL: no cleanup, leases left to expire
            process.wait(timeout=30)
            kills += 1
    assert kills >= 1
    survivor_log = tmp_path / "survivor.log"
    survivor = start_daemon(env, survivor_log)
    try:
        # One whole pass of the survivor: it adopts what the killed ones left in flight.
        wait_for(lambda: "sync.pass_finished" in survivor_log.read_text(), "a pass", 120)
        wait_for(lambda: len(world.entities("lead")) >= expected, "the rest of the import", 120)
        # A lead adopted without its activity gets it on a later pass.
        wait_for(lambda: not leads_without_activity(world), "every lead's activity", 120)
        survivor.send_signal(signal.SIGTERM)
        assert survivor.wait(timeout=60) == 0
    finally:
        if survivor.poll() is None:
            survivor.kill()
            survivor.wait()
    leads = world.entities("lead")
    origins = [lead["ORIGIN_ID"] for lead in leads]
    assert len(origins) == expected
    assert len(set(origins)) == expected
    # Exactly one timeline activity per lead, the one carrying the lead's negotiation as origin.
    origin_of = {str(lead["ID"]): lead["ORIGIN_ID"] for lead in leads}
    activities = [a for a in world.entities("activity") if str(a["OWNER_TYPE_ID"]) == "1"]
    assert Counter(str(a["OWNER_ID"]) for a in activities) == Counter(dict.fromkeys(origin_of, 1))
    assert all(a["ORIGIN_ID"] == origin_of[str(a["OWNER_ID"])] for a in activities)
    assert all(a["ORIGINATOR_ID"] == "hhsync" for a in activities)


def leads_without_activity(world: World) -> set[str]:
    """Ids of the leads that carry no timeline activity yet."""
    owners = {str(a["OWNER_ID"]) for a in world.entities("activity")}
    return {str(lead["ID"]) for lead in world.entities("lead")} - owners
