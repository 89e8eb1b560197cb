"""Rewriting Moroccan Darija towards Modern Standard Arabic, for the embedding model.

multilingual-e5 saw a great deal of MSA and of Arabic script, little Darija and almost
no Arabizi (Darija in Latin letters, with digits for the sounds Latin lacks: 3 = ع,
7 = ح, 9 = ق). A Darija question is therefore embedded twice, as written and as
rewritten here, and the two vectors are averaged (``ai.embedder.embed_query``): the
rewrite brings what the model understands, the original keeps names, numbers and
loanwords.

The rewrite is deliberately crude and rule-based: Arabizi is transliterated letter by
letter into Arabic script, then frequent Darija words (question words, negation,
pronouns, common verbs) are replaced by their MSA counterparts and the Darija verb
prefixes (ك present, غا future, ما…ش negation) by MSA ones. The lexicon is written by
hand from general knowledge of the dialect.
"""

import re
import unicodedata

# Names this rewrite in the content hash of Darija chunks (``knowledge.parsed``) and in the
# digest of the built-in intents' phrases: vectors made by another one are not reused.
VERSION = "darija-msa-rewrite-2"

_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_LETTER_FORMS = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي", "ـ": None}
)
_ARABIC_CHAR = re.compile(r"[\u0600-\u06ff]")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_LATIN_WORD = re.compile(r"^[a-zA-Z0-9'’]+$")


def normalise_arabic(text: str) -> str:
    """Alef and hamza forms, ta marbuta, alef maqsura, tatweel, diacritics folded (the same
    folding as lexical analysis; kit cannot import it from there)."""
    return _DIACRITICS.sub("", text).translate(_LETTER_FORMS)


