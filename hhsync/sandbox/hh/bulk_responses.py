"""Many responses at once for the admin API: a deep vacancy (thousands of responses) in one call.

Each response comes from a new applicant whose resume is generated as usual, then given the
fields the collection list filters read (:mod:`hhsync.sandbox.hh.negotiation_filters`) as asked,
so a test can build a vacancy whose applicants all hide their age, or all share one experience
bucket, and see how far a filter split can go.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from faker import Faker

from hhsync.sandbox.hh.generator import make_resume, register_applicant
from hhsync.sandbox.hh.negotiation_filters import EDUCATION_LEVELS, GENDERS
from hhsync.sandbox.hh.store import HhStore, StoreError

MAX_BULK_RESPONSES = 20_000
LEVEL_NAMES = {
    "secondary": "Среднее",
    "special_secondary": "Среднее специальное",
    "unfinished_higher": "Неоконченное высшее",
    "higher": "Высшее",
    "bachelor": "Бакалавр",
    "master": "Магистр",
    "candidate": "Кандидат наук",
    "doctor": "Доктор наук",
}
_UNSET: Any = object()


@dataclass(frozen=True)
class ResumeFields:
    """Filterable fields every new resume gets (an unset field keeps its generated value)."""

    gender: Any = _UNSET
    birth_year: Any = _UNSET
    total_experience_months: Any = _UNSET
    salary: Any = _UNSET
    education_level: Any = _UNSET

    @classmethod
    def from_json(cls, body: Any) -> ResumeFields:
        """Checked from the admin body's ``resume`` object; ``null`` means "not given".

        Raises:
            StoreError: a value of the wrong kind.
        """
        if body is None:
            return cls()
        if not isinstance(body, dict):
            raise StoreError("'resume' must be an object")
        unknown = set(body) - set(cls.__dataclass_fields__)
        if unknown:
            raise StoreError(f"unknown resume fields {sorted(unknown)}")
        if body.get("gender") not in (None, *GENDERS):
            raise StoreError(f"'gender' must be null or one of {list(GENDERS)}")
        if body.get("education_level", "higher") not in EDUCATION_LEVELS:
            raise StoreError(f"'education_level' must be one of {list(EDUCATION_LEVELS)}")
        for key in ("birth_year", "total_experience_months", "salary"):
            value = body.get(key)
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or value < 0
            ):
                raise StoreError(f"'{key}' must be null or a non-negative integer")
        return cls(**body)


def add_responses(
    store: HhStore,
    vacancy_id: str,
    count: int,
    fields: ResumeFields,
    *,
    seed: int,
    now: datetime,
) -> list[str]:
    """Add ``count`` responses from new applicants, one second apart up to ``now``; their ids.

    Raises:
        StoreError: an unknown vacancy or a count out of range.
    """
    if vacancy_id not in store.vacancies:
        raise StoreError(f"unknown vacancy_id {vacancy_id!r}")
    if not 1 <= count <= MAX_BULK_RESPONSES:
        raise StoreError(f"'count' must be 1..{MAX_BULK_RESPONSES}")
    fake = Faker("ru_RU")
    fake.seed_instance(seed * 100_019 + len(store.resumes))
    rng = random.Random(seed * 7_927 + len(store.resumes))
    added: list[str] = []
    for offset in range(count):
        index = len(store.resumes) + 1000
        resume = make_resume(rng, fake, now, index)
        _apply(resume, fields)
        store.resumes[resume.id] = resume
        register_applicant(store, resume)
        at = now - timedelta(seconds=count - offset)
        added.append(store.add_negotiation(vacancy_id, resume.id, "applicant", at).id)
    return added


def _apply(resume: Any, fields: ResumeFields) -> None:
    if fields.gender is not _UNSET:
        resume.gender = fields.gender
    if fields.birth_year is not _UNSET:
        resume.birth_date = None if fields.birth_year is None else f"{fields.birth_year}-06-15"
    if fields.total_experience_months is not _UNSET:
        resume.total_experience_months = fields.total_experience_months
    if fields.salary is not _UNSET:
        resume.salary = fields.salary
    if fields.education_level is not _UNSET:
        resume.education_level = (fields.education_level, LEVEL_NAMES[fields.education_level])
