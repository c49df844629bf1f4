"""Same profile, seed and end date: byte-identical data and expected outcome."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from sandbox.generator import generate, write_expected, write_workshop


def _digests(folder: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(folder.iterdir())}


def test_the_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    runs = []
    for run in ("a", "b"):
        workshop = generate("tiny", 7, date(2026, 3, 1))
        write_workshop(workshop, tmp_path / run / "workshop")
        write_expected(workshop, tmp_path / run / "expected")
        runs.append({part: _digests(tmp_path / run / part) for part in ("workshop", "expected")})
    assert runs[0] == runs[1]
    assert len(runs[0]["workshop"]) == 18 and len(runs[0]["expected"]) == 15


def test_another_seed_or_end_date_gives_other_data(tmp_path: Path) -> None:
    base = generate("tiny", 7, date(2026, 3, 1))
    other_seed = generate("tiny", 8, date(2026, 3, 1))
    other_end = generate("tiny", 7, date(2026, 3, 2))
    assert base.customers["name"].to_list() != other_seed.customers["name"].to_list()
    assert other_end.meta["end_date"] == "2026-03-02" and base.meta["end_date"] == "2026-03-01"
    assert base.invoices["created_us"].max() < other_end.invoices["created_us"].max()


def test_every_seed_and_end_date_plants_every_case() -> None:
    """Planting never runs out of candidates, across seeds and the daylight-saving changes."""
    from sandbox.generator.plants import SYNCED_PLANTS, WINDOW_PLANTS

    for seed in range(6):
        for end in (date(2026, 4, 6), date(2026, 10, 5)):  # the days after Sydney's DST ends / starts
            workshop = generate("tiny", seed, end)
            planted = set(workshop.invoices["planted"].drop_nulls())
            assert planted == {*SYNCED_PLANTS, *WINDOW_PLANTS}, (seed, end)
            assert (workshop.invoices["balance"] >= 0).all()
            assert workshop.invoices["invoice_date"].max() == end
