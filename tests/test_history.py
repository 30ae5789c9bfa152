"""Nothing lost on change: every change of a client can be read back from history, old and new."""

import json

import pytest

from clientreg.editing import draft_of, edit_client, set_client_active
from clientreg.model import ClientDraft, ContactDraft
from clientreg.records import client_data
from clientreg.registration import register
from clientreg.storage import open_database

# Each test runs on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("backend")

COMPANY = {
    "identifier": "C-1", "name": "Comercial Andaluza", "company_type": "LEGAL",
    "category": "RETAIL", "trade_name": "Andaluza", "tax_id": "ESB12345674",
    "email": "info@andaluza.example", "phone": "+34 954 123 456", "website": "andaluza.example",
    "street": "Calle Sierpes 1", "city": "Sevilla", "region": "Andalucía",
    "postal_code": "41004", "country": "ES",
}

# FIELD=VALUE as `edit --set` takes it, and the value stored (normalised) afterwards.
CHANGES = [
    ("name", "Comercial  Andaluza   S.L. ", "Comercial Andaluza S.L."),
    ("trade_name", "La Andaluza", "La Andaluza"),
    ("tax_id", "ES-A58818501", "ESA58818501"),
    ("email", "ventas@andaluza.example", "ventas@andaluza.example"),
    ("phone", "954 000 111", "+34954000111"),
    ("website", "http://andaluza.example/shop", "http://andaluza.example/shop"),
    ("street", "Avenida de la Constitución 2", "Avenida de la Constitución 2"),
    ("city", "Cádiz", "Cádiz"),
    ("region", "Andalusia", "Andalusia"),
    ("postal_code", "11001", "11001"),
    ("country", "DEU", "DE"),  # a country whose postal codes, like Spain's, are 5 digits
]
CLEARABLE = ["trade_name", "tax_id", "email", "phone", "website", "street", "city", "region",
             "postal_code", "country"]


@pytest.fixture
def client(catalogue):
    """One client with every company field, both kinds of attribute and two contacts."""
    register(catalogue, ClientDraft(
        **COMPANY, company_attributes={"employees": "12"}, client_attributes={"region": "south"},
        contacts=[ContactDraft(name="María López", email="maria@andaluza.example",
                               position="Compras", default=True),
                  ContactDraft(name="Juan Pérez", email="juan@andaluza.example")]),
        source="wizard")
    return catalogue


def entries(store, entity=None, key=None):
    history = client_data(store, "C-1")["history"]
    return [e for e in history
            if (entity is None or e["entity"] == entity) and (key is None or e["key"] == key)]


def last_change(store, entity, field):
    found = [e for e in entries(store, entity) if field in e["changes"]]
    assert found, f"no history entry of {entity} changes {field}"
    return found[-1]


def stored_attributes(store, table):
    column = "company_id" if table == "clients" else "id"
    row = store.conn.execute(
        f"SELECT t.attributes FROM {table} t JOIN companies co ON co.id = t.{column} "
        "WHERE co.identifier = 'C-1'").fetchone()
    return json.loads(row[0])


@pytest.mark.parametrize(("field", "typed", "stored"), CHANGES, ids=[c[0] for c in CHANGES])
def test_a_company_field_edit_keeps_the_old_value(client, field, typed, stored):
    before = client_data(client, "C-1")[field]
    edit_client(client, "C-1", settings={field: typed}, source="edit")
    entry = last_change(client, "company", field)
    assert entry["action"] == "updated"
    assert entry["source"] == "edit"
    assert entry["changes"][field] == {"old": before, "new": stored}
    assert client_data(client, "C-1")[field] == stored


@pytest.mark.parametrize("field", CLEARABLE)
def test_clearing_a_field_keeps_the_value_it_had(client, field):
    before = client_data(client, "C-1")[field]
    assert before is not None
    edit_client(client, "C-1", settings={field: ""}, source="edit")
    assert last_change(client, "company", field)["changes"][field] == {"old": before, "new": None}
    assert field not in client_data(client, "C-1")


