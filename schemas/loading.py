"""One run of ``clientreg import``: files read and staged, then applied in one transaction.

Documents (YAML, JSON) are parsed first, so that attribute columns of the tables can be checked
against the catalogue a seed declares. Tables are streamed into temporary tables of the database
connection, which bring the rows of each client together. Then one unit of work applies the
seeds' catalogue and companies and registers every client of every file through the core: any
problem discards all of it, and a dry run always does.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, BinaryIO

from clientreg import __version__, digests
from clientreg.catalogue import Catalogue, set_entry_active
from clientreg.diffing import EntryDiff, entry_diff, type_attributes
from clientreg.editing import set_client_active
from clientreg.errors import RowError
from clientreg.locale_values import ValueLocale, number_cell_text
from clientreg.model import Action, ClientDraft, DraftChunk, OnConflict, Outcome
from clientreg.registration import register_many
from clientreg.rules import identifier_key
from clientreg.schemas import readers
from clientreg.schemas.columns import (
    HEADER_ROW,
    ColumnPlan,
    HeaderPlan,
    for_updates,
    plan_columns,
)
from clientreg.schemas.documents import document_drafts
from clientreg.schemas.grouping import TableChunk, TableClients, group_key
from clientreg.schemas.header_map import HeaderMap
from clientreg.schemas.number_cells import RESTORED_COLUMNS, NumberCells
from clientreg.schemas.readers_table import SourceRow
from clientreg.schemas.report import (
    DocumentOrigin,
    FileSummary,
    ImportReport,
    Problems,
    TableOrigin,
)
from clientreg.schemas.seed import (
    CatalogueCode,
    SeedPlace,
    apply_catalogue,
    apply_companies,
    client_sections,
    declared_attribute_keys,
    document_kind,
)
from clientreg.schemas.staging import StagedTable, staging_transaction
from clientreg.schemas.value_map import ValueMap, catalogue_codes
from clientreg.schemas.writers import restore_cell
from clientreg.storage import (
    Store,
    Work,
    read_only_error,
    read_sql,
    translate_errors,
    unit_of_work,
)

STAGE_CHUNK = 5000
NUMBER_CELL_COLUMNS = (*RESTORED_COLUMNS, "country")
PROGRESS_EVERY = 500

Progress = Callable[[str, int], None]
"""Told ("read", rows) as rows are read, ("total", rows) once all are read, then ("register",
rows) as the clients those rows hold are registered."""


@dataclass(frozen=True)
class ImportOptions:
    on_conflict: OnConflict = OnConflict.ERROR
    dry_run: bool = False
    max_errors: int = 1000
    input_format: str | None = None
    delimiter: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    value_map: ValueMap = field(default_factory=ValueMap)
    """Values of category, company_type and country cells mapped to codes (--map-value)."""
    header_row: int | None = None
    """The header's row in every table (--header-row, 1-based); found when not given."""
    locale: str | None = None
    """The locale numbers, dates and yes/no cells are written in (--locale); None: strict."""
    mapping: HeaderMap = field(default_factory=HeaderMap)
    """Headers mapped to columns or ignored (--map, --ignore-column, --mapping...)."""
    diff: bool = False
    """Hand what each entry changes, field by field, to the run's ``on_diff`` (--diff)."""


@dataclass
class TableInput:
    index: int
    summary: FileSummary
    raw_headers: list[str]
    plan: ColumnPlan
    staged: StagedTable | None = None
    key: bytes | None = None
    """The digest of the file's bytes and of how it is read (clientreg.digests), for a file."""
    clients: int = 0
    """How many clients its rows held, counted as they are registered."""


@dataclass
class UnchangedInput:
    """A table file imported before, byte for byte and read the same way, whose clients have
    all stayed as that import left them: not read again (clientreg.digests)."""

    index: int
    summary: FileSummary
    key: bytes


@dataclass
class DocumentInput:
    index: int
    summary: FileSummary
    document: Any
    kind: str


Input = TableInput | DocumentInput | UnchangedInput


def _no_progress(stage: str, count: int) -> None:
    return None


