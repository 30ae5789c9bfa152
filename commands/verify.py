"""``clientreg verify``, and how an import's differences read (``import --diff``).

verify is an import with ``--on-conflict update --dry-run --diff`` whose differences are
judged: an entry the update would change has drifted, one it would create is missing. It reads,
maps and checks the files as ``import`` does, with the same options, so the two never disagree.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any

import typer

from clientreg.commands.boundary import EXIT_REJECTED, print_error, user_errors
from clientreg.commands.context import open_store
from clientreg.commands.diff_report import shown, write_json
from clientreg.commands.i18n import _, ngettext
from clientreg.commands.importing import ReportFormat, import_files
from clientreg.messages import number

if TYPE_CHECKING:
    from clientreg.diffing import EntryDiff
    from clientreg.schemas.diff import DiffSpool
    from clientreg.schemas.report import ImportReport

_READING_OPTIONS = ("max_errors", "input_format", "delimiter", "encoding", "sheet",
                    "header_row", "locale", "map_value", "map_header", "ignore_column",
                    "ignore_unknown", "mapping_file")
"""The options of ``import`` that say how files are read and mapped: verify takes them all."""

_KIND_ENTITIES = {"company_type": "company_types", "category": "categories",
                  "company": "companies", "client": "clients"}


# -- verify -----------------------------------------------------------------------------------

class _Verdict:
    """What verify found: every difference, judged; the identifiers the files name."""

    def __init__(self, spool: DiffSpool, *, exact: bool) -> None:
        self.spool = spool
        self.seen: set[str] | None = set() if exact else None
        self.checked: dict[str, int] = {}

    def __call__(self, diff: EntryDiff) -> None:
        from clientreg.rules import identifier_key

        entity = _KIND_ENTITIES.get(diff.kind, diff.kind)
        self.checked[entity] = self.checked.get(entity, 0) + 1
        if self.seen is not None and diff.kind == "client":
            self.seen.add(identifier_key(diff.identifier))
        if diff.action in ("created", "updated"):
            self.spool(diff)


def _drift_items(spool: DiffSpool, extra: list[str]) -> Iterator[dict[str, Any]]:
    """One item per field that differs, per entry missing from the database, per client that
    no file has (``--exact``)."""
    for diff in spool:
        where = {"identifier": diff.identifier, "kind": diff.kind}
        place = {"file": diff.file, "row": diff.row}
        if diff.action == "created":
            yield {**where, "problem": "missing", "field": None, "in_file": diff.identifier,
                   "in_database": None, **place}
            continue
        for name, (old, new) in diff.changes.items():
            yield {**where, "problem": "differs", "field": name, "in_file": new,
                   "in_database": old, **place}
    for identifier in extra:
        yield {"identifier": identifier, "kind": "client", "problem": "extra", "field": None,
               "in_file": None, "in_database": identifier, "file": None, "row": None}


def _kind_label(kind: str) -> str:
    labels = {"client": _("client"), "company": _("company"), "company_type": _("company type"),
              "category": _("category")}
    return labels.get(kind, kind)


def _drift_text(item: dict[str, Any]) -> str:
    if item["problem"] == "missing":
        return _("{kind} {identifier}: in the file, not in the database").format(
            kind=_kind_label(item["kind"]), identifier=item["identifier"])
    if item["problem"] == "extra":
        return _("client {identifier}: in the database, in no file").format(
            identifier=item["identifier"])
    return _("{kind} {identifier}: {field}: in the file {in_file}, in the database "
             "{in_database}").format(kind=_kind_label(item["kind"]),
                                     identifier=item["identifier"], field=item["field"],
                                     in_file=shown(item["in_file"]),
                                     in_database=shown(item["in_database"]))


def _drift_line(item: dict[str, Any]) -> str:
    text = _drift_text(item)
    if item["file"] is None:
        return text
    return f"{item['file']}:{item['row']}: {text}"


def _annotation(item: dict[str, Any]) -> str:
    from clientreg.commands.import_report import _escape_data as escape_data
    from clientreg.commands.import_report import _escape_property as escape_property

    props = []
    if item["file"] is not None:
        props.append(f"file={escape_property(item['file'])}")
        props.append(f"line={item['row']}")
    props.append(f"title={escape_property('drift/' + item['problem'])}")
    return f"::error {','.join(props)}::{escape_data(_drift_text(item))}"


def _summary(verdict: _Verdict, drifted: int, extra: int) -> str:
    checked = sum(verdict.checked.values())
    entries = ngettext("{count:,} entry", "{count:,} entries", checked).format(
        count=number(checked))
    if not drifted and not extra:
        return _("The database matches the files: {entries} checked.").format(entries=entries)
    found = ngettext("{count:,} entry differs", "{count:,} entries differ", drifted).format(
        count=number(drifted))
    if extra:
        found += ", " + ngettext("{count:,} client is in no file",
                                 "{count:,} clients are in no file", extra).format(
            count=number(extra))
    return _("Drift: {found} ({entries} checked).").format(found=found, entries=entries)


def _extra_clients(conn: Any, seen: set[str]) -> list[str]:
    """The clients of the database (active or not) that no file names."""
    from clientreg.rules import identifier_key
    from clientreg.storage import read_sql

    return [row["identifier"] for row in read_sql.iter_companies(conn, include_inactive=True)
            if identifier_key(row["identifier"]) not in seen]


def _report_problems(report: ImportReport, output: ReportFormat) -> None:
    """A file with problems: they are told as import tells them."""
    from clientreg.commands import import_report

    if output is ReportFormat.JSON:
        write_json({**report.as_dict(), "matches": False}, "drift", ())
    elif output is ReportFormat.GITHUB:
        for line in import_report.github_annotations(report):
            print(line)
        for line in import_report.summary_lines(report):
            print_error(line)
    else:
        for line in import_report.text_lines(report):
            print(line)


def verify(ctx: typer.Context, paths: list[str], exact: bool, output: ReportFormat,
           **reading: Any) -> None:
    """Compare the database with seed or import files; write nothing; exit 1 on drift."""
    from clientreg.commands import importing
    from clientreg.model import OnConflict
    from clientreg.schemas.diff import DiffSpool
    from clientreg.schemas.loading import ImportRun
    from clientreg.schemas.value_map import UnknownTarget

    options = importing.import_options(on_conflict=OnConflict.UPDATE, dry_run=True, diff=True,
                                       **reading)
    with DiffSpool() as spool:
        verdict = _Verdict(spool, exact=exact)
        with (user_errors(), open_store(ctx) as store,
              ImportRun(store, options, stdin=sys.stdin.buffer, on_diff=verdict) as run):
            try:
                run.read(paths)
            except UnknownTarget as exc:
                raise importing._unknown_target(exc) from None
            report = run.apply()
            extra = (_extra_clients(store.conn, verdict.seen)
                     if report.ok and verdict.seen is not None else [])
        if not report.ok:
            _report_problems(report, output)
            raise typer.Exit(EXIT_REJECTED)
        drifted = spool.count
        verdict_line = _summary(verdict, drifted, len(extra))
        items = _drift_items(spool, extra)
        if output is ReportFormat.JSON:
            data = {"matches": not drifted and not extra,
                    "files": [file.as_dict() for file in report.files],
                    "checked": verdict.checked, "differing": drifted, "extra": len(extra),
                    "notices": [notice.as_dict() for notice in report.notices]}
            write_json(data, "drift", items)
        elif output is ReportFormat.GITHUB:
            for item in items:
                print(_annotation(item))
            print_error(verdict_line)
        else:
            for item in items:
                print(_drift_line(item))
            print(verdict_line)
    if drifted or extra:
        raise typer.Exit(EXIT_REJECTED)


def _signature() -> inspect.Signature:
    """verify's parameters: its own, then import's reading and mapping options, the very same
    declarations, so the two commands read files alike."""
    imported = inspect.signature(import_files, eval_str=True).parameters
    own = [
        inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                          annotation=typer.Context),
        inspect.Parameter("paths", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Annotated[
            list[str], typer.Argument(
                help=_("Seed or import files (CSV, TSV, XLSX, ODS, XLS, XLSB, YAML or JSON) to "
                       "compare the database with; '-' reads standard input (give "
                       "--input-format)."), show_default=False, metavar="FILE...")]),
        inspect.Parameter("exact", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=False,
                          annotation=Annotated[bool, typer.Option(
                              "--exact", help=_("Also fail on clients of the database that no "
                                                "file has."))]),
        inspect.Parameter("output", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                          default=ReportFormat.TEXT, annotation=Annotated[
                              ReportFormat, typer.Option(
                                  "--format", case_sensitive=False,
                                  help=_("text for people; json: one object on stdout; github: "
                                         "annotations for GitHub Actions."))]),
    ]
    return inspect.Signature([*own, *(imported[name] for name in _READING_OPTIONS)])


verify.__signature__ = _signature()  # type: ignore[attr-defined]


def register(app: typer.Typer) -> None:
    """Add the verify command to the root app."""
    app.command("verify", help=_("Compare the database with seed or import files, field by "
                                 "field; write nothing; exit 1 when something drifted."),
                rich_help_panel=_("Import and export"))(verify)
