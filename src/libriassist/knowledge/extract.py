"""Documents from HTML, PDF, DOCX and plain text, as structure-following chunks.

Each parser takes the raw bytes (from a file or a fetched page), finds the title, the
language (declared by the document when it is one we serve, else detected) and the
sections (heading path and blocks of text), and raises ``SourceError`` with a reason a
site owner can act on when the input cannot be read.
"""

import io
import re
import zipfile
from collections import Counter
from typing import Any

import docx
import lxml.etree
import lxml.html
import pypdf
import trafilatura
from docx.table import Table
from docx.text.paragraph import Paragraph

from libriassist.kit.language import detect_language
from libriassist.knowledge.chunking import Section, build_document, clean_text
from libriassist.knowledge.parsed import ParsedDocument, SourceError
from libriassist.tenants.schemas import LANGUAGES

MAX_TITLE_CHARS = 200


def declared_language(tag: str | None) -> str | None:
    """A language tag (``fr-FR``, ``ar_MA``, ``ary``) as one of ours, or None."""
    primary = re.split(r"[-_]", (tag or "").strip().lower(), maxsplit=1)[0]
    return primary if primary in LANGUAGES else None


def _language(declared: str | None, sections: list[Section], default: str) -> str:
    if declared:
        return declared
    sample = " ".join(b for s in sections for b in s.blocks)[:20000]
    return detect_language(sample, default=default)


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", clean_text(text)).strip()


# --- HTML -----------------------------------------------------------------------------

# Never content: code, forms, and the page-level landmarks around the main text.
_DROPPED_TAGS = {
    "script", "style", "noscript", "template", "iframe", "svg", "canvas", "form", "button",
    "select", "dialog", "nav", "aside", "footer",
}  # fmt: skip
_DROPPED_ROLES = {
    "navigation", "banner", "contentinfo", "complementary", "search", "dialog",
    "alertdialog", "menu", "menubar",
}  # fmt: skip
_BOILERPLATE_NAME = re.compile(
    r"cookie|consent|gdpr|^(sidebar|side-bar|breadcrumbs?|navbar|skip-link|site-header|"
    r"site-footer|newsletter|share|social)([-_].*)?$",
    re.I,
)
_KEPT_ROOTS = {"html", "body", "main", "article"}


def parse_html(
    data: bytes | str,
    source_uri: str,
    fallback_title: str,
    default_language: str,
    *,
    url: str | None = None,
) -> ParsedDocument:
    """The main content of an HTML page; ``url`` defaults to its canonical link."""
    page = _html_tree(data)
    lang = page.get("lang") or page.get("{http://www.w3.org/XML/1998/namespace}lang")
    head_title = _one_line(page.findtext(".//title") or "")
    canonical = next(iter(page.xpath("//link[@rel='canonical']/@href")), None)
    _drop_boilerplate(page)
    extracted = trafilatura.extract(
        page,
        output_format="xml",
        include_comments=False,
        include_tables=True,
        include_formatting=True,
        include_links=False,
        include_images=False,
        deduplicate=False,
    )
    if not extracted:
        raise SourceError("no main content found in the page")
    sections, first_h1 = _sections_from_xml(extracted)
    title = first_h1 or head_title or fallback_title
    if url is None and isinstance(canonical, str) and _is_http_url(canonical):
        url = canonical
    language = _language(declared_language(lang), sections, default_language)
    return build_document(
        sections,
        source_uri=source_uri,
        title=title[:MAX_TITLE_CHARS],
        format="html",
        language=language,
        url=url,
    )


def _is_http_url(value: str) -> bool:
    return value.startswith(("http://", "https://")) and len(value) <= 1000 and " " not in value


def _html_tree(data: bytes | str) -> lxml.html.HtmlElement:
    if isinstance(data, str):
        data = data.encode("utf-8")
    encoding: str | None = "utf-8"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        encoding = None  # lxml reads the page's own <meta charset>
    parser = lxml.html.HTMLParser(encoding=encoding, remove_comments=True)
    try:
        return lxml.html.document_fromstring(data, parser=parser)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise SourceError(f"not readable as HTML ({exc})") from exc


