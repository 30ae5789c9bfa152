"""Writing clients in the import's own formats: CSV/TSV rows, XLSX, and YAML/JSON seed documents.

Formula neutralisation. A spreadsheet program runs a cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return as a formula ("CSV injection"; OWASP's advice is to put an
apostrophe in front). Export does that, with one exception and one difference per format:

- A cell that is a plain number (``+34954123456``, ``-5``, ``1250.50``) is left alone. A
  spreadsheet reads it as a number, never as a formula, so nothing can run; an apostrophe would
  only corrupt E.164 phone numbers and negative attribute values for every other reader of the
  file. (Excel still shows such a phone as the number 34954123456 when it opens a CSV, as it
  drops leading zeros; the XLSX export stores every cell as text, so use it for Excel.)
- CSV/TSV: the cell is written with a leading apostrophe. ``restore_cell`` removes it again and
  the import calls it on every CSV/TSV cell, so what export writes reads back unchanged. The pair
  is exact: a value that already starts with apostrophes before a formula character gets one
  more, so ``restore_cell(neutralise_cell(text)) == text`` for every text.
- XLSX: every cell is a string cell (never a formula), and a cell that would be neutralised also
  gets the ``quotePrefix`` style: the form Excel itself stores for text typed after an
  apostrophe. The cell shows its text, editing it keeps it text, and the value in the file is
  the data itself, so XLSX cells need no restoring.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import re
from collections.abc import Iterable, Iterator
from decimal import ROUND_CEILING, Decimal
from typing import Any, BinaryIO, NamedTuple, TextIO

from clientreg.attributes import AttributeDef, DeclaredNumber
from clientreg.catalogue import Catalogue, describe_entry
from clientreg.model import COMPANY_FIELDS, Category, CompanyType

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet program takes as the start of a formula."""

_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")

CLIENT_COLUMNS = ("identifier", "name", "company_type", "category", *COMPANY_FIELDS)
CONTACT_COLUMNS = (
    "contact_name", "contact_email", "contact_phone", "contact_position",
    "contact_department", "contact_language", "contact_default",
)  # fmt: skip
COMPANY_ATTR = "company_attr."
CLIENT_ATTR = "client_attr."


def needs_neutralising(text: str) -> bool:
    """Whether a spreadsheet would run this text as a formula (after any leading apostrophes)."""
    rest = text.lstrip("'")
    return rest.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(rest)


def neutralise_cell(text: str) -> str:
    """The text as written in a CSV/TSV cell: an apostrophe in front of a would-be formula."""
    return "'" + text if needs_neutralising(text) else text


def restore_cell(text: str) -> str:
    """Undo ``neutralise_cell``: drop the one apostrophe export put in front of a formula start.

    The import applies this to every CSV/TSV cell, so ``'=SUM(A1)`` reads as ``=SUM(A1)`` and
    ``'+34 954 123 456`` (a phone a user protected from Excel) as ``+34 954 123 456``.
    """
    if text.startswith("'") and needs_neutralising(text[1:]):
        return text[1:]
    return text


def table_columns(catalogue: Catalogue, *, company_types: Iterable[CompanyType] | None = None,
                  categories: Iterable[Category] | None = None) -> list[str]:
    """The columns of a CSV/TSV/XLSX file: client fields, attributes, then contact fields.

    Attribute columns are those of the given types and categories, by default of every one in
    the catalogue; a key declared by two types is one column.
    """
    types = catalogue.types.values() if company_types is None else company_types
    cats = catalogue.categories.values() if categories is None else categories
    company_keys = dict.fromkeys(d.key for entry in types for d in entry.attributes)
    client_keys = dict.fromkeys(d.key for entry in cats for d in entry.attributes)
    return [*CLIENT_COLUMNS, *(COMPANY_ATTR + key for key in company_keys),
            *(CLIENT_ATTR + key for key in client_keys), *CONTACT_COLUMNS]


