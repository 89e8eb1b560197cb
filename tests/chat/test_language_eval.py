"""Scoring the language detector: metrics on known answers and the input file checks."""

import json
from pathlib import Path

import pytest

from libriassist.chat.language_eval import EvalFileError, evaluate, load_examples, score


def test_scores_a_known_confusion() -> None:
    gold = ["fr", "fr", "fr", "en", "en", "ary"]
    predicted = ["fr", "fr", "en", "en", "en", "fr"]
    result = score(gold, predicted)
    assert result["n"] == 6
    assert result["accuracy"] == pytest.approx(4 / 6)
    assert result["confusion"] == {"ary": {"fr": 1}, "en": {"en": 2}, "fr": {"en": 1, "fr": 2}}
    # fr: precision 2/3, recall 2/3; en: precision 2/3, recall 1; ary: 0
    assert result["f1"]["fr"] == pytest.approx(2 / 3)
    assert result["f1"]["en"] == pytest.approx(0.8)
    assert result["f1"]["ary"] == 0
    assert result["macro_f1"] == pytest.approx((2 / 3 + 0.8 + 0) / 3)


def write(path: Path, rows: list[object]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    return path


def test_evaluates_a_file_with_a_slice_per_script(tmp_path: Path) -> None:
    rows = [
        {"text": "Where is my order?", "lang": "en", "script": "Latn"},
        {"text": "wach kayn livraison l casa?", "lang": "ary", "script": "Latn"},
        {"text": "واش كاين التوصيل لكازا؟", "lang": "ary", "script": "Arab"},
        {"text": "هل التوصيل مجاني؟", "lang": "ary", "script": "Arab"},  # MSA, mislabelled
    ]
    result = evaluate(load_examples(write(tmp_path / "set.jsonl", rows)))
    assert result["accuracy"] == 0.75
    assert result["confusion"]["ary"] == {"ar": 1, "ary": 2}
    assert result["by_script"]["Latn"]["accuracy"] == 1.0
    assert result["by_script"]["Arab"]["f1"]["ary"] == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"text": "hello", "lang": "en"}\n{"text": "oops"\n', "line 2: not valid JSON"),
        ('{"text": "hello"}\n', "line 1: missing or empty field 'lang'"),
        ('{"lang": "en", "text": ""}\n', "line 1: missing or empty field 'text'"),
        ('["hello", "en"]\n', "line 1: expected a JSON object"),
        ("\n\n", "holds no examples"),
    ],
)
def test_a_bad_file_says_what_and_where(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    with pytest.raises(EvalFileError, match=message):
        load_examples(path)


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(EvalFileError, match="no such file"):
        load_examples(tmp_path / "absent.jsonl")
