"""LibriAssist: a self-hosted, multi-tenant customer-support assistant."""

import os

# Set before numpy loads. Search multiplies one query vector by a matrix per request:
# a multithreaded BLAS gains nothing there and its threads spin on the cores that serve
# the other requests (measured: half the CPU of a quoted answer). Set it to override.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
