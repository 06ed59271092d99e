"""The settings tab's pure parts: the stage table's rows, the required fields hhsync leaves empty,
what a save may hold, and when the import counts as running."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hhsync.bitrix.commands import parse_fields
from hhsync.bitrix.models import FieldDescription
from hhsync.model.import_progress import ImportProgress
from hhsync.model.kinds import EntityType, StageMode
from hhsync.web.app_api.reasons import explain, required_fields_in
from hhsync.web.app_api.settings_tab.choices import Choice, PortalChoices
from hhsync.web.app_api.settings_tab.progress import ImportState, ImportView, import_state
from hhsync.web.app_api.settings_tab.required import (
    unfilled_contact_required,
    unfilled_required,
    with_refused,
)
from hhsync.web.app_api.settings_tab.saved import SavedSettings
from hhsync.web.app_api.settings_tab.stages import (
    ALL_KEYS,
    EXTENDED_KEYS,
    modes_of,
    stage_directory,
    stage_keys,
)
from hhsync.web.app_api.settings_tab.validation import (
    FormRefusal,
    SettingsForm,
    check_against,
    parse_form,
)
from hhsync.web.i18n import translator
from hhsync.web.templating import environment

EXAMPLES = Path(__file__).parents[2] / "sandbox" / "bitrix" / "b24_examples"


def documented_fields(kind: str, required: tuple[str, ...] = ()) -> dict[str, FieldDescription]:
    """``crm.{kind}.fields`` as Bitrix24's docs show it, with ``required`` made required."""
    result: dict[str, Any] = json.loads(
        (EXAMPLES / f"crm.{kind}.fields.response.json").read_text(encoding="utf-8")
    )["result"]
    for code in required:
        result[code]["isRequired"] = True
    return parse_fields(result)


# --- the stage table ---------------------------------------------------------------------------


def test_simple_mode_maps_responses_and_invitations_extended_every_employer_state() -> None:
    assert stage_keys(StageMode.SIMPLE) == ("response", "invitation")
    # extended mode keeps the invitation row: where invitations in states without a row go
    assert stage_keys(StageMode.EXTENDED) == (
        "response",
        "invitation",
        "consider",
        "phone_interview",
        "assessment",
        "interview",
        "offer",
        "hired",
        "discard_by_employer",
        "discard_by_applicant",
    )
    assert ALL_KEYS[:2] == ("response", "invitation")
    assert set(ALL_KEYS) == set(EXTENDED_KEYS)
    assert modes_of("response") == ("simple", "extended")
    assert modes_of("invitation") == ("simple", "extended")
    assert modes_of("hired") == ("extended",)


@pytest.mark.parametrize(
    ("entity_type", "category", "directory"),
    [
        (EntityType.LEAD, 0, "STATUS"),
        (EntityType.LEAD, 3, "STATUS"),
        (EntityType.DEAL, 0, "DEAL_STAGE"),
        (EntityType.DEAL, None, "DEAL_STAGE"),
        (EntityType.DEAL, 3, "DEAL_STAGE_3"),
    ],
)
def test_stages_come_from_the_entitys_directory(
    entity_type: EntityType, category: int | None, directory: str
) -> None:
    assert stage_directory(entity_type, category) == directory


# --- required fields ---------------------------------------------------------------------------


def test_required_fields_hhsync_fills_are_not_listed() -> None:
    fields = documented_fields("lead", ("TITLE", "NAME", "STATUS_ID", "ASSIGNED_BY_ID"))
    assert unfilled_required(fields, EntityType.LEAD, source_chosen=False) == []


def test_a_required_field_hhsync_never_fills_is_listed_by_its_title() -> None:
    fields = documented_fields("lead", ("POST", "BIRTHDATE"))
    listed = unfilled_required(fields, EntityType.LEAD, source_chosen=False)
    assert [(f.code, f.sometimes) for f in listed] == [("BIRTHDATE", False), ("POST", False)]
    assert listed[1].label == fields["POST"].title


def test_the_source_counts_as_filled_only_once_one_is_chosen() -> None:
    fields = documented_fields("lead", ("SOURCE_ID",))
    assert [f.code for f in unfilled_required(fields, EntityType.LEAD, source_chosen=False)] == [
        "SOURCE_ID"
    ]
    assert unfilled_required(fields, EntityType.LEAD, source_chosen=True) == []


