"""sd_notify over real AF_UNIX datagram sockets: a path in tmp_path and an abstract name."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from hhsync.service.notify import (
    EVENT_NOTIFY_FAILED,
    EVENT_NOTIFY_UNSUPPORTED,
    Notifier,
    notifier_from_environ,
)


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    """A bound datagram socket standing in for systemd, and the NOTIFY_SOCKET value naming it."""
    path = tmp_path / "notify"
    if len(str(path)) >= 100:  # sun_path holds 108 bytes; pytest's tmp_path is usually short
        pytest.skip(f"tmp_path too long for an AF_UNIX socket path: {path}")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(path))
        sock.setblocking(False)
        yield sock, str(path)


@pytest.fixture
def abstract_listener() -> Iterator[tuple[socket.socket, str]]:
    """A datagram socket in Linux's abstract namespace, named ``@...`` as systemd writes it."""
    name = f"hhsync-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.setblocking(False)
        yield sock, "@" + name


def received(sock: socket.socket) -> list[bytes]:
    """Every datagram waiting on the socket (the sends are synchronous, so all have arrived)."""
    datagrams = []
    while True:
        try:
            datagrams.append(sock.recv(4096))
        except BlockingIOError:
            return datagrams


def test_lifecycle_messages_reach_a_socket_path(listener: tuple[socket.socket, str]) -> None:
    sock, path = listener
    notifier = notifier_from_environ({"NOTIFY_SOCKET": path}, pid=4242)
    assert notifier.enabled
    assert notifier.ready()
    assert notifier.status("3 portals leased")
    assert notifier.watchdog()
    assert notifier.stopping(status="stopping: finishing 2 passes")
    assert received(sock) == [
        b"READY=1",
        b"STATUS=3 portals leased",
        b"WATCHDOG=1",
        b"STOPPING=1\nSTATUS=stopping: finishing 2 passes",
    ]


def test_abstract_socket_names_are_supported(
    abstract_listener: tuple[socket.socket, str],
) -> None:
    sock, name = abstract_listener
    notifier = Notifier(name)
    assert notifier.ready(status="serving on 127.0.0.1:8080")
    assert notifier.watchdog()
    assert received(sock) == [b"READY=1\nSTATUS=serving on 127.0.0.1:8080", b"WATCHDOG=1"]


def test_status_text_stays_on_one_line(listener: tuple[socket.socket, str]) -> None:
    sock, path = listener
    assert Notifier(path).status("portal 7 failing:\nREADY=1 token revoked")
    assert received(sock) == [b"STATUS=portal 7 failing: READY=1 token revoked"]


def test_without_notify_socket_every_call_is_a_no_op() -> None:
    notifier = notifier_from_environ({}, pid=1)
    assert not notifier.enabled
    assert notifier.watchdog_interval_s is None
    assert not notifier.ready()
    assert not notifier.watchdog()
    assert not notifier.status("ignored")
    assert not notifier.stopping()


def test_a_vanished_socket_is_logged_not_raised(tmp_path: Path) -> None:
    notifier = Notifier(str(tmp_path / "gone"))
    with capture_logs() as logs:
        assert not notifier.watchdog()
    [line] = logs
    assert line["event"] == EVENT_NOTIFY_FAILED
    assert line["keys"] == ["WATCHDOG"]


def test_non_unix_sockets_switch_notifications_off_with_a_warning() -> None:
    with capture_logs() as logs:
        notifier = notifier_from_environ({"NOTIFY_SOCKET": "vsock:2:1234"}, pid=1)
    assert not notifier.enabled
    assert not notifier.ready()
    assert [line["event"] for line in logs] == [EVENT_NOTIFY_UNSUPPORTED]


@pytest.mark.parametrize(
    ("environ", "expected_s"),
    [
        ({"WATCHDOG_USEC": "30000000"}, 30.0),
        ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "4242"}, 30.0),
        ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "17"}, None),  # meant for another process
        ({"WATCHDOG_USEC": "0"}, None),
        ({"WATCHDOG_USEC": "soon"}, None),
        ({}, None),
    ],
)
def test_watchdog_interval_comes_from_watchdog_usec_for_this_pid(
    environ: dict[str, str], expected_s: float | None
) -> None:
    notifier = notifier_from_environ({"NOTIFY_SOCKET": "@x", **environ}, pid=4242)
    assert notifier.watchdog_interval_s == expected_s
