"""Pure: which of hh.ru's listed vacancies a pass follows, and which just changed sides.

A vacancy is followed once it is stored. One followed while active stays followed after hh.ru
archives it: hh.ru takes no new responses there, but the applicant may still withdraw and the
employer may still move negotiations on the website, and a response that arrived between the last
read and the archival has not been read yet. Archived vacancies never followed are imported only
when the portal asks for them (``import_archived``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Followed:
    """What the pass follows of the two lists, by hh.ru id."""

    active: tuple[str, ...]
    """Every active vacancy, in hh.ru's order."""
    archived: tuple[str, ...]
    """The archived vacancies followed, in hh.ru's order (none also in ``active``)."""
    just_archived: frozenset[str]
    """Stored as active, archived now: due one full read."""
    returned: frozenset[str]
    """Stored as archived, active again: read as usual (its counters moved)."""


def follow(
    active: Sequence[str],
    archived: Sequence[str],
    stored: Mapping[str, bool],
    *,
    include_archived: bool,
) -> Followed:
    """Choose from the lists; ``stored`` maps each stored vacancy's id to its ``archived`` flag.

    A vacancy in both lists was archived between the two requests: the archived list, asked
    second, is the newer word.
    """
    archived_ids = tuple(dict.fromkeys(v for v in archived if include_archived or v in stored))
    in_archive = set(archived)
    active_ids = tuple(dict.fromkeys(v for v in active if v not in in_archive))
    return Followed(
        active=active_ids,
        archived=archived_ids,
        just_archived=frozenset(v for v in archived_ids if stored.get(v) is False),
        returned=frozenset(v for v in active_ids if stored.get(v) is True),
    )