def test_a_field_filled_only_from_the_resume_is_listed_as_such() -> None:
    fields = documented_fields("lead", ("PHONE",))
    assert [(f.code, f.sometimes) for f in unfilled_required(fields, EntityType.LEAD,
            source_chosen=False)] == [("PHONE", True)]  # fmt: skip


def test_a_deals_contact_link_is_filled_and_its_person_fields_are_not_its_own() -> None:
    fields = documented_fields("deal", ("CONTACT_ID", "CATEGORY_ID", "TITLE"))
    assert unfilled_required(fields, EntityType.DEAL, source_chosen=False) == []


def test_a_required_user_field_is_named_by_its_form_label() -> None:
    fields = documented_fields("lead") | {
        "UF_CRM_PASSPORT": FieldDescription.model_validate(
            {
                "type": "string",
                "isRequired": True,
                "isDynamic": True,
                "title": "UF_CRM_PASSPORT",
                "formLabel": "Паспорт",
                "listLabel": "Паспорт (список)",
            }
        ),
        "UF_CRM_HH_STATUS": FieldDescription.model_validate(
            {"type": "string", "isRequired": True, "title": "UF_CRM_HH_STATUS"}
        ),
    }
    listed = unfilled_required(fields, EntityType.LEAD, source_chosen=False)
    assert [(f.code, f.label) for f in listed] == [("UF_CRM_PASSPORT", "Паспорт")]


def test_read_only_fields_are_never_listed() -> None:
    fields = documented_fields("lead", ("DATE_CREATE",))
    assert fields["DATE_CREATE"].isReadOnly
    assert unfilled_required(fields, EntityType.LEAD, source_chosen=False) == []


def test_the_portals_refusals_name_required_fields_its_field_list_does_not_flag() -> None:
    reasons = [
        "crm.lead.add: Bitrix24 crm.lead.add rejected the record: The required field 'Паспорт' "
        "is missing.; The required field 'Position' is missing.",
        "The required field 'Position' is missing.<br />",
        'Поле "Дата рождения" обязательно для заполнения',
        "crm.deal.add: Bitrix24 crm.deal.add rejected the record: The required field 'Comment' "
        "is missing.",
        "timeout",
    ]
    assert [required_fields_in(reason) for reason in reasons] == [
        ("Паспорт", "Position"),
        ("Position",),
        ("Дата рождения",),
        ("Comment",),
        (),
    ]
    fields = documented_fields("lead")
    fields["BIRTHDATE"] = fields["BIRTHDATE"].model_copy(update={"title": "Дата рождения"})
    listed = with_refused([], "lead", {"lead": fields}, [explain(r) for r in reasons])
    # «Паспорт» is no lead field here; «Comment» is, but a deal's create named it: not ours
    assert [(f.code, f.label) for f in listed] == [
        ("POST", "Position"),
        ("BIRTHDATE", "Дата рождения"),
    ]


def test_a_contacts_required_fields_are_listed_as_the_contacts() -> None:
    # the documented example flags NAME, SECOND_NAME and LAST_NAME; the portal adds POST
    contact = documented_fields("contact", ("POST", "ASSIGNED_BY_ID"))
    listed = unfilled_contact_required(contact, source_chosen=False)
    assert [(f.key, f.entity, f.sometimes) for f in listed] == [
        ("CONTACT.SECOND_NAME", "contact", True),
        ("CONTACT.LAST_NAME", "contact", True),
        ("CONTACT.POST", "contact", False),
    ]
    assert listed[2].as_json() == {
        "code": "CONTACT.POST",
        "field": "POST",
        "entity": "contact",
        "label": "Должность",
        "sometimes": False,
    }
    # the same label refused on the contact's command and on the deal's: each matched to its own
    refusals = [
        "crm.contact.add: Bitrix24 crm.contact.add rejected the record: "
        'Не введено значение обязательного поля "Должность"',
        "crm.deal.add: Bitrix24 crm.deal.add rejected the record: "
        "The required field 'Comment' is missing.",
    ]
    deal = documented_fields("deal")
    added = with_refused(
        [], "deal", {"deal": deal, "contact": contact}, [explain(r) for r in refusals]
    )
    assert [f.key for f in added] == ["CONTACT.POST", "COMMENTS"]


