"""How an import's report reads: problem lines, the summary, and GitHub Actions annotations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from clientreg.commands.i18n import _
from clientreg.errors import RowError

_ENTITY_LABELS = {"company_types": "company types", "categories": "categories",
                  "companies": "companies"}


def _quoted(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text.replace("\n", "\\n") + "'"


def problem_line(problem: RowError) -> str:
    """``FILE:ROW: column COL = 'VALUE': MESSAGE [code]``."""
    where = problem.file if problem.row is None else f"{problem.file}:{problem.row}"
    if problem.column is None:
        return f"{where}: {problem.message} [{problem.code}]"
    return (f"{where}: " + _("column") + f" {problem.column} = {_quoted(problem.value)}: "
            f"{problem.message} [{problem.code}]")


def _file_lines(report: Any) -> Iterator[str]:
    for summary in report.files:
        notes = []
        if summary.detected_encoding:
            notes.append(_("read as {encoding}").format(encoding=summary.detected_encoding))
        if summary.delimiter and summary.delimiter not in ",\t":
            notes.append(_("delimiter {delimiter!r}").format(delimiter=summary.delimiter))
        if summary.sheet:
            notes.append(_("sheet {sheet!r}").format(sheet=summary.sheet))
        detail = f" ({', '.join(notes)})" if notes else ""
        table = summary.format in ("csv", "tsv", "xlsx")
        if summary.rows == 1:
            unit = _("row") if table else _("entry")
        else:
            unit = _("rows") if table else _("entries")
        yield f"{summary.file}: {summary.rows:,} {unit}{detail}"


def _counts(report: Any) -> Iterator[str]:
    if not report.ok:
        checked = sum(report.count(a) for a in ("created", "updated", "skipped", "unchanged"))
        if report.rejected:
            yield _("Rejected: {problems} problem(s) in {rejected} of {clients} client(s); "
                    "nothing was written ({seconds:.2f} s).").format(
                problems=len(report.problems), rejected=report.rejected,
                clients=checked + report.rejected, seconds=report.seconds)
        else:
            yield _("Rejected: {problems} problem(s); nothing was written ({seconds:.2f} s)."
                    ).format(problems=len(report.problems), seconds=report.seconds)
        if report.truncated:
            yield _("Stopped at {count} problems (--max-errors); there may be more.").format(
                count=len(report.problems))
        return
    for entity, label in _ENTITY_LABELS.items():
        counts = report.counts[entity]
        if counts:
            parts = [f"{n} {_(action)}" for action, n in counts.items() if n]
            yield f"{_(label).capitalize()}: {', '.join(parts)}"
    clients = ", ".join(f"{report.count(action)} {_(action)}" for action in (
        "created", "updated", "skipped", "unchanged"))
    yield _("Clients: {counts}, {rejected} rejected ({seconds:.2f} s)").format(
        counts=clients, rejected=report.rejected, seconds=report.seconds)


def summary_lines(report: Any, rejects: Any = None) -> Iterator[str]:
    """What was read, what was (or would have been) done, and whether anything was written."""
    yield from _file_lines(report)
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


def text_lines(report: Any, rejects: Any = None) -> Iterator[str]:
    for problem in report.problems:
        yield problem_line(problem)
    yield from summary_lines(report, rejects)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotations(report: Any) -> Iterator[str]:
    """``::error file=F,line=N,title=CODE::column COL: MESSAGE`` for each problem."""
    for problem in report.problems:
        props = [f"file={_escape_property(problem.file)}"]
        if problem.row is not None:
            props.append(f"line={problem.row}")
        props.append(f"title={_escape_property(problem.code)}")
        message = problem.message
        if problem.column is not None:
            message = f"column {problem.column}: {message}"
        yield f"::error {','.join(props)}::{_escape_data(message)}"
