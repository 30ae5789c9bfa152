"""Hostile values in every text field: stored as the documented normalisation, or refused, located.

The normalisation (clientreg.rules.clean_text): NFC, trimmed, and in one-line fields every run of
whitespace made one space; memo text keeps tabs and line breaks (as LF). Other control
characters, lone surrogates and invisible format characters are refused (a zero-width joiner or
non-joiner after a character that is not ASCII, and a subdivision flag's tags, are kept), and so
is text over the field's length limit.
"""

import csv
import itertools
import json
import re
import shutil
import sqlite3
import unicodedata
from pathlib import Path

import openpyxl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from clientreg import rules
from clientreg.catalogue import add_entry
from clientreg.commands.app import app
from clientreg.errors import InvalidValue, Rejected
from clientreg.model import ClientDraft, ContactDraft
from clientreg.records import client_data, iter_clients
from clientreg.registration import register
from clientreg.schemas.writers import restore_cell
from clientreg.storage import open_database

REJECTED = object()

# Free-text fields: (CSV column, where the value is in `show --format json`, limit, multi-line).
FREE_TEXT = {
    "name": (("name",), rules.NAME_MAX, False),
    "trade_name": (("trade_name",), rules.NAME_MAX, False),
    "street": (("street",), rules.NAME_MAX, False),
    "city": (("city",), rules.SHORT_TEXT_MAX, False),
    "region": (("region",), rules.SHORT_TEXT_MAX, False),
    "contact_name": (("contacts", 0, "name"), rules.NAME_MAX, False),
    "contact_position": (("contacts", 0, "position"), rules.SHORT_TEXT_MAX, False),
    "contact_department": (("contacts", 0, "department"), rules.SHORT_TEXT_MAX, False),
    "company_attr.nickname": (("company_attributes", "nickname"), rules.NAME_MAX, False),
    "client_attr.notes": (("client_attributes", "notes"), rules.MEMO_MAX, True),
}
# Fields a rule parses: a value is refused, or stored in a form the same rule keeps as it is.
PARSED = {
    "identifier": ("identifier",), "email": ("email",), "phone": ("phone",),
    "website": ("website",), "tax_id": ("tax_id",), "country": ("country",),
    "contact_email": ("contacts", 0, "email"), "contact_phone": ("contacts", 0, "phone"),
    "contact_language": ("contacts", 0, "language"),
    "postal_code": ("postal_code",),  # in the country's format (the rows are Spanish)
}
REQUIRED = {"name", "contact_name", "identifier", "contact_email"}
# The location the core gives each field (ClientregError.field).
CORE_FIELD = {"contact_name": "contacts[0].name", "contact_position": "contacts[0].position",
              "contact_department": "contacts[0].department",
              "contact_email": "contacts[0].email", "contact_phone": "contacts[0].phone",
              "contact_language": "contacts[0].language"}

SPECIALS = [
    "\x00", "\x01", "\x07", "\x1b", "\x7f", "\x85", "\x9f", "\t", "\n", "\r", "\r\n", "\x0b",
    "\x0c", "\x1c", "\x1f", "\xa0", "\u2003", "\u2028", "\u2029", "\u200b", "\u200d", "\u200e",
    "\u200f", "\u202a", "\u202e", "\u2066", "\u2069", "\ufeff", "\u0301", "\u0308", "\u0327",
    "e\u0301", "\u212b", "\u1100\u1161", "\ufb01", "\U0001f1ea\U0001f1f8",
    "\U0001f469\u200d\U0001f469\u200d\U0001f467", "\U0001f600", "\U0010fffd", "\ufffd", "'",
    '"', ",", ";", "|", "\\", "=", "+", "-", "@", "'); DROP TABLE clients;--", "%s", "{0}",
    "<b>", "[red]", "*", "~", "null", "&amp;", "#", ": ", "- ", "? ", "!", "`", " ", "  ",
]  # fmt: skip
SURROGATES = ["\ud800", "\udfff", "\udc80"]


