"""Reading an orders file (CSV, a JSON array or JSON lines) into validated orders.

All or nothing: every row is checked before anything is written, and any bad row refuses
the whole file with the list of rows, fields and reasons. The columns and formats are
documented in docs/integration-orders.md.
"""

import csv
import io
import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from libriassist.kit.text import CleanStr
from libriassist.orders.errors import InvalidOrdersFile, OrdersFileTooLarge
from libriassist.orders.numbers import order_number_key
from libriassist.orders.records import Order, OrderRecord

FileFormat = Literal["csv", "json"]

COLUMNS = (
    "customer_id",
    "order_number",
    "status",
    "status_text",
    "placed_at",
    "updated_at",
    "expected_at",
    "carrier",
    "tracking_url",
    "items",
    "total",
    "currency",
)
REQUIRED = ("customer_id", "order_number", "status")
# Errors listed in the reply; the message counts them all.
MAX_LISTED_ERRORS = 100

_CONTENT_TYPES: dict[str, FileFormat] = {
    "text/csv": "csv",
    "application/csv": "csv",
    "application/vnd.ms-excel": "csv",  # what browsers call a .csv file on Windows
    "application/json": "json",
    "application/x-ndjson": "json",
    "application/jsonl": "json",
    "application/json-lines": "json",
    "application/jsonlines": "json",
}
_EXTENSIONS: dict[str, FileFormat] = {
    ".csv": "csv",
    ".json": "json",
    ".jsonl": "json",
    ".ndjson": "json",
}


class ImportRow(OrderRecord):
    customer_id: CleanStr = Field(min_length=1, max_length=255)

    @field_validator("customer_id", mode="before")
    @classmethod
    def _id_is_text(cls, value: object) -> object:
        is_number = isinstance(value, int) and not isinstance(value, bool)
        return str(value) if is_number else value


@dataclass(frozen=True)
class ImportedOrder:
    row: int
    customer_id: str
    order: Order


def format_for(content_type: str | None, filename: str | None) -> FileFormat | None:
    """The file's format from its name's extension, else from its content type."""
    if filename:
        for extension, fmt in _EXTENSIONS.items():
            if filename.lower().endswith(extension):
                return fmt
    media = (content_type or "").split(";")[0].strip().lower()
    return _CONTENT_TYPES.get(media)


def parse_orders(
    data: bytes, fmt: FileFormat, *, max_rows: int, max_bytes: int
) -> list[ImportedOrder]:
    if len(data) > max_bytes:
        raise OrdersFileTooLarge(f"The orders file is larger than {max_bytes} bytes.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidOrdersFile(
            f"The file is not UTF-8 text (byte {exc.start}); save it as UTF-8 and try again."
        ) from exc
    entries = _csv_entries(text) if fmt == "csv" else _json_entries(text)
    if not entries:
        raise InvalidOrdersFile("The file holds no orders.")
    if len(entries) > max_rows:
        raise InvalidOrdersFile(
            f"The file holds {len(entries)} orders; at most {max_rows} per import "
            "(split it, and import the parts in upsert mode)."
        )
    return _validated(entries)


def _validated(entries: list[tuple[int, Any]]) -> list[ImportedOrder]:
    orders: list[ImportedOrder] = []
    errors: list[dict[str, Any]] = []
    first_row: dict[str, int] = {}
    for row, entry in entries:
        if not isinstance(entry, dict):
            errors.append(_error(row, None, "each order must be a JSON object"))
            continue
        if isinstance(entry.get("items"), str):
            try:
                entry = {**entry, "items": items_from_text(entry["items"])}
            except ValueError as exc:
                errors.append(_error(row, "items", str(exc)))
                continue
        try:
            record = ImportRow.model_validate(entry)
        except ValidationError as exc:
            errors.extend(_error(row, _field(e["loc"]), _reason(e)) for e in exc.errors())
            continue
        key = order_number_key(record.order_number)
        if key in first_row:
            errors.append(_error(row, "order_number", f"same order number as row {first_row[key]}"))
            continue
        first_row[key] = row
        orders.append(ImportedOrder(row, record.customer_id, record.to_order()))
    if errors:
        rows = sorted({e["row"] for e in errors if e["row"] is not None})
        listed = "; ".join(
            f"row {e['row']}" + (f" {e['field']}" if e["field"] else "") + f": {e['message']}"
            for e in errors[:5]
        )
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise InvalidOrdersFile(
            f"{len(rows)} row(s) have errors; nothing was imported. {listed}{more}",
            details=errors[:MAX_LISTED_ERRORS],
        )
    return orders


