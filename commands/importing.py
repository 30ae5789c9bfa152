"""The import and schema commands: bulk registration from files; the YAML/JSON JSON Schema."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO, cast

import typer

from clientreg.commands import render
from clientreg.commands.boundary import EXIT_REJECTED, print_error, user_errors
from clientreg.commands.context import open_store
from clientreg.commands.i18n import _
from clientreg.commands.outputs import cannot_write, refuse_clash
from clientreg.model import OnConflict

if TYPE_CHECKING:
    from rich.progress import TaskID

    from clientreg.commands.outputs import OutputFile
    from clientreg.runs import HashedReader
    from clientreg.schemas.diff import DiffSpool
    from clientreg.schemas.loading import ImportOptions
    from clientreg.schemas.rejects import RejectsFile
    from clientreg.schemas.report import ImportReport
    from clientreg.schemas.value_map import UnknownTarget, ValueMap
    from clientreg.storage import Store


class ReportFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    GITHUB = "github"


class InputFormat(StrEnum):
    CSV = "csv"
    TSV = "tsv"
    XLSX = "xlsx"
    ODS = "ods"
    XLS = "xls"
    XLSB = "xlsb"
    YAML = "yaml"
    JSON = "json"


def _text_encoding(value: str | None) -> str | None:
    from clientreg.schemas.readers_text import NotTextEncoding, text_encoding

    if value is None:
        return None
    try:
        return text_encoding(value)
    except LookupError:
        raise typer.BadParameter(_("{name!r} is not an encoding Python knows (utf-8, cp1252, "
                                   "latin-1...)").format(name=value)) from None
    except NotTextEncoding:
        raise typer.BadParameter(_("{name!r} is not a text encoding: it does not turn a "
                                   "file's bytes into text").format(name=value)) from None


def _value_locale(value: str | None) -> str | None:
    from clientreg.errors import InvalidValue
    from clientreg.locale_values import value_locale

    if value is None:
        return None
    try:
        return value_locale(value).name
    except InvalidValue as exc:
        raise typer.BadParameter(exc.reason) from None


def _value_map(specs: list[str] | None) -> ValueMap:
    """The --map-value options read; one that is not FIELD:VALUE=CODE is a usage error."""
    from clientreg.errors import InvalidValue
    from clientreg.schemas.value_map import ValueMap

    try:
        return ValueMap.parse(specs or ())
    except InvalidValue as exc:
        raise typer.BadParameter(f"{exc.value!r} {exc.reason}",
                                 param_hint="'--map-value'") from None


def _unknown_target(error: UnknownTarget) -> typer.BadParameter:
    """A mapping to a code the catalogue lacks, named by the option or file giving it."""
    from clientreg.schemas.value_map import OPTION

    if error.field == OPTION:
        return typer.BadParameter(f"{error.value!r} {error.reason}",
                                  param_hint="'--map-value'")
    return typer.BadParameter(f"{error.field}: {error.value!r} {error.reason}",
                              param_hint="'--mapping'")


def import_files(
    ctx: typer.Context,
    paths: Annotated[list[str], typer.Argument(
        help=_("CSV, TSV, XLSX, ODS, XLS, XLSB, YAML or JSON files; '-' reads standard input "
               "(give --input-format). All files are one transaction."), show_default=False,
        metavar="PATH...")],
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help=_("Check everything, the database's own constraints included, then "
                            "roll back: nothing is written."))] = False,
    diff: Annotated[bool, typer.Option(
        "--diff", help=_("Print what the import changes, client by client and field by field "
                         "(created, updated: old → new), on stdout; the report goes to "
                         "stderr. With --format json, in the report's diff list."))] = False,
    on_conflict: Annotated[OnConflict, typer.Option(
        "--on-conflict", case_sensitive=False,
        help=_("A client already registered: error rejects the import, skip leaves it alone, "
               "update applies the file's values (recorded in history)."))] = OnConflict.ERROR,
    errors: Annotated[Path | None, typer.Option(
        "--errors", dir_okay=False, show_default=False,
        help=_("Write the rejected rows to FILE, in the input's format and columns plus "
               "error_code and error_message, to fix and import again."))] = None,
    output: Annotated[ReportFormat, typer.Option(
        "--format", case_sensitive=False,
        help=_("text for people; json: one object on stdout; github: annotations for GitHub "
               "Actions."))] = ReportFormat.TEXT,
    max_errors: Annotated[int, typer.Option(
        "--max-errors", min=1, help=_("Stop checking after this many problems."))] = 1000,
    input_format: Annotated[InputFormat | None, typer.Option(
        "--input-format", case_sensitive=False, show_default=False,
        help=_("The format of every PATH, instead of the one its extension says."))] = None,
    delimiter: Annotated[str | None, typer.Option(
        "--delimiter", show_default=False, metavar="CHAR",
        help=_("CSV delimiter (',' ';' '|' or 'tab'); detected when not given."))] = None,
    encoding: Annotated[str | None, typer.Option(
        "--encoding", show_default=False, metavar="ENCODING", callback=_text_encoding,
        help=_("CSV encoding (utf-8, cp1252, latin-1...); detected when not given."))] = None,
    sheet: Annotated[str | None, typer.Option(
        "--sheet", show_default=False, metavar="NAME",
        help=_("The workbook sheet to read (a hidden one too); the first visible one when not "
               "given."))] = None,
    header_row: Annotated[int | None, typer.Option(
        "--header-row", min=1, show_default=False, metavar="N",
        help=_("The row holding the header, as the spreadsheet numbers it (rows above it are "
               "skipped); when not given, the first row naming known columns, so a title "
               "above the header is skipped."))] = None,
    locale: Annotated[str | None, typer.Option(
        "--locale", show_default=False, metavar="LOCALE", callback=_value_locale,
        help=_("Read numbers, dates and yes/no cells as this locale writes them (es: "
               "1.580.240,46, 27/02/1956, sí/no; en_US, pt_BR, de...); without it they are "
               "read strictly (1580240.46, 1956-02-27)."))] = None,
    map_value: Annotated[list[str] | None, typer.Option(
        "--map-value", metavar="FIELD:VALUE=CODE", show_default=False,
        help=_("Read VALUE in a category, company_type or country cell (any case or accents) "
               "as CODE, as in 'category:Mayorista=WHOLESALE' or 'country:Alemanha=DE'; "
               "repeatable. Codes and names of the catalogue, and country names, need "
               "none."))] = None,
    map_header: Annotated[list[str] | None, typer.Option(
        "--map", metavar="HEADER=COLUMN", show_default=False,
        help=_("Read the file's column HEADER (any case, accents or spacing) as clientreg's "
               "COLUMN, as in 'Razón social=name' or 'Nº=company_attr.employees'; "
               "repeatable."))] = None,
    ignore_column: Annotated[list[str] | None, typer.Option(
        "--ignore-column", metavar="HEADER", show_default=False,
        help=_("Leave the file's column HEADER out; repeatable."))] = None,
    ignore_unknown: Annotated[bool, typer.Option(
        "--ignore-unknown-columns",
        help=_("Leave out every column that is not a column clientreg knows, instead of "
               "refusing the file."))] = False,
    mapping_file: Annotated[Path | None, typer.Option(
        "--mapping", exists=True, dir_okay=False, show_default=False, metavar="FILE",
        help=_("Read a YAML mapping: columns: {HEADER: column}, ignore: [HEADER...], "
               "ignore_unknown: true, values: {field: {VALUE: CODE}}; --map, --ignore-column "
               "and --map-value go over it."))] = None,
    save_mapping: Annotated[Path | None, typer.Option(
        "--save-mapping", dir_okay=False, show_default=False, metavar="FILE",
        help=_("Write the mapping in effect (every header and its column, the headers left "
               "out, mapped values) to FILE, for --mapping next time."))] = None,
) -> None:
    """Register clients in bulk from files; nothing is written unless every row is valid."""
    from clientreg.commands import import_mapping
    from clientreg.runs import HashedReader
    from clientreg.schemas.loading import ImportRun
    from clientreg.schemas.rejects import write_rejects
    from clientreg.schemas.value_map import UnknownTarget

    options = import_options(
        on_conflict=on_conflict, dry_run=dry_run, diff=diff, max_errors=max_errors,
        header_row=header_row, input_format=input_format, delimiter=delimiter,
        encoding=encoding, sheet=sheet, locale=locale, map_value=map_value,
        map_header=map_header, ignore_column=ignore_column, ignore_unknown=ignore_unknown,
        mapping_file=mapping_file)
    if save_mapping is not None:
        refuse_clash(ctx, "--save-mapping", save_mapping, paths)
    if import_mapping.asks(paths, text_report=output is ReportFormat.TEXT):
        with user_errors(), open_store(ctx) as store:
            options, asked_save = import_mapping.ask_unknown_headers(store, paths, options)
        if save_mapping is None and asked_save is not None:
            refuse_clash(ctx, "--save-mapping", asked_save, paths)
            save_mapping = asked_save
    rejects = None
    pending = _rejects_file(ctx, errors, paths)
    stdin = HashedReader(sys.stdin.buffer)
    spool = _diff_spool(diff)
    try:
        with (user_errors(), open_store(ctx) as store, _progress(output) as progress,
              ImportRun(store, options, stdin=cast("BinaryIO", stdin), progress=progress,
                        on_diff=spool) as run):
            try:
                run.read(paths)
            except UnknownTarget as exc:
                raise _unknown_target(exc) from None
            _note_inputs(store, paths, stdin)
            if save_mapping is not None:
                import_mapping.save_mapping(run, save_mapping)
            report = run.apply()
            if pending is not None and errors is not None:
                try:
                    rejects = write_rejects(run, errors, pending.stream)
                    pending.commit()
                except OSError as exc:
                    raise cannot_write(errors, exc) from None
    finally:
        if pending is not None:
            pending.discard()
    if spool is None:
        _render(report, rejects, output)
    else:
        with spool:
            _render_with_diff(report, rejects, output, spool)
    if not report.ok:
        raise typer.Exit(EXIT_REJECTED)


def import_options(*, on_conflict: OnConflict, dry_run: bool, diff: bool, max_errors: int,
                   header_row: int | None, input_format: Any, delimiter: str | None,
                   encoding: str | None, sheet: str | None, locale: str | None,
                   map_value: list[str] | None, map_header: list[str] | None,
                   ignore_column: list[str] | None, ignore_unknown: bool,
                   mapping_file: Path | None) -> ImportOptions:
    """The ImportOptions of import's options (verify's too): the mapping of --map,
    --ignore-column, --ignore-unknown-columns and --mapping, the values of --map-value."""
    from clientreg.commands import import_mapping
    from clientreg.schemas.loading import ImportOptions

    mapping = import_mapping.header_map(map_header, ignore_column, ignore_unknown, mapping_file)
    values = import_mapping.value_map(mapping, _value_map(map_value), mapping_file)
    return ImportOptions(
        on_conflict=on_conflict, dry_run=dry_run, max_errors=max_errors, header_row=header_row,
        input_format=input_format.value if input_format else None, delimiter=delimiter,
        encoding=encoding, sheet=sheet, locale=locale, value_map=values, mapping=mapping,
        diff=diff)


def _note_inputs(store: Store, paths: list[str], stdin: HashedReader) -> None:
    """Tell the run ledger the path and SHA-256 of every file read (standard input: of what
    was read from it)."""
    from clientreg.errors import UnreadableInput
    from clientreg.runs import RunLedger, file_input

    ledger = store.ledger
    if not isinstance(ledger, RunLedger):
        return
    for path in paths:
        if path == "-":
            ledger.inputs.append(stdin.input(path))
            continue
        try:
            ledger.inputs.append(file_input(path))
        except OSError as exc:
            raise UnreadableInput("unreadable-file/cannot-open", value=path, file=path,
                                  detail=exc.strerror or str(exc)) from None


def _rejects_file(ctx: typer.Context, errors: Path | None,
                  paths: list[str]) -> OutputFile | None:
    """The --errors file, checked and opened before anything is read, so a wrong one stops the
    import at once."""
    from clientreg.commands.outputs import OutputFile

    if errors is None:
        return None
    if errors.suffix.lower() in (".ods", ".xls", ".xlsb"):
        raise typer.BadParameter(_("rejected rows are written as CSV, TSV, XLSX, YAML or JSON: "
                                   "name the file .xlsx or .csv"), param_hint="'--errors'")
    refuse_clash(ctx, "--errors", errors, paths)
    try:
        return OutputFile.open(errors)
    except OSError as exc:
        raise cannot_write(errors, exc) from None


class _Progress:
    """A rich progress bar on stderr: rows read, then rows registered out of all rows read."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        # The rows counted, written as the language in use writes numbers (1.234 in Spanish).
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(),
                            TextColumn("{task.fields[rows]}"), TimeElapsedColumn(),
                            console=Console(stderr=True), transient=True)
        self.tasks: dict[str, TaskID] = {}
        self.rows: dict[str, int] = {}

    def __call__(self, stage: str, count: int) -> None:
        from clientreg.messages import number

        if stage == "total":
            self.tasks["register"] = self.bar.add_task(_("Registering"), total=count or None,
                                                       rows="0")
            return
        if stage not in self.tasks:
            self.tasks[stage] = self.bar.add_task(_("Reading rows"), total=None, rows="0")
        self.rows[stage] = self.rows.get(stage, 0) + count
        self.bar.update(self.tasks[stage], advance=count,
                        rows=format(number(self.rows[stage]), ","))

    def __enter__(self) -> _Progress:
        self.bar.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.bar.stop()