def hostile_text(*, surrogates: bool) -> st.SearchStrategy[str]:
    pieces = SPECIALS + (SURROGATES if surrogates else [])
    characters = st.characters(exclude_categories=() if surrogates else ("Cs",))
    return st.one_of(
        st.lists(st.one_of(st.sampled_from(pieces), characters), max_size=12).map("".join),
        st.text(characters, max_size=20),
        # Around the length limits (20, 100, 255 characters), after trimming and joining.
        st.builds(lambda word, n, tail: (word * n)[:n] + tail, st.sampled_from(["a", "é", " b"]),
                  st.sampled_from([20, 21, 100, 101, 255, 256]), st.sampled_from(["", " ", "\t"])),
    )


CONCATENATION_MARKS = set("\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2"
                          "\U000110bd\U000110cd")
TAG_FLAG = re.compile("\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f")


def refused_format_character(text: str) -> bool:
    """Whether the text holds a format character (Cf) that the rules refuse."""
    text = TAG_FLAG.sub("\U0001f3f4", text)
    for at, char in enumerate(text):
        if unicodedata.category(char) != "Cf" or char in CONCATENATION_MARKS:
            continue
        if (char in "\u200c\u200d" and 0 < at < len(text) - 1
                and not text[at - 1].isascii()):
            continue
        return True
    return False


def expected(raw: str, *, limit: int, multiline: bool, required: bool) -> object:
    """What the documented normalisation makes of a value: the text, None, or REJECTED."""
    text = unicodedata.normalize("NFC", raw)
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.strip()
    if not text:
        return REJECTED if required else None
    if not multiline:
        text = re.sub(r"\s+", " ", text)
    allowed = "\n\t" if multiline else ""
    if any(unicodedata.category(c) in ("Cc", "Cs") and c not in allowed for c in text):
        return REJECTED
    if refused_format_character(text):
        return REJECTED
    return REJECTED if len(text) > limit else text


def pick(document: dict, path: tuple) -> object:
    found: object = document
    for step in path:
        try:
            found = found[step]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            return None
    return found


CATALOGUE = [
    ("company_type", {"code": "PERSON", "name": "Individual",
                      "attributes": [{"key": "nickname", "label": "Nickname", "type": "text"}]}),
    ("category", {"code": "WHOLESALE", "name": "Wholesale",
                  "attributes": [{"key": "notes", "label": "Notes", "type": "memo"}]}),
]


def with_catalogue(path: Path) -> Path:
    store = open_database(path)
    for kind, entry in CATALOGUE:
        add_entry(store, kind, entry, source="seed")
    store.close()
    return path


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Path:
    return with_catalogue(tmp_path_factory.mktemp("seeded") / "base.db")


counter = itertools.count()


def base_row(n: int) -> dict[str, str]:
    return {"identifier": f"H-{n}", "name": f"Client {n}", "company_type": "PERSON",
            "category": "WHOLESALE", "country": "ES", "contact_name": f"Contact {n}",
            "contact_email": f"contact{n}@hostile.example"}


def draft_of_row(row: dict[str, str]) -> ClientDraft:
    contact = ContactDraft(**{k.removeprefix("contact_"): v for k, v in row.items()
                              if k.startswith("contact_")})
    plain = {k: v for k, v in row.items() if not k.startswith(("contact_", "company_attr.",
                                                              "client_attr."))}
    return ClientDraft(
        **plain, contacts=[contact],
        company_attributes={k.split(".", 1)[1]: v for k, v in row.items()
                            if k.startswith("company_attr.")},
        client_attributes={k.split(".", 1)[1]: v for k, v in row.items()
                           if k.startswith("client_attr.")})


FIELDS = st.sampled_from([*FREE_TEXT, *PARSED])


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=FIELDS, value=hostile_text(surrogates=True))
def test_the_core_stores_the_normalised_value_or_refuses_it_located(seeded, tmp_path, field,
                                                                    value):
    db = tmp_path / "core.db"
    if not db.exists():
        shutil.copy(seeded, db)
    store = open_database(db)
    try:
        row = base_row(next(counter))
        row[field] = value
        try:
            register(store, draft_of_row(row), source="test")
        except Rejected as exc:
            assert [p.field for p in exc.problems] == [CORE_FIELD.get(field, field)], exc.problems
            outcome = REJECTED
        else:
            outcome = pick(client_data(store, row["identifier"] if field != "identifier"
                                       else value.strip()), _path(field))
        _check_outcome(field, value, outcome)
    finally:
        store.close()


