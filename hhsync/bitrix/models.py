"""Pydantic models of the Bitrix24 payloads hhsync reads and writes (pure: no I/O).

Legacy CRM methods send numbers as strings (``"ID": "123"``) and empty values as ``null`` or ``""``;
newer methods send real ints and camelCase (examples in the Bitrix24 REST docs). The models accept
both and keep unknown keys (``extra="allow"``), because portals add user fields and Bitrix24 adds
keys over time. The sandbox imports these models to shape its answers, so they describe the wire
format exactly (field names are the wire names).
"""

# ruff: noqa: N815  (field names are Bitrix24's camelCase wire names)
from __future__ import annotations

import base64
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

MAX_LAYOUT_BLOCKS = 20
"""A configurable activity's ``body.blocks`` holds 1..20 entries (Bitrix24 REST docs)."""


def _blank_to_none(value: Any) -> Any:
    # Legacy CRM sends "" for an empty date or id; Python wants None.
    return None if value == "" else value


def _yn(value: Any) -> Any:
    if isinstance(value, str):
        return value.upper() == "Y"
    return value


IntOrNone = Annotated[int | None, BeforeValidator(_blank_to_none)]
"""An id that legacy CRM sends as a string, or ``null``/``""`` when unset."""
YesNo = Annotated[bool, BeforeValidator(_yn)]
"""A Y/N flag read as a bool (true/false accepted as well)."""


class _Wire(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=True)


# --- Envelope -----------------------------------------------------------------------------------


class ResponseTime(_Wire):
    """The ``time`` block of every answer; ``operating`` feeds the limiter (Bitrix24 REST docs)."""

    start: float | None = None
    finish: float | None = None
    duration: float | None = None
    processing: float | None = None
    date_start: str | None = None
    date_finish: str | None = None
    operating_reset_at: int | None = None
    operating: float | None = None


class ErrorBody(_Wire):
    """``{"error", "error_description"}``: the REST and OAuth error shape (Bitrix24 REST docs)."""

    error: str = ""
    error_description: str = ""


class TokenResponse(_Wire):
    """The OAuth server's answer to a refresh; ``refresh_token`` is new and single-use.

    As in the Bitrix24 REST docs, settings/oauth/auto-renewal.md.
    """

    access_token: str
    refresh_token: str
    expires_in: int = 3600
    expires: int | None = None
    client_endpoint: str | None = None
    server_endpoint: str | None = None
    member_id: str | None = None
    domain: str | None = None
    scope: str | None = None
    status: str | None = None
    user_id: int | None = None


# --- CRM entities -------------------------------------------------------------------------------


class Multifield(_Wire):
    """One phone/e-mail/web/IM row; ``ID`` and ``TYPE_ID`` come back on read (crm_multifield)."""

    VALUE: str = ""
    VALUE_TYPE: str = "WORK"
    ID: str | None = None
    TYPE_ID: str | None = None
    DELETE: Literal["Y"] | None = None

    def for_write(self) -> dict[str, str]:
        """The row as sent on add/update (no ``TYPE_ID``, which the portal sets)."""
        row = {"VALUE": self.VALUE, "VALUE_TYPE": self.VALUE_TYPE}
        if self.ID is not None:
            row["ID"] = self.ID
        if self.DELETE is not None:
            row["DELETE"] = self.DELETE
        return row


class FileUpload(_Wire):
    """A file user-field value on write: ``{"fileData": [name, base64]}`` (crm.lead.add docs)."""

    fileData: tuple[str, str]

    @classmethod
    def from_bytes(cls, name: str, content: bytes) -> FileUpload:
        """Wrap raw bytes (a resume PDF) as the portal expects, base64 without a data: prefix."""
        if not content:
            raise ValueError("a file user field cannot take an empty file")
        return cls(fileData=(name, base64.b64encode(content).decode("ascii")))


class FileValue(_Wire):
    """A file user-field value on read: its id and the URLs to show/download it (crm.lead.get)."""

    id: int
    showUrl: str | None = None
    downloadUrl: str | None = None


