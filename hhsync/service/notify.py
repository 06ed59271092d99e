"""sd_notify: tell systemd (``Type=notify``) that hhsync is ready, alive, stopping, and how it is.

The protocol is one datagram of newline-separated ``KEY=VALUE`` lines sent to the AF_UNIX socket
named by ``$NOTIFY_SOCKET`` (see sd_notify(3)); a name starting with ``@`` lives in the abstract
namespace. Without that variable (a terminal, a container, tests) every call is a no-op. A failed
notification, or a socket kind other than AF_UNIX, is logged and reported as False, never raised:
the daemon must not die because its supervisor's socket is full or gone.

Only ``hhsync.config`` reads the environment, so :func:`notifier_from_environ` receives the mapping.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from typing import Final

from hhsync.log import get_logger

EVENT_NOTIFY_FAILED: Final = "service.notify_failed"
EVENT_NOTIFY_UNSUPPORTED: Final = "service.notify_socket_unsupported"


class Notifier:
    """Sends sd_notify messages to one socket, or nowhere when there is none."""

    def __init__(
        self, socket_address: str | None, watchdog_interval_s: float | None = None
    ) -> None:
        self._address = _socket_address(socket_address) if socket_address else None
        if socket_address and self._address is None:
            get_logger(__name__).warning(
                EVENT_NOTIFY_UNSUPPORTED,
                socket=socket_address,
                note="only AF_UNIX notification sockets (a path or @abstract) are supported; "
                "readiness and watchdog notifications are off",
            )
        self.watchdog_interval_s = watchdog_interval_s
        """The service's ``WatchdogSec=`` when systemd expects pings from this process, else None;
        ping at least twice per interval."""

    @property
    def enabled(self) -> bool:
        """True when a supervisor listens (``$NOTIFY_SOCKET`` was set)."""
        return self._address is not None

    def ready(self, status: str | None = None) -> bool:
        """Start-up is complete: systemd finishes ``systemctl start`` and starts dependents."""
        return self.send(("READY", "1"), *_status(status))

    def stopping(self, status: str | None = None) -> bool:
        """A graceful stop has begun, so systemd does not mistake the slow exit for a hang."""
        return self.send(("STOPPING", "1"), *_status(status))

    def watchdog(self) -> bool:
        """Still alive: resets the ``WatchdogSec=`` timer."""
        return self.send(("WATCHDOG", "1"))

    def status(self, text: str) -> bool:
        """A one-line state shown by ``systemctl status`` (e.g. "12 portals, 3 leased")."""
        return self.send(*_status(text))

    def send(self, *fields: tuple[str, str]) -> bool:
        """Send one datagram of ``KEY=VALUE`` lines; True when it was handed to the socket."""
        if self._address is None or not fields:
            return False
        payload = "\n".join(f"{key}={value}" for key, value in fields).encode()
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                # Non-blocking: a full supervisor queue must cost a lost ping, not a stalled loop.
                sock.setblocking(False)
                sock.sendto(payload, self._address)
        except OSError as exc:
            get_logger(__name__).warning(
                EVENT_NOTIFY_FAILED,
                socket=_printable(self._address),
                keys=[key for key, _ in fields],
                error=exc.strerror or str(exc),
            )
            return False
        return True


def notifier_from_environ(environ: Mapping[str, str], pid: int) -> Notifier:
    """The notifier systemd asks for through ``NOTIFY_SOCKET`` and ``WATCHDOG_USEC``.

    Args:
        environ: the process environment, passed in by the caller (``os.environ``).
        pid: this process's id; a watchdog meant for another process (``WATCHDOG_PID``) is ignored.
    """
    return Notifier(environ.get("NOTIFY_SOCKET") or None, _watchdog_interval_s(environ, pid))


def _watchdog_interval_s(environ: Mapping[str, str], pid: int) -> float | None:
    usec = environ.get("WATCHDOG_USEC", "")
    if not usec.isdigit() or int(usec) == 0:
        return None
    watchdog_pid = environ.get("WATCHDOG_PID", "")
    if watchdog_pid and watchdog_pid != str(pid):
        return None
    return int(usec) / 1_000_000


def _socket_address(name: str) -> str | None:
    # "@name" is Linux's abstract namespace: the kernel expects a leading NUL byte instead.
    if name.startswith("@"):
        return "\0" + name[1:]
    if name.startswith("/"):
        return name
    return None  # e.g. systemd's "vsock:CID:PORT" for virtual machines


def _status(text: str | None) -> tuple[tuple[str, str], ...]:
    # STATUS is one line of the datagram: a newline would start a bogus KEY=VALUE line.
    if text is None:
        return ()
    return (("STATUS", " ".join(text.split())),)


def _printable(address: str) -> str:
    return "@" + address[1:] if address.startswith("\0") else address
