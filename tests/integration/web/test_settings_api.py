"""The «Настройки» tab's API (``/app/api/settings``, ``/app/api/settings/progress``) against the
Bitrix24 sandbox over real HTTP and a real PostgreSQL: the portal's live choices, the save and its
checks against them, another portal's ids, a recruiter's read-only session, a portal that does not
answer, and the required-field warning."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hhsync.db import portals
from hhsync.sandbox.bitrix.store import Category, User, add_pipeline
from hhsync.web.session import SESSION_HEADER
from tests.integration.web.conftest import Door
from tests.integration.web.door_kit import open_page, snapshot, stored_portal
from tests.integration.web.test_b24_app_page import installed, session_of

pytestmark = pytest.mark.postgres

DOMAIN = "hr.bitrix24.ru"
OTHER = "other.bitrix24.ru"
HOSTILE = "</script><img src=x onerror=alert(1)>"

A_DEAL_SAVE: dict[str, Any] = {
    "entity_type": "deal",
    "responsible_user_id": 2,
    "category_id": 1,
    "source_id": "WEB",
    "extended": True,
    "stage_map": {"response": "C1:NEW", "interview": "C1:EXECUTING", "discard_by_employer": ""},
}


async def session_for(door: Door, domain: str, user_id: int = 1) -> dict[str, str]:
    """The session header of the app page ``user_id`` opens on ``domain``."""
    page = await open_page(door.client, "/b24/app", await door.admin.tokens(domain, user_id))
    assert page.status_code == 200, page.text
    return {SESSION_HEADER: session_of(page.text)}


async def admin_on(door: Door, domain: str = DOMAIN) -> dict[str, str]:
    """A portal the app is installed on, and its administrator's session."""
    await installed(door, domain)
    return await session_for(door, domain)


async def get(
    door: Door, headers: dict[str, str], path: str = "/app/api/settings"
) -> httpx.Response:
    return await door.client.get(path, headers=headers)


async def post(door: Door, headers: dict[str, str], body: Any) -> httpx.Response:
    return await door.client.post("/app/api/settings", headers=headers, json=body)


async def test_the_form_gets_the_portals_users_pipelines_sources_and_lead_statuses(
    door: Door,
) -> None:
    headers = await admin_on(door)

    response = await get(door, headers)

    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["settings"]["configured"] is False
    assert body["settings"]["entity_type"] == "lead"
    assert body["import"]["state"] == "idle"
    choices = body["choices"]
    assert choices["responsible"] is None  # nobody saved yet; the portal's users are not listed
    assert "users" not in choices
    assert [c["id"] for c in choices["categories"]] == ["0", "1"]
    assert "WEB" in {s["id"] for s in choices["sources"]}
    assert [s["id"] for s in choices["stages"]] == [
        "NEW",
        "IN_PROCESS",
        "PROCESSED",
        "CONVERTED",
        "JUNK",
    ]
    assert choices["required"] == []


async def test_a_deal_pipeline_offers_its_own_stages(door: Door) -> None:
    headers = await admin_on(door)

    pipeline = await get(door, headers, "/app/api/settings?entity_type=deal&category_id=1")
    general = await get(door, headers, "/app/api/settings?entity_type=deal&category_id=0")

    assert pipeline.status_code == 200, pipeline.text
    stages = [s["id"] for s in pipeline.json()["choices"]["stages"]]
    assert stages[0] == "C1:NEW"
    assert all(stage.startswith("C1:") for stage in stages)
    assert next(s["id"] for s in general.json()["choices"]["stages"]) == "NEW"


