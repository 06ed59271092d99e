"""Settings: precedence file < environment, secrets from files, one clear line per problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from hhsync.config import SECRET_MASK, LogFormat, load_settings, masked
from hhsync.errors import ConfigError

KEY = "x" * 43 + "="  # shape only; not validated as Fernet here


@pytest.fixture(autouse=True)
def _isolated_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The default config path is relative to the working directory: keep a developer's file out.
    monkeypatch.chdir(tmp_path)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hhsync.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_need_no_file_and_use_the_embedded_database() -> None:
    settings = load_settings(environ={})
    assert settings.embedded_database
    assert settings.sync.poll_interval_s == 60
    assert settings.hh.requests_per_s == 10
    assert settings.bitrix.burst == 50


def test_file_overrides_defaults_and_environment_overrides_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [sync]
        poll_interval_s = 120
        max_concurrent_passes = 7
        [log]
        format = "json"
        """,
    )
    settings = load_settings(path, environ={"HHSYNC_SYNC__POLL_INTERVAL_S": "30"})
    assert settings.sync.poll_interval_s == 30  # environment wins
    assert settings.sync.max_concurrent_passes == 7  # file wins over default
    assert settings.log.format is LogFormat.JSON


def test_config_path_from_environment(tmp_path: Path) -> None:
    path = write(tmp_path, "[web]\nport = 9999\n")
    settings = load_settings(environ={"HHSYNC_CONFIG": str(path)})
    assert settings.web.port == 9999


def test_secret_from_file_variable(tmp_path: Path) -> None:
    secret = tmp_path / "hh_secret"
    secret.write_text("s3cr3t-value\n", encoding="utf-8")
    settings = load_settings(environ={"HHSYNC_HH__CLIENT_SECRET_FILE": str(secret)})
    assert settings.hh.client_secret is not None
    assert settings.hh.client_secret.get_secret_value() == "s3cr3t-value"


def test_secret_from_file_key_in_toml(tmp_path: Path) -> None:
    secret = tmp_path / "b24_secret"
    secret.write_text("from-toml-file", encoding="utf-8")
    path = write(tmp_path, f'[bitrix]\nclient_secret_file = "{secret}"\n')
    settings = load_settings(path, environ={})
    assert settings.bitrix.client_secret is not None
    assert settings.bitrix.client_secret.get_secret_value() == "from-toml-file"


def test_secret_from_systemd_credentials_directory(tmp_path: Path) -> None:
    (tmp_path / "token_key").write_text(KEY, encoding="utf-8")
    settings = load_settings(environ={"CREDENTIALS_DIRECTORY": str(tmp_path)})
    assert settings.security.token_key is not None
    assert settings.security.token_key.get_secret_value() == KEY


def test_every_problem_is_named_with_key_and_variable(tmp_path: Path) -> None:
    path = write(tmp_path, "[sync]\npoll_interval_s = 0\n[hh]\nrequests_per_s = -1\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={"HHSYNC_WEB__PORT": "not-a-port"})
    problems = caught.value.problems
    assert len(problems) == 3
    assert any(
        p.startswith("sync.poll_interval_s:") and "HHSYNC_SYNC__POLL_INTERVAL_S" in p
        for p in problems
    )
    assert any(p.startswith("hh.requests_per_s:") for p in problems)
    assert any(p.startswith("web.port:") for p in problems)
    assert "\n" not in "".join(problems)


def test_unknown_keys_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "[sync]\npoll_intervall_s = 5\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={"HHSYNC_SYNK__X": "1"})
    text = str(caught.value)
    assert "sync.poll_intervall_s: unknown setting" in text
    assert "HHSYNC_SYNK__X: unknown setting variable" in text


def test_invalid_toml_and_missing_explicit_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "[sync\n"), environ={})
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_unreadable_or_empty_secret_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("  \n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(
            environ={
                "HHSYNC_HH__CLIENT_SECRET_FILE": str(empty),
                "HHSYNC_BITRIX__CLIENT_SECRET_FILE": str(tmp_path / "missing"),
            }
        )
    text = str(caught.value)
    assert "hh.client_secret: secret file" in text
    assert "is empty" in text
    assert "bitrix.client_secret: secret file" in text
    assert "cannot be read" in text


def test_postgres_requires_a_token_key() -> None:
    with pytest.raises(ConfigError, match=r"security\.token_key is required"):
        load_settings(environ={"HHSYNC_DATABASE__URL": "postgresql://hhsync@127.0.0.1/hhsync"})


def test_database_url_must_be_postgres_or_sqlite() -> None:
    with pytest.raises(ConfigError, match=r"database\.url: must be a postgresql"):
        load_settings(environ={"HHSYNC_DATABASE__URL": "mysql://root:pw@db/x"})


def test_masked_hides_every_secret_and_url_password(tmp_path: Path) -> None:
    settings = load_settings(
        environ={
            "HHSYNC_DATABASE__URL": "postgresql://hhsync:hunter2@db:5432/hhsync",
            "HHSYNC_SECURITY__TOKEN_KEY": KEY,
            "HHSYNC_HH__CLIENT_SECRET": "hh-secret-value",
            "HHSYNC_BITRIX__CLIENT_SECRET": "b24-secret-value",
        }
    )
    data = masked(settings)
    text = repr(data)
    for secret in ("hunter2", KEY, "hh-secret-value", "b24-secret-value"):
        assert secret not in text
    assert data["hh"]["client_secret"] == SECRET_MASK
    assert data["database"]["url"] == f"postgresql://hhsync:{SECRET_MASK}@db:5432/hhsync"
    assert data["security"]["state_signing_key"] is None


def test_example_file_names_every_setting_and_parses_uncommented() -> None:
    example = Path(__file__).parents[2] / "config" / "hhsync.example.toml"
    text = example.read_text(encoding="utf-8")
    settings = load_settings(environ={})
    for section, values in settings.model_dump().items():
        keys = values.keys() if isinstance(values, dict) else [section]
        for key in keys:
            assert f"# {key} = " in text, f"config/hhsync.example.toml lacks {section}.{key}"
    # Uncommenting the example's values (but the secrets, which need real files) stays valid.
    uncommented = "\n".join(
        line[2:] if line.startswith("# ") and " = " in line and "_file" not in line else line
        for line in text.splitlines()
    )
    uncommented = uncommented.replace('token_key = ""', "").replace('state_signing_key = ""', "")
    path = Path("uncommented.toml")
    path.write_text(uncommented, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"security\.token_key is required"):
        load_settings(path, environ={})  # the example URL is PostgreSQL: it needs a key
    loaded = load_settings(path, environ={"HHSYNC_SECURITY__TOKEN_KEY": KEY})
    assert loaded.database.url == "postgresql://hhsync@127.0.0.1:5432/hhsync"


def test_a_lease_too_short_for_the_bitrix_request_timeout_is_refused() -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(environ={"HHSYNC_SYNC__LEASE_TTL_S": "10"})
    assert "sync.lease_ttl_s (10 s) is too short for bitrix.request_timeout_s (30 s)" in str(
        refused.value
    )
    assert "at least 64 s" in str(refused.value)
    fits = load_settings(
        environ={"HHSYNC_SYNC__LEASE_TTL_S": "10", "HHSYNC_BITRIX__REQUEST_TIMEOUT_S": "3"}
    )
    assert fits.bitrix.request_timeout_s == 3
