"""Leads, deals and user fields: paging, filters, required fields, multifields, files, stages."""

from __future__ import annotations

import base64

import pytest
from b24_sandbox_testkit import PortalHandle, example

PDF = b"%PDF-1.4\n% resume\n"


async def _add_leads(portal: PortalHandle, count: int) -> None:
    for start in range(0, count, 50):
        cmd = {
            f"l{i}": f"crm.lead.add?fields[TITLE]=L{i}&fields[ORIGINATOR_ID]=hhsync"
            f"&fields[ORIGIN_ID]=n{i}"
            for i in range(start, min(start + 50, count))
        }
        await portal.ok("batch", {"cmd": cmd})


async def test_list_pages_by_50_with_next_and_total(portal: PortalHandle) -> None:
    await _add_leads(portal, 120)
    first = (await portal.call("crm.lead.list", {"select": ["ID"]})).json()
    assert (len(first["result"]), first["total"], first["next"]) == (50, 120, 50)
    last = (await portal.call("crm.lead.list", {"select": ["ID"], "start": 100})).json()
    assert (len(last["result"]), last["total"]) == (20, 120)
    assert "next" not in last
    uncounted = (await portal.call("crm.lead.list", {"start": -1})).json()
    assert (len(uncounted["result"]), uncounted["total"]) == (50, 0)
    assert "next" not in uncounted


async def test_filters_on_origin_and_cursor_paging(portal: PortalHandle) -> None:
    await _add_leads(portal, 60)
    found = await portal.ok(
        "crm.lead.list",
        {"filter": {"ORIGINATOR_ID": "hhsync", "ORIGIN_ID": "n42"}, "select": ["ID"]},
    )
    assert found == [{"ID": "43"}]
    after = await portal.ok(
        "crm.lead.list",
        {"filter": {">ID": 55}, "order": {"ID": "ASC"}, "select": ["ID"], "start": -1},
    )
    assert [row["ID"] for row in after] == ["56", "57", "58", "59", "60"]
    listed = await portal.ok(
        "crm.lead.list", {"filter": {"@ORIGIN_ID": ["n1", "n2"]}, "order": {"ID": "DESC"}}
    )
    assert [row["ORIGIN_ID"] for row in listed] == ["n2", "n1"]
    assert "PHONE" not in listed[0]  # '*' never includes multifields


async def test_filters_on_user_fields(portal: PortalHandle) -> None:
    await portal.ok(
        "crm.deal.userfield.add",
        {
            "fields": {
                "FIELD_NAME": "HH_NEGOTIATION_ID",
                "USER_TYPE_ID": "string",
                "EDIT_FORM_LABEL": "Отклик",
            }
        },
    )
    for negotiation in ("111", "222"):
        await portal.ok("crm.deal.add", {"fields": {"UF_CRM_HH_NEGOTIATION_ID": negotiation}})
    rows = await portal.ok(
        "crm.deal.list", {"filter": {"UF_CRM_HH_NEGOTIATION_ID": "222"}, "select": ["ID", "UF_*"]}
    )
    assert rows == [{"ID": "2", "UF_CRM_HH_NEGOTIATION_ID": "222"}]


async def test_a_user_field_name_is_unique_per_entity_not_per_portal(portal: PortalHandle) -> None:
    # a portal keeps user fields unique by ENTITY_ID and FIELD_NAME together
    spec = {"fields": {"FIELD_NAME": "HH_VACANCY", "USER_TYPE_ID": "string"}}
    lead_field = await portal.ok("crm.lead.userfield.add", spec)
    deal_field = await portal.ok("crm.deal.userfield.add", spec)
    assert lead_field != deal_field
    again = await portal.call("crm.deal.userfield.add", spec)
    assert (again.status_code, again.json()["error"]) == (400, "ERROR_CORE")
    await portal.ok("crm.lead.add", {"fields": {"UF_CRM_HH_VACANCY": "lead side"}})
    await portal.ok("crm.deal.add", {"fields": {"UF_CRM_HH_VACANCY": "deal side"}})
    for kind, value in (("lead", "lead side"), ("deal", "deal side")):
        rows = await portal.ok(
            f"crm.{kind}.list", {"filter": {"UF_CRM_HH_VACANCY": value}, "select": ["ID"]}
        )
        assert rows == [{"ID": "1"}]
        listed = await portal.ok(f"crm.{kind}.userfield.list")
        assert [f["FIELD_NAME"] for f in listed] == ["UF_CRM_HH_VACANCY"]


