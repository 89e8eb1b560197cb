"""The built-in intents' example phrases, written by hand for this product.

Each built-in intent is a set of *notions* (the ways a visitor comes to it), each notion
a handful of phrasings per language: French, English, Spanish, Modern Standard Arabic
and Moroccan Darija (Arabic script and Arabizi under ``ary``). The classifier learns one
class per notion and adds the notions' probabilities up per intent, so a broad intent
like ``general_question`` is many tight clusters rather than one vague average.

``general_question`` is the fallback: its notions are the usual shop questions that
need the knowledge base rather than a dedicated flow (ordering, cancelling, payment,
invoices, accounts, delivery options...). They are here so that "cancel my order" or
"payment options" are recognised as *not* order tracking or refunds.

Written from general knowledge of customer-support requests: no phrase comes from an
evaluation set. Changing any phrase, or the Darija rewrite (``kit.darija.VERSION``), changes
``phrases_digest()``, which names the cached built-in vectors, so they are embedded again.
"""

import functools
import hashlib
from dataclasses import dataclass

from libriassist.kit import darija

BUILTIN_INTENTS = (
    "greeting",
    "human_handoff",
    "order_tracking",
    "returns_refunds",
    "complaint",
    "general_question",
)
FALLBACK_INTENT = "general_question"


@dataclass(frozen=True)
class Notion:
    intent: str
    name: str
    phrases: dict[str, str]  # language -> one phrase per line

    def examples(self) -> list[tuple[str, str]]:
        """(language, phrase) pairs."""
        return [
            (language, line.strip())
            for language, block in self.phrases.items()
            for line in block.splitlines()
            if line.strip()
        ]


