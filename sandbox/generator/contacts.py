"""Customers, suppliers, vehicles — and the Xero contacts they must (or must not) match.

Every Auxo contact gets a *case* that says, by construction, what a correct sync does with it:

| case | Xero side | correct outcome |
|---|---|---|
| ``linked`` | the contact it is already linked to | stays linked |
| ``exact`` | same name, phone and email | link |
| ``normalised`` | same only after normalising case, spacing, "Pty Ltd", phone format (+61 / 0 / spaces / area code split) or email case | link |
| ``duplicate_name`` | two Auxo customers share a name; one Xero contact with that name and the first one's phone | link the first … |
| ``name_only`` | same name, different phone and email (the second of a duplicate pair too) | … review, never auto-link |
| ``ambiguous`` | two Xero contacts ("X" and "X Pty Ltd") with the same phone and email | review |
| ``archived_match`` | an archived contact matching by name and phone | review |
| ``archived_linked`` | linked, then archived in Xero | stays linked; its new invoice fails (planted error) |
| ``create`` | nothing like it | create in Xero |

Names are unique by construction (``pools``), so no case happens by accident. Xero contacts with no
Auxo counterpart (``noise``) fill the organisation up to the profile's size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from sandbox.generator.pools import (
    CUSTOMER_TRADES,
    EMAIL_DOMAINS,
    NOISE_TRADES,
    SUPPLIER_TRADES,
    VEHICLES,
    Pools,
)
from sandbox.generator.profiles import Profile
from sandbox.generator.randomness import auxo_ids, stream, uuids
from sandbox.generator.timeline import US_PER_DAY, Timeline

PHONE_SPACE = 10**8  # 8 subscriber digits
LEADING_DIGITS = np.array([9, 8, 4, 5, 6, 7], dtype=np.int64)
LANDLINE_STEP, MOBILE_STEP = 7_654_321, 4_827_133  # coprime to 10
AREAS = np.array(["2", "3", "7", "8"])


@dataclass
class ContactBook:
    customers: pl.DataFrame
    suppliers: pl.DataFrame
    vehicles: pl.DataFrame
    xero_contacts: pl.DataFrame


def _unique_numbers(start: int, n: int, multiplier: int) -> np.ndarray:
    """``n`` distinct 8-digit subscriber numbers for indexes ``start .. start+n``.

    The last 7 digits are an affine bijection modulo 10^7 (the multiplier is coprime to 10), so
    distinct indexes never share a number; the leading digit looks like a real exchange.
    """
    j = np.arange(start, start + n, dtype=np.int64)
    return LEADING_DIGITS[j % len(LEADING_DIGITS)] * 10**7 + (j * multiplier + 3_141_593) % 10**7


def _landline(numbers: np.ndarray, style: np.ndarray) -> pl.Series:
    """Australian landlines as people type them: ``02 9876 5432``, ``(02) 9876 5432``, ``0298765432``."""
    frame = pl.DataFrame({"n": numbers, "area": AREAS[(numbers // 7) % 4], "style": style})
    digits = pl.col("n").cast(pl.String).str.zfill(8)
    head, tail = digits.str.slice(0, 4), digits.str.slice(4, 4)
    return frame.select(
        pl.when(pl.col("style") == 0).then(pl.lit("0") + pl.col("area") + " " + head + " " + tail)
        .when(pl.col("style") == 1).then(pl.lit("(0") + pl.col("area") + ") " + head + " " + tail)
        .otherwise(pl.lit("0") + pl.col("area") + head + tail)
    ).to_series()


def _mobile(numbers: np.ndarray, style: np.ndarray) -> pl.Series:
    frame = pl.DataFrame({"n": numbers % PHONE_SPACE, "style": style})
    digits = pl.col("n").cast(pl.String).str.zfill(8)
    return frame.select(
        pl.when(pl.col("style") == 0).then(pl.lit("04") + digits.str.slice(0, 2) + " " + digits.str.slice(2, 3) + " "
                                           + digits.str.slice(5, 3))
        .otherwise(pl.lit("04") + digits)
    ).to_series()


def _people(pools: Pools, pair_ids: np.ndarray) -> tuple[list[str], list[str]]:
    n_last = len(pools.last_names)
    first = [pools.first_names[i] for i in (pair_ids // n_last).tolist()]
    last = [pools.last_names[i] for i in (pair_ids % n_last).tolist()]
    return first, last


def _businesses(pools: Pools, combo_ids: np.ndarray, trades: tuple[str, ...]) -> list[str]:
    n_last = len(pools.last_names)
    return [f"{pools.last_names[c % n_last]} {trades[c // n_last]}" for c in combo_ids.tolist()]


def _addresses(rng: np.random.Generator, pools: Pools, n: int) -> dict[str, list]:
    suburb = rng.integers(0, len(pools.suburbs), n)
    return {
        "line1": [f"{num} {pools.streets[s]}" for num, s in zip(rng.integers(1, 400, n).tolist(),
                                                                 rng.integers(0, len(pools.streets), n).tolist(),
                                                                 strict=True)],
        "suburb": [pools.suburbs[s][0] for s in suburb.tolist()],
        "state": [pools.suburbs[s][1] for s in suburb.tolist()],
        "postcode": [pools.suburbs[s][2] for s in suburb.tolist()],
    }


def _case_plan(profile: Profile, rng: np.random.Generator, kind: np.ndarray) -> np.ndarray:
    """Assign a case to each customer: ambiguous ones are businesses, duplicate pairs individuals."""
    n = len(kind)
    case = np.full(n, "create", dtype=object)
    free = np.ones(n, dtype=bool)

    def take(count: int, pool_mask: np.ndarray) -> np.ndarray:
        candidates = np.flatnonzero(free & pool_mask)
        chosen = np.sort(rng.choice(candidates, size=min(count, len(candidates)), replace=False))
        free[chosen] = False
        return chosen

    business, individual = kind == "business", kind == "individual"
    case[take(profile.cases(profile.ambiguous_share), business)] = "ambiguous"
    pairs = profile.cases(profile.duplicate_name_share)
    first_of_pair = take(pairs, individual)
    second_of_pair = take(pairs, individual)
    case[first_of_pair] = "duplicate_name"
    case[second_of_pair] = "duplicate_second"
    case[take(1, np.ones(n, bool))] = "archived_linked"
    for name, share in (("name_only", profile.name_only_share), ("archived_match", profile.archived_match_share),
                        ("normalised", profile.normalised_share), ("exact", profile.exact_share),
                        ("linked", profile.linked_share)):
        case[take(profile.cases(share), np.ones(n, bool))] = name
    return case, first_of_pair, second_of_pair


def build_customers(profile: Profile, pools: Pools, timeline: Timeline, seed: int) -> pl.DataFrame:
    rng = stream(seed, "customers")
    n = profile.customers
    kind = np.where(rng.random(n) < 0.75, "individual", "business")
    n_last = len(pools.last_names)
    person_pairs = rng.choice(len(pools.first_names) * n_last, size=n, replace=False)
    business_combos = np.zeros(n, dtype=np.int64)
    business_combos[kind == "business"] = rng.choice(len(CUSTOMER_TRADES) * n_last, size=int((kind == "business").sum()),
                                                     replace=False)
    first, last = _people(pools, person_pairs)  # the pairs are kept: noise contacts must avoid them
    trade_names = _businesses(pools, business_combos, CUSTOMER_TRADES)
    pty = rng.random(n) < 0.6
    is_person = kind == "individual"
    name = [f"{f} {la}" if p else (f"{b} Pty Ltd" if s else b)
            for f, la, b, p, s in zip(first, last, trade_names, is_person.tolist(), pty.tolist(), strict=True)]
    domains = np.array(EMAIL_DOMAINS)[rng.integers(0, len(EMAIL_DOMAINS), n)]
    email = [f"{f.lower()}.{la.lower()}@{d}" if p else f"accounts@{b.lower().replace(' ', '')}.com.au"
             for f, la, b, d, p in zip(first, last, trade_names, domains.tolist(), is_person.tolist(), strict=True)]
    case, first_of_pair, second_of_pair = _case_plan(profile, rng, kind)
    # the second of a duplicate pair carries the first one's name (two different people)
    for a, b in zip(first_of_pair.tolist(), second_of_pair.tolist(), strict=True):
        name[b], first[b], last[b] = name[a], first[a], last[a]
        email[b] = f"{first[a].lower()}{b}@{domains[b]}"
    needs_both = np.isin(case, ["normalised", "ambiguous", "archived_match", "exact", "duplicate_name"])
    no_email = (rng.random(n) < 0.18) & ~needs_both
    no_phone = (rng.random(n) < 0.08) & ~needs_both & ~no_email
    phone = _landline(_unique_numbers(0, n, LANDLINE_STEP), rng.integers(0, 3, n))
    mobile = _mobile(_unique_numbers(0, n, MOBILE_STEP), rng.integers(0, 2, n))
    has_mobile = (rng.random(n) < 0.7) & is_person
    created = timeline.local_midnight_us()[0] - rng.integers(US_PER_DAY, 3 * 365 * US_PER_DAY, n)
    frame = pl.DataFrame({
        "idx": np.arange(n), "kind": kind, "name": name,
        "first_name": [f if p else None for f, p in zip(first, is_person.tolist(), strict=True)],
        "last_name": [la if p else None for la, p in zip(last, is_person.tolist(), strict=True)],
        "contact_person": [None if p else f"{f} {la}" for f, la, p in zip(first, last, is_person.tolist(), strict=True)],
        "email": email, "no_email": no_email, "phone": phone, "no_phone": no_phone, "mobile": mobile,
        "has_mobile": has_mobile, **_addresses(rng, pools, n),
        "abn": [None if p else f"{a:011d}" for a, p in zip(rng.integers(10**10, 10**11 - 1, n).tolist(),
                                                          is_person.tolist(), strict=True)],
        "case": case.astype(str), "created_us": created,
        "variation": rng.integers(0, 1 << 30, n), "person_pair": person_pairs,
    })
    return frame.with_columns(
        id=auxo_ids("cus", "idx"),
        email=pl.when(pl.col("no_email")).then(None).otherwise(pl.col("email")),
        phone=pl.when(pl.col("no_phone")).then(None).otherwise(pl.col("phone")),
        mobile=pl.when(pl.col("has_mobile")).then(pl.col("mobile")).otherwise(None),
        archived=pl.lit(False),
    ).drop("no_email", "no_phone", "has_mobile")


def build_suppliers(profile: Profile, pools: Pools, timeline: Timeline, seed: int) -> pl.DataFrame:
    rng = stream(seed, "suppliers")
    n = profile.suppliers
    combos = rng.choice(len(SUPPLIER_TRADES) * len(pools.last_names), size=n, replace=False)
    base = _businesses(pools, combos, SUPPLIER_TRADES)
    pty = rng.random(n) < 0.7
    case = np.full(n, "create", dtype=object)
    order = rng.permutation(n)
    bounds = np.cumsum([max(1, round(n * s)) for s in (0.5, 0.15, 0.15)])
    case[order[: bounds[0]]] = "linked"
    case[order[bounds[0]: bounds[1]]] = "exact"
    case[order[bounds[1]: bounds[2]]] = "normalised"
    frame = pl.DataFrame({
        "idx": np.arange(n), "kind": "business",
        "name": [f"{b} Pty Ltd" if p else b for b, p in zip(base, pty.tolist(), strict=True)],
        "first_name": None, "last_name": None,
        "contact_person": [f"{f} {la}" for f, la in zip(*_people(pools, rng.integers(0, 10**5, n)), strict=True)],
        "email": [f"sales@{b.lower().replace(' ', '')}.com.au" for b in base],
        "phone": [f"1300 {d // 1000:03d} {d % 1000:03d}"  # a bijection modulo 10^6: distinct numbers
                  for d in ((np.arange(n, dtype=np.int64) * LANDLINE_STEP + 3_141_593) % 10**6).tolist()],
        "mobile": None, **_addresses(rng, pools, n), "abn": [f"{a:011d}" for a in rng.integers(10**10, 10**11 - 1, n).tolist()],
        "case": case.astype(str),
        "created_us": timeline.local_midnight_us()[0] - rng.integers(30 * US_PER_DAY, 5 * 365 * US_PER_DAY, n),
        "variation": rng.integers(0, 1 << 30, n),
    }, schema_overrides={"first_name": pl.String, "last_name": pl.String, "mobile": pl.String})
    return frame.with_columns(id=auxo_ids("sup", "idx", 6), archived=pl.lit(False))


def build_vehicles(customers: pl.DataFrame, seed: int) -> pl.DataFrame:
    rng = stream(seed, "vehicles")
    counts = rng.choice([1, 2, 3], size=customers.height, p=[0.8, 0.17, 0.03])
    owner = np.repeat(customers["idx"].to_numpy(), counts)
    n = len(owner)
    code = (np.arange(n, dtype=np.int64) * 2_654_435_761 + 97) % (26**4 * 100)  # bijective: unique plates
    letters = [chr(65 + int(x)) for x in range(26)]
    plates = [f"{letters[c // 2_600_000 % 26]}{letters[c // 100_000 % 26]}{letters[c // 3_846 % 26]}"
              f"{c % 100:02d}{letters[c // 100 % 26]}" for c in code.tolist()]
    model = rng.integers(0, len(VEHICLES), n)
    return pl.DataFrame({
        "idx": np.arange(n), "registration": plates,
        "make": [VEHICLES[m][0] for m in model.tolist()], "model": [VEHICLES[m][1] for m in model.tolist()],
        "year": rng.integers(2005, 2026, n), "customer_idx": owner,
    }).unique("registration", keep="first", maintain_order=True).with_columns(
        idx=pl.int_range(pl.len()), customer_id=auxo_ids("cus", "customer_idx"),
    ).with_columns(id=auxo_ids("veh", "idx"))


# ---------------------------------------------------------------- the Xero side


def _variant_name(name: pl.Expr, kind: pl.Expr, pick: pl.Expr) -> pl.Expr:
    """A spelling that differs only by case, spacing or the company suffix."""
    without_pty = name.str.replace(r" Pty Ltd$", "")
    return (
        pl.when((kind == "business") & (pick % 4 == 0)).then(
            pl.when(name.str.ends_with(" Pty Ltd")).then(without_pty).otherwise(name + pl.lit(" PTY. LTD.")))
        .when(pick % 4 == 1).then(name.str.to_uppercase())
        .when(pick % 4 == 2).then(pl.lit(" ") + name.str.replace(" ", "  ") + pl.lit(" "))
        .otherwise(name.str.to_lowercase())
    )


def _variant_label(kind: pl.Expr, pick: pl.Expr) -> pl.Expr:
    return (pl.when((kind == "business") & (pick % 4 == 0)).then(pl.lit("pty_ltd"))
            .when(pick % 4 == 1).then(pl.lit("upper_case")).when(pick % 4 == 2).then(pl.lit("spacing"))
            .otherwise(pl.lit("lower_case")))


def _international(phone: pl.Expr) -> pl.Expr:
    """``02 9876 5432`` → ``+61 2 9876 5432`` (the same number, written the other way)."""
    digits = phone.str.replace_all(r"\D", "")
    return pl.lit("+61 ") + digits.str.slice(1, 1) + " " + digits.str.slice(2, 4) + " " + digits.str.slice(6, 4)


LINKED_ROLES = ("linked", "archived_linked")  # contacts the sync (or Auxo's own link) already keeps in step


def _xero_rows(frame: pl.DataFrame, role: str, auxo_kind: str) -> pl.DataFrame:
    """Xero contacts mirroring ``frame`` exactly (as the sync would have created them); a linked one also
    carries the business's contact person, as the sync writes it (the other roles were typed in Xero)."""
    person = pl.col("contact_person") if role in LINKED_ROLES else pl.lit(None, pl.String)
    return frame.select(
        auxo_kind=pl.lit(auxo_kind), auxo_id=pl.col("id"), role=pl.lit(role), variation=pl.lit(None, pl.String),
        Name=pl.col("name"), FirstName=pl.col("first_name"), LastName=pl.col("last_name"),
        EmailAddress=pl.col("email"), PhoneAreaCode=pl.lit(None, pl.String), PhoneNumber=pl.col("phone"),
        MobileNumber=pl.col("mobile"), TaxNumber=pl.col("abn"), ContactStatus=pl.lit("ACTIVE"),
        AddressLine1=pl.col("line1"), City=pl.col("suburb"), Region=pl.col("state"), PostalCode=pl.col("postcode"),
        ContactPerson=person,
    )


