"""What the hh.ru login needs to know about the hh.ru application, read once from the settings.

hh.ru checks the ``redirect_uri`` against the one saved in the application (hh.ru OpenAPI spec,
"Правила формирования специального redirect_uri"), so hhsync always sends the same one,
``<web.public_url>/oauth/hh/callback``, and sends it again at the code exchange.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from hhsync.hh.rest import user_agent
from hhsync.web.context import WebContext

CALLBACK_PATH: Final = "/oauth/hh/callback"


@dataclass(frozen=True)
class HhApp:
    """The hh.ru application hhsync logs HR people in with."""

    client_id: str
    client_secret: str
    api_url: str
    oauth_url: str
    redirect_uri: str
    app_origin: str
    """The app's own origin: the only window the login popup tells about the result."""
    user_agent: str
    static_url: str = "/static"
    """Where the popup's script is served (``web.public_url`` may carry a path prefix)."""

    @property
    def configured(self) -> bool:
        """Whether a login can work at all (both credentials are set)."""
        return bool(self.client_id and self.client_secret)

    @property
    def token_url(self) -> str:
        """hh.ru's token endpoint (``POST /token`` on the API host)."""
        return f"{self.api_url}/token"


def hh_app(ctx: WebContext) -> HhApp:
    """The application as the settings describe it."""
    hh = ctx.settings.hh
    secret = hh.client_secret.get_secret_value() if hh.client_secret is not None else ""
    public = urlsplit(ctx.public_url)
    return HhApp(
        client_id=hh.client_id,
        client_secret=secret,
        api_url=str(hh.api_url).rstrip("/"),
        oauth_url=str(hh.oauth_url).rstrip("/"),
        redirect_uri=f"{ctx.public_url}{CALLBACK_PATH}",
        app_origin=f"{public.scheme}://{public.netloc}",
        user_agent=user_agent(hh.user_agent_contact),
        static_url=f"{ctx.public_url}/static",
    )
