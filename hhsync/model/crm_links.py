"""Where a CRM entity's card lives on its portal: the one spelling every page's link uses.

The origin is built from what was verified, never from what a page posted: the portal's domain
(stored from ``app.info`` on a trusted OAuth server) and the scheme of its REST address (from the
same answer). A real portal is always HTTPS; only a loopback sandbox keeps plain HTTP, whatever
``PROTOCOL`` a frame request claims.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from hhsync.model.hosts import is_loopback
from hhsync.model.kinds import EntityType


def card_path(entity_type: EntityType, entity_id: int) -> str:
    """The portal-relative path of an entity card (``/crm/lead/details/12/``)."""
    return f"/crm/{entity_type.value}/details/{entity_id}/"


def portal_origin(domain: str, client_endpoint: str) -> str:
    """``https://DOMAIN`` of a stored portal's own pages; ``http://`` only for a loopback portal
    whose REST address is plain HTTP (a sandbox on this machine)."""
    host = urlsplit(f"//{domain}").hostname or ""
    plain = urlsplit(client_endpoint).scheme == "http" and is_loopback(host)
    return f"{'http' if plain else 'https'}://{domain}"


def card_url(
    origin: str, entity_type: EntityType | str | None, entity_id: int | None
) -> str | None:
    """The absolute address of an entity's card at ``origin`` (:func:`portal_origin`), or None
    while the negotiation has no entity."""
    if entity_type is None or entity_id is None:
        return None
    return origin + card_path(EntityType(entity_type), entity_id)
