"""Where a card lives: one origin per stored portal, from verified data only (its domain and the
scheme of its REST address), HTTPS unless the portal is a sandbox on loopback; one path per
entity type. Every page's link (Журнал, «Другие отклики») is built from these two."""

from __future__ import annotations

import pytest

from hhsync.model.crm_links import card_path, card_url, portal_origin
from hhsync.model.kinds import EntityType


@pytest.mark.parametrize(
    ("domain", "client_endpoint", "origin"),
    [
        ("hr.bitrix24.ru", "https://hr.bitrix24.ru/rest/", "https://hr.bitrix24.ru"),
        # a real portal is HTTPS even if its REST address were written with http
        ("hr.bitrix24.ru", "http://hr.bitrix24.ru/rest/", "https://hr.bitrix24.ru"),
        # the sandbox on this machine serves its pages over plain HTTP
        ("localhost:8123", "http://localhost:8123/rest/", "http://localhost:8123"),
        ("127.0.0.1:8123", "http://127.0.0.1:8123/rest/", "http://127.0.0.1:8123"),
        ("localhost:8123", "https://localhost:8123/rest/", "https://localhost:8123"),
        # a loopback REST address does not make a public domain's pages plain HTTP
        ("hr.bitrix24.ru", "http://127.0.0.1:8123/rest/", "https://hr.bitrix24.ru"),
    ],
)
def test_a_portals_origin_is_https_unless_it_is_a_loopback_sandbox(
    domain: str, client_endpoint: str, origin: str
) -> None:
    assert portal_origin(domain, client_endpoint) == origin


def test_a_card_is_its_type_and_id_under_the_origin() -> None:
    origin = portal_origin("hr.bitrix24.ru", "https://hr.bitrix24.ru/rest/")
    assert card_path(EntityType.LEAD, 12) == "/crm/lead/details/12/"
    assert card_url(origin, EntityType.LEAD, 7) == "https://hr.bitrix24.ru/crm/lead/details/7/"
    assert card_url(origin, "deal", 9) == "https://hr.bitrix24.ru/crm/deal/details/9/"
    assert card_url(origin, None, None) is None
    assert card_url(origin, EntityType.DEAL, None) is None
    with pytest.raises(ValueError, match="contact"):
        card_url(origin, "contact", 1)
