"""What every route of the hh.ru login shares, built once per app."""

from __future__ import annotations

from dataclasses import dataclass

from hhsync.web.context import WebContext
from hhsync.web.hh_login.app_config import HhApp, hh_app
from hhsync.web.hh_login.hh_calls import HhCalls
from hhsync.web.hh_login.state import STATE_PURPOSE, StateSigner


@dataclass(frozen=True)
class LoginDeps:
    """The context, the hh.ru application, its calls and the ``state`` signer."""

    ctx: WebContext
    app: HhApp
    calls: HhCalls
    states: StateSigner

    @classmethod
    def build(cls, ctx: WebContext) -> LoginDeps:
        """Everything from the context (the signing key is kept for the ``state`` alone)."""
        app = hh_app(ctx)
        return cls(
            ctx, app, HhCalls(ctx, app), StateSigner(ctx.signing_key(STATE_PURPOSE), ctx.clock)
        )
