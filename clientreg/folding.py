"""Text compared as a person reads it: case, accents and spacing set aside."""

from __future__ import annotations

import unicodedata

# Typographic apostrophes and quotes, as CLDR writes "Côte d’Ivoire", match the typed ones.
_PUNCTUATION = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'"})


def folded(text: str) -> str:
    """``text`` trimmed, case-folded and without accents, words one space apart.

    "  MINORÍSTA " and "minorista" fold to the same text; so do "Côte d’Ivoire" and
    "cote d'ivoire". Used only to compare: what is stored is never the folded text.
    """
    text = text.casefold().translate(_PUNCTUATION)
    if not text.isascii():
        text = "".join(char for char in unicodedata.normalize("NFKD", text)
                       if not unicodedata.combining(char))
    return " ".join(text.split())
