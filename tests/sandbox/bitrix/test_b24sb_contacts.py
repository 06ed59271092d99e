"""Contacts: the applicant of a deal lives on a contact the deal links to."""

from __future__ import annotations

from b24_sandbox_testkit import PortalHandle


async def add_contact(portal: PortalHandle, fields: dict[str, object]) -> int:
    response = await portal.call("crm.contact.add", {"fields": fields})
    assert response.status_code == 200, response.text
    contact_id = response.json()["result"]
    assert isinstance(contact_id, int)
    return contact_id


async def test_contact_add_get_list_with_multifields(portal: PortalHandle) -> None:
    contact_id = await add_contact(
        portal,
        {
            "NAME": "Иван",
            "LAST_NAME": "Иванов",
            "PHONE": [{"VALUE": "+74955527367", "VALUE_TYPE": "MOBILE"}],
            "EMAIL": [{"VALUE": "ivan@example.com", "VALUE_TYPE": "WORK"}],
            "ORIGINATOR_ID": "hhsync",
            "ORIGIN_ID": "1843757424",
            "TITLE": "ignored: contacts have no title",
        },
    )
    got = (await portal.call("crm.contact.get", {"id": contact_id})).json()["result"]
    assert (got["NAME"], got["LAST_NAME"], got["HAS_PHONE"], got["HAS_EMAIL"]) == (
        "Иван",
        "Иванов",
        "Y",
        "Y",
    )
    assert got["PHONE"][0]["VALUE"] == "+74955527367"
    assert "TITLE" not in got
    listed = await portal.call(
        "crm.contact.list", {"filter": {"ORIGIN_ID": "1843757424"}, "select": ["ID"]}
    )
    assert [row["ID"] for row in listed.json()["result"]] == [str(contact_id)]
    bad = await portal.call(
        "crm.contact.add", {"fields": {"EMAIL": [{"VALUE": "not-an-email", "VALUE_TYPE": "WORK"}]}}
    )
    assert bad.status_code == 400


async def test_deal_links_a_contact_created_earlier_in_the_same_batch(portal: PortalHandle) -> None:
    response = await portal.call(
        "batch",
        {
            "halt": 0,
            "cmd": {
                "c": "crm.contact.add?fields[NAME]=Анна&fields[PHONE][0][VALUE]=%2B79990001122"
                "&fields[PHONE][0][VALUE_TYPE]=MOBILE",
                "d": "crm.deal.add?fields[TITLE]=Курьер&fields[CONTACT_IDS][0]=$result[c]",
            },
        },
    )
    body = response.json()["result"]
    assert body["result_error"] == []
    contact_id, deal_id = body["result"]["c"], body["result"]["d"]
    deal = (await portal.call("crm.deal.get", {"id": deal_id})).json()["result"]
    assert deal["CONTACT_ID"] == str(contact_id)
    assert "PHONE" not in deal  # deals carry no multifields: they live on the contact


async def test_a_link_to_a_missing_contact_is_refused(portal: PortalHandle) -> None:
    response = await portal.call(
        "crm.deal.add", {"fields": {"TITLE": "X", "CONTACT_IDS": [424242]}}
    )
    assert response.status_code == 400
    assert "Contact with ID '424242' is not found." in response.json()["error_description"]
    summary = await portal.admin("", method="GET")
    assert summary["counts"]["deals"] == 0


async def test_duplicates_find_contacts_by_phone_and_email(portal: PortalHandle) -> None:
    contact_id = await add_contact(
        portal,
        {
            "NAME": "Олег",
            "PHONE": [{"VALUE": "+7 (999) 111-22-33", "VALUE_TYPE": "MOBILE"}],
            "EMAIL": [{"VALUE": "Oleg@Example.com", "VALUE_TYPE": "WORK"}],
        },
    )
    by_phone = await portal.call(
        "crm.duplicate.findbycomm",
        {"type": "PHONE", "values": ["+79991112233"], "entity_type": "CONTACT"},
    )
    assert by_phone.json()["result"] == {"CONTACT": [contact_id]}
    by_email = await portal.call(
        "crm.duplicate.findbycomm", {"type": "EMAIL", "values": ["oleg@example.com"]}
    )
    assert by_email.json()["result"] == {"CONTACT": [contact_id]}
    leads_only = await portal.call(
        "crm.duplicate.findbycomm",
        {"type": "EMAIL", "values": ["oleg@example.com"], "entity_type": "LEAD"},
    )
    assert leads_only.json()["result"] == []


async def test_required_contact_field_blocks_the_add(portal: PortalHandle) -> None:
    await portal.admin("/required", {"entity": "contact", "field": "LAST_NAME", "label": "Фамилия"})
    response = await portal.call("crm.contact.add", {"fields": {"NAME": "Без фамилии"}})
    assert response.status_code == 400
    assert "The required field 'Фамилия' is missing." in response.json()["error_description"]
    contacts = await portal.admin("/entities/contact", method="GET")
    assert contacts == []
