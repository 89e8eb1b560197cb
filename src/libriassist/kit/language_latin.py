"""Evidence for French, English, Spanish and Arabizi (Darija in Latin letters) in a text.

Hand-written knowledge only: function words and frequent chat words per language (a word
may count for several languages), and spelling cues for the words no list knows: accents,
suffixes, and the shapes of Arabizi (digits for ع ح ق, word-initial clusters such as
``bgh``/``mz``/``lk`` that French, English and Spanish do not allow, the verb prefixes
``ka``/``ta``/``gha`` and the negation ``ma…ch``). The Darija word list lives in
``language_arabizi``.
"""

import re
import unicodedata

from libriassist.kit.language_arabizi import arabizi_word_score

_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*", re.UNICODE)


def _tiers(*tiers: tuple[float, str]) -> dict[str, float]:
    return {word: weight for weight, words in tiers for word in words.split()}


# Keys are lower-case and without accents (chat writers often leave them out); a word in
# more than one list counts for each, so shared words ("de", "que", "a") decide nothing.
_WORDS: dict[str, dict[str, float]] = {
    "fr": _tiers(
        (
            2.0,
            "le les des du est et je nous vous avec dans pour pas sur qui quoi quel "
            "quelle quels quelles mais aussi tres etre avoir ete etait etaient sont suis ai "
            "avez avons ont fait faire peut peux pouvez veux voudrais voulez comment "
            "combien pourquoi quand cette ces cet ca mes ton tes ses notre nos votre vos "
            "leur leurs une au aux plus moins oui chez depuis apres pendant sans sous vers "
            "lors selon dont lequel laquelle lesquels chaque toute toutes autres meme "
            "encore deja toujours jamais rien beaucoup peu trop ici alors donc puis ensuite "
            "enfin bonjour bonsoir svp s'il plait quelle quelles cela ceci celui celle "
            "ceux celles avait ont eu fut sera seront serait pourrait devrait doit dois "
            "faut il ils elle elles on nous leur lui eux moi toi soi y'a c'est j'ai "
            "n'est qu'il qu'est-ce est-ce ou quelqu'un aujourd'hui",
        ),
        (
            1.0,
            "un que ce mon sa son tout tous autre bien merci salut non si comme entre "
            "avant contre premier premiere deux trois ans annee siecle jour jours mois "
            "livraison commande colis delai delais remboursement retour prix gratuit "
            "gratuite compte carte paiement argent adresse produit produits "
            "recu reçu envoyer envoye besoin aide probleme quelque chose ville pays monde "
            "guerre roi nom partie fois temps pres loin grand grande petit petite nouveau "
            "nouvelle dernier derniere heure heures semaine possible mot commander "
            "annuler rembourser livrer arrive casse abime taille couleur magasin boutique "
            "disponible veut veulent sais savoir vois voir trouve parler conseiller numero "
            "telephone frais euros merci solde virement retrait bancaire banque payer paye "
            "rembourse livre livree recue suivi suivre changer modifier retourner echanger "
            "article articles promo passe connexion connecter erreur aider attendre attends "
            "d'accord voila bon bonne mauvais vite rapide lent retard demain hier "
            "maintenant fais font vais vas va allez aller venir viens vient prendre prends "
            "pris mettre dire dit donner donne recois recevoir acheter achete vendre "
            "fonctionne aimerais souhaite connaitre",
        ),
        (
            0.5,
            "de la en se te me a ta",
        ),
    ),
    "en": _tiers(
        (
            2.0,
            "the of and to is are was were be been being it its this that these those "
            "what which who whom whose when where why how do does did done have has will "
            "would can could should shall might must i you she they my your his her "
            "our their them him us not yes with for from by at about into after before "
            "during between through than then there here an or but if so up out all any "
            "some many much more most other such only also very just get got want need "
            "please thanks thank hello hi hey still yet don't can't isn't didn't doesn't "
            "i'm it's i've i'll what's won't haven't wasn't aren't there's let's",
        ),
        (
            1.5,
            "we",
        ),
        (
            1.0,
            "order delivery shipping refund account card money payment transfer back "
            "help new first two three years year time people world war king name part "
            "city country number long way day days week hours charge charged fee top "
            "cash bank app phone pin never always arrived received package parcel item "
            "items product ordered delivered cancel return returns address change today "
            "tomorrow yesterday know like make see tell call send sent said say find "
            "found lost wrong broken damaged balance exchange rate rates fees withdraw "
            "withdrawal deposit declined pending verify verification identity transaction "
            "transactions statement limit currency abroad pay paid atm cheque check "
            "transferred contactless virtual physical stolen activate blocked unblock "
            "replace replacement password passcode online website email login sign update "
            "details issue problem error reason fix show showing shows work working extra "
            "twice again someone something anything nothing everything able use used using "
            "buy bought price cost free store shop size color colour deliver tracking track "
            "month months minutes late soon take takes took wait waiting arrive arrives "
            "come came go going went look looking thing things good great bad sure right "
            "well now really too cannot where's how's who's i'd you're they're we're "
            "that's",
        ),
        (
            1.0,
            "he",
        ),
        (
            0.5,
            "a in on me no as had",
        ),
    ),
    "es": _tiers(
        (
            2.0,
            "el los las una unos unas y del al con por para quien quienes cual "
            "cuales cuando donde como cuanto cuanta cuantos cuantas es fue fueron era "
            "eran ser estar esta estan estaba estaban ha han habia hay tiene tienen tengo "
            "puedo puede pueden quiero muy mas pero sin sobre desde hasta hacia segun "
            "durante tambien lo le les nos hola gracias buenos buenas dias ano anos "
            "porque despues otro otra otros otras todo todos toda todas cada mismo misma "
            "su sus mi mis nuestro nuestra este estos estas ese esa esos esas eso esto "
            "aquel aquella usted ustedes ellos ellas yo fue habian hizo hace hacer entre "
            "cuyo cuya cuyos cuyas siglo ciudad pais mundo guerra rey parte veces "
            "tiempo primer primero primera dos tres nuevo nueva ultimo ultima envio "
            "pedido cuenta tarjeta dinero ayuda problema necesito semana horas hemos "
            "todavia nunca nada algo alguien bueno ahora hoy ayer manana puedes podria "
            "quisiera tienes estoy soy eres somos sido creo",
        ),
        (
            1.0,
            "un que son nombre no si ya he paquete producto llega llego llegado "
            "cuesta devolver devolucion reembolso aun dia favor vale hecho saldo "
            "transferencia retiro banco comision pago pagar pagado entregado enviado "
            "recibido seguimiento numero direccion cambiar articulo talla precio codigo "
            "contrasena esperar espero bien malo mucho mucha muchos poco rapido tarde hago "
            "voy vas ir venir viene tomar poner decir dice dar doy comprar compre comprado "
            "vender funciona posible debo saber conocer quiere quieren",
        ),
        (
            0.5,
            "a la de en se te me",
        ),
    ),
}

