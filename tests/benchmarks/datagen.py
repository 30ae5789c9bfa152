"""Deterministic, realistic client files for the import benchmark: a catalogue and a client CSV.

Every value is one a real back office could hold and clientreg must accept: phone numbers are
drawn from national numbering plans and kept only when phonenumbers says they are valid, tax ids
carry check digits computed as each country defines them (and confirmed by python-stdnum), and
names mix Spanish, Portuguese and English spellings with their accents.
"""

from __future__ import annotations

import csv
import random
import unicodedata
from collections.abc import Iterator
from pathlib import Path

CATALOGUE_YAML = """\
# Catalogue of the import benchmark: prerequisites only, no clients.
company_types:
  - code: LEGAL
    name: Legal entity
    attributes:
      - {key: employees, label: Number of employees, type: number, min: 0, decimals: 0}
      - {key: founded, label: Date founded, type: date}
  - code: PERSON
    name: Individual
categories:
  - code: RETAIL
    name: Retail
    attributes:
      - {key: region, label: Sales region, type: list, values: [north, south, east, west],
         required: true}
      - key: visit_day
        label: Sales rep visit day
        type: list
        values: [monday, tuesday, wednesday, thursday, friday]
  - code: WHOLESALE
    name: Wholesale
    attributes:
      - {key: credit_limit, label: Credit limit, type: currency, min: 0, required: true}
      - {key: payment_terms, label: Payment terms (days), type: number, min: 0, max: 120,
         decimals: 0}
"""

COLUMNS = (
    "identifier", "name", "trade_name", "company_type", "category", "tax_id", "email", "phone",
    "website", "street", "city", "region", "postal_code", "country",
    "company_attr.employees", "company_attr.founded",
    "client_attr.region", "client_attr.visit_day", "client_attr.credit_limit",
    "client_attr.payment_terms",
    "contact_name", "contact_email", "contact_phone", "contact_position", "contact_department",
    "contact_language", "contact_default",
)  # fmt: skip

SECOND_CONTACT_SHARE = 0.15