async def test_required_standard_field_blocks_add_with_the_portal_message(
    portal: PortalHandle,
) -> None:
    await portal.admin("/lang", {"lang": "en"})  # the English wording; Russian: test below
    await portal.admin("/required", {"entity": "lead", "field": "NAME", "label": "Имя"})
    await portal.admin("/required", {"entity": "lead", "field": "PHONE"})
    response = await portal.call("crm.lead.add", {"fields": {"TITLE": "x"}})
    assert response.status_code == 400
    assert response.json() == {
        "error": "",
        "error_description": "The required field 'Имя' is missing.<br />"
        "The required field 'Phone' is missing.<br />",
    }
    assert portal.sandbox.portals[portal.domain].entities["lead"] == {}
    fields = (await portal.ok("crm.lead.fields"))["NAME"]
    assert fields["isRequired"] is False  # as reported: the card requirement does not show
    ok = await portal.call(
        "crm.lead.add", {"fields": {"NAME": "Иван", "PHONE": [{"VALUE": "+7999"}]}}
    )
    assert ok.status_code == 200


async def test_a_user_field_made_required_is_its_mandatory_flag_and_shows_in_fields(
    portal: PortalHandle,
) -> None:
    await portal.admin("/lang", {"lang": "en"})  # the English wording; Russian: test below
    # Assumed, not documented: a user field made required for the whole card is its MANDATORY
    # flag (crm.lead.userfield.* in the Bitrix24 REST docs), which crm.lead.fields reports as
    # isRequired; a standard field's card requirement does not show (the test above,
    # mesilov/bitrix24-php-sdk#59).
    spec = {"FIELD_NAME": "PASSPORT", "USER_TYPE_ID": "string", "EDIT_FORM_LABEL": "Паспорт"}
    await portal.ok("crm.lead.userfield.add", {"fields": spec})
    await portal.admin("/required", {"entity": "lead", "field": "UF_CRM_PASSPORT"})
    described = (await portal.ok("crm.lead.fields"))["UF_CRM_PASSPORT"]
    assert (described["isRequired"], described["formLabel"]) == (True, "Паспорт")
    listed = await portal.ok(
        "crm.lead.userfield.list", {"filter": {"FIELD_NAME": "UF_CRM_PASSPORT"}}
    )
    assert listed[0]["MANDATORY"] == "Y"
    refused = await portal.call("crm.lead.add", {"fields": {"TITLE": "x"}})
    assert refused.json()["error_description"] == "The required field 'Паспорт' is missing.<br />"

    await portal.admin("/required", {"entity": "lead", "field": "UF_CRM_PASSPORT"}, "DELETE")
    assert (await portal.ok("crm.lead.fields"))["UF_CRM_PASSPORT"]["isRequired"] is False
    assert (await portal.call("crm.lead.add", {"fields": {"TITLE": "x"}})).status_code == 200


async def test_mandatory_user_field_blocks_add_and_update(portal: PortalHandle) -> None:
    await portal.admin("/lang", {"lang": "en"})  # the English wording; Russian: test below
    lead_id = await portal.ok("crm.lead.add", {"fields": {"TITLE": "before"}})
    await portal.ok(
        "crm.lead.userfield.add",
        {
            "fields": {
                "FIELD_NAME": "city",
                "USER_TYPE_ID": "string",
                "MANDATORY": "Y",
                "EDIT_FORM_LABEL": "Город",
            }
        },
    )
    refused = await portal.call("crm.lead.add", {"fields": {"TITLE": "x"}})
    assert refused.json()["error_description"] == "The required field 'Город' is missing.<br />"
    stale = await portal.call("crm.lead.update", {"id": lead_id, "fields": {"TITLE": "moved"}})
    assert stale.status_code == 400
    lead = portal.sandbox.portals[portal.domain].entities["lead"][lead_id]
    assert lead.fields["TITLE"] == "before"  # all or nothing
    assert (await portal.ok("crm.lead.fields"))["UF_CRM_CITY"]["isRequired"] is True


