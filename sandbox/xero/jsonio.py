"""JSON in and out with exact decimals.

Xero prints money as JSON numbers with their scale (``230.00``, ``1.0000``). Python's ``json`` cannot
write a ``Decimal`` as a number, so the sandbox uses simplejson (already locked through dlt, now a
declared dependency) with ``use_decimal``: amounts are ``Decimal`` from the request body to the
response text and never pass through binary floats.
"""

from __future__ import annotations

from typing import Any

import simplejson


def dumps(obj: Any) -> str:
    """Compact JSON text; ``Decimal`` values keep their scale."""
    return simplejson.dumps(obj, use_decimal=True, separators=(",", ":"), ensure_ascii=False)


def loads(text: str | bytes) -> Any:
    """Parse JSON; non-integer numbers become ``Decimal``."""
    return simplejson.loads(text, use_decimal=True)
