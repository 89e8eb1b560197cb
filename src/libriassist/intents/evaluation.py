"""``libriassist eval intents``: intent detection measured on labelled JSON lines.

Each line is ``{"text", "intent", "label"?, "lang"?}``; the target is ``label`` where
present, else ``intent``. Messages are embedded exactly as the chat embeds them
(``intents.examples`` mirrors ``embed_query``, Darija rewrite included).

- Without examples: the product's built-in intents classify every message.
- With ``train`` examples (same format): the examples are registered as a fresh tenant's
  own intents, through the admin service, in a throw-away SQLite database, and the
  tenant's model classifies every message, as the chat would load it. On a line scored on
  its ``label``, a predicted intent counts as the label of that intent's examples (fine
  intents scored on coarse labels). ``with_builtins`` adds the built-in intents and the rule
  that chooses between them and the tenant's (``intents.detection``), as in the chat.
"""

import asyncio
import json
import re
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from libriassist import migrate
from libriassist.ai.embedder import Embedder
from libriassist.db import create_engine, create_sessionmaker, session_scope
from libriassist.errors import AppError
from libriassist.intents.builtin import builtin_model
from libriassist.intents.detection import decide
from libriassist.intents.examples import embed_examples
from libriassist.intents.matching import IntentCache, TenantIntents, load_intents
from libriassist.intents.schemas import IntentIn
from libriassist.kit.language import detect_language
from libriassist.tenants.schemas import LANGUAGES

Progress = Callable[[str, int, int, str], None]
BATCH = 64


class EvalFileError(Exception):
    """The file cannot be used; the message says which line and why."""


@dataclass(frozen=True)
class Row:
    text: str
    intent: str
    label: str | None
    language: str

    @property
    def target(self) -> str:
        return self.label or self.intent


