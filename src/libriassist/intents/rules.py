"""The sure cases, by pattern, in the five languages: a message that is only a greeting
(or only thanks, or a goodbye), an explicit request for a person, "where is my order", a
refund, a formal complaint.

Patterns are kept narrow on purpose: a rule that fires is taken as certain (the model
is not asked), so a pattern that is merely likely belongs in the example phrases
(``intents.phrases``) instead. Matched on the text folded by ``_fold``: lower case,
NFKC, Arabic letter variants unified, apostrophes straightened.
"""

import re
import unicodedata

from libriassist.kit.darija import normalise_arabic

# Longer forms before their prefixes ("salam 3alaykom" before "salam", "hiya" before
# "hi"): the repeat below is atomic, so the first form that fits is the one kept.
_GREETING_WORDS = (
    r"bonjour|bonsoir|salut|coucou|hello|hiya|hi|hey|greetings|good (?:morning|afternoon|evening)"
    r"|hola|buenas(?: tardes| noches)?|buenos d[ií]as|salamo? ?3alaykom|salam ?alikom|salam|slm"
    r"|ahlan|marhaba|labas|لاباس|السلام عليكم|سلام عليكم|السلام|سلام|مرحبا|اهلا(?: وسهلا)?"
    r"|صباح الخير|مساء الخير|صباح النور"
)
_GREETING_TAIL = (
    r"(?:\s+(?:there|all|everyone|team|à tous|à vous|madame|monsieur|a todos|khoya|khti"
    r"|خويا|ختي|عليكم|عليك))?"
    r"(?:[\s,]+(?:how are you|comment (?:allez-vous|vas-tu|ça va)|ça va|qué tal|cómo está"
    r"|كيف حالك|labas 3lik|لاباس عليك|cava))?"
)
# Atomic repeats ``(?>…)+``: a phrase that is also two shorter ones ("السلام عليكم") could
# otherwise be cut up in exponentially many ways when the match fails at the end, and a
# long message of them held the event loop for seconds.
_GREETING = re.compile(
    rf"^[\s¡¿]*(?>(?:{_GREETING_WORDS}){_GREETING_TAIL}[\s!.,?؟¡¿:)(]*)+$", re.IGNORECASE
)

# Thanks and goodbyes that close a conversation ("merci !", "chokran bzaf", "ok bye").
# A whole message of them (an "ok" or an "and" between allowed) is social, as a greeting
# is, and gets a closing reply rather than the welcome. Plain phrases, folded like the
# message before they are compiled.
_THANKS = (
    "merci",
    "merci beaucoup",
    "merci bien",
    "merci infiniment",
    "je vous remercie",
    "thanks",
    "thank you",
    "thanks a lot",
    "thank you so much",
    "thank you very much",
    "many thanks",
    "thx",
    "cheers",
    "gracias",
    "muchas gracias",
    "mil gracias",
    "شكرا",
    "شكرا جزيلا",
    "شكرا لك",
    "شكرا بزاف",
    "الله يخليك",
    "بارك الله فيك",
    "chokran",
    "choukran",
    "shukran",
    "shokran",
    "chokrane",
    "choukrane",
    "merci bzaf",
    "chokran bzaf",
    "choukran bzaf",
    "shukran bzaf",
    "chokran bezaf",
    "choukran bezaf",
    "lah ykhlik",
    "allah ykhlik",
    "baraka allahu fik",
)
_GOODBYES = (
    "au revoir",
    "bonne journée",
    "bonne journee",
    "bonne soirée",
    "bonne soiree",
    "à bientôt",
    "a bientot",
    "bye",
    "bye bye",
    "goodbye",
    "good bye",
    "see you",
    "have a nice day",
    "have a good day",
    "adiós",
    "adios",
    "hasta luego",
    "hasta pronto",
    "buen día",
    "مع السلامة",
    "بالسلامة",
    "بسلامة",
    "نهارك مبروك",
    "تهلا",
    "m3a salama",
    "bslama",
    "beslama",
    "thalla",
    "nharek mbrok",
)
_ACKNOWLEDGEMENTS = (
    "ok",
    "okay",
    "d'accord",
    "parfait",
    "super",
    "top",
    "génial",
    "great",
    "perfect",
    "cool",
    "nice",
    "vale",
    "perfecto",
    "genial",
    "wakha",
    "mzyan",
    "safi",
    "واخا",
    "مزيان",
    "صافي",
    "حسنا",
    "ممتاز",
)
# Allowed between the closing words, closing nothing alone: "non merci", "no thanks" (a
# polite no closes too), "merci et bonne journée".
_FILLERS = ("et", "and", "y", "non", "no", "لا", "la")