def _normalised_rows(frame: pl.DataFrame, auxo_kind: str) -> pl.DataFrame:
    """A name variant plus one matching key written differently; the other key left out."""
    pick = pl.col("variation")
    by_phone = (pick // 4) % 2 == 0
    digits = pl.col("phone").str.replace_all(r"\D", "")
    split_area = by_phone & (pick % 3 == 1) & ~pl.col("phone").str.starts_with("13")
    variants = frame.select(
        Name=_variant_name(pl.col("name"), pl.col("kind"), pick),
        variation=_variant_label(pl.col("kind"), pick)
        + pl.when(by_phone).then(pl.lit("+phone_format")).otherwise(pl.lit("+email_case")),
        EmailAddress=pl.when(by_phone).then(pl.lit(None, pl.String))
        .when(pick % 3 == 0).then(pl.col("email").str.to_uppercase())
        .otherwise(pl.col("email").str.slice(0, 1).str.to_uppercase() + pl.col("email").str.slice(1)),
        PhoneAreaCode=pl.when(split_area).then(digits.str.slice(0, 2)).otherwise(pl.lit(None, pl.String)),
        PhoneNumber=pl.when(~by_phone).then(pl.lit(None, pl.String))
        .when(pl.col("phone").str.starts_with("13")).then(digits)
        .when(split_area).then(digits.str.slice(2, 4) + " " + digits.str.slice(6, 4))
        .otherwise(_international(pl.col("phone"))),
    )
    return _xero_rows(frame, "normalised", auxo_kind).with_columns(variants.get_columns())


def _name_only_rows(frame: pl.DataFrame, first_number: int) -> pl.DataFrame:
    """Same name; a different phone and email: a namesake, not the same customer."""
    numbers = _unique_numbers(first_number, frame.height, LANDLINE_STEP)
    return _xero_rows(frame, "name_only", "customer").with_columns(
        EmailAddress=pl.format("contact{}@mailbox.net.au", pl.col("auxo_id").str.slice(4)),
        PhoneNumber=_landline(numbers, np.zeros(frame.height, dtype=np.int64)), MobileNumber=pl.lit(None, pl.String),
    )


def _ambiguous_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """Two contacts for one business — "X" and "X Pty Ltd" — with the same phone and email."""
    base = pl.col("Name").str.replace(r" Pty Ltd$", "")
    rows = _xero_rows(frame, "ambiguous", "customer")
    return pl.concat([rows.with_columns(Name=base), rows.with_columns(Name=base + pl.lit(" Pty Ltd"))])


def _noise_rows(pools: Pools, customers: pl.DataFrame, n: int, first_number: int, seed: int) -> pl.DataFrame:
    """Xero contacts with no Auxo counterpart: people and businesses the bookkeeper deals with."""
    rng = stream(seed, "xero-noise")
    n_people = n * 2 // 3
    space = len(pools.first_names) * len(pools.last_names)
    candidates = rng.choice(space, size=min(space, n_people * 2 + customers.height + 10), replace=False)
    pairs = candidates[~np.isin(candidates, customers["person_pair"].to_numpy())][:n_people]
    first, last = _people(pools, pairs)
    combos = rng.choice(len(NOISE_TRADES) * len(pools.last_names), size=n - len(pairs), replace=False)
    names = [f"{f} {la}" for f, la in zip(first, last, strict=True)] + _businesses(pools, combos, NOISE_TRADES)
    numbers = _unique_numbers(first_number, n, LANDLINE_STEP)
    return pl.DataFrame({
        "auxo_kind": None, "auxo_id": None, "role": "noise", "variation": None, "Name": names,
        "FirstName": first + [None] * len(combos), "LastName": last + [None] * len(combos),
        "EmailAddress": [f"hello{i}@{name.lower().replace(' ', '')}.example.com.au" for i, name in enumerate(names)],
        "PhoneAreaCode": None, "PhoneNumber": _landline(numbers, rng.integers(0, 3, n)), "MobileNumber": None,
        "TaxNumber": None, "ContactStatus": np.where(rng.random(n) < 0.05, "ARCHIVED", "ACTIVE"),
        "AddressLine1": None, "City": None, "Region": None, "PostalCode": None, "ContactPerson": None,
    }, schema_overrides={c: pl.String for c in ("auxo_kind", "auxo_id", "variation", "PhoneAreaCode", "MobileNumber",
                                                "TaxNumber", "AddressLine1", "City", "Region", "PostalCode",
                                                "ContactPerson")})


def build_contact_book(profile: Profile, pools: Pools, timeline: Timeline, seed: int) -> ContactBook:
    """Customers, suppliers and vehicles in Auxo, and the Xero organisation's contacts."""
    customers = build_customers(profile, pools, timeline, seed)
    suppliers = build_suppliers(profile, pools, timeline, seed)
    by_case = {case: customers.filter(pl.col("case") == case) for case in customers["case"].unique().sort()}
    empty = customers.clear()
    part = lambda case: by_case.get(case, empty)  # noqa: E731
    supplier_case = lambda case: suppliers.filter(pl.col("case") == case)  # noqa: E731
    rows = [
        _xero_rows(part("linked"), "linked", "customer"),
        _xero_rows(part("archived_linked"), "archived_linked", "customer").with_columns(ContactStatus=pl.lit("ARCHIVED")),
        _xero_rows(part("exact"), "exact", "customer"),
        _normalised_rows(part("normalised"), "customer"),
        _xero_rows(part("duplicate_name"), "duplicate_name", "customer"),
        _name_only_rows(part("name_only"), profile.customers),
        _ambiguous_rows(part("ambiguous")),
        _xero_rows(part("archived_match"), "archived_match", "customer").with_columns(ContactStatus=pl.lit("ARCHIVED")),
        _xero_rows(supplier_case("linked"), "linked", "supplier"),
        _xero_rows(supplier_case("exact"), "exact", "supplier"),
        _normalised_rows(supplier_case("normalised"), "supplier"),
    ]
    matched = sum(frame.height for frame in rows)
    noise = max(5, profile.xero_contacts - matched)
    rows.append(_noise_rows(pools, customers, noise, 2 * profile.customers + 10, seed))
    xero = pl.concat(rows, how="vertical_relaxed")
    rng = stream(seed, "xero-contacts")
    sync_start = timeline.at(timeline.sync_start_date, 6.0)
    before = timeline.local_midnight_us()[0] - rng.integers(US_PER_DAY, 4 * 365 * US_PER_DAY, xero.height)
    linked_role = xero["role"].is_in(["linked", "archived_linked"]).to_numpy()
    updated = np.where(linked_role, sync_start + np.arange(xero.height) * 1_000_000, before)
    archived_late = (xero["role"] == "archived_linked").to_numpy()
    updated = np.where(archived_late, timeline.at(timeline.window_start_date, -12.0), updated)
    xero = xero.with_columns(ContactID=pl.Series(uuids(rng, xero.height)), updated_us=updated)
    links = xero.filter(pl.col("role").is_in(["linked", "archived_linked"])).select(
        "auxo_kind", id="auxo_id", xero_contact_id="ContactID", synced_us="updated_us")
    customers = _with_links(customers, links.filter(pl.col("auxo_kind") == "customer"))
    suppliers = _with_links(suppliers, links.filter(pl.col("auxo_kind") == "supplier"))
    vehicles = build_vehicles(customers, seed)
    return ContactBook(customers, suppliers, vehicles, xero)


def _with_links(frame: pl.DataFrame, links: pl.DataFrame) -> pl.DataFrame:
    joined = frame.join(links.drop("auxo_kind"), on="id", how="left", maintain_order="left")
    return joined.with_columns(
        sync_status=pl.when(pl.col("xero_contact_id").is_not_null()).then(pl.lit("synced")).otherwise(pl.lit("pending")),
        edited_us=pl.col("created_us"),
    )


def plant_contact_edits(book: ContactBook, timeline: Timeline, seed: int) -> pl.DataFrame:
    """Edits on linked contacts during the window, and what a correct sync does with each.

    ``auxo_edit``: the mobile changed in Auxo → Xero gets it. ``xero_edit``: the email changed in
    Xero → Auxo gets it. ``blank_email``: Auxo has no email but Xero has one, and the phone changed
    in Auxo → Xero gets the phone and keeps its email.
    """
    rng = stream(seed, "contact-edits")
    linked = book.customers.filter((pl.col("case") == "linked") & pl.col("email").is_not_null()
                                   & pl.col("phone").is_not_null())
    chosen = linked["idx"].to_numpy()[rng.choice(linked.height, 3, replace=False)]
    auxo_edit, xero_edit, blank = (int(i) for i in chosen)
    day = timeline.window_start_date
    new_mobile = _mobile(_unique_numbers(3 * book.customers.height + 50, 1, MOBILE_STEP), np.zeros(1, np.int64))[0]
    new_phone = _landline(_unique_numbers(3 * book.customers.height + 60, 1, LANDLINE_STEP), np.zeros(1, np.int64))[0]
    customers = book.customers
    old = customers.filter(pl.col("idx").is_in([auxo_edit, xero_edit, blank])).sort("idx")
    old_by_idx = {row["idx"]: row for row in old.iter_rows(named=True)}
    new_email = f"new.{old_by_idx[xero_edit]['email']}"
    edits = pl.DataFrame([
        {"case": "auxo_edit", "auxo_id": old_by_idx[auxo_edit]["id"], "xero_contact_id": old_by_idx[auxo_edit]["xero_contact_id"],
         "update_side": "xero", "field": "mobile", "expected_value": new_mobile, "edited_us": timeline.at(day, 10.0)},
        {"case": "xero_edit", "auxo_id": old_by_idx[xero_edit]["id"], "xero_contact_id": old_by_idx[xero_edit]["xero_contact_id"],
         "update_side": "auxo", "field": "email", "expected_value": new_email, "edited_us": timeline.at(day, 11.0)},
        {"case": "blank_email", "auxo_id": old_by_idx[blank]["id"], "xero_contact_id": old_by_idx[blank]["xero_contact_id"],
         "update_side": "xero", "field": "phone", "expected_value": new_phone, "edited_us": timeline.at(day, 12.0)},
        {"case": "blank_email", "auxo_id": old_by_idx[blank]["id"], "xero_contact_id": old_by_idx[blank]["xero_contact_id"],
         "update_side": "xero", "field": "email", "expected_value": old_by_idx[blank]["email"],
         "edited_us": timeline.at(day, 12.0)},
    ])
    idx = pl.col("idx")
    book.customers = customers.with_columns(
        mobile=pl.when(idx == auxo_edit).then(pl.lit(new_mobile)).otherwise(pl.col("mobile")),
        phone=pl.when(idx == blank).then(pl.lit(new_phone)).otherwise(pl.col("phone")),
        email=pl.when(idx == blank).then(None).otherwise(pl.col("email")),
        edited_us=pl.when(idx == auxo_edit).then(pl.lit(timeline.at(day, 10.0)))
        .when(idx == blank).then(pl.lit(timeline.at(day, 12.0))).otherwise(pl.col("edited_us")),
        sync_status=pl.when(idx.is_in([auxo_edit, blank])).then(pl.lit("pending")).otherwise(pl.col("sync_status")),
    )
    book.xero_contacts = book.xero_contacts.with_columns(
        EmailAddress=pl.when(pl.col("auxo_id") == old_by_idx[xero_edit]["id"]).then(pl.lit(new_email))
        .otherwise(pl.col("EmailAddress")),
        updated_us=pl.when(pl.col("auxo_id") == old_by_idx[xero_edit]["id"]).then(pl.lit(timeline.at(day, 11.0)))
        .otherwise(pl.col("updated_us")),
    )
    return edits