def _drop_boilerplate(page: lxml.html.HtmlElement) -> None:
    doomed = []
    for element in page.iter(lxml.etree.Element):
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _KEPT_ROOTS:
            continue
        names = f"{element.get('id', '')} {element.get('class', '')}".split()
        if tag == "form" and element.xpath(".//main|.//article|.//h1"):
            continue  # some frameworks wrap the whole page in one form
        if (
            tag in _DROPPED_TAGS
            or (tag == "header" and not _inside(element, {"article", "main", "section"}))
            or element.get("role", "").lower() in _DROPPED_ROLES
            or element.get("hidden") is not None
            or element.get("aria-hidden", "").lower() == "true"
            or any(_BOILERPLATE_NAME.search(name) for name in names)
        ):
            doomed.append(element)
    for element in doomed:
        if element.getparent() is not None:
            element.drop_tree()


def _inside(element: lxml.html.HtmlElement, tags: set[str]) -> bool:
    return any(ancestor.tag in tags for ancestor in element.iterancestors())


def _sections_from_xml(extracted: str) -> tuple[list[Section], str | None]:
    root = lxml.etree.fromstring(
        extracted.encode("utf-8"),
        parser=lxml.etree.XMLParser(resolve_entities=False, no_network=True),
    )
    body = root.find("main")
    sections = [Section([])]
    path: list[tuple[int, str]] = []
    first_h1: str | None = None
    for element in body if body is not None else []:
        if element.tag == "head":
            heading = _one_line("".join(element.itertext()))
            if not heading:
                continue
            rend = element.get("rend", "h2")
            level = int(rend[1]) if re.fullmatch(r"h[1-6]", rend) else 2
            if level == 1 and first_h1 is None:
                first_h1 = heading
            path = [(lv, h) for lv, h in path if lv < level] + [(level, heading)]
            sections.append(Section([h for _, h in path]))
            continue
        block = _xml_block(element)
        if block:
            sections[-1].blocks.append(block)
    return sections, first_h1


def _xml_block(element: lxml.etree._Element) -> str:
    for line_break in element.iter("lb"):
        line_break.tail = "\n" + (line_break.tail or "")
    if element.tag == "list":
        items = [_one_line("".join(item.itertext())) for item in element.iter("item")]
        return "\n".join(f"- {item}" for item in items if item)
    if element.tag == "table":
        rows = [
            " | ".join(_one_line("".join(cell.itertext())) for cell in row.iter("cell"))
            for row in element.iter("row")
        ]
        return "\n".join(row for row in rows if row.strip(" |"))
    lines = (_one_line(line) for line in "".join(element.itertext()).split("\n"))
    return "\n".join(line for line in lines if line)


# --- PDF ------------------------------------------------------------------------------

_PAGE_NUMBER = re.compile(r"^\W*(page\s*)?\d+(\s*(/|of|sur|de|من)\s*\d+)?\W*$", re.I)
_BULLET = re.compile(r"^([-•●▪◦*–]\s|\d{1,3}[.)]\s|[a-z][.)]\s)")
_SENTENCE_STOP = (".", "!", "?", ":", "…", "؟", ";")
_BAD_PDF_TITLES = re.compile(r"^(untitled|sans titre|document\d*|microsoft word - .*)$", re.I)


def parse_pdf(
    data: bytes,
    source_uri: str,
    fallback_title: str,
    default_language: str,
    *,
    url: str | None = None,
) -> ParsedDocument:
    """Text page by page, paragraphs rebuilt from lines; the outline gives heading paths."""
    # pypdf raises many exception types on damaged files, none of them a bug of ours.
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not _decrypt(reader):
            raise SourceError("encrypted PDF: it cannot be read without its password")
        pages = [clean_text(page.extract_text() or "") for page in reader.pages]
    except SourceError:
        raise
    except Exception as exc:
        raise SourceError(f"not a readable PDF ({_reason(exc)})") from exc
    if not pages:
        raise SourceError("the PDF has no pages (damaged file?)")
    page_lines = _strip_running_lines([page.splitlines() for page in pages])
    if not any(line.strip() for lines in page_lines for line in lines):
        raise SourceError("no extractable text (scanned PDF?)")

    sections: list[Section] = []
    outline = _outline(reader)
    width = _full_line_width(page_lines)
    group: list[str] = []
    group_path: list[str] | None = None
    for number, lines in enumerate(page_lines):
        path = next((p for start, p in reversed(outline) if start <= number), [])
        if group_path is not None and path != group_path:
            sections.append(Section(group_path, _paragraphs(group, width)))
            group = []
        group_path = path
        group.extend(lines)
    sections.append(Section(group_path or [], _paragraphs(group, width)))

    title = _pdf_title(reader) or next(
        (_one_line(line) for lines in page_lines for line in lines if line.strip()), ""
    )
    if len(title) > MAX_TITLE_CHARS:
        title = fallback_title
    try:
        lang = reader.root_object.get("/Lang")
    except Exception:  # as for the title: damaged metadata, usable text
        lang = None
    language = _language(declared_language(str(lang or "")), sections, default_language)
    return build_document(
        sections,
        source_uri=source_uri,
        title=title or fallback_title,
        format="pdf",
        language=language,
        url=url,
    )


