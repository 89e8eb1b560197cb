"""Run `libriassist eval retrieval` on every set of a folder and print a Markdown table.

    python bench/retrieval_eval.py SETS_DIR [--baselines baselines.json] [--only SET ...]

Each set's corpus is embedded once and kept under DATA_DIR/eval, so a second run only
embeds the queries. Results per set are also written as JSON next to the table
(--out, default bench/results/).
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

COLUMNS = ("mrr@10", "recall@5")


def run_set(directory: Path, out: Path) -> dict[str, dict[str, float]]:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "libriassist",
            "eval",
            "retrieval",
            str(directory),
            "--mode",
            "all",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"{directory.name}: {result.stderr.strip()}")
    data: dict[str, dict[str, float]] = json.loads(result.stdout)
    (out / f"{directory.name}.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    return data


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sets", type=Path, help="folder holding one BEIR-layout folder per set")
    parser.add_argument("--baselines", type=Path, help="baselines.json to print beside ours")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    parser.add_argument("--only", nargs="*", help="set names to run (default: all)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    baselines = json.loads(args.baselines.read_text())["retrieval"] if args.baselines else {}
    header = (
        "| set | "
        + " | ".join(f"{c} {m}" for c in COLUMNS for m in ("lexical", "dense", "hybrid"))
        + " | hybrid p50 / p95 ms | search only p95 ms |"
    )
    if baselines:
        header += " baseline MRR@10 bm25 / dense / hybrid |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for directory in sorted(p for p in args.sets.iterdir() if (p / "corpus.jsonl").exists()):
        if args.only and directory.name not in args.only:
            continue
        data = run_set(directory, args.out)
        cells = [f"{data[m][c]:.3f}" for c in COLUMNS for m in ("lexical", "dense", "hybrid")]
        hybrid = data["hybrid"]
        row = f"| `{directory.name}` | " + " | ".join(cells)
        row += f" | {hybrid['latency_ms_p50']:.1f} / {hybrid['latency_ms_p95']:.1f}"
        row += f" | {hybrid['search_latency_ms_p95']:.2f} |"
        if baselines and directory.name in baselines:
            base = baselines[directory.name]
            row += (
                " "
                + " / ".join(f"{base[m]['mrr@10']:.3f}" for m in ("bm25", "dense", "hybrid"))
                + " |"
            )
        print(row, flush=True)


if __name__ == "__main__":
    main()
