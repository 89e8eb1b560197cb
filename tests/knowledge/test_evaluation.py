"""The eval command, on a tiny set with known answers."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from libriassist.knowledge.evaluation import metrics

CORPUS = [
    {
        "_id": "d1",
        "title": "Livraison",
        "text": "Nous livrons en 3 à 5 jours ouvrés en France.",
        "lang": "fr",
    },
    {
        "_id": "d2",
        "title": "Retours",
        "text": "Vous pouvez retourner un article sous 30 jours.",
        "lang": "fr",
    },
    {
        "_id": "d3",
        "title": "Paiement",
        "text": "Nous acceptons la carte bancaire et le virement.",
        "lang": "fr",
    },
]
QUERIES = [
    {"_id": "q1", "text": "Quels sont les délais de livraison ?", "lang": "fr"},
    {"_id": "q2", "text": "Can I return an item?", "lang": "en"},
    {"_id": "q3", "text": "Acceptez-vous la carte bancaire ?", "lang": "fr"},
]


def write_set(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "corpus.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in CORPUS), encoding="utf-8"
    )
    (folder / "queries.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in QUERIES), encoding="utf-8"
    )
    (folder / "qrels.tsv").write_text(
        "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\nq3\td3\t1\n", encoding="utf-8"
    )
    return folder


def run_eval(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LIBRIASSIST_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "libriassist", "eval", "retrieval", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_eval_retrieval_on_a_tiny_set(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "tiny-set")
    first = run_eval(tmp_path / "data", str(folder), "--mode", "hybrid", "--json")
    assert first.returncode == 0, first.stderr
    result = json.loads(first.stdout)
    assert result["mode"] == "hybrid" and result["queries"] == 3
    assert result["recall@1"] == 1.0 and result["mrr@10"] == 1.0 and result["ndcg@10"] == 1.0
    for key in ("recall@5", "recall@10", "latency_ms_p50", "latency_ms_p95"):
        assert key in result
    assert result["embedded"] == 3

    again = run_eval(tmp_path / "data", str(folder), "--mode", "all", "--json")
    everything = json.loads(again.stdout)
    assert set(everything) >= {"lexical", "dense", "hybrid"}
    assert everything["dense"]["embedded"] == 0  # the second run reuses the vectors
    table = run_eval(tmp_path / "data", str(folder), "--mode", "lexical")
    assert "recall@5" in table.stdout and "lexical" in table.stdout


def test_eval_refuses_a_folder_that_is_not_a_set(tmp_path: Path) -> None:
    result = run_eval(tmp_path / "data", str(tmp_path))
    assert result.returncode == 1 and "missing corpus.jsonl" in result.stderr
    bad_mode = run_eval(tmp_path / "data", str(write_set(tmp_path / "s")), "--mode", "fuzzy")
    assert bad_mode.returncode == 1 and "--mode" in bad_mode.stderr


@pytest.mark.parametrize(
    ("ranked", "relevant", "expected"),
    [
        (["a", "b", "c"], {"a"}, {"recall@1": 1.0, "mrr@10": 1.0, "ndcg@10": 1.0}),
        (["b", "a", "c"], {"a"}, {"recall@1": 0.0, "recall@5": 1.0, "mrr@10": 0.5}),
        (["b", "c"], {"a"}, {"recall@10": 0.0, "mrr@10": 0.0, "ndcg@10": 0.0}),
        (["a", "x", "b"], {"a", "b"}, {"recall@1": 0.5, "recall@5": 1.0}),
    ],
)
def test_metrics(ranked: list[str], relevant: set[str], expected: dict[str, float]) -> None:
    scores = metrics(ranked, relevant)
    for name, value in expected.items():
        assert scores[name] == pytest.approx(value)
