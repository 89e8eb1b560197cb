"""Guards on the tenancy rules: scoping is written in one place, every table is scoped."""

import re
from pathlib import Path

from libriassist.db import Base
from libriassist.models import load_all_models

SRC = Path(__file__).resolve().parents[1] / "src" / "libriassist"
ALLOWED = {SRC / "kit" / "repository.py"}


def test_tenant_filters_are_written_only_in_the_repository_base() -> None:
    pattern = re.compile(r"\b[A-Z]\w*\.tenant_id\s*==")  # Model.tenant_id == …
    offenders = [
        f"{path.relative_to(SRC)}:{number}"
        for path in SRC.rglob("*.py")
        if path not in ALLOWED and "platform" not in path.parts and "migrations" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert offenders == [], "filter through kit.repository.TenantRepository instead"


def test_every_tenant_owned_table_has_an_indexed_non_null_tenant_id() -> None:
    load_all_models()
    for table in Base.metadata.sorted_tables:
        if table.name in ("tenants", "settings_revision"):  # the second is platform-wide
            continue
        column = table.columns.get("tenant_id")
        assert column is not None, f"{table.name} has no tenant_id"
        assert not column.nullable, f"{table.name}.tenant_id is nullable"
        leading = {tuple(ix.columns)[0].name for ix in table.indexes}
        assert "tenant_id" in leading, f"{table.name} has no index led by tenant_id"


def test_domains_reach_each_other_through_services() -> None:
    """Another domain's repository is never imported: its service is the way in."""
    pattern = re.compile(r"from libriassist\.(\w+)\.repository import")
    for path in SRC.rglob("*.py"):
        domain = path.relative_to(SRC).parts[0]
        for match in pattern.finditer(path.read_text(encoding="utf-8")):
            assert match.group(1) in (domain, "kit"), (
                f"{path.relative_to(SRC)} imports {match.group(0)}"
            )


def test_conversations_never_reach_the_knowledge_code() -> None:
    for path in (SRC / "knowledge").rglob("*.py"):
        assert "libriassist.chat" not in path.read_text(encoding="utf-8"), path.name


def test_the_chat_only_reads_curated_answers() -> None:
    """No code path from a conversation to a curated write: the chat reaches curated
    answers only through the read-only matcher, and the matcher writes nothing."""
    for path in (SRC / "chat").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        imports = re.findall(r"from libriassist\.curated(\.\w+)? import", text)
        assert set(imports) <= {".matching"}, f"{path.name} imports {imports}"
        assert "curated_service" not in text and "curated.service" not in text, path.name
    matcher = (SRC / "curated" / "matching.py").read_text(encoding="utf-8")
    for write in (".add(", ".delete(", ".update(", "flush(", "commit(", "new_kb_revision"):
        assert write not in matcher, write
    for path in (SRC / "curated").rglob("*.py"):
        assert "libriassist.chat" not in path.read_text(encoding="utf-8"), path.name


def test_the_chat_reaches_intents_through_their_service_and_reads_only() -> None:
    for path in (SRC / "chat").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        imports = set(re.findall(r"from libriassist\.intents(\.\w+)? import", text))
        assert imports <= {"", ".matching"}, f"{path.name} imports {imports}"
    for name in ("matching.py", "detection.py", "builtin.py", "model.py"):
        reader = (SRC / "intents" / name).read_text(encoding="utf-8")
        for write in (".add(", ".update(", "flush(", "commit(", "new_kb_revision"):
            assert write not in reader, (name, write)