def _path(field: str) -> tuple:
    return FREE_TEXT[field][0] if field in FREE_TEXT else PARSED[field]


def _check_outcome(field: str, value: str, outcome: object) -> None:
    if field in FREE_TEXT:
        _, limit, multiline = FREE_TEXT[field]
        assert outcome == expected(value, limit=limit, multiline=multiline,
                                   required=field in REQUIRED)
    elif outcome is not REJECTED and outcome is not None:
        assert isinstance(outcome, str)
        assert outcome == unicodedata.normalize("NFC", outcome) == outcome.strip()
        assert all(unicodedata.category(c) not in ("Cc", "Cs") for c in outcome)
        assert not refused_format_character(outcome)


runner = CliRunner()


def run(db: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", str(db), *args], env={"COLUMNS": "200"})
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.output


def write_csv(path: Path, row: dict[str, str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(row)
        writer.writerow(row.values())
    return path


def nested_document(row: dict[str, str]) -> dict:
    draft = draft_of_row(row)
    document = {k: v for k, v in vars(draft).items()
                if v not in (None, {}, [])
                and k not in ("contacts", "origin", "kept", "locale")}  # not document keys
    document["contacts"] = [{k: v for k, v in vars(c).items() if v not in (None, False)}
                            for c in draft.contacts]
    return document


def shown(db: Path, identifier: str) -> dict:
    code, stdout, output = run(db, "show", identifier, "--format", "json")
    assert code == 0, output
    document = json.loads(stdout)
    for key in ("history", "created_at", "updated_at"):
        document.pop(key)
    return document


def check_import(db: Path, path: Path, field: str, value: str, *, column: str) -> dict | None:
    """Import the file; check the outcome against the field's rule; the client, if stored."""
    code, stdout, output = run(db, "import", str(path), "--format", "json")
    if code == 3:
        # A NUL byte makes a text file binary: the whole file is refused, its line named.
        assert "\x00" in value and path.suffix == ".csv", output
        assert "NUL" in output and path.name in output
        return None
    report = json.loads(stdout)
    if code == 1:
        assert [p["column"] for p in report["problems"]] == [column], report["problems"]
        _check_outcome(field, value, REJECTED)
        return None
    assert code == 0, output
    identifier = value.strip() if field == "identifier" else report_identifier(path)
    document = shown(db, identifier)
    _check_outcome(field, value, pick(document, _path(field)))
    return document


def report_identifier(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return re.search(r"H-\d+", text).group(0)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=FIELDS, value=hostile_text(surrogates=False))
def test_a_csv_import_stores_each_value_as_the_core_does_and_exports_back(seeded, tmp_path,
                                                                          field, value):
    n = next(counter)
    work = tmp_path / f"csv{n}"
    work.mkdir()
    db = shutil.copy(seeded, work / "clients.db")
    row = base_row(n)
    row[field] = value
    # A CSV cell that starts with an apostrophe before a formula character loses that one
    # apostrophe on import: it is how export protects formulas (schemas.writers.restore_cell).
    value = restore_cell(value)
    document = check_import(db, write_csv(work / f"in{n}.csv", row), field, value, column=field)
    if document is None:
        return
    for fmt in ("csv", "xlsx"):
        exported = work / f"out.{fmt}"
        code, _, output = run(db, "export", "--format", fmt, "-o", str(exported))
        assert code == 0, output
        again = shutil.copy(seeded, work / f"again-{fmt}.db")
        code, _, output = run(again, "import", str(exported))
        assert code == 0, output
        assert shown(again, document["identifier"]) == document


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=FIELDS, value=hostile_text(surrogates=False))
def test_a_yaml_import_stores_each_value_and_a_yaml_export_gives_it_back(seeded, tmp_path,
                                                                       field, value):
    n = next(counter)
    work = tmp_path / f"yaml{n}"
    work.mkdir()
    db = shutil.copy(seeded, work / "clients.db")
    row = base_row(n)
    row[field] = value
    path = work / f"in{n}.yaml"
    # Every scalar double-quoted: the file says exactly which text each value is.
    path.write_text(yaml.safe_dump([nested_document(row)], default_style='"',
                                   allow_unicode=True), encoding="utf-8")
    document = check_import(db, path, field, value, column=CORE_FIELD.get(field, field))
    if document is None:
        return
    exported = work / "out.yaml"
    code, _, output = run(db, "export", "--format", "yaml", "-o", str(exported))
    assert code == 0, output
    empty = work / "empty.db"
    code, _, output = run(empty, "import", str(exported))
    assert code == 0, output
    assert shown(empty, document["identifier"]) == document


@pytest.mark.parametrize("surrogate", SURROGATES)
def test_a_lone_surrogate_in_json_is_refused_located(seeded, tmp_path, surrogate):
    db = shutil.copy(seeded, tmp_path / "clients.db")
    row = base_row(next(counter))
    row["city"] = f"Se{surrogate}villa"
    path = tmp_path / "surrogate.json"
    path.write_text(json.dumps([nested_document(row)], ensure_ascii=True), encoding="utf-8")
    code, stdout, output = run(db, "import", str(path), "--format", "json")
    assert code == 1, output
    problems = json.loads(stdout)["problems"]
    assert [(p["column"], p["code"]) for p in problems] == [("city", "invalid-character")]


def test_a_lone_surrogate_escape_in_yaml_is_an_unreadable_file(seeded, tmp_path):
    db = shutil.copy(seeded, tmp_path / "clients.db")
    path = tmp_path / "surrogate.yaml"
    path.write_text('- {identifier: S-1, name: X, company_type: PERSON, category: WHOLESALE, '
                    'city: "Se\\uD800villa"}\n', encoding="utf-8")
    code, _, output = run(db, "import", str(path))
    assert code == 3, output
    assert "surrogate.yaml" in output and "line 1" in output


SQL = ["'); DROP TABLE clients;--", "Robert'); DELETE FROM companies; --", "1 OR 1=1",
       '" OR ""="', "x'; ATTACH DATABASE '/tmp/x.db' AS x;--", "%' AND 1=1 --"]


def test_sql_looking_values_are_stored_as_text(seeded, tmp_path):
    db = shutil.copy(seeded, tmp_path / "clients.db")
    store = open_database(db)
    try:
        for n, text in enumerate(SQL):
            register(store, draft_of_row({**base_row(n), "name": text, "city": text,
                                          "contact_position": text}), source="test")
        for n, text in enumerate(SQL):
            document = client_data(store, f"H-{n}")
            assert (document["name"], document["city"]) == (text, text)
            assert document["contacts"][0]["position"] == text
        tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master")}
        assert {"clients", "companies", "external_users", "history"} <= tables
        assert store.conn.execute("SELECT count(*) FROM clients").fetchone()[0] == len(SQL)
        assert not Path("/tmp/x.db").exists()
    finally:
        store.close()
    code, stdout, _ = run(db, "list", "--search", "DROP TABLE", "--format", "json")
    assert code == 0
    assert [c["name"] for c in json.loads(stdout)] == [SQL[0]]


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=hostile_text(surrogates=False))
def test_any_search_text_is_words_never_query_syntax(seeded, tmp_path, words):
    db = tmp_path / "search.db"
    if not db.exists():
        shutil.copy(seeded, db)
        store = open_database(db)
        register(store, draft_of_row({**base_row(0), "name": 'Alfa "NEAR" OR* (beta)'}),
                 source="test")
        store.close()
    store = open_database(db)
    try:
        found = list(iter_clients(store, search=words))
    finally:
        store.close()
    assert len(found) <= 1


FORMULAS = ["=1+1", "=HYPERLINK(\"http://x.example\",\"click\")", "+SUM(A1:A9)", "-2+3",
            "@cmd", "'=already protected", "=cmd|' /C calc'!A0"]


def test_formula_looking_values_are_neutralised_in_csv_and_xlsx_exports(seeded, tmp_path):
    db = shutil.copy(seeded, tmp_path / "clients.db")
    store = open_database(db)
    try:
        for n, text in enumerate(FORMULAS):
            register(store, draft_of_row({**base_row(n), "name": text, "city": text}),
                     source="test")
    finally:
        store.close()
    code, _, output = run(db, "export", "--format", "csv", "-o", str(tmp_path / "out.csv"))
    assert code == 0, output
    with (tmp_path / "out.csv").open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(FORMULAS)
    for row in rows:
        for column in ("name", "city"):
            assert row[column].startswith("'"), row[column]
    code, _, output = run(db, "export", "--format", "xlsx", "-o", str(tmp_path / "out.xlsx"))
    assert code == 0, output
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx").worksheets[0]
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    names = []
    for cells in sheet.iter_rows(min_row=2):
        cell = cells[header.index("name")]
        assert cell.data_type == "s", (cell.value, cell.data_type)
        names.append(cell.value)
    assert sorted(names) == sorted(FORMULAS)
    for exported, fmt in ((tmp_path / "out.csv", "csv"), (tmp_path / "out.xlsx", "xlsx")):
        again = shutil.copy(seeded, tmp_path / f"again-{fmt}.db")
        code, _, output = run(again, "import", str(exported))
        assert code == 0, output
        with sqlite3.connect(again) as conn:
            assert sorted(n for (n,) in conn.execute("SELECT name FROM companies")) == sorted(
                FORMULAS)
        conn.close()


@pytest.mark.parametrize("text", ["1.0e5", "2.5E3"])
def test_a_yaml_export_gives_back_text_that_looks_like_a_number(seeded, tmp_path, text):
    db = shutil.copy(seeded, tmp_path / "clients.db")
    store = open_database(db)
    try:
        register(store, draft_of_row({**base_row(0), "name": text}), source="test")
    finally:
        store.close()
    code, _, output = run(db, "export", "--format", "yaml", "-o", str(tmp_path / "out.yaml"))
    assert code == 0, output
    empty = tmp_path / "empty.db"
    code, _, output = run(empty, "import", str(tmp_path / "out.yaml"))
    assert code == 0, output
    assert shown(empty, "H-0")["name"] == text


@pytest.mark.parametrize("way", ["show --format yaml", "new --save-as"])
def test_other_yaml_output_gives_back_text_that_looks_like_a_number(seeded, tmp_path, way):
    db = shutil.copy(seeded, tmp_path / "clients.db")
    saved = tmp_path / "saved.yaml"
    code, _, output = run(db, "new", "--no-input", "--type", "PERSON", "--category",
                          "WHOLESALE", "--identifier", "Y-1", "--name", "1.0e5",
                          "--save-as", str(saved))
    assert code == 0, output
    if way.startswith("show"):
        code, stdout, output = run(db, "show", "Y-1", "--format", "yaml")
        assert code == 0, output
        # The client's own keys come first, then active, timestamps and history: keep those
        # first keys, as one entry of a list of clients.
        head = stdout.split("\nactive:")[0]
        saved.write_text("- " + head.replace("\n", "\n  ") + "\n", encoding="utf-8")
    empty = shutil.copy(seeded, tmp_path / "again.db")
    code, _, output = run(empty, "import", str(saved))
    assert code == 0, output
    assert shown(empty, "Y-1")["name"] == "1.0e5"


def test_the_normalisation_is_what_the_documentation_says():
    assert rules.clean_text("  e\u0301  ", field="name") == "\u00e9"
    assert rules.clean_text("a \t\n b\u2003\u00a0c", field="name") == "a b c"
    assert rules.clean_text(" a\r\n\tb \r", field="notes", multiline=True,
                            max_length=rules.MEMO_MAX) == "a\n\tb"
    family = "\U0001f469\u200d\U0001f469\u200d\U0001f467"
    assert rules.clean_text(family, field="name") == family
    for invisible in ("a\u200eb", "a\u200fb", "a\u202eb", "a\u200bb", "a\ufeffb", "a\u200db"):
        with pytest.raises(InvalidValue, match="an invisible formatting character"):
            rules.clean_text(invisible, field="name")
