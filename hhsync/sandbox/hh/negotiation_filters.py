"""Filters of a negotiation collection list (hh.ru OpenAPI spec, ``get-collection-negotiations-
list``): ``experience`` (repeatable), ``gender``, ``age_from``/``age_to``,
``salary_from``/``salary_to`` and ``education_level``, checked against the dictionaries the spec
names (``get-dictionaries``: ``experience``, ``gender``, ``education_level``).

A bad value is hh.ru's 400 ``bad_argument``; a parameter the list does not know is ignored, as the
spec says. A resume that does not give a field is kept by a filter on it: the spec says so for
``gender`` (``label=only_with_gender`` would drop them, and this list takes no ``label``), and the
sandbox reads age and salary the same way, as hh.ru's resume search does by default. So filters can
split a list only as far as its resumes carry the fields: a deep vacancy of applicants who hide
them cannot be split below the depth, as on hh.ru. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from hhsync.sandbox.hh import errors
from hhsync.sandbox.hh.store import Resume

EXPERIENCE: Final = ("noExperience", "between1And3", "between3And6", "moreThan6")
"""The ``experience`` dictionary (hh.ru OpenAPI spec, ``get-dictionaries`` example)."""
GENDERS: Final = ("male", "female")
EDUCATION_LEVELS: Final = (
    "secondary",
    "special_secondary",
    "unfinished_higher",
    "higher",
    "bachelor",
    "master",
    "candidate",
    "doctor",
)


@dataclass(frozen=True)
class CollectionFilter:
    """The validated filters of one collection list request (empty: everything)."""

    experience: frozenset[str] = frozenset()
    gender: str | None = None
    age_from: int | None = None
    age_to: int | None = None
    salary_from: float | None = None
    salary_to: float | None = None
    education_level: str | None = None

    def keeps(self, resume: Resume | None) -> bool:
        """Whether a negotiation with this resume (None: deleted, nothing known) is listed."""
        if resume is None:
            # A deleted resume gives no field: only a filter on a field always present drops it.
            in_bucket = not self.experience or "noExperience" in self.experience
            return in_bucket and self.education_level is None
        if self.experience and experience_bucket(resume.total_experience_months) not in (
            self.experience
        ):
            return False
        if self.gender is not None and resume.gender not in (None, self.gender):
            return False
        if resume.age is not None and not _within(resume.age, self.age_from, self.age_to):
            return False
        if resume.salary is not None and not _within(
            resume.salary, self.salary_from, self.salary_to
        ):
            return False
        return self.education_level is None or resume.education_level[0] == self.education_level


def experience_bucket(months: int | None) -> str:
    """The ``experience`` value a total experience falls in (none given: no experience)."""
    if months is None or months < 12:
        return "noExperience"
    if months < 36:
        return "between1And3"
    if months < 72:
        return "between3And6"
    return "moreThan6"


def _within(value: float, low: float | None, high: float | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def parse_filter(query: Sequence[tuple[str, str]]) -> CollectionFilter:
    """The filters of a request's query (its repeated items in order), unknown names ignored.

    Raises:
        errors.ApiError: 400 ``bad_argument`` naming the first bad parameter.
    """
    values: dict[str, list[str]] = {}
    for name, value in query:
        values.setdefault(name, []).append(value)
    experience = values.get("experience", [])
    for value in experience:
        _one_of("experience", value, EXPERIENCE)
    gender = _last(values, "gender")
    if gender is not None:
        _one_of("gender", gender, GENDERS)
    education = _last(values, "education_level")
    if education is not None:
        _one_of("education_level", education, EDUCATION_LEVELS)
    return CollectionFilter(
        experience=frozenset(experience),
        gender=gender,
        age_from=_whole(values, "age_from"),
        age_to=_whole(values, "age_to"),
        salary_from=_number(values, "salary_from"),
        salary_to=_number(values, "salary_to"),
        education_level=education,
    )


def _last(values: dict[str, list[str]], name: str) -> str | None:
    given = values.get(name)
    return given[-1] if given else None


def _one_of(name: str, value: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise errors.bad_argument(name, f"{name} must be one of {list(allowed)}")


def _whole(values: dict[str, list[str]], name: str) -> int | None:
    raw = _last(values, name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()):
        raise errors.bad_argument(name, f"{name} must be a whole number of years")
    return int(raw)


def _number(values: dict[str, list[str]], name: str) -> float | None:
    raw = _last(values, name)
    if raw is None:
        return None
    try:
        number = float(raw)
    except ValueError:
        raise errors.bad_argument(name, f"{name} must be a number") from None
    if number != number or number < 0 or number == float("inf"):  # NaN, negative, infinite
        raise errors.bad_argument(name, f"{name} must be a non-negative number")
    return number
