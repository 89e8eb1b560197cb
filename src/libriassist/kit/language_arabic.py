"""Moroccan Darija or other Arabic, for a text in Arabic script.

Evidence for Darija: its own words (ديال، واش، بغيت، دابا، كاين، شحال ...), its verb
morphology (the present prefixes ك/كا/كن/كت/كي, the future غا, the negation ما…ش) and
the Moroccan letter ڭ. Evidence against: Modern Standard Arabic function words (الذي،
هل، سوف، ليس، يمكنني ...) and the markers of the dialects nearest to Darija in writing,
Tunisian (برشا، متاع، توا، فما ...), Levantine (شو، هيك، ليش، بدي ...) and Gulf (وش،
ابغى، الحين ...), which all belong to ``ar`` here. Every list is written by hand.
"""

import re

from libriassist.kit.darija import normalise_arabic

_WORD = re.compile(r"[\u0621-\u064a\u0671-\u06d3\u06a0-\u06af]+")


def _tiers(*tiers: tuple[float, str]) -> dict[str, float]:
    return {normalise_arabic(word): weight for weight, words in tiers for word in words.split()}


_DARIJA = _tiers(
    (
        3.0,
        # possessive, question words, "want", "there is", "now", "a lot", "must", "good"
        "ديال ديالي ديالك ديالو ديالها ديالنا ديالكم ديالكوم ديالهم ديالتي واش بغيت "
        "بغيتي بغينا بغا بغات بغاو بغيتو كنبغي نبغي تبغي يبغي كيبغي كتبغي دابا دبا كاين "
        "كاينة كاينين كاينا ماكاينش ماكايناش مكاينش مكاين ماكاين مزيان مزيانة مزيانين "
        "شنو اشنو آشنو شني شكون شحال بشحال بزاف هادشي داكشي كولشي والو فوقاش امتى واخا "
        "عفاك عافاك سمحلي خاصني خصني خاصك خصك خاصنا خاصو خاصها خصو دغيا شوية زوين زوينة "
        "خايب خايبة نتوما انتوما نتا نتي ليا عليا بيا معايا لهيه هنايا ايوا بنادم جوج "
        "سميتك سميتي جيعان خبارك لاباس فحالك بحالك بحالي بحالا فيناهو "
        # nouns: French and Spanish loans in Moroccan form, and Moroccan words
        "لاكارط الكارط كارط الكونط كونط البورطابل بورطابل طوموبيل الطوموبيل الكوموند "
        "كوموند لاكوموند لابوست السيمانة سيمانة البارح لبارح ديجا بعدا بالزربة مزروب "
        "حشومة الحشومة شوهة الشوهة الحكرة حكرة واعر واعرة مسخوط بزز فابور فنيان البنكة "
        "بنكة لبنكة الكريدي كريدي الفاكتورة لافاكتور الطوبيس طوبيس التران البيسكليط "
        "السبيطار سبيطار الماكلة ماكلة اتاي الحريرة القراية الميمة الواليدة الواليدين "
        "الوليدات العيالات دري الدري درية الدرية دراري الدراري كازا الزنقة الصاكوش "
        "العشية الضو "
        # verbs: send, do, talk, ask, call, remove, wait, pass, finish, get up, take
        "صيفط صيفطت صيفطو نصيفط كنصيفط صيفطلي تصيفط نديرو ندير دير درت درتي كندير "
        "كيدير كتدير داير دايرة دايرين غادي غادية غاديين غادين غانمشي ماقدرتش مانقدرش "
        "هضر هضرت نهضر تهضر يهضر الهضرة هضرة سولت سولتك نسول تسول سولني عيطت عيطلي "
        "نعيط تعيط حيد حيدت نحيد حيدلي تسنيت نتسنى تسنى تسناني دوز دوزت ندوز تدوز "
        "سالا سليت ناض ناضت نعست تقلقت زعفت تخلعت خديت خدا خدات خداو ناخد تاخد ياخد "
        "خود خودي خديتي عاونوني عاوني مابغيتش مافهمتش معرفتش ماعرفتش فهمتيني "
        "عطيني عطاني عطيتك تعطيني جيبلي خلصني زعما ياك واقيلا",
    ),
    (
        2.0,
        "راني راه راها راهم راك راكي بحال حيت ملي فاش دروك مالك مالكم مالو هوما خويا "
        "حتا كاع غا اللول لتحت لفوق لداخل لبرا مور بلي بشوية بصحتك تبارك نقدر كنقدر "
        "كيقدر شريت شرات شراو نشري تشري بقا مابقاش ولاه علاش كيفاش فين فاين ف د ربعة "
        "تمنية هانا براسي براسو راجلي المارشي ولينا وليت ولاو ولات اجي اجيو شعل يعاونك "
        "يعاون بيك بيكم فيا الشطيح",
    ),
    (
        1.5,
        "هادا هادي هادو هادوك هاديك هاداك هاكا هاكاك هاكدا داك ديك دوك منين ماشي مشيت "
        "مشا مشات جيت جا جات اش آش ايلا صافي تما بكري مازال مزال ختي الدوا البوليس "
        "الطاكسي الكار الموطور ساهل صعيب خاوي عامر مقلق عيان الما الخدام خدام الراجل "
        "راجل المرا مرا الواليد الدراهم دراهم درهم مغربي مغربية المغربي المغاربة المغرب "
        "بيه بيها ليهم ليها لينا ليكم ليك عطى عطيت عطات كليت كلات ناكل ديما يلاه تا "
        "هاهو هاهي بوحدي صحابي الدرب الحومة التيليفون تيليفون طفي ضو مشكل المشكل الساك",
    ),
    (
        1.0,
        "هاد تاني ولا غير حنا شي بلا حاجة تقدر بلاصة البلاصة وا باش شويا هوا هيا زوج "
        "تلاتة ولى سير الماتش منو كلشي راسي راسك معاك معاه معاها معانا معاهم",
    ),
    (0.5, "اللي عندي عندك عندو عندها عندنا الدار الخدمة كي باقي لي الصباح البلاد"),
)

