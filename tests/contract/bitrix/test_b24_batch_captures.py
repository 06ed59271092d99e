"""Contract tests: real batch envelopes (captured by other SDKs' tests) parsed per command.

PHP answers a member as a JSON array when it is empty or its keys are ``0..n-1``, which loses the
keys unless the parser restores them; these captures show every form seen in the wild.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hhsync.bitrix.batch import (
    Command,
    CommandFailed,
    CommandNotRun,
    CommandResult,
    parse_batch,
)
from hhsync.bitrix.errors import RecordRejected

CAPTURES = json.loads(
    (
        Path(__file__).resolve().parents[2] / "cassettes" / "bitrix" / "batch-captures.json"
    ).read_text(encoding="utf-8")
)


def _parse(name: str, method: str = "crm.any.method") -> Any:
    capture = CAPTURES[name]
    commands = {key: Command(method) for key in capture["keys"]}
    return parse_batch(capture["response"], commands)


def test_numeric_key_results_that_became_a_json_array_keep_their_key() -> None:
    result = _parse("batch.real.numeric-cmd-keys", "crm.dealcategory.stage.list")
    only = result["0"]
    assert isinstance(only, CommandResult)
    assert [s["STATUS_ID"] for s in only.result][:2] == ["NEW", "PREPARATION"]
    assert only.time is not None
    assert only.time["operating_reset_at"] == 1670596904


def test_numeric_keys_out_of_order_stay_an_object() -> None:
    result = _parse("batch.real.dealcategory.stage.list", "crm.dealcategory.stage.list")
    assert set(result.results()) == {"0", "2", "4", "8"}
    first_of = {k: o.result[0]["STATUS_ID"] for k, o in result.results().items()}
    assert first_of == {"0": "NEW", "2": "C2:NEW", "4": "C4:NEW", "8": "C8:NEW"}


def test_all_failed_errors_listed_as_array_map_to_their_commands() -> None:
    result = _parse("batch.real.all-commands-failed", "crm.lead.get")
    errors = result.errors()
    assert set(errors) == {"0", "1"}
    assert "ID is not defined or invalid." in str(errors["0"].error)
    assert "Not found" in str(errors["1"].error)
    assert isinstance(errors["0"].error, RecordRejected)


def test_mixed_success_and_errors() -> None:
    result = _parse("batch.real.mixed", "crm.lead.get")
    assert isinstance(result["35943"], CommandResult)
    assert result["35943"].result == {"ID": "35943"}
    assert isinstance(result["0"], CommandFailed)
    assert isinstance(result["1"], CommandFailed)


def test_single_failed_command() -> None:
    failed = _parse("batch.real.invalid-id", "crm.lead.get")["0"]
    assert isinstance(failed, CommandFailed)
    assert failed.method == "crm.lead.get"


def test_empty_list_result_with_total_zero() -> None:
    outcome = _parse("batch.real.list-empty", "crm.lead.list")["order0000000000"]
    assert isinstance(outcome, CommandResult)
    assert (outcome.result, outcome.total, outcome.next) == ([], 0, None)


def test_add_result_and_operating_time_per_command() -> None:
    outcome = _parse("batch.real.contact.add", "crm.contact.add")["order0000000000"]
    assert isinstance(outcome, CommandResult)
    assert outcome.result == 58943
    assert outcome.time is not None
    assert outcome.time["operating"] == 0


@pytest.mark.parametrize("missing", ["sources", "later"])
def test_named_keys_and_a_command_that_never_ran(missing: str) -> None:
    capture = CAPTURES["batch.real.named-keys"]
    commands = {key: Command("crm.status.entity.items") for key in capture["keys"]}
    commands["later"] = Command("crm.status.entity.items")
    result = parse_batch(capture["response"], commands)
    assert isinstance(result["statuses"], CommandResult)
    if missing == "later":
        assert isinstance(result["later"], CommandNotRun)
    else:
        assert isinstance(result["sources"], CommandResult)
        assert result["sources"].result[0]["STATUS_ID"] == "CALL"