def test_attribute_edits_keep_the_old_values(client):
    edit_client(client, "C-1", settings={"company_attr.employees": "13",
                                         "client_attr.region": "north"}, source="edit")
    company = last_change(client, "company", "attributes")["changes"]["attributes"]
    assert company == {"old": {"employees": "12"}, "new": {"employees": "13"}}
    category = last_change(client, "client", "client_attributes")["changes"]["client_attributes"]
    assert category == {"old": {"region": "south"}, "new": {"region": "north"}}
    edit_client(client, "C-1", settings={"company_attr.employees": ""}, source="edit")
    company = last_change(client, "company", "attributes")["changes"]["attributes"]
    assert company == {"old": {"employees": "13"}, "new": {}}
    assert stored_attributes(client, "companies") == {}


def test_contact_changes_are_in_the_clients_history(client):
    draft = draft_of(client_data(client, "C-1", with_history=False))
    maria, juan = draft.contacts
    juan.phone, juan.position, juan.default = "+34 600 111 222", "Gerente", True
    draft.contacts = [juan, ContactDraft(name="Pepa Gil", email="pepa@andaluza.example")]
    edit_client(client, "C-1", draft=draft, source="edit")
    juan_changes = entries(client, "external_user", "juan@andaluza.example")[-1]["changes"]
    assert juan_changes == {"phone": {"old": None, "new": "+34600111222"},
                            "position": {"old": None, "new": "Gerente"},
                            "default": {"old": False, "new": True}}
    pepa = entries(client, "external_user", "pepa@andaluza.example")
    assert [e["action"] for e in pepa] == ["created"]
    assert pepa[0]["changes"]["name"] == {"old": None, "new": "Pepa Gil"}
    # The contact taken off the client is gone from its contacts, not from its history.
    maria_entries = entries(client, "external_user", maria.email)
    assert [e["action"] for e in maria_entries] == ["created", "unlinked"]
    assert maria_entries[-1]["changes"] == {"client": {"old": "C-1", "new": None}}


def test_a_contact_registered_as_default_says_so_in_history(client):
    created = entries(client, "external_user", "maria@andaluza.example")[0]
    assert created["action"] == "created"
    assert created["changes"]["default"] == {"old": None, "new": True}


def test_deactivation_and_activation_are_recorded(client, cli):
    assert cli("deactivate", "C-1").exit_code == 0
    assert cli("activate", "c-1").exit_code == 0
    recorded = [(e["action"], e["changes"]) for e in entries(client, "client")][-2:]
    assert recorded == [("deactivated", {"active": {"old": True, "new": False}}),
                        ("activated", {"active": {"old": False, "new": True}})]


def test_an_update_import_keeps_the_old_values_and_names_the_file(client, cli, tmp_path):
    source = tmp_path / "changes.csv"
    source.write_text("identifier,name,company_type,category,city,phone,company_attr.employees,"
                      "client_attr.region,contact_name,contact_email,contact_position\n"
                      "c-1,Comercial Andaluza,LEGAL,RETAIL,Málaga,,40,north,María López,"
                      "maria@andaluza.example,Dirección\n", encoding="utf-8")
    done = cli("import", str(source), "--on-conflict", "update")
    assert done.exit_code == 0, done.output
    company = last_change(client, "company", "city")
    assert company["source"] == f"import of {source}"
    assert company["changes"] == {
        "city": {"old": "Sevilla", "new": "Málaga"},
        "attributes": {"old": {"employees": "12"}, "new": {"employees": "40"}}}
    # Blank cells leave stored values alone, so they are not changes either.
    assert client_data(client, "C-1")["phone"] == "+34954123456"
    assert last_change(client, "client", "client_attributes")["changes"] == {
        "client_attributes": {"old": {"region": "south"}, "new": {"region": "north"}}}
    maria = entries(client, "external_user", "maria@andaluza.example")[-1]
    assert maria["changes"] == {"position": {"old": "Compras", "new": "Dirección"}}


def test_a_rejected_edit_adds_no_history(client, cli):
    count = len(entries(client))
    done = cli("edit", "C-1", "--set", "city=Cádiz", "--set", "email=not an address")
    assert done.exit_code == 1
    assert len(entries(client)) == count
    assert client_data(client, "C-1")["city"] == "Sevilla"


