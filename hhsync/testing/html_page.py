"""What a browser reads of an HTML page, for the scripted people of tests, scripts and the demo.

A page's forms (where each posts, every field a browser would send, hidden ones included, buttons
apart), the attributes of every element (``<main id=… data-session=…>``, ``<body data-notice=…>``)
and the text of inline scripts (the JSON a page hands its own script). Both the hh.ru person
(:mod:`.hh_browser`) and the Bitrix24 door driver (:mod:`.door`) read pages through this, so a
form is read one way everywhere.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx


@dataclass
class Form:
    """One ``<form>``: where it posts and the fields a browser would send (buttons apart)."""

    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)
    id: str = ""

    def field(self, name: str) -> str | None:
        """The value of the first field called ``name``."""
        return next((value for key, value in self.fields if key == name), None)


@dataclass(frozen=True)
class Element:
    """One start tag and its attributes (values unescaped, as the DOM holds them)."""

    tag: str
    attrs: dict[str, str]

    def attr(self, name: str) -> str:
        """An attribute's value; AssertionError when the element lacks it."""
        if name not in self.attrs:
            raise AssertionError(f"<{self.tag}> has no {name}: {self.attrs}")
        return self.attrs[name]


@dataclass
class Document:
    """Everything :func:`read_document` found."""

    forms: list[Form] = field(default_factory=list)
    elements: list[Element] = field(default_factory=list)
    scripts: dict[str, str] = field(default_factory=dict)
    """The text of each inline ``<script id=…>``, by id."""


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.document = Document()
        self._open: Form | None = None
        self._script: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = {key: value or "" for key, value in attrs}
        self.document.elements.append(Element(tag, named))
        if tag == "form":
            self._open = Form(named.get("action", ""), id=named.get("id", ""))
            self.document.forms.append(self._open)
        elif self._open is not None and tag in ("input", "button") and "name" in named:
            pair = (named["name"], named.get("value", ""))
            if tag == "button" or named.get("type") == "submit":
                self._open.buttons.append(pair)
            else:
                self._open.fields.append(pair)
        elif tag == "script" and named.get("id"):
            self._script = named["id"]
            self.document.scripts[self._script] = ""

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self.document.scripts[self._script] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None
        elif tag == "script":
            self._script = None


def read_document(html: str) -> Document:
    """The forms, elements and inline scripts of an HTML page."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.document


def read_forms(html: str) -> list[Form]:
    """Every form of an HTML page."""
    return read_document(html).forms


@dataclass(frozen=True)
class Page:
    """A page the browser shows: its answer and what is on it."""

    response: httpx.Response
    document: Document

    @classmethod
    def of(cls, response: httpx.Response) -> Page:
        """The page an answer shows."""
        return cls(response, read_document(response.text))

    @property
    def status(self) -> int:
        """The HTTP status of the page."""
        return self.response.status_code

    @property
    def text(self) -> str:
        """The page's HTML."""
        return self.response.text

    @property
    def url(self) -> str:
        """Where the page was loaded from."""
        return str(self.response.url)

    @property
    def forms(self) -> list[Form]:
        """The page's forms."""
        return self.document.forms

    def resolve(self, link: str) -> str:
        """A link of the page (a form's action, a script's URL) as the absolute URL it means."""
        return urljoin(self.url, link)

    def has_form(self, action: str) -> bool:
        """Whether a form posts to ``action`` (a path)."""
        return any(urlsplit(self.resolve(form.action)).path == action for form in self.forms)

    def form(self, action: str) -> Form:
        """The form posting to ``action`` (a path; an empty action posts to the page itself)."""
        for form in self.forms:
            if urlsplit(self.resolve(form.action)).path == action:
                return form
        raise AssertionError(f"no form posting to {action} on the page:\n{self.text[:2000]}")

    def form_by_id(self, form_id: str) -> Form:
        """The form with ``id=form_id``."""
        for form in self.forms:
            if form.id == form_id:
                return form
        raise AssertionError(f"no form #{form_id} on the page:\n{self.text[:2000]}")

    def element(self, tag: str, element_id: str | None = None) -> Element:
        """The first ``<tag>`` (with ``id=element_id`` when given)."""
        for element in self.document.elements:
            if element.tag == tag and element_id in (None, element.attrs.get("id")):
                return element
        wanted = f"<{tag} id={element_id}>" if element_id else f"<{tag}>"
        raise AssertionError(f"no {wanted} on the page ({self.status}):\n{self.text[:2000]}")

    def script_json(self, script_id: str) -> Any:
        """The JSON of the inline ``<script id=script_id>``."""
        if script_id not in self.document.scripts:
            raise AssertionError(f"no script #{script_id} on the page:\n{self.text[:2000]}")
        return json.loads(self.document.scripts[script_id])
