"""A search's FTS5 query (clientreg.records.search_query) as PostgreSQL's text search.

The query is one of three shapes that records.search_query writes: words (``"w"* "x"*``, each a
prefix, all of them required), a tax id's stored forms (``tax_id : ("K" OR "L")``), or
``(words) OR tax_id : (...)``. Each word is matched as FTS5 matches it, through
clientreg_prefix_query over the index of clientreg_search_vector (storage.pg_schema), and a tax
id form as the whole tax id, without case as FTS5's tokens are.
"""

from __future__ import annotations

import re

_QUOTED = re.compile(r'"((?:[^"]|"")*)"')
_TAX_PART = "tax_id : ("
_VECTOR = "clientreg_search_vector(co.name, co.trade_name, co.identifier, co.email, co.tax_id)"


def clause(query: str) -> tuple[str, list[str]]:
    """A WHERE clause on ``co`` (the companies) and its parameters."""
    words_part, tax_marker, tax_part = query.partition(_TAX_PART)
    if not tax_marker:
        words_part, tax_part = query, ""
    words = [found.replace('""', '"') for found in _QUOTED.findall(words_part)]
    keys = [found.replace('""', '"') for found in _QUOTED.findall(tax_part)]
    conditions, params = [], []
    if words:
        conditions.append(f"{_VECTOR} @@ ("
                          + " && ".join("clientreg_prefix_query(?)" for _ in words) + ")")
        params += words
    if keys:
        conditions.append("lower(co.tax_id) IN (" + ", ".join("lower(?)" for _ in keys) + ")")
        params += keys
    if not conditions:
        return "1 = 0", []
    return "(" + " OR ".join(conditions) + ")", params