def _csv_entries(text: str) -> list[tuple[int, Any]]:
    """Rows as dicts, numbered as a spreadsheet shows them (the header is row 1)."""
    header_line = text.split("\n", 1)[0]
    # Spreadsheets in much of Europe save with ";": pick the separator the header uses.
    delimiter = max((",", ";", "\t"), key=header_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None:
            return []
        columns = [name.strip().lower() for name in header]
        _check_columns(columns)
        entries: list[tuple[int, Any]] = []
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(columns):
                raise InvalidOrdersFile(
                    f"Row {number} has {len(cells)} cells but the header names {len(columns)}.",
                    details=[_error(number, None, "more cells than columns")],
                )
            entry = {
                name: cell for name, cell in zip(columns, cells, strict=False) if name and cell
            }
            entries.append((number, entry))
    except csv.Error as exc:
        raise InvalidOrdersFile(f"The CSV cannot be read: {exc}.") from exc
    return entries


def _check_columns(columns: list[str]) -> None:
    unknown = [name for name in columns if name and name not in COLUMNS]
    missing = [name for name in REQUIRED if name not in columns]
    repeated = sorted({name for name in columns if name and columns.count(name) > 1})
    problems = [
        *(_error(1, name, "unknown column") for name in unknown),
        *(_error(1, name, "required column missing") for name in missing),
        *(_error(1, name, "column given twice") for name in repeated),
    ]
    if problems:
        raise InvalidOrdersFile(
            "The header row is wrong: "
            + "; ".join(f"{p['field']}: {p['message']}" for p in problems)
            + f". Columns: {', '.join(COLUMNS)} ({', '.join(REQUIRED)} required).",
            details=problems,
        )


def _json_entries(text: str) -> list[tuple[int, Any]]:
    """A JSON array (entries numbered from 1), the order API's ``{"orders": [...]}``
    (the same), or JSON lines (numbered by line)."""
    if text.lstrip().startswith("{"):
        try:
            whole = json.loads(text)
        except json.JSONDecodeError:
            whole = None  # several lines: JSON lines
        if isinstance(whole, dict) and isinstance(whole.get("orders"), list):
            return list(enumerate(whole["orders"], start=1))
    if text.lstrip().startswith("["):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidOrdersFile(
                f"The file is not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}.",
                details=[{"line": exc.lineno, "column": exc.colno, "message": exc.msg}],
            ) from exc
        if not isinstance(parsed, list):
            raise InvalidOrdersFile("A JSON file must be an array of orders, or JSON lines.")
        return list(enumerate(parsed, start=1))
    entries: list[tuple[int, Any]] = []
    errors: list[dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entries.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            errors.append(_error(number, None, f"not valid JSON: {exc.msg}"))
    if errors:
        raise InvalidOrdersFile(
            f"{len(errors)} line(s) are not valid JSON; nothing was imported "
            f"(first: line {errors[0]['row']}).",
            details=errors[:MAX_LISTED_ERRORS],
        )
    return entries


_QUANTITY_FIRST = re.compile(r"(\d{1,6})\s*[x×]\s+(.+)", re.IGNORECASE)
_QUANTITY_LAST = re.compile(r"(.+?)\s+[x×]\s*(\d{1,6})", re.IGNORECASE)


def items_from_text(cell: str) -> list[dict[str, Any]]:
    """A CSV ``items`` cell: a JSON array, or ``2 x Le Petit Prince; 1 x Carnet``."""
    cell = cell.strip()
    if not cell:
        return []
    if cell.startswith("["):
        try:
            parsed = json.loads(cell)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not a valid JSON array of items: {exc.msg}") from exc
        if not isinstance(parsed, list):
            raise ValueError("must be a JSON array of items")
        return parsed
    items: list[dict[str, Any]] = []
    for part in (p.strip() for p in cell.split(";")):
        if not part:
            continue
        if match := _QUANTITY_FIRST.fullmatch(part):
            items.append({"name": match.group(2).strip(), "quantity": int(match.group(1))})
        elif match := _QUANTITY_LAST.fullmatch(part):
            items.append({"name": match.group(1).strip(), "quantity": int(match.group(2))})
        else:
            items.append({"name": part, "quantity": 1})
    return items


def _error(row: int | None, field: str | None, message: str) -> dict[str, Any]:
    return {"row": row, "field": field, "message": message}


def _field(loc: tuple[int | str, ...]) -> str | None:
    return ".".join(str(part) for part in loc) or None


def _reason(error: Any) -> str:
    if error.get("type") == "extra_forbidden":
        return "unknown field"
    message = str(error.get("msg", "invalid"))
    return message.removeprefix("Value error, ")
