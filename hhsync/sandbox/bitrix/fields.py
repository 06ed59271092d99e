"""Standard field tables of legacy leads, deals and contacts, as ``crm.*.fields`` show them.

Order, types, read-only flags and titles follow the documented examples so that ``*.fields`` and
``*.get`` have the same keys in the same order as a real portal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MULTIFIELDS = ("PHONE", "EMAIL", "WEB", "IM", "LINK")

VALUE_TYPES: dict[str, frozenset[str]] = {
    "PHONE": frozenset({"WORK", "MOBILE", "FAX", "HOME", "PAGER", "MAILING", "OTHER"}),
    "EMAIL": frozenset({"WORK", "HOME", "MAILING", "OTHER"}),
    "WEB": frozenset(
        {"WORK", "HOME", "VK", "LIVEJOURNAL", "TWITTER", "OTHER", "FACEBOOK", "INSTAGRAM"}
    ),
    "IM": frozenset(
        {
            "TELEGRAM",
            "VK",
            "SKYPE",
            "VIBER",
            "BITRIX24",
            "OPENLINE",
            "IMOL",
            "ICQ",
            "MSN",
            "JABBER",
            "OTHER",
            "FACEBOOK",
            "INSTAGRAM",
        }
    ),
    "LINK": frozenset({"USER", "OTHER"}),
}


@dataclass(frozen=True)
class FieldSpec:
    """One standard field: name, type, flags and English title."""

    name: str
    type: str
    title: str
    read_only: bool = False
    multiple: bool = False
    status_type: str | None = None
    immutable: bool = False
    deprecated: bool = False
    settings: dict[str, Any] | None = None

    def describe(self, required: bool = False) -> dict[str, Any]:
        """This field's entry in ``crm.*.fields``."""
        entry: dict[str, Any] = {
            "type": self.type,
            "isRequired": required,
            "isReadOnly": self.read_only,
            "isImmutable": self.immutable,
            "isMultiple": self.multiple,
            "isDynamic": False,
        }
        if self.deprecated:
            entry["isDeprecated"] = True
        if self.status_type:
            entry["statusType"] = self.status_type
        entry["title"] = self.title
        if self.settings is not None:
            entry["settings"] = dict(self.settings)
        return entry


def _f(
    name: str,
    type_: str,
    title: str,
    ro: bool = False,
    multi: bool = False,
    status: str | None = None,
    immutable: bool = False,
    deprecated: bool = False,
    settings: dict[str, Any] | None = None,
) -> FieldSpec:
    return FieldSpec(name, type_, title, ro, multi, status, immutable, deprecated, settings)


LEAD_FIELDS: tuple[FieldSpec, ...] = (
    _f("ID", "integer", "ID", ro=True),
    _f("TITLE", "string", "Lead Title"),
    _f("HONORIFIC", "crm_status", "Salutation", status="HONORIFIC"),
    _f("NAME", "string", "First Name"),
    _f("SECOND_NAME", "string", "Middle Name"),
    _f("LAST_NAME", "string", "Last Name"),
    _f("BIRTHDATE", "date", "Birthdate"),
    _f("COMPANY_TITLE", "string", "Company Name"),
    _f("SOURCE_ID", "crm_status", "Source", status="SOURCE"),
    _f("SOURCE_DESCRIPTION", "string", "Source Description"),
    _f("STATUS_ID", "crm_status", "Stage", status="STATUS"),
    _f("STATUS_DESCRIPTION", "string", "Stage Description"),
    _f("STATUS_SEMANTIC_ID", "string", "Status Semantic", ro=True),
    _f("POST", "string", "Position"),
    _f("ADDRESS", "string", "Address"),
    _f("ADDRESS_2", "string", "Address (Line 2)"),
    _f("ADDRESS_CITY", "string", "City"),
    _f("ADDRESS_POSTAL_CODE", "string", "Postal Code"),
    _f("ADDRESS_REGION", "string", "Region"),
    _f("ADDRESS_PROVINCE", "string", "Province"),
    _f("ADDRESS_COUNTRY", "string", "Country"),
    _f("ADDRESS_COUNTRY_CODE", "string", "Country Code"),
    _f("ADDRESS_LOC_ADDR_ID", "integer", "Location Address ID"),
    _f("CURRENCY_ID", "crm_currency", "Currency"),
    _f("OPPORTUNITY", "double", "Amount"),
    _f("IS_MANUAL_OPPORTUNITY", "char", "IS_MANUAL_OPPORTUNITY"),
    _f("OPENED", "char", "Available to All"),
    _f("COMMENTS", "string", "Comments"),
    _f("HAS_PHONE", "char", "Phone Provided", ro=True),
    _f("HAS_EMAIL", "char", "Email Provided", ro=True),
    _f("HAS_IMOL", "char", "Open Line Assigned", ro=True),
    _f("ASSIGNED_BY_ID", "user", "Responsible User"),
    _f("CREATED_BY_ID", "user", "Created By", ro=True),
    _f("MODIFY_BY_ID", "user", "Modified By", ro=True),
    _f("MOVED_BY_ID", "user", "MOVED_BY_ID", ro=True),
    _f("DATE_CREATE", "datetime", "Creation Date", ro=True),
    _f("DATE_MODIFY", "datetime", "Modification Date", ro=True),
    _f("MOVED_TIME", "datetime", "MOVED_TIME", ro=True),
    _f("COMPANY_ID", "crm_company", "Company", settings={"parentEntityTypeId": 4}),
    _f("CONTACT_ID", "crm_contact", "Contact", deprecated=True),
    _f("CONTACT_IDS", "crm_contact", "CONTACT_IDS", multi=True),
    _f("IS_RETURN_CUSTOMER", "char", "Returning Lead", ro=True),
    _f("DATE_CLOSED", "datetime", "Closing Date", ro=True),
    _f("ORIGINATOR_ID", "string", "External Source"),
    _f("ORIGIN_ID", "string", "Identifier in External Source"),
    _f("UTM_SOURCE", "string", "Advertising System"),
    _f("UTM_MEDIUM", "string", "Traffic Type"),
    _f("UTM_CAMPAIGN", "string", "Campaign Identifier"),
    _f("UTM_CONTENT", "string", "Campaign Content"),
    _f("UTM_TERM", "string", "Campaign Search Term"),
    _f("LAST_ACTIVITY_TIME", "datetime", "LAST_ACTIVITY_TIME", ro=True),
    _f("LAST_ACTIVITY_BY", "user", "LAST_ACTIVITY_BY", ro=True),
    _f("PHONE", "crm_multifield", "Phone", multi=True),
    _f("EMAIL", "crm_multifield", "E-mail", multi=True),
    _f("WEB", "crm_multifield", "Website", multi=True),
    _f("IM", "crm_multifield", "Messenger", multi=True),
    _f("LINK", "crm_multifield", "LINK", multi=True),
)

