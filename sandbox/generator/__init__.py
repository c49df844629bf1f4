"""The workshop data generator: one seeded, deterministic workshop for the demo, the tests and the
benchmarks, seeding both sandboxes consistently and writing the expected outcome of a correct sync.

- ``generate(profile, seed, end_date) -> Workshop`` — frames (polars), byte-identical for the same
  arguments (``write_workshop`` dumps them as parquet);
- ``seed_sandboxes(workshop, xero_state_dir, auxo_state_dir)`` — replace both sandboxes' books;
- ``write_expected(workshop, folder)`` — the expected outcome (docs/generator.md);
- ``seed(profile, seed, end_date, xero_state, auxo_state, expected_dir, synced_days=None)`` — all
  three, for the CLI (``with_synced_days(profile, n)``: a profile with ``n`` days already synced).
"""

from __future__ import annotations

import json
from pathlib import Path

from sandbox.generator.expected import write_expected
from sandbox.generator.profiles import PROFILES, Profile, get_profile, with_synced_days
from sandbox.generator.seed import seed, seed_auxo, seed_sandboxes, seed_xero
from sandbox.generator.workshop import Workshop, generate


def write_workshop(workshop: Workshop, folder: Path) -> list[Path]:
    """Every frame as ``<name>.parquet`` plus ``meta.json``: the generated data, for benchmarks and
    for proving determinism (same arguments, same bytes)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in workshop.frames().items():
        path = folder / f"{name}.parquet"
        frame.write_parquet(path, statistics=False)
        paths.append(path)
    meta = folder / "meta.json"
    meta.write_text(json.dumps(workshop.meta, indent=2, sort_keys=True) + "\n")
    return [*paths, meta]


__all__ = [
    "PROFILES",
    "Profile",
    "Workshop",
    "generate",
    "get_profile",
    "seed",
    "seed_auxo",
    "seed_sandboxes",
    "seed_xero",
    "with_synced_days",
    "write_expected",
    "write_workshop",
]
