"""PURE: what a host name looks like, and which hosts are this machine.

Two places need the same answer: the settings (``bitrix.oauth_servers``, ``web.public_url``) and
the app's door, which refuses a posted ``DOMAIN`` or ``SERVER_ENDPOINT`` that is not a plain host.
A plain host is letters, digits, dots and hyphens with an optional port: no scheme, user, path
or anything a header or URL could be bent with.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Final

_LABEL: Final = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
HOST_PORT: Final = re.compile(
    rf"(?P<host>{_LABEL}(?:\.{_LABEL})*)(?::(?P<port>[1-9][0-9]{{0,4}}))?"
)
"""``host`` or ``host:port``, lower case (callers lower-case first)."""
MAX_HOST_CHARS: Final = 253


def is_host_port(text: str) -> bool:
    """Whether ``text`` (already lower-cased) is ``host`` or ``host:port`` and nothing else."""
    found = HOST_PORT.fullmatch(text)
    if found is None or len(found.group("host")) > MAX_HOST_CHARS:
        return False
    port = found.group("port")
    return port is None or int(port) <= 65535


def is_loopback(host: str) -> bool:
    """Whether ``host`` (no port) names this machine: ``localhost`` or a loopback address."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
