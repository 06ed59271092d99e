"""«Другие отклики», live: a click on a timeline activity's button opens the app page with that
applicant's every response on the portal, read from the database at click time.

The round trip is the real one: the pass writes the activity to the Bitrix24 sandbox, the
sandbox turns a click on its ``openRestApp`` button into the slider's frame request
(``PLACEMENT=DEFAULT``, the button's ``actionParams`` and the activity's context in
``PLACEMENT_OPTIONS``, b24restdocs ``api-reference/crm/timeline/activities/structure/action.md``),
and ``POST /b24/app`` verifies it in its five steps before it shows anything. Who is "the same
applicant" comes from the hh.ru sandbox's own records (the same resume), not from hhsync.
"""

from __future__ import annotations

import json

import httpx
import pytest
from sqlmodel import col, select

from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.db.tables import Negotiation, RunStatus
from hhsync.sync.engine import run_pass
from hhsync.testing.portal import install_sandbox_portal
from tests.integration.sync.test_crm_deleted import delete_in_crm
from tests.integration.web.others_kit import (
    entity_links,
    hostile,
    listed,
    one_applicant_config,
    others_world,
    row_ids,
    shared_applicants_config,
    view_of,
)

pytestmark = pytest.mark.postgres


async def test_every_activity_of_one_pass_lists_all_the_applicants_others(
    database: Database, cipher: TokenCipher, db_url: str
) -> None:
    async with others_world(shared_applicants_config(), database, cipher, db_url) as ow:
        first = await run_pass(ow.world.ctx, ow.world.portal_id)
        assert first.status == RunStatus.OK, first.errors
        activities = ow.activity_ids()
        assert len(activities) == 25
        expected = {n: ow.expected_others(n) for n in activities}
        sharing = [n for n, others in expected.items() if others]
        assert len(sharing) >= 15  # the import shares applicants widely, in one pass
        leads = {lead["ORIGIN_ID"]: int(lead["ID"]) for lead in ow.world.entities("lead")}
        async with database.session() as session:
            stored = (
                await session.exec(
                    select(Negotiation).where(col(Negotiation.portal_id) == ow.world.portal_id)
                )
            ).all()
        own_ids = {n.hh_negotiation_id: str(n.id) for n in stored}

        for negotiation_id, activity_id in activities.items():
            response = await ow.click_others(activity_id)

            assert response.status_code == 200, response.text
            document = view_of(response)
            assert set(listed(document)) == expected[negotiation_id], negotiation_id
            # hhsync's own row id beside hh.ru's, as the journal's rows carry them
            assert row_ids(document) == {n: own_ids[n] for n in expected[negotiation_id]}
            links = entity_links(document)
            assert len(links) == len(expected[negotiation_id])  # every other one is in the CRM
            # the stored portal's origin, not the frame's posted PROTOCOL=0: a public domain
            # is HTTPS (model/crm_links.py), as in «Журнал»
            assert set(links) == {
                f"https://{ow.world.domain}/crm/lead/details/{leads[other]}/"
                for other in expected[negotiation_id]
            }
            assert 'target="_top"' in response.text or not links
            if not expected[negotiation_id]:
                assert "Других откликов нет" in response.text


async def test_a_later_response_shows_in_an_old_activitys_view(
    database: Database, cipher: TokenCipher, db_url: str
) -> None:
    async with others_world(shared_applicants_config(), database, cipher, db_url) as ow:
        await run_pass(ow.world.ctx, ow.world.portal_id)
        store = ow.hh.store
        old_id = next(
            n.id
            for n in store.negotiations.values()
            if not store.resumes[n.resume_id].deleted
            and any(
                not any(m.resume_id == n.resume_id for m in store.negotiations_of(v))
                for v in store.vacancies
            )
        )
        resume_id = store.negotiations[old_id].resume_id
        free_vacancy = next(
            v
            for v in store.vacancies
            if not any(m.resume_id == resume_id for m in store.negotiations_of(v))
        )
        old_activity = ow.activity_ids()[old_id]
        before = listed(view_of(await ow.click_others(old_activity)))

        added = ow.world.hh_admin(
            "POST", "/_sandbox/negotiations", vacancy_id=free_vacancy, resume_id=resume_id
        )
        later = await run_pass(ow.world.ctx, ow.world.portal_id)
        assert later.status == RunStatus.OK, later.errors

        after = listed(view_of(await ow.click_others(old_activity)))
        assert added["id"] not in before
        assert set(after) == {*before, added["id"]}
        assert after[0] == added["id"]  # newest first
        # the old activity itself was never rewritten: the list lives in the database
        portal = ow.bitrix.portals[ow.world.domain]
        assert "/crm/" not in json.dumps(portal.activities[old_activity].layout)


