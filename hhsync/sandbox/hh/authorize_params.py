"""The parameters of ``/oauth/authorize``, read and checked before any page is shown. Pure.

hh.ru's list (hh.ru OpenAPI spec, "Авторизация пользователя" and "Запрос авторизации под другим
пользователем"; hhru/api docs/authorization_for_user.md): ``response_type=code`` and ``client_id``
are required; ``state``, ``redirect_uri`` (the app's saved one when absent), ``code_challenge``
with ``code_challenge_method=S256`` (both or neither), ``role`` (``applicant`` or ``employer``),
``force_role``, ``skip_choose_account`` and ``force_login`` are optional. A problem with these is
answered with an error page and no redirect: an unchecked ``redirect_uri`` must never receive
anything (RFC 6749 §4.1.2.1). The messages are hh.ru's own where its token endpoint has one
(``bad redirect url``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from hhsync.sandbox.hh.redirects import redirect_allowed
from hhsync.sandbox.hh.site import UserKind

FIELDS = (
    "response_type",
    "client_id",
    "state",
    "redirect_uri",
    "code_challenge",
    "code_challenge_method",
    "role",
    "force_role",
    "skip_choose_account",
    "force_login",
)
MAX_VALUE_LENGTH = 2048


@dataclass(frozen=True)
class AuthorizeRequest:
    """A checked authorize request.

    ``params`` holds the recognised parameters exactly as given (they travel in the forms'
    hidden fields); ``redirect_uri`` is where the answer goes (the saved one when none was given).
    """

    params: dict[str, str]
    redirect_uri: str
    role: UserKind | None

    @property
    def state(self) -> str | None:
        """``state`` as given, returned untouched in the answer; None when absent."""
        return self.params.get("state")

    @property
    def code_challenge(self) -> str | None:
        """The PKCE challenge, if any."""
        return self.params.get("code_challenge") or None

    def flag(self, name: str) -> bool:
        """A ``true``/``false`` parameter; anything but ``true`` counts as false."""
        return self.params.get(name, "").lower() == "true"

    def wrong_role(self, kind: UserKind) -> bool:
        """Whether ``force_role=true`` asks for another role than the user has."""
        return self.flag("force_role") and self.role is not None and self.role is not kind

    def query(self, **changes: str | None) -> str:
        """The authorize query again, with some parameters set or (``None``) dropped."""
        merged: dict[str, str] = {**self.params}
        for key, value in changes.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        return urlencode(merged)


def parse_authorize(
    items: Iterable[tuple[str, str]], client_id: str, registered_redirect_uri: str
) -> AuthorizeRequest | str:
    """The checked request, or the reason it is refused."""
    params: dict[str, str] = {}
    for key, value in items:
        if key not in FIELDS:
            continue  # hh.ru ignores parameters it does not know
        if key in params:
            return f"{key} is given more than once"
        if len(value) > MAX_VALUE_LENGTH:
            return f"{key} is too long"
        params[key] = value
    if params.get("response_type") != "code":
        return "response_type must be code"
    if params.get("client_id") != client_id:
        return "unknown client_id"
    given = params.get("redirect_uri", "")
    if given and not redirect_allowed(given, registered_redirect_uri):
        return "bad redirect url"
    has_challenge = bool(params.get("code_challenge"))
    method = params.get("code_challenge_method")
    if has_challenge != bool(method) or (method and method != "S256"):
        return "code_challenge and code_challenge_method=S256 must come together"
    role_name = params.get("role")
    if role_name is not None and role_name not in (UserKind.EMPLOYER, UserKind.APPLICANT):
        return "role must be applicant or employer"
    role = UserKind(role_name) if role_name is not None else None
    return AuthorizeRequest(params, given or registered_redirect_uri, role)
