"""Turn source files into documents and structure-following chunks.

Formats here: FAQ (JSON list or CSV of question/answer pairs) and Markdown. One FAQ pair
is one chunk; Markdown splits on headings, then on paragraphs past a size bound.
"""

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from libriassist.kit.language import detect_language
from libriassist.kit.text import CleanStr, HttpUrlStr
from libriassist.tenants.schemas import LANGUAGES, Language

SUPPORTED_SUFFIXES = {".json": "faq", ".csv": "faq", ".md": "markdown", ".markdown": "markdown"}
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_SECTION_CHARS = 1500


class SourceError(Exception):
    """A file that cannot be ingested; the message says why, for the person who fixes it."""


@dataclass
class ParsedChunk:
    kind: str
    title: str
    text: str
    language: str
    heading_path: list[str] = field(default_factory=list)
    question: str | None = None
    url: str | None = None
    tags: list[str] = field(default_factory=list)

    @property
    def content_hash(self) -> str:
        payload = json.dumps(
            [self.kind, self.title, self.question, self.text, self.language, self.url, self.tags],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode()).hexdigest()

    @property
    def embedding_text(self) -> str:
        if self.question:
            return f"{self.question}\n{self.text}"
        return " > ".join(self.heading_path + [self.text]) if self.heading_path else self.text


@dataclass
class ParsedDocument:
    source_uri: str
    title: str
    format: str
    language: str
    url: str | None
    chunks: list[ParsedChunk]

    @property
    def content_hash(self) -> str:
        digest = hashlib.sha256()
        for chunk in self.chunks:
            digest.update(chunk.content_hash.encode())
        digest.update(f"{self.title}|{self.language}|{self.url}".encode())
        return digest.hexdigest()


