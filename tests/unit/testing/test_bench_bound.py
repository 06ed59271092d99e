"""The initial import's bound (``hhsync.testing.bench_bound``, printed by
``scripts/bench_sync.py``): the Bitrix24 side is priced on the create hhsync sends, its resume PDF
in ``fileData`` as Base64 included, with the sandbox's own cost profile; the hh.ru side is given
nominal (2 requests a response) and from a run's measured requests a response.

The per-KB cost is the sandbox's (``cost_profiles.py``: the docs name data volume as what drives a
request's duration, b24restdocs limits.md "Request Execution Time Limit"); 480 s per 10 minutes
of each method is limits.md's operating-time budget.
"""

from __future__ import annotations

import base64
import math

import pytest

from hhsync.sandbox.bitrix.cost_profiles import DOCUMENTED, LIGHT
from hhsync.sandbox.hh.app import HhSandboxConfig
from hhsync.sandbox.hh.runtime import HhSandbox
from hhsync.testing.bench_bound import (
    Create,
    bitrix_bounds,
    creates_per_batch,
    import_bound,
    method_seconds,
    world_creates,
)

LEAD, ACTIVITY = "crm.lead.add", "crm.activity.configurable.add"


def _world() -> HhSandbox:
    return HhSandbox.build(
        HhSandboxConfig(
            seed=5,
            employers=1,
            managers_per_employer=1,
            vacancies_per_employer=2,
            archived_vacancies_per_employer=1,
            applicants=12,
            negotiations_per_vacancy=4,
        )
    )


def _creates(pdf_bytes: int) -> list[Create]:
    return world_creates(_world(), pdf_bytes)


def test_every_active_vacancys_negotiation_is_priced_and_archived_ones_are_not() -> None:
    world = _world()
    creates = world_creates(world, 100_000)
    active = [
        n
        for n in world.store.negotiations.values()
        if not world.store.vacancies[n.vacancy_id].archived
    ]
    assert len(creates) == len(active) > 0
    assert all([m for m, _ in c.commands] == [LEAD, ACTIVITY] for c in creates)


def test_a_deleted_resume_is_priced_without_its_pdf() -> None:
    """hh.ru shows a deleted resume as ``resume: null``: the lead goes without resume or PDF."""
    world = _world()

    def light_leads() -> int:  # a lead without its 133 KB of Base64 weighs a few KB
        return sum(c.commands[0][1] < 50 for c in world_creates(world, 100_000))

    before = light_leads()
    kept = next(
        n
        for n in world.store.negotiations.values()
        if not world.store.resumes[n.resume_id].deleted
        and not world.store.vacancies[n.vacancy_id].archived
    )
    world.store.resumes[kept.resume_id].deleted = True
    assert light_leads() == before + 1


def test_the_pdf_travels_base64_and_its_kilobytes_are_priced() -> None:
    """A 300 KB PDF is about 400 KB of Base64 in the lead's parameters: on ``documented`` it adds
    about 2 s to the 3.3 s lead, on ``light`` about 0.08 s; the activity does not change. Leads
    of deleted resumes carry none, and the mean per response counts them."""
    bare, heavy = _creates(0), _creates(300_000)
    base64_kb = len(base64.b64encode(bytes(300_000))) / 1024
    added_kb = [h.commands[0][1] - b.commands[0][1] for b, h in zip(bare, heavy, strict=True)]
    carrying = [kb > 1 for kb in added_kb]
    assert all(kb == pytest.approx(base64_kb, rel=0.02) for kb in added_kb if kb > 1)
    assert all(kb == pytest.approx(0, abs=0.01) for kb in added_kb if kb <= 1)
    share = sum(carrying) / len(carrying)
    assert share > 0.5
    for profile in (DOCUMENTED, LIGHT):
        without, with_pdf = method_seconds(profile, bare), method_seconds(profile, heavy)
        assert with_pdf[LEAD] - without[LEAD] == pytest.approx(
            share * base64_kb * profile.per_kb_s, rel=0.02
        )
        assert with_pdf[ACTIVITY] == pytest.approx(without[ACTIVITY])
    one = next(c for c, pdf in zip(heavy, carrying, strict=True) if pdf)
    assert 5.2 < DOCUMENTED.cost(LEAD, one.commands[0][1]) < 5.4
    assert one.body_bytes > base64_kb * 1024


def test_a_bare_lead_costs_the_documented_example_plus_its_fields() -> None:
    """crm-lead-add.md's 3.31 s; the fields, layout and a one-page PDF add a few KB."""
    seconds = method_seconds(DOCUMENTED, _creates(0))
    assert DOCUMENTED.base_s[LEAD] < seconds[LEAD] < DOCUMENTED.base_s[LEAD] + 0.1
    assert DOCUMENTED.base_s[ACTIVITY] < seconds[ACTIVITY] < DOCUMENTED.base_s[ACTIVITY] + 0.05


def test_realistic_pdfs_make_bitrix24_bind_on_the_light_portal() -> None:
    """Without a PDF the light portal takes 6.6 responses/s and hh.ru (5/s nominal) binds; with
    300 KB PDFs its own time per response allows fewer than hh.ru's nominal 5/s."""
    bare = import_bound(LIGHT, _creates(0), 500)
    heavy = import_bound(LIGHT, _creates(300_000), 500)
    assert bare.bound(measured=False) == ("hh.ru", 5.0)
    side, value = heavy.bound(measured=False)
    assert side == "Bitrix24 (portal time)"
    assert value == pytest.approx(1 / sum(heavy.method_s.values()))
    assert 4.0 < value < 5.0


def test_the_measured_bound_uses_the_runs_hh_requests_a_response() -> None:
    bound = import_bound(LIGHT, _creates(0), 500, measured_hh_per_response=2.5)
    assert bound.hh_nominal == 5.0
    assert bound.hh_measured == pytest.approx(4.0)
    assert bound.bound(measured=True) == ("hh.ru", pytest.approx(4.0))
    assert bound.bound(measured=False) == ("hh.ru", 5.0)
    assert import_bound(LIGHT, _creates(0), 500).hh_measured is None


def test_operating_time_binds_only_past_one_windows_budget() -> None:
    """480 s per 600 s of a method: an import needing less of it never meets that limit."""
    seconds = {LEAD: 4.0, ACTIVITY: 0.1}
    assert f"operating {LEAD}" not in bitrix_bounds(120, seconds, 1024)  # 480 s: fits
    bounds = bitrix_bounds(121, seconds, 1024)
    assert bounds[f"operating {LEAD}"] == pytest.approx(0.8 / 4.0)
    assert f"operating {ACTIVITY}" not in bounds
    assert bounds["portal time"] == pytest.approx(1 / 4.1)


def test_documented_with_pdfs_binds_on_operating_time_of_the_lead() -> None:
    bound = import_bound(DOCUMENTED, _creates(200_000), 200, measured_hh_per_response=2.5)
    lead_s = bound.method_s[LEAD]
    for measured in (False, True):
        side, value = bound.bound(measured=measured)
        assert side == f"Bitrix24 (operating {LEAD})"
        assert value == pytest.approx(480 / 600 / lead_s)
    assert bound.bitrix["request rate"] == 2 * math.floor(20 / sum(bound.method_s.values()))


def test_a_batch_holds_what_fits_its_time_its_body_and_sixteen() -> None:
    assert creates_per_batch(0.2, 300_000) == 16
    assert creates_per_batch(4.8, 300_000) == 4  # 20 s of a 60 s cut-off
    assert creates_per_batch(0.2, 2 * 1024 * 1024) == 8  # 16 MiB of body
    assert creates_per_batch(30.0, 300_000) == 1
