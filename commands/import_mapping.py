"""How ``clientreg import`` learns what a file's headers are: the mapping options, the mapping
files read and written, and, on a terminal, questions about the headers it does not know.

questionary is imported only when a question is asked, so the command line starts as fast
without it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from clientreg.commands.boundary import EXIT_REJECTED, print_error
from clientreg.commands.i18n import _

if TYPE_CHECKING:
    from clientreg.schemas.header_map import HeaderMap
    from clientreg.schemas.loading import ImportOptions, ImportRun
    from clientreg.schemas.value_map import ValueMap
    from clientreg.storage import Store

MAPPING_SUFFIX = ".mapping.yaml"
_IGNORE = "\x00ignore"
_STOP = "\x00stop"


def header_map(maps: Sequence[str] | None, ignore: Sequence[str] | None, ignore_unknown: bool,
               mapping_file: Path | None) -> HeaderMap:
    """The mapping the options give: the file's (--mapping), then the command line's over it.
    A mapping that cannot be read is a usage error naming the option or file and the value."""
    from clientreg.errors import InvalidValue
    from clientreg.schemas.header_map import HeaderMap

    from_file = read_mapping_file(mapping_file) if mapping_file is not None else HeaderMap()
    try:
        given = HeaderMap.parse(maps or (), ignore or (), ignore_unknown)
    except InvalidValue as exc:
        raise typer.BadParameter(f"{exc.value!r} {exc.reason}",
                                 param_hint=f"'{exc.field}'") from None
    return from_file.merged(given)


def read_mapping_file(path: Path) -> HeaderMap:
    """The mapping a YAML mapping file holds; a usage error (exit 2) naming the file when it
    cannot be read or is not a mapping."""
    from clientreg.errors import InvalidValue, UnreadableInput
    from clientreg.schemas.header_map import HeaderMap
    from clientreg.schemas.readers_document import parse_yaml

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise typer.BadParameter(f"{path}: {exc.strerror or exc}",
                                 param_hint="'--mapping'") from None
    try:
        return HeaderMap.from_document(parse_yaml(data, file=str(path)), where=str(path))
    except UnreadableInput as exc:
        raise typer.BadParameter(exc.reason, param_hint="'--mapping'") from None
    except InvalidValue as exc:
        raise typer.BadParameter(f"{path}: {exc.value!r} {exc.reason}",
                                 param_hint="'--mapping'") from None


def value_map(mapping: HeaderMap, given: ValueMap, mapping_file: Path | None) -> ValueMap:
    """The mapped values: a mapping file's ``values:``, then --map-value's over them."""
    from clientreg.errors import InvalidValue
    from clientreg.schemas.value_map import ValueMap

    if mapping.values is None:
        return given
    try:
        section = ValueMap.from_section(mapping.values, where=str(mapping_file))
    except InvalidValue as exc:
        raise typer.BadParameter(f"{exc.field}: {exc.value!r} {exc.reason}",
                                 param_hint="'--mapping'") from None
    return section.merged(given)


def asks(paths: Sequence[str], *, text_report: bool) -> bool:
    """Whether unknown headers are asked about: a person at a terminal (standard input and
    output), a text report, and no file read from standard input."""
    from clientreg.commands.wizard_command import FORCE_INTERACTIVE_ENV

    if not text_report or "-" in paths:
        return False
    if os.environ.get(FORCE_INTERACTIVE_ENV) == "1":
        return True
    return sys.stdin.isatty() and sys.stdout.isatty()


def ask_unknown_headers(store: Store, paths: Sequence[str], options: ImportOptions,
                        ) -> tuple[ImportOptions, Path | None]:
    """Ask, for each header no column matches, which column it is, or to ignore it, or to stop
    (exit 1, nothing written); then whether to save the mapping, and where.

    Returns the options with the answers in their mapping, and the file to save it to (None:
    not saved, or nothing was asked).
    """
    unknown, columns = _unknown_headers(store, paths, options)
    if not unknown:
        return options, None
    print(_("Some columns of the file are not columns clientreg knows; say what each one "
            "is."), flush=True)
    mapped: dict[str, str] = {}
    ignored: list[str] = []
    for file, header, likely in unknown:
        answer = _ask_column(file, header, likely, columns)
        if answer == _STOP:
            print_error(_("Import stopped: nothing was written."))
            raise typer.Exit(EXIT_REJECTED)
        if answer == _IGNORE:
            ignored.append(header)
        else:
            mapped[header] = answer
    mapping = options.mapping.with_answers(mapped, ignored)
    first = Path(next(p for p in paths if p != "-"))
    default = str(first.with_name(first.name.partition(".")[0] + MAPPING_SUFFIX))
    return replace(options, mapping=mapping), _ask_save(default)


def _unknown_headers(store: Store, paths: Sequence[str], options: ImportOptions,
                     ) -> tuple[list[tuple[str, str, list[str]]], list[str]]:
    """(file, header, likely columns) of each header no column matches, once per header; and
    every column a header may be mapped to."""
    from clientreg.catalogue import Catalogue
    from clientreg.schemas import readers
    from clientreg.schemas.columns import (
        CLIENT_ATTRIBUTE_PREFIX,
        COMPANY_ATTRIBUTE_PREFIX,
        KNOWN_COLUMNS,
        plan_columns,
    )
    from clientreg.schemas.mapped_headers import How, suggestions
    from clientreg.schemas.synonyms import header_key

    catalogue = Catalogue.load(store)
    company_keys = {a.key for t in catalogue.types.values() for a in t.attributes}
    client_keys = {a.key for c in catalogue.categories.values() for a in c.attributes}
    columns = [*KNOWN_COLUMNS, *(COMPANY_ATTRIBUTE_PREFIX + k for k in sorted(company_keys)),
               *(CLIENT_ATTRIBUTE_PREFIX + k for k in sorted(client_keys))]
    found: list[tuple[str, str, list[str]]] = []
    seen: set[str] = set()
    for path in paths:
        if readers.detect_format(path, options.input_format) not in readers.TABLE_FORMATS:
            continue
        with readers.open_table(path, input_format=options.input_format,
                                delimiter=options.delimiter, encoding=options.encoding,
                                sheet=options.sheet, header_row=options.header_row) as reader:
            plan = plan_columns(reader.raw_headers, reader.headers, file=reader.file,
                                company_attribute_keys=company_keys,
                                client_attribute_keys=client_keys,
                                mapping=options.mapping).plan
            for entry in plan.mapped:
                if entry.how is How.UNKNOWN and header_key(entry.header) not in seen:
                    seen.add(header_key(entry.header))
                    found.append((reader.file, entry.header, suggestions(entry.header, columns)))
    return found, columns


def _ask_column(file: str, header: str, likely: list[str], columns: list[str]) -> str:
    import questionary

    choices: list[Any] = [questionary.Choice(column, value=column) for column in likely]
    choices += [questionary.Choice(_("Ignore this column"), value=_IGNORE),
                questionary.Choice(_("Stop the import"), value=_STOP),
                questionary.Separator()]
    choices += [questionary.Choice(column, value=column) for column in columns
                if column not in likely]
    question = questionary.select(
        _("Column '{header}' of {file}: which column is it?").format(header=header, file=file),
        choices=choices, use_search_filter=True, use_jk_keys=False,
        instruction=_("(arrows to move, type to filter, Enter to choose)"))
    return str(_asked("import-column", question))


def _ask_save(default: str) -> Path | None:
    import questionary

    from clientreg.commands.yes_no import confirm

    save = _asked("import-save-mapping", confirm(
        _("Save this mapping to a file, to import such files again without questions?"),
        default=True))
    if not save:
        return None
    path = _asked("import-mapping-file", questionary.text(
        _("Mapping file"), default=default,
        validate=lambda text: True if text.strip() else _("Give a file name.")))
    return Path(str(path).strip())


def _asked(key: str, question: Any) -> Any:
    """Ask; unsafe_ask lets Ctrl-C and Ctrl-D through (they cancel the import)."""
    from clientreg.commands.wizard_prompts import ASKING

    token = ASKING.set(key)
    try:
        return question.unsafe_ask()
    finally:
        ASKING.reset(token)


def mapping_in_effect(run: ImportRun) -> dict[str, Any]:
    """The mapping the files read were imported with, as a mapping file holds it: every
    header and its column, the headers ignored, the values mapped."""
    from clientreg.schemas.header_map import mapping_document
    from clientreg.schemas.loading import TableInput
    from clientreg.schemas.mapped_headers import How

    columns: dict[str, str] = {}
    ignore: list[str] = []
    for source in run.inputs:
        if not isinstance(source, TableInput):
            continue
        for entry in source.plan.mapped:
            if entry.column is not None:
                columns.setdefault(entry.header, entry.column)
            elif entry.how is How.IGNORED and entry.header not in ignore:
                ignore.append(entry.header)
    values = run.options.value_map.as_section() if run.options.value_map else None
    return mapping_document(columns, ignore, values=values)


def save_mapping(run: ImportRun, path: Path) -> None:
    """Write the mapping in effect to ``path`` (exit 3 when it cannot be written)."""
    from clientreg.commands.outputs import cannot_write, output_file
    from clientreg.schemas.header_map import mapping_yaml

    try:
        with output_file(path) as pending:
            pending.stream.write(mapping_yaml(mapping_in_effect(run)))
    except OSError as exc:
        raise cannot_write(path, exc) from None
    print_error(_("Mapping saved to {path}.").format(path=path))
