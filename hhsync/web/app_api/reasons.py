"""Why a response failed, in plain words: the stored reason read back into a known code.

A failed negotiation keeps the engine's reason as text (``negotiation.last_error``): the class of
the hh.ru or Bitrix24 error and its message (``ViewLimitExceeded: ...``), or the CRM method and the
portal's own words (``crm.lead.add: Bitrix24 crm.lead.add rejected the record: ...``). The log tab
shows an HR person what happened and what to do, so this module finds the known code in that text
(:data:`REASON_CODES`, each with a message ``journal.reason_<code>`` in both languages) and the
fields a required-field refusal names, in English or Russian as the portal words it, and which CRM
entity's command was refused. Both the log tab and the settings tab's progress read failures
through :func:`explain` and word them through :func:`describe`. A text no rule knows gets a
generic message. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from hhsync.bitrix.refusals import required_fields_in

UNKNOWN: Final = "unknown"

# Prefixes the engine puts before an inner reason (sync/apply/sender.py, activities.py,
# adoption.py, model/lifecycle.py): what it was doing when the inner reason happened.
STAGES: Final = {"activity not added: ": "activity", "looking up ": "lookup"}


_REFUSED_COMMAND: Final = re.compile(r"^crm\.(lead|deal|contact)\.(?:add|update): ")
"""How the engine prefixes a refused CRM command (sync/apply/outcomes.refusal)."""

_CLASS_PREFIX: Final = re.compile(r"^([A-Z][A-Za-z]+): ")

# Error classes the engine names in front of a message (``f"{type(exc).__name__}: {exc}"``).
# hh.ru's and Bitrix24's trees share two names (NotFound, ServerError); the message tells them
# apart, since every hh.ru message names hh.ru.
_HH_CLASSES: Final = {
    "ViewLimitExceeded": "hh_view_limit",
    "ResumeQuotaExceeded": "hh_view_quota",
    "TokenExpired": "hh_token",
    "TokenRevoked": "hh_token",
    "PasswordChanged": "hh_token",
    "RefreshTokenReused": "hh_token",
    "RefreshTooEarly": "hh_token",
    "AppCredentialsRejected": "hh_app_credentials",
    "TokenPersistFailed": "hh_token",
    "Forbidden": "hh_forbidden",
    "CaptchaRequired": "hh_captcha",
    "NotFound": "hh_not_found",
    "RateLimited": "hh_rate_limit",
    "ServerError": "hh_unavailable",
    "NetworkError": "hh_unavailable",
    "BadRequest": "hh_bad_request",
    "PageDepthExceeded": "hh_bad_request",
    "InvalidPayload": "hh_bad_payload",
    "UnexpectedAnswer": "hh_bad_payload",
    "PagingLoop": "hh_bad_payload",
    "ResumePdfTooLarge": "hh_pdf_too_large",
    "RetriableHhError": "hh_unavailable",
    "HhError": "hh_error",
    "MappingError": "bad_payload",
}
_BITRIX_CLASSES: Final = {
    "QueryLimitExceeded": "crm_rate_limit",
    "PortalBlocked": "crm_portal_blocked",
    "MethodAwaitingConfirmation": "crm_method_confirm",
    "WrongAuthKind": "crm_wrong_auth",
    "PortalHold": "crm_portal_blocked",
    "OperationTimeLimit": "crm_time_limit",
    "OperatingTimeHeld": "crm_time_limit",
    "ServerError": "crm_unavailable",
    "UnexpectedResponse": "crm_unavailable",
    "OutcomeUnknown": "crm_outcome_unknown",
    "SendWindowMissed": "crm_send_window",
    "ExpiredToken": "crm_token",
    "TokenRejected": "crm_token",
    "PortalUnavailable": "crm_portal_gone",
    "AppUninstalled": "crm_app_uninstalled",
    "PaymentRequired": "crm_payment_required",
    "PortalMoved": "crm_portal_gone",
    "PermissionDenied": "crm_permission",
    "RecordRejected": "crm_rejected",
    "NotFound": "crm_not_found",
    "ProtocolError": "crm_protocol",
    "BitrixError": "crm_rejected",
}

# What bitrix/errors.py's classify() writes for each kind (the message of a refused command in a
# batch, where no class name is stored), checked in this order.
_BITRIX_PHRASES: Final = (
    ("request rate limit exceeded", "crm_rate_limit"),
    ("blocked the portal's rest api", "crm_portal_blocked"),
    ("administrator's confirmation", "crm_method_confirm"),
    ("wrong kind of authorisation", "crm_wrong_auth"),
    ("operating-time budget", "crm_time_limit"),
    ("access token expired", "crm_token"),
    ("token rejected", "crm_token"),
    ("unauthorised", "crm_token"),
    ("subscription to the app has ended", "crm_payment_required"),
    ("app is not installed on the portal", "crm_app_uninstalled"),
    ("portal unavailable to hhsync", "crm_portal_gone"),
    ("portal redirected", "crm_portal_gone"),
    ("permission denied", "crm_permission"),
    ("refused as malformed", "crm_protocol"),
    ("server error", "crm_unavailable"),
    ("not the json envelope", "crm_unavailable"),
    (": not found (", "crm_not_found"),
    ("rejected the record", "crm_rejected"),
)

REASON_CODES: Final = tuple(
    dict.fromkeys(
        [
            "required_field",
            "crm_not_executed",
            *_HH_CLASSES.values(),
            *_BITRIX_CLASSES.values(),
            *(code for _, code in _BITRIX_PHRASES),
            UNKNOWN,
        ]
    )
)
"""Every code :func:`explain` can give; each has ``journal.reason_<code>`` in both languages."""


@dataclass(frozen=True)
class Reason:
    """A stored failure read back: its code, what the engine was doing, and the details shown."""

    code: str
    stage: str | None
    """``activity`` (the entity exists, its timeline activity failed), ``lookup`` (looking the
    entity up by origin failed) or None (the response itself)."""
    fields: tuple[str, ...] = ()
    """The required fields the portal named (``required_field`` only)."""
    detail: str = ""
    """The portal's or hh.ru's own words, as stored (shown beside the plain text)."""
    entity: str | None = None
    """``lead``, ``deal`` or ``contact``: whose CRM command the portal refused, when known."""

    def group(self) -> tuple[str, str | None, str | None, tuple[str, ...]]:
        """What makes two failures "the same reason" for a person: code, stage, entity, fields."""
        return (self.code, self.stage, self.entity, self.fields)


def explain(stored: str | None) -> Reason:
    """The known code of a stored failure text (``UNKNOWN`` when no rule knows it)."""
    text = (stored or "").strip()
    stage = None
    for prefix, name in STAGES.items():
        if text.startswith(prefix):
            stage = name
            break
    inner = text
    for prefix in STAGES:
        if inner.startswith(prefix):
            inner = inner[len(prefix) :]
    refused = _REFUSED_COMMAND.match(inner)
    entity = refused.group(1) if refused else None
    fields = required_fields_in(text)
    if fields:
        return Reason("required_field", stage, fields, text, entity)
    return Reason(_code_of(text), stage, (), text, entity)


Translate = Callable[..., str]
"""A translator: ``t(key, **values)`` (:class:`hhsync.web.i18n.Translator`)."""

WITH_DETAIL: Final = frozenset({"crm_rejected", "bad_payload", "unknown"})
"""Codes whose message quotes the portal's or hh.ru's own words."""


def describe(t: Translate, reason: Reason, *, brief: bool = False) -> str:
    """A failure in the reader's words, the required fields named (a contact's said so).

    ``brief`` is the settings tab's progress: one line per group of failures, no service text
    quoted and no instruction to press «Повторить».
    """
    if reason.code == "required_field":
        fields = ", ".join(f"«{label}»" for label in reason.fields)
        if reason.entity == "contact":
            fields = t("journal.fields_of_contact", fields=fields)
        key = "progress_reason_required_field" if brief else "reason_required_field"
        text = t(("settings." if brief else "journal.") + key, fields=fields)
    elif reason.code in WITH_DETAIL:
        if brief:
            text = t(f"settings.progress_reason_{reason.code}")
        else:
            text = t(f"journal.reason_{reason.code}", detail=portal_words(reason.detail))
    else:
        text = t(f"journal.reason_{reason.code}")
    if reason.stage is not None:
        return t(f"journal.stage_{reason.stage}", reason=text)
    return text


def portal_words(detail: str) -> str:
    """The stored text without what says where it came from (``crm.lead.add: Bitrix24 ...``),
    its ``<br />`` separators as ``; ``."""
    words = detail
    for marker in ("rejected the record: ", "MappingError: "):
        if marker in words:
            words = words.split(marker, 1)[1]
    words = "; ".join(part.strip() for part in _BREAKS.split(words) if part.strip())
    return words.strip() or detail


_BREAKS: Final = re.compile(r"<br\s*/?>", re.IGNORECASE)


def _code_of(text: str) -> str:
    """The code of a failure text without its stage prefix's help."""
    lowered = text.lower()
    if "not executed: an earlier command of its group failed" in lowered:
        return "crm_not_executed"
    if "resume-view quota" in lowered:
        return "hh_view_quota"
    if "daily hh.ru resume-view limit" in lowered:
        return "hh_view_limit"
    # The class name may follow a stage prefix: find the first ``Name: `` the text carries.
    for candidate in (text, *_after_prefixes(text)):
        match = _CLASS_PREFIX.match(candidate)
        if match is None:
            continue
        name = match.group(1)
        hh_code = _HH_CLASSES.get(name)
        bitrix_code = _BITRIX_CLASSES.get(name)
        if hh_code is not None and (bitrix_code is None or "hh.ru" in lowered):
            return hh_code
        if bitrix_code is not None:
            return bitrix_code
    for phrase, code in _BITRIX_PHRASES:
        if phrase in lowered:
            return code
    return UNKNOWN


def _after_prefixes(text: str) -> list[str]:
    """The text after each stage prefix and after ``method: `` (where a class name may start)."""
    rest = []
    for prefix in STAGES:
        if text.startswith(prefix):
            inner = text[len(prefix) :]
            rest.append(inner)
            _, _, after_colon = inner.partition(": ")
            if after_colon:
                rest.append(after_colon)
    return rest
