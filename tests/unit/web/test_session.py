"""Session tokens: bound to their claims, refused once tampered with, expired or signed for
another purpose."""

from __future__ import annotations

import pytest

from hhsync.clock import FrozenClock
from hhsync.db.crypto import TokenCipher
from hhsync.web.session import SESSION_TTL_S, SessionClaims, SessionSigner
from hhsync.web.signing import PurposeSigner, SignatureRefused

CLAIMS = SessionClaims(portal_id=7, member_id="a" * 32, user_id=3, is_admin=True)


def _signers() -> tuple[FrozenClock, SessionSigner, TokenCipher]:
    clock = FrozenClock()
    cipher = TokenCipher(TokenCipher.generate_key())
    return clock, SessionSigner(cipher.derive_key("session"), clock), cipher


def test_a_token_gives_back_exactly_its_claims() -> None:
    _, signer, _ = _signers()
    assert signer.verify(signer.issue(CLAIMS)) == CLAIMS


def test_a_token_expires_after_its_lifetime() -> None:
    clock, signer, _ = _signers()
    token = signer.issue(CLAIMS)
    clock.advance(SESSION_TTL_S - 5)
    assert signer.verify(token) == CLAIMS
    clock.advance(10)
    with pytest.raises(SignatureRefused, match="expired"):
        signer.verify(token)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: "x" + t,
        lambda t: t.split(".")[0],
        lambda _t: "",
        lambda _t: "a" * 5000,
    ],
)
def test_a_tampered_or_malformed_token_is_refused(mangle) -> None:  # type: ignore[no-untyped-def]
    _, signer, _ = _signers()
    with pytest.raises(SignatureRefused):
        signer.verify(mangle(signer.issue(CLAIMS)))


def test_a_value_signed_for_another_purpose_or_key_is_refused() -> None:
    clock, signer, cipher = _signers()
    state = PurposeSigner(cipher.derive_key("hh-state"), "hh-state", clock, 600)
    forged = state.dump({"p": 7, "m": "a" * 32, "u": 3, "a": True})
    with pytest.raises(SignatureRefused):
        signer.verify(forged)
    other = SessionSigner(TokenCipher(TokenCipher.generate_key()).derive_key("session"), clock)
    with pytest.raises(SignatureRefused):
        signer.verify(other.issue(CLAIMS))


def test_claims_of_the_wrong_types_are_refused() -> None:
    clock, _, cipher = _signers()
    raw = PurposeSigner(cipher.derive_key("session"), "session", clock, SESSION_TTL_S)
    signer = SessionSigner(cipher.derive_key("session"), clock)
    with pytest.raises(SignatureRefused, match="malformed"):
        signer.verify(raw.dump({"p": "7", "m": "a" * 32, "u": 3, "a": True}))
