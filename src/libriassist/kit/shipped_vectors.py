"""Vectors computed once by the bundled model and shipped inside the package (the built-in
intents' phrases, the lift's background questions): no embedding at start-up.

Each file says which model made it and a digest of the texts it holds, so a file left
stale by an edit to the texts, or read by another model, is never used: its reader
embeds the texts instead, and a test names the command that writes the file again.
"""

from pathlib import Path

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


def read(path: Path, model_id: str, digest: str) -> Vectors | None:
    """The file's vectors (as float32) if ``model_id`` made them from the texts of
    ``digest``; None otherwise, or when the file is missing or unreadable."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["model_id"]) != model_id or str(data["digest"]) != digest:
                return None
            vectors: Vectors = data["vectors"].astype(np.float32)
    except (OSError, KeyError, ValueError):
        return None
    return vectors if vectors.ndim == 2 else None


def write(path: Path, vectors: npt.NDArray[np.floating], model_id: str, digest: str) -> Path:
    with path.open("wb") as handle:
        np.savez_compressed(
            handle, vectors=vectors, model_id=np.array(model_id), digest=np.array(digest)
        )
    return path
