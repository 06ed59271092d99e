"""Both sandboxes and the daemon's settings wired for the front door, as a real setup would be.

The Bitrix24 sandbox opens the daemon's installer and app page in its frame (the application's
"initial installation path" and handler URL); the hh.ru sandbox's demo application has the
daemon's callback as its registered redirect URI; the daemon uses both demo applications, sends
people to the hh.ru sandbox's login page and trusts the Bitrix24 sandbox's OAuth server (the host
its ``SERVER_ENDPOINT`` names). The demo and the door's end-to-end tests share this, so the
sandboxes' applications and the daemon's credentials cannot drift apart.
"""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import urlsplit

from pydantic import AnyHttpUrl, SecretStr

from hhsync.config import Settings
from hhsync.sandbox.bitrix.app import BitrixSandboxConfig
from hhsync.sandbox.hh.app import HhSandboxConfig
from hhsync.web.bitrix_door.context import APP_PATH, INSTALL_PATH
from hhsync.web.hh_login.app_config import CALLBACK_PATH


def bitrix_for_door(public_url: str, **config: Any) -> BitrixSandboxConfig:
    """A Bitrix24 sandbox whose portals open the daemon at ``public_url`` (no demo portals)."""
    base = public_url.rstrip("/")
    config.setdefault("demo_portals", ())
    return BitrixSandboxConfig(
        app_url=f"{base}{APP_PATH}", install_url=f"{base}{INSTALL_PATH}", **config
    )


def hh_for_door(public_url: str, config: HhSandboxConfig) -> HhSandboxConfig:
    """``config`` with its demo application registered at the daemon's callback."""
    callback = f"{public_url.rstrip('/')}{CALLBACK_PATH}"
    return dataclasses.replace(config, registered_redirect_uri=callback)


def door_settings(
    base: Settings,
    *,
    public_url: str,
    hh_url: str,
    hh: HhSandboxConfig,
    bitrix: BitrixSandboxConfig,
    server_endpoint: str,
) -> Settings:
    """``base`` serving the door at ``public_url`` with the sandboxes' applications.

    ``server_endpoint`` is what the portal posts as ``SERVER_ENDPOINT``; its ``host:port`` is the
    one OAuth server trusted (``bitrix.oauth_servers``).
    """
    return base.model_copy(
        update={
            "hh": base.hh.model_copy(
                update={
                    "api_url": AnyHttpUrl(hh_url),
                    "oauth_url": AnyHttpUrl(hh_url),
                    "client_id": hh.client_id,
                    "client_secret": SecretStr(hh.client_secret),
                }
            ),
            "bitrix": base.bitrix.model_copy(
                update={
                    "client_id": bitrix.client_id,
                    "client_secret": SecretStr(bitrix.client_secret),
                    "oauth_servers": [urlsplit(server_endpoint).netloc],
                }
            ),
            "web": base.web.model_copy(update={"public_url": AnyHttpUrl(public_url)}),
        }
    )
