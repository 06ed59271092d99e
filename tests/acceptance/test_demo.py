"""`hhsync demo --duration` as a user runs it: sandboxes, daemon, live counts, clean exit."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.acceptance.conftest import clean_environ

pytestmark = pytest.mark.slow


def test_demo_runs_bounded_and_fills_the_crm(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hhsync", "demo", "--duration", "20"],
        cwd=tmp_path,
        env={**clean_environ(), "HHSYNC_LOG__FORMAT": "json"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "/_sandbox/portal/demo.bitrix24.ru/crm" in result.stdout
    assert "/_sandbox/state" in result.stdout
    assert "/metrics" in result.stdout
    last = result.stdout.strip().splitlines()[-1]
    found = re.search(r"CRM leads:\s+(\d+)", last)
    assert last.startswith("demo stopped:"), last
    assert found is not None, last
    assert int(found.group(1)) > 0
    assert (tmp_path / "var" / "demo" / "hhsync.sqlite3").exists()
