"""Turn source files into documents and structure-following chunks.

Formats: FAQ (JSON list or CSV of question/answer pairs), Markdown, HTML, PDF, DOCX and
plain text. One FAQ pair is one chunk; documents split on headings, then paragraphs,
within a size bound (``chunking``). HTML, PDF, DOCX and text are read in ``extract``;
web pages and sitemaps are fetched in ``crawl``.
"""

import csv
import io
import json
import re
from pathlib import Path, PurePosixPath
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from libriassist.kit.language import detect_language
from libriassist.kit.text import CleanStr, HttpUrlStr
from libriassist.knowledge import extract
from libriassist.knowledge.chunking import MAX_SECTION_CHARS, Section, build_document
from libriassist.knowledge.parsed import ParsedChunk, ParsedDocument, SourceError
from libriassist.tenants.schemas import LANGUAGES, Language

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_SECTION_CHARS",
    "SUPPORTED_SUFFIXES",
    "ParsedChunk",
    "ParsedDocument",
    "SourceError",
    "list_source_files",
    "parse_bytes",
    "parse_file",
    "parse_markdown",
]

SUPPORTED_SUFFIXES = {
    ".json": "faq",
    ".csv": "faq",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
    ".txt": "text",
}
MAX_FILE_BYTES = 10 * 1024 * 1024


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
    supported_kind(path.name)
    if path.stat().st_size > MAX_FILE_BYTES:
        raise SourceError(f"file larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    return parse_named_bytes(path.read_bytes(), path.name, source_uri, default_language)


def supported_kind(name: str) -> str:
    """The kind of document a file name stands for, or a clear error."""
    suffix = PurePosixPath(name).suffix.lower()
    kind = SUPPORTED_SUFFIXES.get(suffix)
    if kind is None:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise SourceError(f"unsupported file type '{suffix or name}' (supported: {supported})")
    return kind


def parse_named_bytes(
    data: bytes, name: str, source_uri: str, default_language: str
) -> ParsedDocument:
    """A file read or uploaded under ``name``: its suffix says what it holds."""
    if len(source_uri) > 1000:
        raise SourceError("path longer than 1000 characters")
    kind = supported_kind(name)
    if len(data) > MAX_FILE_BYTES:
        raise SourceError(f"file larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    if not data.strip():
        raise SourceError("empty file")
    stem = PurePosixPath(name).stem
    return parse_bytes(data, kind, source_uri, stem, default_language, PurePosixPath(name).suffix)


def parse_bytes(
    data: bytes,
    kind: str,
    source_uri: str,
    fallback_title: str,
    default_language: str,
    suffix: str = "",
    url: str | None = None,
) -> ParsedDocument:
    """One document of a known kind (a value of ``SUPPORTED_SUFFIXES``) from its bytes."""
    if kind == "html":
        return extract.parse_html(data, source_uri, fallback_title, default_language, url=url)
    if kind == "pdf":
        return extract.parse_pdf(data, source_uri, fallback_title, default_language, url=url)
    if kind == "docx":
        return extract.parse_docx(data, source_uri, fallback_title, default_language, url=url)
    if kind == "text":
        text = extract.decode_text(data)
        return extract.parse_text(text, source_uri, fallback_title, default_language, url=url)
    try:
        text = data.decode("utf-8-sig").replace("\x00", "")
    except UnicodeDecodeError as exc:
        raise SourceError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    if kind == "faq":
        rows = _faq_rows_json(text) if suffix.lower() == ".json" else _faq_rows_csv(text)
        return _faq_document(rows, source_uri, fallback_title, default_language)
    return parse_markdown(text, source_uri, fallback_title, default_language, url=url)


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
    text: str,
    source_uri: str,
    fallback_title: str,
    default_language: str,
    *,
    url: str | None = None,
) -> ParsedDocument:
    """Sections on headings; front matter may declare ``title``, ``language`` and ``url``
    (``url`` wins over the one given)."""
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
    url = meta.get("url") or url
    if url is not None and (len(url) > 1000 or not url.startswith(("http://", "https://"))):
        raise SourceError(
            f"front matter url must be an http(s) URL of at most 1000 characters: {url[:80]!r}"
        )

    sections = [Section([])]
    path: list[tuple[int, str]] = []
    current: list[str] = []

    def close_paragraph() -> None:
        if current:
            sections[-1].blocks.append("\n".join(current).strip())
            current.clear()

    in_code = False
    for line in text.splitlines():
        if line.strip().startswith("```"):
            in_code = not in_code
        heading = None if in_code else _HEADING.match(line)
        if heading:
            close_paragraph()
            level = len(heading.group(1))
            path[:] = [(lv, h) for lv, h in path if lv < level] + [(level, heading.group(2))]
            sections.append(Section([h for _, h in path]))
        elif not line.strip() and not in_code:
            close_paragraph()
        else:
            current.append(line)
    close_paragraph()

    title = meta.get("title") or next(
        (h for h in (_HEADING.match(line) for line in text.splitlines()) if h), None
    )
    doc_title = title.group(2) if isinstance(title, re.Match) else (title or fallback_title)
    return build_document(
        sections,
        source_uri=source_uri,
        title=doc_title,
        format="markdown",
        language=language,
        url=url,
    )
