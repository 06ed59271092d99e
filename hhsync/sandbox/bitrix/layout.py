"""Validation of a configurable activity's ``layout`` (LayoutDto), pure.

Rules from the docs (crm.activity.configurable.add): ``icon``, ``header`` and ``body`` are required;
``body.blocks`` holds 1-20 content blocks (the official hh.ru app breaks exactly here when it lists
more than 20 other responses); at most 2 header tags and 2 footer buttons; unknown keys are
refused (``FIELD_IS_REDUNDANT``); enum values checked (``ENUM_FIELD``: tag type ``lavender`` is
not allowed); keys of associative arrays only ``A-Za-z0-9-_``. The exact texts of the messages are
not published; ours name the DTO and field the way the documented codes suggest.
"""

from __future__ import annotations

import re
from typing import Any

from hhsync.sandbox.bitrix.envelope import RestError

MAX_BLOCKS = 20
MAX_TAGS = 2
MAX_BUTTONS = 2
_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
TAG_TYPES = frozenset({"warning", "success", "failure", "primary", "secondary"})
BUTTON_TYPES = frozenset({"primary", "secondary"})
ACTION_TYPES = frozenset({"redirect", "restEvent", "openRestApp"})
MAX_ACTION_PARAMS = 20
LABEL_BG_COLORS = frozenset({"aqua", "green", "orange", "brown", "pink", "blue", "grey", "violet"})
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")

# block type -> (required properties, allowed properties)
_BLOCKS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "text": (
        frozenset({"value"}),
        frozenset({"value", "multiline", "title", "bold", "size", "color", "scope"}),
    ),
    "largeText": (frozenset({"value"}), frozenset({"value", "scope"})),
    "link": (frozenset({"text", "action"}), frozenset({"text", "action", "bold", "scope"})),
    "withTitle": (frozenset({"title", "block"}), frozenset({"title", "block", "inline", "scope"})),
    "lineOfBlocks": (frozenset({"blocks"}), frozenset({"blocks", "scope"})),
    "deadline": (frozenset(), frozenset({"readonly", "scope"})),
}
_INNER_BLOCKS = frozenset({"text", "link", "deadline"})


def _fail(code: str, message: str) -> RestError:
    return RestError(code, message, 400)


def _only(dto: str, value: dict[str, Any], allowed: set[str] | frozenset[str]) -> None:
    for key in value:
        if key not in allowed:
            raise _fail("FIELD_IS_REDUNDANT", f"Field `{key}` in `{dto}` is redundant")


def _need(dto: str, value: dict[str, Any], required: set[str] | frozenset[str]) -> None:
    for key in sorted(required):
        if value.get(key) in (None, "", [], {}):
            raise _fail("FIELD_IS_REQUIRED", f"Field `{key}` in `{dto}` is required")


