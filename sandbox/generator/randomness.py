"""Seeded randomness: one independent numpy stream per purpose, and ids.

Each module draws from its own stream (``stream(seed, "invoices")``), so adding a draw in one
place never shifts the data made elsewhere, and the same profile, seed and end date always give
byte-identical output.
"""

from __future__ import annotations

import zlib

import numpy as np
import polars as pl


def stream(seed: int, purpose: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(purpose.encode())])


def uuids(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` random version-4 UUID strings, as Xero ids look."""
    words = rng.integers(0, 2**63, size=(n, 2), dtype=np.int64).astype(np.uint64)
    words[:, 0] = (words[:, 0] & np.uint64(0xFFFFFFFFFFFF0FFF)) | np.uint64(0x4000)
    words[:, 1] = (words[:, 1] & np.uint64(0x3FFFFFFFFFFFFFFF)) | np.uint64(0x8000000000000000)
    out = []
    for high, low in words.tolist():
        text = f"{high:016x}{low:016x}"
        out.append(f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}")
    return out


def auxo_ids(prefix: str, index: pl.Expr | str, width: int = 8) -> pl.Expr:
    """Opaque-looking, stable Auxo ids from a row number: ``inv_00001234``."""
    column = pl.col(index) if isinstance(index, str) else index
    return pl.lit(f"{prefix}_") + column.cast(pl.String).str.zfill(width)