# Darija word (Arabic script, several spellings) -> MSA. Matched after the Arabic
# normalisation of lexical analysis (alef and hamza forms, ta marbuta, alef maqsura),
# so one spelling per word is enough there.
_LEXICON: dict[str, str] = {
    # question words
    "واش": "هل",
    "شنو": "ماذا",
    "شنوا": "ماذا",
    "شني": "ماذا",
    "اش": "ماذا",
    "اشنو": "ماذا",
    "كيفاش": "كيف",
    "علاش": "لماذا",
    "فين": "أين",
    "فاين": "أين",
    "منين": "من أين",
    "شكون": "من",
    "شحال": "كم",
    "بشحال": "بكم",
    "امتى": "متى",
    "امتا": "متى",
    "فوقاش": "متى",
    "فاش": "عندما",
    "ملي": "عندما",
    # pronouns, demonstratives, presentatives
    "هادا": "هذا",
    "هاد": "هذا",
    "هادي": "هذه",
    "هادو": "هؤلاء",
    "هادشي": "هذا",
    "داك": "ذلك",
    "ديك": "تلك",
    "داكشي": "ذلك",
    "نتا": "أنت",
    "نتي": "أنت",
    "نتوما": "أنتم",
    "حنا": "نحن",
    "هوما": "هم",
    "راني": "أنا",
    "راك": "أنت",
    "راه": "هو",
    "راها": "هي",
    "راهم": "هم",
    "ديال": "",
    "ديالي": "لي",
    "ديالك": "لك",
    "ديالو": "له",
    "ديالها": "لها",
    "ديالنا": "لنا",
    "ديالكم": "لكم",
    "ديالهم": "لهم",
    "ليا": "لي",
    "ليك": "لك",
    "عندي": "لدي",
    "عندك": "لديك",
    "عندنا": "لدينا",
    # negation, quantity, manner, time
    "ماشي": "ليس",
    "كاين": "يوجد",
    "كاينة": "توجد",
    "كاينين": "يوجدون",
    "والو": "لا شيء",
    "حتى حاجة": "لا شيء",
    "بلا": "بدون",
    "شي": "أي",
    "حاجة": "شيء",
    "كلشي": "كل شيء",
    "كولشي": "كل شيء",
    "بزاف": "كثيرا",
    "شوية": "قليلا",
    "بحال": "مثل",
    "غير": "فقط",
    "دابا": "الآن",
    "ديما": "دائما",
    "دغيا": "بسرعة",
    "بكري": "مبكرا",
    "البارح": "أمس",
    "لبارح": "أمس",
    "السيمانة": "الأسبوع",
    "هنايا": "هنا",
    "تما": "هناك",
    "لهيه": "هناك",
    "حيت": "لأن",
    "باش": "لكي",
    "ياك": "أليس كذلك",
    "معا": "مع",
    "تا": "حتى",
    # adjectives, answers, politeness
    "مزيان": "جيد",
    "مزيانة": "جيدة",
    "زوين": "جميل",
    "زوينة": "جميلة",
    "خايب": "سيئ",
    "خايبة": "سيئة",
    "واخا": "حسنا",
    "صافي": "حسنا",
    "عفاك": "من فضلك",
    "سمحلي": "اعذرني",
    "لاباس": "بخير",
    "بسلامة": "مع السلامة",
    "ايه": "نعم",
    "اه": "نعم",
    # common nouns
    "فلوس": "نقود",
    "الفلوس": "النقود",
    "خدمة": "عمل",
    "الخدمة": "العمل",
    "الدار": "البيت",
    "دراري": "أطفال",
    "الدراري": "الأطفال",
    "راجل": "رجل",
    "مرا": "امرأة",
    "صاحبي": "صديقي",
    "خويا": "أخي",
    "ختي": "أختي",
    "طوموبيل": "سيارة",
    "الطوموبيل": "السيارة",
    "تيليفون": "هاتف",
    "ماكلة": "طعام",
    "الماكلة": "الطعام",
    "اتاي": "شاي",
    "بنادم": "إنسان",
    "مشكل": "مشكلة",
    # common verbs
    "بغيت": "أريد",
    "بغينا": "نريد",
    "بغيتي": "تريد",
    "بغا": "أراد",
    "بغات": "أرادت",
    "بغيتو": "تريدون",
    "كنبغي": "أحب",
    "خاص": "يجب",
    "خاصني": "يجب علي",
    "خاصك": "يجب عليك",
    "خصني": "يجب علي",
    "نقدر": "أستطيع",
    "تقدر": "تستطيع",
    "يقدر": "يستطيع",
    "مشيت": "ذهبت",
    "مشا": "ذهب",
    "مشى": "ذهب",
    "جيت": "جئت",
    "جا": "جاء",
    "جات": "جاءت",
    "شفت": "رأيت",
    "شاف": "رأى",
    "كليت": "أكلت",
    "خديت": "أخذت",
    "خدا": "أخذ",
    "عطيني": "أعطني",
    "عطاني": "أعطاني",
    "درت": "فعلت",
    "دير": "افعل",
    "سير": "اذهب",
    "اجي": "تعال",
    "نعس": "نام",
    "ناض": "قام",
    "كال": "قال",
    "ݣال": "قال",
    "ڭال": "قال",
    "گال": "قال",
    "غادي": "سوف",
    "غا": "سوف",
}
_LEXICON_KEYS = {normalise_arabic(key): value for key, value in _LEXICON.items()}

