"""Pure: the portal's required lead or deal fields that hhsync leaves empty.

Bitrix24 refuses to create an entity while a required field is empty (Bitrix24 REST docs,
crm.lead.add: "The required field '…' is missing"), so the page names each such field, by the
label the portal shows, before the HR team saves. The fields hhsync writes are those of
:func:`hhsync.sync.mapping.build_draft` (and the contact link of a deal,
:mod:`hhsync.sync.apply.creates`). ``crm.*.fields`` may not report a field a portal made required
in the card or by stage (mesilov/bitrix24-php-sdk#59): such a field shows up as the failures'
reason instead, and those failures are retried once the field is relaxed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from hhsync.bitrix.models import FieldDescription
from hhsync.model.kinds import EntityType
from hhsync.sync import mapping

ALWAYS_FILLED: Final = frozenset(
    {
        "TITLE",
        "COMMENTS",
        "ORIGINATOR_ID",
        "ORIGIN_ID",
        mapping.UF_NEGOTIATION_ID,
        mapping.UF_VACANCY,
        mapping.UF_STATUS,
        mapping.UF_CREATED_AT,
    }
)
"""Written on every create, leads and deals alike."""

LEAD_ALWAYS: Final = frozenset({"NAME"})
DEAL_ALWAYS: Final = frozenset({"CONTACT_ID", "CONTACT_IDS"})
DEFAULTED: Final = frozenset({"STATUS_ID", "STAGE_ID", "CATEGORY_ID", "ASSIGNED_BY_ID", "OPENED"})
"""Fields the portal fills itself when hhsync sends none (the first stage, the default pipeline,
the app's user)."""

SOMETIMES_FILLED: Final = frozenset(
    {
        "LAST_NAME",
        "SECOND_NAME",
        "PHONE",
        "EMAIL",
        "IM",
        "ADDRESS_CITY",
        mapping.UF_RESUME_URL,
        mapping.UF_RESUME_FILE,
    }
)
"""Written only when the applicant's resume shows them (a lead's person fields; the resume link
and PDF on both)."""


NAMED_IN_REFUSAL: Final = (
    re.compile(r"The required field '([^'<]{1,255})' is missing"),
    re.compile(r"Поле «([^»<]{1,255})» обязательно"),
    re.compile(r'Поле "([^"<]{1,255})" обязательно'),
)
"""How a portal names the required field it refused a create for (Bitrix24 REST docs, crm.lead.add
examples; the Russian forms as Russian portals word them)."""


@dataclass(frozen=True)
class RequiredField:
    """A required field hhsync may leave empty, as the page lists it."""

    code: str
    label: str
    sometimes: bool
    """hhsync fills it when the applicant's resume has it; creation fails only without it."""

    def as_json(self) -> dict[str, object]:
        """The field for the page."""
        return {"code": self.code, "label": self.label, "sometimes": self.sometimes}


def filled_fields(entity_type: EntityType, *, source_chosen: bool) -> frozenset[str]:
    """The fields every create of ``entity_type`` carries under these settings."""
    filled = set(ALWAYS_FILLED | DEFAULTED)
    filled |= LEAD_ALWAYS if entity_type == EntityType.LEAD else DEAL_ALWAYS
    if source_chosen:
        filled.add("SOURCE_ID")
    return frozenset(filled)


def label_of(code: str, field: FieldDescription) -> str:
    """The label a person knows: a user field's form label, a standard field's title."""
    for label in (field.formLabel, field.listLabel, field.filterLabel, field.title):
        if label:
            return label
    return code


def unfilled_required(
    fields: Mapping[str, FieldDescription], entity_type: EntityType, *, source_chosen: bool
) -> list[RequiredField]:
    """Every writable required field hhsync does not always fill, in the portal's order."""
    filled = filled_fields(entity_type, source_chosen=source_chosen)
    person = SOMETIMES_FILLED if entity_type == EntityType.LEAD else _deal_sometimes()
    return [
        RequiredField(code, label_of(code, field), code in person)
        for code, field in fields.items()
        if field.isRequired and not field.isReadOnly and code not in filled
    ]


def _deal_sometimes() -> frozenset[str]:
    # A deal's applicant lives on its contact; only the resume fields go on the deal itself.
    return frozenset({mapping.UF_RESUME_URL, mapping.UF_RESUME_FILE})


def labels_in(reasons: Iterable[str]) -> list[str]:
    """The field labels the portal's refusals name, in order, each once."""
    found: dict[str, None] = {}
    for reason in reasons:
        for pattern in NAMED_IN_REFUSAL:
            for label in pattern.findall(reason):
                found[label.strip()] = None
    return [label for label in found if label]


def with_refused(
    listed: list[RequiredField],
    fields: Mapping[str, FieldDescription],
    refused_labels: Iterable[str],
) -> list[RequiredField]:
    """``listed`` plus the fields the portal's refusals named that ``crm.*.fields`` did not flag
    (a card or stage requirement), matched to their codes by label."""
    known = {field.code for field in listed}
    codes_by_label = {label_of(code, field): code for code, field in fields.items()}
    added = list(listed)
    for label in refused_labels:
        code = codes_by_label.get(label)
        if code is not None and code not in known:  # a label of another entity type: not ours
            known.add(code)
            added.append(RequiredField(code, label, sometimes=code in SOMETIMES_FILLED))
    return added
