"""The error cells of one sheet of an XLSB workbook, which python-calamine gives as empty.

An XLSB keeps each sheet as a stream of BIFF12 records ([MS-XLSB] 2.1.4): a record type and a
size, each a little-endian number of 7-bit groups (the high bit says another byte follows; at
most 2 bytes of type and 4 of size), then the record's body. Three record types are read, and
every other record is skipped unread:

- BrtRowHdr (0): the row the cells after it are in, 0-based, in its first 4 bytes;
- BrtCellError (3) and BrtFmlaError (11): a cell holding an error value, typed or computed by
  a formula: its column, 0-based, in the first 4 bytes, the error's code in the 9th;
- BrtBeginSheetData (145) and BrtEndSheetData (146), between which the cells are.

The sheet's part is the one the workbook's relationships give for it: ``xl/workbook.bin`` names
each sheet with a relationship id (BrtBundleSh, 156), ``xl/_rels/workbook.bin.rels`` gives that
id's target. Parts are read as streams, in chunks; the archive's sizes have been checked against
the XLSX limits before (``readers_calamine._check_archive``), and the relationships part, parsed
as XML, is held to ``MAX_XLSX_PART_BYTES`` as well.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterator
from typing import IO, BinaryIO, NamedTuple

from clientreg.errors import UnreadableInput
from clientreg.schemas.readers_xlsx import MAX_XLSX_PART_BYTES, _scan_xml

ERROR_TEXTS = {
    0x00: "#NULL!",
    0x07: "#DIV/0!",
    0x0F: "#VALUE!",
    0x17: "#REF!",
    0x1D: "#NAME?",
    0x24: "#NUM!",
    0x2A: "#N/A",
    0x2B: "#GETTING_DATA",
}
"""An error value's code ([MS-XLSB] 2.5.97.2 BErr) and the text a spreadsheet shows for it."""

ROW_HEADER = 0x0000  # BrtRowHdr
CELL_ERROR = 0x0003  # BrtCellError
FORMULA_ERROR = 0x000B  # BrtFmlaError
BUNDLE_SHEET = 0x009C  # BrtBundleSh
END_BUNDLE_SHEETS = 0x0090  # BrtEndBundleShs
BEGIN_SHEET_DATA = 0x0091  # BrtBeginSheetData
END_SHEET_DATA = 0x0092  # BrtEndSheetData

_WORKBOOK = "xl/workbook.bin"
_RELATIONSHIPS = "xl/_rels/workbook.bin.rels"
_CHUNK_BYTES = 1024 * 1024
_MAX_READ_RECORD_BYTES = 64 * 1024
"""Longest record whose body is read whole (a sheet's entry in the workbook); the cells' records
are read only as far as their column and code."""
_CELL_PREFIX_BYTES = 9
_NO_RELATIONSHIP = 0xFFFFFFFF


class ErrorCell(NamedTuple):
    """A cell holding an error value: its column (1-based) and the error as a sheet shows it."""

    column: int
    text: str


def xlsb_errors(binary: BinaryIO, sheet: str, *, file: str,
                columns: range | None = None) -> dict[int, ErrorCell]:
    """Row (1-based, as the sheet numbers it) -> its first cell holding an error value, among
    ``columns`` (1-based) when given, in the sheet named ``sheet`` of the XLSB in ``binary``.

    An archive without ``xl/workbook.bin`` is no XLSB (calamine reads an XLSX named .xlsb as
    the XLSX it is): it has none. A workbook whose records cannot be followed to that sheet, or
    end inside a record, is refused as damaged: what calamine read of it cannot be checked.
    """
    binary.seek(0)
    try:
        with zipfile.ZipFile(binary) as archive:
            members = _members(archive)
            if _WORKBOOK not in members:
                return {}
            part = _sheet_part(archive, members, sheet, file=file)
            with archive.open(members[part.lower()]) as source:
                return _scan_errors(source, columns, file=file, sheet=sheet, part=part)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise _damaged(file, sheet, _WORKBOOK) from None
    finally:
        binary.seek(0)