# Arabizi spellings that letter-by-letter transliteration would get wrong or that vary
# most, straight to MSA. Keyed by ``_arabizi_key`` (sh = ch, ou = o = u, e = a, doubled
# letters single but the first), so wach, wash and wech are one entry. A change to any
# lexicon here changes the vectors of Darija texts: bump ``VERSION`` (above), so that chunks
# and the built-in intents' phrases are embedded again.
_ARABIZI_SPELLINGS: dict[str, str] = {
    "wach": "هل",
    "ach": "ماذا",
    "chnu": "ماذا",
    "chnua": "ماذا",
    "chni": "ماذا",
    "kifach": "كيف",
    "kif": "كيف",
    "3lach": "لماذا",
    "fin": "أين",
    "fayn": "أين",
    "fan": "أين",
    "mnin": "من أين",
    "chkun": "من",
    "ch7al": "كم",
    "chhal": "كم",
    "bch7al": "بكم",
    "imta": "متى",
    "fuqach": "متى",
    "fu9ach": "متى",
    "fach": "عندما",
    "mli": "عندما",
    "daba": "الآن",
    "bzaf": "كثيرا",
    "chwiya": "قليلا",
    "chuia": "قليلا",
    "mzyan": "جيد",
    "mzian": "جيد",
    "mzyana": "جيدة",
    "zwin": "جميل",
    "zwina": "جميلة",
    "dyal": "",
    "dial": "",
    "dyali": "لي",
    "diali": "لي",
    "dyalk": "لك",
    "dyalu": "له",
    "dyalha": "لها",
    "dyalna": "لنا",
    "dyalkum": "لكم",
    "dyalhum": "لهم",
    "machi": "ليس",
    "walu": "لا شيء",
    "ghadi": "سوف",
    "gha": "سوف",
    "kayn": "يوجد",
    "kayan": "يوجد",
    "kayna": "توجد",
    "kaynin": "يوجدون",
    "makaynch": "لا يوجد",
    "makaynach": "لا يوجد",
    "bghit": "أريد",
    "bghina": "نريد",
    "bghiti": "تريد",
    "bgha": "أراد",
    "3afak": "من فضلك",
    "smahli": "اعذرني",
    "wakha": "حسنا",
    "safi": "حسنا",
    "labas": "بخير",
    "hna": "نحن",
    "7na": "نحن",
    "nta": "أنت",
    "nti": "أنت",
    "ntuma": "أنتم",
    "huma": "هم",
    "rani": "أنا",
    "rak": "أنت",
    "rah": "هو",
    "raha": "هي",
    "had": "هذا",
    "hada": "هذا",
    "hadi": "هذه",
    "hadchi": "هذا",
    "dak": "ذلك",
    "dakchi": "ذلك",
    "kulchi": "كل شيء",
    "chi": "أي",
    "7aja": "شيء",
    "haja": "شيء",
    "hit": "لأن",
    "7it": "لأن",
    "bach": "لكي",
    "bla": "بدون",
    "b7al": "مثل",
    "ghir": "فقط",
    "dima": "دائما",
    "m3a": "مع",
    "3and": "عند",
    "3ndi": "لدي",
    "3andi": "لدي",
    "3ndk": "لديك",
    "3andak": "لديك",
    "lia": "لي",
    "liya": "لي",
    "lik": "لك",
    "flus": "نقود",
    "lflus": "النقود",
    "khdma": "عمل",
    "lkhdma": "العمل",
    "muchkil": "مشكلة",
    "iyeh": "نعم",
    "ah": "نعم",
    "iwa": "إذن",
    "khas": "يجب",
    "khasni": "يجب علي",
    "n9dar": "أستطيع",
    "t9dar": "تستطيع",
}