_MSA = _tiers(
    (
        2.0,
        "هل لماذا ماذا الذي التي الذين اللذين اللتين اللواتي سوف ليس ليست لست لسنا لقد "
        "هذه هؤلاء اولئك هناك هنالك يوجد توجد يمكنني يمكنك يمكننا استطيع تستطيع نستطيع "
        "اريد نريد تريد اود نود لدي لدينا لديك لديه لديها لديهم ايضا جدا الان فقط نحن "
        "انتم بواسطة الرجاء كيفية لكي ماهي ماهو عدم حيث يتم سيتم اين كثيرا بانه لذلك "
        "سيكون ستكون انني لكنني ارغب وفقا",
    ),
    (
        1.5,
        "لم لن قد عندما اذا ثم مثل شيء لان يجب بان لانه اصبح يصبح اصبحت بشكل اثناء "
        "فيما بينما اذ بذلك هكذا كذلك العديد احتاج",
    ),
    (1.0, "هذا ذلك تلك الي منذ متى كم خلال كثير عبر معظم عدة حاليا كما اعرف"),
    (0.5, "ان انه انها عن اي تم حول جميع كيف حسب اول اكثر بعض يمكن"),
)

# The dialects nearest to Darija in writing; they are ``ar`` here.
_OTHER_DIALECTS = _tiers(
    (
        3.0,
        # Tunisian
        "برشا برشة متاع متاعي متاعك متاعو متاعها متاعنا متاعكم توا فما فماش مافماش "
        "ماهوش موش ياسر باهي نحب تحب يحب نحبش نجم نجمش تنجم ينجم ننجم قداش شنوة "
        "شنية علاه زادة هاذا هاذي هاذوكم هوني خاطر علاخاطر ماعادش امالا يزي شبيه "
        # Levantine
        "شو هيك ليش هلق هلأ بدي بدك بده بدها بدنا بدكم بدو منشان مشان كرمال كتير اشي "
        "لسا لسه هاي هدول هداك منيح تبعي تبعك تبعت عنجد هون هيدا هيدي ازا رح بصير "
        "بقدر بعرف بتقدر "
        # Gulf
        "وش ايش ابغى ابغا الحين اللحين للحين دحين توني حقي حقك حقتي كذا وشلون شلون "
        "عشان علشان ماني مب مو اسوي سويت يسوي نسوي تسوي ابغي تبي يبي واجد هذي هذول "
        "وين "
        # Egyptian
        "ازاي عايز عاوز عايزة دلوقتي كده بتاع بتاعي",
    ),
    (2.5, "مش وشو زي"),
    (2.0, "وقتاش كمان نعمل تعمل يعمل ذاك"),
    (1.5, "بس عم تبع نبعث بعثت تبعث ترا راهو الكارطة كارطة كارطتي"),
    (1.0, "زين هلا برك"),
    (0.5, "ليه ابي"),
)