def _phrases(*lists: tuple[str, ...]) -> str:
    """The phrases as one alternation, folded like a message, longest first (an atomic
    repeat keeps the first that fits)."""
    folded = sorted({_fold(p) for phrases in lists for p in phrases}, key=len, reverse=True)
    return "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in folded)


def _whole_message_of(*lists: tuple[str, ...]) -> re.Pattern[str]:
    """A folded message made of these phrases only, anything but a letter or a digit
    between them (punctuation, the Arabic comma, emoji and their modifiers). The repeat is
    atomic, as ``_GREETING``'s ("bye bye" is also two "bye"s)."""
    return re.compile(rf"^[\W_]*(?>(?:{_phrases(*lists)})(?![\w'])[\W_]*)+$")


def _any_of(*lists: tuple[str, ...]) -> re.Pattern[str]:
    """One of these phrases, as whole words, anywhere in a folded message."""
    return re.compile(rf"(?<!\w)(?:{_phrases(*lists)})(?!\w)")


_SURE: dict[str, list[str]] = {
    "human_handoff": [
        r"\b(?:talk|speak|chat)\s+(?:to|with)\s+(?:a\s+|an\s+|some\s*|a\s+real\s+|a\s+live\s+)?"
        r"(?:human|person|agent|one|body|representative|operator|advisor|adviser|employee)\b",
        r"\b(?:human|live|real)\s+(?:agent|person|being|representative|operator)\b",
        r"\b(?:parler|discuter|echanger|être mis en relation|etre mis en relation)\s+(?:à|a|avec)"
        r"\s+(?:un|une|le|quelqu'un)?\s*(?:vrai(?:e)?\s+)?(?:humain|personne|conseill\w*|agent"
        r"|opérat\w*|operat\w*|interlocut\w*|service client)",
        r"\b(?:agent|conseiller) humain\b|\bvrai humain\b|\bvraie personne\b",
        r"\b(?:hablar|comunicar\w*|contactar)\s+con\s+(?:un|una|el|la)?\s*(?:humano|persona|agente"
        r"|asesor\w*|operador\w*|alguien)",
        r"(?:اريد|بغيت|نبغي|ابغي)\s.{0,20}(?:التحدث|التكلم|نهضر|نتكلم|نهدر)\s(?:مع|م)\s?"
        r"(?:شي |شخص|احد|انسان|موظف|بنادم|عون|واحد|مسؤول|ممثل)",
        r"\bbghit\s+(?:nhder|nhdr|nhdar|ntkalem|ntkellem)\s+m3a\s+(?:chi|wa7ed|bnadem|conseiller)",
    ],
    "order_tracking": [
        r"\b(?:où|ou) (?:en )?est (?:ma|mon) (?:commande|colis|livraison|achat)\b",
        r"\b(?:suivi|suivre) (?:de |du )?(?:ma |mon |la |le )?(?:commande|colis)\b",
        r"\bwhere(?:'s| is| are) my (?:order|package|parcel|shipment|delivery|purchase)",
        r"\b(?:track|trace|locate)\w* (?:of )?(?:my |the |an? )?(?:order|package|parcel|shipment"
        r"|purchase)",
        r"\bstatus of (?:my |the )?(?:order|package|parcel|shipment|purchase|delivery)",
        r"\b(?:dónde|donde) (?:está|esta) (?:mi )?(?:pedido|paquete|envío|envio)",
        r"\b(?:seguimiento|seguir|rastrear) (?:de |a )?(?:mi )?(?:pedido|paquete|envío|envio)",
        r"(?:اين|فين) (?:وصل|وصلت|وصلات|هي|هو)?\s?(?:طلبي|طلبيتي|الطلبيه|الكوموند|لكوموند"
        r"|الطلب|شحنتي|الكولي)",
        r"تتبع (?:الطلب|طلبي|الشحنه|شحنتي|الكوموند)",
        r"\bfin (?:wsl|wslat|wsal|wslt|wsel|wasla|hiya) (?:l ?commande|lkomand|lcolis|l ?colis)",
    ],
    "returns_refunds": [
        r"\b(?:refund\w*|reimburs\w*|money back|rebate\w*|restitution)\b",
        r"\breturn (?:policy|label|an? \w+|this|these|it|my|the item|the product)\b",
        r"\bsend (?:it |them |this )?back\b",
        r"\brembours\w*",
        r"\b(?:retourner|renvoyer) (?:un|une|le|la|les|mon|ma|mes|cet|cette|ce)\b",
        r"\b(?:politique|étiquette|etiquette|bon|frais) de retour\b",
        r"\breembols\w*|\bdevoluci\w+|\bdevolver\b",
        r"(?:استرداد|استرجاع|ارجاع) (?:ال|م)\w*",
        r"\b(?:remboursement|nrja3 flous|rj3ou lia flous)",
    ],
    "complaint": [
        r"\b(?:file|make|lodge|submit|register|raise|open)\b.{0,20}\b(?:complaint|grievance|claim"
        r"|reclamation)",
        r"\bcomplain(?:t|ts|ing)?\b",
        r"\b(?:porter plainte|une plainte|ma plainte|r[ée]clamation)\b",
        r"\b(?:queja|reclamaci[oó]n|reclamo)\b",
        r"(?:شكوي|شكايه|شكايتي)",
        r"\bchikaya\b",
        r"\b(?:inadmissible|scandaleux|inacceptable|unacceptable|inaceptable)\b",
    ],
}
_COMPILED = {
    intent: [re.compile(p, re.IGNORECASE) for p in patterns] for intent, patterns in _SURE.items()
}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).replace("’", "'").strip().lower()
    return normalise_arabic(text)