class CrmEntity(_Wire):
    """Fields shared by leads and deals as ``crm.*.get``/``list`` return them."""

    ID: int
    TITLE: str | None = None
    ASSIGNED_BY_ID: IntOrNone = None
    SOURCE_ID: str | None = None
    COMMENTS: str | None = None
    ORIGINATOR_ID: str | None = None
    ORIGIN_ID: str | None = None
    OPENED: YesNo | None = None
    DATE_CREATE: str | None = None
    DATE_MODIFY: str | None = None
    PHONE: list[Multifield] = Field(default_factory=list)
    EMAIL: list[Multifield] = Field(default_factory=list)

    def user_field(self, name: str) -> Any:
        """The raw value of a ``UF_CRM_*`` field (None when the portal omitted it)."""
        extra = self.model_extra or {}
        return extra.get(name)

    def file_field(self, name: str) -> list[FileValue]:
        """A file user field read back as a list (single or multiple), empty when unset."""
        raw = self.user_field(name)
        if raw is None or raw == "" or raw is False:
            return []
        items = raw if isinstance(raw, list) else [raw]
        return [FileValue.model_validate(item) for item in items]


class Lead(CrmEntity):
    """A lead (``crm.lead.get``); stage is ``STATUS_ID`` (crm.lead.fields docs)."""

    NAME: str | None = None
    SECOND_NAME: str | None = None
    LAST_NAME: str | None = None
    STATUS_ID: str | None = None
    ADDRESS_CITY: str | None = None


class Deal(CrmEntity):
    """A deal (``crm.deal.get``); pipeline ``CATEGORY_ID`` and stage ``STAGE_ID`` (documented)."""

    CATEGORY_ID: IntOrNone = None
    STAGE_ID: str | None = None
    CONTACT_ID: IntOrNone = None


class FieldDescription(_Wire):
    """One entry of ``crm.*.fields``; user fields have ``isDynamic`` and labels (documented)."""

    type: str
    isRequired: bool = False
    isReadOnly: bool = False
    isImmutable: bool = False
    isMultiple: bool = False
    isDynamic: bool = False
    title: str = ""
    statusType: str | None = None
    listLabel: str | None = None
    formLabel: str | None = None
    filterLabel: str | None = None


class UserFieldListItem(_Wire):
    """One enumeration value of a list user field."""

    ID: int
    VALUE: str
    SORT: IntOrNone = None
    DEF: YesNo | None = None
    XML_ID: str | None = None


class UserField(_Wire):
    """A CRM user field as ``crm.*.userfield.list``/``get`` return it (string-typed, documented)."""

    ID: int
    ENTITY_ID: str
    FIELD_NAME: str
    USER_TYPE_ID: str
    XML_ID: str | None = None
    SORT: IntOrNone = None
    MULTIPLE: YesNo = False
    MANDATORY: YesNo = False
    SETTINGS: dict[str, Any] | list[Any] | None = None
    LIST: list[UserFieldListItem] | None = None


class UserFieldSpec(BaseModel):
    """What ``crm.*.userfield.add`` should create; ``FIELD_NAME`` gets ``UF_CRM_`` (documented)."""

    model_config = ConfigDict(frozen=True)

    FIELD_NAME: str = Field(pattern=r"^[A-Z0-9_]+$", max_length=50)
    USER_TYPE_ID: str
    LABEL: str | dict[str, str] = ""
    MULTIPLE: Literal["Y", "N"] = "N"
    MANDATORY: Literal["Y", "N"] = "N"
    SHOW_FILTER: Literal["Y", "N"] = "N"
    XML_ID: str | None = None
    SETTINGS: dict[str, Any] | None = None

    @property
    def full_name(self) -> str:
        """The name the portal gives the field (``UF_CRM_`` applied exactly once)."""
        name = self.FIELD_NAME
        if name.startswith("UF_CRM_"):
            return name
        if name.startswith("UF_"):
            return "UF_CRM_" + name[3:]
        return "UF_CRM_" + name


class Status(_Wire):
    """A ``crm.status.list`` row: a stage, source or other directory entry (Bitrix24 REST docs)."""

    ID: int
    ENTITY_ID: str
    STATUS_ID: str
    NAME: str
    SORT: IntOrNone = None
    SYSTEM: YesNo | None = None
    CATEGORY_ID: IntOrNone = None
    SEMANTICS: str | None = None


