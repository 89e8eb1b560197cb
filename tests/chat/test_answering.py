from libriassist.chat.answering import is_confident
from libriassist.chat.service import _follow_up_hits
from libriassist.knowledge.schemas import SearchHit


def hit(score: float, lift: float, lexical: float, title: str = "t") -> SearchHit:
    return SearchHit(
        chunk_id=title,
        document_id="d",
        kind="faq",
        title=title,
        question=title,
        text="x",
        language="fr",
        url=None,
        source_uri="faq.json",
        score=score,
        lift=lift,
        lexical=lexical,
        rank_score=0.0,
    )


def test_a_clear_match_by_meaning_is_confident() -> None:
    best = hit(0.90, 0.06, 0.0)
    assert is_confident(best, [best], min_score=0.8, min_lift=0.03)


def test_a_match_standing_out_by_its_words_needs_less_lift() -> None:
    spiral, other = hit(0.86, 0.027, 7.8, "a"), hit(0.84, 0.01, 3.6, "b")
    assert is_confident(spiral, [spiral, other], min_score=0.8, min_lift=0.03)


def test_off_topic_questions_are_not_confident() -> None:
    pizza, other = hit(0.80, -0.007, 4.05, "a"), hit(0.80, -0.006, 3.8, "b")
    assert not is_confident(pizza, [pizza, other], min_score=0.8, min_lift=0.03)
    australia, rest = hit(0.77, 0.018, 1.2, "a"), hit(0.77, 0.015, 0.0, "b")
    assert not is_confident(australia, [australia, rest], min_score=0.75, min_lift=0.03)
    shared_words, twin = hit(0.85, 0.025, 4.0, "a"), hit(0.84, 0.02, 3.9, "b")
    assert not is_confident(shared_words, [shared_words, twin], min_score=0.8, min_lift=0.03)


def in_language(language: str, score: float) -> SearchHit:
    return hit(score, 0.06, 0.0, title=language).model_copy(update={"language": language})


def test_the_language_fallback_order_among_close_matches() -> None:
    from libriassist.chat.answering import preferred

    english, french, spanish = (
        in_language("en", 0.90),
        in_language("fr", 0.89),
        in_language("es", 0.885),
    )
    close = [english, french, spanish]
    # The visitor's language first, then the tenant's default, then the best match.
    assert preferred(close, "es", "fr") is spanish
    assert preferred(close, "ary", "fr") is french
    assert preferred(close, "ary", "ar") is english
    # A much better match in another language beats a weak one in the visitor's language.
    far = in_language("es", 0.80)
    assert preferred([english, far], "es", "fr") is english


def test_the_plan_follows_the_fallback_order() -> None:
    from libriassist.chat.answering import plan_reply

    hits = [in_language("en", 0.90), in_language("fr", 0.89)]
    plan = plan_reply(
        intent="general_question",
        language="ary",
        hits=hits,
        min_score=0.8,
        min_lift=0.03,
        tenant_name="Shop",
        greetings={},
        default_language="fr",
    )
    assert plan.mode == "answer" and plan.grounds[0].language == "fr"


def test_a_handoff_quotes_the_match_in_the_preferred_language_with_its_note() -> None:
    from libriassist.chat import replies
    from libriassist.chat.answering import ExtractiveWriter, plan_reply

    english, french = in_language("en", 0.90), in_language("fr", 0.89)
    english.text, french.text = "We deliver in 3 days.", "Nous livrons en 3 jours."
    plan = plan_reply(
        intent="human_handoff",
        language="ary",
        hits=[english, french],
        min_score=0.8,
        min_lift=0.03,
        tenant_name="Shop",
        greetings={},
        default_language="fr",
    )
    assert plan.mode == "handoff" and plan.grounds == [french]
    reply = ExtractiveWriter().compose(plan, "بغيت نهضر مع شي واحد")
    note = replies.other_language_note("ary", "fr")
    assert reply == f"{replies.HANDOFF['ary']}\n\n{note}\n\nNous livrons en 3 jours."


def test_a_follow_up_takes_the_joined_match_only_where_it_already_leaned() -> None:
    def scored(title: str, score: float) -> SearchHit:
        return hit(score, score - 0.7, 0.0, title)

    def led_by(alone: list[SearchHit], joined: list[SearchHit]) -> str | None:
        found = _follow_up_hits(alone, joined, 0.8, 0.03)
        return None if found is None else found[0].title

    joined = [scored("returns", 0.90), scored("delivery", 0.84)]
    # Alone it leaned the same way, or could not tell the two apart (a near tie; which
    # comes first then depends on the machine's arithmetic).
    assert led_by([scored("returns", 0.83), scored("delivery", 0.80)], joined) == "returns"
    assert led_by([scored("delivery", 0.8243), scored("returns", 0.8241)], joined) == "delivery"
    # Alone it clearly leaned elsewhere: the previous question must not pull the answer
    # its way (what the message alone leans to answers, when the joined question is sure
    # of it too); or it never met that passage.
    assert led_by([scored("delivery", 0.86), scored("returns", 0.80)], joined) == "delivery"
    assert led_by([scored("shipping", 0.86), scored("returns", 0.80)], joined) is None
    assert led_by([], joined) is None
    # "And for Belgium?" after "How long does delivery take?": the joined question ranks
    # the general delivery entry first, the message alone the Belgium one; both are sure
    # matches of the joined question, and the message's own lean decides.
    belgium = [scored("delivery times", 0.899), scored("belgium", 0.896)]
    alone = [scored("belgium", 0.843), scored("transport", 0.824), scored("delivery times", 0.80)]
    assert led_by(alone, belgium) == "belgium"


