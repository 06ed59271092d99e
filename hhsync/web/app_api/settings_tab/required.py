"""Pure: the portal's required lead, deal or contact fields that hhsync leaves empty.

Bitrix24 refuses to create an entity while a required field is empty (Bitrix24 REST docs,
crm.lead.add: "The required field '…' is missing"), so the page names each such field, by the
label the portal shows, before the HR team saves. The fields hhsync writes are those of
:func:`hhsync.sync.mapping.build_draft`; a deal's applicant is a contact hhsync creates in the same
batch (:mod:`hhsync.sync.apply.creates`), and so is a lead's when the portal links contacts to
leads, so the contact's required fields (``crm.contact.fields``) are listed too, as the
contact's. ``crm.*.fields`` may not report a field a portal made required in the card or by stage
(mesilov/bitrix24-php-sdk#59): such a field shows up as the failures' reason instead
(:func:`hhsync.web.app_api.reasons.explain` reads it in either language), and those failures are
retried once the field is relaxed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from hhsync.bitrix.models import FieldDescription
from hhsync.model.kinds import EntityType
from hhsync.sync import mapping
from hhsync.web.app_api.reasons import Reason

CONTACT: Final = "contact"
"""The CRM kind of the applicant's contact."""

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

CONTACT_ALWAYS: Final = frozenset(
    {"NAME", "ORIGINATOR_ID", "ORIGIN_ID", "ASSIGNED_BY_ID", "OPENED"}
)
"""What every contact hhsync adds carries (the responsible person is always saved)."""

CONTACT_SOMETIMES: Final = frozenset(
    {"LAST_NAME", "SECOND_NAME", "PHONE", "EMAIL", "IM", "ADDRESS_CITY"}
)
"""A contact's fields written only when the resume has them."""


@dataclass(frozen=True)
class RequiredField:
    """A required field hhsync may leave empty, as the page lists it."""

    code: str
    label: str
    sometimes: bool
    """hhsync fills it when the applicant's resume has it; creation fails only without it."""
    entity: str = ""
    """``contact`` for the applicant's contact; empty for the lead or deal itself."""

    @property
    def key(self) -> str:
        """The field as the page names it: ``CONTACT.POST`` for a contact's, else its code."""
        return f"{CONTACT.upper()}.{self.code}" if self.entity == CONTACT else self.code

    def as_json(self) -> dict[str, object]:
        """The field for the page."""
        return {
            "code": self.key,
            "field": self.code,
            "entity": self.entity or None,
            "label": self.label,
            "sometimes": self.sometimes,
        }


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
    return _unfilled(fields, filled, person, "")


def unfilled_contact_required(
    fields: Mapping[str, FieldDescription], *, source_chosen: bool
) -> list[RequiredField]:
    """The contact's required fields hhsync does not always fill (``crm.contact.fields``)."""
    filled = CONTACT_ALWAYS | ({"SOURCE_ID"} if source_chosen else set())
    return _unfilled(fields, frozenset(filled), CONTACT_SOMETIMES, CONTACT)


def _unfilled(
    fields: Mapping[str, FieldDescription],
    filled: frozenset[str],
    sometimes: frozenset[str],
    entity: str,
) -> list[RequiredField]:
    return [
        RequiredField(code, label_of(code, field), code in sometimes, entity)
        for code, field in fields.items()
        if field.isRequired and not field.isReadOnly and code not in filled
    ]


def _deal_sometimes() -> frozenset[str]:
    # A deal's applicant lives on its contact; only the resume fields go on the deal itself.
    return frozenset({mapping.UF_RESUME_URL, mapping.UF_RESUME_FILE})


def with_refused(
    listed: list[RequiredField],
    entity_kind: str,
    fields_of: Mapping[str, Mapping[str, FieldDescription]],
    refusals: Iterable[Reason],
) -> list[RequiredField]:
    """``listed`` plus the fields the portal's refusals named that ``crm.*.fields`` did not flag
    (a card or stage requirement), matched to their codes by label.

    ``fields_of`` holds the fields of the kinds a create writes (``entity_kind``, and ``contact``
    when it adds one); a refusal of another kind's command (a lead's, after a switch to deals) is
    not this form's. A refusal that does not say whose command it was is matched to the entity
    first, then to the contact.
    """
    known = {(field.entity, field.code) for field in listed}
    added = list(listed)
    for reason in refusals:
        kinds = [reason.entity] if reason.entity else [entity_kind, CONTACT]
        for label in reason.fields:
            for kind in kinds:
                fields = fields_of.get(kind or "")
                code = _code_by_label(fields, label) if fields is not None else None
                if code is None:
                    continue
                entity = CONTACT if kind == CONTACT else ""
                if (entity, code) not in known:
                    known.add((entity, code))
                    sometimes = CONTACT_SOMETIMES if entity else SOMETIMES_FILLED
                    added.append(RequiredField(code, label, code in sometimes, entity))
                break
    return added


def _code_by_label(fields: Mapping[str, FieldDescription], label: str) -> str | None:
    for code, field in fields.items():
        if label_of(code, field) == label:
            return code
    return None
