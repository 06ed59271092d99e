"""Build the hh.ru contract cassettes from hh.ru's documented example payloads.

Every response body comes verbatim from ``tests/sandbox/hh/hh_examples/`` (the spec's examples,
legacy doc examples and bodies quoted in hhru/api issues) or, where hh.ru documents no example
(``GET /me``), from the ``example`` values of the spec's schema. Requests are written in the shape
the spec documents (path, query, form body, ``HH-User-Agent``); auth headers are never stored.

Run ``.venv/bin/python tests/contract/hh/hh_cassettes.py`` to rewrite ``tests/cassettes/hh/``;
``test_hh_contract.py`` checks that the committed files equal what this module builds.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml

ROOT = Path(__file__).resolve().parents[3]
HH_DATA = ROOT / "tests" / "sandbox" / "hh"  # verbatim copies of hh.ru's spec and examples
EXAMPLES = HH_DATA / "hh_examples"
SPEC = HH_DATA / "hh-openapi.yml"
CASSETTES = ROOT / "tests" / "cassettes" / "hh"

API = "https://api.hh.ru"
TOKEN_URL = f"{API}/token"
USER_AGENT = "hhsync/0.1.0 (contract-test@example.com)"
EMPLOYER_ID = "1455"  # the employer of the spec's examples
LEGACY_RESUME_ID = "12345678901234567890123456789012abcdef"  # the legacy doc's resume id
# Not an hh.ru example (the PDF body is undocumented): the smallest valid PDF.
TINY_PDF = (
    "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    "2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def example(name: str) -> Any:
    """One documented example payload, parsed."""
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


@functools.cache
def _spec_schemas() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the spec is 1.2 MB of YAML
    spec = yaml.load(SPEC.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - safe loader
    schemas: dict[str, Any] = spec["components"]["schemas"]
    return schemas


def example_from_schema(schema_name: str) -> Any:
    """A payload assembled from the ``example`` values of a spec schema (allOf merged)."""
    schemas = _spec_schemas()

    def build(schema: dict[str, Any], depth: int) -> Any:
        if "$ref" in schema:
            return build(schemas[schema["$ref"].rsplit("/", 1)[-1]], depth)
        if "example" in schema:
            return schema["example"]
        if "allOf" in schema:
            merged: dict[str, Any] = {}
            for part in schema["allOf"]:
                value = build(part, depth)
                if isinstance(value, dict):
                    merged.update(value)
            return merged
        if "oneOf" in schema or "anyOf" in schema:
            return build((schema.get("oneOf") or schema["anyOf"])[0], depth)
        if schema.get("nullable") and "properties" not in schema:
            return None
        if "properties" in schema or schema.get("type") == "object":
            return {k: build(v, depth + 1) for k, v in schema.get("properties", {}).items()}
        if schema.get("type") == "array":
            return [build(schema["items"], depth + 1)] if depth < 6 else []
        return None

    return build({"$ref": f"#/components/schemas/{schema_name}"}, 0)


def me_example() -> dict[str, Any]:
    """``GET /me`` for a manager: spec ``MeManagerProfile`` examples plus its discriminator."""
    body: dict[str, Any] = example_from_schema("MeManagerProfile")
    # MeProfile's discriminator maps auth_type "employer" to MeManagerProfile (hh.ru OpenAPI spec).
    body.update(auth_type="employer", is_employer=True, is_applicant=False)
    return body


def request(
    method: str,
    uri: str,
    *,
    form: dict[str, str] | None = None,
    bearer: bool = True,
) -> dict[str, Any]:
    """A documented request; ``bearer`` only marks that one is sent (the token is never stored)."""
    headers: dict[str, list[str]] = {"HH-User-Agent": [USER_AGENT], "User-Agent": [USER_AGENT]}
    if bearer:
        headers["X-Cassette-Bearer"] = ["required"]  # read by the contract tests' matcher
    body = None
    if form is not None:
        headers["Content-Type"] = ["application/x-www-form-urlencoded"]
        body = urlencode(form)
    return {"method": method, "uri": uri, "body": body, "headers": headers}


def response(
    status: int,
    body: Any = None,
    *,
    raw: str | None = None,
    content_type: str = "application/json; charset=UTF-8",
    request_id: str = "contract-request-id",
    extra_headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A recorded answer; JSON bodies are dumped the way hh.ru sends them (UTF-8, not escaped)."""
    text = raw if raw is not None else ""
    if body is not None:
        text = json.dumps(body, ensure_ascii=False)
    headers = {"X-Request-Id": [request_id]}
    if text:
        headers["Content-Type"] = [content_type]
    for name, value in (extra_headers or {}).items():
        headers[name] = [value]
    messages = {200: "OK", 204: "No Content", 400: "Bad Request", 403: "Forbidden"}
    messages |= {404: "Not Found", 429: "Too Many Requests", 502: "Bad Gateway"}
    return {
        "status": {"code": status, "message": messages.get(status, "")},
        "headers": headers,
        "body": {"string": text},
    }


