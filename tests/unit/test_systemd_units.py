"""The shipped systemd units: systemd itself accepts them, and they say what the service needs.

``systemd-analyze verify`` is the authority where it exists; the configparser checks pin the
directives hhsync depends on (notify protocol, credentials by the names hhsync.config reads, the
state directory, hardening) everywhere, including machines without systemd.
"""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from hhsync.config import SECRET_FILE_KEYS, load_settings
from hhsync.db.crypto import TokenCipher

SYSTEMD_DIR = Path(__file__).resolve().parents[2] / "systemd"
SERVICE = SYSTEMD_DIR / "hhsync.service"
MIGRATE = SYSTEMD_DIR / "hhsync-migrate.service"
ENV_EXAMPLE = SYSTEMD_DIR / "hhsync.env.example"

REQUIRED_CREDENTIALS = {"hh_client_secret", "bitrix_client_secret", "token_key"}
HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes",
    "ProtectKernelLogs": "yes",
    "ProtectControlGroups": "yes",
    "RestrictNamespaces": "yes",
    "RestrictSUIDSGID": "yes",
    "CapabilityBoundingSet": "",
    "StateDirectory": "hhsync",
}


class _RepeatedKeys(dict[str, Any]):
    """Keeps every value of a repeated key (systemd allows LoadCredential= many times).

    While reading, configparser stores each option as a list of lines and assigns a fresh list
    on a repeated key; extending instead of replacing keeps all of them, joined by newlines.
    """

    def __setitem__(self, key: str, value: Any) -> None:
        current = self.get(key)
        if isinstance(value, list) and isinstance(current, list):
            current.extend(value)
        else:
            super().__setitem__(key, value)


class _UnitParser(configparser.RawConfigParser):
    def optionxform(self, optionstr: str) -> str:
        return optionstr  # systemd keys are case-sensitive


class Unit:
    """A parsed unit file: ``values(section, key)`` lists every assignment, in order."""

    def __init__(self, path: Path) -> None:
        self.parser = _UnitParser(
            dict_type=_RepeatedKeys,
            strict=False,
            empty_lines_in_values=False,
            interpolation=None,
        )
        self.parser.read_string(path.read_text(encoding="utf-8"), source=str(path))

    def values(self, section: str, key: str) -> list[str]:
        """Every value assigned to ``key`` (empty when the key is absent)."""
        if not self.parser.has_option(section, key):
            return []
        return self.parser.get(section, key).split("\n")

    def value(self, section: str, key: str) -> str:
        """The one value of ``key``; fails when the key is absent or repeated."""
        values = self.values(section, key)
        assert len(values) == 1, f"{section}.{key}: expected one value, got {values}"
        return values[0]

    def words(self, section: str, key: str) -> set[str]:
        """Space-separated items over every assignment (After=, RestrictAddressFamilies=, …)."""
        return {word for value in self.values(section, key) for word in value.split()}


@pytest.fixture(scope="module")
def service() -> Unit:
    return Unit(SERVICE)


@pytest.fixture(scope="module")
def migrate() -> Unit:
    return Unit(MIGRATE)


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None,
    reason="systemd-analyze is not installed (apt-get install systemd); the directive checks "
    "below still run",
)
def test_systemd_analyze_verify_accepts_both_units() -> None:
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(SERVICE), str(MIGRATE)],
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    # Unknown keys are only warnings (exit code 0), so the output must not mention our units.
    complaints = [line for line in output.splitlines() if "hhsync" in line]
    assert result.returncode == 0, output
    assert complaints == []


def test_service_speaks_the_notify_protocol_with_a_watchdog(service: Unit) -> None:
    assert service.value("Service", "Type") == "notify"
    assert service.value("Service", "NotifyAccess") == "main"
    watchdog = service.value("Service", "WatchdogSec")
    assert watchdog.endswith("s")
    assert int(watchdog.removesuffix("s")) > 0
    assert service.value("Service", "Restart") == "on-failure"
    assert service.value("Service", "ExecStart").split()[-2:] == ["hhsync", "run"]
    assert service.value("Install", "WantedBy") == "multi-user.target"


def test_service_runs_the_migration_unit_first(service: Unit, migrate: Unit) -> None:
    assert "hhsync-migrate.service" in service.words("Unit", "Requires")
    assert "hhsync-migrate.service" in service.words("Unit", "After")
    assert "hhsync.service" in migrate.words("Unit", "Before")
    assert migrate.value("Service", "Type") == "oneshot"
    assert migrate.value("Service", "ExecStart").split()[-3:] == ["hhsync", "db", "upgrade"]
    assert not migrate.parser.has_section("Install")  # pulled in by hhsync.service only


@pytest.mark.parametrize("unit_path", [SERVICE, MIGRATE], ids=lambda path: path.name)
def test_units_run_unprivileged_and_hardened(unit_path: Path) -> None:
    unit = Unit(unit_path)
    assert unit.value("Service", "User") == "hhsync"
    for key, expected in HARDENING.items():
        assert unit.value("Service", key) == expected, key
    assert unit.words("Service", "RestrictAddressFamilies") == {"AF_INET", "AF_INET6", "AF_UNIX"}
    assert "@system-service" in unit.values("Service", "SystemCallFilter")
    assert unit.value("Service", "EnvironmentFile") == "/etc/hhsync/hhsync.env"
    # The state directory systemd creates is the one hhsync is told to use.
    assert "HHSYNC_STATE_DIR=%S/hhsync" in unit.values("Service", "Environment")


def test_service_loads_the_secrets_config_reads_by_name(service: Unit, migrate: Unit) -> None:
    def credentials(unit: Unit) -> dict[str, str]:
        pairs = (value.split(":", 1) for value in unit.values("Service", "LoadCredential"))
        return {name: path for name, path in pairs}

    known = set(SECRET_FILE_KEYS.values())
    loaded = credentials(service)
    assert set(loaded) == REQUIRED_CREDENTIALS
    assert set(loaded) <= known
    assert all(path == f"/etc/hhsync/credentials/{name}" for name, path in loaded.items())
    # The migration validates settings too, and PostgreSQL settings need the token key.
    assert credentials(migrate) == {"token_key": "/etc/hhsync/credentials/token_key"}


def test_env_example_holds_only_real_settings(tmp_path: Path) -> None:
    """Every variable in the example, commented-out ones included, is accepted by hhsync.config."""
    environ: dict[str, str] = {}
    for raw in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = raw.lstrip("# ").strip()
        if not line.startswith("HHSYNC_") or "=" not in line:
            continue
        name, value = line.split("=", 1)
        if name != "HHSYNC_CONFIG":  # names a file that exists only on the server
            environ[name] = value
    assert "HHSYNC_DATABASE__URL" in environ
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "token_key").write_text(TokenCipher.generate_key(), encoding="utf-8")
    environ["CREDENTIALS_DIRECTORY"] = str(credentials)
    empty_config = tmp_path / "hhsync.toml"
    empty_config.write_text("", encoding="utf-8")

    settings = load_settings(config_path=empty_config, environ=environ)

    assert settings.database.url == environ["HHSYNC_DATABASE__URL"]
    assert settings.web.host == "127.0.0.1"
    assert settings.security.token_key is not None
