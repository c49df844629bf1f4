"""The messy contact data is what it claims to be: matches only after normalising, name-only
namesakes, duplicate names, ambiguous and archived candidates — and no match by accident."""

from __future__ import annotations

import re

import polars as pl

SUFFIX = re.compile(r"\b(pty\.?\s*ltd\.?|p/l|limited|ltd\.?)$")


def norm_name(name: str | None) -> str | None:
    if not name:
        return None
    text = " ".join(name.lower().split())
    text = SUFFIX.sub("", text).strip()
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text).split()) or None


def norm_phone(*parts: str | None) -> str | None:
    digits = re.sub(r"\D", "", "".join(p or "" for p in parts))
    return digits[-9:] if len(digits) >= 9 else None


def norm_email(email: str | None) -> str | None:
    return email.strip().lower() if email and email.strip() else None


def _pairs(workshop, role: str) -> list[tuple[dict, dict]]:
    customers = {row["id"]: row for row in workshop.customers.iter_rows(named=True)}
    customers |= {row["id"]: row for row in workshop.suppliers.iter_rows(named=True)}
    return [(customers[x["auxo_id"]], x) for x in workshop.xero_contacts.filter(pl.col("role") == role).iter_rows(named=True)]


def _keys_match(auxo: dict, xero: dict) -> tuple[bool, bool]:
    phone = norm_phone(auxo["phone"]) is not None and norm_phone(auxo["phone"]) == norm_phone(
        xero["PhoneAreaCode"], xero["PhoneNumber"])
    email = norm_email(auxo["email"]) is not None and norm_email(auxo["email"]) == norm_email(xero["EmailAddress"])
    return phone, email


def test_normalised_matches_differ_as_typed_and_agree_once_normalised(workshop) -> None:
    pairs = _pairs(workshop, "normalised")
    assert pairs
    seen = set()
    for auxo, xero in pairs:
        assert xero["Name"] != auxo["name"]
        assert norm_name(xero["Name"]) == norm_name(auxo["name"])
        phone, email = _keys_match(auxo, xero)
        assert phone or email
        if phone:
            assert xero["PhoneNumber"] != auxo["phone"]  # only the normalised digits agree
        else:
            assert xero["EmailAddress"] != auxo["email"]
        seen.update(xero["variation"].split("+"))
    assert {"phone_format", "email_case", "upper_case", "lower_case", "spacing", "pty_ltd"} <= seen
    formats = {xero["PhoneNumber"][:3] for _, xero in pairs if xero["PhoneNumber"]}
    assert "+61" in formats and any(xero["PhoneAreaCode"] for _, xero in pairs)


def test_exact_and_linked_contacts_are_the_same_as_typed(workshop) -> None:
    for role in ("exact", "linked"):
        for auxo, xero in _pairs(workshop, role):
            assert xero["Name"] == auxo["name"]
    linked = workshop.customers.filter(pl.col("case") == "linked")
    assert linked["xero_contact_id"].null_count() == 0 and (linked["sync_status"] != "not_required").all()


def test_name_only_namesakes_never_share_a_phone_or_email(workshop) -> None:
    for auxo, xero in _pairs(workshop, "name_only"):
        assert norm_name(xero["Name"]) == norm_name(auxo["name"])
        assert _keys_match(auxo, xero) == (False, False)


def test_duplicate_names_in_auxo_one_xero_contact(workshop, tables) -> None:
    firsts = workshop.customers.filter(pl.col("case") == "duplicate_name")
    seconds = workshop.customers.filter(pl.col("case") == "duplicate_second")
    assert sorted(firsts["name"]) == sorted(seconds["name"])
    for auxo, xero in _pairs(workshop, "duplicate_name"):
        assert _keys_match(auxo, xero)[0]
        twin = seconds.filter(pl.col("name") == auxo["name"]).row(0, named=True)
        assert _keys_match(twin, xero) == (False, False)
        review = tables["contact_review"].filter(pl.col("auxo_id") == twin["id"]).row(0, named=True)
        assert review["reason"] == "name_only" and review["candidate_xero_contact_ids"] == [xero["ContactID"]]


