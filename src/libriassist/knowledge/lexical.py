"""BM25 over analysed terms (``analysis.analyse``), one index per tenant and KB revision."""

from collections.abc import Sequence

import bm25s
import numpy as np
import numpy.typing as npt

from libriassist.knowledge.analysis import analyse

Scores = npt.NDArray[np.float32]


class LexicalIndex:
    def __init__(self, texts: Sequence[str], languages: Sequence[str]) -> None:
        corpus = [analyse(text, language) for text, language in zip(texts, languages, strict=True)]
        self.size = len(corpus)
        self._bm25 = bm25s.BM25(k1=1.2, b=0.75)
        if self.size:
            self._bm25.index(corpus, show_progress=False)
        self._vocabulary = frozenset(term for terms in corpus for term in terms)

    def scores(self, query: str, language: str) -> tuple[Scores, float]:
        """BM25 score of every chunk, and the share of the question's terms the KB knows
        at all (near 0 when the question is in a language the KB is not written in)."""
        terms = list(dict.fromkeys(analyse(query, language)))
        if not self.size or not terms:
            return np.zeros(self.size, dtype=np.float32), 0.0
        known = sum(1 for term in terms if term in self._vocabulary)
        scores = np.asarray(self._bm25.get_scores(terms), dtype=np.float32)
        return scores, known / len(terms)