async def test_multifield_update_semantics(portal: PortalHandle) -> None:
    lead_id = await portal.ok(
        "crm.lead.add",
        {
            "fields": {
                "PHONE": [
                    {"VALUE": "+71", "VALUE_TYPE": "MOBILE"},
                    {"VALUE": "+72", "VALUE_TYPE": "WORK"},
                ],
                "EMAIL": [{"VALUE": "a@example.ru", "VALUE_TYPE": "WORK"}],
            }
        },
    )
    phones = (await portal.ok("crm.lead.get", {"id": lead_id}))["PHONE"]
    first, second = phones[0]["ID"], phones[1]["ID"]
    await portal.ok(
        "crm.lead.update",
        {
            "id": lead_id,
            "fields": {
                "PHONE": [
                    {"ID": first, "VALUE": "+73"},
                    {"ID": second, "DELETE": "Y"},
                    {"VALUE": "+73", "VALUE_TYPE": "HOME"},
                ],
                "EMAIL": [
                    {
                        "ID": (await portal.ok("crm.lead.get", {"id": lead_id}))["EMAIL"][0]["ID"],
                        "VALUE": "",
                    }
                ],
            },
        },
    )
    lead = await portal.ok("crm.lead.get", {"id": lead_id})
    assert [(p["VALUE"], p["VALUE_TYPE"]) for p in lead["PHONE"]] == [
        ("+73", "MOBILE"),
        ("+73", "HOME"),
    ]
    assert "EMAIL" not in lead
    assert lead["HAS_EMAIL"] == "N"
    assert lead["HAS_PHONE"] == "Y"
    bad = await portal.call("crm.lead.add", {"fields": {"EMAIL": [{"VALUE": "not-an-email"}]}})
    assert (bad.status_code, bad.json()["error"]) == (400, "ERROR_CORE")


async def test_unknown_and_read_only_fields_are_silently_ignored(portal: PortalHandle) -> None:
    lead_id = await portal.ok(
        "crm.lead.add",
        {
            "fields": {
                "TITLE": "t",
                "NO_SUCH_FIELD": "x",
                "DATE_CREATE": "2000-01-01",
                "ID": 999,
                "name": "lowercase names are unknown fields",
            }
        },
    )
    lead = await portal.ok("crm.lead.get", {"id": lead_id})
    assert lead["NAME"] is None
    assert lead["ID"] == str(lead_id)
    assert lead["DATE_CREATE"] != "2000-01-01"
    assert "NO_SUCH_FIELD" not in lead


async def test_deals_follow_their_pipeline(portal: PortalHandle) -> None:
    deal_id = await portal.ok("crm.deal.add", {"fields": {"CATEGORY_ID": 1}})
    deal = await portal.ok("crm.deal.get", {"id": deal_id})
    assert (deal["CATEGORY_ID"], deal["STAGE_ID"]) == ("1", "C1:NEW")
    wrong = await portal.call(
        "crm.deal.add", {"fields": {"CATEGORY_ID": 1, "STAGE_ID": "PREPARATION"}}
    )
    assert (wrong.status_code, wrong.json()["error"]) == (400, "")
    await portal.ok(
        "crm.deal.update", {"id": deal_id, "fields": {"CATEGORY_ID": 0, "STAGE_ID": "C1:WON"}}
    )
    moved = await portal.ok("crm.deal.get", {"id": deal_id})
    assert (moved["CATEGORY_ID"], moved["STAGE_ID"], moved["STAGE_SEMANTIC_ID"]) == (
        "1",
        "C1:WON",
        "S",
    )
    stages = await portal.ok("crm.status.list", {"filter": {"ENTITY_ID": "DEAL_STAGE_1"}})
    assert stages[0]["STATUS_ID"] == "C1:NEW"


