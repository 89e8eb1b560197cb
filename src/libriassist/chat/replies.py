"""Fixed replies in the five languages, Darija in both scripts (used with or without an
LLM)."""

import re

from libriassist.tenants.schemas import Language

LANGUAGE_NAMES: dict[str, dict[str, str]] = {
    "fr": {"fr": "français", "en": "anglais", "es": "espagnol", "ar": "arabe", "ary": "darija"},
    "en": {"fr": "French", "en": "English", "es": "Spanish", "ar": "Arabic", "ary": "Darija"},
    "es": {"fr": "francés", "en": "inglés", "es": "español", "ar": "árabe", "ary": "dariya"},
    "ar": {
        "fr": "الفرنسية",
        "en": "الإنجليزية",
        "es": "الإسبانية",
        "ar": "العربية",
        "ary": "الدارجة",
    },
    "ary": {
        "fr": "الفرانساوية",
        "en": "النجليزية",
        "es": "السبنيولية",
        "ar": "العربية",
        "ary": "الدارجة",
    },
    "ary-Latn": {
        "fr": "lfransawiya",
        "en": "nnglizia",
        "es": "sbanyoliya",
        "ar": "l3arabiya",
        "ary": "ddarija",
    },
}

GREETING: dict[str, str] = {
    "fr": "Bonjour ! Je suis l'assistant de {name}. Comment puis-je vous aider ?",
    "en": "Hello! I'm the {name} assistant. How can I help you?",
    "es": "¡Hola! Soy el asistente de {name}. ¿En qué puedo ayudarte?",
    "ar": "مرحباً! أنا مساعد {name}. كيف يمكنني مساعدتك؟",
    "ary": "السلام! أنا المساعد ديال {name}. كيفاش نقدر نعاونك؟",
    "ary-Latn": "Salam! Ana l'assistant dyal {name}. Kifach n9der n3awnek?",
}

# To a message that is only thanks, or a goodbye: no welcome again.
THANKS: dict[str, str] = {
    "fr": "Avec plaisir ! Puis-je vous aider pour autre chose ?",
    "en": "You're welcome! Is there anything else I can help you with?",
    "es": "¡De nada! ¿Puedo ayudarte con algo más?",
    "ar": "على الرحب والسعة! هل يمكنني مساعدتك في شيء آخر؟",
    "ary": "مرحبا بيك! واش نقدر نعاونك فشي حاجة أخرى؟",
    "ary-Latn": "Mr7ba bik! Wach n9der n3awnek f chi 7aja okhra?",
}

GOODBYE: dict[str, str] = {
    "fr": "Merci de votre visite, à bientôt !",
    "en": "Thank you for your visit, see you soon!",
    "es": "¡Gracias por tu visita, hasta pronto!",
    "ar": "شكراً على زيارتك، إلى اللقاء!",
    "ary": "شكرا على الزيارة ديالك، بالسلامة!",
    "ary-Latn": "Chokran 3la zyara dyalek, bslama!",
}

ACKNOWLEDGED: dict[str, str] = {
    "fr": "Très bien. Puis-je vous aider pour autre chose ?",
    "en": "All right. Is there anything else I can help you with?",
    "es": "De acuerdo. ¿Puedo ayudarte con algo más?",
    "ar": "حسناً. هل يمكنني مساعدتك في شيء آخر؟",
    "ary": "واخا. واش نقدر نعاونك فشي حاجة أخرى؟",
    "ary-Latn": "Wakha. Wach n9der n3awnek f chi 7aja okhra?",
}

NO_ANSWER: dict[str, str] = {
    "fr": "Je ne trouve pas de réponse fiable à cette question dans nos informations. "
    "Voulez-vous que je vous mette en relation avec un membre de notre équipe ?",
    "en": "I couldn't find a reliable answer to that in our information. "
    "Would you like me to put you in touch with a member of our team?",
    "es": "No encuentro una respuesta fiable a esta pregunta en nuestra información. "
    "¿Quieres que te ponga en contacto con alguien de nuestro equipo?",
    "ar": "لم أجد إجابة موثوقة عن هذا السؤال في معلوماتنا. هل تريد أن أوصلك بأحد أعضاء فريقنا؟",
    "ary": "ما لقيتش جواب مضمون على هاد السؤال فالمعلومات ديالنا. "
    "بغيتي نوصلك بشي واحد من الفريق ديالنا؟",
    "ary-Latn": "Ma l9itch jawab mdmoun 3la had so2al f lma3loumat dyalna. "
    "Bghiti nwslek b chi wa7ed mn l'équipe dyalna?",
}