BY_DATE = "created_at"
"""The order each sub-collection of the spec example offers (its own `order_types`)."""


def _collection_list_url(collection_id: str, order_by: str | None = None) -> str:
    """A listing's first page; ``order_by`` when the listing's own ``order_types`` offer it."""
    order = f"&order_by={order_by}" if order_by else ""
    return f"{API}/negotiations/{collection_id}?vacancy_id=123456{order}&page=0&per_page=50"


def cassettes() -> dict[str, list[dict[str, Any]]]:
    """Cassette name -> interactions, in the order a client call makes them."""
    negotiation_list = example("negotiations.collection-list.response.json")
    resume_url = negotiation_list["items"][0]["resume"]["url"]
    pdf_url = negotiation_list["items"][0]["resume"]["actions"]["download"]["pdf"]["url"]
    action_url = next(
        a["url"] for a in negotiation_list["items"][0]["actions"] if a["id"] == "consider"
    )
    expired = example("observed.error.403.oauth.token_expired.json")
    refresh_form: dict[str, str] = example("token.request.refresh_token.form.json")
    code_form: dict[str, str] = example("token.request.authorization_code.form.json")
    return {
        "me": [{"request": request("GET", f"{API}/me"), "response": response(200, me_example())}],
        "managers": [
            {
                "request": request(
                    "GET", f"{API}/employers/{EMPLOYER_ID}/managers?page=0&per_page=200"
                ),
                "response": response(200, example("employers.managers.response.json")),
            }
        ],
        "vacancies_active": [
            {
                "request": request(
                    "GET",
                    f"{API}/employers/{EMPLOYER_ID}/vacancies/active"
                    "?all_accessible=true&page=0&per_page=50",
                ),
                "response": response(200, example("employers.vacancies.active.response.json")),
            }
        ],
        "vacancies_archived": [
            {
                "request": request(
                    "GET", f"{API}/employers/{EMPLOYER_ID}/vacancies/archived?page=0&per_page=100"
                ),
                "response": response(200, example("employers.vacancies.archived.response.json")),
            }
        ],
        "vacancy_negotiations": [
            {
                "request": request("GET", f"{API}/negotiations?vacancy_id=123456"),
                "response": response(200, example("negotiations.collections.response.json")),
            },
            {
                "request": request("GET", _collection_list_url("somecollection")),
                "response": response(200, negotiation_list),
            },
            # The documented example's sub-collections are read too, each after its collection;
            # the same documented lists come back, so every negotiation is kept once.
            {
                "request": request("GET", _collection_list_url("somecollection_1", BY_DATE)),
                "response": response(200, negotiation_list),
            },
            {
                "request": request("GET", _collection_list_url("somecollection_2", BY_DATE)),
                "response": response(200, negotiation_list),
            },
            {
                "request": request("GET", _collection_list_url("anothercollection")),
                "response": response(
                    200, example("legacy-doc.negotiations.collection-list.response.json")
                ),
            },
            {
                "request": request("GET", _collection_list_url("anothercollection_1", BY_DATE)),
                "response": response(
                    200, example("legacy-doc.negotiations.collection-list.response.json")
                ),
            },
        ],
        "negotiation_item": [
            {
                "request": request("GET", f"{API}/negotiations/123456789"),
                "response": response(200, example("negotiations.item.employer.response.json")),
            }
        ],
        "resume": [
            {
                "request": request("GET", resume_url),
                "response": response(200, example("resumes.item.employer.response.json")),
            }
        ],
        "resume_legacy": [
            {
                "request": request("GET", f"{API}/resumes/{LEGACY_RESUME_ID}"),
                "response": response(
                    200, example("legacy-doc.resumes.item.employer.response.json")
                ),
            }
        ],
        "resume_pdf": [
            {
                "request": request("GET", pdf_url),
                "response": response(200, raw=TINY_PDF, content_type="application/pdf"),
            }
        ],
        "change_state": [
            {
                "request": request("PUT", action_url),
                "response": response(204),
            },
            {
                "request": request("PUT", action_url, form={"message": "Спасибо за отклик"}),
                "response": response(204),
            },
        ],
        "token_exchange": [
            {
                "request": request(
                    "POST",
                    TOKEN_URL,
                    form={k: v for k, v in code_form.items()},
                    bearer=False,
                ),
                "response": response(200, example("token.user.response.json")),
            }
        ],
        "token_refresh": [
            {
                "request": request("GET", f"{API}/me"),
                "response": response(403, expired, request_id="expired-1"),
            },
            {
                "request": request("POST", TOKEN_URL, form=refresh_form, bearer=False),
                "response": response(200, example("token.user.response.json")),
            },
            {"request": request("GET", f"{API}/me"), "response": response(200, me_example())},
        ],
        "token_refresh_password_changed": [
            {
                "request": request("GET", f"{API}/me"),
                "response": response(403, expired),
            },
            {
                "request": request("POST", TOKEN_URL, form=refresh_form, bearer=False),
                "response": response(
                    400, example("observed.token.error.400.invalid_grant.token-deactivated.json")
                ),
            },
        ],
        "token_refresh_reused": [
            {
                "request": request("GET", f"{API}/me"),
                "response": response(403, expired),
            },
            {
                "request": request("POST", TOKEN_URL, form=refresh_form, bearer=False),
                "response": response(
                    400,
                    example(
                        "observed.token.error.400.invalid_grant.token-has-already-been-refreshed.json"
                    ),
                ),
            },
        ],
        "errors_page_depth": [
            {
                "request": request(
                    "GET",
                    f"{API}/employers/{EMPLOYER_ID}/vacancies/active"
                    "?all_accessible=true&page=0&per_page=50",
                ),
                "response": response(
                    400, example("observed.error.400.bad_argument.page-depth.json")
                ),
            }
        ],
        "errors_bad_gateway": [
            {
                "request": request("GET", f"{API}/me"),
                "response": response(502, example("observed.error.5xx.bad_gateway.json")),
            },
            {"request": request("GET", f"{API}/me"), "response": response(200, me_example())},
        ],
        "errors_captcha": [
            {
                "request": request("GET", f"{API}/me"),
                "response": response(
                    403, {"errors": [example("doc.errors.captcha_required.item.json")]}
                ),
            }
        ],
        "errors_manager_account": [
            {
                "request": request("GET", f"{API}/me"),
                "response": response(
                    403, example("doc.errors.manager_accounts.used_manager_account_forbidden.json")
                ),
            }
        ],
    }


def render(interactions: list[dict[str, Any]]) -> str:
    """The YAML text of one cassette (vcrpy format version 1)."""
    text: str = yaml.safe_dump(
        {"interactions": interactions, "version": 1}, allow_unicode=True, sort_keys=True, width=100
    )
    return text


def build(directory: Path = CASSETTES) -> list[Path]:
    """Write every cassette into ``directory``; returns the written paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, interactions in cassettes().items():
        path = directory / f"{name}.yaml"
        path.write_text(render(interactions), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in build():
        print(written_path.relative_to(ROOT))
