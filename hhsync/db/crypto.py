"""Tokens at rest: Fernet (AES-128-CBC + HMAC-SHA256) with key rotation through MultiFernet."""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import SecretStr

from hhsync.config import Settings
from hhsync.errors import ConfigError, TokenDecryptError


class TokenCipher:
    """Encrypts tokens for storage; the first key encrypts, every key decrypts."""

    def __init__(self, keys: SecretStr | str) -> None:
        raw = keys.get_secret_value() if isinstance(keys, SecretStr) else keys
        parts = [part.strip() for part in raw.split(",") if part.strip()]
        if not parts:
            raise ConfigError(
                ["security.token_key: empty; generate one with `hhsync config gen-key`"]
            )
        fernets = []
        for index, part in enumerate(parts, start=1):
            try:
                fernets.append(Fernet(part.encode("ascii")))
            except (ValueError, UnicodeEncodeError) as exc:
                raise ConfigError(
                    [
                        f"security.token_key: key #{index} is not a Fernet key (32 url-safe "
                        "base64-encoded bytes); generate one with `hhsync config gen-key`"
                    ]
                ) from exc
        self._fernet = MultiFernet(fernets)
        self._first_key = parts[0].encode("ascii")

    def derive_key(self, purpose: str) -> bytes:
        """A key for ``purpose`` (e.g. signing OAuth state) derived from the newest token key.

        One configured secret then covers every signature hhsync makes; a purpose string keeps
        the derived keys apart, so a session token can never pass as an OAuth state.
        """
        return self.derive_from_secret(self._first_key.decode("ascii"), purpose)

    @staticmethod
    def derive_from_secret(secret: str, purpose: str) -> bytes:
        """A key for ``purpose`` derived from any configured ``secret`` (HMAC-SHA256)."""
        return hmac.new(secret.encode(), f"hhsync:{purpose}".encode(), hashlib.sha256).digest()

    @staticmethod
    def generate_key() -> str:
        """A fresh random key, as ``config gen-key`` prints it."""
        return Fernet.generate_key().decode("ascii")

    def encrypt(self, plaintext: str) -> str:
        """Ciphertext (url-safe text) of a token."""
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        """The token back; fails clearly when no configured key fits (a lost or rotated-out key)."""
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeEncodeError) as exc:
            raise TokenDecryptError(
                "a stored token cannot be decrypted with security.token_key: the key changed "
                "without keeping the old one (list old keys after the new one, comma-separated)"
            ) from exc

    def rotate(self, ciphertext: str) -> str:
        """Re-encrypt under the first (newest) key."""
        try:
            return self._fernet.rotate(ciphertext.encode("ascii")).decode("ascii")
        except InvalidToken as exc:
            raise TokenDecryptError("a stored token cannot be re-encrypted: no key fits") from exc


EMBEDDED_KEY_FILE = "token.key"


def cipher_from_settings(settings: Settings) -> TokenCipher:
    """The configured cipher; with a local SQLite store and no key, a key kept in ``state_dir``.

    The generated key makes a first run need no set-up; production (PostgreSQL) must configure
    ``security.token_key``, which the settings validation already demands.
    """
    if settings.security.token_key is not None:
        return TokenCipher(settings.security.token_key)
    if settings.database.url and settings.database.url.startswith("postgres"):
        raise ConfigError(["security.token_key: required with a PostgreSQL database"])
    path = settings.state_dir / EMBEDDED_KEY_FILE
    if not path.exists():
        settings.state_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first: use theirs
        else:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(TokenCipher.generate_key() + "\n")
    try:
        return TokenCipher(path.read_text(encoding="ascii").strip())
    except OSError as exc:
        raise ConfigError([f"security.token_key: cannot read {path}: {exc.strerror}"]) from exc
