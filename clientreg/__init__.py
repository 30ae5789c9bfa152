"""clientreg: register clients, their companies and contacts in SQLite."""

__version__ = "0.1.0"
