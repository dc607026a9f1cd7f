"""CSV text as users give it, read the same way everywhere (series files, user tables, groups files).

Accepted: UTF-8 with or without a byte-order mark; LF, CRLF or bare-CR line endings. Refused, with the
file, line and column: any other encoding (the first undecodable byte is named), a field over
``MAX_FIELD_CHARS``, more than ``MAX_COLUMNS`` columns, a NUL byte. Blank lines are skipped.
"""

from __future__ import annotations

import csv
import io

from mlfootprint.errors import MlfootprintError, SeriesError

__all__ = [
    "MAX_COLUMNS",
    "MAX_FIELD_CHARS",
    "MAX_FILE_BYTES",
    "read_csv_numbered",
    "read_csv_rows",
    "read_limited",
]

#: the largest table or series file read
MAX_FILE_BYTES = 256 << 20

#: the longest cell any table of ours needs (a source citation is a few hundred characters)
MAX_FIELD_CHARS = 16 * 1024
#: the most columns a row may have (a wide series of every zone is a few hundred)
MAX_COLUMNS = 4096


def _line_col(raw: bytes, offset: int) -> tuple[int, int]:
    before = raw[:offset]
    line = before.count(b"\n") + 1 if b"\n" in raw else before.count(b"\r") + 1
    last = max(before.rfind(b"\n"), before.rfind(b"\r"))
    return line, offset - last


def read_csv_rows(
    raw: bytes, source: str, *, what: str = "file", error: type[MlfootprintError] = SeriesError
) -> list[list[str]]:
    """The non-blank rows of CSV ``raw``; ``error`` (one line naming ``source:line:column``) if malformed."""
    return [row for _, row in read_csv_numbered(raw, source, what=what, error=error)]


def read_csv_numbered(
    raw: bytes, source: str, *, what: str = "file", error: type[MlfootprintError] = SeriesError
) -> list[tuple[int, list[str]]]:
    """Like ``read_csv_rows``, each row with the line it ends on."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, col = _line_col(raw, exc.start)
        raise error(
            f"{what} {source}:{line}:{col}: byte 0x{raw[exc.start]:02x} is not UTF-8; save the file as UTF-8"
        ) from None
    if "\0" in text:
        line, col = _line_col(raw, raw.index(b"\0"))
        raise error(f"{what} {source}:{line}:{col}: a NUL byte; this is not a text file")
    rows: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=None))
    try:
        for row in reader:
            if len(row) > MAX_COLUMNS:
                raise error(f"{what} {source}:{reader.line_num}: {len(row)} columns (at most {MAX_COLUMNS})")
            for col, cell in enumerate(row, start=1):
                if len(cell) > MAX_FIELD_CHARS:
                    raise error(
                        f"{what} {source}:{reader.line_num}:{col}: a field of {len(cell):,} characters "
                        f"(at most {MAX_FIELD_CHARS:,})"
                    )
            if any(cell.strip() for cell in row):
                rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise error(f"{what} {source}:{reader.line_num}: malformed CSV ({exc})") from None
    return rows


def read_limited(path: str, *, what: str = "file", error: type[MlfootprintError] = SeriesError) -> bytes:
    """The bytes of ``path`` (``error`` when unreadable, not a file or over ``MAX_FILE_BYTES``)."""
    from pathlib import Path

    p = Path(path)
    try:
        if p.exists() and not p.is_file():
            raise error(f"{what} {path} is not a file")
        if p.is_file() and p.stat().st_size > MAX_FILE_BYTES:
            raise error(f"{what} {path} is larger than {MAX_FILE_BYTES >> 20} MiB")
        return p.read_bytes()
    except OSError as exc:
        raise error(f"cannot read {what} {path}: {exc.strerror or exc}") from None
