"""Build the Bitrix24 vcrpy cassettes from the official documented example payloads.

Each cassette pairs a request of the documented shape (method, path, JSON params) with a response
body copied byte for byte from a directory of Bitrix24's documented example payloads (the official
docs' examples, or real answers captured by other SDKs' tests), one JSON file per example under the
names listed below. Nothing here comes from our own sandbox, so the contract tests check the client
against Bitrix24's documentation rather than against our reading of it.

The output is committed and the tests read only that output, so the example set itself is not part
of the repository (the sandbox tests keep the examples they compare with in
``tests/sandbox/bitrix/b24_examples/``). Run from the repository root to regenerate::

    .venv/bin/python tests/contract/bitrix/make_cassettes.py EXAMPLES_DIR
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped,unused-ignore]  # no stubs in dev deps

REPO = Path(__file__).resolve().parents[3]
OUT = REPO / "tests" / "cassettes" / "bitrix"

PORTAL = "https://portal.bitrix24.com/rest/"
OAUTH_TOKEN_URL = "https://oauth.bitrix.info/oauth/token/"
REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}

# Documented request shapes used by several cassettes.
LEAD_FIELDS: dict[str, Any] = {
    "TITLE": "Python developer — Ivan Petrov",
    "NAME": "Ivan",
    "LAST_NAME": "Petrov",
    "SECOND_NAME": "Sergeevich",
    "STATUS_ID": "NEW",
    "SOURCE_ID": "WEB",
    "ASSIGNED_BY_ID": 1,
    "ORIGINATOR_ID": "hhsync",
    "ORIGIN_ID": "negotiation-1234567",
    "PHONE": [{"VALUE": "+79991234567", "VALUE_TYPE": "MOBILE"}],
    "EMAIL": [{"VALUE": "ivan@example.com", "VALUE_TYPE": "WORK"}],
    "ADDRESS_CITY": "Москва",
    "UF_CRM_HH_RESUME": {"fileData": ["resume.pdf", "JVBERi0xLjQK"]},
}
DEAL_FIELDS: dict[str, Any] = {
    "TITLE": "Python developer — Ivan Petrov",
    "CATEGORY_ID": 1,
    "STAGE_ID": "C1:NEW",
    "ORIGINATOR_ID": "hhsync",
    "ORIGIN_ID": "negotiation-1234567",
}
LAYOUT_EXAMPLE = "crm.activity.configurable.layout.request-example.json"


@dataclass(frozen=True)
class Exchange:
    """One request/response pair; ``example`` names the verbatim response body file."""

    method: str
    params: dict[str, Any] | None
    example: str
    status: int = 200
    url: str = ""
    form: dict[str, str] = field(default_factory=dict)


def rest(method: str, params: dict[str, Any] | None, example: str, status: int = 200) -> Exchange:
    """A REST call to the portal (JSON POST to ``<client_endpoint><method>.json``)."""
    return Exchange(method, params, example, status)


def oauth_refresh(example: str, status: int = 200) -> Exchange:
    """A refresh at the OAuth server (form POST; secrets replaced by the test app's values)."""
    form = {"grant_type": "refresh_token", "client_id": "local.test.app"}
    return Exchange("oauth", None, example, status, url=OAUTH_TOKEN_URL, form=form)


CASSETTES: dict[str, list[Exchange]] = {
    "app.info": [rest("app.info", {}, "app.info.response.json")],
    "app.info.error.no-app-context": [
        rest("app.info", {}, "app.info.error.no-app-context.json", 400)
    ],
    "user.current": [rest("user.current", {}, "user.current.response.json")],
    "user.admin": [rest("user.admin", {}, "user.admin.response.json")],
    "user.get": [
        rest(
            "user.get",
            {"FILTER": {"ACTIVE": True}, "sort": "ID", "order": "ASC", "start": 0},
            "user.get.response.json",
        )
    ],
    "crm.lead.add": [
        rest(
            "crm.lead.add",
            {"fields": LEAD_FIELDS, "params": {"REGISTER_SONET_EVENT": "N"}},
            "crm.lead.add.response.json",
        )
    ],
    "crm.lead.add.error.access-denied": [
        rest(
            "crm.lead.add",
            {"fields": {"TITLE": "x"}, "params": {"REGISTER_SONET_EVENT": "N"}},
            "crm.lead.add.error.access-denied.json",
            400,
        )
    ],
    "crm.lead.update": [
        rest(
            "crm.lead.update",
            {
                "id": 123,
                "fields": {"STATUS_ID": "IN_PROCESS", "UF_CRM_HH_STATUS": "interview"},
                "params": {"REGISTER_SONET_EVENT": "N"},
            },
            "crm.lead.update.response.json",
        )
    ],
    "crm.lead.update.error.invalid-id": [
        rest(
            "crm.lead.update",
            {
                "id": 0,
                "fields": {"STATUS_ID": "IN_PROCESS"},
                "params": {"REGISTER_SONET_EVENT": "N"},
            },
            "crm.lead.update.error.invalid-id.json",
            400,
        )
    ],
    "crm.lead.get": [rest("crm.lead.get", {"id": 123}, "crm.lead.get.response.json")],
    "crm.lead.get.file-uf": [
        rest("crm.lead.get", {"id": 5}, "crm.lead.get.file-uf.response-fragment.json")
    ],
    "crm.lead.get.error.not-found": [
        rest("crm.lead.get", {"id": 999999}, "crm.lead.get.error.not-found.json", 400)
    ],
    "crm.lead.fields": [rest("crm.lead.fields", {}, "crm.lead.fields.response.json")],
    "crm.lead.userfield.add": [
        rest(
            "crm.lead.userfield.add",
            {
                "fields": {
                    "FIELD_NAME": "HH_RESUME",
                    "USER_TYPE_ID": "file",
                    "LABEL": "Резюме hh.ru",
                    "MULTIPLE": "N",
                    "MANDATORY": "N",
                    "SHOW_FILTER": "N",
                    "XML_ID": "HH_RESUME",
                }
            },
            "crm.lead.userfield.add.response.json",
        )
    ],
    "crm.lead.userfield.add.error": [
        rest(
            "crm.lead.userfield.add",
            {
                "fields": {
                    "FIELD_NAME": "HH_STATUS",
                    "USER_TYPE_ID": "nonsense",
                    "LABEL": "x",
                    "MULTIPLE": "N",
                    "MANDATORY": "N",
                    "SHOW_FILTER": "N",
                }
            },
            "crm.lead.userfield.add.error.json",
            400,
        )
    ],
    "crm.lead.userfield.list": [
        rest(
            "crm.lead.userfield.list",
            {"filter": {"LANG": "en"}, "order": {"SORT": "ASC", "ID": "ASC"}},
            "crm.lead.userfield.list.response.json",
        )
    ],
    "crm.deal.add": [
        rest(
            "crm.deal.add",
            {"fields": DEAL_FIELDS, "params": {"REGISTER_SONET_EVENT": "N"}},
            "crm.deal.add.response.json",
        )
    ],
    "crm.deal.add.error.fields-not-array": [
        rest(
            "crm.deal.add",
            {"fields": {}, "params": {"REGISTER_SONET_EVENT": "N"}},
            "crm.deal.add.error.fields-not-array.json",
            400,
        )
    ],
    "crm.deal.update": [
        rest(
            "crm.deal.update",
            {
                "id": 410,
                "fields": {"STAGE_ID": "PREPARATION"},
                "params": {"REGISTER_SONET_EVENT": "N"},
            },
            "crm.deal.update.response.json",
        )
    ],
    "crm.deal.get": [rest("crm.deal.get", {"id": 410}, "crm.deal.get.response.json")],
    "crm.deal.list": [
        rest(
            "crm.deal.list",
            {
                "filter": {"CATEGORY_ID": 1},
                "select": [
                    "ID",
                    "TITLE",
                    "TYPE_ID",
                    "CATEGORY_ID",
                    "STAGE_ID",
                    "OPPORTUNITY",
                    "IS_MANUAL_OPPORTUNITY",
                    "ASSIGNED_BY_ID",
                    "DATE_CREATE",
                ],
                "start": 0,
            },
            "crm.deal.list.response.json",
        )
    ],
    "crm.deal.list.by-origin": [
        rest(
            "crm.deal.list",
            {
                "filter": {"ORIGINATOR_ID": "hhsync", "ORIGIN_ID": "negotiation-1234567"},
                "select": ["ID"],
                "order": {"ID": "ASC"},
                "start": -1,
            },
            "crm.deal.list.response.json",
        )
    ],
    "crm.deal.fields": [rest("crm.deal.fields", {}, "crm.deal.fields.response.json")],
    "crm.status.list": [
        rest(
            "crm.status.list",
            {"filter": {"ENTITY_ID": "DEAL_STAGE"}, "order": {"SORT": "ASC"}, "start": 0},
            "crm.status.list.DEAL_STAGE.response.json",
        )
    ],
    "crm.status.list.error": [
        rest(
            "crm.status.list",
            {"filter": {"ENTITY_ID": "DEAL_STAGE"}, "order": {"SORT": "ASC"}, "start": 0},
            "crm.status.list.error.json",
            400,
        )
    ],
    "crm.status.entity.items": [
        rest(
            "crm.status.entity.items",
            {"entityId": "DEAL_STAGE"},
            "crm.status.entity.items.DEAL_STAGE.response.json",
        )
    ],
    "crm.status.entity.items.error": [
        rest("crm.status.entity.items", {"entityId": ""}, "crm.status.entity.items.error.json", 400)
    ],
    "crm.category.list": [
        rest(
            "crm.category.list",
            {"entityTypeId": 2},
            "crm.category.list.entityTypeId2.response.json",
        )
    ],
    "crm.category.list.real": [
        rest("crm.category.list", {"entityTypeId": 2}, "crm.category.list.real.response.json")
    ],
    "crm.duplicate.findbycomm": [
        rest(
            "crm.duplicate.findbycomm",
            {"type": "PHONE", "values": ["+79991234567"]},
            "crm.duplicate.findbycomm.response.json",
        )
    ],
    "crm.duplicate.findbycomm.empty": [
        rest(
            "crm.duplicate.findbycomm",
            {"type": "EMAIL", "values": ["nobody@example.com"], "entity_type": "LEAD"},
            "crm.duplicate.findbycomm.empty.response.json",
        )
    ],
    "crm.duplicate.findbycomm.error": [
        rest(
            "crm.duplicate.findbycomm",
            {"type": "PHONE", "values": ["+79991234567"]},
            "crm.duplicate.findbycomm.error.json",
            400,
        )
    ],
    "crm.activity.todo.add": [
        rest(
            "crm.activity.todo.add",
            {
                "ownerTypeId": 2,
                "ownerId": 410,
                "deadline": "2025-02-03T15:00:00",
                "title": "Call the applicant",
                "description": "",
            },
            "crm.activity.todo.add.response.json",
        )
    ],
    "crm.activity.todo.add.error": [
        rest(
            "crm.activity.todo.add",
            {
                "ownerTypeId": 2,
                "ownerId": 999999,
                "deadline": "2025-02-03T15:00:00",
                "title": "Call the applicant",
                "description": "",
            },
            "crm.activity.todo.add.error.json",
            400,
        )
    ],
    "crm.activity.configurable.add.error": [
        rest(
            "crm.activity.configurable.add",
            {"ownerTypeId": 1, "ownerId": 999999, "fields": {}, "layout": "@" + LAYOUT_EXAMPLE},
            "crm.activity.configurable.add.error.json",
            400,
        )
    ],
    "crm.activity.configurable.get": [
        rest(
            "crm.activity.configurable.get",
            {"id": 8903},
            "crm.activity.configurable.get.response.json",
        )
    ],
    "crm.timeline.comment.add": [
        rest(
            "crm.timeline.comment.add",
            {"fields": {"ENTITY_ID": 410, "ENTITY_TYPE": "deal", "COMMENT": "Отклик на вакансию"}},
            "crm.timeline.comment.add.response.json",
        )
    ],
    # batch: the documented example chains department.get on the user's department.
    "batch": [
        rest(
            "batch",
            {
                "halt": 0,
                "cmd": {
                    "get_user": "user.current",
                    "get_department": "department.get?ID=$result[get_user][UF_DEPARTMENT]",
                },
            },
            "batch.response.json",
        )
    ],
    "batch.error.halt0": [
        rest(
            "batch",
            {
                "halt": 0,
                "cmd": {
                    "get_user": "user.current",
                    "get_department": "department.get?ID=$result[get_user][UF_DEPARTMENT]",
                },
            },
            "batch.error.halt0.json",
        )
    ],
    "batch.error.halt1": [
        rest(
            "batch",
            {
                "halt": 1,
                "cmd": {
                    "get_user": "user.current",
                    "get_department": "department.get?ID=$result[get_user][UF_DEPARTMENT]",
                },
            },
            "batch.error.halt1.json",
        )
    ],
    # Error envelopes (quoted in public sources) on an ordinary call.
    "error.expired_token.refresh": [
        rest("user.current", {}, "error.expired_token.http401.json", 401),
        oauth_refresh("oauth.token.refresh_token.response.json"),
        rest("user.current", {}, "user.current.response.json"),
    ],
    "error.expired_token.refresh-payment-required": [
        rest("user.current", {}, "error.expired_token.http401.json", 401),
        oauth_refresh("oauth.token.error.PAYMENT_REQUIRED.json", 400),
    ],
    "error.QUERY_LIMIT_EXCEEDED.then-ok": [
        rest("user.current", {}, "error.QUERY_LIMIT_EXCEEDED.http503.json", 503),
        rest("user.current", {}, "user.current.response.json"),
    ],
    "error.QUERY_LIMIT_EXCEEDED.on-add": [
        rest(
            "crm.deal.add",
            {"fields": DEAL_FIELDS, "params": {"REGISTER_SONET_EVENT": "N"}},
            "error.QUERY_LIMIT_EXCEEDED.http503.json",
            503,
        ),
        rest(
            "crm.deal.add",
            {"fields": DEAL_FIELDS, "params": {"REGISTER_SONET_EVENT": "N"}},
            "crm.deal.add.response.json",
        ),
    ],
    "error.invalid_token": [rest("user.current", {}, "error.invalid_token.http401.json", 401)],
    "error.ERROR_OAUTH": [rest("user.current", {}, "error.ERROR_OAUTH.http401.json", 401)],
    "error.APPLICATION_NOT_FOUND": [
        rest("user.current", {}, "error.APPLICATION_NOT_FOUND.http401.json", 401)
    ],
    "error.PAYMENT_REQUIRED": [rest("user.current", {}, "error.PAYMENT_REQUIRED.rest.json", 401)],
    "error.authorization_error": [
        rest("user.current", {}, "error.authorization_error.http401.json", 401)
    ],
    "error.METHOD_CONFIRM_WAITING": [
        rest("user.current", {}, "error.METHOD_CONFIRM_WAITING.http401.json", 401)
    ],
    "error.insufficient_scope": [rest("user.current", {}, "error.insufficient_scope.json", 403)],
}

# Real batch envelopes with numeric keys (PHP turns them into JSON arrays); the request's ``cmd``
# keys come from the capture where it has one. Parsed directly, they need no HTTP.
BATCH_CAPTURES: dict[str, tuple[str, list[str]]] = {
    "batch.real.numeric-cmd-keys": ("batch.real.numeric-cmd-keys-become-json-arrays.json", []),
    "batch.real.dealcategory.stage.list": ("batch.real.crm.dealcategory.stage.list.json", []),
    "batch.real.all-commands-failed": ("batch.real.all-commands-failed.json", ["0", "1"]),
    "batch.real.mixed": ("batch.real.mixed-success-and-errors.json", ["0", "1", "35943"]),
    "batch.real.invalid-id": ("batch.real.crm.lead.get-invalid-id.json", ["0"]),
    "batch.real.list-empty": ("batch.real.list-empty-result.json", ["order0000000000"]),
    "batch.real.contact.add": ("batch.real.crm.contact.add.json", ["order0000000000"]),
    "batch.real.named-keys": (
        "batch.real.status-entity-items-named-keys.json",
        ["statuses", "sources"],
    ),
}


def _resolve(params: Any, examples: Path) -> Any:
    # "@file.json" inside params stands for that documented request body.
    if isinstance(params, str) and params.startswith("@"):
        return json.loads((examples / params[1:]).read_text(encoding="utf-8"))
    if isinstance(params, dict):
        return {k: _resolve(v, examples) for k, v in params.items()}
    return params


def _interaction(exchange: Exchange, examples: Path) -> dict[str, Any]:
    text = (examples / exchange.example).read_text(encoding="utf-8")
    json.loads(text)  # every documented body must at least be JSON
    if exchange.form:
        request = {
            "method": "POST",
            "uri": exchange.url,
            "body": "&".join(f"{k}={v}" for k, v in exchange.form.items()),
            "headers": {"Content-Type": ["application/x-www-form-urlencoded"]},
        }
    else:
        body = json.dumps(_resolve(exchange.params or {}, examples), ensure_ascii=False)
        request = {
            "method": "POST",
            "uri": f"{PORTAL}{exchange.method}.json",
            "body": body,
            "headers": {"Content-Type": ["application/json"]},
        }
    return {
        "request": request,
        "response": {
            "status": {"code": exchange.status, "message": REASONS[exchange.status]},
            "headers": {"Content-Type": ["application/json; charset=utf-8"]},
            "body": {"string": text},
        },
    }


def _capture(example: str, keys: list[str], examples: Path) -> dict[str, Any]:
    raw = json.loads((examples / example).read_text(encoding="utf-8"))
    if "response" in raw:
        request = raw["request"]
        cmd = request.get("params", request).get("cmd", {})
        return {"source": example, "keys": list(cmd), "response": raw["response"]}
    return {"source": example, "keys": keys, "response": raw}


def main(examples: Path) -> None:
    """Write one YAML cassette per scenario, and the batch captures, into ``OUT``."""
    OUT.mkdir(parents=True, exist_ok=True)
    for name, exchanges in CASSETTES.items():
        cassette = {"version": 1, "interactions": [_interaction(e, examples) for e in exchanges]}
        (OUT / f"{name}.yaml").write_text(
            yaml.safe_dump(cassette, allow_unicode=True, sort_keys=False, width=100),
            encoding="utf-8",
        )
    # The documented layout request, reused as input by the configurable-activity test.
    (OUT / LAYOUT_EXAMPLE).write_text(
        (examples / LAYOUT_EXAMPLE).read_text(encoding="utf-8"), encoding="utf-8"
    )
    captures = {
        name: _capture(example, keys, examples) for name, (example, keys) in BATCH_CAPTURES.items()
    }
    (OUT / "batch-captures.json").write_text(
        json.dumps(captures, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_cassettes.py EXAMPLES_DIR (Bitrix24's documented example payloads)")
    main(Path(sys.argv[1]))
