"""Leading zeros a spreadsheet dropped from number cells, put back where that is certain.

A postal code typed 08001 into a cell formatted as a number is kept by the sheet as 8001; a tax
id such as Italy's 00743110157 as 743110157. For a cell the workbook holds as a number
(``SourceRow.numbers``) in the postal code or tax id column, whose value is digits that the
row's country does not accept, the zeros are put back when the padded value is what the country
does accept: the postal code's format (clientreg.postal_codes), or the one length of padding
that makes a valid tax id (python-stdnum, through rules.tax_id). Each cell changed is a notice
of the report. A text cell is never changed: a text 8001 is refused by the core's check, with a
hint. A padded value goes through the core's checks like any other.

Identifiers are left as they are: a type's id mask (``{seq:05}``) accepts any number of digits
for its sequence, so a number cell's 42 already fits the mask as typed and no padding follows
from the mask alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from clientreg import postal_codes, rules
from clientreg.errors import InvalidValue, RowError
from clientreg.schemas.readers_table import SourceRow

RESTORED_COLUMNS = ("postal_code", "tax_id")
MOST_ZEROS = 3
"""The most leading zeros put back into one cell."""


@dataclass(frozen=True)
class NumberCells:
    """Where a file's postal code, tax id and country cells are, to restore zeros row by row."""

    file: str
    country_at: int | None
    columns: tuple[tuple[str, int, str], ...]
    """(column, position in the row's cells, the row's key for it) for each restorable column."""

    @classmethod
    def of(cls, file: str, headers: Sequence[str], position: dict[str, int | None],
           ) -> NumberCells | None:
        """For a file with these canonical headers and column positions; None when it has no
        restorable column, or no country column to read the format from."""
        columns = tuple((column, at, headers[at]) for column in RESTORED_COLUMNS
                        if (at := position.get(column)) is not None)
        country_at = position.get("country")
        if not columns or country_at is None:
            return None
        return cls(file, country_at, columns)

    def restored(self, row: SourceRow, cells: list[str]) -> tuple[list[str], list[RowError]]:
        """The cells to stage for the row (``cells``, changed in place), and a notice for each
        one whose zeros came back."""
        if not row.numbers or not any(key in row.numbers for _, _, key in self.columns):
            return cells, []
        country = _country(cells[self.country_at]) if self.country_at is not None else None
        if country is None:
            return cells, []
        notices: list[RowError] = []
        for column, at, key in self.columns:
            value = cells[at].strip()
            if key not in row.numbers or not value.isascii() or not value.isdigit():
                continue
            padded = (_padded_postal_code(value, country) if column == "postal_code"
                      else _padded_tax_id(value, country))
            if padded is None:
                continue
            cells[at] = padded
            named = {"stored": padded, "country": country,
                     "country_name": postal_codes.country_name(country)}
            notices.append(
                RowError.of(self.file, row.row, column, value,
                            "restored-leading-zero/postal-code", **named)
                if column == "postal_code" else
                RowError.of(self.file, row.row, column, value, "restored-leading-zero/tax-id",
                            **named))
        return cells, notices


def _country(text: str) -> str | None:
    """The country a row's country cell names; None for none (or one the core refuses)."""
    try:
        return rules.country(text)
    except InvalidValue:
        return None


def _padded_postal_code(value: str, country: str) -> str | None:
    if postal_codes.matches(value, country):
        return None
    return postal_codes.zero_padded(value, country)


def _padded_tax_id(value: str, country: str) -> str | None:
    """The digits with zeros in front that make the country's tax id, where one number of
    zeros does and the digits alone do not."""
    if _valid_tax_id(value, country):
        return None
    found = [padded for width in range(len(value) + 1, len(value) + MOST_ZEROS + 1)
             if _valid_tax_id(padded := value.zfill(width), country)]
    return found[0] if len(found) == 1 else None


def _valid_tax_id(value: str, country: str) -> bool:
    try:
        rules.tax_id(value, country=country)
    except InvalidValue:
        return False
    return True