@dataclass
class ImportRun:
    """Files of one import, read and staged; ``apply`` registers them, ``close`` drops the rows."""

    store: Store
    options: ImportOptions
    stdin: BinaryIO | None = None
    progress: Progress = _no_progress
    inputs: list[Input] = field(default_factory=list)
    problems: Problems = field(default_factory=Problems)
    stopped_early: bool = False
    notices: list[RowError] = field(default_factory=list)
    """Values clientreg changed (leading zeros put back), the first ``max_errors`` of them."""
    notice_count: int = 0
    on_diff: Callable[[EntryDiff], None] | None = None
    """With ``options.diff``, told what each entry changes as it is applied (nothing is kept)."""
    _catalogue: Catalogue | None = None
    _staged: list[StagedTable] = field(default_factory=list)

    def __enter__(self) -> ImportRun:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Drop the staged rows (they would go with the connection anyway)."""
        while self._staged:
            self._staged.pop().drop()

    def read(self, paths: Sequence[str]) -> None:
        """Open every file: parse the documents, then check and stage the tables."""
        if self.store.read_only:
            raise read_only_error(self.store.path)  # before reading files it could not apply
        formats = [readers.detect_format(path, self.options.input_format) for path in paths]
        documents = [i for i, f in enumerate(formats) if f in readers.DOCUMENT_FORMATS]
        loaded: dict[int, Input] = {i: self._load_document(i, paths[i], formats[i])
                                    for i in documents}
        catalogue = Catalogue.load(self.store)
        company_keys = {a.key for t in catalogue.types.values() for a in t.attributes}
        client_keys = {a.key for c in catalogue.categories.values() for a in c.attributes}
        for source in loaded.values():
            assert isinstance(source, DocumentInput)
            declared = declared_attribute_keys(source.document)
            company_keys |= declared.company_type
            client_keys |= declared.category
        self.options.value_map.check_targets(catalogue_codes(
            catalogue, (s.document for s in loaded.values() if isinstance(s, DocumentInput))))
        shelf = digests.fingerprint(catalogue) if not documents else None
        for index, path in enumerate(paths):
            if index in loaded:
                continue
            key = self._input_key(path, shelf)
            summary = self._unchanged(key)
            if key is not None and summary is not None:
                summary.file = readers.display_name(path)
                loaded[index] = UnchangedInput(index, summary, key)
                continue
            table = self._stage_table(index, path, company_keys, client_keys)
            table.key = key
            loaded[index] = table
        self.inputs = [loaded[i] for i in range(len(paths))]

    def _input_key(self, path: str, catalogue_key: bytes | None) -> bytes | None:
        """The digest of a table file as this import reads it, with the catalogue's; None for
        standard input and beside seed documents (which may change the catalogue)."""
        if catalogue_key is None or path == "-":
            return None
        options = self.options
        content = hashlib.blake2b(repr((
            __version__, options.input_format, options.delimiter, options.encoding,
            options.sheet, options.header_row, options.locale, options.mapping.columns,
            options.mapping.ignore, options.mapping.ignore_unknown, options.value_map.pairs,
        )).encode("utf-8", "surrogatepass"), key=catalogue_key, digest_size=16)
        try:
            with open(path, "rb") as handle:
                hashlib.file_digest(handle, lambda: content)  # type: ignore[arg-type,return-value]
        except OSError:
            return None  # the reader tells what is wrong with the file
        return content.digest()

    def _unchanged(self, key: bytes | None) -> FileSummary | None:
        """The summary of a file whose clients are all unchanged since it was imported, when an
        update or a skip may leave them without reading it; None otherwise."""
        options = self.options
        if key is None or options.on_conflict is OnConflict.ERROR or self._diffing:
            return None
        stored = digests.unchanged_input(self.store.conn, key)
        if stored is None:
            return None
        fields = json.loads(stored[0])
        if fields.get("columns") is not None:
            fields["columns"] = [tuple(pair) for pair in fields["columns"]]
        return dataclasses.replace(FileSummary(**fields), unchanged_since=stored[1])

    def _load_document(self, index: int, path: str, format: str) -> DocumentInput:
        document = readers.load_document(path, input_format=self.options.input_format,
                                         stdin=self.stdin)
        name = readers.display_name(path)
        kind, problems = document_kind(document, file=name)
        for problem in problems:
            self.problems.add(problem)
        entries = _entry_count(document)
        if not entries and not problems:
            self.problems.add(RowError.of(name, None, None, None, "no-entries"))
        return DocumentInput(index, FileSummary(name, format, rows=entries), document, kind)

    def _stage_table(self, index: int, path: str, company_keys: set[str],
                     client_keys: set[str]) -> TableInput:
        options = self.options
        with readers.open_table(path, input_format=options.input_format,
                                delimiter=options.delimiter, encoding=options.encoding,
                                sheet=options.sheet, header_row=options.header_row,
                                stdin=self.stdin) as reader:
            summary = FileSummary(reader.file, reader.format, encoding=reader.encoding,
                                  delimiter=reader.delimiter, sheet=reader.sheet)
            if reader.header_row != HEADER_ROW:
                summary.header_row = reader.header_row
                summary.skipped_rows = reader.skipped_above
            plan, header_problems, readable = plan_columns(
                reader.raw_headers, reader.headers, file=reader.file,
                company_attribute_keys=company_keys, client_attribute_keys=client_keys,
                mapping=options.mapping)
            if plan.renamed:
                summary.columns = plan.report_columns
            if options.on_conflict is OnConflict.UPDATE:
                plan, header_problems, readable = for_updates(
                    HeaderPlan(plan, header_problems, readable), file=reader.file)
            for problem in header_problems:
                if problem.row == HEADER_ROW != reader.header_row:
                    # The header's problems are located at its row as the sheet numbers it.
                    problem = replace(problem, row=reader.header_row)
                self.problems.add(problem)
            table = TableInput(index, summary, list(reader.raw_headers), plan)
            summary.rows_read = readable
            if readable:
                with translate_errors(self.store.path):
                    table.staged = StagedTable(self.store.staging)
                    self._staged.append(table.staged)
                    with staging_transaction(self.store.staging):
                        summary.rows = self._stage_rows(reader, table.staged, plan)
                if not summary.rows and not reader.problems:
                    self.problems.add(RowError.of(reader.file, None, None, None, "no-rows"))
            for problem in reader.problems:
                self.problems.add(problem)
        return table

    def _stage_rows(self, reader: Any, staged: StagedTable, plan: ColumnPlan) -> int:
        at_id, at_from = plan.identifier_at, plan.from_company_at
        total = 0
        rows = iter(reader)
        # Export puts an apostrophe before CSV/TSV cells a spreadsheet would run as a formula;
        # take it off again. XLSX cells need nothing: export marks them as text instead.
        restore = restore_cell if reader.format in ("csv", "tsv") else None
        localised = _localised_numbers(reader, plan, self.options.locale)
        zeros = (None if reader.format in ("csv", "tsv") else NumberCells.of(
            reader.file, reader.headers, {c: plan.position(c) for c in NUMBER_CELL_COLUMNS}))
        while chunk := list(itertools.islice(rows, STAGE_CHUNK)):
            if localised is not None:
                chunk = [localised(row) for row in chunk]
            staged.put(
                (group_key(cells[at_id] if at_id is not None else "",
                           cells[at_from] if at_from is not None else ""), row.row, cells)
                for row in chunk for cells in (_cells(row.values, restore) if zeros is None
                                               else self._zeros_restored(zeros, row, restore),))
            total += len(chunk)
            self.progress("read", len(chunk))
        return total

    def _zeros_restored(self, zeros: NumberCells, row: SourceRow,
                        restore: Callable[[str], str] | None) -> list[str]:
        """The row's cells with the leading zeros of its number cells put back, each told."""
        cells, notices = zeros.restored(row, _cells(row.values, restore))
        self.notice_count += len(notices)
        self.notices.extend(notices[: max(self.options.max_errors - len(self.notices), 0)])
        return cells

    def _salt(self, *reading: object) -> bytes:
        """What decides how a file's entries are read, for their digests (clientreg.digests):
        clientreg's version, how the values are read and mapped, and ``reading``."""
        return repr((__version__, self.options.locale, self.options.value_map.pairs,
                     *reading)).encode()

    @property
    def value_locale(self) -> ValueLocale:
        """How the drafts' numbers, dates and yes/no values are read (--locale)."""
        return ValueLocale(self.options.locale)

    @property
    def source(self) -> str:
        names = [source.summary.file for source in self.inputs]
        return "import of " + ", ".join(names)

    def apply(self) -> ImportReport:
        """Apply every file in one unit of work, discarded on any problem; a dry run always is."""
        started = time.perf_counter()
        options = self.options
        report = ImportReport(files=[source.summary for source in self.inputs],
                              dry_run=options.dry_run)
        with unit_of_work(self.store, dry_run=options.dry_run) as work:
            work.expect_companies(sum(source.summary.rows for source in self.inputs
                                      if not isinstance(source, UnchangedInput)))
            self._leave_unchanged(report)
            deactivate_later: list[CatalogueCode] = []
            self._apply_seeds(work, report, deactivate_later)
            inactive: list[Outcome] = []
            batch = register_many(
                self.store, self._counted(self._drafts()), source=self.source,
                on_conflict=options.on_conflict, max_problems=options.max_errors, work=work,
                on_outcome=lambda outcome: self._tally(outcome, report, inactive),
                noting=self._diffing)
            report.checked = batch.checked
            for origin, error in batch.problems:
                self.problems.from_core(origin, error)
            self.stopped_early |= batch.stopped_early
            self._deactivate(work, inactive, report)
            for kind, code in deactivate_later:
                set_entry_active(self.store, kind, code, False, source=self.source, work=work)
            if self.problems.found:
                work.discard()
            else:
                self._remember_inputs()
        report.written = work.written
        ordered = self.problems.ordered({s.summary.file: s.index for s in self.inputs})
        report.truncated = self.stopped_early or len(ordered) > options.max_errors
        report.problems = ordered[: options.max_errors]
        report.notices = list(self.notices)
        report.notices_left_off = self.notice_count - len(self.notices)
        report.rejected = self.problems.rejected_clients()
        report.seconds = time.perf_counter() - started
        return report

    def _leave_unchanged(self, report: ImportReport) -> None:
        """Count the clients of the unchanged files, and tell the run's ledger of them."""
        ledger = self.store.ledger
        for source in self.inputs:
            if isinstance(source, UnchangedInput):
                identifiers = digests.input_clients(self.store.conn, source.key)
                report.counts["clients"][Action.UNCHANGED.value] += len(identifiers)
                if ledger is not None:
                    for identifier in identifiers:
                        ledger.left("client", identifier, Action.UNCHANGED.value)

    def _remember_inputs(self) -> None:
        """Each table file whose clients all hold a digest naming it is an unchanged file for the
        next import, as long as they do."""
        for source in self.inputs:
            if isinstance(source, TableInput) and source.key is not None and source.clients:
                digests.remember_input(self.store.conn, source.key, source.clients,
                                       json.dumps(dataclasses.asdict(source.summary)),
                                       self.store.run_id)

    def _apply_seeds(self, work: Work, report: ImportReport,
                     deactivate_later: list[CatalogueCode]) -> None:
        for source in self.inputs:
            if isinstance(source, DocumentInput) and source.kind == "seed":
                where = SeedPlace(file_index=source.index, file=source.summary.file,
                                  on_conflict=self.options.on_conflict, source=self.source,
                                  problems=self.problems, counts=report.counts,
                                  values=self.options.value_map, locale=self.value_locale,
                                  on_diff=self.on_diff if self._diffing else None)
                apply_catalogue(work, source.document, where, deactivate_later=deactivate_later)
                apply_companies(work, source.document, where)

    def _drafts(self) -> Iterator[ClientDraft | DraftChunk]:
        for source in self.inputs:
            file = source.summary.file
            if isinstance(source, DocumentInput):
                for section, entries, prefix in client_sections(source.document, source.kind):
                    yield from document_drafts(section, entries, file_index=source.index,
                                               file=file, prefix=prefix, problems=self.problems,
                                               locale=self.value_locale,
                                               salt=self._salt("document", section))
            elif isinstance(source, TableInput) and source.staged is not None:
                plan = source.plan
                clients = TableClients(plan, source.index, file, self.value_locale,
                                       values=self.options.value_map, input=source.key,
                                       salt=self._salt("table", plan.headers, plan.client,
                                                       plan.contact, plan.company_attributes,
                                                       plan.client_attributes))
                for chunk in clients.chunks(source.staged.grouped_joined()):
                    source.clients += len(chunk.groups)
                    yield chunk

    def _counted(self, drafts: Iterator[ClientDraft | DraftChunk],
                 ) -> Iterator[ClientDraft | DraftChunk]:
        """The drafts, their rows told to the progress bar, until the problems reach the limit."""
        limit = self.options.max_errors
        values = self.options.value_map
        self.progress("total", sum(source.summary.rows for source in self.inputs
                                   if not isinstance(source, UnchangedInput)))
        rows = 0
        for draft in drafts:
            if len(self.problems) >= limit:
                self.stopped_early = True
                return
            # A table's cells are mapped where its chunks become drafts; an entry's, here.
            yield values.draft(draft) if values and isinstance(draft, ClientDraft) else draft
            rows += draft.rows if isinstance(draft, TableChunk) else 1
            if rows >= PROGRESS_EVERY:
                self.progress("register", rows)
                rows = 0
        self.progress("register", rows)

    @property
    def _diffing(self) -> bool:
        return self.options.diff and self.on_diff is not None

    def _tally(self, outcome: Outcome, report: ImportReport, inactive: list[Outcome]) -> None:
        origin = outcome.origin
        if (isinstance(origin, DocumentOrigin) and origin.inactive
                and outcome.action is not Action.SKIPPED):
            inactive.append(outcome)  # its difference is told once it is deactivated
        elif self._diffing:
            self._tell(outcome)
        report.counts["clients"][outcome.action.value] += 1

    def _type_attributes(self, diff: EntryDiff) -> None:
        """Attribute values as ``show`` gives them, by the client's type and category: those a
        new client's history names, else the registered client's."""
        given = {name: diff.changes[name][1] for name in ("company_type", "category")
                 if name in diff.changes}
        if len(given) < 2:
            stored = read_sql.company_by_key(self.store.conn, identifier_key(diff.identifier))
            if stored is None:
                return
            given = {"company_type": stored["company_type"], "category": stored["category"],
                     **given}
        if self._catalogue is None:  # loaded once the seeds' entries are applied
            self._catalogue = Catalogue.load(self.store)
        type_attributes(diff, self._catalogue, company_type=given["company_type"],
                        category=given["category"])

    def _tell(self, outcome: Outcome, **more: list[Any]) -> None:
        """Hand the outcome's differences to ``on_diff``, located at its entry."""
        assert self.on_diff is not None
        diff = entry_diff(outcome)
        diff.changes.update(more)
        if any(name.startswith(("company_attr.", "client_attr.")) for name in diff.changes):
            self._type_attributes(diff)
        if more and diff.action == Action.UNCHANGED.value:
            diff.action = Action.UPDATED.value
        diff.file, diff.row = _located(outcome.origin)
        outcome.history = None
        self.on_diff(diff)

    def _deactivate(self, work: Work, outcomes: list[Outcome], report: ImportReport) -> None:
        """Entries given with active: false (as export writes them) are deactivated."""
        counts = report.counts["clients"]
        for outcome in outcomes:
            changed = set_client_active(self.store, outcome.identifier, False,
                                        source=self.source, work=work)
            if self._diffing:
                self._tell(outcome, **({"active": [True, False]} if changed else {}))
            if changed and outcome.action is Action.UNCHANGED:
                counts[Action.UNCHANGED.value] -= 1
                counts[Action.UPDATED.value] += 1


