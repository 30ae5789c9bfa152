"""Export, import into an empty database, export again: the same bytes, for any clients."""

import tempfile
from pathlib import Path

import openpyxl
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from clientreg.catalogue import Catalogue, add_entry
from clientreg.commands.app import app
from clientreg.model import ClientDraft, ContactDraft
from clientreg.records import iter_client_documents
from clientreg.registration import register_many
from clientreg.schemas.writers import catalogue_documents
from clientreg.storage import Store, open_database

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

CATALOGUE = {
    "company_type": [
        {"code": "CORP", "name": "Corporation", "id_mask": "CO-{seq:04}", "allow_id_change": True,
         "attributes": [
             {"key": "employees", "label": "Employees", "type": "number", "min": 0,
              "decimals": 0},
             {"key": "founded", "label": "Founded", "type": "date"},
             {"key": "revenue", "label": "Revenue", "type": "currency", "min": 0},
             {"key": "notes", "label": "Notes", "type": "memo"},
             {"key": "sector", "label": "Sector", "type": "list",
              "values": ["food", "tech", "retail"]},
             {"key": "opens", "label": "Opens", "type": "time"}]},
        {"code": "PERSON", "name": "Individual"},
    ],
    "category": [
        {"code": "GOLD", "name": "Gold", "attributes": [
            {"key": "tier", "label": "Tier", "type": "list", "values": ["one", "two"],
             "required": True},
            {"key": "discount", "label": "Discount", "type": "number", "min": -10, "max": 50,
             "decimals": 1},
            {"key": "remarks", "label": "Remarks", "type": "text"}]},
        {"code": "PLAIN", "name": "Plain", "parent": "GOLD"},
    ],
}

LETTERS = "abcdefghijklmnopqrstuvwxyzáéíóúñçüãõâêôàÁÉÍÓÚÑÇ"
PHONES = ["+34 954 123 456", "+44 20 7946 0123", "+55 11 3456-7890", "+351 21 123 4567"]
TAX_IDS = ["ESB12345674", "ESB41144098", "ESB18749929", "ESB39653670", "ESB07760143"]
# Postal codes in each country's format (and any text without a country).
POSTAL_CODES = {None: r"[0-9]{5}", "ES": r"[0-9]{5}", "GB": r"SW1A [0-9]A[ABD]",
                "BR": r"[0-9]{5}-[0-9]{3}", "PT": r"[0-9]{4}-[0-9]{3}"}

words = st.lists(st.text(alphabet=LETTERS, min_size=1, max_size=8), min_size=1, max_size=4)
text = words.map(" ".join)
optional_text = st.none() | text
# Names may start like a formula (export neutralises them, import restores them) or look like
# numbers, dates or booleans to a YAML reader (export quotes them).
names = st.builds(str.__add__, st.sampled_from(["", "", "", "=", "+", "-", "@", "'", "'="]),
                  text) | st.sampled_from(["1.0e5", "-5", "+34954123456", "2024-01-05", "NO",
                                           "true", "12:30", "null", "0.50"])