def attribute_text(value: Any, definition: AttributeDef | None) -> str:
    """An attribute value of a client document as cell text (numbers as the import reads them)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        number = Decimal(repr(value))
        if definition is not None and definition.decimals is not None:
            return f"{number:.{definition.decimals}f}"
        return format(number, "f")
    return str(value)


def _definitions(entry: CompanyType | Category | None) -> dict[str, AttributeDef]:
    return {d.key: d for d in entry.attributes} if entry is not None else {}


def client_rows(document: dict[str, Any], columns: list[str],
                catalogue: Catalogue) -> Iterator[list[str]]:
    """The rows of one client: one per contact, the client's fields repeated on each."""
    cells: dict[str, str] = {}
    for name in CLIENT_COLUMNS:
        value = document.get(name)
        cells[name] = "" if value is None else str(value)
    for prefix, key, entry in (
        (COMPANY_ATTR, "company_attributes",
         catalogue.types.get(document.get("company_type") or "")),
        (CLIENT_ATTR, "client_attributes",
         catalogue.categories.get(document.get("category") or "")),
    ):
        known = _definitions(entry)
        for name, value in (document.get(key) or {}).items():
            cells[prefix + name] = attribute_text(value, known.get(name))
    for contact in document.get("contacts") or [None]:
        row = dict(cells)
        if contact is not None:
            for column in CONTACT_COLUMNS:
                value = contact.get(column.removeprefix("contact_"))
                row[column] = "" if value is None else str(value)
            row["contact_default"] = "true" if contact.get("default") else ""
        yield [row.get(column, "") for column in columns]