# --- what a save may hold ----------------------------------------------------------------------


def choices(entity_type: EntityType = EntityType.DEAL) -> PortalChoices:
    return PortalChoices(
        entity_type=entity_type,
        category_id=1,
        responsible=Choice("2", "Игорь"),
        categories=(Choice("0", "Общее"), Choice("1", "Подбор")),
        sources=(Choice("WEB", "Веб-сайт"),),
        stages=(Choice("C1:NEW", "Новая"), Choice("C1:WON", "Принят")),
        required=(),
    )


GOOD: dict[str, Any] = {
    "entity_type": "deal",
    "responsible_user_id": "2",
    "category_id": 1,
    "source_id": "WEB",
    "extended": True,
    "stage_map": {"response": "C1:NEW", "hired": "C1:WON", "offer": ""},
}


def test_a_good_save_becomes_the_columns_stored() -> None:
    form = parse_form(GOOD)
    check_against(form, choices())
    assert form.changes() == {
        "entity_type": "deal",
        "responsible_user_id": 2,
        "category_id": 1,
        "source_id": "WEB",
        "stage_mode": "extended",
        "stage_map": {"response": "C1:NEW", "hired": "C1:WON"},
    }


def test_the_default_pipeline_and_a_leads_pipeline_are_stored_as_none() -> None:
    general = parse_form(GOOD | {"category_id": 0})
    lead = parse_form(GOOD | {"entity_type": "lead", "category_id": 1, "stage_map": {}})
    assert general.changes()["category_id"] is None
    assert lead.category_id == 0
    assert lead.changes()["category_id"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (None, "form"),
        ([], "form"),
        (GOOD | {"entity_type": "company"}, "entity_type"),
        (GOOD | {"responsible_user_id": ""}, "responsible_user_id"),
        (GOOD | {"responsible_user_id": True}, "responsible_user_id"),
        (GOOD | {"responsible_user_id": -3}, "responsible_user_id"),
        (GOOD | {"responsible_user_id": "1" * 11}, "responsible_user_id"),
        (GOOD | {"category_id": "one"}, "category_id"),
        (GOOD | {"source_id": 5}, "source_id"),
        (GOOD | {"source_id": "W" * 65}, "source_id"),
        (GOOD | {"extended": 1}, "extended"),
        (GOOD | {"stage_map": ["C1:NEW"]}, "stage_map"),
        (GOOD | {"stage_map": {"invite": "C1:NEW"}}, "stage_map.invite"),  # no such row
        (GOOD | {"extended": False, "stage_map": {"hired": "C1:WON"}}, "stage_map.hired"),
        (GOOD | {"stage_map": {"response": "C1:\nNEW"}}, "stage"),
    ],
)
def test_a_malformed_save_names_its_field(body: Any, field: str) -> None:
    with pytest.raises(FormRefusal) as refused:
        parse_form(body)
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"responsible_user_id": 3}, "responsible_user_id"),
        ({"category_id": 2}, "category_id"),
        ({"source_id": "CALL"}, "source_id"),
        ({"stage_map": {"response": "NEW"}}, "stage_map.response"),
    ],
)
def test_an_id_the_portal_does_not_offer_is_refused(change: dict[str, Any], field: str) -> None:
    form = parse_form(GOOD | change)
    with pytest.raises(FormRefusal) as refused:
        check_against(form, choices())
    assert refused.value.field == field


def test_a_leads_save_does_not_ask_for_a_pipeline() -> None:
    form = SettingsForm(EntityType.LEAD, 2, 9, None, StageMode.SIMPLE, {})
    check_against(form, choices(EntityType.LEAD))  # pipeline 9 is no lead's business


# --- when the import runs ----------------------------------------------------------------------

SAVED_AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def progress(pending: int = 0) -> ImportProgress:
    return ImportProgress(loaded=10, imported=10 - pending, failed=0, pending=pending)


