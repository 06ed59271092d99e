"""A person at hh.ru's authorize page, for tests and scripts: fills the login form, answers the
consent form, and hands back where hh.ru redirects the browser.

It reads the forms from the page's HTML (:mod:`.html_page`: their action and every field, hidden
ones included) the way a browser submits them, keeps the sandbox's session cookie in the client's
cookie jar, and follows redirects that stay on hh.ru's origin. The final redirect to the app is
returned, not followed, so the caller decides how the app's callback is reached.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import httpx

from hhsync.sandbox.hh.site import DEMO_PASSWORD
from hhsync.testing.html_page import Page


class HhBrowser:
    """A browser window at the hh.ru sandbox (``http`` keeps the cookies between steps)."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def _land(self, response: httpx.Response) -> httpx.Response | Page:
        """Follow redirects within the response's origin; a page or the redirect away."""
        hops = 0
        while response.is_redirect and hops < 5:
            target = urljoin(str(response.url), response.headers["location"])
            here, there = urlsplit(str(response.url)), urlsplit(target)
            if (here.scheme, here.netloc) != (there.scheme, there.netloc):
                return response
            response = await self.http.get(target)
            hops += 1
        return Page.of(response)

    async def open(self, url: str) -> httpx.Response | Page:
        """Open a URL (the authorize URL an app built)."""
        return await self._land(await self.http.get(url))

    async def submit(
        self,
        page: Page,
        action: str,
        values: dict[str, str] | None = None,
        button: tuple[str, str] | None = None,
    ) -> httpx.Response | Page:
        """Submit the form posting to ``action`` with some fields filled in."""
        form = page.form(action)
        values = values or {}
        data = [(key, values.get(key, value)) for key, value in form.fields]
        data += [(key, value) for key, value in values.items() if form.field(key) is None]
        if button is not None:
            data.append(button)
        target = page.resolve(form.action)
        return await self._land(await self.http.post(target, data=dict(_unique(data))))

    async def log_in(
        self, page: Page, email: str, password: str = DEMO_PASSWORD
    ) -> httpx.Response | Page:
        """Fill in and send the login form."""
        values = {"email": email, "password": password}
        return await self.submit(page, "/oauth/authorize/login", values)

    async def decide(self, page: Page, allow: bool = True) -> httpx.Response | Page:
        """Press «Разрешить» or «Отказать» on the consent page."""
        button = ("decision", "allow" if allow else "deny")
        return await self.submit(page, "/oauth/authorize", button=button)

    async def authorize(
        self, url: str, email: str, password: str = DEMO_PASSWORD, *, allow: bool = True
    ) -> httpx.Response:
        """The whole visit: open, log in if asked, decide; returns the redirect to the app."""
        landed = await self.open(url)
        if isinstance(landed, Page) and landed.has_form("/oauth/authorize/login"):
            landed = await self.log_in(landed, email, password)
        if isinstance(landed, Page) and landed.has_form("/oauth/authorize"):
            landed = await self.decide(landed, allow)
        if isinstance(landed, Page):
            raise AssertionError(f"hh.ru did not redirect ({landed.status}):\n{landed.text[:2000]}")
        return landed


def _unique(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: set[str] = set()
    result = []
    for key, value in pairs:
        if key not in seen:
            seen.add(key)
            result.append((key, value))
    return result
