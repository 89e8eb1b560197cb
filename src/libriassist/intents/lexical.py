"""The words side of intent classification: TF-IDF over words, word pairs and the
character 2- to 4-grams inside words, in a sparse form numpy can train on.

Character n-grams carry what a few examples cannot: spelling variants and typos
("refund", "refunded", "refnd"), French and Spanish inflections, and the Arabic clitics
glued to a word (و, ال, ب). Text is folded first like exact curated matching
(``normalise_question``: case, accents, Arabic letter variants). A Darija message also
brings the words of its MSA rewrite (``kit.darija``), since tenants' examples are more
often MSA than Darija.
"""

import math
from collections import Counter
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
import numpy.typing as npt

from libriassist.kit import darija
from libriassist.knowledge.analysis import normalise_question

Floats = npt.NDArray[np.float32]
Ints = npt.NDArray[np.int64]

NGRAMS = (2, 3, 4)


def features(text: str, language: str | None = None) -> Counter[str]:
    if language == "ary":
        rewritten = darija.rewrite(text)
        if rewritten and rewritten != text:
            text = f"{text} {rewritten}"
    words = normalise_question(text).split()
    found: Counter[str] = Counter()
    for word in words:
        cached = len(word) <= CACHED_WORD_LENGTH
        found.update(_cached_word_features(word) if cached else _word_features(word))
    for first, second in zip(words, words[1:], strict=False):
        found[f"b:{first} {second}"] += 1
    return found


def _word_features(word: str) -> tuple[str, ...]:
    """A word and its character n-grams."""
    padded = f" {word} "
    grams = ["c:" + padded[i : i + n] for n in NGRAMS for i in range(max(1, len(padded) - n + 1))]
    return ("w:" + word, *grams)


# Kept per word, like a tokenizer's word cache: messages reuse a small vocabulary, and this
# loop is most of a message's features. Bounded in words and in their length, so that
# messages of made-up long words cannot make it large (at most a few tens of megabytes).
CACHED_WORD_LENGTH = 20
_cached_word_features = lru_cache(maxsize=8192)(_word_features)


@dataclass(frozen=True)
class SparseRows:
    """Row-compressed (CSR) float32 rows: row i is ``data[indptr[i]:indptr[i + 1]]`` at
    columns ``indices[...]``."""

    indptr: Ints
    indices: Ints
    data: Floats
    width: int

    @property
    def rows(self) -> int:
        return len(self.indptr) - 1

    def dot(self, weights: Floats) -> Floats:
        """(rows, classes) = self @ weights."""
        out = np.zeros((self.rows, weights.shape[1]), dtype=np.float32)
        if len(self.data) == 0:
            return out
        products = self.data[:, None] * weights[self.indices]
        starts = self.indptr[:-1]
        filled = np.diff(self.indptr) > 0
        sums = np.add.reduceat(products, np.minimum(starts, len(self.data) - 1), axis=0)
        out[filled] = sums[filled]
        return out

    def transpose_dot(self, grads: Floats) -> Floats:
        """(width, classes) = self.T @ grads."""
        out = np.zeros((self.width, grads.shape[1]), dtype=np.float32)
        if len(self.data) == 0:
            return out
        rows, data, columns, starts = self._by_column
        out[columns[starts]] = np.add.reduceat(data[:, None] * grads[rows], starts, axis=0)
        return out

    def gram(self) -> Floats:
        """(rows, rows) = self @ self.T, one column at a time (most columns are rare)."""
        out = np.zeros((self.rows, self.rows), dtype=np.float32)
        rows, data, _, starts = self._by_column
        for start, end in zip(starts, [*starts[1:], len(data)], strict=True):
            members = rows[start:end]
            out[np.ix_(members, members)] += np.outer(data[start:end], data[start:end])
        return out

    @cached_property
    def _by_column(self) -> tuple[Ints, Floats, Ints, Ints]:
        """The nonzeros sorted by column (computed once: training reuses it every step)."""
        row_of = np.repeat(np.arange(self.rows), np.diff(self.indptr))
        order = np.argsort(self.indices, kind="stable")
        columns = self.indices[order]
        starts = np.flatnonzero(np.r_[True, columns[1:] != columns[:-1]])
        return row_of[order], self.data[order], columns, starts


class Vocabulary:
    """Feature -> column, with smoothed IDF weights, learnt from the examples."""

    def __init__(self, documents: list[Counter[str]]) -> None:
        frequency: Counter[str] = Counter()
        for document in documents:
            frequency.update(document.keys())
        self.columns = {feature: i for i, feature in enumerate(frequency)}
        count = len(documents)
        self.idf = np.array(
            [math.log((1 + count) / (1 + frequency[f])) + 1 for f in self.columns],
            dtype=np.float32,
        )

    def __len__(self) -> int:
        return len(self.columns)

    def rows(self, documents: list[Counter[str]]) -> SparseRows:
        """Sublinear TF-IDF rows, L2-normalised; unknown features are dropped."""
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        for document in documents:
            pairs = [(self.columns[f], n) for f, n in document.items() if f in self.columns]
            if pairs:
                columns, counts = zip(*pairs, strict=True)
                # Every weight is at least 1 (counts and IDF both are): the norm is never 0.
                weights = (1 + np.log(np.array(counts, dtype=np.float32))) * self.idf[
                    np.array(columns)
                ]
                indices.extend(columns)
                data.extend((weights / np.linalg.norm(weights)).tolist())
            indptr.append(len(indices))
        return SparseRows(
            np.array(indptr, dtype=np.int64),
            np.array(indices, dtype=np.int64),
            np.array(data, dtype=np.float32),
            len(self.columns),
        )
