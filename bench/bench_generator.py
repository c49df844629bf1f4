"""Benchmark: generate a workshop (``sandbox.generator.generate``), write it, and optionally seed
both sandboxes from it.

    .venv/bin/python bench/bench_generator.py                      # large, seed 42, end 2026-03-01
    .venv/bin/python bench/bench_generator.py --profile demo --check-determinism
    .venv/bin/python bench/bench_generator.py --seed-sandboxes /tmp/seeded

Reports the generation time per stage against the 60 s target (exit status 1 above it), peak
memory, the volumes actually generated per day (invoices, part lines, purchase orders, payments)
against the profile's promise, the time to write the frames and the expected outcome as parquet,
and — with ``--seed-sandboxes`` — the time to seed the Auxo and the Xero sandbox.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sandbox.generator import generate, seed_auxo, seed_xero, write_expected, write_workshop

TARGET_SECONDS = 60.0


def _peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024  # KiB on Linux


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.iterdir()):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def _per_day(workshop) -> dict[str, float]:
    days = workshop.timeline.days
    part_lines = workshop.lines.filter(pl.col("kind") == "part").height
    return {"days": days, "invoices": round(workshop.invoices.height / days), "part_lines": round(part_lines / days),
            "purchase_orders": round(workshop.orders.height / days), "payments": round(workshop.payments.height / days)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="large")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--end-date", type=date.fromisoformat, default=date(2026, 3, 1))
    parser.add_argument("--out", type=Path, help="keep the written parquet here (default: a temporary folder)")
    parser.add_argument("--check-determinism", action="store_true", help="generate and write twice, compare bytes")
    parser.add_argument("--seed-sandboxes", type=Path, metavar="DIR", help="also seed both sandboxes under DIR")
    args = parser.parse_args()

    out = args.out or Path(tempfile.mkdtemp(prefix="bench-generator-"))
    stages: dict[str, float] = {}
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    workshop = generate(args.profile, args.seed, args.end_date, timings=stages)
    generated = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    load = round(os.getloadavg()[0], 1)
    peak_after_generate = _peak_rss_gb()

    started = time.perf_counter()
    write_workshop(workshop, out / "workshop")
    written = time.perf_counter() - started
    started = time.perf_counter()
    write_expected(workshop, out / "expected")
    expected = time.perf_counter() - started
    size_mb = sum(p.stat().st_size for p in (out / "workshop").iterdir()) / 1e6

    report = {
        "profile": args.profile, "seed": args.seed, "end_date": str(args.end_date),
        "generate_seconds": round(generated, 1), "generate_cpu_seconds": round(cpu, 1), "load_average": load,
        "target_seconds": TARGET_SECONDS, "stages": stages,
        "peak_rss_gb_after_generate": round(peak_after_generate, 2),
        "write_parquet_seconds": round(written, 1), "parquet_mb": round(size_mb), "write_expected_seconds": round(expected, 1),
        "rows": {name: frame.height for name, frame in workshop.frames().items()},
        "customers": workshop.customers.height, "xero_contacts": workshop.xero_contacts.height,
        "per_day": _per_day(workshop),
    }
    if args.check_determinism:
        again = generate(args.profile, args.seed, args.end_date)
        write_workshop(again, out / "again")
        report["byte_identical"] = _digest(out / "workshop") == _digest(out / "again")
        del again
    if args.seed_sandboxes:
        started = time.perf_counter()
        seed_auxo(workshop, args.seed_sandboxes / "auxo")
        report["seed_auxo_seconds"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        report["seed_xero_counts"] = seed_xero(workshop, args.seed_sandboxes / "xero")
        report["seed_xero_seconds"] = round(time.perf_counter() - started, 1)
    report["peak_rss_gb"] = round(_peak_rss_gb(), 2)

    print(json.dumps(report))
    print(f"\n{args.profile}: generated in {generated:.1f} s wall, {cpu:.1f} s CPU (target {TARGET_SECONDS:.0f} s), "
          f"peak {report['peak_rss_gb']} GB, load average {load} on {os.cpu_count()} cores", file=sys.stderr)
    for stage, seconds in stages.items():
        print(f"  {stage:<34} {seconds:6.1f} s", file=sys.stderr)
    print(f"  per day: {report['per_day']}", file=sys.stderr)
    ok = generated <= TARGET_SECONDS and report.get("byte_identical", True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
