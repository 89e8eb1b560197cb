"""Identifiers, secrets and slugs."""

import hashlib
import re
import secrets
import unicodedata
import uuid

ID_RE = re.compile(r"[0-9a-f]{32}")


def new_id() -> str:
    return uuid.uuid4().hex


def is_id(value: str) -> bool:
    """Shaped like an id we issue. Anything else cannot exist, so it is never queried."""
    return ID_RE.fullmatch(value) is not None


def new_secret(prefix: str, nbytes: int = 24) -> str:
    return f"{prefix}{secrets.token_urlsafe(nbytes)}"


def hash_secret(value: str) -> str:
    # Keys and tokens are 190+ bits of randomness, so a fast hash is enough: nothing to
    # brute-force, and look-ups stay a single indexed equality.
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


SLUG_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")  # use fullmatch


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:63].strip("-")