@pytest.mark.parametrize("vacancies", [26, 100])
async def test_any_number_of_responses_is_listed_never_refused(
    vacancies: int, database: Database, cipher: TokenCipher, db_url: str
) -> None:
    async with others_world(one_applicant_config(vacancies), database, cipher, db_url) as ow:
        outcome = await run_pass(ow.world.ctx, ow.world.portal_id)
        assert outcome.status == RunStatus.OK, outcome.errors
        activities = ow.activity_ids()
        assert len(activities) == vacancies
        some = sorted(activities)[vacancies // 2]

        response = await ow.click_others(activities[some])

        assert response.status_code == 200, response.text
        document = view_of(response)
        assert set(listed(document)) == set(activities) - {some}
        assert len(entity_links(document)) == vacancies - 1
        assert f"Всего других откликов: {vacancies - 1}" in response.text


async def test_another_portals_negotiation_shows_nothing_of_it(
    database: Database, cipher: TokenCipher, db_url: str
) -> None:
    async with others_world(shared_applicants_config(), database, cipher, db_url) as ow:
        await run_pass(ow.world.ctx, ow.world.portal_id)
        async with httpx.AsyncClient(timeout=30) as http:
            await install_sandbox_portal(
                http,
                ow.world.hh_url,
                ow.world.bitrix_url,
                database,
                cipher,
                domain="other.bitrix24.ru",
            )
        mine = next(iter(ow.activity_ids()))
        vacancy_names = {v.name for v in ow.hh.store.vacancies.values()}
        options = json.dumps({"view": "others", "negotiation": mine})

        foreign = await ow.open_with_options("other.bitrix24.ru", options)

        assert foreign.status_code == 404
        assert "Этот отклик не найден на портале" in foreign.text
        assert "data-negotiation-id" not in foreign.text
        assert not any(name in foreign.text for name in vacancy_names)
        own = await ow.open_with_options(ow.world.domain, options)
        assert own.status_code == 200
        assert 'id="others-current"' in own.text


@pytest.mark.parametrize(
    "options",
    [
        {"view": "others"},
        {"view": "others", "negotiation": ""},
        {"view": "others", "negotiation": "1; DROP TABLE negotiation"},
        {"view": "others", "negotiation": ["1"]},
        {"view": "others", "negotiation": {"id": "1"}},
        {"view": "others", "negotiation": "9" * 40},
        {"view": "others", "negotiation": True},
    ],
)
async def test_malformed_options_get_a_clear_message_not_a_500(
    options: dict[str, object], database: Database, cipher: TokenCipher, db_url: str
) -> None:
    async with others_world(one_applicant_config(1), database, cipher, db_url) as ow:
        response = await ow.open_with_options(ow.world.domain, json.dumps(options))

        assert response.status_code == 400
        assert "кнопка передала непонятные параметры" in response.text
        assert 'id="others"' in response.text


async def test_unknown_negotiation_and_broken_json_are_refused_clearly(
    database: Database, cipher: TokenCipher, db_url: str
) -> None:
    async with others_world(one_applicant_config(1), database, cipher, db_url) as ow:
        unknown = await ow.open_with_options(
            ow.world.domain, json.dumps({"view": "others", "negotiation": "123"})
        )
        assert unknown.status_code == 404
        assert "Этот отклик не найден на портале" in unknown.text

        broken = await ow.open_with_options(ow.world.domain, '{"view": "others", ')
        assert broken.status_code == 400  # step 1 of the door: PLACEMENT_OPTIONS is JSON


async def test_hostile_vacancy_names_are_escaped(
    database: Database, cipher: TokenCipher, db_url: str
) -> None:
    async with others_world(one_applicant_config(3), database, cipher, db_url) as ow:
        for index, vacancy in enumerate(ow.hh.store.vacancies.values()):
            vacancy.name = hostile(index)
        await run_pass(ow.world.ctx, ow.world.portal_id)
        activity_id = next(iter(ow.activity_ids().values()))

        response = await ow.click_others(activity_id)

        assert response.status_code == 200, response.text
        assert "<img src=x" not in response.text
        assert "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in response.text
        assert len(listed(view_of(response))) == 2


async def test_a_recruiter_sees_the_view_too(
    database: Database, cipher: TokenCipher, db_url: str
) -> None:
    async with others_world(one_applicant_config(2), database, cipher, db_url) as ow:
        await run_pass(ow.world.ctx, ow.world.portal_id)
        activity_id = next(iter(ow.activity_ids().values()))

        response = await ow.click_others(activity_id, user_id=2)

        assert response.status_code == 200, response.text
        assert len(listed(view_of(response))) == 1


async def test_a_response_whose_lead_was_deleted_in_the_crm_is_named_not_linked(
    database: Database, cipher: TokenCipher, db_url: str
) -> None:
    """The HR team deleted one of the applicant's leads by hand (b24restdocs crm.lead.delete) and
    a later write met it: the view still lists that response, naming the deleted card without a
    link to it, while the others keep theirs."""
    async with others_world(one_applicant_config(3), database, cipher, db_url) as ow:
        first = await run_pass(ow.world.ctx, ow.world.portal_id)
        assert first.status == RunStatus.OK, first.errors
        leads = {lead["ORIGIN_ID"]: lead for lead in ow.world.entities("lead")}
        doomed, kept, third = sorted(leads)
        delete_in_crm(ow.world, "lead", leads[doomed]["ID"])
        ow.world.hh_admin(
            "POST", f"/_sandbox/negotiations/{doomed}/state", employer_state="interview"
        )
        ow.world.clock.advance(ow.world.ctx.settings.sync.reconcile_period_s)
        later = await run_pass(ow.world.ctx, ow.world.portal_id)
        assert later.writes.deleted_in_crm == 1

        response = await ow.click_others(ow.activity_ids()[kept])
        document = view_of(response)
        assert doomed in listed(document)
        assert f"Лид №{leads[doomed]['ID']} удалён в CRM" in response.text
        links = entity_links(document)
        assert not any(link.endswith(f"/crm/lead/details/{leads[doomed]['ID']}/") for link in links)
        assert any(link.endswith(f"/crm/lead/details/{leads[third]['ID']}/") for link in links)