class _Silent:
    def __call__(self, stage: str, count: int) -> None:
        return None

    def __enter__(self) -> _Silent:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None


def _progress(output: ReportFormat) -> _Progress | _Silent:
    if output is not ReportFormat.JSON and sys.stderr.isatty():
        return _Progress()
    return _Silent()


def _render(report: ImportReport, rejects: RejectsFile | None, output: ReportFormat) -> None:
    from clientreg.commands import import_report

    if output is ReportFormat.JSON:
        data = report.as_dict()
        if rejects is not None:
            data["errors_file"] = {"path": str(rejects.path), "format": rejects.format,
                                   "rows": rejects.count, "left_out": rejects.left_out}
        render.print_json(data)
    elif output is ReportFormat.GITHUB:
        for line in import_report.github_annotations(report):
            print(line)
        for line in import_report.summary_lines(report, rejects):
            print_error(line)
    else:
        for line in import_report.text_lines(report, rejects):
            print(line)


def _diff_spool(diff: bool) -> DiffSpool | None:
    from clientreg.schemas.diff import DiffSpool

    return DiffSpool() if diff else None


def _render_with_diff(report: ImportReport, rejects: RejectsFile | None, output: ReportFormat,
                      spool: DiffSpool) -> None:
    """--diff: the differences on stdout (in the JSON object with --format json), the report's
    lines on stderr."""
    from clientreg.commands import import_report
    from clientreg.commands.diff_report import print_import_diff

    rejects_data = None
    if rejects is not None:
        rejects_data = {"path": str(rejects.path), "format": rejects.format,
                        "rows": rejects.count, "left_out": rejects.left_out}
    print_import_diff(report, spool, as_json=output is ReportFormat.JSON,
                      rejects_data=rejects_data)
    if output is ReportFormat.JSON:
        return
    if output is ReportFormat.GITHUB:
        for line in import_report.github_annotations(report):
            print(line)
        lines = import_report.summary_lines(report, rejects)
    else:
        lines = import_report.text_lines(report, rejects)
    for line in lines:
        print_error(line)


def schema() -> None:
    """Print the JSON Schema of the YAML/JSON import format, for editors."""
    from clientreg.schemas.rows import json_schema

    render.print_json(json_schema())


def register(app: typer.Typer) -> None:
    """Add the import and schema commands to the root app."""
    panel = _("Import and export")
    app.command("import", help=_("Register clients in bulk from CSV, TSV, XLSX, ODS, XLS, "
                                 "XLSB, YAML or JSON files (seed documents too); all or "
                                 "nothing."),
                rich_help_panel=panel)(import_files)
    app.command("schema", help=_("Print the JSON Schema of the YAML/JSON import format, for "
                                 "editors."), rich_help_panel=panel)(schema)
