"""Batch building and PHP-style parameter encoding (pure)."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from hhsync.bitrix.batch import (
    MAX_COMMANDS,
    Command,
    CommandFailed,
    CommandNotRun,
    CommandResult,
    build_batch,
    encode_query,
    flatten_params,
    keyed,
    parse_batch,
    result_ref,
    split_commands,
)
from hhsync.bitrix.commands import entity_add, entity_update
from hhsync.bitrix.errors import QueryLimitExceeded
from hhsync.bitrix.models import FileUpload


def test_nested_arrays_and_multifields_use_php_brackets() -> None:
    pairs = flatten_params(
        {"fields": {"TITLE": "A&B", "PHONE": [{"VALUE": "+7 999", "VALUE_TYPE": "MOBILE"}]}}
    )
    assert pairs == [
        ("fields[TITLE]", "A&B"),
        ("fields[PHONE][0][VALUE]", "+7 999"),
        ("fields[PHONE][0][VALUE_TYPE]", "MOBILE"),
    ]


def test_bools_none_and_empty_arrays_are_encoded_the_way_php_reads_them() -> None:
    pairs = dict(flatten_params({"OPENED": True, "CLOSED": False, "X": None, "IDS": [], "M": {}}))
    assert pairs == {"OPENED": "Y", "CLOSED": "N", "X": "", "IDS[]": "", "M[]": ""}


def test_encoded_query_round_trips_through_a_form_parser() -> None:
    query = encode_query({"fields": {"TITLE": "Отклик: A&B = 100%", "PHONE": [{"VALUE": "+7"}]}})
    assert "%26" in query  # the & inside a value must not split the pair
    assert dict(parse_qsl(query)) == {
        "fields[TITLE]": "Отклик: A&B = 100%",
        "fields[PHONE][0][VALUE]": "+7",
    }


def test_file_data_becomes_a_two_element_array() -> None:
    upload = FileUpload.from_bytes("cv.pdf", b"%PDF").model_dump()
    pairs = dict(flatten_params({"fields": {"UF_CRM_HH_RESUME": upload}}))
    assert pairs == {
        "fields[UF_CRM_HH_RESUME][fileData][0]": "cv.pdf",
        "fields[UF_CRM_HH_RESUME][fileData][1]": "JVBERg==",
    }


def test_empty_file_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        FileUpload.from_bytes("cv.pdf", b"")


def test_result_references_stay_verbatim_for_the_portal_to_substitute() -> None:
    command = entity_update(
        "lead",
        result_ref(
            "add",
        ),
        {"TITLE": "x y"},
    )
    encoded = command.encode()
    assert encoded.startswith("crm.lead.update?id=$result[add]&")
    assert "fields[TITLE]=x%20y" in encoded
    nested = Command("department.get", {"ID": result_ref("get_user", "UF_DEPARTMENT", 0)})
    assert nested.encode() == "department.get?ID=$result[get_user][UF_DEPARTMENT][0]"
    assert nested.references() == {"get_user"}


def test_build_batch_chains_in_order_with_halt_off_by_default() -> None:
    payload = build_batch(
        {
            "add": entity_add("lead", {"TITLE": "T"}),
            "comment": Command(
                "crm.timeline.comment.add",
                {"fields": {"ENTITY_ID": result_ref("add"), "ENTITY_TYPE": "lead", "COMMENT": "c"}},
            ),
        }
    )
    assert payload["halt"] == 0
    assert list(payload["cmd"]) == ["add", "comment"]
    assert payload["cmd"]["comment"].startswith(
        "crm.timeline.comment.add?fields[ENTITY_ID]=$result[add]&"
    )


@pytest.mark.parametrize(
    ("commands", "message"),
    [
        ({}, "at least one"),
        ({f"c{i}": Command("user.current") for i in range(MAX_COMMANDS + 1)}, "at most 50"),
        ({"0": Command("user.current")}, "must be a letter"),
        ({"a": Command("batch")}, "cannot contain a batch"),
        ({"a": Command("x", {"id": "$result[b]"}), "b": Command("y")}, "does not run before"),
    ],
)
def test_build_batch_refuses_what_the_portal_would_refuse_or_misread(
    commands: dict[str, Command], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        build_batch(commands)


def test_split_commands_makes_batches_of_fifty_with_stable_keys() -> None:
    chunks = list(split_commands([Command("user.current")] * 120))
    assert [len(c) for c in chunks] == [50, 50, 20]
    assert next(iter(chunks[1])) == "c0050"
    assert all(not k.isdigit() for chunk in chunks for k in chunk)
    with pytest.raises(ValueError, match="independent"):
        list(split_commands([Command("x", {"id": "$result[c0000]"})]))


def test_keyed_turns_php_lists_back_into_keys() -> None:
    assert keyed([]) == {}
    assert keyed(["a", "b"]) == {"0": "a", "1": "b"}
    assert keyed({"k": 1}) == {"k": 1}
    assert keyed(None) == {}


def test_parse_batch_classifies_each_error_and_spots_commands_that_did_not_run() -> None:
    commands = {
        "a": Command("crm.lead.add"),
        "b": Command("crm.lead.list"),
        "c": Command("crm.lead.get"),
    }
    envelope = {
        "result": {
            "result": {"b": [{"ID": "1"}]},
            "result_error": {"a": {"error": "QUERY_LIMIT_EXCEEDED", "error_description": "x"}},
            "result_total": {"b": 120},
            "result_next": {"b": 50},
            "result_time": [],
        }
    }
    parsed = parse_batch(envelope, commands)
    failed, ok, not_run = parsed["a"], parsed["b"], parsed["c"]
    assert isinstance(failed, CommandFailed)
    assert isinstance(failed.error, QueryLimitExceeded)
    assert isinstance(ok, CommandResult)
    assert (ok.total, ok.next) == (120, 50)
    assert isinstance(not_run, CommandNotRun)


def test_parse_batch_refuses_a_non_envelope() -> None:
    with pytest.raises(ValueError, match="no result"):
        parse_batch({"error": "x"}, {"a": Command("user.current")})
