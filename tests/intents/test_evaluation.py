"""``libriassist eval intents`` on tiny files whose answers are known."""

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from libriassist.cli import app
from libriassist.intents.evaluation import scores

runner = CliRunner()


def write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", "utf-8")
    return path


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIBRIASSIST_DATA_DIR", str(tmp_path / "data"))


# Rules decide every line, so the answers do not depend on the model.
BUILTIN_SET = [
    {"text": "Where is my order #4521?", "intent": "track_order", "label": "order_tracking"},
    {"text": "I want a refund for this lamp", "intent": "returns_refunds", "lang": "en"},
    {"text": "Je veux parler à un conseiller", "intent": "human_handoff", "lang": "fr"},
    {"text": "Bonjour !", "intent": "greeting"},
    {"text": "Hello!", "intent": "complaint"},  # wrong on purpose: predicted greeting
]


def test_built_in_intents_plain_and_json(tmp_path: Path) -> None:
    path = write(tmp_path / "set.jsonl", BUILTIN_SET)
    plain = runner.invoke(app, ["eval", "intents", str(path)])
    assert plain.exit_code == 0, plain.output
    assert "5 messages, built-in intents" in plain.stdout
    assert "accuracy  0.800" in plain.stdout and "macro-F1  0.733" in plain.stdout
    assert "greeting" in plain.stdout and "0.667" in plain.stdout

    result = runner.invoke(app, ["eval", "intents", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["n"] == 5 and data["mode"] == "builtin" and data["accuracy"] == 0.8
    assert data["macro_f1"] == 0.7333
    assert data["f1"] == {
        "complaint": 0.0,
        "greeting": 0.6667,
        "human_handoff": 1.0,
        "order_tracking": 1.0,
        "returns_refunds": 1.0,
    }
    assert data["confusion"]["complaint"] == {"greeting": 1}
    assert data["confusion"]["order_tracking"] == {"order_tracking": 1}


TRAIN = [
    {"text": "When do you open?", "intent": "opening hours", "label": "store"},
    {"text": "Quels sont vos horaires ?", "intent": "opening hours", "label": "store"},
    {"text": "¿A qué hora abren?", "intent": "opening hours", "label": "store"},
    {"text": "Can you gift wrap it?", "intent": "gift wrap", "label": "service"},
    {"text": "Faites-vous des paquets cadeaux ?", "intent": "gift wrap", "label": "service"},
    {"text": "Is gift packaging available?", "intent": "gift wrap", "label": "service"},
    {"text": "Do you sell in bulk to shops?", "intent": "wholesale", "label": "service"},
    {"text": "Je suis revendeur, vendez-vous en gros ?", "intent": "wholesale", "label": "service"},
    {"text": "wholesale prices for resellers", "intent": "wholesale", "label": "service"},
]
TEST = [
    {"text": "what are your opening times on Sunday?", "intent": "opening hours"},
    {"text": "¿Pueden envolverlo para regalo?", "intent": "gift wrap"},
    {"text": "We run a small store: can we buy wholesale from you?", "intent": "wholesale"},
]


def test_examples_registered_as_a_tenants_intents(tmp_path: Path) -> None:
    train, test = write(tmp_path / "t.jsonl", TRAIN), write(tmp_path / "e.jsonl", TEST)
    # Names that are not valid intent names ("opening hours") are registered under
    # valid ones and reported under their own.
    result = runner.invoke(app, ["eval", "intents", str(test), "--train", str(train), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["mode"] == "tenant" and data["accuracy"] == 1.0 and data["macro_f1"] == 1.0
    assert set(data["f1"]) == {"opening hours", "gift wrap", "wholesale"}

    # With labels on the evaluated lines, a predicted intent counts as its examples' label.
    labelled = write(
        tmp_path / "l.jsonl",
        [{**row, "label": "store" if i == 0 else "service"} for i, row in enumerate(TEST)],
    )
    plain = runner.invoke(app, ["eval", "intents", str(labelled), "--train", str(train)])
    assert plain.exit_code == 0, plain.output
    assert "the examples as a tenant's intents" in plain.stdout
    assert "accuracy  1.000" in plain.stdout and "service" in plain.stdout

    both = runner.invoke(
        app,
        ["eval", "intents", str(test), "--train", str(train), "--with-builtins", "--json"],
    )
    assert both.exit_code == 0, both.output
    assert json.loads(both.stdout)["mode"] == "tenant+builtin"


def test_bad_files_are_reported_without_a_traceback(tmp_path: Path) -> None:
    good = write(tmp_path / "good.jsonl", BUILTIN_SET)
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"text": "ok", "intent": "greeting"}\n{"text": \n', "utf-8")
    no_text = write(tmp_path / "no-text.jsonl", [{"intent": "greeting"}])
    no_intent = write(tmp_path / "no-intent.jsonl", [{"text": "hello"}])
    bad_label = write(tmp_path / "bad-label.jsonl", [{"text": "hi", "intent": "g", "label": 3}])
    listed = tmp_path / "list.jsonl"
    listed.write_text('["text", "intent"]\n', "utf-8")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n", "utf-8")
    too_many = write(
        tmp_path / "too-many.jsonl",
        [{"text": f"example number {i}", "intent": "big"} for i in range(101)],
    )
    cases = [
        ([str(tmp_path / "missing.jsonl")], "no such file"),
        ([str(broken)], "broken.jsonl line 2: not valid JSON"),
        ([str(no_text)], "no-text.jsonl line 1: needs a non-empty 'text'"),
        ([str(no_intent)], "no-intent.jsonl line 1: needs a non-empty 'intent'"),
        ([str(bad_label)], "'label' must be a non-empty string"),
        ([str(listed)], "line 1: expected a JSON object"),
        ([str(empty)], "empty.jsonl has no lines to evaluate"),
        ([str(good), "--train", str(tmp_path / "nope.jsonl")], "no such file"),
        ([str(good), "--with-builtins"], "--with-builtins needs --train"),
        ([str(good), "--train", str(too_many)], "intent 'big': examples"),
    ]
    for args, message in cases:
        result = runner.invoke(app, ["eval", "intents", *args])
        assert result.exit_code == 1, (args, result.output)
        assert message in result.stderr, (args, result.stderr)
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert "Traceback" not in result.output


def test_scores_count_every_label_seen() -> None:
    result = scores(["a", "a", "b"], ["a", "c", "b"])
    assert result["accuracy"] == 0.6667
    assert result["f1"] == {"a": 0.6667, "b": 1.0, "c": 0.0}
    assert result["macro_f1"] == 0.5556
    assert result["confusion"] == {"a": {"a": 1, "c": 1}, "b": {"b": 1}}
