"""The portal's CRM mode: ``crm.settings.mode.get`` and a lead add on a simple-CRM portal."""

from __future__ import annotations

from b24_sandbox_testkit import PortalHandle


async def test_mode_is_classic_by_default_and_set_by_the_admin_api(portal: PortalHandle) -> None:
    """b24restdocs crm/crm-settings-mode-get.md: the result is ``1`` (classic) or ``2``
    (simple), as crm/auxiliary/enum/crm-enum-settings-mode.md numbers them."""
    assert await portal.ok("crm.settings.mode.get") == 1
    assert await portal.admin("/crm-mode", {"mode": "simple"}) == {"mode": 2, "name": "simple"}
    assert await portal.ok("crm.settings.mode.get") == 2
    assert await portal.admin("/crm-mode", {"mode": 1}) == {"mode": 1, "name": "classic"}
    assert await portal.ok("crm.settings.mode.get") == 1
    bad = await portal.client.post(f"/_sandbox/portals/{portal.domain}/crm-mode", json={"mode": 3})
    assert bad.status_code == 400


async def test_a_lead_added_in_simple_mode_becomes_a_deal(portal: PortalHandle) -> None:
    """b24restdocs crm/leads/index.md («Leads in CRM may be absent» in simple mode) and
    tutorials/crm/how-to-add-crm-objects/how-to-add-objects-with-crm-mode.md: in simple mode
    crm.lead.add answers the lead's id, crm.lead.get shows ``CONVERTED`` and crm.deal.list
    filtered by ``LEAD_ID`` finds the deal. The docs do not say which fields the deal takes; the
    sandbox is strict: the title and responsible person, not the origin, the user fields or the
    contact, so a lookup by origin finds the lead only."""
    await portal.admin("/crm-mode", {"mode": 2})
    await portal.ok(
        "crm.lead.userfield.add",
        {"fields": {"FIELD_NAME": "HH_STATUS", "USER_TYPE_ID": "string"}},
    )
    contact_id = await portal.ok("crm.contact.add", {"fields": {"NAME": "Анна"}})
    lead_id = await portal.ok(
        "crm.lead.add",
        {
            "fields": {
                "TITLE": "Отклик",
                "NAME": "Анна",
                "CONTACT_ID": contact_id,
                "ORIGINATOR_ID": "hhsync",
                "ORIGIN_ID": "n-1",
                "UF_CRM_HH_STATUS": "response",
            }
        },
    )
    lead = await portal.ok("crm.lead.get", {"id": lead_id})
    assert lead["STATUS_ID"] == "CONVERTED"
    assert lead["ORIGIN_ID"] == "n-1"  # the lead keeps what it was given
    deals = await portal.ok(
        "crm.deal.list",
        {"filter": {"LEAD_ID": lead_id}, "select": ["ID", "TITLE", "CONTACT_ID", "ORIGIN_ID"]},
    )
    assert len(deals) == 1
    assert deals[0]["TITLE"] == "Отклик"
    assert deals[0]["CONTACT_ID"] in (None, "", "0")
    assert deals[0]["ORIGIN_ID"] in (None, "")
    deal = await portal.ok("crm.deal.get", {"id": deals[0]["ID"]})
    assert not deal.get("UF_CRM_HH_STATUS")
    by_origin = {"filter": {"ORIGINATOR_ID": "hhsync", "ORIGIN_ID": "n-1"}, "select": ["ID"]}
    assert await portal.ok("crm.deal.list", by_origin) == []
    assert [int(r["ID"]) for r in await portal.ok("crm.lead.list", by_origin)] == [lead_id]

    # The deal takes what it is given afterwards: the origin, user fields and the contact.
    await portal.ok(
        "crm.deal.userfield.add",
        {"fields": {"FIELD_NAME": "HH_STATUS", "USER_TYPE_ID": "string"}},
    )
    await portal.ok(
        "crm.deal.update",
        {
            "id": deals[0]["ID"],
            "fields": {
                "ORIGINATOR_ID": "hhsync",
                "ORIGIN_ID": "n-1",
                "UF_CRM_HH_STATUS": "response",
                "CONTACT_IDS": [contact_id],
            },
        },
    )
    found = await portal.ok("crm.deal.list", {**by_origin, "select": ["ID", "CONTACT_ID"]})
    assert [r["ID"] for r in found] == [deals[0]["ID"]]
    assert found[0]["CONTACT_ID"] == str(contact_id)


async def test_a_lead_added_in_classic_mode_stays_a_lead(portal: PortalHandle) -> None:
    """crm/leads/index.md: in classic mode the lead remains, with the status ``NEW``."""
    lead_id = await portal.ok("crm.lead.add", {"fields": {"TITLE": "Отклик"}})
    assert (await portal.ok("crm.lead.get", {"id": lead_id}))["STATUS_ID"] == "NEW"
    assert await portal.ok("crm.deal.list", {"filter": {"LEAD_ID": lead_id}}) == []
