"""Fast paths give exactly the library's answer: checked on generated and on real addresses,
with the fast paths on and off, and on whole imports run with CLIENTREG_FAST=0 and without."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from email_validator import EmailNotValidError, validate_email
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clientreg import fast, rules
from clientreg.errors import InvalidValue
from clientreg.fast import plain_email

ROOT = Path(__file__).resolve().parent.parent
ATEXT = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_!#$%&'*+-/=?^`{|}~"
# Characters that push an address off the fast path or make it invalid.
AWKWARD = ' ."<>()[]\\,;:@ñéÍ\u00ad\u200b\u0301＠﹫\t'
SPECIAL_TOP_LEVEL = ["arpa", "invalid", "local", "localhost", "onion", "test", "example", "com"]


def library(text: str) -> str | None:
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def assert_same(text: str) -> None:
    shortcut = plain_email.normalise(text)
    if shortcut is not None:
        assert shortcut == library(text), text
    try:
        expected = library(rules.clean_text(text, field="email", max_length=10_000) or "")
    except InvalidValue:  # a character no text field takes, such as a zero-width space
        expected = None
    for enabled in (True, False):
        with fast.switched(enabled):
            try:
                got = rules.email(text)
            except InvalidValue:
                got = None
        if expected is None or len(text.strip()) > rules.EMAIL_MAX:
            assert got is None, (text, enabled)
        else:
            assert got == expected, (text, enabled)


_ATEXT_CLASS = "[A-Za-z0-9_!#$%&'*+/=?^`{|}~-]"
plain_label = st.from_regex(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,12}[A-Za-z0-9])?", fullmatch=True)
label = st.one_of(
    plain_label, plain_label, plain_label,
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-",
            min_size=1, max_size=70),
    st.sampled_from(["xn--bcher-kva", "ab--cd", "-a", "a-", "A", "9", "a" * 63, "a" * 64]),
)
local_part = st.one_of(
    st.from_regex(rf"{_ATEXT_CLASS}{{1,20}}(?:\.{_ATEXT_CLASS}{{1,10}}){{0,2}}", fullmatch=True),
    st.from_regex(rf"{_ATEXT_CLASS}{{1,20}}(?:\.{_ATEXT_CLASS}{{1,10}}){{0,2}}", fullmatch=True),
    st.text(alphabet=ATEXT + ".", min_size=0, max_size=70),
    st.text(alphabet=ATEXT + AWKWARD, min_size=1, max_size=20),
    st.sampled_from(["info", "Info", "SALES", "postmaster", "María", "a..b", ".a", "a.",
                     "a" * 240]),
)
top_level = st.one_of(st.sampled_from(SPECIAL_TOP_LEVEL),
                      st.from_regex(r"[A-Za-z]{2,8}", fullmatch=True),
                      st.text(alphabet="abcXYZ019-", min_size=1, max_size=6))
addresses = st.builds(
    lambda local, labels, top, at: f"{local}{at}{'.'.join([*labels, top])}",
    local_part, st.lists(label, min_size=0, max_size=4), top_level,
    st.sampled_from(["@", "@", "@", "@", "@", "@", "@@", "＠", " @"]),
)

role_name = st.builds(lambda name, upper: "".join(c.upper() if u else c for c, u in
                                                  zip(name, upper, strict=False)),
                      st.sampled_from(["info", "sales", "postmaster", "www", "abuse"]),
                      st.lists(st.booleans(), min_size=10, max_size=10))
plain_addresses = st.builds(
    lambda local, labels, top: f"{local}@{'.'.join([*labels, top])}",
    st.one_of(local_part, role_name), st.lists(plain_label, min_size=1, max_size=3),
    st.one_of(st.from_regex(r"[A-Za-z]{2,8}", fullmatch=True),
              st.sampled_from(SPECIAL_TOP_LEVEL)),
)


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(addresses)
def test_generated_addresses_give_the_library_result(text):
    assert_same(text)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plain_addresses)
def test_plain_shaped_addresses_give_the_library_result(text):
    assert_same(text)


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=ATEXT + AWKWARD + "@", max_size=40))
def test_arbitrary_text_gives_the_library_result(text):
    assert_same(text)


def _example_addresses() -> list[str]:
    found: list[str] = []
    for path in (ROOT / "examples").glob("*.csv"):
        with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
            sample = handle.read(4096)
            handle.seek(0)
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
            for row in csv.DictReader(handle, dialect=dialect):
                found += [v for k, v in row.items() if k and "email" in k.lower() and v]
    for path in (ROOT / "examples").glob("*.yaml"):
        found += _emails_in(yaml.safe_load(path.read_text(encoding="utf-8")))
    return found


def _emails_in(node: object) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "email" and isinstance(v, str)] + [
            e for v in node.values() for e in _emails_in(v)]
    if isinstance(node, list):
        return [e for v in node for e in _emails_in(v)]
    return []


def _datagen():
    spec = importlib.util.spec_from_file_location(
        "datagen", ROOT / "tests" / "benchmarks" / "datagen.py")
    assert spec is not None and spec.loader is not None
    datagen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(datagen)
    return datagen


def _benchmark_addresses(count: int = 3000) -> list[str]:
    return [row[column] for row in _datagen().client_rows(count)
            for column in ("email", "contact_email") if row[column]]


def test_real_addresses_give_the_library_result():
    addresses = _example_addresses() + _benchmark_addresses()
    assert len(addresses) > 3000
    for text in addresses:
        assert_same(text)


def test_most_real_addresses_take_the_fast_path():
    addresses = _benchmark_addresses(1000)
    fast = [a for a in addresses if plain_email.normalise(a) is not None]
    assert len(fast) >= 0.95 * len(addresses)


@pytest.mark.parametrize("text", [
    "josé@correo.example",                  # internationalised local part
    "ana@xn--bcher-kva.example",            # IDNA label
    '"ana lopez"@correo.example',           # quoted local part
    "Ana <ana@correo.example>",             # display name
    "ana@localhost",                        # no dot
    "ana@mail.test",                        # special-use domain
    "ana@ab--cd.example",                   # reserved label shape
    "ana@example.c0m",                      # top-level domain not letters
])
def test_unusual_addresses_go_to_the_library(text):
    assert plain_email.normalise(text) is None


def test_role_names_and_domains_are_lower_cased_as_the_library_does():
    assert plain_email.normalise("Info@Correo.EXAMPLE") == "info@correo.example"
    assert plain_email.normalise("Ana.Lopez@Correo.EXAMPLE") == "Ana.Lopez@correo.example"
    assert library("Info@Correo.EXAMPLE") == "info@correo.example"


CLI = [sys.executable, "-P", "-c", "from clientreg.commands.app import main; main()"]
# Values the libraries refuse or read beyond the fast paths, beside the benchmark's own rows.
UNUSUAL_ROWS = [
    {"email": "pedidos@@tienda.example"},                  # two at-signs
    {"email": "josé@correo.example"},                      # an internationalised address
    {"email": "Info@Tienda.example"},                      # a role name, lower-cased
    {"phone": "12"},                                       # not a phone number
    {"phone": "+34 91 123 45 67 ext. 12"},                 # an extension
    {"phone": "0034 911 234 567"},                         # an international call prefix
    {"contact_email": "ana@mail.test"},                    # a special-use domain
    {"contact_phone": "611 22 33"},                        # too short
]


def _clients_file(tmp_path: Path, count: int, *, unusual: bool) -> tuple[Path, Path]:
    """The benchmark's catalogue and a CSV of its clients, with the unusual rows if asked."""
    datagen = _datagen()
    catalogue = tmp_path / "catalogue.yaml"
    catalogue.write_text(datagen.CATALOGUE_YAML, encoding="utf-8")
    rows = list(datagen.client_rows(count))
    if unusual:
        first = next(row for row in rows if row["category"] == "RETAIL")
        for number, changes in enumerate(UNUSUAL_ROWS, 1):
            rows.append({**first, "identifier": f"ODD-{number:03d}", "tax_id": "", **changes})
    path = tmp_path / ("unusual.csv" if unusual else "clients.csv")
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=datagen.COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return catalogue, path


