"""Step 2: the OAuth server a request names must be one we trust, before any token goes to it.

``SERVER_ENDPOINT`` (and an event's ``auth[server_endpoint]``) says which Bitrix24 OAuth server
answers for the portal: ``https://oauth.bitrix.info/rest/`` for most, another host for some
regions (Bitrix24 REST docs, settings/oauth). It is posted, so anyone can name any URL; asking it
``app.info`` would hand the posted token, and a refresh our client secret, to whoever runs it.
Only hosts on ``bitrix.oauth_servers`` are asked, over HTTPS (plain HTTP only on loopback, for
the sandbox), and only at URLs built here from the host, never at the posted path.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import urlsplit

from hhsync.model.hosts import HOST_PORT, is_host_port, is_loopback
from hhsync.web.bitrix_door.refusals import Refusal

DEFAULT_PORTS = {"https": "443", "http": "80"}
REST_PATHS = frozenset({"/rest/", "/rest"})


@dataclass(frozen=True)
class OAuthServer:
    """A trusted Bitrix24 OAuth server."""

    scheme: str
    netloc: str
    """``host`` or ``host:port`` (a default port dropped)."""

    @property
    def root(self) -> str:
        """``https://oauth.bitrix.info``."""
        return f"{self.scheme}://{self.netloc}"

    @property
    def rest_endpoint(self) -> str:
        """What a portal calls ``server_endpoint``: ``https://oauth.bitrix.info/rest/``."""
        return f"{self.root}/rest/"


def trusted_server(server_endpoint: str, allowed: Collection[str]) -> OAuthServer:
    """The server ``server_endpoint`` names, if it is on ``allowed`` (``host[:port]`` entries).

    Raises:
        Refusal: 400 for a URL that is not ``scheme://host[:port]/rest/``, 403 for a host that
        is not allowed or plain HTTP to a host that is not loopback.
    """
    try:
        parts = urlsplit(server_endpoint.strip())
    except ValueError as exc:  # e.g. an unclosed "[" of an IPv6 address
        raise Refusal(400, "bad_server_endpoint") from exc
    netloc = parts.netloc.lower()
    if (
        parts.scheme not in DEFAULT_PORTS
        or not is_host_port(netloc)
        or parts.path not in REST_PATHS
        or parts.query
        or parts.fragment
    ):
        raise Refusal(400, "bad_server_endpoint")
    found = HOST_PORT.fullmatch(netloc)
    host = found.group("host") if found else netloc
    if netloc.endswith(f":{DEFAULT_PORTS[parts.scheme]}"):
        netloc = host
    if netloc not in allowed:
        raise Refusal(403, "server_not_allowed", f"host {netloc}")
    if parts.scheme != "https" and not is_loopback(host):
        raise Refusal(403, "server_not_allowed", f"plain http to {netloc}")
    return OAuthServer(parts.scheme, netloc)
