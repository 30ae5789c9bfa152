"""Input adapters of clientreg: file readers and the pydantic models of import rows."""
