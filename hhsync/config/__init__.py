"""Settings: the only package that reads the environment and configuration files.

:mod:`hhsync.config.settings` is the validated model (sections, defaults, limits);
:mod:`hhsync.config.loading` builds it from the TOML file, secret files, systemd credentials and
``HHSYNC_*`` variables, and reports every problem at once as a :class:`ConfigError`.
"""

from hhsync.config.checks import check_web_app, web_app_problems
from hhsync.config.loading import DEFAULT_CONFIG_PATH, SECRET_FILE_KEYS, load_settings, masked
from hhsync.config.settings import (
    ENV_NESTED_DELIMITER,
    ENV_PREFIX,
    SECRET_MASK,
    BitrixSettings,
    DatabaseSettings,
    HhSettings,
    LogFormat,
    LogSettings,
    SecuritySettings,
    Settings,
    SyncSettings,
    WebSettings,
)

__all__ = [
    "DEFAULT_CONFIG_PATH",
    "ENV_NESTED_DELIMITER",
    "ENV_PREFIX",
    "SECRET_FILE_KEYS",
    "SECRET_MASK",
    "BitrixSettings",
    "DatabaseSettings",
    "HhSettings",
    "LogFormat",
    "LogSettings",
    "SecuritySettings",
    "Settings",
    "SyncSettings",
    "WebSettings",
    "check_web_app",
    "load_settings",
    "masked",
    "web_app_problems",
]
