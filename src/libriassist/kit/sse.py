"""Server-Sent Events framing (https://html.spec.whatwg.org/multipage/server-sent-events.html)."""

import json
from typing import Any


def sse_event(event: str, data: Any) -> bytes:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    # JSON never contains a raw newline, so one data line always suffices.
    return f"event: {event}\ndata: {payload}\n\n".encode()
