"""A progress display for long CLI work, on stderr, one bar per stage."""

import sys
from typing import Any

import click

STAGE_LABELS = {
    "parse": "Reading files",
    "fetch": "Fetching    ",
    "embed": "Embedding   ",
    "write": "Writing     ",
    "query": "Querying    ",
}


class StageProgress:
    """Call it as ``progress(stage, done, total, detail)``; a new stage closes the bar of
    the previous one. Silent when ``enabled`` is false (e.g. with --json)."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._stage: str | None = None
        self._bar: Any = None
        self._done = 0

    def __call__(self, stage: str, done: int, total: int, detail: str = "") -> None:
        if not self.enabled or total <= 0:
            return
        if stage != self._stage:
            self.close()
            self._stage, self._done = stage, 0
            self._bar = click.progressbar(
                length=total,
                label=STAGE_LABELS.get(stage, stage),
                file=sys.stderr,
                show_eta=True,
                show_pos=True,
            )
            self._bar.__enter__()
        self._bar.label = f"{STAGE_LABELS.get(stage, stage)} {detail}".rstrip()
        self._bar.update(done - self._done)
        self._done = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None
            self._stage = None