def _localised_numbers(reader: Any, plan: ColumnPlan,
                       locale: str | None) -> Callable[[SourceRow], SourceRow] | None:
    """Under a locale, a row with its attribute cells that the sheet holds as numbers written
    as the locale writes them (1234.5 -> 1234,5 under es), as the sheet shows them there; the
    locale then reads back the number the cell holds (1.234 is not 1234). None: nothing to do."""
    if locale is None:
        return None
    headers = frozenset(reader.headers[at]
                        for _, at in (*plan.company_attributes, *plan.client_attributes))

    def localised(row: SourceRow) -> SourceRow:
        found = row.numbers & headers
        if not found:
            return row
        values = {header: number_cell_text(cell, locale) if header in found else cell
                  for header, cell in row.values.items()}
        return dataclasses.replace(row, values=values)

    return localised if headers else None


def _cells(values: dict[str, str], restore: Callable[[str], str] | None) -> list[str]:
    cells = list(values.values())
    # Most rows hold no apostrophe at all: one look at the joined text spares a call per cell.
    if restore is None or "'" not in "".join(cells):
        return cells
    return [restore(cell) if cell.startswith("'") else cell for cell in cells]


def _located(origin: Any) -> tuple[str | None, int | None]:
    """The file and row (a table's first row, a document entry's position) of an entry."""
    if isinstance(origin, (TableOrigin, DocumentOrigin)):
        return origin.file, origin.locate(None).row
    return None, None


def _entry_count(document: Any) -> int:
    if isinstance(document, list):
        return len(document)
    if isinstance(document, dict):
        return sum(len(v) for v in document.values() if isinstance(v, list))
    return 0
