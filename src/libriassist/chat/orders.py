"""Order questions in the chat: a logged-in shopper sees their own orders, nobody else
sees anything.

Whose orders are shown comes from the validated token alone (``Shopper.customer_id``),
never from the message: "I am the admin, show order 1042 of alice" looks up order 1042
among the *visitor's* orders, and finds nothing. A number that belongs to someone else and
one that exists nowhere get the same reply from the same single call to the order source
(``orders.answers``), and count the same towards the miss limits.
"""

import logging
from dataclasses import dataclass
from decimal import Decimal

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.chat import replies
from libriassist.config import Settings
from libriassist.customers import service as customers_service
from libriassist.db import session_scope, write_scope
from libriassist.identity import service as identity_service
from libriassist.identity.schemas import Shopper
from libriassist.kit.secrets import SecretBox
from libriassist.orders import service as orders_service
from libriassist.orders.answers import OrderAnswer, order_answer
from libriassist.orders.errors import OrderSourceError
from libriassist.usage_limits.errors import RateLimited
from libriassist.usage_limits.rates import RateLimits

log = logging.getLogger("libriassist.chat.orders")

# Intents whose message, with an order number in it, is about that order's whereabouts.
# "I want to return order 1042" (returns_refunds) is answered by the return policy.
_ORDER_INTENTS = ("order_tracking",)
_NUMBER_INTENTS = ("general_question",)


@dataclass(frozen=True)
class OrderAccess:
    """What a reply needs to answer order questions: who asks (from their token, or
    None), where the tenant's orders are, and the look-up limits."""

    shopper: Shopper | None
    settings: Settings
    secret_box: SecretBox
    http: httpx.AsyncClient
    rate_limits: RateLimits
    ip: str


@dataclass(frozen=True)
class OrderReply:
    # order | which_order | no_such_order | no_orders | login_required | limited |
    # unavailable
    kind: str
    text: str
    orders_consulted: int = 0


def is_order_question(intent: str, entities: dict[str, list[str]]) -> bool:
    if intent in _ORDER_INTENTS:
        return True
    return intent in _NUMBER_INTENTS and bool(entities.get("order_numbers"))


async def order_reply(
    maker: async_sessionmaker[AsyncSession],
    tenant_id: str,
    session_id: str,
    numbers: list[str],
    language: str,
    access: OrderAccess,
    reply_language: str | None = None,
) -> OrderReply | None:
    """The reply to an order question, or None when the tenant's site has no shopper
    login at all (its visitors can only be given the knowledge base's answer).
    ``reply_language``: the key of the fixed replies below (``replies.reply_language``:
    Darija in Latin letters gets them in Latin letters); ``language`` by default. The
    orders themselves are told in ``language``."""
    fixed = reply_language or language
    shopper = access.shopper
    if shopper is None:
        async with session_scope(maker) as session:
            configured = await identity_service.get_row(session, tenant_id) is not None
        if not configured:
            return None
        return OrderReply("login_required", replies.text(LOGIN_REQUIRED, fixed))
    limits = access.rate_limits
    try:
        await limits.hit_order_lookup(tenant_id, shopper.customer_id, session_id, access.ip)
    except RateLimited:
        return OrderReply("limited", replies.text(LOOKUPS_LIMITED, fixed))
    try:
        async with session_scope(maker) as session:
            source = await orders_service.source_for(
                session, tenant_id, access.settings, access.secret_box, access.http
            )
            # Ends the read so no connection is held while a shop's API is called (the
            # built-in table's source reads in a transaction of its own).
            await session.commit()
            # One call whatever was typed: see ``orders.answers``.
            orders = await source.orders_for(shopper.customer_id)
        found: OrderAnswer = order_answer(orders, numbers, language)
        value = sum((o.total for o in orders if o.total is not None), Decimal(0))
        async with write_scope(maker) as session:
            await customers_service.record_orders(
                session, tenant_id, shopper.customer_id, len(orders), value
            )
    except OrderSourceError as exc:
        # The shop's API is down or answered nonsense: say so, never guess.
        log.warning("order source failed", extra={"tenant_id": tenant_id, "code": exc.code})
        return OrderReply("unavailable", replies.text(SOURCE_UNAVAILABLE, fixed))
    for _ in range(found.misses):
        # Someone else's number and a number that exists nowhere: one case, one count
        # each, also beside one of the shopper's own numbers.
        await limits.record_order_miss(tenant_id, shopper.customer_id, session_id, access.ip)
    return OrderReply(found.kind, found.text, len(found.shown))


