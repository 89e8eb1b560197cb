"""Chunks follow structure, stay within the size bound, and overlap a little."""

import re

import pytest

from libriassist.knowledge.chunking import (
    MAX_SECTION_CHARS,
    OVERLAP_CHARS,
    Section,
    build_document,
    split_blocks,
)
from libriassist.knowledge.sources import SourceError, parse_markdown

SENTENCES = [
    f"Sentence {n} tells how parcel number {n} travels from the workshop to the customer."
    for n in range(120)
]


def sentences_of(text: str) -> list[str]:
    return re.findall(r"Sentence \d+ [^.]*\.", text)


def test_small_paragraphs_share_a_chunk() -> None:
    assert split_blocks(["One.", "Two.", "Three."]) == ["One.\n\nTwo.\n\nThree."]


def test_a_long_paragraph_is_cut_on_sentences_within_the_bound() -> None:
    pieces = split_blocks([" ".join(SENTENCES)])
    assert len(pieces) >= 6
    assert all(len(p) <= MAX_SECTION_CHARS for p in pieces)
    for piece in pieces:
        assert re.fullmatch(r"(Sentence \d+ [^.]*\. ?)+", piece)  # no sentence is cut
    covered = [s for p in pieces for s in sentences_of(p)]
    assert set(covered) == set(SENTENCES)


def test_consecutive_pieces_overlap_by_the_last_sentence() -> None:
    pieces = split_blocks([" ".join(SENTENCES)])
    for previous, piece in zip(pieces, pieces[1:], strict=False):
        last = sentences_of(previous)[-1]
        assert len(last) <= OVERLAP_CHARS
        assert piece.startswith(last)
        assert sentences_of(piece)[1] not in previous  # the overlap is small


def test_paragraph_boundaries_are_preferred_and_overlap_across_them() -> None:
    paragraph = " ".join(SENTENCES[:12])  # about 1000 characters
    pieces = split_blocks([paragraph, paragraph.replace("Sentence", "Line")])
    assert len(pieces) == 2
    assert pieces[0] == paragraph
    assert pieces[1].startswith(SENTENCES[11] + "\n\nLine 0 ")


def test_one_sentence_longer_than_the_bound_is_cut_on_words() -> None:
    sentence = " ".join(f"word{n}" for n in range(900))  # no full stop at all
    pieces = split_blocks([sentence])
    assert len(pieces) > 2 and all(len(p) <= MAX_SECTION_CHARS for p in pieces)
    assert all(re.fullmatch(r"(word\d+ ?)+", p) for p in pieces)  # words kept whole
    assert "word899" in pieces[-1]


def test_a_word_longer_than_the_bound_is_cut_anyway() -> None:
    pieces = split_blocks(["x" * 5000])
    assert len(pieces) >= 4 and all(len(p) <= MAX_SECTION_CHARS for p in pieces)


def test_lines_of_a_table_are_kept_whole() -> None:
    rows = "\n".join(f"Zone {n} | {n},90 € | three working days" for n in range(100))
    pieces = split_blocks([rows])
    assert all(len(p) <= MAX_SECTION_CHARS for p in pieces)
    for piece in pieces:
        assert all(
            re.fullmatch(r"Zone \d+ \| \d+,90 € \| three working days", line)
            for line in piece.split("\n")
        )


def test_sections_become_chunks_that_keep_their_metadata() -> None:
    sections = [
        Section(["Delivery"], [" ".join(SENTENCES[:40])]),
        Section(["Delivery", "Abroad"], ["We ship to Spain and Morocco."]),
        Section([], []),
    ]
    document = build_document(
        sections,
        source_uri="guide.html",
        title="Guide",
        format="html",
        language="en",
        url="https://shop.example/guide",
    )
    delivery = [c for c in document.chunks if c.heading_path == ["Delivery"]]
    abroad = [c for c in document.chunks if c.heading_path == ["Delivery", "Abroad"]]
    assert len(delivery) >= 2 and len(abroad) == 1
    assert abroad[0].text == "We ship to Spain and Morocco."  # no overlap across sections
    assert abroad[0].title == "Abroad" and delivery[0].title == "Delivery"
    assert all(
        c.url == "https://shop.example/guide" and c.language == "en" for c in document.chunks
    )
    assert len({c.content_hash for c in document.chunks}) == len(document.chunks)
    assert abroad[0].embedding_text == "Delivery > Abroad > We ship to Spain and Morocco."


def test_the_heading_path_is_part_of_the_content_hash() -> None:
    one = build_document(
        [Section(["A"], ["Same text."])],
        source_uri="x",
        title="T",
        format="text",
        language="en",
        url=None,
    )
    two = build_document(
        [Section(["B", "A"], ["Same text."])],
        source_uri="x",
        title="T",
        format="text",
        language="en",
        url=None,
    )
    assert one.chunks[0].content_hash != two.chunks[0].content_hash


def test_a_document_without_text_is_an_error() -> None:
    with pytest.raises(SourceError, match="no text"):
        parse_markdown("# Only a heading\n", "empty.md", "empty", "en")


def test_control_characters_never_reach_a_chunk() -> None:
    document = parse_markdown("# Title\n\nBell\x07 and\x00 escape\x1b.\n", "x.md", "x", "en")
    assert document.chunks[0].text == "Bell and escape."
