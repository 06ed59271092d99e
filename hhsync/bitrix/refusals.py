"""Pure: how a portal words the required fields it refused a write for, in both its languages.

A portal answers in its own language, so the client's errors, the settings page's warning and the
log's reasons all read the field labels back through :func:`required_fields_in`.
"""

from __future__ import annotations

import re
from typing import Final

REQUIRED_FIELD_FORMS: Final = (
    # Legacy CRM methods (crm.lead/deal/contact.add): CRM_ERROR_FIELD_IS_MISSING in Bitrix24's
    # crm/lang/{en,ru}/classes/general/crm_lead.php, joined by ``<br />`` (Bitrix24 REST docs).
    re.compile(r"The required field '([^']{1,255})' is missing", re.IGNORECASE),
    re.compile(r'Не введено значение обязательного поля "([^"]{1,255})"'),
    re.compile(r"Не введено значение обязательного поля «([^»]{1,255})»"),
    # The newer field layer: CRM_FIELD_VALUE_REQUIRED_ERROR in crm/lang/{en,ru}/lib/field.php.
    re.compile(r'The field "([^"]{1,255})" is required', re.IGNORECASE),
    re.compile(r'Поле "([^"]{1,255})" обязательно'),
    re.compile(r"Поле «([^»]{1,255})» обязательно"),
)
"""Every wording in which a portal names the required field it refused a write for."""


def required_fields_in(text: str) -> tuple[str, ...]:
    """The labels of the required fields a refusal names, in order, each once."""
    found: dict[str, None] = {}
    for pattern in REQUIRED_FIELD_FORMS:
        for match in pattern.finditer(text):
            found.setdefault(match.group(1).strip(), None)
    ordered = sorted(found, key=lambda label: _first_at(text, label))
    return tuple(label for label in ordered if label)


def _first_at(text: str, label: str) -> int:
    at = text.find(label)
    return at if at >= 0 else len(text)
