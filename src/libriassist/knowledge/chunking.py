"""Structure-following chunks for documents (FAQ pairs are chunked in ``sources``).

A parser hands over sections: a heading path and the blocks of text under it (paragraphs,
lists, table rows). Each section is cut into pieces of at most ``MAX_SECTION_CHARS``:
blocks are grouped while they fit, a block too long on its own is cut on lines, then
sentences, then words. Consecutive pieces of one section share a little text (the
previous piece's last sentence, at most ``OVERLAP_CHARS``), so an answer that straddles
a cut is still found whole in one chunk.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from libriassist.knowledge.parsed import ParsedChunk, ParsedDocument, SourceError

MAX_SECTION_CHARS = 1500
OVERLAP_CHARS = 150

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_LINE_BREAK = re.compile(r"\s*\n\s*")
_SENTENCE_END = re.compile(r"(?<=[.!?…؟。])\s+")
_SPACE = re.compile(r"\s+")


@dataclass
class Section:
    heading_path: list[str]
    blocks: list[str] = field(default_factory=list)


def clean_text(text: str) -> str:
    """Storable text: NFC, no control characters, no lone surrogates."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    return unicodedata.normalize("NFC", _CONTROL.sub("", text.replace("\r\n", "\n")))


def split_blocks(
    blocks: list[str], limit: int = MAX_SECTION_CHARS, overlap: int = OVERLAP_CHARS
) -> list[str]:
    """One section's blocks as pieces of at most ``limit`` characters, overlap included."""
    budget = limit - overlap - 2  # room left for the overlap and its separator
    pieces: list[str] = []
    joints: list[str] = []  # what separated each piece from the one before it
    current = ""
    for block in (b.strip() for b in blocks):
        for number, (separator, unit) in enumerate(_units(block, budget)):
            joint = "\n\n" if number == 0 else separator
            if current and len(current) + len(joint) + len(unit) > budget:
                pieces.append(current)
                joints.append(joint)
                current = unit
            else:
                current = f"{current}{joint}{unit}" if current else unit
    if current:
        pieces.append(current)
    if not pieces:
        return []
    result = [pieces[0]]
    for previous, joint, piece in zip(pieces[:-1], joints, pieces[1:], strict=True):
        tail = _tail(previous, overlap)
        result.append(f"{tail}{joint}{piece}" if tail else piece)
    return result


def _units(block: str, budget: int) -> list[tuple[str, str]]:
    """A block as (separator before, text) units of at most ``budget`` characters each,
    cut at the coarsest boundary that works: lines, then sentences, then words."""
    if not block:
        return []
    if len(block) <= budget:
        return [("", block)]
    for pattern, separator in ((_LINE_BREAK, "\n"), (_SENTENCE_END, " "), (_SPACE, " ")):
        parts = [p for p in pattern.split(block) if p.strip()]
        if len(parts) > 1:
            units: list[tuple[str, str]] = []
            for part in parts:
                sub = _units(part, budget)
                units.append((separator, sub[0][1]))
                units.extend(sub[1:])
            return units
    return [("", block[start : start + budget]) for start in range(0, len(block), budget)]


def _tail(text: str, limit: int) -> str:
    """The end of ``text`` to repeat at the start of the next piece: whole lines or
    sentences when the last one fits in ``limit``, else the last words that do."""
    segments: list[tuple[str, str]] = []  # (sentence, separator after it)
    parts = re.split(r"(\n+)", text)
    for line, newline in zip(parts[::2], parts[1::2] + [""], strict=True):
        sentences = [s for s in _SENTENCE_END.split(line.strip()) if s]
        segments += [(s, " ") for s in sentences[:-1]] + [(s, newline) for s in sentences[-1:]]
    tail = ""
    for sentence, separator in reversed(segments):
        candidate = f"{sentence}{separator}{tail}" if tail else sentence
        if len(candidate) > limit:
            break
        tail = candidate
    if tail:
        return tail
    end = _LINE_BREAK.sub(" ", text)[-limit:]
    space = end.find(" ")
    return end[space + 1 :] if 0 <= space < len(end) - 1 else end


def build_document(
    sections: list[Section],
    *,
    source_uri: str,
    title: str,
    format: str,
    language: str,
    url: str | None,
) -> ParsedDocument:
    """A document whose chunks follow its sections; ``SourceError`` when there is no text."""
    chunks = [
        ParsedChunk(
            kind="section",
            title=section.heading_path[-1] if section.heading_path else title,
            text=piece,
            language=language,
            heading_path=list(section.heading_path),
            url=url,
        )
        for section in sections
        for piece in split_blocks([clean_text(b) for b in section.blocks])
    ]
    if not chunks:
        raise SourceError("the document has no text")
    return ParsedDocument(source_uri, title, format, language, url, chunks)
