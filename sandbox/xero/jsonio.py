"""JSON in and out with exact decimals.

Xero prints money as JSON numbers with their scale (``230.00``, ``1.0000``). Python's ``json`` cannot
write a ``Decimal`` as a number, so the sandbox uses simplejson (already locked through dlt, now a
declared dependency) with ``use_decimal``: amounts are ``Decimal`` from the request body to the
response text and never pass through binary floats.
"""

from __future__ import annotations

import json
from typing import Any

import simplejson

_plain = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def dumps(obj: Any) -> str:
    """Compact JSON text; ``Decimal`` values keep their scale."""
    return simplejson.dumps(obj, use_decimal=True, separators=(",", ":"), ensure_ascii=False)


def dumps_fast(obj: Any) -> str:
    """``dumps`` for documents that usually hold no money (contacts): the standard library's C
    encoder, falling back to simplejson when a ``Decimal`` turns up."""
    try:
        return _plain(obj)
    except TypeError:
        return dumps(obj)


def loads(text: str | bytes) -> Any:
    """Parse JSON; non-integer numbers become ``Decimal``."""
    return simplejson.loads(text, use_decimal=True)