NOTIONS: tuple[Notion, ...] = (
    # --- greeting ----------------------------------------------------------------------
    Notion(
        "greeting",
        "hello",
        {
            "en": """
                hello
                hi there
                hey
                good morning
                good afternoon
                good evening
                hello, how are you?
                hi, anyone there?
                hey, good morning to you
                greetings
            """,
            "fr": """
                bonjour
                bonsoir
                salut
                coucou
                bonjour à vous
                bonjour, comment allez-vous ?
                salut, il y a quelqu'un ?
                bonne journée à vous, bonjour
            """,
            "es": """
                hola
                buenos días
                buenas tardes
                buenas noches
                hola, ¿qué tal?
                hola, ¿hay alguien?
                saludos
            """,
            "ar": """
                مرحبا
                السلام عليكم
                أهلا وسهلا
                صباح الخير
                مساء الخير
                مرحبا، كيف حالك؟
                تحية طيبة
            """,
            "ary": """
                السلام
                سلام عليكم
                صباح الخير خويا
                مرحبا بيك
                لاباس عليك؟
                السلام، كاين شي واحد؟
                salam
                salam alikom
                slm labas
                ahlan
                sba7 lkhir
                salam khoya, labas?
            """,
        },
    ),
    # --- human handoff -----------------------------------------------------------------
    Notion(
        "human_handoff",
        "talk_to_a_person",
        {
            "en": """
                I want to talk to a human
                can I speak to a real person please
                put me through to an agent
                I need a human agent, not a bot
                connect me with a customer service representative
                is there a live person I can chat with?
                let me talk to someone from your team
                transfer me to an operator
                I would like to speak with a member of staff
                get me a real human
                can a person call me back?
                stop the bot, I want an advisor
                how do I reach a live agent
                I'd rather chat with an employee
            """,
            "fr": """
                je veux parler à un humain
                je voudrais parler à une vraie personne
                mettez-moi en relation avec un conseiller
                passez-moi un agent s'il vous plaît
                est-ce que je peux discuter avec quelqu'un du service client ?
                je préfère parler à un conseiller humain qu'à un robot
                un conseiller peut-il me rappeler ?
                transférez-moi à un opérateur
                je souhaite être mis en contact avec une personne réelle
                comment joindre un conseiller en direct ?
            """,
            "es": """
                quiero hablar con una persona
                ¿puedo hablar con un agente humano?
                pásame con un asesor, por favor
                necesito hablar con alguien de atención al cliente
                no quiero un robot, quiero una persona real
                ¿me puede llamar un agente?
                comunícame con un operador
                prefiero hablar con un empleado
            """,
            "ar": """
                أريد التحدث مع شخص حقيقي
                هل يمكنني التحدث إلى موظف خدمة العملاء؟
                حولني إلى أحد الموظفين من فضلك
                أحتاج إلى التواصل مع إنسان وليس روبوت
                أريد مكالمة مع ممثل خدمة العملاء
                كيف أتواصل مع وكيل بشري؟
                اتصلوا بي من فضلكم، أريد التكلم مع مسؤول
            """,
            "ary": """
                بغيت نهضر مع شي واحد
                بغيت نتكلم مع بنادم ماشي روبو
                عطيني شي موظف نهضر معاه
                واش ممكن نهضر مع شي مستشار؟
                حولني لشي واحد من خدمة الزبناء
                عيطو ليا عافاكم بغيت نهضر مع شي حد
                bghit nhder m3a chi wa7ed
                bghit ntkalem m3a chi bnadem machi robot
                wach momkin nhder m3a chi conseiller?
                3aytou lia 3afakom, bghit chi 7ed
                7awelni l chi employé
            """,
        },
    ),
    # --- order tracking ----------------------------------------------------------------
    Notion(
        "order_tracking",
        "where_is_my_order",
        {
            "en": """
                where is my order?
                where's my package
                track my order
                I want to track my parcel
                what is the status of my order
                can you check the status of order 48213
                I'd like to locate my purchase
                my order hasn't arrived yet
                I still haven't received my package
                has my order been shipped?
                is my parcel on its way?
                give me the tracking number of my shipment
                how can I follow my delivery
                order status please
                my package says in transit for a week
                where is the purchase I made last week
                help me find my parcel
                what's the ETA of my order
                I need to check where my shipment is
            """,
            "fr": """
                où est ma commande ?
                où en est mon colis ?
                je voudrais suivre ma commande
                quel est le statut de ma commande 55120 ?
                ma commande n'est toujours pas arrivée
                je n'ai pas encore reçu mon colis
                est-ce que ma commande a été expédiée ?
                pouvez-vous me donner le numéro de suivi ?
                suivi de mon colis s'il vous plaît
                mon colis est bloqué en transit depuis une semaine
                où se trouve mon achat de la semaine dernière ?
            """,
            "es": """
                ¿dónde está mi pedido?
                quiero rastrear mi paquete
                ¿cuál es el estado de mi pedido?
                mi pedido todavía no ha llegado
                no he recibido mi paquete
                ¿ya enviaron mi pedido?
                dame el número de seguimiento de mi envío
                seguimiento de mi compra, por favor
                mi paquete lleva una semana en tránsito
            """,
            "ar": """
                أين طلبي؟
                أريد تتبع طلبي
                ما هي حالة طلبي رقم 4410؟
                لم يصلني الطلب حتى الآن
                لم أستلم الطرد بعد
                هل تم شحن طلبي؟
                أعطني رقم التتبع الخاص بشحنتي
                أين وصلت شحنتي؟
                طردي عالق في الطريق منذ أسبوع
            """,
            "ary": """
                فين وصلات الكوموند ديالي؟
                فين الطلبية ديالي؟
                بغيت نعرف فين وصل الكولي
                الكوموند ديالي مازال ما وصلاتش
                مازال ما توصلت بالكولي
                واش صيفطتو الكوموند ديالي؟
                عطيني رقم التتبع ديال الكولي
                fin wslat lcommande dyali?
                fin wsel lcolis dyali
                lcommande dyali mazal ma wslatch
                mazal ma twselt b lcolis
                wach sifttou lcommande dyali?
                bghit n3ref fin wslat lkomand
            """,
        },
    ),
    Notion(
        "order_tracking",
        "when_will_my_order_arrive",
        {
            "en": """
                when will my order arrive?
                when is my package going to be delivered
                how long until my order gets here
                what's the estimated delivery date for my order
                how many more days before I receive my purchase
                when can I expect my parcel
                is my order arriving today?
                what time will the courier deliver my package
                how soon will I get the items I ordered
                when will my item arrive
                how long will it take for my order to reach me
                when should I expect the product I bought
                what's the delivery period for the order I placed
            """,
            "fr": """
                quand vais-je recevoir ma commande ?
                quand ma commande sera-t-elle livrée ?
                dans combien de jours arrive mon colis ?
                quelle est la date de livraison prévue pour ma commande ?
                mon colis arrive aujourd'hui ?
                à quelle heure le livreur passe-t-il ?
            """,
            "es": """
                ¿cuándo llega mi pedido?
                ¿cuándo me entregan el paquete?
                ¿en cuántos días recibiré mi compra?
                ¿cuál es la fecha estimada de entrega de mi pedido?
                ¿mi pedido llega hoy?
            """,
            "ar": """
                متى سيصل طلبي؟
                متى سيتم توصيل الطرد الخاص بي؟
                كم يوما باقي حتى أستلم طلبي؟
                ما هو الموعد المتوقع لتسليم طلبي؟
            """,
            "ary": """
                إمتى غادي توصل الكوموند ديالي؟
                شحال باقي باش يوصلني الكولي؟
                واش الكوموند غادي توصل اليوم؟
                imta ghadi twsel lcommande dyali?
                ch7al baqi bach iwselni lcolis?
                wach lcommande ghadi twsel lyoum?
            """,
        },
    ),
    # --- returns and refunds -----------------------------------------------------------
    Notion(
        "returns_refunds",
        "return_an_item",
        {
            "en": """
                I want to return an item
                how do I send back a product
                can I return my order?
                I'd like to exchange this for another size
                the shoes don't fit, can I swap them
                how do I get a return label
                I want to send this back
                start a return for order 33901
            """,
            "fr": """
                je veux retourner un article
                comment renvoyer un produit ?
                puis-je échanger contre une autre taille ?
                comment obtenir une étiquette de retour ?
                je souhaite renvoyer ma commande
                la taille ne va pas, je voudrais faire un échange
                acceptez-vous les échanges ?
                est-il possible d'échanger un article ?
            """,
            "es": """
                quiero devolver un artículo
                ¿cómo devuelvo un producto?
                ¿puedo cambiarlo por otra talla?
                necesito una etiqueta de devolución
                quiero hacer una devolución de mi pedido
                ¿puedo cambiar un producto que compré?
            """,
            "ar": """
                أريد إرجاع منتج
                كيف يمكنني إعادة الطلب؟
                هل يمكنني استبدال المنتج بمقاس آخر؟
                أريد إرجاع هذه السلعة
            """,
            "ary": """
                بغيت نرجع هاد السلعة
                كيفاش نرجع شي منتوج؟
                واش نقدر نبدل الصباط بنمرة أخرى؟
                bghit nrja3 had sel3a
                kifach nrej3 produit?
                wach n9der nbdel taille?
            """,
        },
    ),
    Notion(
        "returns_refunds",
        "get_a_refund",
        {
            "en": """
                I want a refund
                I'd like my money back
                please refund me
                can I get reimbursed for this purchase
                refund me the 40 dollars
                how do I claim a refund
                I want to be reimbursed
                give me back what I paid
                I need a rebate for this item
                I want compensation for my purchase
                can I get a reimbursement
                I paid 80 euros for this, I want the money returned
            """,
            "fr": """
                je veux être remboursé
                je voudrais un remboursement
                remboursez-moi s'il vous plaît
                comment me faire rembourser ?
                je veux récupérer mon argent
                rendez-moi les 30 euros
            """,
            "es": """
                quiero un reembolso
                quiero que me devuelvan el dinero
                ¿cómo pido un reembolso?
                reembólsenme, por favor
            """,
            "ar": """
                أريد استرداد أموالي
                أريد استرجاع المبلغ الذي دفعته
                كيف أطلب استرداد المبلغ؟
                أرجو إعادة أموالي
            """,
            "ary": """
                بغيت نسترجع الفلوس ديالي
                رجعو ليا فلوسي عافاكم
                كيفاش نطلب ترجاع الفلوس؟
                bghit nrja3 flousi
                rj3ou lia flousi 3afakom
                kifach ntlob remboursement?
            """,
        },
    ),
    Notion(
        "returns_refunds",
        "refund_status",
        {
            "en": """
                where is my refund?
                I'm still waiting for my refund
                has my refund been processed
                when will I get my money back
                status of my reimbursement
                you promised a refund but nothing came
                the refund hasn't shown up on my card
                still no sign of the compensation you promised me
                where is the reimbursement you promised
                check the status of my rebate
                has the money been returned to my account yet
            """,
            "fr": """
                où en est mon remboursement ?
                j'attends toujours mon remboursement
                quand vais-je être remboursé ?
                le remboursement n'apparaît pas sur mon compte
            """,
            "es": """
                ¿dónde está mi reembolso?
                sigo esperando mi reembolso
                ¿cuándo me devuelven el dinero?
                el reembolso no aparece en mi tarjeta
            """,
            "ar": """
                أين وصل استرداد أموالي؟
                ما زلت أنتظر استرجاع المبلغ
                متى سأسترد أموالي؟
            """,
            "ary": """
                مازال ما رجعو ليا الفلوس
                إمتى غادي ترجع ليا الفلوس؟
                mazal ma rj3ou lia flous
                imta ghadi yrj3ou lia flousi?
            """,
        },
    ),
    Notion(
        "returns_refunds",
        "return_policy",
        {
            "en": """
                what is your return policy?
                how many days do I have to return something
                in which situations can I get my money back
                do you offer a money-back guarantee
                are returns free?
                can I return a sale item
            """,
            "fr": """
                quelle est votre politique de retour ?
                combien de jours ai-je pour retourner un article ?
                dans quels cas puis-je être remboursé ?
                les retours sont-ils gratuits ?
            """,
            "es": """
                ¿cuál es su política de devoluciones?
                ¿cuántos días tengo para devolver un producto?
                ¿en qué casos me devuelven el dinero?
                ¿las devoluciones son gratis?
            """,
            "ar": """
                ما هي سياسة الإرجاع لديكم؟
                كم يوما لدي لإرجاع المنتج؟
                في أي حالات يمكنني استرداد أموالي؟
            """,
            "ary": """
                شنو هي الشروط ديال الترجاع؟
                شحال عندي من نهار باش نرجع السلعة؟
                chno homa les conditions dyal retour?
                ch7al 3andi mn nhar bach nrja3 sel3a?
            """,
        },
    ),
    # --- complaint ---------------------------------------------------------------------
    Notion(
        "complaint",
        "file_a_complaint",
        {
            "en": """
                I want to file a complaint
                how do I make a formal complaint about your company
                I'd like to lodge a claim against your store
                where can I submit a grievance
                I have a complaint about the service I received
                I want to report bad treatment by your staff
                I'm writing to complain
                I want to make a claim against your business
                where do I lodge a consumer claim
                I'd like to submit a formal claim about my experience
            """,
            "fr": """
                je veux porter plainte
                je souhaite faire une réclamation
                comment déposer une réclamation contre votre société ?
                j'ai une plainte concernant votre service
                je veux signaler le comportement de votre livreur
            """,
            "es": """
                quiero poner una queja
                quiero presentar una reclamación
                ¿dónde puedo dejar una queja formal?
                tengo una queja sobre su servicio
            """,
            "ar": """
                أريد تقديم شكوى
                كيف أقدم شكوى رسمية ضد شركتكم؟
                لدي شكوى بخصوص الخدمة
            """,
            "ary": """
                بغيت ندير شكاية
                عندي شكاية على الخدمة ديالكم
                كيفاش ندير réclamation؟
                bghit ndir chikaya
                3andi réclamation 3la service dyalkom
            """,
        },
    ),
    Notion(
        "complaint",
        "dissatisfied",
        {
            "en": """
                this is unacceptable
                your service is terrible
                I'm very disappointed with my purchase
                worst shopping experience ever
                I'm really angry, nobody answers my emails
                the product arrived broken and I'm furious
                you sent me the wrong item again
                this is a scam
                I've been waiting for weeks, this is ridiculous
            """,
            "fr": """
                c'est inadmissible
                votre service est nul
                je suis très déçu de mon achat
                c'est scandaleux, personne ne me répond
                je ne suis pas du tout content
                le produit est arrivé cassé, je suis furieux
                vous m'avez encore envoyé le mauvais article
                c'est une arnaque
            """,
            "es": """
                esto es inaceptable
                su servicio es pésimo
                estoy muy decepcionado con mi compra
                estoy harto, nadie me responde
                el producto llegó roto y estoy enfadado
                me enviaron otra vez el artículo equivocado
            """,
            "ar": """
                هذا غير مقبول
                خدمتكم سيئة جدا
                أنا مستاء جدا من مشترياتي
                وصل المنتج مكسورا وأنا غاضب
                أرسلتم لي منتجا خاطئا مرة أخرى
            """,
            "ary": """
                هادشي ماشي معقول
                الخدمة ديالكم خايبة بزاف
                أنا معصب، حتى واحد ما كيجاوبني
                السلعة وصلات مهرسة
                صيفطتو ليا حاجة غالطة
                hadchi machi m3qoul
                service dyalkom khayb bzaf
                ana m3eseb, 7ta wa7ed ma kayjawebni
                sel3a wslat mhersa
            """,
        },
    ),
    # --- general questions (the fallback, in many tight notions) ------------------------
    Notion(
        "general_question",
        "cancel_order",
        {
            "en": """
                I want to cancel my order
                how can I cancel a purchase I just made
                please cancel order 77120
                I changed my mind, cancel my order
                is it too late to cancel?
            """,
            "fr": """
                je veux annuler ma commande
                comment annuler un achat ?
                annulez ma commande 20931 s'il vous plaît
            """,
            "es": """
                quiero cancelar mi pedido
                ¿cómo anulo una compra?
            """,
            "ar": """
                أريد إلغاء طلبي
                كيف ألغي عملية الشراء؟
            """,
            "ary": """
                بغيت نلغي الكوموند
                bghit nannuler lcommande
            """,
        },
    ),
    Notion(
        "general_question",
        "change_order",
        {
            "en": """
                I need to modify my order
                can I add an item to my order
                I want to change the size in my order
                how do I update the items in a purchase
                remove a product from order 55012
            """,
            "fr": """
                je voudrais modifier ma commande
                puis-je ajouter un article à ma commande ?
                changer la taille dans ma commande
            """,
            "es": """
                quiero modificar mi pedido
                ¿puedo añadir un artículo a mi pedido?
            """,
            "ar": """
                أريد تعديل طلبي
                هل يمكنني إضافة منتج إلى الطلب؟
            """,
            "ary": """
                بغيت نبدل شي حاجة فالكوموند
                bghit nzid produit f lcommande
            """,
        },
    ),
    Notion(
        "general_question",
        "place_order",
        {
            "en": """
                how do I place an order
                I want to buy this product
                can I order by phone?
                help me purchase a few items
                how does ordering work on your site
                how do I buy products from your store
                I'd like to get a few things from your catalogue
            """,
            "fr": """
                comment passer une commande ?
                je voudrais acheter ce produit
                puis-je commander par téléphone ?
            """,
            "es": """
                ¿cómo hago un pedido?
                quiero comprar este producto
            """,
            "ar": """
                كيف أقدم طلبا؟
                أريد شراء هذا المنتج
            """,
            "ary": """
                كيفاش ندير كوموند؟
                bghit nchri had produit
                kifach ndir commande?
            """,
        },
    ),
    Notion(
        "general_question",
        "delivery_options",
        {
            "en": """
                do you ship to Canada?
                what shipping methods do you offer
                how much does delivery cost
                how long does standard shipping usually take
                do you deliver internationally
                is there express delivery
                can I pick up my order in store
                is shipping free above a certain amount
                what are the shipping options
                which delivery methods can I choose
                do you deliver to my country
            """,
            "fr": """
                livrez-vous en Belgique ?
                quels sont les modes de livraison ?
                combien coûte la livraison ?
                quels sont vos délais de livraison ?
                la livraison est-elle gratuite ?
                proposez-vous le retrait en magasin ?
            """,
            "es": """
                ¿hacen envíos a México?
                ¿qué métodos de envío tienen?
                ¿cuánto cuesta el envío?
                ¿cuánto tarda el envío normalmente?
            """,
            "ar": """
                هل توصلون إلى دبي؟
                ما هي طرق الشحن المتاحة؟
                كم تكلفة التوصيل؟
                كم تستغرق مدة الشحن عادة؟
            """,
            "ary": """
                واش كتوصلو لمراكش؟
                بشحال التوصيل؟
                شحال كياخد التوصيل عادة؟
                wach katwslou l casa?
                bch7al livraison?
                ch7al kayakhod tawsil?
            """,
        },
    ),
    Notion(
        "general_question",
        "shipping_address",
        {
            "en": """
                I need to change my delivery address
                how do I update the shipping address
                I want to add a new shipping address to my profile
                I entered the wrong address, can you fix it
                set up a new delivery address
            """,
            "fr": """
                je dois changer mon adresse de livraison
                comment ajouter une nouvelle adresse de livraison ?
            """,
            "es": """
                necesito cambiar mi dirección de envío
                ¿cómo agrego una nueva dirección de entrega?
            """,
            "ar": """
                أريد تغيير عنوان التوصيل
                كيف أضيف عنوان شحن جديد؟
            """,
            "ary": """
                بغيت نبدل العنوان ديال التوصيل
                bghit nbdel l'adresse dyal livraison
            """,
        },
    ),
    Notion(
        "general_question",
        "cancellation_fee",
        {
            "en": """
                is there a fee for cancelling?
                how much is the cancellation penalty
                do you charge for early termination
                what is the penalty for withdrawing
                how much will I be charged if I cancel
            """,
            "fr": """
                y a-t-il des frais d'annulation ?
                combien coûte une résiliation ?
            """,
            "es": """
                ¿hay cargos por cancelación?
            """,
            "ar": """
                هل هناك رسوم على الإلغاء؟
            """,
            "ary": """
                واش كاين شي خلاص إلا لغيت؟
            """,
        },
    ),
    Notion(
        "general_question",
        "invoice",
        {
            "en": """
                where can I find my invoice
                I need a copy of my bill
                can you send me the receipt for my purchase
                how do I download invoice 2231
                I need an invoice with my company name
                send me the bill for my last order
                check invoice number 1052
            """,
            "fr": """
                où trouver ma facture ?
                pouvez-vous m'envoyer la facture de ma commande ?
                j'ai besoin d'un reçu
            """,
            "es": """
                ¿dónde encuentro mi factura?
                necesito el recibo de mi compra
            """,
            "ar": """
                أين أجد فاتورتي؟
                أحتاج إلى نسخة من الفاتورة
            """,
            "ary": """
                بغيت الفاتورة ديال الكوموند
                fin nl9a la facture dyali?
            """,
        },
    ),
    Notion(
        "general_question",
        "payment_methods",
        {
            "en": """
                what payment methods do you accept
                can I pay with PayPal?
                do you take credit cards
                is cash on delivery possible
                can I pay in installments
            """,
            "fr": """
                quels moyens de paiement acceptez-vous ?
                puis-je payer par PayPal ?
                le paiement à la livraison est-il possible ?
            """,
            "es": """
                ¿qué formas de pago aceptan?
                ¿puedo pagar con tarjeta?
            """,
            "ar": """
                ما هي طرق الدفع المقبولة؟
                هل يمكن الدفع عند الاستلام؟
            """,
            "ary": """
                واش نقدر نخلص ملي توصلني السلعة؟
                kifach nkhless?
                wach n9der nkhless b la carte?
            """,
        },
    ),
    Notion(
        "general_question",
        "payment_problem",
        {
            "en": """
                my payment was declined
                I can't pay, the checkout gives an error
                I was charged twice
                the card payment failed, what should I do
                I want to report a problem with my payment
                there was an error with my payment
            """,
            "fr": """
                mon paiement a été refusé
                je n'arrive pas à payer
                j'ai été débité deux fois
            """,
            "es": """
                mi pago fue rechazado
                no puedo pagar, da error
            """,
            "ar": """
                تم رفض عملية الدفع
                لا أستطيع إتمام الدفع
            """,
            "ary": """
                الخلاص ما دازش
                ma bghach idouz lkhlas
            """,
        },
    ),
    Notion(
        "general_question",
        "account",
        {
            "en": """
                how do I create an account
                I want to open a new account
                please delete my account
                how can I close my profile
                I need to update my personal details
                change the email address on my account
                how do I switch to a premium membership
                I can't sign up, registration keeps failing
                I want to upgrade my account to premium
                how do I switch to another plan
                close my free account
                edit the information on my profile
            """,
            "fr": """
                comment créer un compte ?
                je veux supprimer mon compte
                comment modifier mes informations personnelles ?
                je n'arrive pas à m'inscrire
            """,
            "es": """
                ¿cómo creo una cuenta?
                quiero borrar mi cuenta
                no puedo registrarme
            """,
            "ar": """
                كيف أنشئ حسابا؟
                أريد حذف حسابي
                لا أستطيع التسجيل في الموقع
            """,
            "ary": """
                كيفاش نحل compte؟
                بغيت نمسح الحساب ديالي
                kifach n7el compte?
            """,
        },
    ),
    Notion(
        "general_question",
        "password",
        {
            "en": """
                I forgot my password
                how do I reset my password
                I can't log in to my account
                I lost my login details
                I need to recover my account key
                reset my PIN code
            """,
            "fr": """
                j'ai oublié mon mot de passe
                je n'arrive pas à me connecter
            """,
            "es": """
                olvidé mi contraseña
                no puedo iniciar sesión
            """,
            "ar": """
                نسيت كلمة المرور
                لا أستطيع تسجيل الدخول
            """,
            "ary": """
                نسيت le mot de passe
                nsit mot de passe dyali
            """,
        },
    ),
    Notion(
        "general_question",
        "newsletter_and_reviews",
        {
            "en": """
                how do I subscribe to your newsletter
                unsubscribe me from your emails
                I want to leave a review for a product
                where can I give feedback about your shop
                sign me up for the newsletter
                I want to write a review about your service
            """,
            "fr": """
                comment m'inscrire à la newsletter ?
                je veux laisser un avis sur un produit
            """,
            "es": """
                quiero suscribirme al boletín
                ¿dónde dejo una opinión?
            """,
            "ar": """
                كيف أشترك في النشرة البريدية؟
                أريد كتابة تقييم للمنتج
            """,
            "ary": """
                بغيت نكتب رأيي على المنتوج
            """,
        },
    ),
    Notion(
        "general_question",
        "products_and_shop",
        {
            "en": """
                is this item in stock?
                what sizes are available
                how much does this cost
                what are your opening hours
                where is your shop located
                do you have a discount code
                is there a warranty on this product
                what is this made of
                what's your phone number
                how long does delivery take?
            """,
            "fr": """
                cet article est-il en stock ?
                quelles sont vos heures d'ouverture ?
                où se trouve votre magasin ?
                avez-vous un code promo ?
                ce produit est-il garanti ?
                quel est le prix de ce produit ?
                quels sont les délais de livraison ?
            """,
            "es": """
                ¿tienen este artículo en stock?
                ¿cuál es su horario?
                ¿dónde está la tienda?
                ¿cuánto tarda el envío?
                ¿cuánto cuesta este producto?
            """,
            "ar": """
                هل هذا المنتج متوفر؟
                ما هي أوقات العمل؟
                أين يقع متجركم؟
                كم سعر هذا المنتج؟
            """,
            "ary": """
                واش هاد المنتوج كاين؟
                بشحال هادا؟
                فين جا المحل ديالكم؟
                wach had produit kayn?
                bch7al hada?
                fin ja lma7al dyalkom?
            """,
        },
    ),
)


@functools.cache  # the phrases are constants of this module
def phrases_digest() -> str:
    """Names the built-in phrases, and the Darija rewrite their vectors went through:
    vectors cached under another digest are stale."""
    digest = hashlib.sha256(darija.VERSION.encode())
    for notion in NOTIONS:
        for language, phrase in notion.examples():
            digest.update(f"{notion.intent}\0{notion.name}\0{language}\0{phrase}\n".encode())
    return digest.hexdigest()[:16]
