"""``libriassist orders import`` and ``list``, run as real processes."""

import json
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.config import Settings
from libriassist.orders import service as orders_service
from tests.factories import Tenant
from tests.orders.helpers import SAMPLES
from tests.test_cli import cli


async def test_import_list_and_a_refused_file(
    settings: Settings, shop: Tenant, tmp_path: Path, maker: async_sessionmaker[AsyncSession]
) -> None:
    async def numbers() -> list[str]:
        async with maker() as session:
            rows = await orders_service.list_orders(session, shop.id, None, 100, 0)
        return sorted(r.order_number for r in rows)

    imported = cli(
        settings, "orders", "import", str(SAMPLES / "orders.csv"), "--tenant", shop.id, "--json"
    )
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout) == {
        "mode": "upsert",
        "created": 4,
        "updated": 0,
        "deleted": 0,
        "total": 4,
    }
    listed = cli(settings, "orders", "list", "--tenant", shop.id, "--customer", "cust-1001")
    assert listed.returncode == 0, listed.stderr
    assert [line.split()[0] for line in listed.stdout.splitlines()] == ["CMD-1042", "CMD-1017"]

    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"customer_id": "c1", "order_number": "Z-1", "status": "shipped"}\n'
        '{"customer_id": "c1", "order_number": "Z-2", "status": "teleported"}\n',
        encoding="utf-8",
    )
    refused = cli(settings, "orders", "import", str(bad), "--tenant", shop.id, "--replace")
    assert refused.returncode == 1
    assert "row 2 status: unknown status 'teleported'" in refused.stderr
    assert "(invalid_orders_file)" in refused.stderr
    # --replace with a bad file deleted nothing.
    assert await numbers() == ["CMD-1017", "CMD-1042", "CMD-1043", "CMD-1044"]

    replaced = cli(
        settings, "orders", "import", str(SAMPLES / "orders.json"), "--tenant", shop.id, "--replace"
    )
    assert replaced.returncode == 0, replaced.stderr
    assert "deleted: 4" in replaced.stdout and "total: 2" in replaced.stdout
    assert await numbers() == ["CMD-1042", "CMD-1043"]
