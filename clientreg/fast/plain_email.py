"""Plain ASCII e-mail addresses, normalised exactly as email-validator would, without calling it.

email-validator spends about 40 µs on an address, most of it on Unicode rules (UTS-46 and IDNA)
that a plain ASCII address never needs. For an address of the usual shape, a dot-atom local part
and a domain of letter-digit-hyphen labels, its result is fixed: the local part unchanged (or
lower-cased when it is one of the RFC 2142 role names), the domain lower-cased, after the same
length and special-use checks. This module recognises that shape, with the library's own
constants, and returns that result; anything else (non-ASCII, quotes, IDNA labels, a display
name, anything invalid) returns None and goes to the library itself. A property test checks both
give the same answer.

On the import benchmark (20,000 clients), the import takes 1.43 times as long in wall time, and
1.69 to 1.80 times the CPU time, with this shortcut alone turned off. The shortcut follows
email-validator 2's rules, and pyproject.toml keeps the library below 3.
"""

from __future__ import annotations

import re
from functools import cache

# Labels of letters, digits and inner hyphens, 1-63 characters; "--" anywhere (IDNA "xn--" and
# the reserved "ab--" labels) is left to the library, as is a top-level domain that is not letters.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_TOP_LEVEL = r"[A-Za-z]{2,63}"


@cache
def _shape() -> tuple[re.Pattern[str], frozenset[str], tuple[str, ...], int, int]:
    # The library's own definitions, read on first use so that importing this module stays cheap.
    from email_validator import SPECIAL_USE_DOMAIN_NAMES
    from email_validator.rfc_constants import (
        ATEXT,
        CASE_INSENSITIVE_MAILBOX_NAMES,
        DOMAIN_MAX_LENGTH,
        EMAIL_MAX_LENGTH,
    )

    pattern = re.compile(
        rf"([{ATEXT}]+(?:\.[{ATEXT}]+)*)@((?:{_LABEL}\.)+{_TOP_LEVEL})", re.ASCII)
    special = tuple("." + name for name in SPECIAL_USE_DOMAIN_NAMES)
    return (pattern, frozenset(CASE_INSENSITIVE_MAILBOX_NAMES), special, DOMAIN_MAX_LENGTH,
            EMAIL_MAX_LENGTH)


def normalise(text: str) -> str | None:
    """email-validator's normalised form of a plain ASCII address, or None to ask the library.

    Matches ``validate_email(text, check_deliverability=False).normalized`` for every address it
    accepts; it never rejects one (None means "not sure", not "invalid").
    """
    if not text.isascii():
        return None
    pattern, role_names, special, domain_max, email_max = _shape()
    match = pattern.fullmatch(text)
    if match is None or len(text) > email_max:
        return None
    local, domain = match.groups()
    if "--" in domain or len(domain) > domain_max:
        return None
    domain = domain.lower()
    if ("." + domain).endswith(special):
        return None
    if local.lower() in role_names:
        local = local.lower()
    return f"{local}@{domain}"
