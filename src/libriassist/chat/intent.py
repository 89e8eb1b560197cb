"""Rule-based intent detection in the five languages.

A first, transparent version: keyword patterns per intent. The answering work adds the
embedding classifier and tenant-defined intents on top.
"""

import re
import unicodedata

INTENTS = (
    "greeting",
    "human_handoff",
    "order_tracking",
    "returns_refunds",
    "complaint",
    "general_question",
)

_PATTERNS: dict[str, list[str]] = {
    "human_handoff": [
        r"\b(parler|discuter) (a|à|avec) (un|une|quelqu'un|le service)\s?(humain|conseill\w+|agent|personne|vendeu\w+|client)?",
        r"\b(talk|speak|chat) (to|with) (a |an )?(human|person|agent|someone|representative)",
        r"\b(hablar|contactar) con (un|una|alguien|el|la) ?(humano|persona|agente|asesor\w*)?",
        r"\bhuman agent\b|\bvrai humain\b|\bagent humain\b",
        r"(اريد|أريد|بغيت|نبغي|نتكلم|نهضر).{0,20}(مع|م)\s?(شي )?(شخص|انسان|إنسان|موظف|بنادم|عون|واحد)",
        r"\bbghit (nhder|nhdr|ntkalem|nhdar) m3a\b",
    ],
    "order_tracking": [
        r"\b(ou|où) (en est|est) (ma|mon) (commande|colis)",
        r"\b(suivi|suivre) (de )?(ma |mon |la |le )?(commande|colis|livraison)",
        r"\b(ma|mon) (commande|colis)\b.*\b(arrive|re[cç]u|livr)",
        r"\bwhere('s| is) my (order|package|parcel)",
        r"\btrack(ing)? (my )?(order|package|parcel)",
        r"\b(dónde|donde) (está|esta) (mi )?(pedido|paquete)",
        r"\b(seguimiento|seguir|rastrear) (de |a )?(mi )?(pedido|paquete|envío)",
        r"(أين|اين|فين) (وصلات|وصل|وصلت)? ?(طلبي|طلبيتي|الطلبية|الكوموند|لكوموند|الطلب)",
        r"(تتبع|تتبّع) (الطلب|طلبي|الشحنة)",
        r"\bfin (wsl|wslat|wsal|wslt) (l ?commande|lkomand|commande)",
        r"\b(commande|order|pedido) (n°|no|nº|number|#|numero|número)\s*\d",
    ],
    "returns_refunds": [
        r"\b(retour\w*|rembours\w*|renvoyer|échang\w*|echang\w*)\b",
        r"\b(return\w*|refund\w*|send (it )?back|exchange)\b",
        r"\b(devoluci\w+|devolver|reembols\w+|cambio)\b",
        r"(إرجاع|ارجاع|استرجاع|استرداد|رجع|نرجع|نبدل|تبديل)",
        r"\b(nrja3|rja3|nbdel|remboursement)\b",
    ],
    "complaint": [
        r"\b(inadmissible|scandale|scandaleux|pas content|m[ée]content|plainte|r[ée]clamation|nul)\b",
        r"\b(unacceptable|terrible|awful|complain\w*|disappointed|angry)\b",
        r"\b(inaceptable|queja|reclamaci\w+|decepcionad\w+|enfadad\w+)\b",
        r"(شكوى|غير مقبول|مزعوج|معصب|مقلق|ماشي معقول)",
    ],
    "greeting": [
        r"^(bonjour|bonsoir|salut|coucou|hello|hi|hey|good (morning|evening|afternoon)|hola|"
        r"buenos d[ií]as|buenas( tardes| noches)?|salam|slm|ahlan|marhaba)\b[\s!.,?]*$",
        r"^(السلام عليكم|سلام|مرحبا|اهلا|أهلا|صباح الخير|مساء الخير)[\s!.,؟?]*$",
    ],
}
_COMPILED = {
    intent: [re.compile(p, re.I) for p in patterns] for intent, patterns in _PATTERNS.items()
}


def detect_intent(text: str) -> str:
    normalised = unicodedata.normalize("NFC", text.strip().lower())
    for intent in ("greeting", "human_handoff", "order_tracking", "returns_refunds", "complaint"):
        if any(p.search(normalised) for p in _COMPILED[intent]):
            return intent
    return "general_question"
