"""The header labels clientreg reads as its columns: English, Spanish and Portuguese labels and
the column names of ERP and CRM exports (Odoo res.partner, ERPNext Customer, HubSpot companies,
Salesforce Account).

Labels are compared by ``header_key``: without case, accents, spaces, underscores or
punctuation, so ``Código postal``, ``codigo_postal`` and ``CÓDIGO POSTAL`` are one label. A label
names one column only: a test checks that no key is given twice.
"""

from __future__ import annotations

import unicodedata

SYNONYMS: dict[str, tuple[str, ...]] = {
    "identifier": (
        "Identifier", "Client ID", "Customer ID", "Client code", "Customer code", "Code",
        "Account Number", "AccountNumber", "Record ID",
        "Identificador", "Código", "Código de cliente", "Código cliente", "Id cliente",
        "Nº cliente", "Número de cliente", "Código do cliente",
        "ref", "Reference",  # Odoo res.partner
    ),
    "name": (
        "Company name", "Client name", "Customer Name", "Account Name",
        "Legal name", "Business name", "Razón social", "Nombre", "Nombre de la empresa",
        "Nombre fiscal", "Empresa", "Razão social", "Nome", "Nome da empresa",
    ),
    "trade_name": (
        "Trade name", "Trading name", "Commercial name", "Nombre comercial", "Nome fantasia",
    ),
    "company_type": (
        "Company type", "Customer Type", "Tipo de empresa", "Tipo de cliente",
        "Tipo de pessoa",
    ),
    "category": (
        "Client category", "Customer category", "Customer Group", "Account Type",
        "category_id", "Tags",  # Odoo: the partner's tag
        "Categoría", "Categoría de cliente", "Grupo de clientes", "Categoria do cliente",
    ),
    "tax_id": (
        "Tax ID", "Tax number", "VAT", "VAT number", "vat",
        "NIF", "CIF", "NIF/CIF", "DNI", "RUC", "RFC", "CUIT", "RUT", "Identificación fiscal",
        "Número de identificación fiscal", "CNPJ", "CPF", "CNPJ/CPF",
    ),
    "email": (
        "E-mail", "Email address", "Email Id", "Correo electrónico", "Correo",
        "Endereço de e-mail",
    ),
    "phone": (
        "Phone Number", "Account Phone", "Telephone", "Teléfono", "Tel", "Telefone",
        "Mobile", "Mobile No", "Mobile Phone", "Móvil", "Teléfono móvil", "Celular",
    ),
    "website": (
        "Website", "Website Link", "Web site", "Company Domain Name", "Web", "Sitio web",
        "Página web",
    ),
    "street": (
        "Address", "Street", "Street Address", "Billing Street", "BillingStreet",
        "Dirección", "Domicilio", "Calle", "Endereço", "Logradouro",
    ),
    "city": (
        "City", "Town", "Billing City", "BillingCity", "Población", "Ciudad", "Localidad",
        "Municipio", "Cidade", "Município",
    ),
    "region": (
        "Region", "State", "State/Region", "State/Province", "Province", "County", "state_id",
        "Billing State", "BillingState", "Billing State/Province", "Provincia", "Región",
        "Estado", "Comunidad autónoma", "UF",
    ),
    "postal_code": (
        "Postal Code", "Postcode", "ZIP", "ZIP code", "Zip/Postal Code", "Billing Postal Code",
        "BillingPostalCode", "Billing Zip/Postal Code", "Código postal", "CP", "C.P.", "CEP",
    ),
    "country": (
        "Country", "Country/Region", "country_id", "Country Code", "country_code",
        "Country/Country Code", "country_id/code", "Billing Country", "BillingCountry", "País",
        "Código de país",
    ),
    "from_company": ("From company", "Existing company", "Empresa existente"),
    "contact_name": (
        "Contact", "Contact name", "Contact person", "Nombre de contacto",
        "Nombre del contacto", "Persona de contacto", "Contacto", "Nome do contato",
        "Pessoa de contato",
    ),
    "contact_email": (
        "Contact email", "Contact e-mail", "Correo de contacto", "Correo del contacto",
        "Email de contacto", "Email del contacto", "E-mail do contato",
    ),
    "contact_phone": (
        "Contact phone", "Teléfono de contacto", "Teléfono del contacto", "Telefone do contato",
    ),
    "contact_position": (
        "Contact position", "Job Title", "Job Position", "function", "Cargo", "Puesto",
        "Cargo del contacto",
    ),
    "contact_department": (
        "Contact department", "Department", "Departamento", "Departamento del contacto",
    ),
    "contact_language": (
        "Contact language", "Idioma del contacto", "Idioma do contato",
    ),
    "contact_default": (
        "Default contact", "Primary contact", "Contacto principal", "Contato principal",
    ),
}
"""Column -> labels that name it."""

WEAK_SYNONYMS: dict[str, tuple[str, ...]] = {
    "identifier": ("ID", "Account ID"),
    "name": ("Display Name", "Complete Name", "Company Name Entity"),
}
"""Column -> labels that name it when no other header of the file does: ERPNext's ``ID`` is the
identifier of a file without another identifier column (Salesforce's ``Id`` beside ``Account
Number`` is left out), Odoo's ``Display Name`` the name of a file without ``name``."""

IGNORED: tuple[str, ...] = (
    "External ID",  # Odoo's technical id (__export__.res_partner_7_…), not the client's
    "lang", "Language", "Print Language",  # a company's language: clientreg keeps none
    "Series", "Territory",  # ERPNext Customer
    "is_company", "Is a Company",  # Odoo: clientreg's company types say it
    "Create Date", "Company owner", "Last Activity Date",  # HubSpot
    "Lifecycle Stage",
)
"""Columns of ERP exports clientreg reads past: the report lists them as ignored."""

ODOO_MARKERS: frozenset[str] = frozenset(
    ("state_id", "country_id", "category_id", "parent_id", "is_company", "street2",
     "commercial_partner_id"))
"""Odoo's technical field names, as a header holds them (lower case): a file with one of them is
an Odoo export, whose ``id`` column is Odoo's own record id (``__export__.res_partner_7_…``),
ignored rather than read as the identifier."""


def header_key(text: str) -> str:
    """The label as labels are compared: case-folded, without accents, and only its letters and
    digits ("Código postal" -> "codigopostal")."""
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in text if char.isalnum() and not unicodedata.combining(char))


def _lookup(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {header_key(label): column for column, labels in table.items() for label in labels}


STRONG: dict[str, str] = _lookup(SYNONYMS)
WEAK: dict[str, str] = _lookup(WEAK_SYNONYMS)
IGNORED_KEYS: frozenset[str] = frozenset(header_key(label) for label in IGNORED)
ODOO_ID_KEY = "id"