def _reason(exc: Exception) -> str:
    return str(exc).strip() or type(exc).__name__


def _decrypt(reader: pypdf.PdfReader) -> bool:
    """True when the PDF opens without a password (an owner password only restricts)."""
    try:
        return bool(reader.decrypt(""))
    except Exception as exc:  # e.g. AES without the cryptography package
        raise SourceError(f"encrypted PDF that cannot be opened ({_reason(exc)})") from exc


def _pdf_title(reader: pypdf.PdfReader) -> str:
    try:
        title = _one_line((reader.metadata.title if reader.metadata else None) or "")
    except Exception:  # a damaged info dictionary is no reason to drop the text
        return ""
    return "" if _BAD_PDF_TITLES.match(title) else title


def _outline(reader: pypdf.PdfReader) -> list[tuple[int, list[str]]]:
    """(first page index, heading path) for each outline entry, in page order."""
    entries: list[tuple[int, list[str]]] = []

    def walk(items: list[Any], parents: list[str]) -> None:
        last: str | None = None
        for item in items:
            if isinstance(item, list):
                walk(item, parents + [last] if last else parents)
                continue
            last = _one_line(str(item.title or ""))
            page = reader.get_destination_page_number(item)
            if last and page is not None and page >= 0:
                entries.append((page, parents + [last]))

    try:
        walk(list(reader.outline), [])
    except Exception:  # a broken outline: the text is still worth having, without paths
        return []
    return sorted(entries, key=lambda entry: entry[0])


