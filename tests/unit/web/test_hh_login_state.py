"""The hh.ru login's ``state``: its claims back when genuine; refused when tampered with, expired,
signed for another purpose, or carrying claims of the wrong shape."""

from __future__ import annotations

import pytest

from hhsync.clock import FrozenClock
from hhsync.db.crypto import TokenCipher
from hhsync.web.hh_login.state import (
    STATE_PURPOSE,
    STATE_TTL,
    StateClaims,
    StateSigner,
    new_nonce,
)
from hhsync.web.session import SessionClaims, SessionSigner
from hhsync.web.signing import PurposeSigner, SignatureRefused

CLAIMS = StateClaims(nonce="n" * 32, portal_id=7, user_id=3)


def _signer() -> tuple[FrozenClock, StateSigner, TokenCipher]:
    clock = FrozenClock()
    cipher = TokenCipher(TokenCipher.generate_key())
    return clock, StateSigner(cipher.derive_key(STATE_PURPOSE), clock), cipher


def test_a_state_gives_back_its_claims() -> None:
    _, signer, _ = _signer()
    assert signer.verify(signer.issue(CLAIMS)) == CLAIMS


def test_a_state_carries_the_app_pages_language_and_refuses_an_unknown_one() -> None:
    clock, signer, cipher = _signer()
    english = StateClaims(CLAIMS.nonce, 7, 3, "en")
    assert signer.verify(signer.issue(english)).language == "en"
    forged = PurposeSigner(cipher.derive_key(STATE_PURPOSE), STATE_PURPOSE, clock, 600)
    with pytest.raises(SignatureRefused, match="malformed"):
        signer.verify(forged.dump({"n": CLAIMS.nonce, "p": 7, "u": 3, "l": "de"}))


def test_nonces_are_random_and_short() -> None:
    nonces = {new_nonce() for _ in range(100)}
    assert len(nonces) == 100
    assert all(len(n) == 32 for n in nonces)


def test_a_state_lives_ten_minutes() -> None:
    clock, signer, _ = _signer()
    state = signer.issue(CLAIMS)
    clock.advance(STATE_TTL.total_seconds() - 1)
    assert signer.verify(state) == CLAIMS
    clock.advance(2)
    with pytest.raises(SignatureRefused, match="expired"):
        signer.verify(state)


def test_a_tampered_state_is_refused() -> None:
    _, signer, _ = _signer()
    state = signer.issue(CLAIMS)
    _, stamp, signature = state.rsplit(".", 2)
    other = signer.issue(StateClaims(CLAIMS.nonce, 8, CLAIMS.user_id)).rsplit(".", 2)[0]
    # A middle character of the signature: the last one may only carry base64 padding bits.
    flipped = state[:-5] + ("A" if state[-5] != "A" else "B") + state[-4:]
    for bad in (f"{other}.{stamp}.{signature}", flipped, "", "x"):
        with pytest.raises(SignatureRefused):
            signer.verify(bad)


def test_a_session_token_is_not_a_state() -> None:
    clock, signer, cipher = _signer()
    session = SessionSigner(cipher.derive_key("session"), clock)
    token = session.issue(SessionClaims(7, "m", 3, True))
    with pytest.raises(SignatureRefused):
        signer.verify(token)


@pytest.mark.parametrize(
    "payload",
    [
        {"n": "", "p": 7, "u": 3},
        {"n": "x" * 65, "p": 7, "u": 3},
        {"n": "n", "p": "7", "u": 3},
        {"n": "n", "p": True, "u": 3},
        {"n": "n", "p": 7, "u": None},
        {"n": 5, "p": 7, "u": 3},
        {},
    ],
)
def test_claims_of_the_wrong_shape_are_refused(payload: dict[str, object]) -> None:
    clock, signer, cipher = _signer()
    raw = PurposeSigner(cipher.derive_key(STATE_PURPOSE), STATE_PURPOSE, clock, 600)
    with pytest.raises(SignatureRefused, match="malformed"):
        signer.verify(raw.dump(payload))