def _import(tmp_path: Path, name: str, catalogue: Path, clients: Path, *,
            enabled: bool) -> tuple[dict, dict[str, list[tuple]]]:
    db = tmp_path / f"{name}.db"
    env = {**os.environ, "CLIENTREG_WORKERS": "1"}
    env["CLIENTREG_FAST"] = "1" if enabled else "0"
    for argv in (["import", str(catalogue)],
                 ["import", str(clients), "--format", "json", "--max-errors", "1000"]):
        done = subprocess.run([*CLI, "--db", str(db), *argv], capture_output=True, text=True,
                              env=env, cwd=tmp_path)
        assert done.returncode in (0, 1), done.stderr
    report = json.loads(done.stdout)
    del report["seconds"]
    return report, _contents(db)


def _contents(db: Path) -> dict[str, list[tuple]]:
    """Every table's rows, but for the times they were written (and the migrations run), and
    the runs' command lines, which name the database file."""
    found = {}
    with sqlite3.connect(db) as conn:
        tables = [name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%fts%'")]
        for table in (name for name in tables if not name.startswith("_")):
            columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")
                       if row[1] not in ("created_at", "updated_at", "at", "started_at",
                                         "ended_at", "command")]
            found[table] = conn.execute(
                f"SELECT {', '.join(columns)} FROM {table} ORDER BY 1, 2").fetchall()
    return found


@pytest.mark.parametrize("unusual", [False, True], ids=["benchmark rows", "unusual values"])
def test_an_import_with_the_fast_paths_off_gives_the_same_report_and_rows(tmp_path, unusual):
    # More than one chunk of clients, so that the fast run checks some in a worker process.
    catalogue, clients = _clients_file(tmp_path, 1100, unusual=unusual)
    fast_report, fast_rows = _import(tmp_path, "fast", catalogue, clients, enabled=True)
    slow_report, slow_rows = _import(tmp_path, "slow", catalogue, clients, enabled=False)
    assert fast_report == slow_report
    assert fast_rows == slow_rows
    if unusual:
        codes = {problem["code"] for problem in fast_report["problems"]}
        assert {"invalid-email", "invalid-phone"} <= codes
        assert not fast_report["written"]
    else:
        assert fast_report["written"]
        assert len(fast_rows["companies"]) == 1100