class FaqEntry(BaseModel):
    model_config = ConfigDict(extra="ignore")

    question: CleanStr = Field(min_length=1, max_length=2000)
    answer: CleanStr = Field(min_length=1, max_length=20000)
    language: Language | None = None
    url: HttpUrlStr | None = None
    tags: list[Annotated[CleanStr, Field(max_length=100)]] = Field(
        default_factory=list, max_length=50
    )

    @field_validator("question", "answer")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be blank")
        return value

    @field_validator("language", "url", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("tags", mode="before")
    @classmethod
    def _split_tags(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [t.strip() for t in re.split(r"[|,;]", value) if t.strip()]
        return value or []


def list_source_files(path: Path) -> tuple[list[Path], Path]:
    """The files to ingest, and the folder their source URIs are relative to."""
    if path.is_file():
        return [path], path.parent
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        return files, path
    raise SourceError(f"no such file or folder: {path}")


def parse_file(path: Path, source_uri: str, default_language: str) -> ParsedDocument:
    if len(source_uri) > 1000:
        raise SourceError("path longer than 1000 characters")
    kind = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise SourceError(
            f"unsupported file type '{path.suffix or path.name}' (supported: {supported})"
        )
    if path.stat().st_size > MAX_FILE_BYTES:
        raise SourceError(f"file larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    try:
        text = path.read_bytes().decode("utf-8-sig").replace("\x00", "")
    except UnicodeDecodeError as exc:
        raise SourceError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    if kind == "faq":
        rows = _faq_rows_json(text) if path.suffix.lower() == ".json" else _faq_rows_csv(text)
        return _faq_document(rows, source_uri, path.stem, default_language)
    return parse_markdown(text, source_uri, path.stem, default_language)


def _faq_rows_json(text: str) -> list[Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(
            f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc
    if not isinstance(data, list):
        raise SourceError("a FAQ JSON file must hold a list of {question, answer} objects")
    return data


def _faq_rows_csv(text: str) -> list[Any]:
    reader = csv.DictReader(io.StringIO(text))
    missing = {"question", "answer"} - set(reader.fieldnames or [])
    if missing:
        raise SourceError(f"CSV header lacks column(s): {', '.join(sorted(missing))}")
    try:
        return list(reader)
    except csv.Error as exc:
        raise SourceError(f"invalid CSV at line {reader.line_num}: {exc}") from exc


def _faq_document(
    rows: list[Any], source_uri: str, title: str, default_language: str
) -> ParsedDocument:
    chunks = []
    for number, row in enumerate(rows, start=1):
        try:
            entry = FaqEntry.model_validate(row)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "entry"
            raise SourceError(f"entry {number}: '{where}' {first['msg']}") from exc
        language = entry.language or detect_language(
            f"{entry.question} {entry.answer}", default=default_language
        )
        chunks.append(
            ParsedChunk(
                kind="faq",
                title=entry.question,
                question=entry.question,
                text=entry.answer,
                language=language,
                url=entry.url,
                tags=entry.tags,
            )
        )
    if not chunks:
        raise SourceError("no FAQ entries found")
    return ParsedDocument(
        source_uri=source_uri,
        title=title,
        format="faq",
        language=_main_language([c.language for c in chunks]),
        url=None,
        chunks=chunks,
    )


def _main_language(languages: list[str]) -> str:
    return max(set(languages), key=lambda lang: (languages.count(lang), lang))


_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


def parse_markdown(
    text: str, source_uri: str, fallback_title: str, default_language: str
) -> ParsedDocument:
    meta: dict[str, str] = {}
    match = _FRONT_MATTER.match(text)
    if match:
        for line in match.group(1).splitlines():
            key, sep, value = line.partition(":")
            if sep:
                meta[key.strip().lower()] = value.strip().strip("\"'")
        text = text[match.end() :]
    declared = meta.get("language")
    if declared and declared not in LANGUAGES:
        raise SourceError(
            f"front matter language '{declared}' is not one of {', '.join(LANGUAGES)}"
        )
    language = declared or detect_language(text, default=default_language)
    url = meta.get("url") or None
    if url is not None and (len(url) > 1000 or not url.startswith(("http://", "https://"))):
        raise SourceError(
            f"front matter url must be an http(s) URL of at most 1000 characters: {url[:80]!r}"
        )

    sections: list[tuple[list[str], list[str]]] = []  # (heading path, paragraphs)
    path: list[tuple[int, str]] = []
    paragraphs: list[str] = []
    current: list[str] = []

    def close_paragraph() -> None:
        if current:
            paragraphs.append("\n".join(current).strip())
            current.clear()

    def close_section() -> None:
        close_paragraph()
        body = [p for p in paragraphs if p]
        if body:
            sections.append(([h for _, h in path], list(body)))
        paragraphs.clear()

    in_code = False
    for line in text.splitlines():
        if line.strip().startswith("```"):
            in_code = not in_code
        heading = None if in_code else _HEADING.match(line)
        if heading:
            close_section()
            level = len(heading.group(1))
            path[:] = [(lv, h) for lv, h in path if lv < level] + [(level, heading.group(2))]
        elif not line.strip() and not in_code:
            close_paragraph()
        else:
            current.append(line)
    close_section()

    title = meta.get("title") or next(
        (h for h in (_HEADING.match(line) for line in text.splitlines()) if h), None
    )
    doc_title = title.group(2) if isinstance(title, re.Match) else (title or fallback_title)
    chunks = []
    for heading_path, body in sections:
        for piece in _bounded(body):
            chunks.append(
                ParsedChunk(
                    kind="section",
                    title=heading_path[-1] if heading_path else doc_title,
                    text=piece,
                    language=language,
                    heading_path=heading_path,
                    url=url,
                )
            )
    if not chunks:
        raise SourceError("the document has no text")
    return ParsedDocument(source_uri, doc_title, "markdown", language, url, chunks)


def _bounded(paragraphs: list[str]) -> list[str]:
    """Group paragraphs into pieces of at most MAX_SECTION_CHARS; a longer paragraph stays whole."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for paragraph in paragraphs:
        if current and size + len(paragraph) > MAX_SECTION_CHARS:
            pieces.append("\n\n".join(current))
            current, size = [], 0
        current.append(paragraph)
        size += len(paragraph) + 2
    if current:
        pieces.append("\n\n".join(current))
    return pieces
