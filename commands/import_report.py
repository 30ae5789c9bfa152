"""How an import's report reads: problem lines, the summary, and GitHub Actions annotations."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from clientreg.commands.i18n import N_, _, ngettext, translated
from clientreg.errors import RowError
from clientreg.messages import number

if TYPE_CHECKING:
    from clientreg.schemas.rejects import RejectsFile
    from clientreg.schemas.report import FileSummary, ImportReport

_ENTITY_LABELS = {"company_types": N_("Company types"), "categories": N_("Categories"),
                  "companies": N_("Companies")}
_ACTIONS = {"created": N_("{count} created"), "updated": N_("{count} updated"),
            "skipped": N_("{count} skipped"), "unchanged": N_("{count} unchanged")}
_CLIENT_ACTIONS = ("created", "updated", "skipped", "unchanged")


def _quoted(value: Any) -> str:
    from clientreg.messages import language

    text = "" if value is None else value.shown(language()) if hasattr(value, "shown") else str(
        value)
    return "'" + text.replace("\n", "\\n") + "'"


def problem_line(problem: RowError) -> str:
    """``FILE:ROW: column COL = 'VALUE': MESSAGE [code]``."""
    where = problem.file if problem.row is None else f"{problem.file}:{problem.row}"
    if problem.column is None:
        return _("{where}: {message} [{code}]").format(where=where, message=problem.text,
                                                     code=problem.code)
    return _("{where}: column {column} = {value}: {message} [{code}]").format(
        where=where, column=problem.column, value=_quoted(problem.value), message=problem.text,
        code=problem.code)


def _file_line(summary: FileSummary) -> str:
    notes = []
    if summary.detected_encoding:
        notes.append(_("read as {encoding}").format(encoding=summary.detected_encoding))
    if summary.delimiter and summary.delimiter not in ",\t":
        notes.append(_("delimiter {delimiter!r}").format(delimiter=summary.delimiter))
    if summary.sheet:
        notes.append(_("sheet {sheet!r}").format(sheet=summary.sheet))
    if summary.header_row is not None:
        if summary.skipped_rows:
            notes.append(ngettext("header on row {row}, {count} row above it skipped",
                                  "header on row {row}, {count} rows above it skipped",
                                  summary.skipped_rows).format(row=summary.header_row,
                                                               count=summary.skipped_rows))
        else:
            notes.append(_("header on row {row}").format(row=summary.header_row))
    if summary.unchanged_since is not None:
        notes.append(_("unchanged since run {run}: not read again").format(
            run=summary.unchanged_since))
    detail = f" ({', '.join(notes)})" if notes else ""
    if not summary.rows_read:
        return _("{file}: rows not read, as the header's problems above stop them{detail}"
                 ).format(file=summary.file, detail=detail)
    if summary.format in ("csv", "tsv", "xlsx", "ods", "xls", "xlsb"):
        line = ngettext("{file}: {count:,} row{detail}", "{file}: {count:,} rows{detail}",
                        summary.rows)
    else:
        line = ngettext("{file}: {count:,} entry{detail}", "{file}: {count:,} entries{detail}",
                        summary.rows)
    return line.format(file=summary.file, count=number(summary.rows), detail=detail)


def _columns_line(columns: list[tuple[str, str | None]]) -> str:
    """``  columns: Razón social → name, NIF → tax_id, id → (ignored)``."""
    ignored = _("(ignored)")
    pairs = ", ".join(f"{header} \u2192 {column or ignored}" for header, column in columns)
    return _("  columns: {pairs}").format(pairs=pairs)


def _action_counts(counts: Mapping[str, int], actions: Iterable[str]) -> str:
    return ", ".join(translated(_ACTIONS[action]).format(count=counts[action])
                     if action in _ACTIONS else f"{counts[action]} {action}"
                     for action in actions)


def _rejected_lines(report: ImportReport) -> Iterator[str]:
    problems = ngettext("{count} problem", "{count} problems", len(report.problems)).format(
        count=len(report.problems))
    if report.rejected:
        checked = sum(report.count(action) for action in _CLIENT_ACTIONS) + report.rejected
        clients = ngettext("{rejected} of {count} client", "{rejected} of {count} clients",
                           checked).format(rejected=report.rejected, count=checked)
        yield _("Rejected: {problems} in {clients}; nothing was written ({seconds:.2f} s)."
                ).format(problems=problems, clients=clients, seconds=number(report.seconds))
    else:
        yield _("Rejected: {problems}; nothing was written ({seconds:.2f} s).").format(
            problems=problems, seconds=number(report.seconds))
    if report.truncated:
        yield _("Stopped at {count} problems (--max-errors); there may be more.").format(
            count=len(report.problems))


def _counts(report: ImportReport) -> Iterator[str]:
    if not report.ok:
        yield from _rejected_lines(report)
        return
    for entity, label in _ENTITY_LABELS.items():
        counts = report.counts[entity]
        if counts:
            done = [action for action, n in counts.items() if n]
            yield _("{entity}: {counts}").format(entity=translated(label),
                                                 counts=_action_counts(counts, done))
    clients = _action_counts({action: report.count(action) for action in _CLIENT_ACTIONS},
                             _CLIENT_ACTIONS)
    yield _("Clients: {counts}, {rejected} rejected ({seconds:.2f} s)").format(
        counts=clients, rejected=report.rejected, seconds=number(report.seconds))


def summary_lines(report: ImportReport, rejects: RejectsFile | None = None) -> Iterator[str]:
    """What was read, what was (or would have been) done, and whether anything was written."""
    for summary in report.files:
        yield _file_line(summary)
        if summary.columns is not None:
            yield _columns_line(summary.columns)
    yield from _counts(report)
    if report.ok and report.dry_run:
        yield _("dry run: nothing was written.")
    elif report.ok and not report.changed:
        yield _("Nothing changed: everything in the files is already registered.")
    if rejects is not None:
        yield _("Rejected rows written to {path} ({count}).").format(
            path=rejects.path, count=rejects.count)
        for name in rejects.left_out:
            yield _("The rejected entries of {file} are not in {path}: it is a {format} file; "
                    "give --errors a file of the input's format.").format(
                file=name, path=rejects.path, format=rejects.format.upper())


def text_lines(report: ImportReport, rejects: RejectsFile | None = None) -> Iterator[str]:
    for problem in report.problems:
        yield problem_line(problem)
    yield from notice_lines(report)
    yield from summary_lines(report, rejects)


def notice_lines(report: ImportReport) -> Iterator[str]:
    """A line for each value clientreg changed (a leading zero put back), like a problem's."""
    for notice in report.notices:
        yield problem_line(notice)
    if report.notices_left_off:
        yield ngettext("... and {count:,} more value changed the same way, not listed.",
                       "... and {count:,} more values changed the same way, not listed.",
                       report.notices_left_off).format(count=report.notices_left_off)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotations(report: ImportReport) -> Iterator[str]:
    """``::error file=F,line=N,title=CODE::column COL: MESSAGE`` for each problem."""
    for problem in report.problems:
        props = [f"file={_escape_property(problem.file)}"]
        if problem.row is not None:
            props.append(f"line={problem.row}")
        props.append(f"title={_escape_property(problem.code)}")
        message = problem.text
        if problem.column is not None:
            message = _("column {column}: {message}").format(column=problem.column,
                                                             message=message)
        yield f"::error {','.join(props)}::{_escape_data(message)}"
    for notice in report.notices:
        yield _annotation("notice", notice)


def _annotation(level: str, problem: RowError) -> str:
    """``::LEVEL file=F,line=N,title=CODE::column COL = 'VALUE': MESSAGE``."""
    props = [f"file={_escape_property(problem.file)}"]
    if problem.row is not None:
        props.append(f"line={problem.row}")
    props.append(f"title={_escape_property(problem.code)}")
    message = problem.text
    if problem.column is not None:
        message = _("column {column} = {value}: {message}").format(
            column=problem.column, value=_quoted(problem.value), message=message)
    return f"::{level} {','.join(props)}::{_escape_data(message)}"
