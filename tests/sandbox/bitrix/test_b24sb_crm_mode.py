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
    """b24restdocs crm/leads/index.md («A lead may not be retained as a lead») and
    tutorials/crm/how-to-add-crm-objects/how-to-add-objects-with-crm-mode.md: in simple mode
    crm.lead.add answers the lead's id, the lead is ``CONVERTED`` at once and a deal with its
    ``LEAD_ID`` appears."""
    await portal.admin("/crm-mode", {"mode": 2})
    contact_id = await portal.ok("crm.contact.add", {"fields": {"NAME": "Анна"}})
    lead_id = await portal.ok(
        "crm.lead.add",
        {"fields": {"TITLE": "Отклик", "NAME": "Анна", "CONTACT_ID": contact_id}},
    )
    lead = await portal.ok("crm.lead.get", {"id": lead_id})
    assert lead["STATUS_ID"] == "CONVERTED"
    deals = await portal.ok(
        "crm.deal.list", {"filter": {"LEAD_ID": lead_id}, "select": ["ID", "TITLE", "CONTACT_ID"]}
    )
    assert len(deals) == 1
    assert deals[0]["TITLE"] == "Отклик"
    assert deals[0]["CONTACT_ID"] == str(contact_id)


async def test_a_lead_added_in_classic_mode_stays_a_lead(portal: PortalHandle) -> None:
    """crm/leads/index.md: in classic mode the lead remains, with the status ``NEW``."""
    lead_id = await portal.ok("crm.lead.add", {"fields": {"TITLE": "Отклик"}})
    assert (await portal.ok("crm.lead.get", {"id": lead_id}))["STATUS_ID"] == "NEW"
    assert await portal.ok("crm.deal.list", {"filter": {"LEAD_ID": lead_id}}) == []