def _members(archive: zipfile.ZipFile) -> dict[str, str]:
    """Each part of the archive by its name in lower case, with ``/`` between folders (Excel
    looks parts up regardless of case, and some writers put backslashes)."""
    return {name.replace("\\", "/").lower(): name for name in archive.namelist()}


def _sheet_part(archive: zipfile.ZipFile, members: dict[str, str], sheet: str, *,
                file: str) -> str:
    """The name of the part holding ``sheet``, found through the workbook's relationships."""
    with archive.open(members[_WORKBOOK]) as source:
        relationship = _relationship_id(source, sheet, file=file)
    if relationship is None or _RELATIONSHIPS not in members:
        raise _damaged(file, sheet, _WORKBOOK)
    rels = archive.getinfo(members[_RELATIONSHIPS])
    if rels.file_size > MAX_XLSX_PART_BYTES:
        raise UnreadableInput("unreadable-file/xlsx-part-too-large", value=file, file=file,
                              part=_RELATIONSHIPS, count=rels.file_size,
                              limit=MAX_XLSX_PART_BYTES)
    targets: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        if (not targets and name.rpartition(":")[2] == "Relationship"
                and attrs.get("Id") == relationship and "Target" in attrs):
            targets.append(attrs["Target"])

    _scan_xml(archive.open(rels), file=file, start=start)
    if not targets:
        raise _damaged(file, sheet, _RELATIONSHIPS)
    target = targets[0].replace("\\", "/")
    # A target is relative to the workbook's folder, or absolute from the package's root.
    part = (posixpath.normpath(target.lstrip("/")) if target.startswith("/")
            else posixpath.normpath(posixpath.join("xl", target)))
    if part.lower() not in members:
        raise _damaged(file, sheet, part)
    return part


def _relationship_id(source: IO[bytes], sheet: str, *, file: str) -> str | None:
    """The relationship id the workbook gives the sheet named ``sheet``, if any."""
    records = _Records(source, file=file, sheet=sheet, part=_WORKBOOK)
    for kind, body in records:
        if kind == END_BUNDLE_SHEETS:
            return None
        if kind != BUNDLE_SHEET:
            continue
        # hsState (4 bytes), iTabID (4), strRelID (XLNullableWideString), strName (XLWideString)
        if len(body) < 12:
            raise _damaged(file, sheet, _WORKBOOK)
        count = int.from_bytes(body[8:12], "little")
        if count == _NO_RELATIONSHIP:
            continue
        name_at = 12 + 2 * count
        if len(body) < name_at + 4:
            raise _damaged(file, sheet, _WORKBOOK)
        name_length = int.from_bytes(body[name_at:name_at + 4], "little")
        name_end = name_at + 4 + 2 * name_length
        if len(body) < name_end:
            raise _damaged(file, sheet, _WORKBOOK)
        if body[name_at + 4:name_end].decode("utf-16-le", "replace") == sheet:
            return body[12:name_at].decode("utf-16-le", "replace")
    return None


def _scan_errors(source: IO[bytes], columns: range | None, *, file: str, sheet: str,
                 part: str) -> dict[int, ErrorCell]:
    found: dict[int, ErrorCell] = {}
    row = 0
    in_data = False  # the cells are between BrtBeginSheetData and BrtEndSheetData
    records = _Records(source, file=file, sheet=sheet, part=part, wanted=_SHEET_WANTED)
    for kind, body in records:
        if kind == BEGIN_SHEET_DATA:
            in_data = True
            continue
        if kind == END_SHEET_DATA:
            break
        if not in_data:
            continue
        if len(body) < 4 or (kind != ROW_HEADER and len(body) < _CELL_PREFIX_BYTES):
            raise _damaged(file, sheet, part)
        at = int.from_bytes(body[:4], "little")
        if kind == ROW_HEADER:
            row = at + 1
            continue
        column = at + 1
        if row in found or (columns is not None and column not in columns):
            continue
        code = body[8]
        found[row] = ErrorCell(column, ERROR_TEXTS.get(code, f"#ERROR({code:#04x})"))
    return found


