"""The few-shot model and its sparse arithmetic, checked against plain numpy."""

from pathlib import Path
from typing import cast

import numpy as np
import pytest

from libriassist.ai.embedder import Embedder
from libriassist.ai.english_encoder import EnglishEncoder, load_english_encoder
from libriassist.config import Settings
from libriassist.intents import matching
from libriassist.intents.examples import embed_examples
from libriassist.intents.lexical import Vocabulary, features
from libriassist.intents.model import ENGLISH_WEIGHT, IntentModel


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


# Two intents with English examples, one with French examples only.
MIXED = {
    "pending_top_up": [
        ("My top up is still pending", "en"),
        ("Why is my top-up not showing yet?", "en"),
    ],
    "failed_top_up": [
        ("My top up failed", "en"),
        ("The top-up was declined, why?", "en"),
    ],
    "card_delivery": [
        ("Quand vais-je recevoir ma carte ?", "fr"),
        ("Ma carte n'est toujours pas arrivée", "fr"),
    ],
}


def _mixed_model(embedder: Embedder, english: EnglishEncoder | None) -> IntentModel:
    labels = list(MIXED)
    rows = [(i, text, lang) for i, name in enumerate(labels) for text, lang in MIXED[name]]
    texts = [text for _, text, _ in rows]
    languages: list[str | None] = [lang for _, _, lang in rows]
    vectors = embed_examples(embedder, texts, [lang for _, _, lang in rows])
    return IntentModel(labels, [i for i, _, _ in rows], texts, languages, vectors, english)


@pytest.fixture(scope="module")
def english(english_model_dir: Path) -> EnglishEncoder:
    return EnglishEncoder(english_model_dir)


def test_the_english_voter_speaks_only_on_english_messages(
    embedder: Embedder, english: EnglishEncoder
) -> None:
    plain, with_english = _mixed_model(embedder, None), _mixed_model(embedder, english)
    text = "Quand arrive ma carte ?"
    [vector] = embed_examples(embedder, [text], ["fr"])
    assert np.array_equal(
        plain.predict(vector, text, "fr").probabilities,
        with_english.predict(vector, text, "fr").probabilities,
    )


def test_the_english_voter_shares_out_the_mass_of_the_intents_it_knows(
    embedder: Embedder, english: EnglishEncoder
) -> None:
    plain, with_english = _mixed_model(embedder, None), _mixed_model(embedder, english)
    voter = with_english._english
    assert voter is not None and voter.classes.tolist() == [0, 1]  # not the French-only one
    for text in ["my top up has been pending for two days", "my card has not arrived"]:
        [vector] = embed_examples(embedder, [text], ["en"])
        before = np.exp(plain.two_voters(vector, text, "en").astype(np.float64))
        found = with_english.predict(vector, text, "en").probabilities.astype(np.float64)
        # The French-only intent keeps exactly its probability, the two others their sum.
        assert abs(found[2] - before[2]) < 1e-5 and abs(found[:2].sum() - before[:2].sum()) < 1e-5
        # Within them: the two opinions mixed in log space (equal say), renormalised.
        english_side = np.exp(voter.log_probabilities(text).astype(np.float64))
        weight = ENGLISH_WEIGHT
        mixed = (before[:2] / before[:2].sum()) ** (1 - weight) * english_side**weight
        expected = mixed / mixed.sum() * before[:2].sum()
        assert np.allclose(found[:2], expected, atol=1e-5), (found, expected)
    text = "my top up has been pending for two days"
    [vector] = embed_examples(embedder, [text], ["en"])
    found_prediction = with_english.predict(vector, text, "en")
    assert found_prediction.labels[found_prediction.best()] == "pending_top_up"
    assert np.array_equal(found_prediction.closeness, plain.predict(vector, text, "en").closeness)


def test_the_english_voter_cannot_hand_a_message_to_an_intent_it_does_not_know() -> None:
    """Strong disagreement between the voters moves nothing to the other intents."""
    from libriassist.intents.model import _EnglishVoter

    class Voter:
        classes = np.array([0, 1])

        def log_probabilities(self, text: str) -> np.ndarray:
            return np.log(np.array([0.02, 0.98], dtype=np.float32))

    vote = np.log(np.array([0.49, 0.02, 0.49], dtype=np.float32))
    mixed = IntentModel._with_english(vote, cast(_EnglishVoter, Voter()), "x")
    probabilities = np.exp(mixed) / np.exp(mixed).sum()
    assert abs(probabilities[2] - 0.49) < 1e-5
    assert abs(probabilities[:2].sum() - 0.51) < 1e-5
    # Underflowing opinions stay finite.
    tiny = np.array([-200.0, -210.0, 0.0], dtype=np.float32)
    assert np.isfinite(IntentModel._with_english(tiny, cast(_EnglishVoter, Voter()), "x")).all()


def test_no_english_voter_without_english_examples_of_two_intents(
    embedder: Embedder, english: EnglishEncoder
) -> None:
    texts = ["My top up failed", "Ma carte n'est pas arrivée", "¿Dónde está mi tarjeta?"]
    vectors = embed_examples(embedder, texts, ["en", "fr", "es"])
    model = IntentModel(["a", "b", "b"][:2], [0, 1, 1], texts, ["en", "fr", "es"], vectors, english)
    assert model._english is None


def test_the_intent_cache_uses_the_english_model_as_configured(
    tmp_path: Path, english_model_dir: Path
) -> None:
    off = matching.IntentCache.from_settings(Settings(english_intent_model=False))
    assert off.english_encoder() is None
    on = matching.IntentCache.from_settings(Settings(english_model_dir=english_model_dir))
    assert on.english_encoder() is load_english_encoder(english_model_dir) is not None
    missing = matching.IntentCache(english=True, english_model_dir=tmp_path / "missing")
    assert missing.english_encoder() is None
    assert off.cache_dir == Settings().data_dir / "cache"
