"""CSV batch-import format and row validation.

File format (UTF-8, optional BOM, comma-separated, RFC 4180 quoting):

* first row is the header; columns ``customer_id``, ``amount``, ``currency`` are
  required, ``description`` is optional, any other column rejects the file;
* ``amount`` is a plain integer of minor units (``1250`` for 12.50 USD): no sign,
  no decimal point, no spaces;
* at most ``MAX_ROWS`` data rows and ``MAX_FILE_BYTES`` bytes;
* bytes that are not UTF-8 reject only the row that holds them (naming the column),
  or the whole file when they are in the header.

Line numbers are physical line numbers of the file (the header is line 1).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from payments.domain.errors import ValidationError
from payments.domain.requests import CreateTransactionRequest
from payments.domain.text import first_invalid_code_point

REQUIRED_COLUMNS = ("customer_id", "amount", "currency")
OPTIONAL_COLUMNS = ("description",)
MAX_ROWS = 5_000
MAX_FILE_BYTES = 5 * 1024 * 1024
_AMOUNT_TEXT = re.compile(r"^[1-9][0-9]{0,14}$")


class ImportFileError(ValidationError):
    """The whole file is unusable (encoding, header, size)."""

    code = "import_file_invalid"


@dataclass(frozen=True)
class ParsedRow:
    line: int
    request: CreateTransactionRequest


@dataclass(frozen=True)
class RejectedRow:
    line: int
    code: str
    reason: str
    field: str | None = None

    def to_report(self) -> dict[str, object]:
        return {"line": self.line, "code": self.code, "reason": self.reason, "field": self.field}


def decode_file(data: bytes) -> str:
    """The file as text; bytes that are not UTF-8 become lone surrogates (``surrogateescape``).

    They are caught per row (see ``_parse_row``), so one bad row does not lose the others.
    """
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(f"file is larger than {MAX_FILE_BYTES} bytes")
    return data.decode("utf-8-sig", errors="surrogateescape")


def _invalid_byte(cell: str) -> int | None:
    """The first byte of ``cell`` that was not UTF-8 (``decode_file`` kept it as U+DC80..U+DCFF)."""
    code_point = first_invalid_code_point(cell)
    return None if code_point is None else code_point & 0xFF


def parse_rows(text: str) -> list[ParsedRow | RejectedRow]:
    """Validate every data row; raises ``ImportFileError`` if the header is wrong."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration as exc:
        raise ImportFileError("file is empty; a header row is required") from exc
    except csv.Error as exc:
        raise ImportFileError(f"header row is not valid CSV: {exc}") from exc
    if any(_invalid_byte(name) is not None for name in header):
        raise ImportFileError("header row is not valid UTF-8")
    columns = [name.strip() for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    unknown = [name for name in columns if name not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown or len(set(columns)) != len(columns):
        raise ImportFileError(
            "header must be customer_id,amount,currency[,description] "
            f"(missing: {missing or 'none'}, unknown: {unknown or 'none'})"
        )

    results: list[ParsedRow | RejectedRow] = []
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            results.append(RejectedRow(reader.line_num, "csv_malformed", f"row is not valid CSV: {exc}"))
            break  # the reader cannot resynchronise after a quoting error
        line = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(results) >= MAX_ROWS:
            raise ImportFileError(f"file has more than {MAX_ROWS} data rows")
        results.append(_parse_row(line, columns, row))
    return results


def _parse_row(line: int, columns: list[str], row: list[str]) -> ParsedRow | RejectedRow:
    if len(row) != len(columns):
        return RejectedRow(line, "column_count", f"expected {len(columns)} columns, found {len(row)}")
    cells = dict(zip(columns, row, strict=True))
    for column, cell in cells.items():
        byte = _invalid_byte(cell)
        if byte is not None:
            return RejectedRow(line, "parameter_invalid", f"{column} is not valid UTF-8 (byte 0x{byte:02X})", column)
    amount_text = cells["amount"].strip()
    if not _AMOUNT_TEXT.match(amount_text):
        return RejectedRow(
            line,
            "parameter_invalid",
            "amount must be a positive integer of minor units (no sign or decimal point)",
            "amount",
        )
    obj: dict[str, object] = {
        "customer_id": cells["customer_id"].strip(),
        "amount": int(amount_text),
        "currency": cells["currency"].strip(),
    }
    description = cells.get("description", "")
    if description:
        obj["description"] = description
    try:
        return ParsedRow(line, CreateTransactionRequest.from_json(obj))
    except ValidationError as exc:
        return RejectedRow(line, exc.code, exc.message, exc.param)