# The replies that end on an offer of a person: a "yes" to them is a request for one.
OFFERS_A_PERSON = frozenset(NO_ANSWER.values())

HANDOFF: dict[str, str] = {
    "fr": "Bien sûr, un membre de notre équipe peut vous aider.",
    "en": "Of course, a member of our team can help you.",
    "es": "Por supuesto, alguien de nuestro equipo puede ayudarte.",
    "ar": "بالتأكيد، يمكن لأحد أعضاء فريقنا مساعدتك.",
    "ary": "أكيد، شي واحد من الفريق ديالنا يقدر يعاونك.",
    "ary-Latn": "Akid, chi wa7ed mn l'équipe dyalna y9der y3awnek.",
}

HANDOFF_NO_CONTACT: dict[str, str] = {
    "fr": "Laissez votre question ici avec votre adresse e-mail, notre équipe vous répondra.",
    "en": "Leave your question here with your e-mail address and our team will reply.",
    "es": "Deja aquí tu pregunta con tu correo electrónico y nuestro equipo te responderá.",
    "ar": "اترك سؤالك هنا مع بريدك الإلكتروني وسيرد عليك فريقنا.",
    "ary": "خلي السؤال ديالك هنا مع الإيميل ديالك والفريق ديالنا غادي يجاوبك.",
    "ary-Latn": "Khlli so2al dyalek hna m3a l'email dyalek, w l'équipe dyalna ghadi tjawbek.",
}

# The ``message`` of a streamed reply's ``error`` event, which a page may show as it is.
ANSWER_INTERRUPTED: dict[str, str] = {
    "fr": "La réponse a été interrompue. Merci de reposer votre question.",
    "en": "The answer was cut off. Please ask again.",
    "es": "La respuesta se ha interrumpido. Vuelve a hacer tu pregunta, por favor.",
    "ar": "انقطعت الإجابة. يرجى إعادة طرح سؤالك.",
    "ary": "الجواب تقطع. عافاك عاود سول السؤال ديالك.",
    "ary-Latn": "Jawab t9te3. 3afak 3awd sowl so2al dyalek.",
}

ANSWER_FAILED: dict[str, str] = {
    "fr": "La réponse n'a pas pu être terminée. Votre message est enregistré ; merci de réessayer.",
    "en": "The answer could not be completed. Your message was saved; please try again.",
    "es": "No se ha podido completar la respuesta. Tu mensaje se ha guardado; inténtalo de nuevo.",
    "ar": "تعذر إكمال الإجابة. تم حفظ رسالتك؛ يرجى المحاولة مرة أخرى.",
    "ary": "ما قدرناش نكملو الجواب. الميساج ديالك تسجل؛ عافاك عاود جرب.",
    "ary-Latn": "Ma 9dernach nkmlo jawab. Lmessage dyalek tsjjel; 3afak 3awd jerreb.",
}

OTHER_LANGUAGE_NOTE: dict[str, str] = {
    "fr": "(Cette information n'est disponible qu'en {kb_language}.)",
    "en": "(This information is only available in {kb_language}.)",
    "es": "(Esta información solo está disponible en {kb_language}.)",
    "ar": "(هذه المعلومة متوفرة فقط باللغة {kb_language}.)",
    "ary": "(هاد المعلومة كاينة غير ب{kb_language}.)",
    "ary-Latn": "(Had lma3louma kayna ghir b {kb_language}.)",
}


# Darija written in Latin letters and digits (Arabizi): a visitor who writes "chokran
# bzaf" is answered "Mr7ba bik!", not in Arabic script. A key of the tables above only;
# the language of a message stays "ary".
ARABIZI = "ary-Latn"
_ARABIC_LETTER = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9']*")


def reply_language(language: str, message: str) -> str:
    """The key to a fixed reply for a visitor who wrote ``message`` in ``language``. Two
    Latin words at least: a lone "ok", "merci" or "CMD-123" in a Darija conversation says
    nothing of the script the visitor reads."""
    if language != "ary" or _ARABIC_LETTER.search(message):
        return language
    return ARABIZI if len(_LATIN_WORD.findall(message)) >= 2 else language


def text(table: dict[str, str], language: Language | str, **values: str) -> str:
    """``table``'s text for ``language`` (a key such as ``ARABIZI`` falls back on its
    language, any other on English)."""
    template = table.get(language) or table.get(language.split("-")[0]) or table["en"]
    return template.format(**values) if values else template


def other_language_note(visitor_language: str, kb_language: str) -> str:
    names = LANGUAGE_NAMES.get(visitor_language, LANGUAGE_NAMES["en"])
    return text(
        OTHER_LANGUAGE_NOTE, visitor_language, kb_language=names.get(kb_language, kb_language)
    )
