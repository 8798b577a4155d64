"""Encryption of OAuth tokens at rest.

The configured ``SFSYNC_ENCRYPTION_KEY`` is any secret string; HKDF turns it into a Fernet key, so
hosts need not produce Fernet's base64 format. ``SFSYNC_ENCRYPTION_OLD_KEYS`` keeps earlier keys
readable (MultiFernet) while new values are always written with the current key.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# Fixed salt and info: the derivation must give the same key on every process and restart.
_SALT = b"flask-sfsync/token-encryption/v1"
_INFO = b"fernet-key"


class DecryptionError(RuntimeError):
    """A stored token cannot be read with the configured keys (key changed without rotation)."""


def derive_fernet_key(secret: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO)
    return base64.urlsafe_b64encode(hkdf.derive(secret.encode("utf-8")))


class TokenCipher:
    """Encrypts and decrypts token strings; one per application (its keys come from its config)."""

    def __init__(self, key: str, old_keys: Iterable[str] = ()) -> None:
        keys = [key, *old_keys]
        self._fernet = MultiFernet([Fernet(derive_fernet_key(k)) for k in keys])

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode("utf-8")
        except InvalidToken:
            # The message must not echo the ciphertext: logs should not collect token material.
            raise DecryptionError(
                "a stored Salesforce token cannot be decrypted: SFSYNC_ENCRYPTION_KEY changed? "
                "Put the previous key in SFSYNC_ENCRYPTION_OLD_KEYS"
            ) from None

    def __repr__(self) -> str:
        return "<TokenCipher>"
