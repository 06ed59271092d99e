"""`hhsync demo --duration` as a user runs it: sandboxes, daemon, live counts, clean exit."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from hhsync.testing.daemon import clean_environ

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


def test_ctrl_c_stops_the_demo_cleanly(tmp_path: Path) -> None:
    demo = subprocess.Popen(
        [sys.executable, "-m", "hhsync", "demo"],
        cwd=tmp_path,
        env={**clean_environ(), "HHSYNC_LOG__FORMAT": "json"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert demo.stdout is not None
        for line in demo.stdout:  # bounded by the process: it prints this once it is up
            if "Ctrl-C stops the demo" in line:
                break
        demo.send_signal(signal.SIGINT)
        out, err = demo.communicate(timeout=60)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    assert demo.returncode == 0, err[-3000:]
    assert "Traceback" not in err
    assert out.strip().splitlines()[-1].startswith("demo stopped:")
