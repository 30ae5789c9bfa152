"""Why email-validator refuses an address and python-stdnum a tax id, as messages of the table,
so that they are translated.

email-validator explains a refusal in an English sentence. Each sentence it writes (version 2,
which pyproject pins) is recognised here by a pattern of its wording and given as a message of
``clientreg.messages.MESSAGES`` whose English template is that same sentence: the English text
(and so JSON, which carries it) stays the library's word for word, while another language shows
its own. A sentence not recognised (a newer library's) is shown as the library wrote it.
python-stdnum's refusals are its four exception classes, each with its own sentence.
"""

from __future__ import annotations

import re
from functools import cache

from clientreg.messages import Message

_CHARACTERS = r"(?P<characters>.+)"
_COUNT = r"(?P<count>\d+)"

# The library's sentence (a regular expression of it), and the key of its message.
REASONS: tuple[tuple[str, str], ...] = (
    (r'The email address has the "full-width" at-sign \(@\) character instead of a regular '
     r"at-sign\.", "email-reason/full-width-at"),
    (r'The email address has the "small commercial at" character instead of a regular '
     r"at-sign\.", "email-reason/small-at"),
    (r"An email address must have an @-sign\.", "email-reason/no-at"),
    (r"There must be something before the @-sign\.", "email-reason/nothing-before-at"),
    (r"There must be something after the @-sign\.", "email-reason/nothing-after-at"),
    (r"There can't be anything after the email address\.", "email-reason/text-after"),
    (r"A display name and angle brackets around the email address are not permitted here\.",
     "email-reason/display-name"),
    (r"A bracketed IP address after the @-sign is not allowed here\.",
     "email-reason/ip-address"),
    (r"Quoting the part before the @-sign is not allowed here\.", "email-reason/quoted"),
    (rf"The email address is too long before the @-sign \({_COUNT} characters? too many\)\.",
     "email-reason/too-long-before-at"),
    (rf"The email address is too long after the @-sign \({_COUNT} characters? too many\)\.",
     "email-reason/too-long-after-at"),
    (rf"The email address is too long after the @-sign \({_COUNT} bytes? too many after IDNA "
     r"encoding\)\.", "email-reason/too-long-idna"),
    (rf"The email address is too long \({_COUNT} characters? too many\)\.",
     "email-reason/too-long"),
    (rf"After the @-sign, periods cannot be separated by so many characters \({_COUNT} "
     r"characters? too many\)\.", "email-reason/label-too-long"),
    (rf"Internationalized characters before the @-sign are not supported: {_CHARACTERS}\.",
     "email-reason/international-before-at"),
    (r"Internationalized characters before the @-sign are not supported\.",
     "email-reason/international"),
    (rf"The email address contains invalid characters in quotes before the @-sign: "
     rf"{_CHARACTERS}\.", "email-reason/invalid-quoted"),
    (r"The email address contains an invalid character\.", "email-reason/invalid-character"),
    (rf"The email address contains invalid characters before the @-sign: {_CHARACTERS}\.",
     "email-reason/invalid-before-at"),
    (r"The email address contains invalid characters before the @-sign\.",
     "email-reason/invalid-before-at-unnamed"),
    (rf"The email address contains unsafe characters: {_CHARACTERS}\.",
     "email-reason/unsafe"),
    (r"An email address cannot start with a period\.", "email-reason/starts-with-period"),
    (r"An email address cannot have a period immediately before the @-sign\.",
     "email-reason/period-before-at"),
    (r"An email address cannot have a period immediately after the @-sign\.",
     "email-reason/period-after-at"),
    (r"An email address cannot have a hyphen immediately after the @-sign\.",
     "email-reason/hyphen-after-at"),
    (r"An email address cannot end with a period\.", "email-reason/ends-with-period"),
    (r"An email address cannot end with a hyphen\.", "email-reason/ends-with-hyphen"),
    (r"An email address cannot have two periods in a row\.", "email-reason/two-periods"),
    (r"An email address cannot have a period and a hyphen next to each other\.",
     "email-reason/period-and-hyphen"),
    (rf"The part after the @-sign contains invalid characters after Unicode normalization: "
     rf"{_CHARACTERS}\.", "email-reason/invalid-after-normalization"),
    (rf"The part after the @-sign contains invalid characters: {_CHARACTERS}\.",
     "email-reason/invalid-after-at"),
    (r"An email address cannot have two letters followed by two dashes immediately after the "
     r"@-sign or after a period, except Punycode\.", "email-reason/two-dashes"),
    (r"The email address contains invalid characters after the @-sign after IDNA encoding\.",
     "email-reason/invalid-idna"),
    (r"The part after the @-sign is not valid\. It should have a period\.",
     "email-reason/no-period"),
    (r"The part after the @-sign is not valid\. It is not within a valid top-level domain\.",
     "email-reason/top-level-domain"),
    (r"The part after the @-sign is a special-use or reserved name that cannot be used with "
     r"email\.", "email-reason/reserved-name"),
    (r"The email address is not valid ASCII\.", "email-reason/not-ascii"),
    (r"After Unicode normalization: (?P<reason>.+)", "email-reason/after-normalization"),
)


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(pattern, re.DOTALL), key) for pattern, key in REASONS)


def reason(text: str) -> Message | str:
    """The library's sentence as a message of the table; the sentence itself when it is not
    one clientreg knows."""
    for pattern, key in _patterns():
        found = pattern.fullmatch(text)
        if found is None:
            continue
        params: dict[str, object] = dict(found.groupdict())
        if "count" in params:
            params["count"] = int(found.group("count"))
        if "reason" in params:
            params["reason"] = reason(found.group("reason"))
        return Message(key, params)
    return text


# python-stdnum's exceptions by class name (the most specific first), with their message's key.
TAX_ID_REASONS = (("InvalidLength", "tax-id-reason/length"),
                  ("InvalidChecksum", "tax-id-reason/checksum"),
                  ("InvalidComponent", "tax-id-reason/component"),
                  ("InvalidFormat", "tax-id-reason/format"))


def tax_id_reason(error: Exception) -> Message | str:
    """python-stdnum's refusal as a message of the table, when it is one of its four sentences
    (an exception raised with a sentence of its own is shown as it is)."""
    if not error.args:
        names = {cls.__name__ for cls in type(error).__mro__}
        for name, key in TAX_ID_REASONS:
            if name in names:
                return Message(key)
    return str(error)