UNKNOWN_WORD = 0.4
_FRENCH_ELISION = re.compile(r"^(?:l|d|j|n|m|t|s|c|qu|jusqu|lorsqu|puisqu)'")
_ENGLISH_CONTRACTION = re.compile(r"'(?:s|t|m|re|ve|ll|d)$")
_FRENCH_ONLY_ACCENTS = set("èêàâçôîûùœëï")
_SPANISH_ONLY_ACCENTS = set("áíóúñ")
# Word endings typical of one language (or two, equally), for words no list knows.
_SUFFIXES: dict[str, tuple[tuple[str, float], ...]] = {
    "eaux": (("fr", 1.0),),
    "eau": (("fr", 1.0),),
    "aux": (("fr", 0.7),),
    "aient": (("fr", 1.0),),
    "ait": (("fr", 0.7),),
    "ais": (("fr", 0.5),),
    "euse": (("fr", 1.0),),
    "eux": (("fr", 1.0),),
    "ement": (("fr", 0.7),),
    "oir": (("fr", 0.5),),
    "ette": (("fr", 0.5),),
    "ees": (("fr", 0.7),),
    "cion": (("es", 1.0),),
    "ciones": (("es", 1.0),),
    "dad": (("es", 1.0),),
    "dades": (("es", 1.0),),
    "mente": (("es", 0.5),),
    "ado": (("es", 0.7),),
    "ada": (("es", 0.5),),
    "idos": (("es", 0.7),),
    "ados": (("es", 0.7),),
    "ido": (("es", 0.5),),
    "aron": (("es", 1.0),),
    "ieron": (("es", 1.0),),
    "aba": (("es", 0.5),),
    "os": (("es", 0.4),),
    "ing": (("en", 1.0),),
    "ght": (("en", 1.0),),
    "ly": (("en", 0.5),),
    "ed": (("en", 0.4),),
    "tion": (("en", 0.3), ("fr", 0.3)),
}
# Longest ending first; at least two letters must come before it.
_SUFFIX = re.compile(
    r"^..+?(" + "|".join(sorted(_SUFFIXES, key=len, reverse=True)) + r")$", re.DOTALL
)
_ENGLISH_SHAPE = re.compile(r"^(?:th|wh)|[^aeiou]y$|ck|ee|oo|w")