def _dict(dto: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail("WRONG_FIELD_VALUE", f"`{dto}` must be an object")
    return value


def _keyed(dto: str, field: str, value: Any, limit: int, minimum: int = 0) -> dict[str, Any]:
    items = _dict(f"{dto}.{field}", value)
    for key in items:
        if not _KEY.match(str(key)):
            raise _fail(
                "KEY_CONTAIN_WRONG_SYMBOLS",
                f"Key `{key}` of field `{field}` in `{dto}` contains wrong symbols",
            )
    if len(items) > limit:
        raise _fail(
            "TOO_MANY_ITEMS", f"Field `{field}` in `{dto}` may contain no more than {limit} values"
        )
    if len(items) < minimum:
        raise _fail("FIELD_IS_REQUIRED", f"Field `{field}` in `{dto}` must be filled")
    return items


def _text(dto: str, field: str, value: Any) -> None:
    if isinstance(value, dict):
        if not value or not all(isinstance(v, str) for v in value.values()):
            raise _fail("WRONG_LANG", f"Field `{field}` in `{dto}` has a wrong language map")
        return
    if not isinstance(value, (str, int, float)):
        raise _fail("WRONG_FIELD_VALUE", f"Field `{field}` in `{dto}` must be a string")


def validate_action(value: Any) -> None:
    """An ``ActionDto``: redirect (``uri``), restEvent (``id``) or openRestApp.

    ``actionParams`` of restEvent and openRestApp is a collection of at most 20 scalars with
    Latin keys (Bitrix24's ``ActionDto`` validators: ``ScalarCollectionField(actionParams, 20)``);
    openRestApp's ``sliderParams`` is an ``ActionSliderParamsDto`` (b24restdocs,
    ``api-reference/crm/timeline/activities/structure/action.md``).
    """
    action = _dict("ActionDto", value)
    _only(
        "ActionDto", action, {"type", "uri", "id", "actionParams", "animationType", "sliderParams"}
    )
    _need("ActionDto", action, {"type"})
    kind = action["type"]
    if kind not in ACTION_TYPES:
        raise _fail("ENUM_FIELD", f"Field `type` in `ActionDto` has a wrong value `{kind}`")
    if kind == "redirect":
        _need("ActionDto", action, {"uri"})
    if kind == "restEvent":
        _need("ActionDto", action, {"id"})
    if kind in {"restEvent", "openRestApp"} and "actionParams" in action:
        _action_params(action["actionParams"])
    if "sliderParams" in action:
        if kind != "openRestApp":
            raise _fail("FIELD_IS_REDUNDANT", "Field `sliderParams` in `ActionDto` is redundant")
        _slider_params(action["sliderParams"])
    if "animationType" in action and action["animationType"] not in {"loader", "disable"}:
        raise _fail("ENUM_FIELD", "Field `animationType` in `ActionDto` has a wrong value")


def _action_params(value: Any) -> None:
    """At most 20 scalar values under valid keys (a PHP list's integer keys pass too)."""
    if isinstance(value, list):
        value = dict(enumerate(value))
    params = _keyed("ActionDto", "actionParams", value, MAX_ACTION_PARAMS)
    for key, item in params.items():
        if isinstance(item, (dict, list)) or item is None:
            raise _fail(
                "WRONG_FIELD_VALUE", f"Field `actionParams[{key}]` in `ActionDto` has a wrong value"
            )


def _integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (
        isinstance(value, str) and value.isascii() and value.isdigit()
    )


def _slider_params(value: Any) -> None:
    """``ActionSliderParamsDto``: width or leftBoundary (not both), label colours, title."""
    dto = "ActionSliderParamsDto"
    params = _dict(dto, value)
    _only(
        dto, params, {"width", "leftBoundary", "labelBgColor", "labelColor", "labelText", "title"}
    )
    for field in ("width", "leftBoundary"):
        # a batch or form-encoded call sends every value as a string: "700" is the integer 700
        if field in params and not _integer(params[field]):
            raise _fail("WRONG_FIELD_VALUE", f"Field `{field}` in `{dto}` must be an integer")
    if "width" in params and "leftBoundary" in params:
        raise _fail(
            "WRONG_FIELD_VALUE", f"Fields `width` and `leftBoundary` in `{dto}` exclude each other"
        )
    if "labelBgColor" in params and params["labelBgColor"] not in LABEL_BG_COLORS:
        raise _fail("ENUM_FIELD", f"Field `labelBgColor` in `{dto}` has a wrong value")
    if "labelColor" in params and not _COLOR.match(str(params["labelColor"])):
        raise _fail("WRONG_FIELD_VALUE", f"Field `labelColor` in `{dto}` has a wrong value")
    for field in ("labelText", "title"):
        if field in params and not isinstance(params[field], str):
            raise _fail("WRONG_FIELD_VALUE", f"Field `{field}` in `{dto}` must be a string")


def validate_block(value: Any, allowed_types: frozenset[str] | None = None) -> None:
    """A ``ContentBlockDto``: ``{type, properties}`` with the properties of that type."""
    block = _dict("ContentBlockDto", value)
    _only("ContentBlockDto", block, {"type", "properties"})
    _need("ContentBlockDto", block, {"type"})
    kind = block["type"]
    types = allowed_types or frozenset(_BLOCKS)
    if kind not in types:
        raise _fail("ENUM_FIELD", f"Field `type` in `ContentBlockDto` has a wrong value `{kind}`")
    required, allowed = _BLOCKS[kind]
    props = _dict("ContentBlockDto.properties", block.get("properties", {}))
    dto = f"{kind[0].upper()}{kind[1:]}Dto"
    _only(dto, props, allowed)
    _need(dto, props, required)
    for field in ("value", "title", "text"):
        if field in props:
            _text(dto, field, props[field])
    if "action" in props:
        validate_action(props["action"])
    if kind == "withTitle":
        validate_block(props["block"], _INNER_BLOCKS)
    if kind == "lineOfBlocks":
        for inner in _keyed(dto, "blocks", props["blocks"], MAX_BLOCKS, 1).values():
            validate_block(inner, _INNER_BLOCKS)
    if "size" in props and props["size"] not in {"xs", "sm", "md"}:
        raise _fail("ENUM_FIELD", f"Field `size` in `{dto}` has a wrong value")
    if "scope" in props and props["scope"] not in {"web", "mobile"}:
        raise _fail("ENUM_FIELD", f"Field `scope` in `{dto}` has a wrong value")


def validate_layout(value: Any) -> dict[str, Any]:
    """The layout itself when valid; otherwise raise the error a portal gives for it."""
    if not isinstance(value, dict) or not value:
        raise _fail("ERROR_EMPTY_LAYOUT", "Layout is empty")
    _only("LayoutDto", value, {"icon", "header", "body", "footer"})
    _need("LayoutDto", value, {"icon", "header", "body"})
    icon = _dict("IconDto", value["icon"])
    _only("IconDto", icon, {"code"})
    _need("IconDto", icon, {"code"})

    header = _dict("HeaderDto", value["header"])
    _only("HeaderDto", header, {"title", "titleAction", "tags"})
    _need("HeaderDto", header, {"title"})
    _text("HeaderDto", "title", header["title"])
    if "titleAction" in header:
        validate_action(header["titleAction"])
    for tag in _keyed("HeaderDto", "tags", header.get("tags", {}), MAX_TAGS).values():
        tag = _dict("TagDto", tag)
        _only("TagDto", tag, {"title", "type", "action", "scope", "hideIfReadonly"})
        _need("TagDto", tag, {"title", "type"})
        if tag["type"] not in TAG_TYPES:
            raise _fail("ENUM_FIELD", f"Field `type` in `TagDto` has a wrong value `{tag['type']}`")
        if "action" in tag:
            validate_action(tag["action"])

    body = _dict("BodyDto", value["body"])
    _only("BodyDto", body, {"logo", "blocks"})
    _need("BodyDto", body, {"logo", "blocks"})
    logo = _dict("LogoDto", body["logo"])
    _only("LogoDto", logo, {"code", "action"})
    _need("LogoDto", logo, {"code"})
    if "action" in logo:
        validate_action(logo["action"])
    for block in _keyed("BodyDto", "blocks", body["blocks"], MAX_BLOCKS, 1).values():
        validate_block(block)

    if "footer" in value:
        footer = _dict("FooterDto", value["footer"])
        _only("FooterDto", footer, {"buttons", "menu"})
        for button in _keyed(
            "FooterDto", "buttons", footer.get("buttons", {}), MAX_BUTTONS
        ).values():
            button = _dict("ButtonDto", button)
            _only("ButtonDto", button, {"title", "type", "action", "scope", "hideIfReadonly"})
            _need("ButtonDto", button, {"title", "type", "action"})
            if button["type"] not in BUTTON_TYPES:
                raise _fail("ENUM_FIELD", "Field `type` in `ButtonDto` has a wrong value")
            validate_action(button["action"])
        if "menu" in footer:
            menu = _dict("MenuDto", footer["menu"])
            _only("MenuDto", menu, {"showPinItem", "showPostponeItem", "showDeleteItem", "items"})
            for item in _keyed("MenuDto", "items", menu.get("items", {}), 100).values():
                item = _dict("MenuItemDto", item)
                _only("MenuItemDto", item, {"title", "action", "scope", "hideIfReadonly"})
                _need("MenuItemDto", item, {"title", "action"})
                validate_action(item["action"])
    return value


_BOOLEAN_KEYS = frozenset(
    {
        "showPinItem",
        "showPostponeItem",
        "showDeleteItem",
        "inline",
        "bold",
        "multiline",
        "hideIfReadonly",
        "readonly",
    }
)


def php_string(value: Any) -> str:
    """``(string)$value`` of a scalar, as Bitrix24's ``StringCaster`` stores ``actionParams``."""
    if value is True:
        return "1"
    if value is False or value is None:
        return ""
    return str(value)


def normalise_layout(value: Any) -> Any:
    """The layout as the portal stores it: flags as booleans, action parameters as strings."""
    if isinstance(value, dict):
        result: dict[str, Any] = {}
        for key, item in value.items():
            if key in _BOOLEAN_KEYS and not isinstance(item, (dict, list)):
                result[key] = item is True or str(item).lower() in {"true", "y", "1"}
            elif key == "actionParams" and isinstance(item, dict):
                result[key] = {
                    k: v if isinstance(v, (dict, list)) else php_string(v) for k, v in item.items()
                }
            else:
                result[key] = normalise_layout(item)
        return result
    if isinstance(value, list):
        return [normalise_layout(v) for v in value]
    return value
