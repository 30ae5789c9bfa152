"""The export and template commands: clients, or an empty example, in the import's own formats."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO, TypeVar

import typer

from clientreg.commands.boundary import EXIT_OK, print_error, user_errors
from clientreg.commands.clients import CategoryFilter, InactiveFilter, SearchFilter, TypeFilter
from clientreg.commands.context import open_store
from clientreg.commands.i18n import _, ngettext
from clientreg.commands.outputs import cannot_write, output_file, refuse_clash

if TYPE_CHECKING:
    from clientreg.catalogue import Catalogue
    from clientreg.commands.outputs import OutputFile
    from clientreg.model import Category, CompanyType

_Entry = TypeVar("_Entry", "CompanyType", "Category")


class FileFormat(StrEnum):
    CSV = "csv"
    TSV = "tsv"
    YAML = "yaml"
    JSON = "json"
    XLSX = "xlsx"


_SUFFIXES = {".csv": FileFormat.CSV, ".tsv": FileFormat.TSV, ".tab": FileFormat.TSV,
             ".yaml": FileFormat.YAML, ".yml": FileFormat.YAML, ".json": FileFormat.JSON,
             ".xlsx": FileFormat.XLSX}
_TABLES = (FileFormat.CSV, FileFormat.TSV, FileFormat.XLSX)

FormatOption = Annotated[FileFormat | None, typer.Option(
    "--format", "-f", show_default=False,
    help=_("csv, tsv, yaml, json or xlsx. Default: from the -o file's extension, else the "
           "command's default."))]
OutputOption = Annotated[Path | None, typer.Option(
    "--output", "-o", dir_okay=False, show_default=False,
    help=_("The file to write; standard output when not given or '-' (xlsx needs a file)."))]


def _chosen_format(given: FileFormat | None, output: Path | None,
                   default: FileFormat) -> FileFormat:
    if given is not None:
        return given
    if output is not None:
        return _SUFFIXES.get(output.suffix.lower(), default)
    return default


def _to_stdout(output: Path | None) -> bool:
    return output is None or str(output) == "-"


@contextlib.contextmanager
def _destination(pending: OutputFile | None, *, bom: bool = False) -> Iterator[TextIO]:
    """Where a command writes text: stdout, or the output file (see commands/outputs.py)."""
    if pending is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    stream = io.TextIOWrapper(pending.stream, encoding="utf-8-sig" if bom else "utf-8",
                              newline="")
    yield stream
    stream.flush()
    stream.detach()


@contextlib.contextmanager
def _opened(ctx: typer.Context, output: Path | None) -> Iterator[OutputFile | None]:
    """The output file, checked and opened before the database is: committed on success."""
    if _to_stdout(output):
        yield None
        return
    assert output is not None
    refuse_clash(ctx, "--output", output)
    with output_file(output) as pending:  # a folder that cannot take it: see _writing
        yield pending


@dataclass
class _Tally:
    """How many clients an export wrote, how many of them are inactive, and how many companies
    that are not clients it wrote (a seed document) or left out (a table)."""

    clients: int = 0
    inactive: int = 0
    companies: int = 0


def _counted(items: Iterable[dict[str, Any]], tally: _Tally) -> Iterator[dict[str, Any]]:
    """Pass the documents on, counting them and the inactive ones among them."""
    for item in items:
        tally.clients += 1
        tally.inactive += item.get("active") is False
        yield item


def _counted_companies(items: Iterable[dict[str, Any]], tally: _Tally) -> Iterator[dict[str, Any]]:
    for item in items:
        tally.companies += 1
        yield item


def write_clients(pending: OutputFile | None, file_format: FileFormat, catalogue: Catalogue,
                  clients: Iterable[dict[str, Any]], *, columns: list[str] | None = None,
                  seed_document: bool = True,
                  companies: Iterable[dict[str, Any]] = ()) -> None:
    """Write client documents in a format; tables get one row per contact.

    ``companies`` (those that are not clients) go in a seed document's ``companies:``; a table
    holds clients only, so they are not read there.
    """
    from clientreg.schemas import writers

    if file_format in _TABLES:
        columns = columns or writers.table_columns(catalogue)
        rows = (row for document in clients
                for row in writers.client_rows(document, columns, catalogue))
        if file_format is FileFormat.XLSX:
            # A workbook is bytes, and never goes to stdout (refused with the options).
            assert pending is not None
            writers.write_xlsx(pending.stream, columns, rows,
                               scratch=str(pending.target.parent) or None)
            return
        delimiter = "\t" if file_format is FileFormat.TSV else ","
        # A byte-order mark in files, so Excel reads accented names as UTF-8.
        with _destination(pending, bom=True) as stream:
            writers.write_csv(stream, columns, rows, delimiter=delimiter)
        return
    with _destination(pending) as stream:
        if not seed_document:
            writers.write_list(stream, clients, as_json=file_format is FileFormat.JSON)
        elif file_format is FileFormat.JSON:
            writers.write_json_document(stream, catalogue, clients, companies)
        else:
            writers.write_yaml_document(stream, catalogue, clients, companies)


def _check_output(file_format: FileFormat, output: Path | None) -> None:
    if file_format is FileFormat.XLSX and _to_stdout(output):
        raise typer.BadParameter(_("an XLSX workbook cannot go to standard output; give a file "
                                   "with -o FILE.xlsx"), param_hint="'--output'")


@contextlib.contextmanager
def _writing(output: Path | None) -> Iterator[None]:
    """A file that cannot be written is an environment problem (exit 3), told plainly."""
    try:
        yield
    except BrokenPipeError:
        # The reader went away (| head): stop quietly, and keep Python from complaining later.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(EXIT_OK) from None
    except OSError as exc:
        raise cannot_write(output or "-", exc) from None


def export(
    ctx: typer.Context,
    file_format: FormatOption = None,
    output: OutputOption = None,
    category: CategoryFilter = None,
    company_type: TypeFilter = None,
    search: SearchFilter = None,
    include_inactive: InactiveFilter = False,
) -> None:
    """Export clients in the import's own format (default YAML: catalogue, companies, clients).

    Export, then import into an empty database, gives the same data. CSV, TSV and XLSX hold
    one row per contact of each client; YAML and JSON are a seed document with the company
    types, the categories and the companies that are not clients. Cells a spreadsheet would run
    as a formula are neutralised.
    """
    from clientreg.catalogue import Catalogue, find_entry
    from clientreg.records import iter_client_documents, iter_lone_company_documents

    chosen = _chosen_format(file_format, output, FileFormat.YAML)
    _check_output(chosen, output)
    tally = _Tally()
    with user_errors(), _writing(output), _opened(ctx, output) as pending, \
            open_store(ctx) as store:
        catalogue = Catalogue.load(store)
        if category:
            category = find_entry(catalogue, "category", category).code
        if company_type:
            company_type = find_entry(catalogue, "company_type", company_type).code
        documents = iter_client_documents(store, category=category, company_type=company_type,
                                          search=search, include_inactive=include_inactive)
        # A company that is not a client has no category: a --category export leaves it out.
        companies = iter(()) if category else iter_lone_company_documents(
            store, company_type=company_type, search=search, include_inactive=include_inactive)
        if chosen in _TABLES:
            tally.companies = sum(1 for _ in companies)
            companies = iter(())
        write_clients(pending, chosen, catalogue, _counted(documents, tally),
                      companies=_counted_companies(companies, tally))
    where = "-" if _to_stdout(output) else str(output)
    print_error(ngettext("Exported {count} client as {format} to {file}.",
                         "Exported {count} clients as {format} to {file}.", tally.clients).format(
        count=tally.clients, format=chosen.value, file=where))
    if tally.inactive and chosen in _TABLES:
        print_error(ngettext("Note: {count} of them is inactive; a {format} file has no "
                             "'active' column, so it would import as active. YAML and JSON "
                             "keep the state.",
                             "Note: {count} of them are inactive; a {format} file has no "
                             "'active' column, so they would import as active. YAML and JSON "
                             "keep the state.", tally.inactive).format(count=tally.inactive,
                                                                   format=chosen.value))
    _report_companies(tally, chosen)


def _report_companies(tally: _Tally, chosen: FileFormat) -> None:
    """What became of the companies that are not clients: in the document, or left out."""
    if not tally.companies:
        return
    if chosen in _TABLES:
        print_error(ngettext(
            "Note: {count} company is not a client and is not in the file: a {format} file "
            "holds clients only. Export to YAML or JSON to keep it.",
            "Note: {count} companies are not clients and are not in the file: a {format} file "
            "holds clients only. Export to YAML or JSON to keep them.",
            tally.companies).format(count=tally.companies, format=chosen.value))
        return
    print_error(ngettext("Exported {count} company that is not a client (companies:).",
                         "Exported {count} companies that are not clients (companies:).",
                         tally.companies).format(count=tally.companies))


def template(
    ctx: typer.Context,
    file_format: FormatOption = None,
    output: OutputOption = None,
    company_type: Annotated[str | None, typer.Option(
        "--type", help=_("The company type of the example; only its attribute columns."),
        show_default=False, metavar="CODE")] = None,
    category: Annotated[str | None, typer.Option(
        "--category", help=_("The category of the example; only its attribute columns."),
        show_default=False, metavar="CODE")] = None,
) -> None:
    """An import file with the right columns and one example row to fill in (default CSV)."""
    from clientreg.catalogue import Catalogue, find_entry
    from clientreg.schemas import writers

    chosen = _chosen_format(file_format, output, FileFormat.CSV)
    _check_output(chosen, output)
    with user_errors(), _writing(output), _opened(ctx, output) as pending, \
            open_store(ctx) as store:
        catalogue = Catalogue.load(store)
        # find_entry gives the entry of the kind asked for; the tables say so to the types.
        chosen_type = (catalogue.types[find_entry(catalogue, "company_type", company_type).code]
                       if company_type else None)
        chosen_category = (catalogue.categories[find_entry(catalogue, "category", category).code]
                           if category else None)
        example_type = chosen_type or _first_active(catalogue.types.values())
        example_category = chosen_category or _first_active(catalogue.categories.values())
        if example_type is None or example_category is None:
            print_error(_("Note: no company type or category exists yet; the example uses "
                          "placeholder codes. Create them with 'clientreg company-type add' and "
                          "'clientreg category add'."))
        columns = writers.table_columns(
            catalogue,
            company_types=[chosen_type] if chosen_type else None,
            categories=[chosen_category] if chosen_category else None)
        example = writers.example_client(example_type, example_category)
        write_clients(pending, chosen, catalogue, [example], columns=columns,
                      seed_document=False)
    if not _to_stdout(output):
        print_error(_("Wrote a {format} template to {file}.").format(format=chosen.value,
                                                                     file=output))


def _first_active(entries: Iterable[_Entry]) -> _Entry | None:
    return next((entry for entry in entries if entry.active), None)


def register(app: typer.Typer) -> None:
    """Add export and template to the root app."""
    panel = _("Import and export")
    app.command("export", rich_help_panel=panel, help=_(
        "Export clients in the import's own format, for 'clientreg import' to read back: YAML "
        "(default) or JSON seed documents with the catalogue and the companies that are not "
        "clients, or CSV, TSV, XLSX rows (one per contact, clients only). Import gives the same "
        "data back. 'list --format csv' is a view, not an import file."))(export)
    app.command("template", rich_help_panel=panel, help=_(
        "An import file (default CSV) with the columns of a type and category and one example "
        "row that imports as it is."))(template)

