"""Evidence that a Latin-letter word is Moroccan Darija written in Arabizi.

A hand-written lexicon of frequent Darija words in their usual Latin spellings, matched
after folding the spelling variation Arabizi is known for (ou = o = u, sh = ch, y = i,
the short vowel e often left out, letters doubled or stretched), plus the shapes of
Darija words the lexicon does not hold: digits standing for Arabic letters (3 = ع,
7 = ح, 9 = ق, 2 = ء, 5 = خ), clusters that open no French, English or Spanish word
(``bgh``, ``mz``, ``lk``, ``nch``), the present prefixes ``ka``/``ta`` and the future
``gha`` before a person marker (kanbghi, katkhdem, ghanmchi), and the negation ma…ch.
"""

import re
from functools import lru_cache

_STRETCHED = re.compile(r"(.)\1+")


@lru_cache(maxsize=8192)
def arabizi_key(word: str) -> str:
    """One spelling for the variants of an Arabizi word: mezyan, mzyan, mziaan -> mzian."""
    key = word.lower().replace("ou", "u").replace("o", "u").replace("sh", "ch")
    key = key.replace("y", "i").replace("ee", "i").replace("e", "")
    return _STRETCHED.sub(r"\1", key)


def _tiers(*tiers: tuple[float, str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for weight, words in tiers:
        for word in words.split():
            key = arabizi_key(word)
            out[key] = max(out.get(key, 0.0), weight)
    return out


_LEXICON = _tiers(
    (
        3.0,
        "dyal dial diel dyali diali dyalk dialk dyalek dyalo dyalu dialo dyalha "
        "dialha dyalna dialna dyalkom dyalkum dialkom dyalhom dialhom wach wech wash "
        "wesh chno chnou chnu chnowa achno chkoun chkon chkun ch7al chhal sh7al bch7al "
        "kifach kifash kifech kifch 3lach 3lah 3lash 3lech fayn fin imta fo9ach "
        "fou9ach foqach fach mli daba dba bzaf bezaf bzzaf bzf bezzaf chwiya chwia "
        "chouia chwya mzyan mzian mezyan mzyana mziana mezyana zwin zwina zouin zouina "
        "khayb khayba khaib machi mashi walo walou ghadi ghad kayn kayen kayna kaina "
        "kaynin kaynine makaynch makaynach makainch makayench makinch bghit bghiti "
        "bghina bgha bghat bghaw bghitou bghito nbghi kanbghi tanbghi kanbghik 3afak "
        "3afik 3fak 3afakom 3afakoum smahli smehli smahlia wakha waxa safi saafi labas "
        "lbas bslama hamdullah hamdoulah hamdolah lhamdulilah l7amdolillah lhamdolilah "
        "inchallah nchallah inshallah incha2allah wallah wlh tbarkallah tbarklah "
        "hadchi hadshi dakchi dakshi kolchi kulchi koulchi hadak hadik hadok hadouk "
        "b7al bhal ghir ghi dima m3a m3ak m3aya m3ah m3aha m3ana m3akom 3and 3nd 3ndi "
        "3andi 3ndk 3andek 3andk 3ndna 3andna 3ndo 3ando 3ndha 3la 3lia 3liya 3lik "
        "3lih 3liha 3lina 3likom lia liya likom lihom fia fiya bia biya flous flouss "
        "lflous lflouss khdma khedma lkhedma lkhdma mochkil mouchkil mochkila "
        "lmochkil lmouchkil khoya khouya khouia khuya khti khtii sa7bi sahbi drari "
        "ddrari bnadem wlad lwlad lwalida lwalid sbah sba7 lkhir mselkhir msalkhir "
        "tsbah tsba7 ghdda ghada lbare7 lbar7 lbareh lyoum lyouma simana chhar lchhar "
        "l3am sa3a sa3tain d9i9a lwe9t lw9t l9adia tawsil twsil ndir kandir kaydir "
        "katdir ndiro dert derti dart chouf chof chft choft chafet kanchouf nmchi mchit "
        "mcha mchat kanmchi ghanmchi jit jat jib jibli 3tini 3teni 3tani khdit khda "
        "t9dar n9dar n9der y9dar kan9der kan9dar tqder ngoul gal galt galia goul golt "
        "golia 9olia t3ref n3ref 3reft kan3ref ma3reftch fhamt fhemt mafhamtch sme3t "
        "tsna tsenna sber khlast khlsst nkhalas tkhalas sift sifet siftli sifetli "
        "saftli ntsna 3yit t3ebt wsel wslat wselt wsalt wslni 3afak khassni khasni "
        "khass khas khassek khasek khesni bghaw raha rahom rahoum rani raki rak rah "
        "ntuma ntouma ntoma nta nti homa houma huma hna 7na ana7 wa7ed wahed wa7d "
        "chi7aja chihaja 7aja haja hta 7ta 7tta bach bash baach 9bel qbel mnb3d mn "
        "b3d b3da bekri bkri mazal mazala ba9i baqi 3awtani 3awd 3ad kter ktar ktr "
        "9lil chwiya lmghrib lmaghrib maghrib mghrib lbled lblad bled casa kaza rbat "
        "ribat mrakch fes tanja agadir sla wjda tetouan salamo salam alaykoum "
        "alaykom 3alaykom 3likom slm cv labass kidayr kidayra kidayrin kirak kiraki "
        "lah llah yallah yalah iwa ewa awa wayli wili zaama za3ma ya3ni y3ni "
        "ila ilakan ilaknt wila wla awla ola 7it hit 7itach 7ite ghda lakin walakin "
        "choukran chokran shukran chukran bzzaf tbarkellah mabrouk mabrok "
        "3ziz 3zizi 7bibi habibi sahbi 9a3 ga3 kamlin kamel mskin meskin 3yan "
        "ta7aja tahaja walakin hamdollah bikhir bkhir labas 3lik",
    ),
    (
        1.5,
        "had hada hadi hado houwa howa hiya hia ana chi ila fik fih fiha bik bih "
        "lik lih liha lina mn men rah kif ach bla lwa9t f l d w o",
    ),
    (
        1.0,
        "ou la ya ma fin li",
    ),
)

# Tokens with digits that are not Arabizi: units, ordinals, product names.
_DIGIT_WORD = re.compile(r"^(?=.*[a-z])(?=.*[235789])[a-z0-9']+$")
_NOT_ARABIZI = re.compile(
    r"^(?:\d+(?:er|ere|e|eme|em|nd|rd|th|st|h|mn|min|km|kg|g|cm|mm|m|l|ml|go|gb|mo|mb|dh|"
    r"mad|eur|euro|euros|usd|x|k|p|s|am|pm|j|ans?)|[a-z]{1,3}\d{1,4}|mp3|mp4|b2b|b2c|p2p|"
    r"h24|covid19|[a-z]+\d{2,}|\d+[a-z]\d+)$"
)
# Word-initial clusters French, English and Spanish words do not start with.
_ONSET = re.compile(
    r"^(?:bgh|gh|kh|ch[bdfghjklmnqstvwz]|m[bcdfghjklnqrstvwxz]|n[bcdfghjklmqrstvwxz]|"
    r"l[bcdfghjkmnqrstvwxz]|t[bcdfgjklmnqtvxz]|b[bcdfghjkmnqstvwxz]|d[bdfghjklmnqstvxz]|"
    r"f[bdfghjkmnqstvwxz]|k[bdfgjkmqstvwxz]|z[bdfghjklmnqrstvwz]|s[bdfgjrvz]|"
    r"r[bcdfgjklmnqstvwxz]|h[bdfjklmnqrstvwz]|w[bdfjklmnqstz]|q[bdfghjklmnstvwz])"
)
_VERB_PREFIX = re.compile(r"^(?:ka|ta|gha)[nty][bcdfghjklmnqrstvwxz2379]")
_NEGATION = re.compile(r"^ma[a-z0-9]{2,}(?:ch|sh)$")
_NOT_DARIJA_SHAPE = set(
    "tandis tandem tant tante tantot tanto tanta tantos tantas tango tanger tank tanks taxi "
    "match march marsh mash tsunami sms mms pdf html http https www mr ms mrs dr hr "
    "pm nfc gps tv dvd cd usb ttc tva kg km cm mm ml".split()
)


def arabizi_word_score(word: str, previous: str, known: bool) -> float:
    """Darija evidence for one lower-case word; ``known`` = a French, English or Spanish
    list holds it, so its shape says nothing."""
    key = word if len(word) <= 2 else arabizi_key(word)
    if len(key) <= 2 and len(word) > 2:
        key = word  # "elle" folds to "l": too short to trust the folding
    weight = _LEXICON.get(key, 0.0)
    if weight or known or word in _NOT_DARIJA_SHAPE or not word.isascii():
        return weight
    if _DIGIT_WORD.match(word):
        return 0.0 if _NOT_ARABIZI.match(word) else 2.5
    if _NEGATION.match(word) or (previous in ("ma", "mat", "mab") and word.endswith("ch")):
        return 2.0
    if len(word) >= 5 and _VERB_PREFIX.match(word):
        return 2.0
    if len(word) >= 3 and _ONSET.match(word):
        return 1.5
    return 0.0
