"""``libriassist intents add|list|remove|detect``, run as a real process against the test
database."""

import json
from pathlib import Path

import httpx
from typer.testing import CliRunner

from libriassist.cli import app
from libriassist.config import Settings
from tests.factories import Tenant
from tests.test_cli import cli


async def test_add_list_detect_and_remove_from_the_cli(
    settings: Settings, client: httpx.AsyncClient, tenant: Tenant, tmp_path: Path
) -> None:
    added = cli(
        settings,
        "intents",
        "add",
        tenant.id,
        "--name",
        "gift_wrap",
        "--example",
        "Can you gift wrap my order?",
        "--example",
        "Faites-vous des paquets cadeaux ?",
        "--json",
    )
    assert added.returncode == 0, added.stderr
    [created] = json.loads(added.stdout)
    assert created["name"] == "gift_wrap" and len(created["examples"]) == 2

    many = tmp_path / "intents.json"
    many.write_text(
        json.dumps(
            [
                {"name": "wholesale", "examples": ["Do you sell in bulk to shops?"]},
                {
                    "name": "opening_hours",
                    "description": "When the shop is open",
                    "examples": ["Quels sont vos horaires ?"],
                    "enabled": False,
                },
            ]
        ),
        encoding="utf-8",
    )
    from_file = cli(settings, "intents", "add", tenant.id, "--file", str(many))
    assert from_file.returncode == 0, from_file.stderr
    assert from_file.stdout.count("added ") == 2

    listed = json.loads(cli(settings, "intents", "list", tenant.id, "--json").stdout)
    assert [i["name"] for i in listed] == ["gift_wrap", "opening_hours", "wholesale"]
    plain = cli(settings, "intents", "list", tenant.id).stdout
    assert "opening_hours: 1 examples  (disabled)" in plain

    detected = cli(
        settings,
        "intents",
        "detect",
        tenant.id,
        "Pouvez-vous faire un paquet cadeau ? #55012",
        "--json",
    )
    assert detected.returncode == 0, detected.stderr
    found = json.loads(detected.stdout)
    assert found["intent"] == "gift_wrap" and found["source"] == "tenant"
    assert found["entities"]["order_numbers"] == ["55012"]
    handoff = cli(settings, "intents", "detect", tenant.id, "Je veux parler à un conseiller")
    assert handoff.stdout.startswith("human_handoff  (rule, confidence 1.00)")

    removed = cli(settings, "intents", "remove", tenant.id, created["id"])
    assert removed.returncode == 0 and created["id"] in removed.stdout
    after = json.loads(cli(settings, "intents", "list", tenant.id, "--json").stdout)
    assert "gift_wrap" not in [i["name"] for i in after]
    again = cli(settings, "intents", "remove", tenant.id, created["id"])
    assert again.returncode == 1 and "intent_not_found" in again.stderr
    taken = cli(settings, "intents", "add", tenant.id, "--name", "wholesale", "--example", "bulk?")
    assert taken.returncode == 1 and "intent_name_taken" in taken.stderr
    nobody = cli(settings, "intents", "list", "nobody")
    assert nobody.returncode == 1 and "tenant_not_found" in nobody.stderr


def test_intent_input_errors_are_clear(tmp_path: Path) -> None:
    """Checked before any database or model is touched, so in process."""
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"name": "ok", "examples": ["fine"]}, {"name": "x y"}]), "utf-8")
    not_json = tmp_path / "not.json"
    not_json.write_text("[{", "utf-8")
    cases = [
        (["--name", "ok"], "--name and at least one --example are required"),
        (["--example", "hello"], "--name and at least one --example are required"),
        (["--file", str(bad), "--name", "x"], "give either --file or --name/--example"),
        (["--file", str(bad)], "entry 2: name:"),
        (["--file", str(not_json)], "is not valid JSON"),
        (["--file", str(tmp_path / "missing.json")], "cannot read"),
        (["--name", "1bad", "--example", "hi there"], "name:"),
    ]
    runner = CliRunner()
    for args, message in cases:
        result = runner.invoke(app, ["intents", "add", "shop", *args])
        assert result.exit_code == 1, (args, result.output)
        assert message in result.stderr, (args, result.stderr)
