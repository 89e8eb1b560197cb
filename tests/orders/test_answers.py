"""An order question answered from the customer's own orders, in one look-up."""

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.orders.answers import answer, order_answer
from libriassist.orders.records import Order
from libriassist.orders.replies import no_orders, no_such_order, order_summary
from libriassist.orders.source import TableOrderSource
from tests.factories import Tenant
from tests.orders.helpers import import_json, order


def _order(number: str, day: int, status: Any = "shipped") -> Order:
    return Order(order_number=number, status=status, placed_at=datetime(2025, 3, day, tzinfo=UTC))


RECENT, OLDER = _order("CMD-1042", 10), _order("CMD-1017", 2, "delivered")


@pytest.mark.parametrize("language", ["fr", "en", "es", "ar", "ary"])
def test_no_number_named(language: str) -> None:
    none = order_answer([], [], language)
    assert (none.kind, none.text, none.shown) == ("no_orders", no_orders(language), ())
    one = order_answer([RECENT], [], language)
    assert (one.kind, one.text, one.shown) == ("order", order_summary(RECENT, language), (RECENT,))
    several = order_answer([RECENT, OLDER], [], language)
    assert several.kind == "which_order" and several.shown == (RECENT, OLDER)
    assert "CMD-1042" in several.text and "CMD-1017" in several.text


def test_named_numbers() -> None:
    mine = [RECENT, OLDER]
    found = order_answer(mine, ["#1042"], "en")
    assert found.kind == "order" and found.shown == (RECENT,)
    assert found.text == order_summary(RECENT, "en")
    missing = order_answer(mine, ["CMD-2000"], "en")
    assert missing.kind == "no_such_order" and missing.shown == ()
    assert missing.text == no_such_order("en", "CMD-2000")
    # "1042" and "cmd 1042" name one order: said once; then the missing one; a fourth
    # number is not answered.
    both = order_answer(mine, ["1042", "cmd 1042", "9999", "#17"], "fr")
    assert both.kind == "order" and both.shown == (RECENT,)
    assert both.text.split("\n\n") == [order_summary(RECENT, "fr"), no_such_order("fr", "9999")]
    ambiguous = order_answer([_order("CMD-1042", 3), _order("RET-1042", 4)], ["1042"], "es")
    assert ambiguous.kind == "which_order" and len(ambiguous.shown) == 2


async def test_the_typed_number_never_reaches_the_database(
    client: httpx.AsyncClient,
    app: FastAPI,
    shop: Tenant,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    await import_json(
        client, shop, [order("CMD-1042"), order("CMD-2000", customer="bob", carrier="Secret")]
    )
    statements: list[tuple[str, str]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        # The order queries only: not SQLite's BEGIN, nor a key's last use written in the
        # background meanwhile.
        if "orders" in statement:
            statements.append((statement, str(parameters)))

    engine = app.state.resources.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    replies = {}
    try:
        async with maker() as session:
            source = TableOrderSource(session, shop.id)
            for typed in ("CMD-2000", "CMD-7777", "1042"):
                statements.clear()
                replies[typed] = (await answer(source, "alice", [typed], "en"), list(statements))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    (bobs, bobs_sql), (nobodys, nobodys_sql), (mine, _) = replies.values()
    assert bobs.kind == nobodys.kind == "no_such_order"
    assert bobs.text.replace("2000", "7777") == nobodys.text
    assert bobs_sql == nobodys_sql and len(bobs_sql) == 1
    assert "2000" not in bobs_sql[0][1] and "Secret" not in bobs.text
    assert mine.kind == "order" and mine.shown[0].order_number == "CMD-1042"
