"""Shared constants and helpers of the hh.ru sandbox tests (spec validation, auth headers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # dev dependency without stubs
from referencing import Registry
from referencing.jsonschema import DRAFT4

# Verbatim copies kept in the repository: hh.ru's OpenAPI spec and its documented examples.
HERE = Path(__file__).resolve().parent
SPEC_PATH = HERE / "hh-openapi.yml"
EXAMPLES = HERE / "hh_examples"
SPEC_URI = "urn:hh-openapi"
UA = {"HH-User-Agent": "hhsync-tests/1.0 (dev@example.com)"}
ADMIN_ID = "87654321"  # first manager of employer 1455: company admin rights
MANAGER_ID = "87654322"  # second manager of employer 1455: no admin rights
ADMIN_EMAIL = "hr00@example.com"  # the admin's login on the sandbox's website
MANAGER_EMAIL = "hr01@example.com"
EMPLOYER_ID = "1455"
OTHER_EMPLOYER_ID = "2455"


def _openapi_to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 ``nullable: true`` becomes an explicit ``anyOf [..., null]`` for jsonschema."""
    if isinstance(node, list):
        return [_openapi_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _openapi_to_json_schema(value) for key, value in node.items()}
    if converted.pop("nullable", False) is True:
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def _leaves(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    if not error.context:
        return [error]
    return [leaf for sub in error.context for leaf in _leaves(sub)]


class SpecValidator:
    """Validates payloads against named component schemas of hh.ru's OpenAPI spec."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        resource = DRAFT4.create_resource(_openapi_to_json_schema(spec))
        self.registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)

    def errors(self, payload: Any, schema_name: str) -> list[str]:
        """Every violation, as readable strings (empty when the payload conforms)."""
        assert schema_name in self.spec["components"]["schemas"], schema_name
        schema = {"$ref": f"{SPEC_URI}#/components/schemas/{schema_name}"}
        validator = jsonschema.Draft4Validator(schema, registry=self.registry)
        found: list[str] = []
        for error in validator.iter_errors(payload):
            # oneOf/anyOf failures hide the real reason in their sub-errors: report the leaves.
            for leaf in _leaves(error):
                where = "/".join(map(str, leaf.absolute_path))
                rule = f"{leaf.validator}={str(leaf.validator_value)[:80]}"
                found.append(f"{where}: {rule} :: {leaf.message[-120:]}")
        return found

    def check(self, payload: Any, schema_name: str) -> None:
        """Assert that ``payload`` conforms to ``schema_name``."""
        problems = self.errors(payload, schema_name)
        assert not problems, f"{schema_name}:\n" + "\n".join(problems[:20])


def bearer(pair: dict[str, Any]) -> dict[str, str]:
    """Authorization header for a token pair."""
    return {"Authorization": f"Bearer {pair['access_token']}"}