def load_rows(path: Path) -> list[Row]:
    if not path.is_file():
        raise EvalFileError(f"no such file: {path}")
    rows = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalFileError(f"cannot read {path}: {exc}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalFileError(f"{path.name} line {number}: not valid JSON ({exc.msg})") from exc
        if not isinstance(data, dict):
            raise EvalFileError(f"{path.name} line {number}: expected a JSON object")
        text, intent, label = data.get("text"), data.get("intent"), data.get("label")
        if not isinstance(text, str) or not text.strip():
            raise EvalFileError(f"{path.name} line {number}: needs a non-empty 'text'")
        if not isinstance(intent, str) or not intent.strip():
            raise EvalFileError(f"{path.name} line {number}: needs a non-empty 'intent'")
        if label is not None and (not isinstance(label, str) or not label.strip()):
            raise EvalFileError(f"{path.name} line {number}: 'label' must be a non-empty string")
        lang = data.get("lang")
        language = lang if lang in LANGUAGES else detect_language(text, default="en")
        rows.append(Row(text, intent.strip(), label.strip() if label else None, language))
    if not rows:
        raise EvalFileError(f"{path.name} has no lines to evaluate")
    return rows


def scores(gold: list[str], predicted: list[str]) -> dict[str, Any]:
    """Accuracy, macro-F1 over every label seen (gold or predicted), F1 per label and the
    confusion matrix (gold -> predicted -> count)."""
    labels = sorted(set(gold) | set(predicted))
    confusion: dict[str, dict[str, int]] = defaultdict(dict)
    for (actual, guess), count in Counter(zip(gold, predicted, strict=True)).items():
        confusion[actual][guess] = count
    f1 = {}
    for label in labels:
        hits = confusion.get(label, {}).get(label, 0)
        predicted_as = sum(row.get(label, 0) for row in confusion.values())
        truly = sum(confusion.get(label, {}).values())
        f1[label] = round(2 * hits / (predicted_as + truly), 4) if hits else 0.0
    correct = sum(g == p for g, p in zip(gold, predicted, strict=True))
    return {
        "n": len(gold),
        "accuracy": round(correct / len(gold), 4),
        "macro_f1": round(sum(f1.values()) / len(f1), 4),
        "f1": f1,
        "support": dict(sorted(Counter(gold).items())),
        "confusion": {g: dict(sorted(row.items())) for g, row in sorted(confusion.items())},
    }


def evaluate(
    test: list[Row],
    embedder: Embedder,
    *,
    train: list[Row] | None = None,
    with_builtins: bool = False,
    intent_cache: IntentCache | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Blocking (it builds its own database and event loop): call it from the CLI.
    ``intent_cache``: where the tenant's model is loaded, as the chat's (its built-in
    vectors' folder, its English encoder)."""
    intent_cache = IntentCache() if intent_cache is None else intent_cache  # (empty is falsy)
    mode = "builtin" if train is None else "tenant+builtin" if with_builtins else "tenant"
    use_builtin = train is None or with_builtins
    builtin = builtin_model(embedder, intent_cache.cache_dir) if use_builtin else None
    vectors = _embed(embedder, test, progress)
    tenant: TenantIntents | None = None
    original: dict[str, str] = {}
    as_label: dict[str, str] = {}
    if train is not None:
        tenant, original, as_label = _with_tenant_intents(train, embedder, intent_cache)
    predicted = []
    started = time.perf_counter()
    for row, vector in zip(test, vectors, strict=True):
        prediction = tenant.predict(vector, row.text, row.language) if tenant else None
        if builtin is not None:
            intent = decide(builtin, prediction, vector, row.text, row.language).intent
        else:
            assert prediction is not None
            intent = prediction.labels[prediction.best()]
        intent = original.get(intent, intent)
        predicted.append(as_label.get(intent, intent) if row.label else intent)
    classify_ms = (time.perf_counter() - started) * 1000 / len(test)
    result = scores([row.target for row in test], predicted)
    return {"mode": mode, **result, "classify_ms_mean": round(classify_ms, 3)}


def _embed(embedder: Embedder, rows: list[Row], progress: Progress | None) -> np.ndarray[Any, Any]:
    blocks = []
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        blocks.append(
            embed_examples(embedder, [r.text for r in batch], [r.language for r in batch])
        )
        if progress:
            progress("embed", start + len(batch), len(rows), "messages")
    return np.vstack(blocks)


def _registered_names(names: list[str]) -> dict[str, str]:
    """Each intent of the file -> a valid, distinct intent name."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        valid = re.sub(r"[^A-Za-z0-9_.\-]", "_", name)
        valid = (valid if valid[:1].isalpha() else f"i_{valid}")[:64]
        candidate, number = valid, 1
        while candidate in taken:
            number += 1
            candidate = f"{valid[:60]}_{number}"
        taken.add(candidate)
        out[name] = candidate
    return out


def _with_tenant_intents(
    train: list[Row], embedder: Embedder, cache: IntentCache
) -> tuple[TenantIntents, dict[str, str], dict[str, str]]:
    """The examples as a fresh tenant's intents, loaded as the chat loads them; with the
    registered name -> file intent and file intent -> label maps."""
    grouped: dict[str, list[str]] = defaultdict(list)
    labels: dict[str, Counter[str]] = defaultdict(Counter)
    for row in train:
        grouped[row.intent].append(row.text)
        if row.label:
            labels[row.intent][row.label] += 1
    names = _registered_names(sorted(grouped))
    items = []
    for intent, examples in sorted(grouped.items()):
        try:
            items.append(IntentIn.model_validate({"name": names[intent], "examples": examples}))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise EvalFileError(f"intent '{intent}': {where}: {first['msg']}") from exc
    # Predictions come back as registered names: the file's intents, and their labels.
    original = {registered: intent for intent, registered in names.items()}
    as_label = {intent: found.most_common(1)[0][0] for intent, found in labels.items()}
    with tempfile.TemporaryDirectory(prefix="libriassist-eval-") as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'intents.db'}"
        migrate.upgrade(url)
        intents = asyncio.run(_register(url, items, embedder, cache))
    return intents, original, as_label


async def _register(
    url: str, items: list[IntentIn], embedder: Embedder, cache: IntentCache
) -> TenantIntents:
    from libriassist.intents import service as intents_service
    from libriassist.platform import service as platform_service
    from libriassist.tenants import service as tenants_service
    from libriassist.tenants.schemas import TenantSettings

    engine = create_engine(url)
    try:
        maker = create_sessionmaker(engine)
        settings = TenantSettings.model_validate({"name": "Intent evaluation"})
        try:
            async with session_scope(maker) as session:
                created = await platform_service.create_tenant(session, settings, "eval")
                await intents_service.create_intents(session, created.id, embedder, items)
        except AppError as exc:
            raise EvalFileError(f"the examples cannot be registered: {exc.message}") from exc
        async with maker() as session:
            revision = await tenants_service.current_kb_revision(session, "eval")
            intents = await load_intents(session, "eval", revision, embedder, cache)
    finally:
        await engine.dispose()
    return intents


def report(result: dict[str, Any], name: str) -> str:
    """The result as a few lines of text: totals, then F1 and support per intent."""
    modes = {
        "builtin": "built-in intents",
        "tenant": "the examples as a tenant's intents",
        "tenant+builtin": "the examples as a tenant's intents, with the built-in intents",
    }
    lines = [
        f"{name}: {result['n']} messages, {modes[result['mode']]}",
        f"accuracy  {result['accuracy']:.3f}",
        f"macro-F1  {result['macro_f1']:.3f}",
        "",
        f"{'intent':<40} {'F1':>6} {'support':>8}",
    ]
    for label, f1 in result["f1"].items():
        lines.append(f"{label:<40} {f1:>6.3f} {result['support'].get(label, 0):>8}")
    return "\n".join(lines)
