"""The few-shot model and its sparse arithmetic, checked against plain numpy."""

import numpy as np

from libriassist.ai.embedder import Embedder
from libriassist.intents.examples import embed_examples
from libriassist.intents.lexical import Vocabulary, features
from libriassist.intents.model import IntentModel


def test_sparse_products_match_dense_ones() -> None:
    texts = ["where is my parcel", "je veux un remboursement", "", "bghit nrja3 sel3a"]
    documents = [features(t, "ary" if "bghit" in t else None) for t in texts]
    vocabulary = Vocabulary(documents)
    rows = vocabulary.rows(documents)
    dense = np.zeros((rows.rows, rows.width), dtype=np.float32)
    for i in range(rows.rows):
        span = slice(rows.indptr[i], rows.indptr[i + 1])
        dense[i, rows.indices[span]] = rows.data[span]
    weights = np.random.default_rng(0).random((rows.width, 3)).astype(np.float32)
    grads = np.random.default_rng(1).random((rows.rows, 3)).astype(np.float32)
    assert np.allclose(rows.dot(weights), dense @ weights, atol=1e-5)
    assert np.allclose(rows.transpose_dot(grads), dense.T @ grads, atol=1e-5)
    assert np.allclose(rows.gram(), dense @ dense.T, atol=1e-5)
    assert np.allclose(np.linalg.norm(dense[[0, 1, 3]], axis=1), 1.0)  # empty text: empty row


def test_features_count_words_pairs_and_character_grams() -> None:
    found = features("Colis colis perdu")  # folded: case and accents
    assert found["w:colis"] == 2 and found["b:colis colis"] == 1 and found["b:colis perdu"] == 1
    assert found["c: co"] == 2 and found["c:lis "] == 2 and found["c:du "] == 1


def test_only_short_words_are_kept_in_the_word_cache() -> None:
    from libriassist.intents import lexical

    before = lexical._cached_word_features.cache_info().currsize
    long_word = "x" * (lexical.CACHED_WORD_LENGTH + 1)
    assert features(long_word)["w:" + long_word] == 1
    assert lexical._cached_word_features.cache_info().currsize == before
    assert lexical._cached_word_features.cache_info().maxsize == 8192


def test_rows_are_sublinear_tf_idf_normalised() -> None:
    documents = [features("colis colis perdu"), features("colis abime"), features("inconnu")]
    vocabulary = Vocabulary(documents[:2])
    rows = vocabulary.rows(documents)
    first = documents[0]
    expected = {
        vocabulary.columns[f]: (1 + np.log(count)) * vocabulary.idf[vocabulary.columns[f]]
        for f, count in first.items()
    }
    norm = np.linalg.norm(list(expected.values()))
    got = dict(zip(rows.indices[: rows.indptr[1]], rows.data[: rows.indptr[1]], strict=True))
    assert got.keys() == expected.keys()
    assert all(abs(got[c] - w / norm) < 1e-6 for c, w in expected.items())
    # A word the examples never had brings nothing but the grams they share.
    unknown = rows.indices[rows.indptr[2] : rows.indptr[3]]
    assert "w:inconnu" not in vocabulary.columns and len(unknown) < len(documents[2])


def test_darija_messages_bring_the_words_of_their_rewrite() -> None:
    assert "w:ماذا" in features("شنو هادا", "ary") and "w:ماذا" not in features("شنو هادا")


def test_a_few_examples_are_enough(embedder: Embedder) -> None:
    examples = {
        "opening_hours": ["When do you open?", "Quels sont vos horaires ?", "¿A qué hora abren?"],
        "gift_wrap": [
            "Can you gift wrap it?",
            "Faites-vous des paquets cadeaux ?",
            "Is gift packaging available?",
        ],
        "wholesale": [
            "Do you sell in bulk to shops?",
            "Je suis revendeur, vendez-vous en gros ?",
            "wholesale prices for resellers",
        ],
    }
    labels = list(examples)
    texts = [t for name in labels for t in examples[name]]
    targets = [i for i, name in enumerate(labels) for _ in examples[name]]
    languages: list[str | None] = [None] * len(texts)
    vectors = embed_examples(embedder, texts, ["en"] * len(texts))
    model = IntentModel(labels, targets, texts, languages, vectors)
    for text, expected in [
        ("what are your opening times on Sunday?", "opening_hours"),
        ("¿Pueden envolverlo para regalo?", "gift_wrap"),
        ("We run a small store: can we buy wholesale from you?", "wholesale"),
    ]:
        [vector] = embed_examples(embedder, [text], ["en"])
        prediction = model.predict(vector, text)
        assert prediction.labels[prediction.best()] == expected, prediction.ranked()
        assert abs(float(prediction.probabilities.sum()) - 1.0) < 1e-4
        assert prediction.closeness.max() <= 1.0001
