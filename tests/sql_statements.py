"""The SQL an engine runs, whichever way it is sent."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from libriassist.kit import direct_sql


@contextmanager
def sql_statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every statement sent through ``engine`` meanwhile, in order: by its sessions and
    connections (SQLAlchemy's ``before_cursor_execute``) and on the driver's connection
    (``kit/direct_sql.py``, which SQLAlchemy's events do not see; a write in one trip that
    is redone step by step shows its statements twice)."""
    seen: list[str] = []

    def record(_c: Any, _cur: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    def noting(executor: type) -> Any:
        original = executor.execute

        async def execute(self: Any, statement: Any, params: Any = None) -> Any:
            keys = list((params[0] if isinstance(params, list) and params else params) or {})
            seen.append(direct_sql.compile_statement(statement, self.get_bind().dialect, keys).sql)
            return await original(self, statement, params)

        return execute

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    with pytest.MonkeyPatch.context() as patch:
        # Statements run one by one, and those gathered for a write in one trip.
        for executor in (direct_sql.DirectTransaction, direct_sql._Collected):
            patch.setattr(executor, "execute", noting(executor))
        try:
            yield seen
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", record)
