"""The libriassist command, run as a real process against the test database."""

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from libriassist.config import Settings

FAQ = [
    {
        "question": "Do you sell gift cards?",
        "answer": "Yes, gift cards from 20 to 200 euros, valid one year.",
        "language": "en",
    },
    {
        "question": "Vendez-vous des cartes cadeaux ?",
        "answer": "Oui, de 20 à 200 euros, valables un an.",
        "language": "fr",
    },
]


def cli(
    settings: Settings, *args: str, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "LIBRIASSIST_DATA_DIR": str(settings.data_dir),
        "LIBRIASSIST_DATABASE_URL": settings.resolved_database_url,
    }
    return subprocess.run(
        [sys.executable, "-m", "libriassist", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        input=input,
    )


async def test_a_tenant_created_from_the_cli_answers_from_its_own_faq(
    settings: Settings, client: httpx.AsyncClient, tmp_path: Path, tenant: object
) -> None:
    created = cli(
        settings,
        "tenants",
        "create",
        "Gift Shop",
        "--origin",
        "https://gifts.example",
        "--language",
        "en",
        "--json",
    )
    assert created.returncode == 0, created.stderr
    keys = json.loads(created.stdout)
    assert set(keys) == {"id", "publishable_key", "secret_key"} and keys["id"] == "gift-shop"

    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "faq.json").write_text(json.dumps(FAQ), encoding="utf-8")
    (kb / "broken.json").write_text("[{", encoding="utf-8")
    (kb / "notes.md").write_text(
        "---\nlanguage: en\n---\n# Opening hours\nWe open 9:00-18:00, Monday to Saturday.\n",
        encoding="utf-8",
    )
    ingested = cli(settings, "kb", "ingest", "gift-shop", str(kb), "--json")
    assert ingested.returncode == 2  # one file failed, the others went in
    report = {f["source_uri"]: f for f in json.loads(ingested.stdout)["files"]}
    assert (
        report["broken.json"]["status"] == "error"
        and "invalid JSON" in report["broken.json"]["error"]
    )
    assert report["faq.json"]["status"] == "ingested" and report["notes.md"]["status"] == "ingested"
    again = cli(settings, "kb", "ingest", "gift-shop", str(kb / "faq.json"), "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["files"][0]["status"] == "unchanged"

    headers = {"X-API-Key": keys["publishable_key"], "Origin": "https://gifts.example"}
    answer = (
        await client.post(
            "/api/v1/chat", json={"message": "Do you have gift cards?"}, headers=headers
        )
    ).json()
    assert "20 to 200 euros" in answer["answer"]
    other = (
        await client.post(
            "/api/v1/chat",
            json={"message": "Quels sont les délais de livraison ?"},
            headers=headers,
        )
    ).json()
    assert "jours ouvrés" not in other["answer"]  # that is the other tenant's knowledge
    assert other["answered_from_kb"] is False


async def test_tenant_lifecycle(settings: Settings, client: httpx.AsyncClient) -> None:
    keys = json.loads(
        cli(
            settings, "tenants", "create", "Cycle", "--origin", "https://cycle.example", "--json"
        ).stdout
    )
    listed = cli(settings, "tenants", "list", "--json")
    assert [t["id"] for t in json.loads(listed.stdout)] == ["cycle"]
    shown = json.loads(cli(settings, "tenants", "show", "cycle").stdout)
    assert shown["allowed_origins"] == ["https://cycle.example"]
    assert keys["secret_key"] not in json.dumps(shown)

    rotated = cli(settings, "tenants", "rotate-key", "cycle", "--kind", "secret", "--json")
    new_secret = json.loads(rotated.stdout)["secret_key"]
    assert (
        await client.get("/api/v1/admin/tenant", headers={"X-API-Key": keys["secret_key"]})
    ).status_code == 401
    assert (
        await client.get("/api/v1/admin/tenant", headers={"X-API-Key": new_secret})
    ).status_code == 200

    deleted = cli(settings, "tenants", "delete", "cycle", "--yes")
    assert deleted.returncode == 0
    assert (
        await client.get("/api/v1/admin/tenant", headers={"X-API-Key": new_secret})
    ).status_code == 401


async def test_cli_errors_are_clear(settings: Settings, client: httpx.AsyncClient) -> None:
    bad_origin = cli(settings, "tenants", "create", "Bad", "--origin", "shop.example")
    assert bad_origin.returncode == 1 and "origin must look like" in bad_origin.stderr
    bad_language = cli(settings, "tenants", "create", "Bad", "--language", "de")
    assert bad_language.returncode == 1 and "default_language" in bad_language.stderr
    cli(settings, "tenants", "create", "Twice")
    twice = cli(settings, "tenants", "create", "Twice")
    assert twice.returncode == 1 and "already exists" in twice.stderr
    missing = cli(settings, "kb", "ingest", "nobody", "/nonexistent")
    assert missing.returncode == 1 and "no such file" in missing.stderr
    unknown = cli(settings, "tenants", "show", "nobody")
    assert unknown.returncode == 1 and "tenant_not_found" in unknown.stderr
    for result in (bad_origin, bad_language, twice, missing, unknown):
        assert "Traceback" not in result.stderr


async def test_serve_runs_several_workers_on_the_configured_database(
    settings: Settings, client: httpx.AsyncClient, tenant: object, tmp_path: Path
) -> None:
    import socket
    import time

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "LIBRIASSIST_DATA_DIR": str(settings.data_dir),
        "LIBRIASSIST_DATABASE_URL": settings.resolved_database_url,
        "LIBRIASSIST_WORKERS": "2",
    }
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "libriassist", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            deadline = time.monotonic() + 60
            while True:
                try:
                    ready = await http.get("/readyz")
                    if ready.status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert server.poll() is None, (tmp_path / "serve.log").read_text()
                assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
                await asyncio.sleep(0.3)
            expected = "sqlite" if settings.is_sqlite else "postgresql"
            assert ready.json()["database"] == expected
            headers = tenant.widget_headers()  # type: ignore[attr-defined]
            for _ in range(4):  # several requests, whichever worker takes them
                answer = await http.post(
                    "/api/v1/chat",
                    json={"message": "Quels sont les délais de livraison ?"},
                    headers=headers,
                )
                assert "3 à 5 jours" in answer.json()["answer"]
            # Hot reload: an ingest from another process is seen by every worker at once.
            kb = tmp_path / "new-kb"
            kb.mkdir()
            (kb / "gifts.json").write_text(json.dumps(FAQ), encoding="utf-8")
            assert cli(settings, "kb", "ingest", tenant.id, str(kb)).returncode == 0  # type: ignore[attr-defined]
            for _ in range(6):
                answer = await http.post(
                    "/api/v1/chat", json={"message": "Do you sell gift cards?"}, headers=headers
                )
                assert "20 to 200 euros" in answer.json()["answer"]
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
    lines = [
        line for line in (tmp_path / "serve.log").read_text().splitlines() if line.startswith("{")
    ]
    # Each request is logged once (the server's own access log would repeat it), with its
    # request id and the client's address.
    chats = [json.loads(line) for line in lines if "/api/v1/chat" in line]
    assert len(chats) == 10
    assert all(c["path"] == "/api/v1/chat" and c["status"] == 200 for c in chats)
    assert all(c["client"] == "127.0.0.1" and len(c["request_id"]) == 32 for c in chats)