# Words that the Darija verb-prefix rule would take for a ك/غا + verb.
_PREFIX_LOOKALIKES = set(
    normalise_arabic(w)
    for w in "كتاب كتابي كتابك كتابه كتابها كتابات كتب كتبت كتبه كتبها كتبوا كتبنا كتبي "
    "كتيب كنيسة كنائس كنز كنوز كندا كندي كينيا كيلو كيلومتر كيلوغرام كيان كيانات كيمياء "
    "كيميائي كيميائية كيماوي كيفية كيفما كيس كتلة كتف كتاكيت كنتم كنتما كنتن غايات "
    "غانا كيلومترات كيبورد كينونة كتائب كيبيك كيوتو كينيدي كيسنجر تايلاند تايوان تانزانيا".split()
)
_MOROCCAN_LETTERS = set("ڭݣگ")
_OTHER_MAGHREB_LETTERS = set("ڨ")
_MSA_LETTERS = set("ذثظ")


def _shape(word: str, raw: str) -> tuple[float, float]:
    """(Darija, other) evidence from the form of a word no list holds; ``word`` is
    normalised, ``raw`` keeps its ta marbuta (a noun, never a verb)."""
    if raw.endswith("ة") or word in _PREFIX_LOOKALIKES:
        return 0.0, 0.0
    if len(word) >= 5 and word.startswith("ما") and word.endswith("ش"):
        return 2.0, 0.0  # negation ما…ش (ماكاينش, مافهمتش)
    if len(word) >= 5 and word[0] == "ك" and word[1] in "نتي":
        return 2.0, 0.0  # present ك + imperfect (كنبغي, كتعرف, كيخدم)
    if len(word) >= 6 and word[:2] in ("كا", "تا") and word[2] in "نتي":
        return 2.0, 0.0  # the same with كا / تا (كانخدم, تايقول)
    if len(word) >= 5 and word.startswith("غا") and word[2] in "نتي":
        return 2.0, 0.0  # future غا + imperfect (غانمشي)
    if len(word) >= 6 and word.startswith("فال"):
        return 0.5, 0.0  # ف "in" + article (فالدار); MSA writes في
    if len(word) >= 4 and word.endswith("و") and word[-2] != "ي":
        return 0.5, 0.0  # -و for -ه / -وا / -ون (عندو, مشاو, يقولو); not foreign -يو
    if len(word) >= 5 and word.endswith("ون"):
        return 0.0, 0.7  # MSA plural and present ending; dialects say -ين, -و
    return 0.0, 0.0


def arabic_scores(text: str) -> dict[str, float]:
    """Evidence for ``ary`` (Darija) and ``ar`` (MSA and other dialects)."""
    scores = {"ary": 0.0, "ar": 0.0}
    letters = set(text)
    if letters & _MOROCCAN_LETTERS:
        scores["ary"] += 2.0
    if letters & _OTHER_MAGHREB_LETTERS:
        scores["ar"] += 2.0
    # Darija says د/ت where MSA writes ذ/ث/ظ, but careful Darija writing keeps them.
    scores["ar"] += min(0.5, 0.25 * sum(1 for ch in text if ch in _MSA_LETTERS))
    previous = ""
    for raw in _WORD.findall(text):
        word = normalise_arabic(raw)
        for candidate in (word, word[1:] if len(word) > 3 and word[0] in "وف" else ""):
            darija = _DARIJA.get(candidate, 0.0)
            other = _MSA.get(candidate, 0.0) + _OTHER_DIALECTS.get(candidate, 0.0)
            if darija or other:
                scores["ary"] += darija
                scores["ar"] += other
                break
        else:
            darija, other = _shape(word, raw)
            if not darija and previous == "ما" and word.endswith("ش") and len(word) >= 3:
                darija = 1.5
            scores["ary"] += darija
            scores["ar"] += other
        previous = word
    return scores
