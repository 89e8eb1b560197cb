"""Tenant secrets encrypted at rest (Fernet: AES-128-CBC + HMAC-SHA256).

The database holds only ciphertext; the key comes from LIBRIASSIST_SECRET_KEY (several,
comma-separated, to rotate: the first encrypts, every one decrypts). Without it, a key is
generated once into DATA_DIR/secret.key, which is enough for one machine; machines that
share a database must share the key, so they set the setting.
"""

import base64
import hashlib
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

KEY_FILE = "secret.key"


class SecretUnreadable(Exception):
    """Encrypted with a key this server does not have (or altered)."""


def _fernet(passphrase: str) -> Fernet:
    # Any long random string works as a setting; Fernet wants 32 bytes in base64.
    digest = hashlib.sha256(passphrase.strip().encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


class SecretBox:
    def __init__(self, passphrases: list[str]) -> None:
        if not passphrases:
            raise ValueError("a secret box needs at least one key")
        self._fernet = MultiFernet([_fernet(p) for p in passphrases])

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise SecretUnreadable(
                "a stored secret cannot be decrypted with the configured key(s)"
            ) from exc


def secret_box(configured: str | None, data_dir: Path) -> SecretBox:
    """From the setting, else from (or into) DATA_DIR/secret.key."""
    if configured:
        return SecretBox([k for k in configured.split(",") if k.strip()])
    path = data_dir / KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        # Written aside then linked into place: owner-only, never overwritten (losing it
        # loses the secrets it protects), and two workers starting together agree on one.
        draft = data_dir / f".{KEY_FILE}.{secrets.token_hex(8)}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(32))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return SecretBox([path.read_text().strip()])