# Words shoppers use, in Arabizi, to their usual Arabic-script Darija spelling, which then
# goes through the Darija lexicon above like an Arabic-script text: "nkhelles cash" and
# "نخلص كاش" in a shop's answer become the same words. (Straight to MSA, the question
# and a Darija passage would each be rewritten their own way and drift apart.)
_ARABIZI_DARIJA: dict[str, str] = {
    "salam": "سلام",
    "chokran": "شكرا",
    "n3ref": "نعرف",
    "t3ref": "تعرف",
    "tawsil": "توصيل",
    "ttawsil": "التوصيل",
    "twsil": "توصيل",
    "ttwsil": "التوصيل",
    "livraison": "التوصيل",
    "kayakhod": "كياخد",
    "takhod": "تاخد",
    "nhar": "نهار",
    "iyam": "أيام",
    "simana": "سيمانة",
    "lyoum": "اليوم",
    "ghda": "غدا",
    "sift": "صيفط",
    "siftli": "صيفطلي",
    "nsift": "نصيفط",
    "tsifto": "تصيفطو",
    "katsifto": "كتصيفطو",
    "wsal": "وصل",
    "wslat": "وصلات",
    "wslatni": "وصلاتني",
    "wsalni": "وصلني",
    "twsal": "توصل",
    "lcommande": "الكوموند",
    "lkomand": "الكوموند",
    "commande": "كوموند",
    "colis": "كوليس",
    "lcolis": "الكوليس",
    "nkhelles": "نخلص",
    "tkhelles": "تخلص",
    "lkhlass": "الخلاص",
    "cash": "كاش",
    "lcarte": "لاكارط",
    "lakart": "لاكارط",
    "taman": "ثمن",
    "ghali": "غالي",
    "rkhis": "رخيص",
    "nrje3": "نرجع",
    "trje3": "ترجع",
    "rjou3": "رجوع",
    "nbeddel": "نبدل",
    "tbeddel": "تبدل",
    "mhers": "مهرس",
    "mhersa": "مهرسة",
    "nhder": "نهضر",
    "ntkellem": "نتكلم",
    "wa7ed": "واحد",
    "wahed": "واحد",
    "m3ak": "معاك",
    "m3akom": "معاكم",
    "nimero": "نمرة",
    "numero": "نمرة",
    "tilifoun": "تيليفون",
    "ntba3": "نتبع",
    "zit": "زيت",
    "argan": "أركان",
    "sabon": "صابون",
    "ghassoul": "غاسول",
    "lmghrib": "المغرب",
    "mdina": "مدينة",
    "lmdina": "المدينة",
    "barra": "برا",
    "fransa": "فرانسا",
    # cities a delivery question names
    "casa": "كازا",
    "kaza": "كازا",
    "casablanca": "الدار البيضاء",
    "rbat": "الرباط",
    "rabat": "الرباط",
    "tanja": "طنجة",
    "tanger": "طنجة",
    "fes": "فاس",
    "mrakch": "مراكش",
    "marrakech": "مراكش",
    "agadir": "أكادير",
    "meknes": "مكناس",
    "mknas": "مكناس",
    "oujda": "وجدة",
    "wjda": "وجدة",
    "tetouan": "تطوان",
}

# Letter-by-letter Arabizi -> Arabic, longest spelling first. Short vowels (e) vanish,
# as in written Darija; a, i, o/u are written as the long vowels ا, ي, و.
_DIGRAPHS = (
    ("3'", "غ"),
    ("7'", "خ"),
    ("ch", "ش"),
    ("sh", "ش"),
    ("gh", "غ"),
    ("kh", "خ"),
    ("dj", "ج"),
    ("th", "ث"),
    ("ph", "ف"),
    ("ou", "و"),
    ("oo", "و"),
    ("ee", "ي"),
)
_LETTERS = {
    "2": "ء",
    "3": "ع",
    "5": "خ",
    "6": "ط",
    "7": "ح",
    "8": "ه",
    "9": "ق",
    "b": "ب",
    "c": "ك",
    "d": "د",
    "f": "ف",
    "g": "ڭ",
    "h": "ه",
    "j": "ج",
    "k": "ك",
    "l": "ل",
    "m": "م",
    "n": "ن",
    "p": "ب",
    "q": "ق",
    "r": "ر",
    "s": "س",
    "t": "ت",
    "v": "ف",
    "w": "و",
    "x": "كس",
    "y": "ي",
    "z": "ز",
    "a": "ا",
    "i": "ي",
    "o": "و",
    "u": "و",
    "e": "",
}
# A capital inside a word marks an emphatic consonant in careful Arabizi (wit7eTTo).
_EMPHATIC = {"T": "ط", "S": "ص", "D": "ض", "Z": "ظ", "H": "ح"}
# A doubled sun letter at the start of a word is the assimilated article (ddar = الدار).
_SUN = set("tdrzsnlTDSZ")