COLOURS_SECTION = (
    "Un fichier bien préparé évite les mauvaises surprises. "
    "L'impression se fait en quadrichromie : vos fichiers doivent être en CMJN. "
    "Nous recommandons le profil ISO Coated v2 pour les papiers couchés. "
    "Le texte noir doit être en noir pur et non en noir composé. "
    "Pour un grand aplat noir sur la couverture, utilisez un noir riche : 40 / 30 / 30 / 100. "
    "Le taux d'encrage total ne doit pas dépasser 300 %. "
    "Les couleurs affichées à l'écran sont plus lumineuses que sur le papier."
)


def section(text: str, language: str = "fr") -> SearchHit:
    return hit(0.9, 0.06, 0.0).model_copy(
        update={"kind": "section", "text": text, "language": language}
    )


def test_a_quoted_section_keeps_the_sentences_that_answer_the_question() -> None:
    from libriassist.chat.answering import ExtractiveWriter, ReplyPlan

    def quoted(question: str, language: str = "fr") -> str:
        plan = ReplyPlan("answer", language, "general_question", "Papyrus")
        plan.grounds = [section(COLOURS_SECTION)]
        return ExtractiveWriter().compose(plan, question)

    sentences = COLOURS_SECTION.split(". ")
    # The answer is the fifth sentence of seven: the first four would miss it.
    rich_black = quoted("Quel noir pour un grand aplat sur la couverture ?")
    assert "40 / 30 / 30 / 100" in rich_black
    assert rich_black.startswith(sentences[3]) and "encrage" in rich_black
    assert "Un fichier bien préparé" not in rich_black
    # Opening on the answer, even if the quote is shorter for it.
    ink = quoted("Quel taux d'encrage maximum ?")
    assert ink == f"{sentences[5]}. {sentences[6]}"
    # Nothing shared with the question: the section's first sentences, as before.
    assert quoted("Comment ça marche ?").startswith("Un fichier bien préparé")
    # A section no longer than the quote is given whole.
    short = section("Nous livrons en 48 h. Le suivi est envoyé par e-mail.")
    plan = ReplyPlan("answer", "fr", "general_question", "Papyrus", grounds=[short])
    assert ExtractiveWriter().compose(plan, "suivi ?") == short.text


def test_a_quoted_list_keeps_its_line_breaks() -> None:
    from libriassist.chat.answering import ExtractiveWriter, ReplyPlan

    listed = section(
        "Le PDF doit être au format fini. Ajoutez 5 mm de fond perdu.\n"
        "- Marge de sécurité : 8 mm du trait de coupe.\n"
        "- Petit fond : 15 mm côté reliure. Pour la spirale, 12 mm côté perforations.\n"
        "- Pas de traits de coupe dans le PDF."
    )
    plan = ReplyPlan("answer", "fr", "general_question", "Papyrus", grounds=[listed])
    quote = ExtractiveWriter().compose(plan, "Quelle marge pour la spirale ?")
    assert quote == listed.text.split("fond perdu.\n", 1)[1]  # from "- Marge…" on
    assert quote.count("\n- ") == 2, "each item on its own line"


def test_darija_in_latin_letters_gets_its_note_in_latin_letters() -> None:
    from libriassist.chat import replies
    from libriassist.chat.answering import ExtractiveWriter, ReplyPlan

    french = in_language("fr", 0.9)
    french.text = "Nous livrons en 3 jours."
    plan = ReplyPlan("answer", "ary", "general_question", "Shop", grounds=[french])
    note = replies.other_language_note(replies.ARABIZI, "fr")
    assert note == "(Had lma3louma kayna ghir b lfransawiya.)"
    latin = ExtractiveWriter().compose(plan, "ch7al katakhed livraison?")
    assert latin == f"{note}\n\nNous livrons en 3 jours."
    arabic = ExtractiveWriter().compose(plan, "شحال كياخد التوصيل؟")
    assert arabic.startswith(replies.other_language_note("ary", "fr"))
    # A Darija entry needs no note, whichever script the visitor writes in.
    darija = in_language("ary", 0.9)
    darija.text = "Kanwsslo f 3 ayam."
    plan.grounds = [darija]
    assert ExtractiveWriter().compose(plan, "ch7al katakhed livraison?") == "Kanwsslo f 3 ayam."