DEAL_FIELDS: tuple[FieldSpec, ...] = (
    _f("ID", "integer", "ID", ro=True),
    _f("TITLE", "string", "Title"),
    _f("TYPE_ID", "crm_status", "Type", status="DEAL_TYPE"),
    _f("CATEGORY_ID", "crm_category", "Sales Funnel", immutable=True),
    _f("STAGE_ID", "crm_status", "Deal Stage", status="DEAL_STAGE"),
    _f("STAGE_SEMANTIC_ID", "string", "Stage Group", ro=True),
    _f("IS_NEW", "char", "New Deal", ro=True),
    _f("IS_RECURRING", "char", "Recurring Deal"),
    _f("IS_RETURN_CUSTOMER", "char", "Repeat Deal"),
    _f("IS_REPEATED_APPROACH", "char", "Repeated Approach"),
    _f("PROBABILITY", "integer", "Probability"),
    _f("CURRENCY_ID", "crm_currency", "Currency"),
    _f("OPPORTUNITY", "double", "Amount"),
    _f("IS_MANUAL_OPPORTUNITY", "char", "IS_MANUAL_OPPORTUNITY"),
    _f("TAX_VALUE", "double", "Tax Rate"),
    _f("COMPANY_ID", "crm_company", "Company", settings={"parentEntityTypeId": 4}),
    _f("CONTACT_ID", "crm_contact", "Contact", deprecated=True),
    _f("CONTACT_IDS", "crm_contact", "Contacts", multi=True),
    _f("QUOTE_ID", "crm_quote", "Estimate", ro=True, settings={"parentEntityTypeId": 7}),
    _f("BEGINDATE", "date", "Start Date"),
    _f("CLOSEDATE", "date", "Close Date"),
    _f("OPENED", "char", "Available to All"),
    _f("CLOSED", "char", "Closed"),
    _f("COMMENTS", "string", "Comment"),
    _f("ASSIGNED_BY_ID", "user", "Responsible"),
    _f("CREATED_BY_ID", "user", "Created By", ro=True),
    _f("MODIFY_BY_ID", "user", "Modified By", ro=True),
    _f("MOVED_BY_ID", "user", "MOVED_BY_ID", ro=True),
    _f("DATE_CREATE", "datetime", "Creation Date", ro=True),
    _f("DATE_MODIFY", "datetime", "Modification Date", ro=True),
    _f("MOVED_TIME", "datetime", "MOVED_TIME", ro=True),
    _f("SOURCE_ID", "crm_status", "Source", status="SOURCE"),
    _f("SOURCE_DESCRIPTION", "string", "Additional Info about Source"),
    _f("LEAD_ID", "crm_lead", "Lead", ro=True, settings={"parentEntityTypeId": 1}),
    _f("ADDITIONAL_INFO", "string", "Additional Information"),
    _f("LOCATION_ID", "location", "Location"),
    _f("ORIGINATOR_ID", "string", "External Source"),
    _f("ORIGIN_ID", "string", "Identifier in External Source"),
    _f("UTM_SOURCE", "string", "Advertising System"),
    _f("UTM_MEDIUM", "string", "Traffic Type"),
    _f("UTM_CAMPAIGN", "string", "Campaign Identifier"),
    _f("UTM_CONTENT", "string", "Campaign Content"),
    _f("UTM_TERM", "string", "Campaign Search Condition"),
    _f("LAST_ACTIVITY_TIME", "datetime", "LAST_ACTIVITY_TIME", ro=True),
    _f("LAST_ACTIVITY_BY", "user", "LAST_ACTIVITY_BY", ro=True),
)