async def test_a_save_is_kept_answered_back_and_starts_the_import(door: Door) -> None:
    headers = await admin_on(door)

    saved = await post(door, headers, A_DEAL_SAVE)

    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["first_save"] is True
    assert body["import"]["state"] == "running"  # configured, no pass has ended yet
    assert body["choices"]["responsible"] == {"id": "2", "name": "Игорь Белов"}
    expected = {
        "configured": True,
        "entity_type": "deal",
        "responsible_user_id": 2,
        "category_id": 1,
        "source_id": "WEB",
        "extended": True,
        "stage_map": {"response": "C1:NEW", "interview": "C1:EXECUTING"},
    }
    assert body["settings"] == expected
    again = await get(door, headers)
    assert again.json()["settings"] == expected
    assert next(s["id"] for s in again.json()["choices"]["stages"]) == "C1:NEW"
    portal = await stored_portal(door.database, await _member_id(door, DOMAIN))
    assert portal is not None
    assert portal.id is not None
    assert portal.next_pass_at is None  # due at once: the import starts on the next tick
    async with door.database.session() as session:
        stored = await portals.get_settings(session, portal.id)
    assert stored is not None
    assert (stored.stage_mode, stored.category_id, stored.source_id) == ("extended", 1, "WEB")

    lead = await post(
        door,
        headers,
        {"entity_type": "lead", "responsible_user_id": 3, "stage_map": {"response": "NEW"}},
    )
    assert lead.status_code == 200, lead.text
    assert lead.json()["first_save"] is False
    assert lead.json()["settings"]["category_id"] == 0
    assert lead.json()["settings"]["extended"] is False


