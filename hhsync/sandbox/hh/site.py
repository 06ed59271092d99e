"""The hh.ru website side of the sandbox: who can log in, browser sessions, one-time form tokens.

hh.ru's authorize page first asks a visitor who is not logged in for an e-mail and a password,
then asks for consent (hh.ru OpenAPI spec, "Авторизация" / "Процесс авторизации"). The sandbox
keeps that state here, apart from the API's data: every manager and every applicant has a login
(their e-mail) and a password, :data:`DEMO_PASSWORD` until someone changes it. Changing a password
bumps the login's ``generation``, and every token pair, code and browser session issued under an
older generation stops working ("token deactivated", "code was revoke").

Forms carry a hidden one-time token bound to the browser session, to what the form is for, to
the user it was shown to and to the authorize parameters it was rendered with, so a form posted
from another site, replayed or altered is refused. Everything is capped, so a flood of visits
cannot grow memory without bound.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import OrderedDict
from dataclasses import dataclass, field
from enum import StrEnum

DEMO_PASSWORD = "hhsync-demo"  # noqa: S105 - the documented password of every sandbox user
"""Every sandbox user's password until ``/_sandbox/.../password`` changes it."""

SESSION_LIFETIME_S = 7 * 24 * 3600.0
FORM_LIFETIME_S = 3600.0
MAX_SESSIONS = 10_000
MAX_FORMS_PER_SESSION = 32
_HASH_ROUNDS = 20_000


class UserKind(StrEnum):
    """hh.ru's two kinds of website user (the ``role`` parameter of ``/oauth/authorize``)."""

    EMPLOYER = "employer"
    APPLICANT = "applicant"


class FormPurpose(StrEnum):
    """What a form token may be spent on."""

    LOGIN = "login"
    CONSENT = "consent"


@dataclass
class Login:
    """One website user: a manager (``kind`` employer) or an applicant, found by e-mail."""

    email: str
    kind: UserKind
    user_id: str  # Manager.id or Applicant.id
    generation: int = 0  # bumped by every password change
    salt: bytes | None = None  # None: the password is still DEMO_PASSWORD
    digest: bytes | None = None

    def check(self, password: str) -> bool:
        """Whether ``password`` is this user's current password (constant time)."""
        if self.digest is None or self.salt is None:
            return hmac.compare_digest(password.encode(), DEMO_PASSWORD.encode())
        return hmac.compare_digest(_hash(password, self.salt), self.digest)

    def set_password(self, password: str) -> None:
        """A new password: older tokens, codes and sessions of this user die."""
        self.salt = secrets.token_bytes(16)
        self.digest = _hash(password, self.salt)
        self.generation += 1


def _hash(password: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, _HASH_ROUNDS)


@dataclass
class Applicant:
    """A job seeker who can log in on the website (the owner of generated resumes)."""

    id: str
    email: str
    first_name: str
    last_name: str
    middle_name: str | None


@dataclass(frozen=True)
class FormTicket:
    """A rendered form's hidden token: what it is for and what it was rendered with."""

    purpose: FormPurpose
    params_digest: str
    login: str | None
    expires_at_s: float


@dataclass
class BrowserSession:
    """One browser's session cookie: who logged in (if anyone) and its outstanding forms."""

    id: str
    created_at_s: float
    login: str | None = None
    login_generation: int = 0
    forms: OrderedDict[str, FormTicket] = field(default_factory=OrderedDict)


def params_digest(params: dict[str, str]) -> str:
    """A stable fingerprint of the authorize parameters a form carries."""
    canonical = "\n".join(f"{key}={params[key]}" for key in sorted(params))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class SiteState:
    """Logins, browser sessions and the apps each user has granted access to."""

    logins: dict[str, Login] = field(default_factory=dict)
    applicants: dict[str, Applicant] = field(default_factory=dict)
    sessions: OrderedDict[str, BrowserSession] = field(default_factory=OrderedDict)
    grants: set[tuple[str, str]] = field(default_factory=set)  # (login e-mail, client_id)

    # --- logins -----------------------------------------------------------------------------

    def add_login(self, email: str, kind: UserKind, user_id: str) -> Login:
        """Register a website user with the demo password."""
        login = Login(email.lower(), kind, user_id)
        self.logins[login.email] = login
        return login

    def find_login(self, email: str) -> Login | None:
        """The user behind an e-mail (case does not matter), or None."""
        return self.logins.get(email.strip().lower())

    def login_of(self, kind: UserKind, user_id: str) -> Login | None:
        """The login of one manager or applicant."""
        for login in self.logins.values():
            if login.kind is kind and login.user_id == user_id:
                return login
        return None

    # --- sessions ---------------------------------------------------------------------------

    def session(self, cookie: str | None, now_s: float) -> BrowserSession | None:
        """The live session behind a cookie value; a stale login inside it is dropped."""
        if not cookie:
            return None
        found = self.sessions.get(cookie)
        if found is None:
            return None
        if now_s - found.created_at_s >= SESSION_LIFETIME_S:
            del self.sessions[cookie]
            return None
        if found.login is not None:
            login = self.logins.get(found.login)
            if login is None or login.generation != found.login_generation:
                # The password changed since: hh.ru logs the browser out everywhere.
                found.login = None
        return found

    def new_session(self, now_s: float) -> BrowserSession:
        """A fresh anonymous session (the oldest one goes when the cap is reached)."""
        created = BrowserSession(secrets.token_urlsafe(24), now_s)
        self.sessions[created.id] = created
        while len(self.sessions) > MAX_SESSIONS:
            self.sessions.popitem(last=False)
        return created

    def log_in(self, old: BrowserSession, login: Login, now_s: float) -> BrowserSession:
        """A successful login: the session id changes (no fixation), the old one is dropped."""
        self.sessions.pop(old.id, None)
        fresh = self.new_session(now_s)
        fresh.login = login.email
        fresh.login_generation = login.generation
        return fresh

    # --- form tokens ------------------------------------------------------------------------

    def issue_form(
        self,
        session: BrowserSession,
        purpose: FormPurpose,
        params: dict[str, str],
        now_s: float,
    ) -> str:
        """A one-time token for a form shown in ``session`` (the oldest goes past the cap)."""
        token = secrets.token_urlsafe(24)
        session.forms[token] = FormTicket(
            purpose, params_digest(params), session.login, now_s + FORM_LIFETIME_S
        )
        while len(session.forms) > MAX_FORMS_PER_SESSION:
            session.forms.popitem(last=False)
        return token

    def spend_form(
        self,
        session: BrowserSession,
        token: str,
        purpose: FormPurpose,
        params: dict[str, str],
        now_s: float,
    ) -> bool:
        """Whether ``token`` is a live token of this session for this purpose, user and
        parameters; it is used up either way."""
        ticket = session.forms.pop(token, None)
        if ticket is None:
            return False
        return (
            ticket.purpose is purpose
            and ticket.login == session.login
            and hmac.compare_digest(ticket.params_digest, params_digest(params))
            and now_s < ticket.expires_at_s
        )
