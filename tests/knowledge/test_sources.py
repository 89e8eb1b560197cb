"""Every file format in, as structure-following chunks; broken files give a clear error."""

import json
import os
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.ai.embedder import Embedder
from libriassist.knowledge import service as knowledge_service
from libriassist.knowledge.sources import (
    MAX_SECTION_CHARS,
    ParsedDocument,
    SourceError,
    list_source_files,
    parse_file,
)
from tests.factories import Tenant
from tests.knowledge import samples


def parse(path: Path, default_language: str = "fr") -> ParsedDocument:
    return parse_file(path, path.name, default_language)


def all_text(document: ParsedDocument) -> str:
    return "\n".join(c.text for c in document.chunks)


# --- HTML -----------------------------------------------------------------------------


def test_html_keeps_the_main_content_with_its_headings(tmp_path: Path) -> None:
    page = tmp_path / "gifts.html"
    page.write_text(samples.html_page(), encoding="utf-8")
    document = parse(page)
    assert document.format == "html" and document.title == "Gift wrapping"
    assert document.language == "en"
    paths = [c.heading_path for c in document.chunks]
    assert ["Gift wrapping", "Prices"] in paths and ["Gift wrapping", "Messages"] in paths
    prices = next(c for c in document.chunks if c.heading_path[-1] == "Prices")
    assert "three euros per parcel" in prices.text and prices.title == "Prices"
    assert all(c.language == "en" and c.content_hash for c in document.chunks)


def test_html_boilerplate_is_dropped(tmp_path: Path) -> None:
    page = tmp_path / "gifts.htm"
    page.write_text(samples.html_page(), encoding="utf-8")
    text = all_text(parse(page)) + " ".join(" ".join(c.heading_path) for c in parse(page).chunks)
    for phrase in samples.BOILERPLATE:
        assert phrase not in text
    assert "handwritten card" in text


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("fr-FR", "fr"), ("ar-MA", "ar"), ("ary", "ary"), ("es", "es"), ("EN_us", "en")],
)
def test_html_language_comes_from_the_lang_attribute(
    tmp_path: Path, lang: str, expected: str
) -> None:
    page = tmp_path / "page.html"
    page.write_text(samples.html_page(lang=lang), encoding="utf-8")  # English text
    document = parse(page)
    assert document.language == expected and {c.language for c in document.chunks} == {expected}


def test_html_language_is_detected_when_not_declared_or_not_ours(tmp_path: Path) -> None:
    spanish = {"Envíos": "¿Cuánto tarda el envío? El envío a la península tarda 48 horas."}
    for lang in (None, "de"):
        page = tmp_path / "envios.html"
        page.write_text(
            samples.html_page(lang=lang, h1="Envíos", sections=spanish), encoding="utf-8"
        )
        assert parse(page, default_language="fr").language == "es"


def test_html_title_falls_back_to_the_title_element_and_url_to_the_canonical_link(
    tmp_path: Path,
) -> None:
    page = tmp_path / "page.html"
    html = samples.html_page(
        h1="", head_extra='<link rel="canonical" href="https://shop.example/gifts">'
    ).replace("<h1></h1>", "")
    page.write_text(html, encoding="utf-8")
    document = parse(page)
    assert document.title == "Gift wrapping | Paper Shop"
    assert document.url == "https://shop.example/gifts"
    assert all(c.url == "https://shop.example/gifts" for c in document.chunks)


def test_html_in_a_legacy_charset_is_read_through_its_meta_declaration(tmp_path: Path) -> None:
    page = tmp_path / "latin.html"
    html = samples.html_page(lang="fr", h1="Délais", sections={"Été": "Livraison en été."})
    page.write_bytes(html.replace('charset="utf-8"', 'charset="iso-8859-1"').encode("latin-1"))
    document = parse(page)
    assert document.title == "Délais" and "Livraison en été." in all_text(document)


def test_a_page_wrapped_in_one_form_keeps_its_content(tmp_path: Path) -> None:
    page = tmp_path / "webforms.html"
    html = samples.html_page().replace("<body>", '<body><form id="page" method="post">')
    page.write_text(html.replace("</body>", "</form></body>"), encoding="utf-8")
    text = all_text(parse(page))
    assert "three euros per parcel" in text and samples.NAV_PHRASE not in text


def test_html_without_main_content_is_an_error(tmp_path: Path) -> None:
    page = tmp_path / "empty.html"
    page.write_text(
        "<html><body><nav><a href='/'>Home</a></nav><script>x()</script></body></html>",
        encoding="utf-8",
    )
    with pytest.raises(SourceError, match="no main content|no text"):
        parse(page)


# --- PDF ------------------------------------------------------------------------------

DELIVERY = (
    "We deliver everywhere in mainland France within three to five working days. Orders "
    "placed before noon leave our warehouse the same day, except on weekends and public "
    "holidays. A tracking number is sent to you by email as soon as the parcel leaves."
)


