"""Loading the settings: the TOML file, secret files and systemd credentials, then validation.

Precedence, highest first: ``HHSYNC_*`` environment variables (nested keys joined by ``__``,
e.g. ``HHSYNC_DATABASE__URL``), then the TOML file (``config/hhsync.toml``, or the path in
``HHSYNC_CONFIG``), then the defaults in :mod:`hhsync.config.settings`. Every secret can also come
from a file: the ``*_file`` key (``HHSYNC_HH__CLIENT_SECRET_FILE``) or a systemd credential of the
same name in ``$CREDENTIALS_DIRECTORY`` (``LoadCredential=hh_client_secret:...``).

A wrong or missing setting raises :class:`ConfigError` with one line per problem naming the key and
the variable that sets it, so start-up fails with a sentence rather than a traceback.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from hhsync.config.settings import (
    ENV_NESTED_DELIMITER,
    ENV_PREFIX,
    SECRET_MASK,
    Settings,
    build_settings,
    mask_url,
)
from hhsync.errors import ConfigError

DEFAULT_CONFIG_PATH = Path("config/hhsync.toml")

# Secrets that may come from files: (section, key) -> systemd credential name.
SECRET_FILE_KEYS: dict[tuple[str, str], str] = {
    ("hh", "client_secret"): "hh_client_secret",
    ("bitrix", "client_secret"): "bitrix_client_secret",
    ("security", "token_key"): "token_key",
    ("security", "state_signing_key"): "state_signing_key",
}


def load_settings(
    config_path: Path | None = None, environ: dict[str, str] | None = None
) -> Settings:
    """Build the validated settings from the TOML file, secret files and ``HHSYNC_*`` variables.

    Args:
        config_path: explicit file; else ``HHSYNC_CONFIG`` or ``config/hhsync.toml`` if present.
        environ: the environment to read (defaults to ``os.environ``; tests pass their own).

    Raises:
        ConfigError: naming every wrong or missing key, one per line.
    """
    env = dict(os.environ if environ is None else environ)
    explicit = config_path or (Path(env["HHSYNC_CONFIG"]) if env.get("HHSYNC_CONFIG") else None)
    path = explicit or DEFAULT_CONFIG_PATH
    file_values: dict[str, Any] = {}
    if path.exists():
        try:
            file_values = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError([f"{path}: not valid TOML: {exc}"]) from exc
        except OSError as exc:
            raise ConfigError([f"{path}: cannot be read: {exc.strerror}"]) from exc
    elif explicit is not None:
        raise ConfigError([f"{path}: configuration file not found (HHSYNC_CONFIG / --config)"])

    problems: list[str] = _unknown_variables(env)
    _merge_secret_files(file_values, env, problems)
    try:
        settings = build_settings(file_values, env)
    except ValidationError as exc:
        raise ConfigError(problems + _describe(exc, path)) from exc
    if problems:
        raise ConfigError(problems)
    return settings


# Variables with our prefix that are not settings: the config path and the test harness's own.
_NON_SETTING_VARIABLES = ("HHSYNC_CONFIG", "HHSYNC_TEST_")


def _unknown_variables(env: Mapping[str, str]) -> list[str]:
    """Name every ``HHSYNC_*`` variable that sets nothing: a typo must not pass silently."""
    problems = []
    for name in sorted(env):
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX) or upper.startswith(_NON_SETTING_VARIABLES):
            continue
        path = upper[len(ENV_PREFIX) :].lower().split(ENV_NESTED_DELIMITER)
        if path[-1].endswith("_file") and (*path[:-1], path[-1][:-5]) in SECRET_FILE_KEYS:
            continue
        if not _is_setting(path):
            problems.append(f"{name}: unknown setting variable; check the spelling")
    return problems


def _is_setting(path: list[str]) -> bool:
    fields = Settings.model_fields
    if len(path) == 1:
        return path[0] in fields and not _is_section(path[0])
    if len(path) == 2 and path[0] in fields and _is_section(path[0]):
        annotation = fields[path[0]].annotation
        return isinstance(annotation, type) and path[1] in annotation.model_fields
    return False


def _is_section(name: str) -> bool:
    annotation = Settings.model_fields[name].annotation
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _merge_secret_files(values: dict[str, Any], env: dict[str, str], problems: list[str]) -> None:
    """Resolve ``*_file`` keys, ``*_FILE`` variables and systemd credentials into secret values."""
    cred_dir = env.get("CREDENTIALS_DIRECTORY")
    for (section, key), credential in SECRET_FILE_KEYS.items():
        sect = values.setdefault(section, {})
        if not isinstance(sect, dict):
            continue  # reported by validation as a wrong type
        env_file_var = f"{ENV_PREFIX}{section.upper()}{ENV_NESTED_DELIMITER}{key.upper()}_FILE"
        file_key = f"{key}_file"
        source: str | None = None
        file_path: Path | None = None
        if env.get(env_file_var):
            file_path, source = Path(env[env_file_var]), env_file_var
        elif sect.get(file_key):
            file_path, source = Path(str(sect[file_key])), f"{section}.{file_key}"
        elif cred_dir and (Path(cred_dir) / credential).is_file():
            file_path, source = Path(cred_dir) / credential, f"systemd credential {credential}"
        sect.pop(file_key, None)
        if file_path is None:
            continue
        try:
            secret = file_path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            problems.append(
                f"{section}.{key}: secret file {file_path} from {source} cannot be read: "
                f"{exc.strerror or exc}"
            )
            continue
        if not secret:
            problems.append(f"{section}.{key}: secret file {file_path} from {source} is empty")
            continue
        sect[key] = secret
        sect[file_key] = str(file_path)


def _describe(exc: ValidationError, path: Path) -> list[str]:
    """Turn pydantic's report into one line per problem naming the key and its variable."""
    lines = []
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        key = ".".join(loc)
        message = str(error["msg"]).removeprefix("Value error, ")
        if not loc:
            lines.append(message)
            continue
        var = ENV_PREFIX + ENV_NESTED_DELIMITER.join(part.upper() for part in loc)
        if error["type"] == "extra_forbidden":
            lines.append(f"{key}: unknown setting (in {path} or {var}); check the spelling")
        else:
            lines.append(f"{key}: {message} (set in {path} or {var})")
    return lines


def masked(settings: Settings) -> dict[str, Any]:
    """The effective settings as plain data with every secret hidden (for ``config check``)."""
    data = settings.model_dump(mode="json")
    for section, key in SECRET_FILE_KEYS:
        value = getattr(getattr(settings, section), key)
        data[section][key] = None if value is None else SECRET_MASK
    if data["database"]["url"]:
        data["database"]["url"] = mask_url(data["database"]["url"])
    return data
