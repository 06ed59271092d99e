"""Token encryption: round trip, key rotation, and clear failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from hhsync.config import load_settings
from hhsync.db.crypto import EMBEDDED_KEY_FILE, TokenCipher, cipher_from_settings
from hhsync.errors import ConfigError, TokenDecryptError


def test_round_trip_and_ciphertext_hides_plaintext() -> None:
    cipher = TokenCipher(TokenCipher.generate_key())
    token = "USERJY0N3H8O0VT7Q3KSVKOHS1LLPL14PK2U7CCIPRC0D2QG1T0ESVRA7AMTQRU"
    encrypted = cipher.encrypt(token)
    assert token not in encrypted
    assert cipher.decrypt(encrypted) == token
    assert cipher.encrypt(token) != encrypted  # random IV: equal tokens do not look equal


def test_rotation_keeps_old_ciphertexts_readable() -> None:
    old_key, new_key = TokenCipher.generate_key(), TokenCipher.generate_key()
    old = TokenCipher(old_key).encrypt("token-a")
    rotated_cipher = TokenCipher(f"{new_key},{old_key}")
    assert rotated_cipher.decrypt(old) == "token-a"
    rotated = rotated_cipher.rotate(old)
    assert TokenCipher(new_key).decrypt(rotated) == "token-a"
    with pytest.raises(TokenDecryptError, match="key changed"):
        TokenCipher(old_key).decrypt(rotated)


def test_bad_key_is_a_config_error_naming_the_key() -> None:
    with pytest.raises(ConfigError, match=r"security\.token_key: key #2 is not a Fernet key"):
        TokenCipher(f"{TokenCipher.generate_key()},not-a-key")
    with pytest.raises(ConfigError, match="empty"):
        TokenCipher(" , ")


def test_embedded_store_creates_one_private_key_and_reuses_it(tmp_path: Path) -> None:
    settings = load_settings(environ={"HHSYNC_STATE_DIR": str(tmp_path / "state")})
    first = cipher_from_settings(settings)
    key_file = tmp_path / "state" / EMBEDDED_KEY_FILE
    assert key_file.stat().st_mode & 0o777 == 0o600
    second = cipher_from_settings(settings)
    assert second.decrypt(first.encrypt("t")) == "t"