async def _member_id(door: Door, domain: str) -> str:
    return str((await door.admin.tokens(domain, 1))["member_id"])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"responsible_user_id": 99}, "responsible_user_id"),
        ({"responsible_user_id": 4}, "responsible_user_id"),  # fired
        ({"responsible_user_id": None}, "responsible_user_id"),
        ({"responsible_user_id": "2; DROP"}, "responsible_user_id"),
        ({"entity_type": "contact"}, "entity_type"),
        ({"category_id": 7}, "category_id"),
        ({"source_id": "NOPE"}, "source_id"),
        ({"stage_map": {"response": "NEW"}}, "stage_map.response"),  # a lead status, not C1:
        ({"stage_map": {"interview": "C1:NEW"}, "extended": False}, "stage_map.interview"),
        ({"stage_map": {"bogus": "C1:NEW"}}, "stage_map.bogus"),
        ({"extended": "yes"}, "extended"),
    ],
)
async def test_a_save_naming_what_the_portal_lacks_is_refused_by_field(
    door: Door, change: dict[str, Any], field: str
) -> None:
    headers = await admin_on(door)
    before = await snapshot(door.database)

    response = await post(door, headers, A_DEAL_SAVE | change)

    assert response.status_code == 400, response.text
    body = response.json()
    assert body["field"] == field
    assert body["error"]  # in the reader's words
    assert "Выберите" in body["error"] or field == "extended"
    assert await snapshot(door.database) == before


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b'"text"'])
async def test_a_body_that_is_no_form_is_refused(door: Door, raw: bytes) -> None:
    headers = await admin_on(door)
    response = await door.client.post(
        "/app/api/settings",
        headers=headers | {"Content-Type": "application/json"},
        content=raw,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "Неверный запрос."


async def test_another_portals_session_reads_and_changes_only_its_own_portal(door: Door) -> None:
    mine = await admin_on(door, DOMAIN)
    theirs = await admin_on(door, OTHER)
    # the other portal has a user and a pipeline this one lacks
    await door.admin.post(OTHER, "users", {"id": 9, "name": "Чужой", "last_name": "Сотрудник"})
    other = door.sandbox.portal(OTHER)
    assert other is not None
    add_pipeline(other, Category(2, "Чужая воронка", 300))
    assert (await post(door, theirs, A_DEAL_SAVE)).status_code == 200
    before = await snapshot(door.database)

    for path in (
        "/app/api/settings?portal_id=2&member_id=x",
        "/app/api/settings/progress?portal_id=2",
    ):
        answer = await get(door, mine, path)
        assert answer.status_code == 200, answer.text
        if "settings" in answer.json():
            assert answer.json()["settings"]["configured"] is False  # mine, not theirs
        else:
            assert answer.json()["state"] == "idle"
    for change, field in (
        ({"responsible_user_id": 9}, "responsible_user_id"),
        ({"category_id": 2, "stage_map": {"response": "C2:NEW"}}, "category_id"),
        ({"stage_map": {"response": "C2:NEW"}}, "stage_map.response"),
    ):
        refused = await post(door, mine, A_DEAL_SAVE | change)
        assert refused.status_code == 400, refused.text
        assert refused.json()["field"] == field
    assert await snapshot(door.database) == before
    accepted = await door.client.post(
        "/app/api/settings?portal_id=2", headers=theirs, json=A_DEAL_SAVE | {"source_id": "CALL"}
    )
    assert accepted.status_code == 200
    mine_now = await get(door, mine)
    assert mine_now.json()["settings"]["configured"] is False


async def test_a_recruiter_reads_the_settings_but_cannot_save(door: Door) -> None:
    await installed(door)
    recruiter = await session_for(door, DOMAIN, user_id=2)
    before = await snapshot(door.database)

    read = await get(door, recruiter)
    write = await post(door, recruiter, A_DEAL_SAVE)

    assert read.status_code == 200
    assert write.status_code == 403
    assert write.json()["error"] == "Это может сделать только администратор портала."
    assert await snapshot(door.database) == before


async def test_without_a_session_nothing_answers(door: Door) -> None:
    await installed(door)
    for method, path in (
        ("GET", "/app/api/settings"),
        ("POST", "/app/api/settings"),
        ("GET", "/app/api/settings/progress"),
    ):
        response = await door.client.request(method, path, json=A_DEAL_SAVE)
        assert response.status_code == 401, (method, path)


async def test_a_portal_that_does_not_answer_leaves_the_page_usable(door: Door) -> None:
    headers = await admin_on(door)
    fault = {"kind": "error", "status": 503, "path_contains": "crm.category.list"}
    await door.admin.post(DOMAIN, "faults", {"fault": fault, "times": 100})
    before = await snapshot(door.database)

    read = await get(door, headers)
    write = await post(door, headers, A_DEAL_SAVE)

    assert read.status_code == 502
    assert read.json()["reason"] == "portal_unreachable"
    assert "не отвечает" in read.json()["error"]
    assert read.json()["settings"]["entity_type"] == "lead"  # the saved values still come
    assert write.status_code == 502
    assert await snapshot(door.database) == before


async def test_a_required_user_field_is_named_by_its_label_before_saving(door: Door) -> None:
    headers = await admin_on(door)
    await door.admin.rest(
        DOMAIN,
        "crm.deal.userfield.add",
        fields={
            "FIELD_NAME": "PASSPORT",
            "USER_TYPE_ID": "string",
            "EDIT_FORM_LABEL": {"ru": HOSTILE, "en": HOSTILE},
            "LIST_COLUMN_LABEL": {"ru": HOSTILE, "en": HOSTILE},
        },
    )
    await door.admin.post(DOMAIN, "required", {"entity": "deal", "field": "UF_CRM_PASSPORT"})

    lead = await get(door, headers, "/app/api/settings?entity_type=lead")
    deal = await get(door, headers, "/app/api/settings?entity_type=deal&category_id=1")
    saved = await post(door, headers, A_DEAL_SAVE)

    assert lead.json()["choices"]["required"] == []
    warning = deal.json()["choices"]["required"]
    assert warning == [
        {
            "code": "UF_CRM_PASSPORT",
            "field": "UF_CRM_PASSPORT",
            "entity": None,
            "label": HOSTILE,
            "sometimes": False,
        }
    ]
    assert saved.status_code == 200  # saving anyway is allowed, and the warning comes back
    assert saved.json()["choices"]["required"] == warning


async def test_the_app_page_renders_the_saved_form_escaped_and_read_only_for_a_recruiter(
    door: Door,
) -> None:
    headers = await admin_on(door)
    assert (await post(door, headers, A_DEAL_SAVE)).status_code == 200

    admin_page = await open_page(door.client, "/b24/app", await door.admin.tokens(DOMAIN, 1))
    recruiter_page = await open_page(door.client, "/b24/app", await door.admin.tokens(DOMAIN, 2))

    page = admin_page.text
    assert 'id="settings-form"' in page
    assert 'id="settings-save"' in page
    assert 'class="ui-btn --air ui-btn-md --style-filled"' in page
    assert 'name="entity_type" value="deal" checked' in page
    assert 'data-stage-key="interview" data-modes="extended"' in page
    assert 'id="settings-progress" class="app-progress" data-state="running"' in page
    assert 'id="settings-save"' not in recruiter_page.text
    assert "<fieldset disabled>" in recruiter_page.text


def rest_methods(door: Door, domain: str, since: int) -> list[str]:
    """The REST methods the portal answered since log line ``since`` (a batch is one)."""
    portal = door.sandbox.portal(domain)
    assert portal is not None
    return [record.method for record in list(portal.log)[since:]]


async def test_a_portal_of_500_users_costs_a_read_and_a_save_a_bounded_number_of_calls(
    door: Door,
) -> None:
    headers = await admin_on(door)
    portal = door.sandbox.portal(DOMAIN)
    assert portal is not None
    for user_id in range(10, 510):
        portal.users[user_id] = User(user_id, f"Имя{user_id}", "Сотрудник", f"u{user_id}@hr.ru")
    assert len(portal.users) >= 500
    assert (await post(door, headers, A_DEAL_SAVE)).status_code == 200

    start = len(portal.log)
    read = await get(door, headers)
    after_read = len(portal.log)
    saved = await post(door, headers, A_DEAL_SAVE)

    assert read.status_code == 200, read.text
    assert read.json()["choices"]["responsible"] == {"id": "2", "name": "Игорь Белов"}
    expected = [
        "user.get",  # the responsible person by ID, not every page of users
        "crm.settings.mode.get",  # whether the portal keeps leads at all
        "crm.category.list",
        "crm.status.list",
        "crm.status.list",
        "crm.deal.fields",
        "crm.contact.fields",
    ]
    assert rest_methods(door, DOMAIN, start)[: after_read - start] == expected
    assert saved.status_code == 200, saved.text
    assert rest_methods(door, DOMAIN, after_read) == expected


async def test_the_fallback_search_asks_the_portal_for_one_page_of_active_matches(
    door: Door,
) -> None:
    headers = await admin_on(door)
    portal = door.sandbox.portal(DOMAIN)
    assert portal is not None
    for user_id in range(10, 130):
        portal.users[user_id] = User(user_id, "Мария", f"Петрова{user_id}", f"m{user_id}@hr.ru")
    portal.users[11] = User(11, "Мария", "Уволенная", "gone@hr.ru", active=False)
    portal.users[200] = User(200, HOSTILE, "Смирнова", "x@hr.ru")
    recruiter = await session_for(door, DOMAIN, user_id=2)

    start = len(portal.log)
    many = await get(door, headers, "/app/api/settings/users?q=Мария")
    methods = rest_methods(door, DOMAIN, start)
    hostile = await get(door, headers, "/app/api/settings/users?q=Смирнова")
    empty = await get(door, headers, "/app/api/settings/users?q=")
    too_long = await get(door, headers, "/app/api/settings/users?q=" + "я" * 101)
    denied = await get(door, recruiter, "/app/api/settings/users?q=Мария")

    assert many.status_code == 200, many.text
    assert methods == ["user.search"]  # the first page only
    found = [user["id"] for user in many.json()["users"]]
    assert len(found) == 49  # 50 on the page, the fired one left out
    assert "11" not in found
    assert hostile.json()["users"] == [{"id": "200", "name": f"{HOSTILE} Смирнова"}]
    assert empty.json() == {"users": []}
    assert too_long.status_code == 400
    assert denied.status_code == 403


async def test_a_save_checks_the_responsible_person_by_id_on_the_sessions_portal(
    door: Door,
) -> None:
    mine = await admin_on(door, DOMAIN)
    await admin_on(door, OTHER)
    await door.admin.post(OTHER, "users", {"id": 9, "name": "Чужой", "last_name": "Сотрудник"})
    await door.admin.post(DOMAIN, "users", {"id": 7, "name": "Уволен", "active": False})
    before = await snapshot(door.database)

    for user_id in (9, 7, 4000):
        refused = await post(door, mine, A_DEAL_SAVE | {"responsible_user_id": user_id})
        assert refused.status_code == 400, refused.text
        assert refused.json()["field"] == "responsible_user_id"
    assert await snapshot(door.database) == before