_FIRST = {
    "es": ["María", "José", "Jesús", "Begoña", "Íñigo", "Ángela", "Núria", "Raúl", "Sofía",
           "Lucía", "Andrés", "Óscar", "Inés", "Ramón", "Adrián", "Carmen", "Álvaro", "Rocío",
           "Martín", "Nerea", "Joaquín", "Montserrat", "Iván", "Elena", "Víctor", "Pilar"],
    "pt": ["João", "Conceição", "Tiago", "Luíza", "Inês", "Sebastião", "Fátima", "Gonçalo",
           "Márcia", "António", "Lúcia", "Vitória", "Rui", "Ana", "Caio", "Thaís"],
    "en": ["Oliver", "Amelia", "Harry", "Zoë", "Renée", "George", "Isla", "Noah", "Chloë",
           "Jack", "Emily", "Thomas", "Grace", "William", "Olivia", "James", "Hannah", "Priya"],
}  # fmt: skip
_LAST = {
    "es": ["García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez",
           "Pérez", "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Muñoz",
           "Álvarez", "Romero", "Alonso", "Gutiérrez", "Navarro", "Peña", "Ibáñez", "Castaño",
           "Núñez", "Echeverría", "Calderón", "Domínguez", "Vázquez", "Sáenz", "Beltrán"],
    "pt": ["Gonçalves", "Magalhães", "Simões", "Araújo", "Conceição", "Assunção", "Brandão",
           "Falcão", "Guimarães", "Lourenço", "Peixoto", "Rebelo", "Sousa", "Antunes"],
    "en": ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
           "Robinson", "Wright", "Thompson", "Evans", "Walker", "O'Neill", "Harrington",
           "Whitfield", "MacLeod", "Okafor", "Brookes", "Shah"],
}  # fmt: skip
_TRADE = {
    "es": ["Distribuciones", "Comercial", "Ferretería", "Panadería", "Construcciones",
           "Bodegas", "Transportes", "Librería", "Óptica", "Almacenes", "Cafés", "Náutica",
           "Suministros", "Electrónica", "Papelería", "Carpintería"],
    "pt": ["Comércio", "Distribuidora", "Farmácia", "Conservas", "Padaria", "Transportes",
           "Ótica", "Construções", "Papelaria", "Alimentos"],
    "en": ["Trading", "Supplies", "Engineering", "Retail", "Logistics", "Garden Centres",
           "Office Supplies", "Foods", "Hardware", "Consulting"],
}  # fmt: skip
_PLACES = {
    "ES": [("Sevilla", "ES-SE", "41"), ("Madrid", "ES-M", "28"), ("València", "ES-V", "46"),
           ("Málaga", "ES-MA", "29"), ("A Coruña", "ES-C", "15"), ("Logroño", "ES-LO", "26"),
           ("Córdoba", "ES-CO", "14"), ("Bilbao", "ES-BI", "48"), ("Zaragoza", "ES-Z", "50"),
           ("Alcalá de Henares", "ES-M", "28")],
    "GB": [("London", "GB-LND", "EC"), ("Manchester", "GB-MAN", "M"),
           ("Birmingham", "GB-BIR", "B"), ("Leeds", "GB-LDS", "LS"),
           ("Edinburgh", "GB-EDH", "EH"), ("Bristol", "GB-BST", "BS")],
    "BR": [("São Paulo", "BR-SP", "01"), ("Curitiba", "BR-PR", "80"),
           ("Belo Horizonte", "BR-MG", "30"), ("Rio de Janeiro", "BR-RJ", "22")],
    "PT": [("Lisboa", "PT-11", "1"), ("Porto", "PT-13", "4"), ("Braga", "PT-03", "4"),
           ("Coimbra", "PT-06", "3")],
    "US": [("New York", "US-NY", "10"), ("Austin", "US-TX", "78"),
           ("San Francisco", "US-CA", "94"), ("Boston", "US-MA", "02")],
}  # fmt: skip
_STREETS = {
    "es": ["Calle Mayor", "Avenida de la Constitución", "Calle del Puerto", "Paseo de Gràcia",
           "Calle Larios", "Gran Vía", "Plaza de España", "Calle de Toledo"],
    "pt": ["Rua Augusta", "Avenida Paulista", "Rua XV de Novembro", "Praça do Comércio",
           "Rua Roberto Ivens", "Avenida da Liberdade"],
    "en": ["High Street", "Deansgate", "Leith Walk", "Moorgate", "Main Street",
           "Market Street", "Park Avenue", "Wellington Street"],
}  # fmt: skip
_COUNTRIES = [("ES", 40), ("GB", 20), ("BR", 15), ("PT", 10), ("US", 15)]
_LANGUAGE_OF = {"ES": "es", "GB": "en", "US": "en", "BR": "pt", "PT": "pt"}
_SUFFIX = {"ES": "S.L.", "GB": "Ltd", "US": "Inc.", "BR": "Ltda.", "PT": "Lda."}
COUNTRY_SPELLINGS = {"ES": ["ES", "ESP", "Spain"], "GB": ["GB", "GBR", "United Kingdom"],
                      "BR": ["BR", "BRA", "Brazil"], "PT": ["PT", "PRT", "Portugal"],
                      "US": ["US", "USA", "United States"]}
_POSITIONS = {"es": ["Jefe de compras", "Directora comercial", "Gerente", "Contable"],
              "pt": ["Gerente de compras", "Diretora comercial", "Analista financeiro"],
              "en": ["Purchasing director", "Buyer", "Accounts payable", "Store manager"]}
_DEPARTMENTS = {"es": ["Compras", "Ventas", "Administración", "Logística"],
                "pt": ["Compras", "Comercial", "Financeiro"],
                "en": ["Purchasing", "Finance", "Operations"]}
_US_AREAS = ["201", "212", "213", "305", "312", "404", "415", "512", "617", "702", "713",
             "718", "805", "917"]
# Multipliers coprime with the modulus turn a running index into a unique, scattered number.
_SCATTER = 7_368_787


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def _phone_candidate(rng: random.Random, country: str, mobile: bool) -> str:
    d = _digits
    if country == "ES":
        if mobile:
            return f"6{d(rng, 2)} {d(rng, 3)} {d(rng, 3)}"
        return f"9{rng.choice('1345678')}{d(rng, 1)} {d(rng, 3)} {d(rng, 3)}"
    if country == "GB":
        if mobile:
            return f"07{rng.choice('4579')}{d(rng, 2)} {d(rng, 6)}"
        return rng.choice([f"020 7{d(rng, 3)} {d(rng, 4)}", f"0161 {d(rng, 3)} {d(rng, 4)}",
                           f"0121 {d(rng, 3)} {d(rng, 4)}", f"0113 {d(rng, 3)} {d(rng, 4)}"])
    if country == "BR":
        area = rng.choice(["11", "21", "31", "41"])
        if mobile:
            return f"({area}) 9{d(rng, 4)}-{d(rng, 4)}"
        return f"({area}) {rng.choice('2345')}{d(rng, 3)}-{d(rng, 4)}"
    if country == "PT":
        if mobile:
            return f"9{rng.choice('1236')}{d(rng, 1)} {d(rng, 3)} {d(rng, 3)}"
        return f"2{rng.choice('12')} {d(rng, 3)} {d(rng, 4)}"
    return f"({rng.choice(_US_AREAS)}) {rng.choice('23456789')}{d(rng, 2)}-{d(rng, 4)}"


