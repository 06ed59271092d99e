"""Contacts: the applicant of a deal lives on a contact the deal links to."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from b24_sandbox_testkit import PortalHandle, example, shape_errors

HOSTILE = '<script>alert("x")</script>'


async def add_contact(portal: PortalHandle, fields: dict[str, object]) -> int:
    response = await portal.call("crm.contact.add", {"fields": fields})
    assert response.status_code == 200, response.text
    contact_id = response.json()["result"]
    assert isinstance(contact_id, int)
    return contact_id


async def admin_rows(portal: PortalHandle, kind: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = await portal.admin(f"/entities/{kind}", method="GET")
    return rows


async def test_contact_add_get_list_with_multifields(portal: PortalHandle) -> None:
    contact_id = await add_contact(
        portal,
        {
            "NAME": "Иван",
            "LAST_NAME": "Иванов",
            "SECOND_NAME": "Петрович",
            "ADDRESS_CITY": "Москва",
            "SOURCE_ID": "WEB",
            "PHONE": [{"VALUE": "+74955527367", "VALUE_TYPE": "MOBILE"}],
            "EMAIL": [{"VALUE": "ivan@example.com", "VALUE_TYPE": "WORK"}],
            "IM": [{"VALUE": "ivan_tg", "VALUE_TYPE": "TELEGRAM"}],
            "ORIGINATOR_ID": "hhsync",
            "ORIGIN_ID": "1843757424",
            "TITLE": "ignored: contacts have no title",
            "DATE_CREATE": "2001-01-01T00:00:00+03:00",  # read-only: ignored
        },
    )
    got = (await portal.call("crm.contact.get", {"id": contact_id})).json()["result"]
    assert (got["ID"], got["NAME"], got["LAST_NAME"], got["SECOND_NAME"]) == (
        str(contact_id),
        "Иван",
        "Иванов",
        "Петрович",
    )
    assert (got["HAS_PHONE"], got["HAS_EMAIL"], got["TYPE_ID"], got["SOURCE_ID"]) == (
        "Y",
        "Y",
        "CLIENT",
        "WEB",
    )
    assert got["ADDRESS_CITY"] == "Москва"
    assert got["DATE_CREATE"] == "2026-01-01T12:00:00+03:00"
    assert got["PHONE"] == [
        {
            "ID": got["PHONE"][0]["ID"],
            "VALUE_TYPE": "MOBILE",
            "VALUE": "+74955527367",
            "TYPE_ID": "PHONE",
        }
    ]
    assert got["IM"][0]["VALUE_TYPE"] == "TELEGRAM"
    assert "WEB" not in got  # empty multifields are absent
    assert "TITLE" not in got
    assert "COMPANY_IDS" not in got  # a write-only link, like CONTACT_IDS of a deal
    listed = await portal.call(
        "crm.contact.list", {"filter": {"ORIGIN_ID": "1843757424"}, "select": ["ID"]}
    )
    assert [row["ID"] for row in listed.json()["result"]] == [str(contact_id)]
    bad = await portal.call(
        "crm.contact.add", {"fields": {"EMAIL": [{"VALUE": "not-an-email", "VALUE_TYPE": "WORK"}]}}
    )
    assert bad.status_code == 400
    assert bad.json()["error_description"] == "The field `Work e-mail` contains an invalid address"
    wrong_type = await portal.call(
        "crm.contact.add", {"fields": {"PHONE": [{"VALUE": "1", "VALUE_TYPE": "TELEGRAM"}]}}
    )
    assert wrong_type.status_code == 400
    assert len(await admin_rows(portal, "contact")) == 1  # the refused adds created nothing


async def test_contact_add_in_a_batch_has_the_documented_shape(portal: PortalHandle) -> None:
    documented = example("batch.real.crm.contact.add.json")
    response = await portal.call(
        "batch",
        {"halt": 0, "cmd": {"order0000000000": "crm.contact.add?fields[NAME]=Анна"}},
    )
    assert response.status_code == 200
    assert shape_errors(documented, response.json()) == []
    assert isinstance(response.json()["result"]["result"]["order0000000000"], int)


async def test_contact_fields_describe_the_documented_table(portal: PortalHandle) -> None:
    described = await portal.ok("crm.contact.fields")
    for name in (
        "NAME",
        "SECOND_NAME",
        "LAST_NAME",
        "HONORIFIC",
        "BIRTHDATE",
        "POST",
        "COMMENTS",
        "TYPE_ID",
        "SOURCE_ID",
        "SOURCE_DESCRIPTION",
        "ASSIGNED_BY_ID",
        "OPENED",
        "EXPORT",
        "ADDRESS_CITY",
        "COMPANY_ID",
        "COMPANY_IDS",
        "ORIGINATOR_ID",
        "ORIGIN_ID",
        "ORIGIN_VERSION",
        "UTM_SOURCE",
        "LAST_ACTIVITY_TIME",
    ):
        assert described[name]["isReadOnly"] is False or name == "LAST_ACTIVITY_TIME", name
    for name in ("ID", "DATE_CREATE", "DATE_MODIFY", "CREATED_BY_ID", "HAS_PHONE", "HAS_IMOL"):
        assert described[name]["isReadOnly"] is True, name
    assert described["PHONE"]["type"] == "crm_multifield"
    assert described["PHONE"]["isMultiple"] is True
    assert "TITLE" not in described
    await portal.ok(
        "crm.contact.userfield.add", {"fields": {"FIELD_NAME": "HH_URL", "USER_TYPE_ID": "string"}}
    )
    described = await portal.ok("crm.contact.fields")
    assert described["UF_CRM_HH_URL"]["isDynamic"] is True
    assert "UF_CRM_HH_URL" not in await portal.ok("crm.lead.fields")


async def test_contact_update_follows_the_multifield_rules(portal: PortalHandle) -> None:
    contact_id = await add_contact(
        portal,
        {
            "NAME": "Пётр",
            "PHONE": [
                {"VALUE": "+79990000001", "VALUE_TYPE": "WORK"},
                {"VALUE": "+79990000002", "VALUE_TYPE": "WORK"},
                {"VALUE": "+79990000003", "VALUE_TYPE": "WORK"},
                {"VALUE": "+79990000004", "VALUE_TYPE": "HOME"},
            ],
            "EMAIL": [{"VALUE": "petr@example.com", "VALUE_TYPE": "WORK"}],
        },
    )
    phones = (await portal.ok("crm.contact.get", {"id": contact_id}))["PHONE"]
    ids = [int(p["ID"]) for p in phones]
    # the documented delete request: DELETE=Y, an empty VALUE, and an ID alone all delete
    request = example("crm.contact.update.multifield-delete.request.json")
    for row, row_id in zip(request["fields"]["PHONE"], ids[:3], strict=True):
        row["ID"] = row_id
    portal.clock.advance(60)
    assert await portal.ok("crm.contact.update", {"id": contact_id, **request}) is True
    got = await portal.ok("crm.contact.get", {"id": contact_id})
    assert [p["VALUE"] for p in got["PHONE"]] == ["+79990000004"]
    assert got["DATE_MODIFY"] != got["DATE_CREATE"]
    assert got["NAME"] == "Пётр"  # fields not passed stay
    # ID + VALUE overwrites the row; a row without ID is appended, even the same number
    await portal.ok(
        "crm.contact.update",
        {
            "id": contact_id,
            "fields": {
                "PHONE": [
                    {"ID": ids[3], "VALUE": "+79990000005", "VALUE_TYPE": "MOBILE"},
                    {"VALUE": "+79990000005", "VALUE_TYPE": "WORK"},
                ],
                "UNKNOWN_FIELD": "ignored",
            },
        },
    )
    got = await portal.ok("crm.contact.get", {"id": contact_id})
    assert [(int(p["ID"]) == ids[3], p["VALUE"], p["VALUE_TYPE"]) for p in got["PHONE"]] == [
        (True, "+79990000005", "MOBILE"),
        (False, "+79990000005", "WORK"),
    ]
    email_id = got["EMAIL"][0]["ID"]
    await portal.ok(
        "crm.contact.update",
        {"id": contact_id, "fields": {"EMAIL": [{"ID": email_id, "DELETE": "Y"}]}},
    )
    got = await portal.ok("crm.contact.get", {"id": contact_id})
    assert ("EMAIL" in got, got["HAS_EMAIL"], got["HAS_PHONE"]) == (False, "N", "Y")
    refused = await portal.call(
        "crm.contact.update",
        {"id": contact_id, "fields": {"NAME": "Не то", "EMAIL": [{"VALUE": "bad"}]}},
    )
    assert refused.status_code == 400
    assert (await portal.ok("crm.contact.get", {"id": contact_id}))["NAME"] == "Пётр"


async def test_a_missing_contact_answers_like_the_documented_error(portal: PortalHandle) -> None:
    documented = example("crm.contact.update.error.not-found.json")
    for method, params in (
        ("crm.contact.update", {"id": 999, "fields": {"NAME": "X"}}),
        ("crm.contact.get", {"id": 999}),
        ("crm.contact.delete", {"id": 999}),
    ):
        response = await portal.call(method, params)
        assert (response.status_code, response.json()) == (400, documented), method
    invalid = await portal.call("crm.contact.get", {"id": "abc"})
    assert invalid.json()["error_description"] == "ID is not defined or invalid."


async def test_contact_list_filters_and_pages(portal: PortalHandle) -> None:
    commands = {
        f"c{number}": "crm.contact.add?"
        + urlencode(
            {
                "fields[NAME]": f"Соискатель {number}",
                "fields[ORIGINATOR_ID]": "hhsync",
                "fields[ORIGIN_ID]": f"resp-{number}",
                "fields[PHONE][0][VALUE]": f"+7999{number:07d}",
                "fields[PHONE][0][VALUE_TYPE]": "MOBILE",
                "fields[EMAIL][0][VALUE]": f"a{number}@example.com",
                "fields[EMAIL][0][VALUE_TYPE]": "HOME",
            }
        )
        for number in range(52)
    }
    for chunk in (list(commands)[:50], list(commands)[50:]):
        added = await portal.ok("batch", {"halt": 1, "cmd": {k: commands[k] for k in chunk}})
        assert added["result_error"] == []
    first = (await portal.call("crm.contact.list", {"select": ["ID"]})).json()
    assert (len(first["result"]), first["total"], first["next"]) == (50, 52, 50)
    second = (await portal.call("crm.contact.list", {"select": ["ID"], "start": 50})).json()
    assert (len(second["result"]), "next" in second) == (2, False)
    by_origin = await portal.ok(
        "crm.contact.list",
        {
            "filter": {"ORIGINATOR_ID": "hhsync", "ORIGIN_ID": "resp-7"},
            "select": ["ID", "NAME", "PHONE"],
            "start": -1,
        },
    )
    assert [(r["NAME"], r["PHONE"][0]["VALUE"]) for r in by_origin] == [
        ("Соискатель 7", "+79990000007")
    ]
    by_phone = await portal.ok("crm.contact.list", {"filter": {"PHONE": "+79990000011"}})
    assert [r["NAME"] for r in by_phone] == ["Соискатель 11"]
    assert "PHONE" not in by_phone[0]  # "*" leaves multifields out
    by_email = await portal.ok(
        "crm.contact.list", {"filter": {"EMAIL": "a3@example.com"}, "select": ["ID", "EMAIL"]}
    )
    assert [r["EMAIL"][0]["VALUE"] for r in by_email] == ["a3@example.com"]
    assert await portal.ok("crm.contact.list", {"filter": {"ORIGIN_ID": "resp-99"}}) == []


async def test_contacts_follow_visibility_and_scope(portal: PortalHandle) -> None:
    mine = await add_contact(portal, {"NAME": "Свой", "ASSIGNED_BY_ID": 2})
    other = await add_contact(portal, {"NAME": "Чужой", "ASSIGNED_BY_ID": 3})
    unknown_user = await portal.call("crm.contact.add", {"fields": {"ASSIGNED_BY_ID": 999}})
    assert unknown_user.json()["error_description"] == "User #999 is not found."
    await portal.admin("/permissions", {"managers_see_own_only": True})
    manager = (await portal.admin("/tokens", {"user_id": 2}))["access_token"]
    listed = await portal.call("crm.contact.list", {"select": ["ID"]}, token=manager)
    assert listed.json()["result"] == [{"ID": str(mine)}]
    denied = await portal.call("crm.contact.get", {"id": other}, token=manager)
    assert denied.json() == {"error": "", "error_description": "Access denied."}
    portal.sandbox.config.app_scope = "user"
    no_crm = (await portal.admin("/tokens", {"user_id": 1}))["access_token"]
    refused = await portal.call("crm.contact.add", {"fields": {"NAME": "X"}}, token=no_crm)
    assert (refused.status_code, refused.json()["error"]) == (403, "insufficient_scope")
    assert len(await admin_rows(portal, "contact")) == 2


async def test_deal_links_a_contact_created_earlier_in_the_same_batch(portal: PortalHandle) -> None:
    # the commands as the sync engine sends them for a deal-mode applicant
    response = await portal.call(
        "batch",
        {
            "halt": 0,
            "cmd": {
                "c": "crm.contact.add?fields[NAME]=Анна&fields[LAST_NAME]=Смирнова"
                "&fields[PHONE][0][VALUE]=%2B79990001122&fields[PHONE][0][VALUE_TYPE]=MOBILE"
                "&fields[ORIGINATOR_ID]=hhsync&fields[ORIGIN_ID]=555"
                "&params[REGISTER_SONET_EVENT]=N",
                "d": "crm.deal.add?fields[TITLE]=Курьер&fields[CONTACT_IDS][0]=$result[c]"
                "&fields[ORIGINATOR_ID]=hhsync&fields[ORIGIN_ID]=555",
            },
        },
    )
    body = response.json()["result"]
    assert body["result_error"] == []
    contact_id, deal_id = body["result"]["c"], body["result"]["d"]
    deal = (await portal.call("crm.deal.get", {"id": deal_id})).json()["result"]
    assert deal["CONTACT_ID"] == str(contact_id)
    # crm.deal.get shows the first contact only, as the documented example does
    assert "CONTACT_IDS" not in deal
    assert "PHONE" not in deal  # deals carry no multifields: they live on the contact
    [stored] = await admin_rows(portal, "deal")
    assert stored["CONTACT_IDS"] == [contact_id]
    linked = await portal.ok("crm.deal.list", {"filter": {"CONTACT_ID": contact_id}})
    assert [row["ID"] for row in linked] == [str(deal_id)]
    [contact] = await admin_rows(portal, "contacts")
    assert (contact["LAST_NAME"], contact["ORIGIN_ID"]) == ("Смирнова", "555")


async def test_deal_update_replaces_contact_ids_wholesale(portal: PortalHandle) -> None:
    first = await add_contact(portal, {"NAME": "Первый"})
    second = await add_contact(portal, {"NAME": "Второй"})
    deal_id = await portal.ok("crm.deal.add", {"fields": {"CONTACT_IDS": [first, str(second)]}})
    assert (await portal.ok("crm.deal.get", {"id": deal_id}))["CONTACT_ID"] == str(first)
    await portal.ok("crm.deal.update", {"id": deal_id, "fields": {"CONTACT_IDS": [second]}})
    assert (await portal.ok("crm.deal.get", {"id": deal_id}))["CONTACT_ID"] == str(second)
    assert (await admin_rows(portal, "deal"))[0]["CONTACT_IDS"] == [second]
    await portal.ok("crm.deal.update", {"id": deal_id, "fields": {"TITLE": "Без связей"}})
    assert (await admin_rows(portal, "deal"))[0]["CONTACT_IDS"] == [second]  # untouched
    await portal.ok("crm.deal.update", {"id": deal_id, "fields": {"CONTACT_ID": first}})
    assert (await admin_rows(portal, "deal"))[0]["CONTACT_IDS"] == [first]
    await portal.ok("crm.deal.update", {"id": deal_id, "fields": {"CONTACT_IDS": []}})
    got = await portal.ok("crm.deal.get", {"id": deal_id})
    assert (got["CONTACT_ID"], got["TITLE"]) == (None, "Без связей")


async def test_a_link_to_a_missing_contact_is_refused(portal: PortalHandle) -> None:
    response = await portal.call(
        "crm.deal.add", {"fields": {"TITLE": "X", "CONTACT_IDS": [424242]}}
    )
    assert response.status_code == 400
    assert "Contact with ID '424242' is not found." in response.json()["error_description"]
    summary = await portal.admin("", method="GET")
    assert summary["counts"]["deals"] == 0
    contact_id = await add_contact(portal, {"NAME": "Есть"})
    deal_id = await portal.ok("crm.deal.add", {"fields": {"CONTACT_ID": contact_id}})
    refused = await portal.call(
        "crm.deal.update", {"id": deal_id, "fields": {"TITLE": "Y", "CONTACT_IDS": ["$result[c]"]}}
    )
    assert refused.json()["error_description"] == "Contact with ID '$result[c]' is not found."
    got = await portal.ok("crm.deal.get", {"id": deal_id})
    assert (got["CONTACT_ID"], got["TITLE"]) == (str(contact_id), f"Сделка #{deal_id}")


async def test_deleting_a_contact_unlinks_it(portal: PortalHandle) -> None:
    contact_id = await add_contact(portal, {"NAME": "Уйдёт"})
    deal_id = await portal.ok("crm.deal.add", {"fields": {"CONTACT_IDS": [contact_id]}})
    lead_id = await portal.ok("crm.lead.add", {"fields": {"CONTACT_ID": contact_id}})
    lead = await portal.ok("crm.lead.get", {"id": lead_id})
    assert (lead["CONTACT_ID"], lead["IS_RETURN_CUSTOMER"]) == (str(contact_id), "Y")
    assert await portal.ok("crm.contact.delete", {"id": contact_id}) is True
    assert (await portal.call("crm.contact.get", {"id": contact_id})).status_code == 400
    assert (await portal.ok("crm.deal.get", {"id": deal_id}))["CONTACT_ID"] is None
    assert (await portal.ok("crm.lead.get", {"id": lead_id}))["CONTACT_ID"] is None
    assert (await portal.admin("", method="GET"))["counts"]["contacts"] == 0


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
    assert shape_errors(example("crm.duplicate.findbycomm.response.json"), by_phone.json()) == []
    by_email = await portal.call(
        "crm.duplicate.findbycomm", {"type": "EMAIL", "values": ["oleg@example.com"]}
    )
    assert by_email.json()["result"] == {"CONTACT": [contact_id]}
    leads_only = await portal.call(
        "crm.duplicate.findbycomm",
        {"type": "EMAIL", "values": ["oleg@example.com"], "entity_type": "LEAD"},
    )
    assert leads_only.json()["result"] == []
    lead_id = await portal.ok(
        "crm.lead.add", {"fields": {"EMAIL": [{"VALUE": "oleg@example.com", "VALUE_TYPE": "HOME"}]}}
    )
    both = await portal.ok(
        "crm.duplicate.findbycomm", {"type": "EMAIL", "values": ["oleg@example.com"]}
    )
    assert both == {"LEAD": [lead_id], "CONTACT": [contact_id]}


async def test_twenty_lead_duplicates_hide_the_contacts(portal: PortalHandle) -> None:
    phone = [{"VALUE": "+79995554433", "VALUE_TYPE": "WORK"}]
    await add_contact(portal, {"PHONE": phone})
    for _ in range(20):
        await portal.ok("crm.lead.add", {"fields": {"PHONE": phone}})
    found = await portal.ok(
        "crm.duplicate.findbycomm", {"type": "PHONE", "values": ["+79995554433"]}
    )
    assert (list(found), len(found["LEAD"])) == (["LEAD"], 20)


async def test_required_contact_field_blocks_the_add(portal: PortalHandle) -> None:
    await portal.admin("/lang", {"lang": "en"})  # the English wording; Russian: test below
    await portal.admin("/required", {"entity": "contact", "field": "LAST_NAME", "label": "Фамилия"})
    response = await portal.call("crm.contact.add", {"fields": {"NAME": "Без фамилии"}})
    assert response.status_code == 400
    assert "The required field 'Фамилия' is missing." in response.json()["error_description"]
    assert await admin_rows(portal, "contact") == []
    await portal.admin("/required", {"entity": "contact", "field": "PHONE"})
    both = await portal.call("crm.contact.add", {"fields": {"NAME": "Без всего"}})
    assert both.json()["error_description"] == (
        "The required field 'Фамилия' is missing.<br />The required field 'Phone' is missing.<br />"
    )
    contact_id = await add_contact(
        portal, {"LAST_NAME": "Есть", "PHONE": [{"VALUE": "+79990000000", "VALUE_TYPE": "WORK"}]}
    )
    assert [row["ID"] for row in await admin_rows(portal, "contact")] == [str(contact_id)]
    emptied = await portal.call(
        "crm.contact.update", {"id": contact_id, "fields": {"LAST_NAME": ""}}
    )
    assert emptied.json()["error_description"] == "The required field 'Фамилия' is missing.<br />"
    deal_rule = await portal.client.post(
        f"/_sandbox/portals/{portal.domain}/required", json={"entity": "contact", "field": "TITLE"}
    )
    assert deal_rule.status_code == 400  # contacts have no TITLE


async def test_crm_view_shows_contacts_and_escapes_them(portal: PortalHandle) -> None:
    contact_id = await add_contact(
        portal,
        {
            "NAME": HOSTILE,
            "LAST_NAME": "Ковалёва",
            "PHONE": [{"VALUE": "+7999<b>1</b>", "VALUE_TYPE": "MOBILE"}],
            "EMAIL": [{"VALUE": "a&b@example.com", "VALUE_TYPE": "WORK"}],
            "ORIGIN_ID": HOSTILE,
        },
    )
    await portal.ok(
        "crm.deal.add", {"fields": {"TITLE": f"Вакансия {HOSTILE}", "CONTACT_IDS": [contact_id]}}
    )
    page = await portal.client.get(f"/_sandbox/portal/{portal.domain}/crm")
    assert page.status_code == 200
    html = page.text
    assert "<script>" not in html
    assert "<b>1</b>" not in html
    escaped_name = "Ковалёва &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
    deals = html.split("<h2>Сделки (1)</h2>")[1].split("<h2>")[0]
    assert escaped_name in deals  # the deal shows its contact's name…
    assert "Телефон: +7999&lt;b&gt;1&lt;/b&gt;" in deals  # …phones…
    assert "E-mail: a&amp;b@example.com" in deals  # …and e-mails
    contacts = html.split("<h2>Контакты (1)</h2>")[1]
    assert escaped_name in contacts
    assert "Вакансия &lt;script&gt;" in contacts  # the deals a contact is linked to
