"""The built-in intents in each language, on sentences written for these tests (none is
a built-in phrase), rules and model both."""

import numpy as np
import pytest

from libriassist.ai.embedder import Embedder, embed_query
from libriassist.intents.builtin import BuiltinModel, phrase_rows, shipped_vectors
from libriassist.intents.examples import embed_examples
from libriassist.intents.phrases import BUILTIN_INTENTS, NOTIONS, phrases_digest

# (intent, language, message)
CASES = [
    ("greeting", "fr", "Bonjour !"),
    ("greeting", "es", "¡Hola, buenas tardes!"),
    ("greeting", "ary", "salam khoya, labas?"),
    ("greeting", "ary", "السلام، لاباس عليك؟"),
    ("human_handoff", "fr", "j'aimerais qu'un humain me réponde"),
    ("human_handoff", "en", "can someone from your staff get in touch with me?"),
    ("human_handoff", "es", "Quiero hablar con un agente, no con un robot"),
    ("human_handoff", "ar", "أريد التحدث مع موظف من فضلك"),
    ("human_handoff", "ary", "عافاك بغيت نهضر مع شي موظف"),
    ("human_handoff", "ary", "bghit nhder m3a chi wa7ed mn l'équipe"),
    ("order_tracking", "fr", "je n'ai toujours pas reçu mon colis"),
    ("order_tracking", "en", "My parcel still hasn't shown up, where is it?"),
    ("order_tracking", "es", "¿Cuándo me llega el paquete que pedí el lunes?"),
    ("order_tracking", "ar", "متى ستصل طلبيتي؟ طلبتها منذ أسبوع"),
    ("order_tracking", "ary", "الكوموند ديالي باقي ما وصلاتش، فين وصلات؟"),
    ("order_tracking", "ary", "fin wslat lcommande dyali? tlebtha hadi simana"),
    ("returns_refunds", "fr", "Je voudrais renvoyer ce pull, il est trop petit"),
    ("returns_refunds", "en", "How do I get my money back for a faulty kettle?"),
    ("returns_refunds", "es", "Quiero devolver las zapatillas"),
    ("returns_refunds", "ar", "أريد إرجاع المنتج واسترجاع المبلغ"),
    ("returns_refunds", "ary", "بغيت نرجع السلعة ونسترجع فلوسي"),
    ("returns_refunds", "ary", "bghit nrja3 had sebbat, ma jach m3aya"),
    ("complaint", "fr", "C'est inadmissible, personne ne répond à mes mails"),
    ("complaint", "en", "Your delivery service is awful, I'm really upset"),
    ("complaint", "es", "Estoy muy enfadado, el pedido llegó roto"),
    ("complaint", "ar", "أنا غاضب جدا، الخدمة سيئة"),
    ("complaint", "ary", "السلعة جات مهرسة وحتى واحد ما جاوبني"),
    ("complaint", "ary", "had service khayb bzaf, ana m3esseb"),
    ("general_question", "fr", "Quels sont les délais de livraison ?"),
    ("general_question", "fr", "Bonjour, avez-vous ce livre en stock ?"),
    ("general_question", "en", "Hello, do you ship to Canada?"),
    ("general_question", "en", "I want to cancel my order"),
    ("general_question", "es", "¿Puedo pagar con PayPal?"),
    ("general_question", "ar", "ما هي طرق الدفع المتاحة؟"),
    ("general_question", "ary", "بشحال التوصيل لطنجة؟"),
    ("general_question", "ary", "wach kayn had lproduit b lon l7mer?"),
    ("general_question", "fr", "Quelle est la capitale de l'Australie ?"),
]


@pytest.mark.parametrize(("intent", "language", "text"), CASES)
async def test_each_intent_in_each_language(
    builtin: BuiltinModel, embedder: Embedder, intent: str, language: str, text: str
) -> None:
    vector = await embed_query(embedder, text, language)
    verdict = builtin.classify(vector, text, language)
    assert verdict.intent == intent, verdict
    assert 0.0 <= verdict.confidence <= 1.0


async def test_the_model_decides_where_no_rule_fires(
    builtin: BuiltinModel, embedder: Embedder
) -> None:
    """Messages without a rule's wording still get their intent, from the phrases."""
    for intent, language, text in [
        ("order_tracking", "en", "when is my package going to get here?"),
        ("complaint", "ary", "had service khayb bzaf, ana m3esseb"),
        ("human_handoff", "fr", "j'aimerais qu'un humain me réponde"),
        ("returns_refunds", "ary", "بغيت نرجع السلعة ونسترجع فلوسي"),
    ]:
        vector = await embed_query(embedder, text, language)
        verdict = builtin.classify(vector, text, language)
        assert (verdict.intent, verdict.source) == (intent, "model"), text


async def test_long_messages_are_never_taken_for_a_greeting(
    builtin: BuiltinModel, embedder: Embedder
) -> None:
    text = "hello hello good morning to the whole team out there today"
    verdict = builtin.classify(await embed_query(embedder, text, "en"), text, "en")
    assert verdict.intent != "greeting"


def test_every_intent_has_phrases_in_every_language() -> None:
    for intent in BUILTIN_INTENTS:
        languages = {lang for n in NOTIONS if n.intent == intent for lang, _ in n.examples()}
        assert languages == {"fr", "en", "es", "ar", "ary"}, intent
    arabizi = [p for n in NOTIONS for lang, p in n.examples() if lang == "ary" and p.isascii()]
    assert len(arabizi) >= 30  # Darija in Latin script too, not only in Arabic script


def test_the_phrases_digest_names_the_phrases() -> None:
    assert len(phrases_digest()) == 16 and phrases_digest() == phrases_digest()


def test_the_shipped_vectors_are_the_current_phrases(embedder: Embedder) -> None:
    shipped = shipped_vectors(embedder.model_id)
    assert shipped is not None, "phrases changed: run python -m libriassist.intents.builtin"
    _, texts, languages = phrase_rows()
    assert shipped.shape == (len(texts), embedder.dim)
    sample = [0, len(texts) // 2, len(texts) - 1]
    fresh = embed_examples(embedder, [texts[i] for i in sample], [languages[i] for i in sample])
    assert (np.sum(fresh * shipped[sample], axis=1) > 0.999).all()