def _postal_code(rng: random.Random, country: str, start: str) -> str:
    """A postal code in the country's format (as clientreg checks it), beginning with ``start``."""
    if country == "GB":
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        return (f"{start}{rng.randint(1, 9)} {rng.randint(0, 9)}"
                f"{rng.choice(letters)}{rng.choice(letters)}")
    digits = f"{start}{rng.randint(0, 999):03d}"
    if country in ("BR", "PT"):
        return f"{digits}-{rng.randint(0, 999):03d}"
    return digits


def phone_number(rng: random.Random, country: str, *, mobile: bool) -> str:
    """A phone number in the country's national format that phonenumbers accepts as valid."""
    import phonenumbers  # here, so the floor loader can import this module without it

    while True:
        text = _phone_candidate(rng, country, mobile)
        if phonenumbers.is_valid_number(phonenumbers.parse(text, country)):
            if rng.random() < 0.2:  # some people write the international form
                number = phonenumbers.parse(text, country)
                return phonenumbers.format_number(
                    number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
            return text


def _cpf_check_digits(base: str) -> str:
    """The two check digits of a Brazilian CPF (the Receita Federal's mod-11 scheme)."""
    first = (11 - sum((10 - i) * int(n) for i, n in enumerate(base))) % 11 % 10
    second = (11 - sum((11 - i) * int(n) for i, n in enumerate(base)) - 2 * first) % 11 % 10
    return f"{first}{second}"


def tax_id(country: str, index: int, *, person: bool) -> str | None:
    """A valid tax id, unique for each index, written the way each country usually writes it."""
    from stdnum.br import cnpj, cpf
    from stdnum.es import cif, dni
    from stdnum.gb import vat as gb_vat
    from stdnum.pt import nif as pt_nif

    if country == "ES":
        if person:
            base = f"{index * _SCATTER % 10**8:08d}"
            number = base + dni.calc_check_digit(base)
            return "ES" + dni.validate(number)
        base = "B" + f"{index * _SCATTER % 10**7:07d}"
        return "ES" + cif.validate(base + cif.calc_check_digits(base)[0])
    if country == "GB":
        if person:
            return None
        base = f"{1_000_000 + index * _SCATTER % 9_000_000:07d}"
        total = sum(w * int(n) for w, n in zip((8, 7, 6, 5, 4, 3, 2), base, strict=True))
        number = base + f"{-total % 97:02d}"
        return "GB" + gb_vat.validate(number)
    if country == "BR":
        if person:
            base = f"{index * _SCATTER % 10**9:09d}"
            return cpf.format(cpf.validate(base + _cpf_check_digits(base)))
        base = f"{index * _SCATTER % 10**8:08d}0001"
        return cnpj.format(cnpj.validate(base + cnpj.calc_check_digits(base)))
    if country == "PT":
        base = ("2" if person else "5") + f"{index * _SCATTER % 10**7:07d}"
        return "PT" + pt_nif.validate(base + pt_nif.calc_check_digit(base))
    return None


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isalnum() and c.isascii()).lower()


def _person(rng: random.Random, lang: str) -> tuple[str, str]:
    first = rng.choice(_FIRST[lang])
    last = rng.choice(_LAST[lang])
    if lang != "en":
        last += " " + rng.choice(_LAST[lang])
    return first, last


def _contact(rng: random.Random, lang: str, country: str, domain: str, *, default: bool,
             taken: set[str], with_phone: bool = False) -> dict[str, str]:
    first, last = _person(rng, lang)
    local = f"{_ascii(first)}.{_ascii(last.split()[0])}"
    if rng.random() < 0.01:  # a few internationalised addresses, as email-validator allows
        local = f"{first.lower()}.{last.split()[0].lower()}".replace(" ", "").replace("'", "")
    while local in taken:
        local += str(rng.randint(0, 9))
    taken.add(local)
    if rng.random() < 0.05:
        local = local.title()
    return {
        "contact_name": f"{first} {last}",
        "contact_email": f"{local}@{domain}",
        "contact_phone": phone_number(rng, country, mobile=True)
        if rng.random() < 0.8 or with_phone else "",
        "contact_position": rng.choice(_POSITIONS[lang]) if rng.random() < 0.7 else "",
        "contact_department": rng.choice(_DEPARTMENTS[lang]) if rng.random() < 0.5 else "",
        "contact_language": lang if country != "BR" else rng.choice(["pt", "pt_BR"]),
        "contact_default": "true" if default else "",
    }