def write_csv(stream: TextIO, columns: list[str], rows: Iterable[list[str]], *,
              delimiter: str = ",") -> None:
    """CSV (or TSV) with CRLF line ends as spreadsheet programs write it, cells neutralised."""
    import csv

    writer = csv.writer(stream, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([neutralise_cell(cell) for cell in row])


def write_xlsx(target: BinaryIO, columns: list[str], rows: Iterable[list[str]], *,
               sheet: str = "clients", scratch: str | None = None) -> None:
    """A one-sheet workbook, streamed (openpyxl write-only); every cell is text, never a formula.

    openpyxl streams the sheet through a named file of its own in the system's temporary folder,
    which a killed process leaves there, client rows and all. The sheet goes instead to a file
    without a name (``tempfile.TemporaryFile``, in the folder ``scratch``), which leaves nothing.
    """
    import shutil
    import tempfile
    import zipfile

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.worksheet._writer import WorksheetWriter
    from openpyxl.writer.excel import ExcelWriter

    class SheetWriter(WorksheetWriter):  # type: ignore[misc]
        def cleanup(self) -> None:  # the scratch file goes away when closed
            return None

    class Archive:
        """The workbook's ZIP file, taking the sheet from the scratch file."""

        def __init__(self, archive: zipfile.ZipFile) -> None:
            self.archive = archive

        def write(self, source: Any, name: str) -> None:
            source.seek(0)
            with self.archive.open(name, "w", force_zip64=True) as entry:
                shutil.copyfileobj(source, entry)

        def __getattr__(self, name: str) -> Any:
            return getattr(self.archive, name)

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    worksheet.freeze_panes = "A2"

    def cell(text: str) -> Any:
        if not text:
            return None
        if not needs_neutralising(text):
            return text
        protected = WriteOnlyCell(worksheet, value=text)
        protected.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
        protected.quotePrefix = True
        return protected

    with tempfile.TemporaryFile(dir=scratch) as sheet_file:
        writer = SheetWriter(worksheet, out=sheet_file)
        worksheet._writer = writer
        writer.write_top()
        try:
            worksheet.append([cell(name) for name in columns])
            for row in rows:
                worksheet.append([cell(text) for text in row])
            with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
                ExcelWriter(workbook, Archive(archive)).save()
        except BaseException:
            # Close openpyxl's generators now, while the scratch file is open: left to the
            # garbage collector they write to a closed file and Python prints their traceback.
            for generator in (worksheet._rows, writer.xf):
                with contextlib.suppress(Exception):
                    if generator is not None:
                        generator.close()
            raise


def catalogue_documents(catalogue: Catalogue, kind: str) -> list[dict[str, Any]]:
    """The company types or categories in the seed document's shape, parents before children."""
    entries: list[CompanyType | Category] = list(catalogue.entries(kind).values())
    placed: set[str] = set()
    ordered: list[dict[str, Any]] = []
    while entries:
        ready = [e for e in entries if not e.parent or e.parent in placed
                 or e.parent not in catalogue.entries(kind)]
        if not ready:  # a cycle cannot be stored, but never loop forever on one
            ready = entries
        for entry in ready:
            ordered.append(describe_entry(entry))
            placed.add(entry.code)
        entries = [e for e in entries if e.code not in placed]
    return ordered


class Section(NamedTuple):
    """One list of a seed document: its key and its items."""

    key: str
    items: Iterable[dict[str, Any]]


_OPTIONAL_SECTIONS = ("companies",)
"""Sections left out when they hold nothing, so a register without them exports as before."""


def _sections(catalogue: Catalogue, clients: Iterable[dict[str, Any]],
              companies: Iterable[dict[str, Any]]) -> list[Section]:
    """The seed document's sections in the order import applies them: companies before the
    clients that may be registered from them."""
    return [Section("company_types", catalogue_documents(catalogue, "company_type")),
            Section("categories", catalogue_documents(catalogue, "category")),
            Section("companies", companies),
            Section("clients", clients)]


@functools.cache
def _yaml_dumper() -> type:
    """The safe dumper, also quoting text that the import's YAML loader reads as a non-text.

    safe_dump quotes what YAML 1.1 would read as a number or a date; the import's loader also
    reads ``1.0e5`` (no sign in the exponent) as a number, so such a name must be quoted too.
    """
    import yaml

    from clientreg.schemas.readers_document import DocumentLoader

    base = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    dumper: Any = type("ExportDumper", (base,), {})
    # A number attribute's declared decimals (1234.50) are its YAML text too.
    dumper.add_representer(DeclaredNumber, lambda dumper, number: dumper.represent_scalar(
        "tag:yaml.org,2002:float", number.text))
    for first, resolvers in DocumentLoader.yaml_implicit_resolvers.items():
        for tag, pattern in resolvers:
            dumper.add_implicit_resolver(tag, pattern, [first])
    return dumper


def yaml_text(data: Any) -> str:
    """YAML that the import's loader reads back as the same values (text stays text)."""
    import yaml

    return yaml.dump(data, Dumper=_yaml_dumper(), allow_unicode=True, sort_keys=False, width=100)


def json_text(data: Any, level: int = 0) -> str:
    """``json.dumps(data, ensure_ascii=False, indent=2)``, but a ``DeclaredNumber`` written with
    its declared decimals (1234.50); a JSON reader reads it as the same number."""
    if isinstance(data, DeclaredNumber):
        return data.text
    if isinstance(data, dict | list | tuple) and data:
        inner = "\n" + "  " * (level + 1)
        if isinstance(data, dict):
            items = [json.dumps(key if isinstance(key, str) else json.dumps(key),
                                ensure_ascii=False) + ": " + json_text(value, level + 1)
                     for key, value in data.items()]
            opening, close = "{", "}"
        else:
            items = [json_text(value, level + 1) for value in data]
            opening, close = "[", "]"
        return opening + inner + ("," + inner).join(items) + "\n" + "  " * level + close
    return json.dumps(data, ensure_ascii=False, default=str)


def write_yaml_document(stream: TextIO, catalogue: Catalogue,
                        clients: Iterable[dict[str, Any]],
                        companies: Iterable[dict[str, Any]] = ()) -> None:
    """A seed document {company_types, categories, companies, clients}, one list item at a
    time; ``companies`` (those that are not clients) only when there are any."""
    for key, items in _sections(catalogue, clients, companies):
        empty = True
        for item in items:
            if empty:
                stream.write(f"{key}:\n")
                empty = False
            stream.write(yaml_text([item]))
        if empty and key not in _OPTIONAL_SECTIONS:
            stream.write(f"{key}: []\n")


def write_json_document(stream: TextIO, catalogue: Catalogue,
                        clients: Iterable[dict[str, Any]],
                        companies: Iterable[dict[str, Any]] = ()) -> None:
    """The seed document as JSON, streamed; the same text json.dumps(..., indent=2) gives.

    ``companies`` (those that are not clients) is a section only when there are any.
    """
    stream.write("{")
    number = 0
    for key, items in _sections(catalogue, clients, companies):
        listed = iter(items)
        first = next(listed, None)
        if first is None and key in _OPTIONAL_SECTIONS:
            continue
        stream.write(("," if number else "") + f"\n  {json.dumps(key)}: [")
        number += 1
        if first is None:
            stream.write("]")
            continue
        for index, item in enumerate(itertools.chain([first], listed)):
            text = json_text(item)
            stream.write((",\n    " if index else "\n    ") + text.replace("\n", "\n    "))
        stream.write("\n  ]")
    stream.write("\n}\n")


def write_list(stream: TextIO, clients: Iterable[dict[str, Any]], *, as_json: bool) -> None:
    """A plain list of clients in YAML or JSON (the import's other document shape)."""
    if as_json:
        stream.write(json_text(list(clients)) + "\n")
        return
    for item in clients:
        stream.write(yaml_text([item]))


EXAMPLE_DATE = "2025-01-15"
EXAMPLE_TIME = "09:00"


def example_attribute(definition: AttributeDef) -> Any:
    """A value that passes the declaration: the first allowed value, the minimum, a date, 09:00."""
    from clientreg.attributes import typed

    if definition.type == "list":
        return definition.values[0]
    if definition.type == "date":
        return EXAMPLE_DATE
    if definition.type == "time":
        return EXAMPLE_TIME
    if definition.type in ("number", "currency"):
        number = definition.min
        if number is None:
            ceiling = definition.max
            number = ceiling if ceiling is not None and ceiling < 0 else Decimal(0)
        if definition.decimals is not None:
            step = Decimal(1).scaleb(-definition.decimals)
            text = f"{number.quantize(step, rounding=ROUND_CEILING):.{definition.decimals}f}"
        else:
            text = format(number.normalize(), "f")
        return typed(definition, text)
    if definition.type == "memo":
        return f"Notes: {definition.label}"
    return f"Example {definition.label.lower()}"


def example_client(company_type: CompanyType | None, category: Category | None) -> dict[str, Any]:
    """One client in the seed shape that registers cleanly under this type and category."""
    example: dict[str, Any] = {}
    if company_type is None or not company_type.id_mask:
        example["identifier"] = "EXAMPLE-0001"  # a type with an id mask generates it instead
    example.update({
        "name": "Comercial Ejemplo S.L.",
        "company_type": company_type.code if company_type else "LEGAL",
        "category": category.code if category else "RETAIL",
        "trade_name": "Ejemplo", "tax_id": "ESB12345674", "email": "info@ejemplo.example",
        "phone": "954 123 456", "website": "https://ejemplo.example",
        "street": "Calle Mayor 1", "city": "Sevilla", "region": "ES-SE",
        "postal_code": "41001", "country": "ES",
    })
    for key, entry in (("company_attributes", company_type), ("client_attributes", category)):
        if entry is not None and entry.attributes:
            example[key] = {d.key: example_attribute(d) for d in entry.attributes}
    example["contacts"] = [{
        "name": "María López", "email": "maria.lopez@ejemplo.example", "phone": "600 123 456",
        "position": "Compras", "department": "Compras", "language": "es", "default": True,
    }]
    return example
