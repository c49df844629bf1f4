"""Benchmark: match 100k Auxo contacts against 80k Xero contacts (``assets.contacts.matching``).

    .venv/bin/python bench/bench_contact_matching.py [--auxo 100000] [--xero 80000] [--repeat 3]
    .venv/bin/python bench/bench_contact_matching.py --generator large   # the generator's own contacts

Synthetic but shaped like a workshop: people and businesses drawn from name pools (so namesakes
exist and the name join has real fan-out), Xero copies written differently (case, spacing,
"Pty Ltd", ``+61``/``(02)``/area-code phones, email case), name-only namesakes, ambiguous pairs,
archived and merged contacts, and unrelated Xero contacts. Everything the matcher does is timed:
normalising both sides, the two equi-joins, merges, the decisions and the review rows. The planted
truth is checked, so a fast wrong answer does not pass. Prints the time and its ratio to the 2 s
target.

With ``--generator <profile>`` the contacts come from the data generator instead (its ``large``
profile: 100k customers, 2k suppliers, 80k Xero contacts with every planted case), and the result
is checked against the generator's expected links, review queue and creates.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assets.contacts.matching import match_contacts

TARGET_SECONDS = 2.0
FIRST = [f"{a}{b}" for a in ("Al", "Be", "Ca", "Da", "El", "Fa", "Ga", "Ha", "Iv", "Ja", "Ka", "Le", "Ma", "Ni",
                             "Ol", "Pa", "Ro", "Sa", "Ta", "Vi") for b in ("ex", "ra", "na", "ck", "ta", "ny", "lo",
                                                                            "ri", "so", "la")]
LAST = [f"{a}{b}{c}" for a in ("B", "C", "D", "F", "G", "H", "K", "L", "M", "N", "P", "R", "S", "T", "W")
        for b in ("ar", "en", "il", "or", "un", "ol", "ay", "ess") for c in ("son", "ton", "ley", "man", "ford",
                                                                            "well", "ings", "ridge", "wood", "er")]
TRADES = ["Plumbing", "Electrical", "Transport", "Builders", "Roofing", "Catering", "Cleaning", "Towing", "Solar",
          "Auto Parts", "Tyres", "Glass"]


def _phone(numbers: np.ndarray, style: np.ndarray) -> list[str]:
    out = []
    for n, s in zip(numbers.tolist(), style.tolist(), strict=True):
        d = f"{n:08d}"
        area = "2379"[n % 4]
        out.append([f"0{area} {d[:4]} {d[4:]}", f"(0{area}) {d[:4]} {d[4:]}", f"0{area}{d}",
                    f"+61 {area} {d[:4]} {d[4:]}"][s])
    return out


def workshop(n_auxo: int, n_xero: int, seed: int = 7) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, dict]:
    """Auxo contacts, Xero contacts and phones, and the planted outcome per Auxo id."""
    rng = np.random.default_rng(seed)
    ids = [f"cus_{i:07d}" for i in range(n_auxo)]
    business = rng.random(n_auxo) < 0.3
    first = np.array(FIRST)[rng.integers(0, len(FIRST), n_auxo)]
    last = np.array(LAST)[rng.integers(0, len(LAST), n_auxo)]
    trade = np.array(TRADES)[rng.integers(0, len(TRADES), n_auxo)]
    # names are unique (a number keeps planted cases apart, as the generator does); the pools still
    # give the normalised names long shared prefixes and many shared words
    names = [f"{la} {t} {i} Pty Ltd" if b else f"{f} {la} {i}"
             for i, (f, la, t, b) in enumerate(zip(first, last, trade, business, strict=True))]
    numbers = rng.choice(10**8, size=2 * n_auxo + n_xero, replace=False)  # distinct, without shuffling 10^8
    phones = _phone(numbers[:n_auxo], rng.integers(0, 3, n_auxo))
    emails = [f"{n.lower().replace(' ', '.')}@mail{i % 7}.com.au" for i, n in enumerate(names)]
    auxo = pl.DataFrame({"connection_id": "c", "kind": np.where(rng.random(n_auxo) < 0.05, "supplier", "customer"),
                         "auxo_id": ids, "name": names, "email": emails, "phone": phones, "mobile": None,
                         "archived": False, "linked_xero_id": None, "link_source": None},
                        schema_overrides={"mobile": pl.String, "linked_xero_id": pl.String, "link_source": pl.String})

    case = rng.choice(["linked", "exact", "variant", "name_only", "ambiguous", "archived", "merged", "create"],
                      size=n_auxo, p=[0.30, 0.10, 0.20, 0.02, 0.005, 0.01, 0.005, 0.36])
    rows: list[dict] = []
    truth: dict[str, str] = {}
    for i, c in enumerate(case.tolist()):
        cid = f"x{i:07d}"
        name, email, phone = names[i], emails[i], phones[i]
        if c == "linked":
            rows.append({"contact_id": cid, "name": name, "email": email, "phone": phone})
            truth[ids[i]] = "linked"
        elif c == "exact":
            rows.append({"contact_id": cid, "name": name, "email": email, "phone": phone})
            truth[ids[i]] = "link"
        elif c == "variant":
            variant = [name.upper(), "  " + name.replace(" ", "  "), name.replace(" Pty Ltd", " PTY. LTD."),
                       name.lower().replace(" pty ltd", "")][i % 4]
            by_phone = i % 2 == 0
            digits = "".join(ch for ch in phone if ch.isdigit())
            rows.append({"contact_id": cid, "name": variant, "email": None if by_phone else email.upper(),
                         "phone": ("+61 " + digits[1:]) if by_phone else None})
            truth[ids[i]] = "link"
        elif c == "name_only":
            rows.append({"contact_id": cid, "name": name, "email": f"other{i}@x.au", "phone": "0299999999"})
            truth[ids[i]] = "review"
        elif c == "ambiguous":
            rows.append({"contact_id": cid, "name": name, "email": email, "phone": phone})
            rows.append({"contact_id": cid + "b", "name": name.replace(" Pty Ltd", ""), "email": email, "phone": phone})
            truth[ids[i]] = "review"
        elif c == "archived":
            rows.append({"contact_id": cid, "name": name, "phone": phone, "email": None, "status": "ARCHIVED"})
            truth[ids[i]] = "review"
        elif c == "merged":
            rows.append({"contact_id": cid, "name": name, "email": email, "phone": phone, "status": "ARCHIVED",
                         "merged_to_contact_id": cid + "k"})
            rows.append({"contact_id": cid + "k", "name": name.upper(), "email": None, "phone": None})
            truth[ids[i]] = "link"
        else:
            truth[ids[i]] = "create"
    linked = [ids[i] for i, c in enumerate(case.tolist()) if c == "linked"]
    auxo = auxo.with_columns(
        linked_xero_id=pl.when(pl.col("auxo_id").is_in(linked)).then(pl.lit("x") + pl.col("auxo_id").str.slice(4)),
        link_source=pl.when(pl.col("auxo_id").is_in(linked)).then(pl.lit("auxo")))
    noise = max(0, n_xero - len(rows))
    noise_numbers = numbers[2 * n_auxo: 2 * n_auxo + noise]
    rows += [{"contact_id": f"n{j:07d}", "name": f"Unrelated {LAST[j % len(LAST)]} {j}", "email": f"hello{j}@n.au",
              "phone": p, "status": "ARCHIVED" if j % 20 == 0 else "ACTIVE"}
             for j, p in enumerate(_phone(noise_numbers, rng.integers(0, 4, noise)))]
    xero_all = pl.DataFrame(rows, schema={"contact_id": pl.String, "name": pl.String, "email": pl.String,
                                          "phone": pl.String, "status": pl.String,
                                          "merged_to_contact_id": pl.String}).with_columns(
        connection_id=pl.lit("c"), status=pl.col("status").fill_null("ACTIVE"))
    xero = xero_all.select("connection_id", "contact_id", "name", "email", "status", "merged_to_contact_id")
    xero_phones = xero_all.drop_nulls("phone").select("connection_id", "contact_id", "phone")
    return auxo, xero, xero_phones, truth


def generator_workshop(profile_name: str) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, dict]:
    """The generator's contact book for ``profile_name`` as the matcher takes it, and its expected outcome."""
    from datetime import date
    from types import SimpleNamespace

    from sandbox.generator import expected
    from sandbox.generator.contacts import build_contact_book
    from sandbox.generator.pools import build_pools
    from sandbox.generator.profiles import get_profile
    from sandbox.generator.timeline import Timeline

    profile = get_profile(profile_name)
    timeline = Timeline.for_profile(profile.pre_sync_days, profile.synced_days, profile.window_days, date(2026, 3, 1))
    book = build_contact_book(profile, build_pools(42), timeline, 42)

    def auxo_side(frame: pl.DataFrame, kind: str) -> pl.DataFrame:
        return frame.select(connection_id=pl.lit("c"), kind=pl.lit(kind), auxo_id="id", name="name", email="email",
                            phone="phone", mobile="mobile", archived="archived", linked_xero_id="xero_contact_id",
                            link_source=pl.when(pl.col("xero_contact_id").is_not_null()).then(pl.lit("auxo")))

    auxo = pl.concat([auxo_side(book.customers, "customer"), auxo_side(book.suppliers, "supplier")])
    contacts = book.xero_contacts
    xero = contacts.select(connection_id=pl.lit("c"), contact_id="ContactID", name="Name", email="EmailAddress",
                           status="ContactStatus", merged_to_contact_id=pl.lit(None, pl.String))
    phones = pl.concat([
        contacts.select(connection_id=pl.lit("c"), contact_id="ContactID", phone=pl.concat_str(
            [pl.col("PhoneAreaCode").fill_null(""), pl.col("PhoneNumber").fill_null("")], separator=" ")),
        contacts.select(connection_id=pl.lit("c"), contact_id="ContactID", phone="MobileNumber"),
    ]).drop_nulls("phone")
    shim = SimpleNamespace(xero_contacts=contacts, customers=book.customers, suppliers=book.suppliers)
    truth = {auxo_id: "review" for auxo_id in expected.contact_review(shim)["auxo_id"]}
    truth |= {auxo_id: "create" for auxo_id in expected.contacts_to_create(shim)["auxo_id"]}
    links = expected.contact_links(shim)
    truth |= {row["auxo_id"]: ("linked" if row["state"] == "existing" else "link") + ":" + row["xero_contact_id"]
              for row in links.iter_rows(named=True)}
    return auxo, xero, phones, truth


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--auxo", type=int, default=100_000)
    parser.add_argument("--xero", type=int, default=80_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--generator", metavar="PROFILE", help="use the data generator's contacts (tiny, demo, large)")
    args = parser.parse_args()
    if args.generator:
        auxo, xero, phones, truth = generator_workshop(args.generator)
    else:
        auxo, xero, phones, truth = workshop(args.auxo, args.xero)
    print(f"{auxo.height:,} Auxo contacts × {xero.height:,} Xero contacts ({phones.height:,} phones), "
          f"{pl.thread_pool_size()} polars threads")
    times = []
    result = None
    for _ in range(args.repeat):
        started = time.perf_counter()
        result = match_contacts(auxo, xero, phones)
        times.append(time.perf_counter() - started)
    assert result is not None
    got = {row["auxo_id"]: row["decision"] + (":" + row["xero_contact_id"] if args.generator and row["xero_contact_id"]
                                              else "")
           for row in result.matches.iter_rows(named=True)}
    wrong = {a: (want, got.get(a)) for a, want in truth.items() if got.get(a) != want}
    counts = dict(result.matches.group_by("decision").len().sort("decision").iter_rows())
    best = min(times)
    print(f"decisions: {counts}; review rows: {result.review.height:,}")
    print(f"planted outcome: {len(truth) - len(wrong):,}/{len(truth):,} correct"
          + (f"; first differences: {list(wrong.items())[:5]}" if wrong else ""))
    print(f"match_contacts: best {best:.3f} s of {args.repeat} ({', '.join(f'{t:.3f}' for t in times)}); "
          f"target {TARGET_SECONDS:.1f} s → {best / TARGET_SECONDS:.2f}× the target "
          f"({'within' if best <= TARGET_SECONDS else 'OVER'} budget)")
    return 0 if not wrong and best <= TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