def test_cli_on_an_empty_data_dir_says_to_migrate(tmp_path: Path) -> None:
    fresh = Settings(data_dir=tmp_path / "fresh")
    result = cli(fresh, "tenants", "list")
    assert result.returncode == 1
    assert "libriassist db upgrade" in result.stderr and "Traceback" not in result.stderr
    assert cli(fresh, "db", "upgrade").returncode == 0
    assert cli(fresh, "tenants", "list").returncode == 0


async def test_tenant_ids_must_be_slugs(settings: Settings, client: httpx.AsyncClient) -> None:
    for bad in ("Bad ID/../x<script>", "x" * 64, "-x", "ok\n"):
        result = cli(settings, "tenants", "create", "Shop", "--id", bad)
        assert result.returncode == 1 and "not a valid tenant id" in result.stderr, bad
    nameless = cli(settings, "tenants", "create", "مكتبة")
    assert nameless.returncode == 1 and "--id" in nameless.stderr


async def test_kb_sync_mirrors_a_folder(
    settings: Settings, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    cli(settings, "tenants", "create", "Sync Shop", "--origin", "https://sync.example")
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "faq.json").write_text(json.dumps(FAQ), encoding="utf-8")
    (folder / "old.md").write_text(
        "---\nlanguage: en\n---\n# Old\nAn old page.\n", encoding="utf-8"
    )
    first = cli(settings, "kb", "sync", "sync-shop", str(folder), "--json")
    assert first.returncode == 0, first.stderr
    (folder / "old.md").unlink()
    second = cli(settings, "kb", "sync", "sync-shop", str(folder))
    assert second.returncode == 0
    assert "removed   old.md" in second.stdout and "unchanged faq.json" in second.stdout