async def test_file_user_field_round_trip_and_download(portal: PortalHandle) -> None:
    await portal.ok(
        "crm.lead.userfield.add",
        {
            "fields": {
                "FIELD_NAME": "UF_HH_RESUME",
                "USER_TYPE_ID": "file",
                "EDIT_FORM_LABEL": "Резюме",
            }
        },
    )
    encoded = base64.b64encode(PDF).decode()
    lead_id = await portal.ok(
        "crm.lead.add", {"fields": {"UF_CRM_HH_RESUME": {"fileData": ["Иванов.pdf", encoded]}}}
    )
    value = (await portal.ok("crm.lead.get", {"id": lead_id}))["UF_CRM_HH_RESUME"]
    documented = example("crm.lead.get.file-uf.response-fragment.json")["result"]
    assert set(value) == set(documented["UF_CRM_LEAD_FILE"])
    assert "auth=&" in value["downloadUrl"]
    root = portal.endpoint.removesuffix("/rest/")
    anonymous = await portal.client.get(root + value["downloadUrl"])
    assert anonymous.status_code == 403
    download = await portal.client.get(
        root + value["downloadUrl"].replace("auth=", f"auth={portal.token}")
    )
    assert (download.status_code, download.content) == (200, PDF)
    assert download.headers["content-type"] == "application/pdf"


async def test_file_values_in_the_wrong_shape(portal: PortalHandle) -> None:
    await portal.ok(
        "crm.lead.userfield.add", {"fields": {"FIELD_NAME": "ONE", "USER_TYPE_ID": "file"}}
    )
    encoded = base64.b64encode(PDF).decode()
    dropped = await portal.ok(
        "crm.lead.add", {"fields": {"UF_CRM_ONE": [{"fileData": ["a.pdf", encoded]}]}}
    )  # a list to a single field
    assert "UF_CRM_ONE" not in await portal.ok("crm.lead.get", {"id": dropped})
    empty = await portal.call("crm.lead.add", {"fields": {"UF_CRM_ONE": {"fileData": ["a", ""]}}})
    assert empty.status_code == 400
    assert len(portal.sandbox.portals[portal.domain].files) == 0


async def test_file_in_a_form_encoded_add(portal: PortalHandle) -> None:
    await portal.ok(
        "crm.lead.userfield.add",
        {"fields": {"FIELD_NAME": "CV", "USER_TYPE_ID": "file", "MULTIPLE": "Y"}},
    )
    form = {
        "auth": portal.token,
        "fields[TITLE]": "f",
        "fields[UF_CRM_CV][0][fileData][0]": "cv.pdf",
        "fields[UF_CRM_CV][0][fileData][1]": base64.b64encode(PDF).decode(),
    }
    lead_id = (await portal.client.post(f"{portal.endpoint}crm.lead.add", data=form)).json()[
        "result"
    ]
    files = (await portal.ok("crm.lead.get", {"id": lead_id}))["UF_CRM_CV"]
    assert len(files) == 1
    assert files[0]["id"] in portal.sandbox.portals[portal.domain].files


async def test_userfield_add_normalises_and_validates_names(portal: PortalHandle) -> None:
    uf_id = await portal.ok(
        "crm.lead.userfield.add",
        {"fields": {"FIELD_NAME": "uf_hh_status", "USER_TYPE_ID": "string"}},
    )
    listed = await portal.ok("crm.lead.userfield.list", {"filter": {"ID": uf_id}})
    assert listed[0]["FIELD_NAME"] == "UF_CRM_HH_STATUS"
    assert "EDIT_FORM_LABEL" not in listed[0]  # labels only with filter[LANG]
    too_long = await portal.call(
        "crm.lead.userfield.add", {"fields": {"FIELD_NAME": "X" * 44, "USER_TYPE_ID": "string"}}
    )
    assert too_long.json() == {
        "error": "ERROR_CORE",
        "error_description": "Field name is too long (more than 50 characters).",
    }
    bad_chars = await portal.call(
        "crm.lead.userfield.add", {"fields": {"FIELD_NAME": "ПОЛЕ", "USER_TYPE_ID": "string"}}
    )
    assert bad_chars.json()["error"] == "ERROR_CORE"
    manager = await portal.admin("/tokens", {"user_id": 2})
    denied = await portal.call(
        "crm.lead.userfield.add",
        {"fields": {"FIELD_NAME": "X", "USER_TYPE_ID": "string"}},
        token=manager["access_token"],
    )
    assert denied.json() == {"error": "", "error_description": "Access denied."}