@pytest.mark.parametrize(
    ("configured", "active", "ended", "running", "pending", "state"),
    [
        (None, True, False, False, 0, "idle"),
        (SAVED_AT, True, False, False, 0, "running"),  # saved, the first pass not over yet
        (SAVED_AT, True, False, True, 3, "running"),
        (SAVED_AT, True, True, False, 0, "done"),
        (SAVED_AT, True, True, True, 3, "running"),  # a later pass still moving some
        (SAVED_AT, True, True, True, 0, "done"),
        (SAVED_AT, True, True, False, 3, "done"),  # waiting, but no pass runs
        (SAVED_AT, False, False, False, 3, "done"),  # parked or paused: nothing runs
    ],
)
def test_the_import_runs_until_the_first_pass_after_the_save_ends(
    configured: datetime | None,
    active: bool,
    ended: bool,
    running: bool,
    pending: int,
    state: str,
) -> None:
    assert (
        import_state(
            configured_at=configured,
            portal_active=active,
            first_pass_ended=ended,
            pass_running=running,
            progress=progress(pending),
        )
        == state
    )


# --- the tab's template ------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize("can_write", [True, False])
def test_the_tab_renders_in_both_languages_with_every_selector_the_page_relies_on(
    language: str, can_write: bool
) -> None:
    t = translator(language)
    saved = SavedSettings(
        configured=True,
        entity_type=EntityType.DEAL,
        responsible_user_id=2,
        category_id=1,
        source_id="WEB",
        extended=False,
        stage_map={"response": "C1:NEW"},
    )
    running = ImportView("running", progress(3), (("The required field '<b>x</b>' is missing", 3),))
    html = (
        environment()
        .get_template("tabs/settings.html")
        .render(
            t=t,
            can_write=can_write,
            tabs={
                "settings_form": saved,
                "settings_form_json": saved.as_json(),
                "settings_stage_rows": [(key, modes_of(key)) for key in ALL_KEYS],
                "settings_import": running,
                "settings_messages": t.area("settings"),
            },
        )
    )
    for selector in (
        'id="settings-form"',
        'id="settings-responsible-name"',
        'id="settings-responsible-search"',
        'name="responsible_user_id" value="2"',
        'name="entity_type" value="deal" checked',
        'name="category_id"',
        'name="source_id"',
        'type="checkbox" name="extended"',
        'id="settings-stages"',
        'id="settings-required-warning"',
        'id="settings-progress" class="app-progress" data-state="running"',
        'data-progress="loaded"',
        'data-progress="imported"',
        'data-progress="failed"',
        'data-progress="pending"',
        'id="settings-saved"',
    ):
        assert selector in html, selector
    assert html.count("data-stage-key=") == len(ALL_KEYS)
    assert '<tr data-stage-key="hired" data-modes="extended" hidden>' in html
    invitation = '<tr data-stage-key="invitation" data-modes="simple extended">'
    assert invitation in html
    row = html[html.index(invitation) : html.index("</tr>", html.index(invitation))]
    # in extended mode the row is labelled as the invitations in states without their own row
    assert f'<span data-mode-label="simple">{t("settings.stage_invitation")}</span>' in row
    assert (
        f'<span data-mode-label="extended" hidden>{t("settings.stage_invitation_extended")}</span>'
        in row
    )
    assert "<b>x</b>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert t("settings.progress_imported_deal") in html
    assert ('id="settings-save"' in html) is can_write
    assert ('id="settings-responsible-pick"' in html) is can_write
    assert ("<fieldset disabled>" in html) is not can_write


@pytest.mark.parametrize(("state", "shown"), [("idle", False), ("running", True), ("done", True)])
def test_the_progress_carries_the_imports_own_state(state: ImportState, shown: bool) -> None:
    """Before the first save the progress says ``idle`` (hidden), never ``done``."""
    t = translator("ru")
    saved = SavedSettings(
        configured=state != "idle",
        entity_type=EntityType.LEAD,
        responsible_user_id=None,
        category_id=0,
        source_id=None,
        extended=False,
        stage_map={},
    )
    html = (
        environment()
        .get_template("tabs/settings.html")
        .render(
            t=t,
            can_write=True,
            tabs={
                "settings_form": saved,
                "settings_form_json": saved.as_json(),
                "settings_stage_rows": [(key, modes_of(key)) for key in ALL_KEYS],
                "settings_import": ImportView(state, progress(0)),
                "settings_messages": t.area("settings"),
            },
        )
    )
    opening = f'id="settings-progress" class="app-progress" data-state="{state}"'
    assert opening in html
    tag = html[html.index(opening) : html.index(">", html.index(opening))]
    assert (" hidden" not in tag) is shown