def _strip_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Pages without page numbers and the header/footer lines repeated on most pages."""

    def key(line: str) -> str:
        return re.sub(r"\d+", "#", line.strip().lower())

    edges: Counter[str] = Counter()
    for lines in pages:
        filled = [line for line in lines if line.strip()]
        edges.update({key(line) for line in filled[:1] + filled[-1:]})
    running = {k for k, n in edges.items() if len(pages) >= 3 and n >= 0.6 * len(pages)}
    result = []
    for lines in pages:
        filled = [line for line in lines if line.strip()]
        edge_lines = {id(line) for line in filled[:1] + filled[-1:]}
        result.append(
            [
                line
                for line in lines
                if not (
                    id(line) in edge_lines
                    and (key(line) in running or _PAGE_NUMBER.match(line.strip()))
                )
            ]
        )
    return result


def _full_line_width(pages: list[list[str]]) -> int:
    lengths = sorted(len(line.strip()) for lines in pages for line in lines if line.strip())
    return lengths[int(len(lengths) * 0.8)] if lengths else 0


def _paragraphs(lines: list[str], width: int) -> list[str]:
    """Lines back into paragraphs: a blank line, a short line ending a sentence, or a
    bullet starts a new one; a word hyphenated across two lines is joined again."""
    paragraphs: list[str] = []
    current = ""
    for raw in lines:
        line = _one_line(raw)
        if not line:
            if current:
                paragraphs.append(current)
            current = ""
            continue
        if current and _BULLET.match(line):
            paragraphs.append(current)
            current = ""
        if not current:
            current = line
        elif re.search(r"\w-$", current) and line[0].islower():
            current = current[:-1] + line
        else:
            current = f"{current} {line}"
        if line.endswith(_SENTENCE_STOP) and len(line) < 0.8 * width:
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return paragraphs


# --- DOCX -----------------------------------------------------------------------------

_HEADING_STYLE = re.compile(r"^(heading|titre|título|encabezado|überschrift)\s*([1-6])$", re.I)


# A real .docx expands a few times; a crafted one can expand a thousand times and take
# minutes and gigabytes to parse inside the server process.
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
MAX_ZIP_RATIO = 100


def _refuse_zip_bomb(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise SourceError("not a readable DOCX file (damaged zip)") from exc
    if unzipped > MAX_UNZIPPED_BYTES or unzipped > MAX_ZIP_RATIO * max(len(data), 1):
        raise SourceError(
            f"the .docx expands to {unzipped // (1024 * 1024)} MB: too large to read safely"
        )


def parse_docx(
    data: bytes,
    source_uri: str,
    fallback_title: str,
    default_language: str,
    *,
    url: str | None = None,
) -> ParsedDocument:
    """Headings (Heading 1..6) make the heading path; paragraphs, lists and tables kept."""
    _refuse_zip_bomb(data)
    # A .docx is a zip of XML parts: a damaged one fails in zipfile, lxml or python-docx.
    try:
        document = docx.Document(io.BytesIO(data))
        content = list(document.iter_inner_content())
        properties = document.core_properties
        declared_title = _one_line(properties.title or "")
        declared = declared_language(properties.language)
    except Exception as exc:
        raise SourceError(f"not a readable DOCX file ({_reason(exc)})") from exc

    sections = [Section([])]
    path: list[tuple[int, str]] = []
    first_heading: str | None = None
    style_title: str | None = None
    list_items: list[str] = []

    def close_list() -> None:
        if list_items:
            sections[-1].blocks.append("\n".join(list_items))
            list_items.clear()

    for item in content:
        if isinstance(item, Table):
            close_list()
            sections[-1].blocks.append(_table_text(item))
            continue
        if not isinstance(item, Paragraph):
            continue
        text = clean_text(item.text).strip()
        if not text:
            continue
        style = item.style.name if item.style is not None else ""
        heading = _HEADING_STYLE.match(style or "")
        if style == "Title" and style_title is None:
            style_title = _one_line(text)
        elif heading:
            close_list()
            level = int(heading.group(2))
            first_heading = first_heading or _one_line(text)
            path = [(lv, h) for lv, h in path if lv < level] + [(level, _one_line(text))]
            sections.append(Section([h for _, h in path]))
        elif (style or "").startswith("List") or item._p.xpath("./w:pPr/w:numPr"):
            list_items.append(f"- {_one_line(text)}")
        else:
            close_list()
            sections[-1].blocks.append(text)
    close_list()

    title = declared_title or style_title or first_heading or fallback_title
    language = _language(declared, sections, default_language)
    return build_document(
        sections,
        source_uri=source_uri,
        title=title[:MAX_TITLE_CHARS],
        format="docx",
        language=language,
        url=url,
    )


def _table_text(table: Table) -> str:
    rows = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = _one_line(cell.text)
            if not cells or cells[-1] != text:  # a merged cell repeats across its span
                cells.append(text)
        if any(cells):
            rows.append(" | ".join(cells))
    return "\n".join(rows)


# --- plain text -----------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """UTF-8 (or UTF-16 with a byte order mark) text; binary data is refused."""
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = data.decode("utf-16")
        else:
            text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"not UTF-8 text ({exc.reason} at byte {exc.start}); save the file as UTF-8"
        ) from exc
    controls = sum(1 for ch in text if ch < " " and ch not in "\n\r\t\f")
    if "\x00" in text or controls > max(8, len(text) // 100):
        raise SourceError("binary data, not text")
    return text


def parse_text(
    text: str,
    source_uri: str,
    fallback_title: str,
    default_language: str,
    *,
    url: str | None = None,
) -> ParsedDocument:
    """Paragraphs split on blank lines; a short first line is the title."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", clean_text(text)) if p.strip()]
    first = paragraphs[0] if paragraphs else ""
    title = first if "\n" not in first and len(first) <= 120 else fallback_title
    sections = [Section([], paragraphs)]
    return build_document(
        sections,
        source_uri=source_uri,
        title=title,
        format="text",
        language=_language(None, sections, default_language),
        url=url,
    )
