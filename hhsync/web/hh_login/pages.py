"""The pages the login popup shows after hh.ru sends it back, and how they reach the app page.

The popup is a top-level window (hh.ru's login page cannot be framed), so these pages refuse to
be framed too, keep the ``code`` in their URL out of any Referer, and are never cached. When the
page has something to say to the app page, ``static/hh_login_done.js`` posts it to the window
that opened the popup, addressed to the app's own origin only, and closes the popup after a delay
(at least :data:`MIN_CLOSE_AFTER_MS`, so the person reads it; «Закрыть» closes it at once). The
page is styled like the app (``door_base.html``): its stylesheets come from the app's own origin.
"""

from __future__ import annotations

import json
from typing import Final

from starlette.responses import HTMLResponse

from hhsync.web.i18n import Translator
from hhsync.web.templating import render

PAGE_HEADERS: Final = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}
MIN_CLOSE_AFTER_MS: Final = 3000
"""The shortest self-closing delay: time to read one sentence."""
MESSAGE_TYPE: Final = "hhsync:hh-login"
"""The ``type`` of the message the popup posts to the app page."""


def result_page(
    t: Translator,
    *,
    status: int,
    title: str,
    message: str,
    app_origin: str,
    ok: bool,
    warning: str | None = None,
    account_id: int | None = None,
    close_after_ms: int = 0,
    static_url: str = "/static",
) -> HTMLResponse:
    """One result page; with ``close_after_ms`` it closes itself that long after telling the app
    page (long enough to read what it says)."""
    if 0 < close_after_ms < MIN_CLOSE_AFTER_MS:
        raise ValueError(f"a popup closing after {close_after_ms} ms cannot be read")
    notice = {"type": MESSAGE_TYPE, "ok": ok, "account_id": account_id}
    return render(
        "hh_login_result.html",
        status_code=status,
        headers=PAGE_HEADERS,
        title=title,
        message=message,
        warning=warning,
        notice=json.dumps(notice),
        app_origin=app_origin,
        close_after_ms=close_after_ms,
        static_url=static_url,
        t=t,
        language=t.language,
    )