def _maybe(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.none() | strategy


company_attributes = st.fixed_dictionaries({}, optional={
    "employees": st.integers(0, 10**6).map(str),
    "founded": st.dates().map(lambda d: d.isoformat()),
    "revenue": st.decimals(0, 10**9, places=2).map(str),
    "notes": st.lists(text, min_size=1, max_size=3).map("\n".join),
    "sector": st.sampled_from(["food", "tech", "retail"]),
    "opens": st.times().map(lambda t: t.strftime("%H:%M")),
})
client_attributes = st.fixed_dictionaries(
    {"tier": st.sampled_from(["one", "two"])},
    optional={"discount": st.decimals(-10, 50, places=1).map(str), "remarks": text})

contacts = st.lists(st.fixed_dictionaries({
    "name": text, "phone": _maybe(st.sampled_from(PHONES)), "position": optional_text,
    "department": optional_text, "language": _maybe(st.sampled_from(["es", "en", "pt_BR"])),
}), max_size=3)


@st.composite
def clients(draw: st.DrawFn) -> list[ClientDraft]:
    identifiers = draw(st.lists(st.from_regex(r"[A-Z][A-Z0-9-]{0,8}", fullmatch=True),
                                min_size=1, max_size=4, unique_by=str.casefold))
    tax_ids = draw(st.permutations(TAX_IDS))
    drafts = []
    for number, identifier in enumerate(identifiers):
        corp = draw(st.booleans())
        gold = draw(st.booleans())  # PLAIN declares no attributes (a child does not inherit)
        people = draw(contacts)
        default = draw(_maybe(st.integers(0, max(len(people) - 1, 0))))
        country = draw(_maybe(st.sampled_from(["ES", "GB", "BR", "PT"])))
        drafts.append(ClientDraft(
            identifier=identifier, name=draw(names),
            company_type="CORP" if corp else "PERSON",
            category="GOLD" if gold else "PLAIN",
            trade_name=draw(optional_text), tax_id=draw(_maybe(st.just(tax_ids[number]))),
            email=draw(_maybe(st.just(f"info{number}@company.example"))),
            phone=draw(_maybe(st.sampled_from(PHONES))),
            website=draw(_maybe(st.sampled_from(["example.com", "https://shop.example/a"]))),
            street=draw(optional_text), city=draw(optional_text), region=draw(optional_text),
            postal_code=draw(_maybe(st.from_regex(POSTAL_CODES[country], fullmatch=True))),
            country=country,
            company_attributes=draw(company_attributes) if corp else {},
            client_attributes=draw(client_attributes) if gold else {},
            contacts=[ContactDraft(**person, email=f"person{number}.{index}@contacts.example",
                                   default=index == default)
                      for index, person in enumerate(people)],
        ))
    return drafts


def _with_catalogue(path: Path, documents: dict[str, list[dict]]) -> Store:
    store = open_database(path)
    for kind in ("company_type", "category"):
        for entry in documents[kind]:
            add_entry(store, kind, entry, source="test")
    return store


def _run(db: Path, *args: str) -> None:
    result = CliRunner().invoke(app, ["--db", str(db), *args])
    assert result.exit_code == 0, result.output


def _assert_round_trip(source_db: Path, folder: Path, suffix: str, *,
                       catalogue: dict[str, list[dict]] | None) -> bytes:
    """Export source_db, import it into a new database, export again; return the bytes."""
    first, second = folder / f"first{suffix}", folder / f"second{suffix}"
    target_db = folder / f"target{suffix}.db"
    if catalogue is not None:
        _with_catalogue(target_db, catalogue).close()
    _run(source_db, "export", "--all", "-o", str(first))
    _run(target_db, "import", str(first))
    _run(target_db, "export", "--all", "-o", str(second))
    if suffix == ".xlsx":  # a workbook holds its creation time: compare the cells
        assert _cells(second) == _cells(first)
    else:
        assert second.read_bytes() == first.read_bytes()
    return first.read_bytes()


def _cells(path: Path) -> list[tuple]:
    return list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))


def _catalogue_of(store: Store) -> dict[str, list[dict]]:
    loaded = Catalogue.load(store)
    return {kind: catalogue_documents(loaded, kind) for kind in ("company_type", "category")}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clients())
def test_export_import_export_gives_the_same_bytes(drafts):
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        source = _with_catalogue(folder / "source.db", CATALOGUE)
        report = register_many(source, drafts, source="test")
        assert report.ok, report.problems
        expected = list(iter_client_documents(source))
        source.close()
        _assert_round_trip(folder / "source.db", folder, ".csv", catalogue=CATALOGUE)
        exported = _assert_round_trip(folder / "source.db", folder, ".yaml", catalogue=None)
        assert yaml.safe_load(exported)["clients"] == expected


def test_the_example_seed_survives_export_and_import(tmp_path):
    source_db = tmp_path / "source.db"
    _run(source_db, "import", str(EXAMPLES / "seed.yaml"))
    store = open_database(source_db)
    catalogue = _catalogue_of(store)
    documents = list(iter_client_documents(store, include_inactive=True))
    store.close()
    assert len(documents) > 20
    for suffix in (".yaml", ".json"):
        exported = _assert_round_trip(source_db, tmp_path, suffix, catalogue=None)
        assert yaml.safe_load(exported)["clients"] == documents
    for suffix in (".csv", ".tsv", ".xlsx"):
        _assert_round_trip(source_db, tmp_path, suffix, catalogue=catalogue)
