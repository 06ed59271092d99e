"""The deterministic data generator and the PDF builder of the hh.ru sandbox."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import UTC, datetime

from hhsync.sandbox.hh.generator import GeneratorCounts, generate, msk_offset_format
from hhsync.sandbox.hh.pdf import build_pdf, transliterate
from hhsync.sandbox.hh.store import EMPLOYER_STATES, HhStore

ANCHOR = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def snapshot(store: HhStore) -> dict[str, object]:
    """Everything generated, as plain data (for equality)."""
    return {
        name: {key: dataclasses.asdict(value) for key, value in getattr(store, name).items()}
        for name in ("employers", "managers", "vacancies", "resumes", "negotiations")
    }


def test_same_seed_same_world() -> None:
    assert snapshot(generate(7, ANCHOR)) == snapshot(generate(7, ANCHOR))


def test_other_seed_other_world() -> None:
    first, second = generate(7, ANCHOR), generate(8, ANCHOR)
    assert [r.last_name for r in first.resumes.values()] != [
        r.last_name for r in second.resumes.values()
    ]


def test_counts_follow_the_config() -> None:
    counts = GeneratorCounts(
        employers=3,
        managers_per_employer=2,
        vacancies_per_employer=4,
        applicants=30,
        negotiations_per_vacancy=5,
        archived_vacancies_per_employer=1,
    )
    store = generate(1, ANCHOR, counts)
    assert len(store.employers) == 3
    assert len(store.managers) == 6
    assert len(store.vacancies) == 15
    assert len(store.negotiations) == 75


def test_world_has_the_awkward_cases() -> None:
    store = generate(1, ANCHOR)
    resumes = list(store.resumes.values())
    assert any(v.internship for v in store.vacancies.values())
    assert any(v.archived for v in store.vacancies.values())
    assert any("names_and_photo" in r.hidden_fields for r in resumes)
    assert any("phones" in r.hidden_fields for r in resumes)
    assert any(r.deleted for r in resumes)
    assert any(
        "'" in r.last_name or "-" in r.first_name or "ё" in r.last_name.lower() for r in resumes
    )
    per_resume = Counter(n.resume_id for n in store.negotiations.values())
    assert max(per_resume.values()) >= 2  # applicants responding to several vacancies
    assert {n.initiator for n in store.negotiations.values()} == {"applicant", "employer"}
    states = {n.employer_state for n in store.negotiations.values()}
    assert states == set(EMPLOYER_STATES)
    assert all(
        n.created_at <= ANCHOR and n.updated_at >= n.created_at for n in store.negotiations.values()
    )


def test_ids_are_strings_and_one_negotiation_per_pair() -> None:
    store = generate(1, ANCHOR)
    pairs = [(n.vacancy_id, n.resume_id) for n in store.negotiations.values()]
    assert len(pairs) == len(set(pairs))
    assert all(isinstance(n.id, str) and n.id.isdigit() for n in store.negotiations.values())
    assert all(len(r.id) == 38 for r in store.resumes.values())


def test_dates_use_moscow_offset_without_colon() -> None:
    assert msk_offset_format(ANCHOR) == "2026-03-01T15:00:00+0300"


def test_pdf_structure() -> None:
    pdf = build_pdf(["Иванов Иван", "Бухгалтер (главный)"], "Иванов Иван")
    assert pdf.startswith(b"%PDF-1.4")
    assert b"(Ivanov Ivan) '" in pdf
    assert b"(Bukhgalter \\(glavnyy\\)) '" in pdf
    xref_at = int(pdf.rsplit(b"startxref", 1)[1].split()[0])
    assert pdf[xref_at:].startswith(b"xref\n0 7\n")
    # Each xref entry points at the start of its object.
    entries = pdf[xref_at:].split(b"\n")[3:9]
    for number, entry in enumerate(entries, start=1):
        offset = int(entry.split()[0])
        assert pdf[offset:].startswith(f"{number} 0 obj".encode())


def test_transliteration_keeps_case() -> None:
    assert transliterate("Щёкина-Сальникова Ёлка") == "Shchekina-Salnikova Elka"
