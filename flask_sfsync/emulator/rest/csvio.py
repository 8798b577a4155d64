"""CSV for Bulk API 2.0: the job's column delimiter and line ending, in and out.

Salesforce checks the uploaded data against the job's ``lineEnding`` and fails the job with a
``ClientInputError`` when they differ; malformed CSV fails it the same way. Result files use the
job's delimiter and line ending and quote every value, as Salesforce's do.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

__all__ = ["DELIMITERS", "LINE_ENDINGS", "CsvInputError", "parse", "write"]

DELIMITERS: dict[str, str] = {
    "COMMA": ",",
    "TAB": "\t",
    "PIPE": "|",
    "SEMICOLON": ";",
    "CARET": "^",
    "BACKQUOTE": "`",
}
LINE_ENDINGS: dict[str, str] = {"LF": "\n", "CRLF": "\r\n"}


class CsvInputError(ValueError):
    """The uploaded data cannot be read; the message is the job's errorMessage."""


def _check_line_ending(text: str, line_ending: str) -> None:
    first_break = text.find("\n")
    if first_break < 0:
        return
    is_crlf = first_break > 0 and text[first_break - 1] == "\r"
    if is_crlf != (line_ending == "CRLF"):
        raise CsvInputError(
            f"ClientInputError : LineEnding is invalid on user data. Current LineEnding setting "
            f"is {line_ending}"
        )


def parse(
    data: bytes, column_delimiter: str, line_ending: str
) -> tuple[list[str], list[list[str]]]:
    """Header and rows of an upload; rows keep their cells as text."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvInputError("ClientInputError : The data is not valid UTF-8") from None
    _check_line_ending(text, line_ending)
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=DELIMITERS[column_delimiter], strict=True
    )
    try:
        rows = [row for row in reader if row and any(cell != "" for cell in row)]
    except csv.Error as exc:
        raise CsvInputError(f"ClientInputError : Malformed CSV: {exc}") from None
    if not rows:
        raise CsvInputError("InvalidBatch : The CSV data contains no header row")
    header = [name.strip() for name in rows[0]]
    if any(not name for name in header):
        raise CsvInputError("InvalidBatch : Field name not found : (empty)")
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise CsvInputError(
                f"ClientInputError : Wrong number of columns in row {number}: expected "
                f"{len(header)}, found {len(row)}"
            )
    return header, rows[1:]


def write(
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    column_delimiter: str = "COMMA",
    line_ending: str = "LF",
) -> str:
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        delimiter=DELIMITERS[column_delimiter],
        lineterminator=LINE_ENDINGS[line_ending],
        quoting=csv.QUOTE_ALL,
    )
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()