_ACKNOWLEDGEMENT = _any_of(_ACKNOWLEDGEMENTS)
_GOODBYE = _any_of(_GOODBYES)
_THANKS_ANY = _any_of(_THANKS)


# A yes to the assistant's offer of a person ("Would you like me to put you in touch with
# a member of our team?"): the whole message is a yes, maybe with a please or a thanks.
_YES = (
    "oui",
    "ouais",
    "yes",
    "yeah",
    "yep",
    "sure",
    "of course",
    "sí",
    "si",
    "claro",
    "por supuesto",
    "vale",
    "d'accord",
    "volontiers",
    "bien sûr",
    "avec plaisir",
    "ok",
    "okay",
    "نعم",
    "ايه",
    "إيه",
    "أكيد",
    "واخا",
    "wakha",
    "iyeh",
    "ah",
    "akid",
)
_POLITE = (
    "please",
    "svp",
    "stp",
    "s'il vous plaît",
    "s'il vous plait",
    "s'il te plaît",
    "por favor",
    "3afak",
    "عافاك",
    "من فضلك",
    *_THANKS,
)
_ACCEPT = _whole_message_of(_YES, _POLITE)
_YES_WORD = _any_of(_YES)
# Yeses that are also plain acknowledgements: with thanks ("ok merci", "wakha chokran")
# they close the exchange more often than they accept the offer.
_WEAK_YES = {_fold(w) for w in _ACKNOWLEDGEMENTS if w in _YES} | {"ah"}
# A yes closes nothing alone ("oui" is searched), but thanks or a goodbye said with one
# do: "Oui, merci !" with nothing before it found the returns entry that begins "Oui".
_CLOSING = _whole_message_of(_THANKS, _GOODBYES, _ACKNOWLEDGEMENTS, _FILLERS, _YES)


def accepts_offer(text: str) -> bool:
    """The whole message says yes ("oui", "yes please", "واخا", "oui merci"). An "ok" or a
    "d'accord" with thanks ("ok merci", "واخا شكرا") is a goodbye more often than a yes:
    not one here."""
    folded = _fold(text)
    if not _ACCEPT.match(folded):
        return False
    yeses = {m.group(0) for m in _YES_WORD.finditer(folded)}
    if not yeses:
        return False
    return not (yeses <= _WEAK_YES and _THANKS_ANY.search(folded))


def closing(text: str) -> str | None:
    """How a message that only closes the exchange closes it, or None (a question after
    the thanks is a question):

    - ``"goodbye"``: a goodbye, maybe with thanks ("merci, bonne journée !");
    - ``"thanks"``: thanks ("chokran bzaf", "ok merci", "non merci", "oui merci");
    - ``"ok"``: only an acknowledgement ("ok", "parfait", "واخا"). After the offer of a
      person, the chat takes it, or any yes, as a request for one (``accepts_offer``)."""
    folded = _fold(text)
    if not _CLOSING.match(folded):
        return None
    if _GOODBYE.search(folded):
        return "goodbye"
    if _THANKS_ANY.search(folded):
        return "thanks"
    # A lone "non" or "et ?" is no acknowledgement: searched, as before.
    return "ok" if _ACKNOWLEDGEMENT.search(folded) else None


def is_greeting(text: str) -> bool:
    """The whole message is a greeting ("Bonjour !", "salam khoya, labas?"), nothing more."""
    return bool(_GREETING.match(_fold(text)))


def is_social(text: str) -> bool:
    """A greeting, thanks or a goodbye, nothing more: the ``greeting`` intent."""
    return is_greeting(text) or closing(text) is not None


def sure_intent(text: str) -> str | None:
    """The intent an explicit wording settles, if any; the first listed wins."""
    folded = _fold(text)
    for intent, patterns in _COMPILED.items():
        if any(pattern.search(folded) for pattern in patterns):
            return intent
    return None
