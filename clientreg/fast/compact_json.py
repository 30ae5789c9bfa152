"""The JSON of stored values, as json.dumps gives it, with the encoder built once.

``json.dumps`` with options builds a new encoder for every call, and its C part for every value:
for the small values of an import, building them was almost half the cost. This module builds
the C encoder once, through ``json.encoder.c_make_encoder``, a private part of the standard
library that no version bound can pin; where it is missing (an interpreter without the C
accelerator, or a release that drops it), the same options go through the pure Python encoder.
"""

from __future__ import annotations

import json
from typing import Any

_OPTIONS: dict[str, Any] = {"ensure_ascii": False, "separators": (",", ":"), "sort_keys": True}
_ENCODER = json.JSONEncoder(**_OPTIONS)


def _c_encoder() -> Any:
    """The C encoder _ENCODER would build for each value, or None where there is none."""
    make = getattr(json.encoder, "c_make_encoder", None)
    quote = getattr(json.encoder, "encode_basestring", None)
    if make is None or quote is None:
        return None
    try:
        # Plain data, no cycles to look for (markers None); the remaining arguments are
        # _ENCODER's own: default, key separator, item separator, sort_keys, skipkeys, allow_nan.
        return make(None, _ENCODER.default, quote, None, ":", ",", True, False, True)
    except TypeError:  # another signature
        return None


_C_ENCODE = _c_encoder()


def dumps(value: Any) -> str:
    """``json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)``."""
    if _C_ENCODE is None or isinstance(value, str):
        return _ENCODER.encode(value)
    return "".join(_C_ENCODE(value, 0))