def test_pdf_text_paragraphs_and_outline(tmp_path: Path) -> None:
    path = tmp_path / "guide.pdf"
    path.write_bytes(
        samples.pdf_bytes(
            {
                "Delivery": [DELIVERY, "Parcels above 50 euros travel free of charge."],
                "Returns": [
                    "Returns are free for thirty days after the delivery of your infor-\n"
                    "mation pack and of any item you ordered from us."
                ],
            }
        )
    )
    document = parse(path)
    assert document.format == "pdf" and document.title == "Delivery guide"
    assert document.language == "en"
    delivery = [c for c in document.chunks if c.heading_path == ["Delivery"]]
    assert delivery and "same day, except on weekends" in delivery[0].text  # lines rejoined
    assert "\n\nParcels above 50 euros" in delivery[0].text  # paragraphs rebuilt
    returns = [c for c in document.chunks if c.heading_path == ["Returns"]]
    assert returns and "your information pack" in returns[0].text  # dehyphenated
    assert "Page 1" not in all_text(document) and "Page 2" not in all_text(document)


def test_pdf_without_metadata_title_takes_its_first_line(tmp_path: Path) -> None:
    path = tmp_path / "guide.pdf"
    path.write_bytes(samples.pdf_bytes({"Shipping rates": [DELIVERY]}, title=None))
    assert parse(path).title == "Shipping rates"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (samples.blank_pdf_bytes, "no extractable text (scanned PDF?)"),
        (samples.encrypted_pdf_bytes, "encrypted PDF"),
        (lambda: samples.pdf_bytes({"A": [DELIVERY]})[:600], "not a readable PDF"),
        (lambda: b"%PDF-1.7\n" + os.urandom(2000), "not a readable PDF"),
    ],
    ids=["scanned", "encrypted", "truncated", "garbage"],
)
def test_unreadable_pdfs_say_why(tmp_path: Path, content: object, message: str) -> None:
    path = tmp_path / "broken.pdf"
    assert callable(content)
    path.write_bytes(content())
    with pytest.raises(SourceError) as raised:
        parse(path)
    assert message in str(raised.value)


def test_a_pdf_locked_by_an_owner_password_only_is_read(tmp_path: Path) -> None:
    path = tmp_path / "prices.pdf"
    path.write_bytes(samples.encrypted_pdf_bytes(user_password=""))
    assert "Confidential price list." in all_text(parse(path))


# --- DOCX -----------------------------------------------------------------------------


def test_docx_headings_lists_and_tables(tmp_path: Path) -> None:
    path = tmp_path / "envios.docx"
    path.write_bytes(samples.docx_bytes())
    document = parse(path)
    assert document.format == "docx" and document.title == "Guía de envíos"
    assert document.language == "es"
    by_path = {tuple(c.heading_path): c.text for c in document.chunks}
    assert "48 horas" in by_path[("Guía de envíos",)]
    plazos = by_path[("Guía de envíos", "Plazos de entrega")]
    assert "- Baleares: tres días laborables\n- Canarias: siete días laborables" in plazos
    assert "Península | 4,90 €" in by_path[("Guía de envíos", "Tarifas")]
    assert "treinta días" in by_path[("Guía de envíos", "Tarifas", "Devoluciones")]


def test_docx_title_and_language_from_core_properties_else_detected(tmp_path: Path) -> None:
    path = tmp_path / "envios.docx"
    path.write_bytes(samples.docx_bytes(language=None, title="Envíos y devoluciones"))
    document = parse(path, default_language="fr")
    assert document.title == "Envíos y devoluciones" and document.language == "es"


def test_a_docx_that_is_not_a_zip_says_so(tmp_path: Path) -> None:
    path = tmp_path / "notes.docx"
    path.write_text("just some text pretending to be a Word file", encoding="utf-8")
    with pytest.raises(SourceError, match="not a readable DOCX file"):
        parse(path)


# --- plain text and the batch ---------------------------------------------------------


def test_text_paragraphs_split_on_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "hours.txt"
    path.write_text(
        "Opening hours\n\nWe open from 9:00 to 18:00,\nMonday to Saturday.\n\n\n"
        "The shop is closed on public holidays.\n",
        encoding="utf-8",
    )
    document = parse(path)
    assert document.format == "text" and document.title == "Opening hours"
    assert document.language == "en"
    assert document.chunks[0].text == (
        "Opening hours\n\nWe open from 9:00 to 18:00,\nMonday to Saturday.\n\n"
        "The shop is closed on public holidays."
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("garbage.txt", os.urandom(3000), "not UTF-8 text"),
        ("nul.txt", b"text\x00with\x00nul\x00bytes" * 20, "binary data, not text"),
        ("empty.txt", b"", "empty file"),
        ("blank.md", b"\n\n  \n", "empty file"),
        ("empty.pdf", b"", "empty file"),
        ("empty.docx", b"", "empty file"),
        ("sheet.xlsx", b"PK\x03\x04", "unsupported file type '.xlsx'"),
    ],
)
def test_broken_files_say_why(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SourceError) as raised:
        parse(path)
    assert message in str(raised.value)


