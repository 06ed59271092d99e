"""Strict rules of a configurable activity, pure: icon and logo codes, text colours, ``fields``.

On by default per portal (``Portal.strict_activity_layout``, admin ``POST P/activity-validation``);
off, only the structural rules of :mod:`.layout` apply, as the sandbox did before.

Documented sources (b24restdocs ``api-reference/crm/timeline/activities/configurable/``):

* ``crm-activity-configurable-add.md``: ``fields`` is required (an object; every key inside it is
  optional), ``completed`` and ``isIncomingChannel`` take ``Y/N``, ``1/0`` or ``true/false``,
  ``deadline`` is a date-time, ``pingOffsets`` an array of minutes; the error codes ``100``,
  ``WRONG_FIELD_VALUE`` and ``ENUM_FIELD``.
* ``structure/icon.md``: ``icon.code`` is one of the codes of ``crm.timeline.icon.list``;
  ``structure/body.md``: ``logo.code`` one of ``crm.timeline.logo.list``. The docs publish only
  examples of those lists (``call``, ``arrow-down``, ``info``, ``call-completed``,
  ``call-incoming``, ``notification``, ``document``); the full system sets below are the
  constants of Bitrix24's ``Crm\\Service\\Timeline\\Layout\\Common\\Icon`` and ``Logo``
  classes (the portal checks ``IconDto.code`` against them plus the portal's custom icons). A
  sandbox portal has no custom icons or logos, so any other code is refused.
* ``structure/content-block.md``: a ``text`` block's ``color`` is one of ``base_50``,
  ``base_60``, ``base_70``, ``base_90``.

A missing ``fields`` is answered as Bitrix24's controller binder answers a missing argument:
``100`` ``Could not find value for parameter {fields}``. Unknown codes are ``ENUM_FIELD`` (the
documented code for a value outside the allowed list).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from hhsync.sandbox.bitrix.envelope import RestError

ICON_CODES: Final = frozenset(
    {
        "call",
        "call-incoming-missed",
        "call-incoming",
        "call-completed",
        "call-outcoming",
        "document",
        "IM",
        "circle-check",
        "info",
        "relation",
        "link",
        "unlink",
        "store",
        "view",
        "stage-change",
        "sum",
        "open-line-incoming-message",
        "clock",
        "mail-outcome",
        "complete",
        "check",
        "comment",
        "sms",
        "task",
        "pipeline",
        "wallet",
        "attention",
        "bank-card",
        "conversion",
        "calendar",
        "circle-crossed",
        "task-ping",
        "task-new-comment",
        "task-viewed-comment",
        "task-activity",
        "ai-copilot",
        "restoration",
        "arrow-up",
        "arrow-down",
        "visit",
    }
)
LOGO_CODES: Final = frozenset(
    {
        "call-play-record",
        "call-default",
        "call-incoming",
        "call-outgoing",
        "document",
        "document-print",
        "document-signed",
        "document-draft",
        "channel-chat",
        "channel-avito",
        "channel-apple",
        "channel-fb",
        "channel-fb-chat",
        "channel-instagram-direct",
        "channel-bitrix",
        "channel-ok",
        "channel-telegram",
        "channel-viber",
        "channel-vk",
        "channel-vk-order",
        "channel-whatsapp-bitrix",
        "channel-edna",
        "channel-whatsapp",
        "mail-outcome",
        "list-check",
        "shop",
        "notification",
        "comment",
        "sms",
        "shop-eye",
        "bank-card",
        "calendar-share",
        "unread-comment",
        "task-activity",
        "ai-copilot",
        "zoom",
        "bizproc",
        "bizproc-task",
    }
)
TEXT_COLORS: Final = frozenset({"base_50", "base_60", "base_70", "base_90"})
_FLAGS: Final = frozenset({"Y", "N", "1", "0", "true", "false", True, False})


def _fail(code: str, message: str) -> RestError:
    return RestError(code, message, 400)


def require_fields(raw: Any) -> dict[str, Any]:
    """``fields`` itself: required, an object (``[]`` is PHP's empty array, so it passes)."""
    if raw == []:
        return {}
    if raw is None or raw == "":
        raise _fail("100", "Could not find value for parameter {fields}")
    if not isinstance(raw, dict):
        raise _fail("WRONG_FIELD_VALUE", "Parameter `fields` must be an object")
    return raw


def check_field_values(fields: dict[str, Any]) -> None:
    """The documented types of the keys inside ``fields``."""
    for name in ("completed", "isIncomingChannel"):
        if name in fields and fields[name] not in _FLAGS:
            raise _fail("WRONG_FIELD_VALUE", f"Field `{name}` has a wrong value")
    deadline = fields.get("deadline")
    if deadline not in (None, ""):
        try:
            datetime.fromisoformat(str(deadline))
        except ValueError:
            raise _fail("WRONG_FIELD_VALUE", "Field `deadline` has a wrong value") from None
    offsets = fields.get("pingOffsets")
    if offsets is not None and (
        not isinstance(offsets, list)
        or not all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)
    ):
        raise _fail("WRONG_FIELD_VALUE", "Field `pingOffsets` has a wrong value")


def _blocks(value: Any) -> list[dict[str, Any]]:
    """Every content block of a body's blocks, nested ones included."""
    found: list[dict[str, Any]] = []
    items = value.values() if isinstance(value, dict) else []
    for block in items:
        if not isinstance(block, dict):
            continue
        found.append(block)
        props = block.get("properties") or {}
        if block.get("type") == "withTitle":
            found.extend(_blocks({"block": props.get("block")}))
        if block.get("type") == "lineOfBlocks":
            found.extend(_blocks(props.get("blocks")))
    return found


def check_layout_codes(layout: dict[str, Any]) -> None:
    """Icon and logo codes from the portal's lists, text colours from the documented four."""
    icon = layout["icon"]["code"]
    if icon not in ICON_CODES:
        raise _fail("ENUM_FIELD", f"Field `code` in `IconDto` has a wrong value `{icon}`")
    logo = layout["body"]["logo"]["code"]
    if logo not in LOGO_CODES:
        raise _fail("ENUM_FIELD", f"Field `code` in `LogoDto` has a wrong value `{logo}`")
    for block in _blocks(layout["body"].get("blocks")):
        props = block.get("properties") or {}
        if block.get("type") == "text" and "color" in props and props["color"] not in TEXT_COLORS:
            raise _fail("ENUM_FIELD", "Field `color` in `TextDto` has a wrong value")
