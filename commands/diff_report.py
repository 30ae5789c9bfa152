"""How an import's differences read (``import --diff``, ``verify``): lines for people, or one
JSON object whose last list is written an item at a time."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from clientreg.commands.i18n import _, ngettext
from clientreg.messages import number

if TYPE_CHECKING:
    from clientreg.diffing import EntryDiff
    from clientreg.schemas.diff import DiffSpool
    from clientreg.schemas.report import ImportReport


def shown(value: Any) -> str:
    """A value as a difference line shows it: text quoted, nothing as (empty)."""
    if value is None:
        return _("(empty)")
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def _where(diff: EntryDiff) -> str:
    if diff.file is None:
        return diff.identifier
    return f"{diff.identifier} ({diff.file}:{diff.row})"


def diff_lines(diffs: Iterable[EntryDiff], spool: DiffSpool) -> Iterator[str]:
    """``created ID (FILE:ROW)`` or ``updated ID`` and a line per field; the entries left as
    they were (unchanged, skipped) counted at the end."""
    for diff in diffs:
        if diff.action == "created":
            yield _("created {entry}").format(entry=_where(diff))
        elif diff.action == "updated":
            yield _("updated {entry}").format(entry=_where(diff))
        else:
            continue
        for name, (old, new) in diff.changes.items():
            if name.startswith("contacts[") and name.endswith("]"):
                yield (_("  {contact}: added") if old is None else _("  {contact}: removed")
                       ).format(contact=name)
            elif diff.action == "created":
                yield _("  {field}: {new}").format(field=name, new=shown(new))
            else:
                yield _("  {field}: {old} \u2192 {new}").format(field=name, old=shown(old),
                                                              new=shown(new))
    unchanged, skipped = spool.actions["unchanged"], spool.actions["skipped"]
    if unchanged:
        yield ngettext("{count:,} entry unchanged", "{count:,} entries unchanged",
                       unchanged).format(count=number(unchanged))
    if skipped:
        yield ngettext("{count:,} entry skipped (already registered)",
                       "{count:,} entries skipped (already registered)",
                       skipped).format(count=number(skipped))


def write_json(data: dict[str, Any], key: str, items: Iterable[dict[str, Any]]) -> None:
    """``data`` as one indented JSON object on stdout, ``key`` last: a list written one item at
    a time, so a list of any length is never held whole."""
    from clientreg.schemas.writers import json_text

    head = json_text(data)
    assert head.endswith("\n}")
    out = sys.stdout
    out.write(head[:-2] + ",\n  " + json.dumps(key) + ": [")
    empty = True
    for item in items:
        out.write(("\n    " if empty else ",\n    ") + json_text(item, 2))
        empty = False
    out.write("]\n}\n" if empty else "\n  ]\n}\n")


def print_import_diff(report: ImportReport, spool: DiffSpool, *, as_json: bool,
                      rejects_data: dict[str, Any] | None = None) -> None:
    """Print an import's differences: with ``as_json``, the report's JSON object with them
    last (``diff``); else as lines on stdout, when the import was not rejected."""
    if as_json:
        data = report.as_dict()
        if rejects_data is not None:
            data["errors_file"] = rejects_data
        write_json(data, "diff", (diff.as_dict() for diff in spool) if report.ok else ())
    elif report.ok:
        for line in diff_lines(spool, spool):
            print(line)
