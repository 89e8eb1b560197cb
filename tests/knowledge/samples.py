"""Small source files made on the spot: an HTML page with boilerplate, a PDF, a DOCX."""

import io

import docx
from fpdf import FPDF
from fpdf.enums import EncryptionMethod

NAV_PHRASE = "Browse our whole paper catalogue"
FOOTER_PHRASE = "All rights reserved by the stationers"
COOKIE_PHRASE = "We use cookies to improve your experience"
SIDEBAR_PHRASE = "Most popular articles this week"
SCRIPT_PHRASE = "trackVisitorEverywhere"
BOILERPLATE = (NAV_PHRASE, FOOTER_PHRASE, COOKIE_PHRASE, SIDEBAR_PHRASE, SCRIPT_PHRASE)


def html_page(
    *,
    lang: str | None = "en-GB",
    title: str = "Gift wrapping | Paper Shop",
    h1: str = "Gift wrapping",
    sections: dict[str, str] | None = None,
    links: tuple[str, ...] = (),
    head_extra: str = "",
) -> str:
    sections = sections or {
        "Prices": "Gift wrapping costs three euros per parcel, whatever its size. We wrap "
        "every item with recycled kraft paper and a cotton ribbon.",
        "Messages": "You can add a handwritten card with your own message for free. "
        "Write it in the comment box when you place your order.",
    }
    lang_attr = f' lang="{lang}"' if lang else ""
    body = "".join(f"<h2>{heading}</h2><p>{text}</p>" for heading, text in sections.items())
    anchors = "".join(f'<li><a href="{href}">Link {n}</a></li>' for n, href in enumerate(links))
    return f"""<!doctype html>
<html{lang_attr}>
<head><meta charset="utf-8"><title>{title}</title>{head_extra}
<style>body {{ font-family: serif; }}</style>
<script>function {SCRIPT_PHRASE}() {{ return 1; }}</script></head>
<body>
<header><a href="/">Paper Shop</a>
<nav><ul><li><a href="/catalogue">{NAV_PHRASE}</a></li><li><a href="/about">About us</a></li>
</ul></nav></header>
<div id="cookie-banner" class="cookie-consent"><p>{COOKIE_PHRASE}.</p>
<button>Accept all</button></div>
<aside class="sidebar"><h3>{SIDEBAR_PHRASE}</h3>
<ul><li><a href="/blog/1">Choosing a fountain pen for beginners</a></li></ul></aside>
<main><article><h1>{h1}</h1>
<p>This page explains how our gift service works, from the wrapping to the card.</p>
{body}<ul>{anchors}</ul></article></main>
<footer><p>{FOOTER_PHRASE}. Legal notice. Terms of sale.</p></footer>
</body></html>"""


def pdf_bytes(
    chapters: dict[str, list[str]],
    *,
    title: str | None = "Delivery guide",
    page_footer: bool = True,
) -> bytes:
    """One page per chapter, each chapter an outline entry; ``\\n`` in a paragraph is a
    forced line break (to make hyphenated words across lines)."""
    pdf = FPDF()
    if title:
        pdf.set_title(title)
    pdf.set_font("Helvetica", size=11)
    for number, (chapter, paragraphs) in enumerate(chapters.items(), start=1):
        pdf.add_page()
        pdf.start_section(chapter)
        pdf.set_font("Helvetica", style="B", size=14)
        pdf.multi_cell(0, 8, chapter, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=11)
        for paragraph in paragraphs:
            pdf.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
        if page_footer:
            pdf.set_y(-15)
            pdf.cell(0, 10, f"Page {number}")
    return bytes(pdf.output())


def blank_pdf_bytes() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60)  # a drawing, like a scanned page: no text layer
    return bytes(pdf.output())


def encrypted_pdf_bytes(user_password: str = "secret") -> bytes:
    """AES-256; an empty user password opens it, as in PDFs that only restrict printing."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_encryption(
        owner_password="owner",
        user_password=user_password,
        encryption_method=EncryptionMethod.AES_256,
    )
    pdf.set_font("Helvetica", size=11)
    pdf.cell(text="Confidential price list.")
    return bytes(pdf.output())


def docx_bytes(*, language: str | None = "es-ES", title: str | None = None) -> bytes:
    document = docx.Document()
    if language:
        document.core_properties.language = language
    if title:
        document.core_properties.title = title
    document.add_heading("Guía de envíos", level=1)
    document.add_paragraph("Enviamos tus pedidos de aceite a toda la península en 48 horas.")
    document.add_heading("Plazos de entrega", level=2)
    document.add_paragraph("Los pedidos hechos antes de las 13h salen el mismo día.")
    document.add_paragraph("Baleares: tres días laborables", style="List Bullet")
    document.add_paragraph("Canarias: siete días laborables", style="List Bullet")
    document.add_heading("Tarifas", level=2)
    table = document.add_table(rows=3, cols=2)
    for row, (zone, price) in enumerate(
        [("Zona", "Precio"), ("Península", "4,90 €"), ("Baleares", "9,90 €")]
    ):
        table.cell(row, 0).text = zone
        table.cell(row, 1).text = price
    document.add_heading("Devoluciones", level=3)
    document.add_paragraph("Tienes treinta días para devolver una botella sin abrir.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