class StatusItem(_Wire):
    """A ``crm.status.entity.items`` row (ints, fewer fields than ``crm.status.list``)."""

    STATUS_ID: str
    NAME: str
    SORT: int | None = None


class Category(_Wire):
    """A pipeline from ``crm.category.list``; the default pipeline has ``id`` 0 (documented)."""

    id: int
    name: str
    sort: int | None = None
    entityTypeId: int
    isDefault: YesNo = False
    originId: str | None = None
    originatorId: str | None = None


class User(_Wire):
    """A portal user (``user.current``/``user.get``); ``ACTIVE`` false for fired users."""

    ID: int
    ACTIVE: bool | None = None
    NAME: str | None = None
    LAST_NAME: str | None = None
    SECOND_NAME: str | None = None
    EMAIL: str | None = None
    WORK_POSITION: str | None = None
    UF_DEPARTMENT: list[int] = Field(default_factory=list)
    USER_TYPE: str | None = None


class AppInfo(_Wire):
    """The portal's ``app.info``: whether the app is installed and its licence (documented)."""

    ID: int | None = None
    CODE: str | None = None
    VERSION: int | None = None
    STATUS: str | None = None
    INSTALLED: bool = False
    PAYMENT_EXPIRED: YesNo | None = None
    LICENSE: str | None = None


class InstallOfApp(_Wire):
    """``install`` of the OAuth server's ``app.info``: the portal the token belongs to."""

    installed: bool = False
    domain: str
    client_endpoint: str
    member_id: str
    status: str | None = None
    scope: str | None = None
    version: int | None = None


class ServerAppInfo(_Wire):
    """The OAuth server's ``app.info`` for a token: whose app, which portal, which user, until when.

    Asked of ``oauth.bitrix.info/rest/app.info`` (Bitrix24 REST docs, settings/oauth/simple-way.md)
    to prove that a token posted to the app belongs to our app on the portal it claims.
    """

    client_id: str
    user_id: int
    expires: str | None = None
    """ISO instant in the portal's zone."""
    scope: str | None = None
    install: InstallOfApp


class EventHandler(_Wire):
    """A row of ``event.get``: an event bound to a handler URL (Bitrix24 REST docs)."""

    event: str
    handler: str = ""
    auth_type: str | None = None
    offline: int | None = None


class PlacementHandler(_Wire):
    """A row of ``placement.get``: a widget bound to a handler URL (Bitrix24 REST docs)."""

    placement: str
    handler: str = ""
    title: str | None = None


class DuplicateMatches(_Wire):
    """``crm.duplicate.findbycomm``: ids per entity type; ``[]`` means none found (documented)."""

    LEAD: list[int] = Field(default_factory=list)
    CONTACT: list[int] = Field(default_factory=list)
    COMPANY: list[int] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _empty_list_means_none(cls, value: Any) -> Any:
        return {} if value == [] else value


# --- Activities ---------------------------------------------------------------------------------


class ActivityLayout(_Wire):
    """A configurable activity's LayoutDto; validated for the 1..20 block rule before sending."""

    icon: dict[str, Any]
    header: dict[str, Any]
    body: dict[str, Any]
    footer: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _block_count(self) -> ActivityLayout:
        blocks = self.body.get("blocks")
        count = len(blocks) if isinstance(blocks, dict | list) else 0
        if not 1 <= count <= MAX_LAYOUT_BLOCKS:
            raise ValueError(
                f"body.blocks must hold 1..{MAX_LAYOUT_BLOCKS} blocks, got {count} "
                "(Bitrix24 answers TOO_MANY_ITEMS)"
            )
        return self


class ConfigurableActivity(_Wire):
    """``crm.activity.configurable.get`` → ``activity`` (Bitrix24 REST docs)."""

    id: int
    ownerTypeId: int
    ownerId: int
    fields: dict[str, Any] = Field(default_factory=dict)
    layout: dict[str, Any] = Field(default_factory=dict)
