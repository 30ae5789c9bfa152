"""Plain ASCII text, cleaned as rules.clean_text would clean it, without its general steps.

Most values of a file are printable ASCII: nothing to normalise, no line breaks or control
characters, so for one without a double space trimming is all the full rule does to it.
"""

from __future__ import annotations


def clean(value: object, max_length: int) -> str | None:
    """The cleaned text of a plain ASCII value, or None to ask the full rule.

    None means "not sure": blank values, values too long, anything that is not a printable
    ASCII string and text with a double space all go to the full rule.
    """
    if type(value) is not str or not value.isascii() or not value.isprintable():
        return None
    text = value.strip()
    if text and "  " not in text and len(text) <= max_length:
        return text
    return None
