"""What parsing a source yields: a document and its chunks, or a ``SourceError``.

``libriassist.knowledge.sources`` re-exports these names; the parsers in ``sources``,
``extract`` and ``crawl`` all build them.
"""

import hashlib
import json
from dataclasses import dataclass, field

from libriassist.kit import darija


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
        fields: list[object] = [
            self.kind,
            self.title,
            self.question,
            self.text,
            self.language,
            self.url,
            self.tags,
        ]
        # The heading path is part of the embedded text; FAQ chunks have none, so their
        # hashes (and the vectors reused through them) stay what they were.
        if self.heading_path:
            fields.append(self.heading_path)
        # Darija chunks are embedded with their MSA rewrite (ai.embedder.embed_passages):
        # a marker of the rewrite keeps vectors made without it, or by an older
        # rewrite, from being reused. Bump it whenever kit.darija changes.
        if self.language == "ary":
            fields.append(darija.VERSION)
        return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()

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