def test_a_long_markdown_paragraph_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "long.md"
    sentence = "Each order is packed by hand in our workshop near the harbour. "
    path.write_text("# Packing\n\n" + sentence * 100, encoding="utf-8")
    document = parse(path)
    assert len(document.chunks) > 3
    assert all(len(c.text) <= MAX_SECTION_CHARS for c in document.chunks)
    assert all(c.heading_path == ["Packing"] for c in document.chunks)


def write_mixed_folder(folder: Path) -> None:
    folder.mkdir()
    (folder / "gifts.html").write_text(samples.html_page(), encoding="utf-8")
    (folder / "delivery.pdf").write_bytes(
        samples.pdf_bytes(
            {
                "Express delivery": [
                    "Express delivery to Corsica takes exactly four days by "
                    "ferry and costs twelve euros."
                ]
            }
        )
    )
    (folder / "envios.docx").write_bytes(samples.docx_bytes())
    (folder / "hours.txt").write_text(
        "Our workshop in Lyon opens on Sundays from ten to one.", encoding="utf-8"
    )
    (folder / "ink.json").write_text(
        json.dumps([{"question": "Do you sell ink?", "answer": "Yes, in six colours."}]),
        encoding="utf-8",
    )
    (folder / "truncated.pdf").write_bytes(samples.pdf_bytes({"A": [DELIVERY]})[:600])
    (folder / "fake.docx").write_bytes(b"not a zip")
    (folder / "garbage.txt").write_bytes(os.urandom(500))
    (folder / "empty.html").write_bytes(b"")


def test_a_mixed_folder_parses_each_file_on_its_own(tmp_path: Path) -> None:
    write_mixed_folder(tmp_path / "kb")
    files, root = list_source_files(tmp_path / "kb")
    outcome: dict[str, str] = {}
    for file in files:
        try:
            outcome[file.name] = parse_file(file, file.relative_to(root).as_posix(), "fr").format
        except SourceError as exc:
            outcome[file.name] = f"error: {exc}"
    assert outcome["gifts.html"] == "html" and outcome["delivery.pdf"] == "pdf"
    assert outcome["envios.docx"] == "docx" and outcome["hours.txt"] == "text"
    assert outcome["ink.json"] == "faq"
    assert outcome["truncated.pdf"].startswith("error: not a readable PDF")
    assert outcome["fake.docx"].startswith("error: not a readable DOCX file")
    assert outcome["garbage.txt"].startswith("error: not UTF-8 text")
    assert outcome["empty.html"] == "error: empty file"


async def test_a_mixed_folder_is_ingested_and_searchable(
    client: httpx.AsyncClient,
    tenant: Tenant,
    maker: async_sessionmaker[AsyncSession],
    embedder: Embedder,
    tmp_path: Path,
) -> None:
    write_mixed_folder(tmp_path / "kb")
    report = await knowledge_service.ingest_path(maker, tenant.id, embedder, tmp_path / "kb")
    status = {f.source_uri: f.status for f in report.files}
    assert {uri for uri, s in status.items() if s == "error"} == {
        "truncated.pdf",
        "fake.docx",
        "garbage.txt",
        "empty.html",
    }
    assert {uri for uri, s in status.items() if s == "ingested"} == {
        "gifts.html",
        "delivery.pdf",
        "envios.docx",
        "hours.txt",
        "ink.json",
    }

    async def top_sources(query: str) -> list[str]:
        response = await client.post(
            "/api/v1/admin/kb/search",
            json={"query": query, "limit": 3},
            headers=tenant.admin_headers(),
        )
        assert response.status_code == 200, response.text
        return [hit["source_uri"] for hit in response.json()["hits"]]

    assert "gifts.html" in await top_sources("How much does gift wrapping cost?")
    assert "delivery.pdf" in await top_sources("How long is express delivery to Corsica?")
    assert "envios.docx" in await top_sources("¿Cuánto cuesta el envío a Baleares?")
    found = await top_sources("gift wrapping recycled kraft paper ribbon")
    assert found[0] == "gifts.html"


def test_a_docx_that_expands_enormously_is_refused_before_parsing(tmp_path: Path) -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", "<w:p/>" * 20_000_000)  # 120 MB of XML
    path = tmp_path / "bomb.docx"
    path.write_bytes(buffer.getvalue())
    assert path.stat().st_size < 1_000_000
    with pytest.raises(SourceError, match="too large to read safely"):
        parse(path)