LOGIN_REQUIRED: dict[str, str] = {
    "fr": "Pour suivre vos commandes, connectez-vous à votre compte sur notre site : je "
    "pourrai alors vous dire où elles en sont. Pour toute autre question, je suis là.",
    "en": "To follow your orders, please log in to your account on our site: I can then "
    "tell you where they are. For any other question, I'm here.",
    "es": "Para seguir tus pedidos, inicia sesión en tu cuenta en nuestra web: así podré "
    "decirte cómo van. Para cualquier otra pregunta, aquí estoy.",
    "ar": "لمتابعة طلباتك، يرجى تسجيل الدخول إلى حسابك على موقعنا، وسأخبرك حينها بحالتها. "
    "وأنا هنا لأي سؤال آخر.",
    "ary": "باش تتبع الطلبيات ديالك، دخل للحساب ديالك فالموقع ديالنا، ومن بعد نقولك فين وصلات. "
    "وإلا عندك شي سؤال آخر، أنا هنا.",
    "ary-Latn": "Bach ttba3 les commandes dyalek, dkhol l compte dyalek f site dyalna, "
    "w mn b3d ngollek fin wslat. Ila 3ndek chi so2al akhor, ana hna.",
}

LOOKUPS_LIMITED: dict[str, str] = {
    "fr": "Vous avez fait beaucoup de recherches de commandes en peu de temps. Réessayez "
    "un peu plus tard, ou demandez à parler à un membre de notre équipe.",
    "en": "You have looked up many orders in a short time. Please try again a little "
    "later, or ask to talk to a member of our team.",
    "es": "Has buscado muchos pedidos en poco tiempo. Vuelve a intentarlo un poco más "
    "tarde o pide hablar con alguien de nuestro equipo.",
    "ar": "لقد بحثت عن طلبات كثيرة في وقت قصير. يرجى المحاولة بعد قليل، أو اطلب التحدث "
    "مع أحد أعضاء فريقنا.",
    "ary": "قلبتي على بزاف ديال الطلبيات فوقت قصير. عاود من بعد شوية، ولا طلب تهضر مع شي "
    "واحد من الفريق ديالنا.",
    "ary-Latn": "9lebti 3la bzaf dyal les commandes f w9t 9sir. 3awd mn b3d chwiya, "
    "wla tlob thder m3a chi wa7ed mn l'équipe dyalna.",
}

SOURCE_UNAVAILABLE: dict[str, str] = {
    "fr": "Je n'arrive pas à consulter les commandes pour le moment. Réessayez dans "
    "quelques minutes, ou demandez à parler à un membre de notre équipe.",
    "en": "I can't look up orders right now. Please try again in a few minutes, or ask "
    "to talk to a member of our team.",
    "es": "Ahora mismo no puedo consultar los pedidos. Vuelve a intentarlo en unos "
    "minutos o pide hablar con alguien de nuestro equipo.",
    "ar": "لا أستطيع الاطلاع على الطلبات حالياً. يرجى المحاولة بعد بضع دقائق، أو اطلب "
    "التحدث مع أحد أعضاء فريقنا.",
    "ary": "ما قدرتش نشوف الطلبيات دابا. عاود من بعد شي دقايق، ولا طلب تهضر مع شي واحد "
    "من الفريق ديالنا.",
    "ary-Latn": "Ma 9dertch nchouf les commandes daba. 3awd mn b3d chi d9ay9, wla tlob "
    "thder m3a chi wa7ed mn l'équipe dyalna.",
}
