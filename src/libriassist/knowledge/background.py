"""A fixed "null model" of questions for judging whether a match is real.

e5 puts every text in a narrow cone: an off-topic question still scores ~0.80 against
any shop's FAQ. What tells a real match is how far it stands above what the same
question scores against generic support and small-talk questions, here in the five
languages. That margin (the *lift*) does not depend on the size of the tenant's KB.
"""

BACKGROUND_QUESTIONS = [
    "Quels sont vos horaires d'ouverture ?",
    "Comment créer un compte client ?",
    "Acceptez-vous les paiements par carte ?",
    "Quelle est la météo demain à Paris ?",
    "Qui a gagné le match hier soir ?",
    "Comment faire une pâte à crêpes ?",
    "Proposez-vous des cartes cadeaux ?",
    "Puis-je modifier ma commande ?",
    "Livrez-vous le samedi ?",
    "What is your warranty policy?",
    "How do I reset my password?",
    "Do you have a physical store?",
    "What time is it in Tokyo?",
    "Who wrote Romeo and Juliet?",
    "How many calories in an apple?",
    "Do you offer gift wrapping?",
    "Can I change the size after ordering?",
    "Is there a loyalty programme?",
    "¿Tenéis descuentos para estudiantes?",
    "¿Cómo cambio mi dirección de correo?",
    "¿Dónde está vuestra tienda?",
    "¿Qué tiempo hará mañana en Madrid?",
    "¿Cuál es la capital de Perú?",
    "¿Cómo se hace una paella?",
    "هل لديكم متجر في المدينة؟",
    "كيف أغير كلمة المرور؟",
    "ما هي عاصمة اليابان؟",
    "كيف سيكون الطقس غدا؟",
    "واش عندكم شي محل فكازا؟",
    "كيفاش نبدل المودباس ديالي؟",
    "شكون ربح الماتش البارح؟",
    "كيفاش نطيب الطاجين؟",
    "wach 3ndkom chi boutique f Rabat?",
    "kifach nbdl lmot de passe?",
    "chkoun rbe7 lmatch lbare7?",
    "kifach ntayeb tajine?",
]