CONTACT_FIELDS: tuple[FieldSpec, ...] = (
    _f("ID", "integer", "ID", ro=True),
    _f("HONORIFIC", "crm_status", "Salutation", status="HONORIFIC"),
    _f("NAME", "string", "First name"),
    _f("SECOND_NAME", "string", "Second name"),
    _f("LAST_NAME", "string", "Last name"),
    _f("PHOTO", "file", "Photo"),
    _f("BIRTHDATE", "date", "Date of birth"),
    _f("TYPE_ID", "crm_status", "Contact type", status="CONTACT_TYPE"),
    _f("SOURCE_ID", "crm_status", "Source", status="SOURCE"),
    _f("SOURCE_DESCRIPTION", "string", "Source information"),
    _f("POST", "string", "Position"),
    _f("ADDRESS", "string", "Address"),
    _f("ADDRESS_2", "string", "Address (line 2)"),
    _f("ADDRESS_CITY", "string", "City"),
    _f("ADDRESS_POSTAL_CODE", "string", "Zip"),
    _f("ADDRESS_REGION", "string", "Region"),
    _f("ADDRESS_PROVINCE", "string", "State / Province"),
    _f("ADDRESS_COUNTRY", "string", "Country"),
    _f("ADDRESS_COUNTRY_CODE", "string", "Country Code"),
    _f("ADDRESS_LOC_ADDR_ID", "integer", "Location address ID"),
    _f("COMMENTS", "string", "Comment"),
    _f("OPENED", "char", "Available to everyone"),
    _f("EXPORT", "char", "Included in export"),
    _f("HAS_PHONE", "char", "Has phone", ro=True),
    _f("HAS_EMAIL", "char", "Has email", ro=True),
    _f("HAS_IMOL", "char", "Has Open Channel", ro=True),
    _f("ASSIGNED_BY_ID", "user", "Responsible person"),
    _f("CREATED_BY_ID", "user", "Created by", ro=True),
    _f("MODIFY_BY_ID", "user", "Modified by", ro=True),
    _f("DATE_CREATE", "datetime", "Created on", ro=True),
    _f("DATE_MODIFY", "datetime", "Modified on", ro=True),
    _f("COMPANY_ID", "crm_company", "Company", deprecated=True),
    _f("COMPANY_IDS", "crm_company", "COMPANY_IDS", multi=True),
    _f("LEAD_ID", "crm_lead", "Lead", ro=True),
    _f("ORIGINATOR_ID", "string", "External source"),
    _f("ORIGIN_ID", "string", "Item ID in data source"),
    _f("ORIGIN_VERSION", "string", "Original version"),
    _f("UTM_SOURCE", "string", "Ad system"),
    _f("UTM_MEDIUM", "string", "Medium"),
    _f("UTM_CAMPAIGN", "string", "Ad campaign UTM"),
    _f("UTM_CONTENT", "string", "Campaign contents"),
    _f("UTM_TERM", "string", "Campaign search term"),
    _f("LAST_ACTIVITY_TIME", "datetime", "LAST_ACTIVITY_TIME", ro=True),
    _f("LAST_ACTIVITY_BY", "user", "LAST_ACTIVITY_BY", ro=True),
    _f("PHONE", "crm_multifield", "Phone", multi=True),
    _f("EMAIL", "crm_multifield", "E-mail", multi=True),
    _f("WEB", "crm_multifield", "Website", multi=True),
    _f("IM", "crm_multifield", "Messenger", multi=True),
    _f("LINK", "crm_multifield", "LINK", multi=True),
)

FIELDS_BY_KIND: dict[str, tuple[FieldSpec, ...]] = {
    "lead": LEAD_FIELDS,
    "deal": DEAL_FIELDS,
    "contact": CONTACT_FIELDS,
}
# Kinds that carry phones, e-mails and other multifields themselves (deals link a contact).
PERSON_KINDS = frozenset({"lead", "contact"})


def spec_map(kind: str) -> dict[str, FieldSpec]:
    """Field specs of ``kind`` ("lead"/"deal") by name."""
    return {spec.name: spec for spec in FIELDS_BY_KIND[kind]}
