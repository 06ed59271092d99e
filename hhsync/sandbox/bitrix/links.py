"""Links between CRM entities: the contacts of a lead or deal, the companies of a contact.

A deal (or lead) stores its contacts in ``CONTACT_IDS``; the deprecated ``CONTACT_ID`` is the
first of them and is what ``crm.deal.get``/``crm.lead.get`` return (the documented
``crm.deal.get`` example shows ``CONTACT_ID`` and no ``CONTACT_IDS``). Writing ``CONTACT_IDS``
replaces the whole list (Bitrix24 REST docs, crm.lead.update); writing ``CONTACT_ID`` makes that
one contact the only link. Deleting a contact drops it from every link, as the portal's binding
tables do.
Companies are not modelled: ``COMPANY_IDS`` of a contact only sets ``COMPANY_ID`` to its first id.
"""

from __future__ import annotations

from typing import Any

from hhsync.sandbox.bitrix.envelope import legacy_error
from hhsync.sandbox.bitrix.params import as_int
from hhsync.sandbox.bitrix.store import CrmEntity, Portal

LINK_FIELDS = frozenset({"CONTACT_ID", "CONTACT_IDS", "COMPANY_IDS"})
"""Fields written through this module instead of being stored as plain scalars."""


def _id_items(value: Any) -> list[Any]:
    if isinstance(value, list):
        items = value
    elif isinstance(value, dict):  # ``CONTACT_IDS[0]=…`` in a form body arrives as a dict
        items = list(value.values())
    else:
        items = [value]
    return [item for item in items if item not in (None, "", 0, "0")]


def _ids(name: str, value: Any) -> list[int]:
    ids: list[int] = []
    for item in _id_items(value):
        number = as_int(item)
        if number is None or number <= 0:
            raise legacy_error(f"Invalid value of field '{name}'.")
        if number not in ids:
            ids.append(number)
    return ids


def write_link(portal: Portal, entity: CrmEntity, name: str, value: Any) -> None:
    """Store ``CONTACT_ID``/``CONTACT_IDS`` of a lead or deal, or ``COMPANY_IDS`` of a contact.

    Stricter than documented: a contact id of no existing contact is refused with
    ``Contact with ID '…' is not found.`` instead of being dropped silently, so a client that
    links the wrong id (or a ``$result[…]`` of a failed batch command, which stays literal text)
    learns it at once and no half-linked deal is created.

    Raises:
        RestError: an id that is no positive integer, or names no contact of the portal.
    """
    if name == "COMPANY_IDS":
        companies = _ids(name, value)
        entity.fields["COMPANY_ID"] = str(companies[0]) if companies else None
        return
    contacts: list[int] = []
    for item in _id_items(value):
        number = as_int(item)
        if number is None or number not in portal.entities["contact"]:
            raise legacy_error(f"Contact with ID '{item}' is not found.")
        if number not in contacts:
            contacts.append(number)
    set_contacts(entity, contacts)


def set_contacts(entity: CrmEntity, contacts: list[int]) -> None:
    """Make ``contacts`` the entity's links; ``CONTACT_ID`` follows the first one.

    A lead that gets a contact becomes a repeat customer (``IS_RETURN_CUSTOMER=Y``, per the lead
    fields in the Bitrix24 REST docs).
    """
    entity.contact_ids = contacts
    entity.fields["CONTACT_ID"] = str(contacts[0]) if contacts else None
    if entity.kind == "lead" and contacts:
        entity.fields["IS_RETURN_CUSTOMER"] = "Y"


def unlink_contact(portal: Portal, contact_id: int) -> None:
    """Drop a deleted contact from every lead and deal linking it."""
    for kind in ("lead", "deal"):
        for entity in portal.entities[kind].values():
            if contact_id in entity.contact_ids:
                set_contacts(entity, [c for c in entity.contact_ids if c != contact_id])
