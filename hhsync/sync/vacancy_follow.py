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
from datetime import datetime


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


@dataclass(frozen=True)
class Unlisted:
    """A followed vacancy in neither list this pass, as stored."""

    hh_id: str
    manager_id: str | None
    """The manager the active list last showed for it; None if never seen with one."""
    unlisted_at: datetime | None
    """When a pass last looked for it and found it nowhere; None if it was listed until now."""


@dataclass(frozen=True)
class ArchiveAsks:
    """Where to look for followed vacancies that are in neither list."""

    by_manager: Mapping[str, tuple[str, ...]]
    """Each colleague's archive to read (one request each) and the vacancies looked for there."""
    nowhere: tuple[str, ...]
    """Due a look but with no archive left to ask (own archive already read, no manager known)."""


def archives_to_ask(
    missing: Sequence[Unlisted], own_manager: str, now: datetime, recheck_s: float
) -> ArchiveAsks:
    """One archived-list request per colleague manager, never per vacancy.

    hh.ru's archived list shows the caller's own vacancies unless ``manager_id`` names another
    (hh.ru OpenAPI ``get-archived-vacancies``), so a colleague's vacancy followed while active is
    in neither list once archived. A vacancy already looked for and found nowhere (deleted or
    hidden, or the archive refused) is looked for again only once ``recheck_s`` has passed.
    """
    by_manager: dict[str, list[str]] = {}
    nowhere: list[str] = []
    for vacancy in missing:
        due = vacancy.unlisted_at is None or (now - vacancy.unlisted_at).total_seconds() >= (
            recheck_s
        )
        if not due:
            continue
        if vacancy.manager_id is None or vacancy.manager_id == own_manager:
            nowhere.append(vacancy.hh_id)
        else:
            by_manager.setdefault(vacancy.manager_id, []).append(vacancy.hh_id)
    return ArchiveAsks(
        {manager: tuple(ids) for manager, ids in sorted(by_manager.items())}, tuple(nowhere)
    )