def test_ambiguous_customers_have_two_active_candidates(workshop, tables) -> None:
    pairs = _pairs(workshop, "ambiguous")
    by_customer: dict[str, list[dict]] = {}
    for auxo, xero in pairs:
        by_customer.setdefault(auxo["id"], []).append(xero)
        assert norm_name(xero["Name"]) == norm_name(auxo["name"]) and all(_keys_match(auxo, xero))
        assert xero["ContactStatus"] == "ACTIVE"
    assert by_customer and all(len(v) == 2 and v[0]["Name"] != v[1]["Name"] for v in by_customer.values())
    review = tables["contact_review"].filter(pl.col("reason") == "ambiguous")
    assert set(review["auxo_id"]) == set(by_customer)
    assert all(len(c) == 2 for c in review["candidate_xero_contact_ids"])


def test_archived_xero_contacts(workshop, tables) -> None:
    for auxo, xero in _pairs(workshop, "archived_match"):
        assert xero["ContactStatus"] == "ARCHIVED" and _keys_match(auxo, xero)[0]
    assert set(tables["contact_review"].filter(pl.col("reason") == "archived_match")["auxo_id"]) == {
        a["id"] for a, _ in _pairs(workshop, "archived_match")}
    (auxo, xero), = _pairs(workshop, "archived_linked")
    assert xero["ContactStatus"] == "ARCHIVED" and auxo["xero_contact_id"] == xero["ContactID"]
    errors = tables["sync_errors"].filter(pl.col("code") == "contact_archived")
    invoice = workshop.invoices.filter(pl.col("id") == errors["record_id"][0]).row(0, named=True)
    assert invoice["customer_idx"] == auxo["idx"]


def test_nothing_matches_by_accident(workshop, tables) -> None:
    """Contacts to create share no normalised name with any Xero contact; every name-level match
    in Xero is a planted one."""
    xero_names: dict[str, set[str]] = {}
    for row in workshop.xero_contacts.iter_rows(named=True):
        xero_names.setdefault(norm_name(row["Name"]), set()).add(row["role"])
    create = tables["contacts_to_create"]
    names = dict(zip(workshop.customers["id"], workshop.customers["name"], strict=True))
    names |= dict(zip(workshop.suppliers["id"], workshop.suppliers["name"], strict=True))
    assert create.height > 0
    for auxo_id in create["auxo_id"]:
        assert norm_name(names[auxo_id]) not in xero_names, names[auxo_id]
    planted_roles = {"linked", "archived_linked", "exact", "normalised", "duplicate_name", "name_only", "ambiguous",
                     "archived_match"}
    for row in workshop.customers.iter_rows(named=True):
        roles = xero_names.get(norm_name(row["name"]), set())
        assert roles <= planted_roles and ("noise" not in roles)


def test_planted_contact_edits(workshop, tables) -> None:
    updates = tables["contact_updates"]
    assert set(updates["case"]) == {"auxo_edit", "xero_edit", "blank_email"}
    blank = updates.filter((pl.col("case") == "blank_email") & (pl.col("field") == "email")).row(0, named=True)
    customer = workshop.customers.filter(pl.col("id") == blank["auxo_id"]).row(0, named=True)
    xero = workshop.xero_contacts.filter(pl.col("ContactID") == blank["xero_contact_id"]).row(0, named=True)
    assert customer["email"] is None and xero["EmailAddress"] == blank["expected_value"]  # Xero keeps its email
    edited = updates.filter(pl.col("case") == "xero_edit").row(0, named=True)
    xero = workshop.xero_contacts.filter(pl.col("ContactID") == edited["xero_contact_id"]).row(0, named=True)
    assert xero["EmailAddress"] == edited["expected_value"]
    assert xero["updated_us"] >= workshop.timeline.at(workshop.timeline.window_start_date, 0)
