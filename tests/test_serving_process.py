"""What a serving process does to itself once its app is built."""

import json
import os
import subprocess
import sys
from pathlib import Path

PROBE = """
import gc, json
from libriassist.main import app_factory
app_factory()
print(json.dumps({"frozen": gc.get_freeze_count(), "walked": len(gc.get_objects())}))
"""


def test_a_served_app_leaves_its_start_up_objects_out_of_full_collections(
    tmp_path: Path,
) -> None:
    # In a process of its own: freezing is for the whole process, not for a test run.
    env = {**os.environ, "LIBRIASSIST_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    # The libraries alone are well over 100,000 objects; a full collection now walks only
    # what was made after the freeze (here: nothing much).
    assert counts["frozen"] > 100_000, counts
    assert counts["walked"] < counts["frozen"] / 20, counts
