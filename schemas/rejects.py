"""The rejects file of ``import --errors``: what was rejected, in the input's format and columns.

Each rejected row (every row of a rejected client) or entry comes back as it was read, plus
``error_code`` and ``error_message``, so it can be fixed and imported again: import ignores those
two columns.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from clientreg.errors import RowError, UnreadableInput
from clientreg.messages import Message
from clientreg.schemas import readers
from clientreg.schemas.columns import ERROR_COLUMNS
from clientreg.schemas.loading import DocumentInput, ImportRun, TableInput
from clientreg.schemas.readers import canonical_header
from clientreg.schemas.rows import SEED_SECTIONS
from clientreg.schemas.writers import neutralise_cell


@dataclass
class RejectsFile:
    """What was written: the file, its format, how many rows or entries, what could not go in."""

    path: Path
    format: str
    count: int = 0
    left_out: list[str] = field(default_factory=list)
    stream: BinaryIO | None = field(default=None, repr=False, compare=False)


def write_rejects(run: ImportRun, path: Path, stream: BinaryIO) -> RejectsFile:
    """Write the rejected rows or entries of ``run``, in the format ``path`` names, to ``stream``
    (even when there are none)."""
    target = RejectsFile(path, _format_for(path, run), stream=stream)
    tables = [s for s in run.inputs if isinstance(s, TableInput)]
    documents = [s for s in run.inputs if isinstance(s, DocumentInput)]
    as_table = target.format in readers.TABLE_FORMATS
    dropped: list[TableInput] | list[DocumentInput] = documents if as_table else tables
    for source in dropped:
        if any(key[0] == source.index for key in run.problems.by_entry):
            target.left_out.append(source.summary.file)
    if as_table:
        target.count = _write_table(run, tables, target)
    else:
        target.count = _write_document(run, documents, target)
    return target


def _format_for(path: Path, run: ImportRun) -> str:
    try:
        return readers.detect_format(str(path))
    except UnreadableInput:  # no known extension: the first input's format decides
        first = run.inputs[0].summary.format if run.inputs else "csv"
        # Workbooks clientreg reads but does not write get their rejects as XLSX.
        return "xlsx" if first in readers.WORKBOOK_FORMATS else first


class ErrorCells(NamedTuple):
    """What goes in the ``error_code`` and ``error_message`` columns of a rejected row."""

    code: str
    message: str


class RejectedRow(NamedTuple):
    """A rejected row of a table as it was read, with its error columns."""

    cells: list[str]
    error: ErrorCells


def _summary_of_problems(problems: list[RowError]) -> ErrorCells:
    codes = list(dict.fromkeys(p.code for p in problems))
    messages = [f"{p.column}: {p.text}" if p.column else p.text for p in problems]
    return ErrorCells("; ".join(codes), "; ".join(messages))


def _table_rows(run: ImportRun, source: TableInput) -> Iterator[RejectedRow]:
    """Cells of each rejected row with its error code and message, clients' rows together."""
    rejected = {first: found for (index, first, section), found in run.problems.by_entry.items()
                if index == source.index and section == ""}
    if not rejected or source.staged is None:
        return
    key: str | None = None
    first = 0
    for group, row, cells in source.staged.grouped():
        if group is None or group != key:
            first = row
        key = group
        found = rejected.get(first)
        if found is None:
            continue
        own = [p for p in found if p.row == row]
        if own:
            yield RejectedRow(cells, _summary_of_problems(own))
        else:
            rows = sorted({p.row for p in found if p.row is not None})
            where = ", ".join(str(r) for r in rows)
            message = Message("rejected/with-client", {"rows": where})
            yield RejectedRow(cells, ErrorCells(found[0].code, str(message)))


def _write_table(run: ImportRun, sources: list[TableInput], target: RejectsFile) -> int:
    columns: dict[str, str] = {}
    for source in sources:
        for raw in source.raw_headers:
            header = canonical_header(raw)
            if header not in ERROR_COLUMNS:
                columns.setdefault(header, raw.strip())
    headers = [*columns.values(), *ERROR_COLUMNS]
    rows: list[list[str]] = []
    for source in sources:
        positions = [source.plan.headers.index(h) if h in source.plan.headers else None
                     for h in columns]
        for cells, error in _table_rows(run, source):
            rows.append([cells[p] if p is not None and p < len(cells) else "" for p in positions]
                        + [error.code, error.message])
    if target.format == "xlsx":
        from clientreg.schemas.writers import write_xlsx

        assert target.stream is not None
        write_xlsx(target.stream, headers, rows, sheet="rejected",
                   scratch=str(target.path.parent) or None)
    else:
        _write_csv(target, headers, rows, sources, tsv=target.format == "tsv")
    return len(rows)


def _write_csv(target: RejectsFile, headers: list[str], rows: list[list[str]],
               sources: list[TableInput], *, tsv: bool) -> None:
    first = sources[0].summary if sources else None
    delimiter = "\t" if tsv else (first.delimiter if first and first.delimiter else ",")
    # A file that came from a spreadsheet program in a legacy encoding goes back with a UTF-8
    # byte-order mark, which those programs need to show accents right.
    legacy = any(s.summary.detected_encoding or s.summary.encoding == "utf-8-sig"
                 for s in sources)
    with _text(target, "utf-8-sig" if legacy else "utf-8") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(headers)
        # As export does: a cell a spreadsheet would run as a formula gets an apostrophe in
        # front, which import takes off again.
        writer.writerows([neutralise_cell(cell) for cell in row] for row in rows)


@contextlib.contextmanager
def _text(target: RejectsFile, encoding: str) -> Iterator[io.TextIOWrapper]:
    """The target's byte stream as text; a lone surrogate is written as its escape."""
    assert target.stream is not None
    handle = io.TextIOWrapper(target.stream, encoding=encoding, newline="",
                              errors="backslashreplace")
    yield handle
    handle.flush()
    handle.detach()


def _rejected_entries(run: ImportRun, source: DocumentInput) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for (index, at, section), problems in sorted(run.problems.by_entry.items()):
        if index != source.index:
            continue
        entries = source.document if source.kind == "list" else (
            source.document.get(section) if isinstance(source.document, dict) else None)
        entry = entries[at] if isinstance(entries, list) and at < len(entries) else None
        if not isinstance(entry, dict):
            continue
        code, message = _summary_of_problems(problems)
        fixed = {k: v for k, v in entry.items() if k not in ERROR_COLUMNS}
        found.setdefault(section, []).append({**fixed, "error_code": code,
                                              "error_message": message})
    return found


def _write_document(run: ImportRun, sources: list[DocumentInput], target: RejectsFile) -> int:
    sections: dict[str, list[dict[str, Any]]] = {}
    for source in sources:
        for section, entries in _rejected_entries(run, source).items():
            sections.setdefault(section, []).extend(entries)
    seed = any(s.kind == "seed" for s in sources) and set(sections) - {"clients"}
    document: Any = ({name: sections[name] for name in SEED_SECTIONS if name in sections}
                     if seed else sections.get("clients", []))
    # A lone surrogate (JSON may hold one) is written as its escape, which JSON reads back.
    with _text(target, "utf-8") as handle:
        if target.format == "json":
            handle.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
        else:
            import yaml

            yaml.safe_dump(document, handle, allow_unicode=True, sort_keys=False)
    return sum(len(entries) for entries in sections.values())
