"""What the daemon checks before its web handler serves the app, beyond each setting's own rules.

``hhsync config check`` and the commands that never serve the app (status, resync…) need none of
this, and the demo and tests set their own values; so these checks run where the handler starts
(``hhsync run``), each failing one a sentence naming the setting and how to fix it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import SecretStr

from hhsync.config.settings import Settings
from hhsync.errors import ConfigError
from hhsync.model.hosts import is_loopback


def _missing(secret: SecretStr | None) -> bool:
    return secret is None or not secret.get_secret_value().strip()


def web_app_problems(settings: Settings) -> list[str]:
    """Every reason the handler cannot serve the Bitrix24 app and the hh.ru login; [] when none."""
    problems: list[str] = []
    if not settings.bitrix.client_id.strip():
        problems.append(
            "bitrix.client_id: required to serve the Bitrix24 app (HHSYNC_BITRIX__CLIENT_ID: the "
            "application's client_id from the portal's developer resources or the partner console)"
        )
    if _missing(settings.bitrix.client_secret):
        problems.append(
            "bitrix.client_secret: required to serve the Bitrix24 app (HHSYNC_BITRIX__CLIENT_SECRET"
            " or HHSYNC_BITRIX__CLIENT_SECRET_FILE)"
        )
    if not settings.hh.client_id.strip():
        problems.append(
            "hh.client_id: required for the hh.ru login (HHSYNC_HH__CLIENT_ID: the application's "
            "Client ID at dev.hh.ru)"
        )
    if _missing(settings.hh.client_secret):
        problems.append(
            "hh.client_secret: required for the hh.ru login (HHSYNC_HH__CLIENT_SECRET or "
            "HHSYNC_HH__CLIENT_SECRET_FILE)"
        )
    problems.extend(_public_url_problems(str(settings.web.public_url)))
    return problems


def _public_url_problems(url: str) -> list[str]:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.username is not None or parts.password is not None:
        return ["web.public_url: must not carry a user or password (HHSYNC_WEB__PUBLIC_URL)"]
    if parts.query or parts.fragment:
        return ["web.public_url: must not carry a query or fragment (HHSYNC_WEB__PUBLIC_URL)"]
    if parts.scheme != "https" and not is_loopback(host):
        return [
            f"web.public_url: must be https:// for a non-loopback host ({host}): Bitrix24 opens "
            "the app in an HTTPS page and sends tokens to it (HHSYNC_WEB__PUBLIC_URL)"
        ]
    return []


def check_web_app(settings: Settings) -> None:
    """Refuse to serve the app with settings it cannot work with.

    Raises:
        ConfigError: one line per problem.
    """
    problems = web_app_problems(settings)
    if problems:
        raise ConfigError(problems)