def replay(history, entity, key, start):
    """Fold history entries into a state, checking each old value is the previous new one."""
    state = dict(start)
    for entry in history:
        if (entry["entity"], entry["key"]) != (entity, key):
            continue
        for field, change in entry["changes"].items():
            old = state.get(field)
            if field == "default":  # not being the default contact is recorded as nothing
                old, change = bool(old), {**change, "old": bool(change["old"])}
            assert old == change["old"], (entity, key, field, entry)
            state[field] = change["new"]
    return state


def test_history_replayed_from_the_start_gives_the_current_client(client, cli, tmp_path):
    edit_client(client, "C-1", settings={"city": "Cádiz", "phone": "", "country": "DE",
                                         "company_attr.employees": "13"}, source="edit")
    assert cli("edit", "C-1", "--set", "name=Andaluza Global", "--set",
               "client_attr.region=north").exit_code == 0
    draft = draft_of(client_data(client, "C-1", with_history=False))
    draft.contacts = [draft.contacts[1]]
    draft.contacts[0].default = True
    edit_client(client, "C-1", draft=draft, source="edit")
    set_client_active(client, "C-1", False, source="deactivate")
    source = tmp_path / "update.yaml"
    source.write_text("- {identifier: C-1, company_type: LEGAL, category: RETAIL, name: Andaluza,"
                      " street: Plaza Nueva 3, client_attributes: {region: north},"
                      " contacts: [{name: Juan P., email: JUAN@andaluza.example}]}\n",
                      encoding="utf-8")
    done = cli("import", str(source), "--on-conflict", "update")
    assert done.exit_code == 0, done.output

    document = client_data(client, "C-1")
    history = document["history"]
    company = replay(history, "company", "C-1", {})
    for field in ("name", "trade_name", "tax_id", "email", "phone", "website", "street", "city",
                  "region", "postal_code", "country"):
        assert company.get(field) == document.get(field), field
    assert company["company_type"] == document["company_type"]
    assert company["attributes"] == stored_attributes(client, "companies")
    registration = replay(history, "client", "C-1", {"active": True})
    assert registration["category"] == document["category"]
    assert registration["client_attributes"] == stored_attributes(client, "clients")
    assert registration["active"] is document["active"] is False
    current = {c["email"]: c for c in document["contacts"]}
    for email in ("maria@andaluza.example", "juan@andaluza.example"):
        contact = replay(history, "external_user", email, {"default": False, "client": "C-1"})
        if email in current:
            for field in ("name", "phone", "position", "department", "language"):
                assert contact.get(field) == current[email].get(field), (email, field)
            assert contact["default"] is current[email].get("default", False), email
        else:
            assert contact["client"] is None, email


def test_show_lists_the_history(client, cli):
    assert cli("edit", "C-1", "--set", "city=Cádiz").exit_code == 0
    assert cli("deactivate", "C-1").exit_code == 0
    done = cli("show", "C-1")
    assert done.exit_code == 0, done.output
    text = done.stdout
    assert "History" in text
    assert "city: Sevilla -> Cádiz" in text
    assert "deactivated" in text and "active: True -> False" in text
    assert "wizard" in text and "edit" in text
    shown = json.loads(cli("show", "C-1", "--format", "json").stdout)
    assert [e["action"] for e in shown["history"] if e["entity"] == "client"] == [
        "created", "deactivated"]


def test_history_rows_survive_in_the_file(client, db_path):
    edit_client(client, "C-1", settings={"city": "Cádiz"}, source="edit")
    store = open_database(db_path)  # a new connection: what the database itself holds
    try:
        rows = store.conn.execute("SELECT action, changes, source FROM history WHERE "
                                  "entity = 'company' AND entity_key = 'C-1' ORDER BY id"
                                  ).fetchall()
    finally:
        store.close()
    assert [r[0] for r in rows] == ["created", "updated"]
    assert json.loads(rows[1][1]) == {"city": ["Sevilla", "Cádiz"]}