def _plain(word: str) -> str:
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _shape(word: str, scores: dict[str, float]) -> None:
    """Spelling cues of a word no list knows."""
    ending = _SUFFIX.match(word)
    if ending:
        for language, weight in _SUFFIXES[ending.group(1)]:
            scores[language] += weight
    if _ENGLISH_SHAPE.search(word):
        scores["en"] += 0.3


def _merged(lists: dict[str, dict[str, float]]) -> dict[str, tuple[tuple[str, float], ...]]:
    merged: dict[str, tuple[tuple[str, float], ...]] = {}
    for language, words in lists.items():
        for word, weight in words.items():
            merged[word] = (*merged.get(word, ()), (language, weight))
    return merged


# One look-up per word for all three languages.
_LEXICON = _merged(_WORDS)


def _marks(word: str, scores: dict[str, float]) -> None:
    """Accents that only French or only Spanish writes."""
    letters = set(word)
    if letters & _FRENCH_ONLY_ACCENTS:
        scores["fr"] += 1.0
    elif letters & _SPANISH_ONLY_ACCENTS:
        scores["es"] += 1.0
    elif "é" in letters:
        scores["fr"] += 0.5
        scores["es"] += 0.2


def latin_scores(text: str) -> dict[str, float]:
    """Evidence per language (fr, en, es, ary) for a text in Latin letters."""
    scores = {"fr": 0.0, "en": 0.0, "es": 0.0, "ary": 0.0}
    lowered = text.lower().replace("’", "'")
    if not lowered.isascii():
        lowered = unicodedata.normalize("NFC", lowered)
        if "¿" in lowered or "¡" in lowered:
            scores["es"] += 3.0
    previous = ""
    for raw in _TOKEN.findall(lowered):
        if raw.isdigit():
            continue
        word = raw
        if "'" in word:
            elision = _FRENCH_ELISION.match(word)
            if elision and len(word) > elision.end() + 1:
                scores["fr"] += 1.5
                word = word[elision.end() :]
            elif _ENGLISH_CONTRACTION.search(word) and raw not in _WORDS["en"]:
                scores["en"] += 1.0
        plain = word
        if not word.isascii():
            _marks(word, scores)
            plain = _plain(word)
        hits = _LEXICON.get(plain) or _LEXICON.get(raw, ())
        for language, weight in hits:
            scores[language] += weight
        darija = arabizi_word_score(raw, previous, bool(hits))
        scores["ary"] += darija
        if not hits and not darija and len(plain) > 2:
            _shape(plain, scores)
            if word.isascii():
                # French, English and Spanish sentences are mostly listed function
                # words; a text of unknown words is more likely Arabizi.
                scores["ary"] += UNKNOWN_WORD
        previous = raw
    return scores