_SHEET_WANTED = {ROW_HEADER: 4, CELL_ERROR: _CELL_PREFIX_BYTES,
                 FORMULA_ERROR: _CELL_PREFIX_BYTES, BEGIN_SHEET_DATA: 0, END_SHEET_DATA: 0}
"""The records of a sheet that are read, each with how many bytes of its body are needed."""


class _Records:
    """The records of a part, as (type, body): the whole body of each record (up to
    ``_MAX_READ_RECORD_BYTES``), or, given ``wanted``, only the records of those types, each
    body cut to the bytes wanted; the rest are skipped. Reads the part in chunks."""

    def __init__(self, source: IO[bytes], *, file: str, sheet: str, part: str,
                 wanted: dict[int, int] | None = None) -> None:
        self._source = source
        self._file = file
        self._sheet = sheet
        self._part = part
        self._wanted = wanted
        self._buffer = b""
        self._at = 0

    def __iter__(self) -> Iterator[tuple[int, bytes]]:
        wanted = self._wanted
        while True:
            if len(self._buffer) - self._at < 16:
                held = self._fill(16)
                if not held:
                    return
                if held < 16 and not _header_complete(self._buffer):
                    raise self._damaged()
            buffer, at = self._buffer, self._at
            kind = buffer[at] & 0x7F
            if buffer[at] & 0x80:
                at += 1
                kind |= (buffer[at] & 0x7F) << 7
                if buffer[at] & 0x80:  # a record type has at most 2 bytes
                    raise self._damaged()
            at += 1
            size = 0
            for shift in (0, 7, 14, 21):
                byte = buffer[at]
                at += 1
                size |= (byte & 0x7F) << shift
                if not byte & 0x80:
                    break
            else:
                raise self._damaged()
            self._at = at
            if wanted is None:
                if size > _MAX_READ_RECORD_BYTES:
                    raise self._damaged()
                yield kind, self._take(size)
            elif kind in wanted:
                keep = min(size, wanted[kind])
                body = self._take(keep)
                self._skip(size - keep)
                yield kind, body
            else:
                self._skip(size)

    def _fill(self, needed: int) -> int:
        """Hold at least ``needed`` bytes from the position, as far as the part has them; how
        many are held."""
        rest = self._buffer[self._at:]
        while len(rest) < needed:
            chunk = self._source.read(max(_CHUNK_BYTES, needed - len(rest)))
            if not chunk:
                break
            rest += chunk
        self._buffer, self._at = rest, 0
        return len(rest)

    def _take(self, size: int) -> bytes:
        if len(self._buffer) - self._at < size and self._fill(size) < size:
            raise self._damaged()
        body = self._buffer[self._at:self._at + size]
        self._at += size
        return body

    def _skip(self, size: int) -> None:
        held = len(self._buffer) - self._at
        if size <= held:
            self._at += size
            return
        size -= held
        self._buffer, self._at = b"", 0
        while size:
            chunk = self._source.read(min(size, _CHUNK_BYTES))
            if not chunk:
                raise self._damaged()
            size -= len(chunk)

    def _damaged(self) -> UnreadableInput:
        return _damaged(self._file, self._sheet, self._part)


def _header_complete(rest: bytes) -> bool:
    """True when ``rest`` (the last bytes of a part) starts with a whole record header."""
    at = 2 if rest[0] & 0x80 else 1
    return any(not byte & 0x80 for byte in rest[at:at + 4])


def _damaged(file: str, sheet: str, part: str) -> UnreadableInput:
    return UnreadableInput("unreadable-file/xlsb-records", value=file, file=file, sheet=sheet,
                           part=part)
