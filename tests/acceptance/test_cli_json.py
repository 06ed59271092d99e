"""Every ``--json`` command as a script reads it: standard output is one JSON document and nothing
else, log lines go to standard error in the configured format (real processes, real PostgreSQL,
both sandboxes over HTTP, a portal installed the way the app installs one)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from hhsync.testing.daemon import daemon_env
from hhsync.testing.world import World

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

PASS_EVENTS = {"sync.pass_started", "sync.pass_finished"}


def json_commands(portal: str) -> list[list[str]]:
    """Every command that takes ``--json``, in an order that leaves each one something to say."""
    return [
        ["config", "check", "--json"],
        ["resync", "--portal", portal, "--dry-run", "--json"],
        ["resync", "--portal", portal, "--json"],
        ["retry-failed", "--portal", portal, "--json"],
        ["status", "--json"],
        ["portals", "list", "--json"],
        ["portals", "show", portal, "--json"],
        ["doctor", "--json"],
    ]


def hhsync(world: World, db_url: str, argv: list[str], log_format: str) -> tuple[Any, str]:
    """Run one command; its parsed standard output and its standard error."""
    result = subprocess.run(
        [sys.executable, "-m", "hhsync", *argv],
        env=daemon_env(world, db_url, HHSYNC_LOG__FORMAT=log_format, HHSYNC_LOG__LEVEL="info"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"{argv}: {result.stderr[-2000:]}"
    try:
        document = json.loads(result.stdout)
    except json.JSONDecodeError as exc:
        pytest.fail(f"{argv}: standard output is not one JSON document ({exc}):\n{result.stdout}")
    return document, result.stderr


def json_log_lines(argv: list[str], stderr: str) -> list[dict[str, Any]]:
    """Every line of standard error as a JSON log record (the test fails on any other line)."""
    records = []
    for line in stderr.splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            pytest.fail(f"{argv}: a standard-error line is not a JSON log record: {line!r}")
        assert isinstance(record, dict), line
        assert {"event", "level", "timestamp"} <= record.keys(), line
        records.append(record)
    return records


def test_json_commands_print_only_json_and_log_json_to_stderr(world: World, db_url: str) -> None:
    portal = str(world.portal_id)
    outputs: dict[str, Any] = {}
    for argv in json_commands(portal):
        document, stderr = hhsync(world, db_url, argv, "json")
        records = json_log_lines(argv, stderr)
        if argv[0] in ("resync", "retry-failed") and "--dry-run" not in argv:
            assert {r["event"] for r in records} >= PASS_EVENTS, (argv, stderr)
        outputs[" ".join(argv)] = document
    expected = world.hh_negotiations()
    assert outputs["config check --json"]["log"]["format"] == "json"
    planned = outputs[f"resync --portal {portal} --dry-run --json"]["actions"]
    assert len([a for a in planned if a["action"] == "CreateEntity"]) == expected
    assert outputs[f"resync --portal {portal} --json"]["created"] == expected
    assert outputs[f"retry-failed --portal {portal} --json"]["failed"] == 0
    assert outputs["status --json"][0]["domain"] == world.domain
    assert outputs["portals list --json"][0]["id"] == world.portal_id
    assert outputs[f"portals show {portal} --json"]["counts"]["synced"] == expected
    assert all(check["ok"] for check in outputs["doctor --json"])


def test_console_log_format_still_leaves_stdout_to_json(world: World, db_url: str) -> None:
    portal = str(world.portal_id)
    argv = ["retry-failed", "--portal", portal, "--json"]
    report, stderr = hhsync(world, db_url, argv, "console")
    assert report["created"] == world.hh_negotiations()
    logged = [line for line in stderr.splitlines() if "sync.pass_finished" in line]
    assert logged, stderr
    for line in logged:
        with pytest.raises(json.JSONDecodeError):
            json.loads(line)
