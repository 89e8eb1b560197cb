"""Example phrases as vectors, embedded like the messages they are compared with.

Messages are embedded as queries (``ai.embedder.embed_query``), a Darija one as the
weighted mean of the text and its MSA rewrite; examples get exactly the same treatment,
in batches.
"""

import numpy as np
import numpy.typing as npt

from libriassist.ai.embedder import DARIJA_ORIGINAL_WEIGHT, Embedder, l2_normalise
from libriassist.kit import darija

BATCH = 64


def embed_examples(
    embedder: Embedder, texts: list[str], languages: list[str | None] | list[str]
) -> npt.NDArray[np.float32]:
    rewrites = [
        darija.rewrite(text) if language == "ary" else ""
        for text, language in zip(texts, languages, strict=True)
    ]
    extra = [(i, r) for i, r in enumerate(rewrites) if r and r != texts[i]]
    everything = texts + [r for _, r in extra]
    if not everything:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    matrix = np.vstack(
        [
            embedder.embed_queries(everything[start : start + BATCH])
            for start in range(0, len(everything), BATCH)
        ]
    )
    vectors = matrix[: len(texts)].copy()
    for row, (i, _) in enumerate(extra, start=len(texts)):
        mixed = DARIJA_ORIGINAL_WEIGHT * matrix[i] + (1 - DARIJA_ORIGINAL_WEIGHT) * matrix[row]
        vectors[i] = l2_normalise(mixed[None, :])[0]
    return vectors.astype(np.float32)
