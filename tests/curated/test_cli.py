"""``libriassist kb pin|pins|unpin``, run as a real process against the test database."""

import json
from pathlib import Path

import httpx
from typer.testing import CliRunner

from libriassist.cli import app
from libriassist.config import Settings
from tests.curated.helpers import ask
from tests.factories import Tenant
from tests.test_cli import cli


async def test_pin_list_and_unpin_from_the_cli(
    settings: Settings, client: httpx.AsyncClient, tenant: Tenant, tmp_path: Path
) -> None:
    pinned = cli(
        settings,
        "kb",
        "pin",
        tenant.id,
        "--question",
        "Do you ship to Belgium?",
        "--answer",
        "CLI-PINNED: yes, in 3 to 5 days.",
        "--paraphrase",
        "Livrez-vous en Belgique ?",
        "--url",
        "https://alpha.example/belgium",
        "--json",
    )
    assert pinned.returncode == 0, pinned.stderr
    [created] = json.loads(pinned.stdout)
    assert created["language"] == "en" and created["paraphrases"] == ["Livrez-vous en Belgique ?"]

    pins = tmp_path / "pins.json"
    pins.write_text(
        json.dumps(
            [
                {"question": "Avez-vous une boutique ?", "answer": "Non, en ligne seulement."},
                {
                    "question": "¿Tienen tienda física?",
                    "answer": "No, solo en línea.",
                    "language": "es",
                    "enabled": False,
                },
            ]
        ),
        encoding="utf-8",
    )
    from_file = cli(settings, "kb", "pin", tenant.id, "--file", str(pins))
    assert from_file.returncode == 0, from_file.stderr
    assert from_file.stdout.count("pinned ") == 2

    listed = json.loads(cli(settings, "kb", "pins", tenant.id, "--json").stdout)
    assert [p["question"] for p in listed] == [
        "Do you ship to Belgium?",
        "Avez-vous une boutique ?",
        "¿Tienen tienda física?",
    ]
    plain = cli(settings, "kb", "pins", tenant.id).stdout
    assert "(disabled)" in plain and "+1 paraphrases" in plain

    # The running app sees the CLI's pins on the next message, without a restart.
    body = (await ask(client, tenant, "livrez-vous en belgique")).json()
    assert body["answer"] == "CLI-PINNED: yes, in 3 to 5 days."
    assert body["sources"][0]["url"] == "https://alpha.example/belgium"

    unpinned = cli(settings, "kb", "unpin", tenant.id, created["id"])
    assert unpinned.returncode == 0, unpinned.stderr
    body = (await ask(client, tenant, "livrez-vous en belgique")).json()
    assert "CLI-PINNED" not in body["answer"]
    assert len(json.loads(cli(settings, "kb", "pins", tenant.id, "--json").stdout)) == 2


def test_pin_input_errors_are_clear(tmp_path: Path) -> None:
    """Checked before any database or model is touched, so in process and once."""
    bad_entry = tmp_path / "bad.json"
    bad_entry.write_text(
        json.dumps(
            [
                {"question": "Fine?", "answer": "Fine."},
                {"question": "Wrong language?", "answer": "x", "language": "de"},
            ]
        ),
        encoding="utf-8",
    )
    not_json = tmp_path / "broken.json"
    not_json.write_text("[{", encoding="utf-8")
    not_a_list = tmp_path / "object.json"
    not_a_list.write_text('{"question": "q", "answer": "a"}', encoding="utf-8")
    cases = [
        (("--question", "No answer?"), "--question and --answer are required"),
        (("--file", str(bad_entry)), "entry 2: language"),
        (("--file", str(not_json)), "not valid JSON"),
        (("--file", str(not_a_list)), "non-empty JSON list"),
        (("--file", str(tmp_path / "missing.json")), "cannot read"),
        (("--file", str(bad_entry), "--question", "q"), "not both"),
        (("--question", "q", "--answer", "a", "--language", "de"), "language"),
        (("--question", "?!", "--answer", "a"), "at least one word"),
    ]
    runner = CliRunner()
    for args, message in cases:
        result = runner.invoke(app, ["kb", "pin", "shop", *args])
        assert result.exit_code == 1, (args, result.output)
        assert message in result.stderr, (args, result.stderr)
        assert result.exception is None or isinstance(result.exception, SystemExit)


async def test_pin_errors_from_the_database_are_clear(
    settings: Settings, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    unknown_tenant = cli(settings, "kb", "pin", "nobody", "--question", "q", "--answer", "a")
    assert unknown_tenant.returncode == 1 and "tenant_not_found" in unknown_tenant.stderr
    unknown_pin = cli(settings, "kb", "unpin", tenant.id, "0" * 32)
    assert unknown_pin.returncode == 1 and "curated_answer_not_found" in unknown_pin.stderr
    nothing = cli(settings, "kb", "pins", tenant.id)
    assert nothing.returncode == 0 and "no curated answers" in nothing.stdout
    for result in (unknown_tenant, unknown_pin, nothing):
        assert "Traceback" not in result.stderr