async def test_users_include_fired_unless_active_filter(portal: PortalHandle) -> None:
    everyone = (await portal.call("user.get")).json()
    assert everyone["total"] == 4
    active = await portal.ok("user.get", {"FILTER": {"ACTIVE": True}})
    assert [u["ID"] for u in active] == ["1", "2", "3"]
    found = await portal.ok("user.search", {"FIND": "Крылова"})
    assert [u["ID"] for u in found] == ["3"]
    manager = await portal.admin("/tokens", {"user_id": 2})
    admin_flag = await portal.call("user.admin", token=manager["access_token"])
    assert admin_flag.json()["result"] is False


async def test_unknown_method_and_missing_scope(portal: PortalHandle) -> None:
    missing = await portal.call("crm.lead.fly")
    assert (missing.status_code, missing.json()["error"]) == (404, "ERROR_METHOD_NOT_FOUND")
    with_suffix = await portal.client.get(
        f"{portal.endpoint}profile", params={"auth": portal.token}
    )
    assert with_suffix.status_code == 200
    portal.sandbox.config.app_scope = "crm"
    crm_only = await portal.admin("/tokens", {"user_id": 1})
    denied = await portal.call("user.get", token=crm_only["access_token"])
    assert (denied.status_code, denied.json()["error"]) == (403, "insufficient_scope")


async def test_stage_required_field_blocks_the_move_only(portal: PortalHandle) -> None:
    await portal.admin("/lang", {"lang": "en"})  # the English wording; Russian: test below
    await portal.admin(
        "/required",
        {"entity": "deal", "field": "COMMENTS", "stage": "C1:WON", "label": "Комментарий"},
    )
    deal_id = await portal.ok("crm.deal.add", {"fields": {"CATEGORY_ID": 1}})
    refused = await portal.call(
        "crm.deal.update", {"id": deal_id, "fields": {"STAGE_ID": "C1:WON"}}
    )
    assert refused.json()["error_description"] == (
        "The required field 'Комментарий' is missing.<br />"
    )
    assert (await portal.ok("crm.deal.get", {"id": deal_id}))["STAGE_ID"] == "C1:NEW"
    await portal.ok(
        "crm.deal.update", {"id": deal_id, "fields": {"STAGE_ID": "C1:WON", "COMMENTS": "принят"}}
    )
    assert (await portal.ok("crm.deal.get", {"id": deal_id}))["STAGE_ID"] == "C1:WON"


async def test_managers_can_be_limited_to_their_own_records(portal: PortalHandle) -> None:
    mine = await portal.ok("crm.lead.add", {"fields": {"ASSIGNED_BY_ID": 2}})
    other = await portal.ok("crm.lead.add", {"fields": {"ASSIGNED_BY_ID": 3}})
    await portal.admin("/permissions", {"managers_see_own_only": True})
    manager = (await portal.admin("/tokens", {"user_id": 2}))["access_token"]
    listed = (await portal.call("crm.lead.list", {"select": ["ID"]}, token=manager)).json()
    assert listed["result"] == [{"ID": str(mine)}]
    denied = await portal.call("crm.lead.get", {"id": other}, token=manager)
    assert denied.json() == {"error": "", "error_description": "Access denied."}
    assert len(await portal.ok("crm.lead.list")) == 2  # the admin still sees everything


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        # CRM_ERROR_FIELD_IS_MISSING in Bitrix24's crm/lang/ru|en/classes/general/crm_lead.php
        ("ru", 'Не введено значение обязательного поля "Имя"<br />'),
        ("en", "The required field 'Имя' is missing.<br />"),
        ("de", "The required field 'Имя' is missing.<br />"),  # no wording of ours: English
    ],
)
async def test_a_required_field_is_refused_in_the_portals_language(
    portal: PortalHandle, lang: str, line: str
) -> None:
    await portal.admin("/lang", {"lang": lang})
    for kind in ("lead", "contact"):
        await portal.admin("/required", {"entity": kind, "field": "NAME", "label": "Имя"})
        refused = await portal.call(f"crm.{kind}.add", {"fields": {"TITLE": "x"}})
        assert refused.status_code == 400
        assert refused.json() == {"error": "", "error_description": line}
    assert portal.sandbox.portals[portal.domain].entities["contact"] == {}