async def test_the_platform_kb_is_filled_from_the_cli_and_used_by_opted_in_tenants(
    settings: Settings, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    folder = tmp_path / "platform"
    folder.mkdir()
    (folder / "help.json").write_text(json.dumps(FAQ), encoding="utf-8")
    synced = cli(settings, "kb", "sync", "_platform", str(folder), "--json")
    assert synced.returncode == 0, synced.stderr
    assert [f["status"] for f in json.loads(synced.stdout)["files"]] == ["ingested"]
    created = cli(
        settings,
        "tenants",
        "create",
        "Opted In",
        "--origin",
        "https://in.example",
        "--platform-kb",
        "--json",
    )
    assert created.returncode == 0, created.stderr
    keys = json.loads(created.stdout)
    listed = cli(settings, "tenants", "list", "--json")
    assert "_platform" not in listed.stdout
    reply = await client.post(
        "/api/v1/chat",
        json={"message": "Do you sell gift cards?"},
        headers={"X-API-Key": keys["publishable_key"], "Origin": "https://in.example"},
    )
    assert reply.json()["sources"][0]["kind"] == "platform"
    assert "gift cards from 20 to 200 euros" in reply.json()["answer"]


LANGID_ROWS = [
    {"text": "Où est ma commande ?", "lang": "fr", "script": "Latn"},
    {"text": "Where is my order?", "lang": "en", "script": "Latn"},
    {"text": "¿Dónde está mi pedido?", "lang": "es", "script": "Latn"},
    {"text": "wach kayn livraison l casa?", "lang": "ary", "script": "Latn"},
    {"text": "واش كاين التوصيل لكازا؟", "lang": "ary", "script": "Arab"},
    {"text": "هل التوصيل مجاني؟", "lang": "ar", "script": "Arab"},
    {"text": "أين طلبي؟", "lang": "ary", "script": "Arab"},  # MSA, labelled Darija
]


def test_eval_language_scores_a_labelled_file(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    path = tmp_path / "langid.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in LANGID_ROWS) + "\n")

    as_json = cli(settings, "eval", "language", str(path), "--json")
    assert as_json.returncode == 0, as_json.stderr
    result = json.loads(as_json.stdout)
    assert result["n"] == 7
    assert result["accuracy"] == pytest.approx(6 / 7)
    assert result["confusion"]["ary"] == {"ar": 1, "ary": 2}
    assert result["f1"]["fr"] == 1.0 and result["f1"]["ary"] == pytest.approx(0.8)
    assert result["f1"]["ar"] == pytest.approx(2 / 3)
    assert result["macro_f1"] == pytest.approx((3 + 0.8 + 2 / 3) / 5)
    assert result["by_script"]["Arab"]["n"] == 3

    plain = cli(settings, "eval", "language", str(path))
    assert plain.returncode == 0, plain.stderr
    assert "n 7  accuracy 0.857  macro-F1 0.893" in plain.stdout
    assert "script Arab: n 3  accuracy 0.667" in plain.stdout
    assert any(
        line.split() == ["ary", "1", "2", "0", "0", "0"] for line in plain.stdout.splitlines()
    )


def test_eval_language_errors_are_clear(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    bad_json = tmp_path / "bad.jsonl"
    bad_json.write_text('{"text": "hello", "lang": "en"}\n{"text": "hi", "lang": \n')
    no_lang = tmp_path / "no_lang.jsonl"
    no_lang.write_text('{"text": "hello"}\n')
    cases = [
        (tmp_path / "absent.jsonl", "no such file"),
        (bad_json, "line 2: not valid JSON"),
        (no_lang, "line 1: missing or empty field 'lang'"),
    ]
    for path, message in cases:
        result = cli(settings, "eval", "language", str(path))
        assert result.returncode == 1 and message in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and not result.stdout
    wrong_prior = cli(settings, "eval", "language", str(no_lang), "--prior", "de")
    assert wrong_prior.returncode == 1 and "--prior" in wrong_prior.stderr


async def test_personas_are_listed_chosen_and_overridden_from_the_cli(
    settings: Settings, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    listed = cli(settings, "personas", "--json")
    ids = [p["id"] for p in json.loads(listed.stdout)]
    assert len(ids) >= 8 and "clinic" in ids and "real_estate" in ids
    shown = cli(settings, "personas", "clinic", "--language", "ary")
    assert shown.returncode == 0 and "كلينيك" in shown.stdout and "{name}" in shown.stdout

    created = cli(settings, "tenants", "create", "Cabinet Atlas", "--persona", "clinic", "--json")
    assert created.returncode == 0, created.stderr
    unknown = cli(settings, "tenants", "update", "cabinet-atlas", "--persona", "bakery")
    assert unknown.returncode == 1 and "unknown_persona" in unknown.stderr
    assert "real_estate" in unknown.stderr and "Traceback" not in unknown.stderr

    overrides = tmp_path / "overrides.json"
    overrides.write_text(
        json.dumps({"tone": "Très doux.", "starters": {"fr": ["Où se garer ?"]}}),
        encoding="utf-8",
    )
    updated = cli(
        settings,
        "tenants",
        "update",
        "cabinet-atlas",
        "--persona-overrides",
        str(overrides),
        "--greeting",
        "fr=Bienvenue au {name} !",
    )
    assert updated.returncode == 0, updated.stderr
    assert json.loads(updated.stdout)["persona_overrides"]["tone"] == "Très doux."
    persona = json.loads(cli(settings, "tenants", "persona", "cabinet-atlas", "--json").stdout)
    assert persona["id"] == "clinic" and persona["language"] == "fr"
    assert persona["greeting"] == "Bienvenue au Cabinet Atlas !"
    assert persona["starters"] == ["Où se garer ?"]
    assert "Ton : Très doux." in persona["system_prompt"]
