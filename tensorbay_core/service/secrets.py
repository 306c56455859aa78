"""Encryption at rest for storage config values (Fernet, key from env or a 0600 key file)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from ..errors import TensorBayError

KEY_ENV = "TENSORBAY_SECRET_KEY"


class SecretBox:
    """Seals and opens config values; the key never leaves this object."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)
        self._key = key

    @classmethod
    def from_env_or_file(cls, key_file: str) -> SecretBox:
        """Use ``$TENSORBAY_SECRET_KEY`` if set, else the key file (created with mode 0600)."""
        env = os.environ.get(KEY_ENV)
        if env:
            return cls(env.encode())
        try:
            with open(key_file, "rb") as fp:
                return cls(fp.read().strip())
        except FileNotFoundError:
            pass
        os.makedirs(os.path.dirname(key_file) or ".", exist_ok=True)
        key = Fernet.generate_key()
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fp:
            fp.write(key)
        return cls(key)

    def derive(self, purpose: str) -> str:
        """A stable secret for ``purpose`` derived from the key (e.g. to sign URLs)."""
        return hmac.new(self._key, purpose.encode(), hashlib.sha256).hexdigest()

    def seal(self, values: dict[str, Any]) -> str:
        """Encrypt a JSON-able dict."""
        return self._fernet.encrypt(json.dumps(values).encode()).decode()

    def open(self, token: str) -> dict[str, Any]:
        """Decrypt what ``seal`` made."""
        try:
            return dict(json.loads(self._fernet.decrypt(token.encode())))
        except InvalidToken:
            raise TensorBayError("stored storage config cannot be decrypted: wrong secret key") from None

    def __repr__(self) -> str:
        return "SecretBox(<key hidden>)"