def _client(rng: random.Random, index: int, *, one_contact: bool = False,
            ) -> list[dict[str, str]]:
    country = rng.choices([c for c, _ in _COUNTRIES], [w for _, w in _COUNTRIES])[0]
    lang = _LANGUAGE_OF[country]
    person = rng.random() < 0.2
    city, region, postal = rng.choice(_PLACES[country])
    if person:
        first, last = _person(rng, lang)
        name, trade = f"{first} {last}", ""
        domain = f"{_ascii(last.split()[0])}{index}.example"
    else:
        trade = f"{rng.choice(_TRADE[lang])} {rng.choice(_LAST[lang])}"
        name = f"{trade} {_SUFFIX[country]}"
        domain = f"{_ascii(trade)[:20]}{index}.example"
        trade = trade if rng.random() < 0.5 else ""
    category = rng.choice(["RETAIL", "WHOLESALE"])
    row = dict.fromkeys(COLUMNS, "")
    row.update({
        "identifier": f"CLI-{index:07d}",
        "name": name,
        "trade_name": trade,
        "company_type": "PERSON" if person else "LEGAL",
        "category": category,
        "tax_id": tax_id(country, index, person=person) or "",
        "email": f"{rng.choice(['info', 'hola', 'pedidos', 'contato', 'office'])}@{domain}",
        "phone": phone_number(rng, country, mobile=person) if rng.random() < 0.9 else "",
        "website": (f"https://{domain}" if rng.random() < 0.5 else f"www.{domain}")
        if not person and rng.random() < 0.4 else "",
        "street": f"{rng.choice(_STREETS[lang])} {rng.randint(1, 250)}",
        "city": city,
        "region": region,
        "postal_code": _postal_code(rng, country, postal),
        "country": country if rng.random() < 0.9 else rng.choice(COUNTRY_SPELLINGS[country]),
    })
    if not person:
        row["company_attr.employees"] = str(rng.randint(1, 2000))
        if rng.random() < 0.6:
            row["company_attr.founded"] = (
                f"{rng.randint(1920, 2023)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")
    if category == "RETAIL":
        row["client_attr.region"] = rng.choice(["north", "south", "east", "west"])
        if rng.random() < 0.5:
            row["client_attr.visit_day"] = rng.choice(["monday", "tuesday", "friday"])
    else:
        row["client_attr.credit_limit"] = f"{rng.randint(1, 500) * 1000}.00"
        if rng.random() < 0.7:
            row["client_attr.payment_terms"] = str(rng.choice([30, 45, 60, 90, 120]))
    taken: set[str] = set()
    row.update(_contact(rng, lang, country, domain, default=True, taken=taken,
                        with_phone=one_contact))
    rows = [row]
    if rng.random() < SECOND_CONTACT_SHARE and not one_contact:
        # A later row with the same identifier adds a contact; its client fields stay blank.
        second = dict.fromkeys(COLUMNS, "")
        second["identifier"] = row["identifier"]
        second.update(_contact(rng, lang, country, domain, default=False, taken=taken))
        rows.append(second)
    return rows


def client_rows(count: int, *, seed: int = 20240601, one_contact: bool = False,
                ) -> Iterator[dict[str, str]]:
    """The CSV rows of ``count`` clients; the same count and seed give the same rows.

    With ``one_contact``, each client is one row and its contact has an e-mail address and a
    mobile phone: every row holds all the values the phone and e-mail libraries read.
    """
    rng = random.Random(seed)
    for index in range(1, count + 1):
        yield from _client(rng, index, one_contact=one_contact)


def write_files(folder: Path, count: int, *, seed: int = 20240601, one_contact: bool = False,
                ) -> tuple[Path, Path, int]:
    """Write catalogue.yaml and clients-COUNT.csv (reused when present); returns both and rows.

    ``one_contact`` writes clients-one-contact-COUNT.csv instead: see client_rows.
    """
    folder.mkdir(parents=True, exist_ok=True)
    catalogue = folder / "catalogue.yaml"
    catalogue.write_text(CATALOGUE_YAML, encoding="utf-8")
    kind = "clients-one-contact" if one_contact else "clients"
    target = folder / f"{kind}-{count}-{seed}.csv"
    count_file = target.with_suffix(".rows")
    if not (target.exists() and count_file.exists()):
        partial = target.with_suffix(".partial")
        rows = 0
        with partial.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            for row in client_rows(count, seed=seed, one_contact=one_contact):
                writer.writerow(row)
                rows += 1
        partial.rename(target)
        count_file.write_text(str(rows))
    return catalogue, target, int(count_file.read_text())
