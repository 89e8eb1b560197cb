"""Scoring the language detector on a labelled file (``libriassist eval language``).

The file is JSON lines, one ``{"text": ..., "lang": ...}`` object a line; other fields
are kept, and ``script`` (when present) gives a slice of its own, since Darija in Arabic
letters and in Arabizi fail in different ways.
"""

import json
import statistics
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from libriassist.kit.language import detect

UNDETERMINED = "und"  # the detector's answer when a text gave no evidence and no prior


class EvalFileError(Exception):
    pass


@dataclass(frozen=True)
class Example:
    text: str
    lang: str
    fields: dict[str, Any] = field(default_factory=dict)


def load_examples(path: Path) -> list[Example]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise EvalFileError(f"no such file: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalFileError(f"cannot read {path}: {exc}") from None
    examples = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalFileError(f"{path}, line {number}: not valid JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise EvalFileError(f"{path}, line {number}: expected a JSON object")
        for key in ("text", "lang"):
            if not isinstance(row.get(key), str) or not row[key]:
                raise EvalFileError(f"{path}, line {number}: missing or empty field '{key}'")
        examples.append(Example(row["text"], row["lang"], row))
    if not examples:
        raise EvalFileError(f"{path} holds no examples")
    return examples


def score(gold: list[str], predicted: list[str]) -> dict[str, Any]:
    """Accuracy, per-label precision/recall/F1, macro-F1 (over the gold labels) and the
    confusion matrix (gold label -> predicted label -> count)."""
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    for g, p in zip(gold, predicted, strict=True):
        confusion[g][p] += 1
    labels = sorted(confusion)
    predicted_count = Counter(predicted)
    precision, recall, f1 = {}, {}, {}
    for label in labels:
        hits = confusion[label][label]
        precision[label] = hits / predicted_count[label] if predicted_count[label] else 0.0
        recall[label] = hits / sum(confusion[label].values())
        both = precision[label] + recall[label]
        f1[label] = 2 * precision[label] * recall[label] / both if both else 0.0
    n = len(gold)
    return {
        "n": n,
        "accuracy": sum(confusion[label][label] for label in labels) / n,
        "macro_f1": statistics.fmean(f1.values()),
        "f1": f1,
        "precision": precision,
        "recall": recall,
        "support": {label: sum(confusion[label].values()) for label in labels},
        "confusion": {g: dict(sorted(confusion[g].items())) for g in labels},
    }


def evaluate(examples: list[Example], prior: str | None = None) -> dict[str, Any]:
    predicted, seconds = [], []
    for example in examples:
        started = time.perf_counter()
        predicted.append(detect(example.text, prior).language or UNDETERMINED)
        seconds.append(time.perf_counter() - started)
    gold = [e.lang for e in examples]
    result = score(gold, predicted)
    result["prior"] = prior
    cuts = statistics.quantiles(seconds, n=20) if len(seconds) > 1 else seconds * 19
    result["latency_us"] = {
        "mean": round(statistics.fmean(seconds) * 1e6, 1),
        "p50": round(cuts[9] * 1e6, 1),
        "p95": round(cuts[18] * 1e6, 1),
    }
    scripts = sorted({str(e.fields["script"]) for e in examples if "script" in e.fields})
    if scripts:
        result["by_script"] = {}
        for script in scripts:
            rows = [i for i, e in enumerate(examples) if str(e.fields.get("script")) == script]
            result["by_script"][script] = score(
                [gold[i] for i in rows], [predicted[i] for i in rows]
            )
    return result


def _table(result: dict[str, Any]) -> list[str]:
    lines = [f"{'label':<6} {'precision':>9} {'recall':>7} {'f1':>6} {'n':>6}"]
    for label in result["f1"]:
        lines.append(
            f"{label:<6} {result['precision'][label]:>9.3f} {result['recall'][label]:>7.3f} "
            f"{result['f1'][label]:>6.3f} {result['support'][label]:>6}"
        )
    return lines


def format_report(result: dict[str, Any]) -> str:
    lines = [
        f"n {result['n']}  accuracy {result['accuracy']:.3f}  macro-F1 {result['macro_f1']:.3f}"
        f"  (prior {result['prior'] or 'none'})",
        "latency per text: mean {mean} µs, p50 {p50} µs, p95 {p95} µs".format(
            **result["latency_us"]
        ),
        "",
        *_table(result),
        "",
        "confusion (rows: gold, columns: predicted)",
    ]
    columns = sorted({p for row in result["confusion"].values() for p in row})
    lines.append(f"{'':<6} " + " ".join(f"{c:>5}" for c in columns))
    for gold, row in result["confusion"].items():
        lines.append(f"{gold:<6} " + " ".join(f"{row.get(c, 0):>5}" for c in columns))
    for script, sliced in result.get("by_script", {}).items():
        lines += [
            "",
            f"script {script}: n {sliced['n']}  accuracy {sliced['accuracy']:.3f}"
            f"  macro-F1 {sliced['macro_f1']:.3f}",
            *_table(sliced),
        ]
    return "\n".join(lines)
