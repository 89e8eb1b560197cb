"""Job kinds and the code that runs each."""

from libriassist.jobs.service import Handler
from libriassist.knowledge.jobs import run_sync, run_upload

HANDLERS: dict[str, Handler] = {
    "kb_upload": run_upload,
    "kb_sync": run_sync,
}
