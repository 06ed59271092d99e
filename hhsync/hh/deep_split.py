"""Pure planning of a deep listing's split: which filtered parts to list next, from the ``found``
counts hh.ru answered.

hh.ru lists no deeper than a fixed number of items (:mod:`hhsync.hh.paging`), but a collection
list takes filters (hh.ru OpenAPI spec, ``get-collection-negotiations-list``): ``experience``,
``gender``, ``age_from``/``age_to``, ``salary_from``/``salary_to``, ``education_level``, and its
``found`` counts the filtered list. A part deeper than the depth is split on the next dimension:
every value of a dictionary dimension (``get-dictionaries``), or a range cut in two. A resume
that does not give a field is kept by every filter on it (the spec says so for ``gender``), so a
split need not shrink a part: when every child counts as many as its parent, that dimension
tells nothing there and the next one is tried, and so it is when the resumes without the field
alone would fill half the depth in every child; a child counting as many as its parent *is* its
parent, so only it is kept. No I/O here: :mod:`hhsync.hh.deep_listing` asks and walks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Dimension:
    """One filter a part can be split on: a dictionary's values, or a numeric range."""

    name: str
    values: tuple[str, ...] = ()
    """The dictionary's values (empty for a range)."""
    low_param: str = ""
    high_param: str = ""
    pivot: int = 0
    """Where an unbounded range is cut first (hh.ru's own figures have no upper bound)."""


DIMENSIONS: Final[tuple[Dimension, ...]] = (
    # dictionary ``experience`` (every resume falls in one bucket)
    Dimension("experience", ("noExperience", "between1And3", "between3And6", "moreThan6")),
    Dimension("gender", ("male", "female")),
    Dimension("age", low_param="age_from", high_param="age_to", pivot=35),
    Dimension("salary", low_param="salary_from", high_param="salary_to", pivot=100_000),
    # dictionary ``education_level`` (required in a resume)
    Dimension(
        "education_level",
        (
            "secondary",
            "special_secondary",
            "unfinished_higher",
            "higher",
            "bachelor",
            "master",
            "candidate",
            "doctor",
        ),
    ),
)


@dataclass(frozen=True)
class Part:
    """One filtered slice of a listing and how far it has been split.

    ``filters`` are the settled query parameters; ``dimension`` indexes :data:`DIMENSIONS`, the
    one to split on next; on a range dimension ``low``/``high`` bound the part (``high`` None:
    no upper bound), and no bound at all means the range is not cut yet.
    """

    filters: tuple[tuple[str, str], ...] = ()
    dimension: int = 0
    low: int | None = None
    high: int | None = None

    def params(self) -> dict[str, str]:
        """The query parameters that list this part."""
        params = dict(self.filters)
        if self.low is not None:
            dim = DIMENSIONS[self.dimension]
            params[dim.low_param] = str(self.low)
            if self.high is not None:
                params[dim.high_param] = str(self.high)
        return params

    def settled(self) -> Part:
        """The same slice with its current range fixed and the next dimension up."""
        return Part(tuple(self.params().items()), self.dimension + 1)


def split(part: Part) -> list[Part] | None:
    """The parts that together list everything ``part`` lists, or None when no filter is left."""
    current = part
    while current.dimension < len(DIMENSIONS):
        dim = DIMENSIONS[current.dimension]
        if dim.values:
            # a dictionary: one child per value, the next dimension up
            return [
                Part((*current.filters, (dim.name, value)), current.dimension + 1)
                for value in dim.values
            ]
        low, high = current.low, current.high
        if low is None:
            # a range not cut yet: below and above the pivot
            return [_ranged(current, 0, dim.pivot), _ranged(current, dim.pivot + 1, None)]
        if high is None:
            # open above: double the lower bound
            return [_ranged(current, low, 2 * low), _ranged(current, 2 * low + 1, None)]
        if low < high:
            middle = (low + high) // 2
            return [_ranged(current, low, middle), _ranged(current, middle + 1, high)]
        current = current.settled()  # one value left on this range: go on with the next filter
    return None


def _ranged(part: Part, low: int, high: int | None) -> Part:
    return Part(part.filters, part.dimension, low, high)


def keep(
    parent: Part, parent_found: int, children: Sequence[tuple[Part, int]], depth: int
) -> list[Part]:
    """Which split parts to go on with, from each one's ``found``.

    A child counting as many as its parent lists the parent's very items (a filter only ever
    narrows), so it alone is kept. When the children count more than their parent together,
    resumes leaving the field out are in every child (``(sum - parent) / (children - 1)`` of
    them); once those alone fill half the depth, every child would carry them into every later
    split, so the dimension is given up here: the parent goes on with the next one, listed by its
    own answer. That is also the case when every child counts as many as the parent. Empty
    children are dropped.
    """
    together = sum(found for _, found in children)
    left_out = max(0, together - parent_found) // max(1, len(children) - 1)
    if children and (all(found == parent_found for _, found in children) or 2 * left_out > depth):
        return [parent.settled()]
    for child, found in children:
        if found == parent_found:
            return [child]
    return [child for child, found in children if found > 0]
