"""The command line as a user runs it: a real `hhsync` process, real databases (version, config,
schema commands, the sandbox command)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from hhsync import __version__
from hhsync.db.crypto import TokenCipher

pytestmark = pytest.mark.slow


def hhsync(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `python -m hhsync` with a clean HHSYNC_* environment."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("HHSYNC_")}
    return subprocess.run(
        [sys.executable, "-m", "hhsync", *args],
        cwd=cwd,
        env={**base, "HHSYNC_LOG__FORMAT": "json", **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_version(tmp_path: Path) -> None:
    result = hhsync("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"hhsync {__version__}"


def test_config_check_masks_secrets(tmp_path: Path) -> None:
    key = TokenCipher.generate_key()
    result = hhsync(
        "config",
        "check",
        cwd=tmp_path,
        env={
            "HHSYNC_SECURITY__TOKEN_KEY": key,
            "HHSYNC_HH__CLIENT_SECRET": "hh-very-secret",
            "HHSYNC_DATABASE__URL": "postgresql://u:pg-password@127.0.0.1/x",
        },
    )
    assert result.returncode == 0, result.stderr
    for secret in (key, "hh-very-secret", "pg-password"):
        assert secret not in result.stdout + result.stderr
    assert 'client_secret = "********"' in result.stdout
    assert "configuration OK; database: PostgreSQL" in result.stdout


def test_config_error_is_one_line_per_problem_and_exit_2(tmp_path: Path) -> None:
    result = hhsync("config", "check", cwd=tmp_path, env={"HHSYNC_WEB__PORT": "99999"})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "web.port:" in result.stderr
    assert "HHSYNC_WEB__PORT" in result.stderr


def test_run_refuses_to_serve_the_app_without_what_it_needs(tmp_path: Path) -> None:
    result = hhsync("run", cwd=tmp_path, env={"HHSYNC_WEB__PUBLIC_URL": "http://hhsync.example"})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    for key in ("bitrix.client_id", "bitrix.client_secret", "hh.client_id", "web.public_url"):
        assert key in result.stderr
    assert "must be https://" in result.stderr
    # `config check` still passes: these are the daemon's start-up checks, not the model's
    assert hhsync("config", "check", cwd=tmp_path).returncode == 0


@pytest.mark.postgres
def test_db_upgrade_creates_the_schema_on_postgres(
    tmp_path: Path, pg_admin_url: str, fresh_db_name: str
) -> None:
    url = make_url(pg_admin_url).set(database=fresh_db_name).render_as_string(hide_password=False)
    env = {"HHSYNC_DATABASE__URL": url, "HHSYNC_SECURITY__TOKEN_KEY": TokenCipher.generate_key()}
    before = hhsync("db", "current", cwd=tmp_path, env=env)
    assert before.returncode == 1
    assert "database: empty" in before.stdout
    upgraded = hhsync("db", "upgrade", cwd=tmp_path, env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "(was empty)" in upgraded.stdout
    after = hhsync("db", "current", cwd=tmp_path, env=env)
    assert after.returncode == 0
    assert "up to date" in after.stdout
    down = hhsync("db", "downgrade", "base", cwd=tmp_path, env=env)
    assert down.returncode == 0
    assert "base (empty)" in down.stdout


def test_db_upgrade_on_embedded_sqlite_needs_nothing(tmp_path: Path) -> None:
    result = hhsync("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "var" / "hhsync.sqlite3").is_file()


def test_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    env = {
        "HHSYNC_DATABASE__URL": "postgresql://nobody@127.0.0.1:1/none",
        "HHSYNC_SECURITY__TOKEN_KEY": TokenCipher.generate_key(),
    }
    result = hhsync("db", "upgrade", cwd=tmp_path, env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "hhsync: cannot read the schema revision" in result.stderr


@pytest.mark.parametrize("argv", [["db"], ["config"]])
def test_groups_show_help(tmp_path: Path, argv: list[str]) -> None:
    result = hhsync(*argv, cwd=tmp_path)
    assert "Usage" in result.stdout + result.stderr


def test_sandbox_command_serves_both_sandboxes(tmp_path: Path) -> None:
    import time

    import httpx

    from hhsync.testing.server import free_port

    hh_port, b24_port = free_port(), free_port()
    base = {k: v for k, v in os.environ.items() if not k.startswith("HHSYNC_")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hhsync",
            "sandbox",
            "all",
            "--hh-port",
            str(hh_port),
            "--bitrix-port",
            str(b24_port),
        ],
        cwd=tmp_path,
        env=base,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                hh = httpx.get(
                    f"http://127.0.0.1:{hh_port}/_sandbox/state", headers={"User-Agent": "tests"}
                )
                b24 = httpx.get(f"http://127.0.0.1:{b24_port}/_sandbox/portals")
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    pytest.fail("sandboxes did not start")
                time.sleep(0.2)
        assert hh.status_code == 200
        assert hh.json()["employers"]
        assert b24.json()[0]["domain"] == "demo.bitrix24.ru"
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()


def test_sandbox_command_refuses_an_unknown_name(tmp_path: Path) -> None:
    result = hhsync("sandbox", "github", cwd=tmp_path)
    assert result.returncode == 2
    assert "choose hh, bitrix or all" in result.stderr