def _arabizi_key(token: str) -> str:
    key = token.lower().replace("’", "'").replace("sh", "ch").replace("ou", "u")
    key = key.replace("o", "u").replace("ee", "i").replace("e", "a")
    # A doubled first letter stays: it is the article (ttawsil = التوصيل, tawsil = توصيل).
    return key[:1] + re.sub(r"(.)\1+", r"\1", key[1:])


def is_arabizi(token: str) -> bool:
    return bool(_LATIN_WORD.match(token)) and not token.isdigit()


def transliterate(token: str) -> str:
    """One Arabizi word in Arabic script: ``bzzaf`` -> بزاف, ``3lach`` -> علاش."""
    out: list[str] = []
    if len(token) > 2 and token[0].lower() == token[1].lower() and token[0] in _SUN:
        out.append("ال")
        token = token[1:]
    elif len(token) > 3 and token[0] in "lL" and token[1].lower() not in "aeiouy'":
        out.append("ال")  # lmghrib = المغرب: the Darija article
        token = token[1:]
    position = 0
    while position < len(token):
        char = token[position]
        if position > 0 and char in _EMPHATIC:
            piece, position = _EMPHATIC[char], position + 1
            if not out or out[-1] != piece:
                out.append(piece)
            continue
        pair = token[position : position + 2].lower()
        digraph = next((arabic for latin, arabic in _DIGRAPHS if latin == pair), None)
        if digraph is not None:
            piece, position = digraph, position + 2
        else:
            lower = char.lower()
            piece = _LETTERS.get(lower, char)
            if lower in "aeiou" and position == 0 and not out:
                piece = "ا" if lower in "ae" else "ا" + piece  # a word never starts on a vowel sign
            position += 1
        if piece and out and out[-1] == piece:
            continue  # doubled letters: one letter (the shadda is not written)
        out.append(piece)
    return "".join(out)


def _darija_word(word: str) -> str:
    """MSA for one Arabic-script Darija word, or the word itself."""
    key = normalise_arabic(word)
    if key in _LEXICON_KEYS:
        return _LEXICON_KEYS[key]
    # Negation circumfix: ما…ش (ماكاينش, مافهمتش) = لا + the verb.
    if len(key) > 4 and key.startswith("ما") and key.endswith("ش"):
        inner = key[2:-1]
        return "لا " + _LEXICON_KEYS.get(inner, inner)
    # Future غا + imperfect (غانمشي, غاتشوف) = سـ + the verb.
    if len(key) > 4 and key.startswith("غا") and key[2] in "نتي":
        return "س" + key[2:]
    # Present continuous ك/كا + imperfect (كيخدم, كنبغي, كاتشوف) = the bare imperfect.
    for prefix in ("كا", "ك"):
        rest = key[len(prefix) :]
        # four letters at least, so that كتاب (a book) stays a noun
        if key.startswith(prefix) and len(rest) >= 4 and rest[0] in "نتي":
            return _LEXICON_KEYS.get(rest, rest)
    return word


_ARABIZI_LEXICON = {
    **{_arabizi_key(spelling): msa for spelling, msa in _ARABIZI_SPELLINGS.items()},
    **{
        _arabizi_key(spelling): " ".join(_darija_word(w) for w in words.split())
        for spelling, words in _ARABIZI_DARIJA.items()
    },
}


def rewrite(text: str) -> str:
    """``text`` (Darija, either script) rewritten towards MSA in Arabic script."""
    # Diacritics (the shadda above all) would split words; other letters stay as written.
    text = _DIACRITICS.sub("", unicodedata.normalize("NFKC", text))
    words: list[str] = []
    for word in _WORD.findall(text):
        if _ARABIC_CHAR.search(word):
            words.append(_darija_word(word))
        elif is_arabizi(word):
            key = _arabizi_key(word)
            if key in _ARABIZI_LEXICON:
                words.append(_ARABIZI_LEXICON[key])
            else:
                words.append(_darija_word(transliterate(word)))
        else:
            words.append(word)
    return " ".join(w for w in words if w)
