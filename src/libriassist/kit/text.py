"""Text that can be stored anywhere: no NUL (PostgreSQL refuses it), no lone surrogates
(not encodable as UTF-8). Every free-text input field uses ``CleanStr``."""

from typing import Annotated

from pydantic import AfterValidator, Field


def clean_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("must be valid Unicode text") from exc
    return value


CleanStr = Annotated[str, AfterValidator(clean_text)]


def http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")) or any(ch.isspace() for ch in value):
        raise ValueError("must be an http:// or https:// URL")
    return value


HttpUrlStr = Annotated[
    str, AfterValidator(clean_text), AfterValidator(http_url), Field(max_length=1000)
]
