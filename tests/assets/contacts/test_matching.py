"""The contact matcher on hand-made frames: normalisation, the decision per case, the review rows."""

import polars as pl
import pytest

from assets.contacts.matching import (
    AUXO_INPUT_SCHEMA,
    OVERRIDE_SCHEMA,
    PHONE_INPUT_SCHEMA,
    XERO_INPUT_SCHEMA,
    email_key,
    match_contacts,
    name_key,
    phone_key,
    resolve_merges,
)
from assets.contacts.models import ContactMatchModel, ContactReviewModel

C = "conn"


def auxo(*rows: dict) -> pl.DataFrame:
    base = {"connection_id": C, "kind": "customer", "email": None, "phone": None, "mobile": None,
            "archived": False, "linked_xero_id": None, "link_source": None}
    return pl.DataFrame([{**base, **row} for row in rows], schema=AUXO_INPUT_SCHEMA)


def xero(*rows: dict) -> tuple[pl.DataFrame, pl.DataFrame]:
    base = {"connection_id": C, "email": None, "status": "ACTIVE", "merged_to_contact_id": None}
    contacts = pl.DataFrame([{**base, **{k: v for k, v in row.items() if k != "phones"}} for row in rows],
                            schema=XERO_INPUT_SCHEMA)
    phones = pl.DataFrame([{"connection_id": C, "contact_id": row["contact_id"], "phone": p}
                           for row in rows for p in row.get("phones", [])], schema=PHONE_INPUT_SCHEMA)
    return contacts, phones


def decide(a: pl.DataFrame, x: tuple[pl.DataFrame, pl.DataFrame]):
    result = match_contacts(a, *x)
    ContactMatchModel.validate(result.matches, lazy=True)
    ContactReviewModel.validate(result.review, lazy=True)
    return result, {r["auxo_id"]: (r["decision"], r["xero_contact_id"]) for r in result.matches.iter_rows(named=True)}


@pytest.mark.parametrize("a, b", [
    ("Smith Motors Pty Ltd", "SMITH  MOTORS PTY. LTD."),
    ("Smith Motors Pty Ltd", "smith motors"),
    (" Jane  Citizen ", "JANE CITIZEN"),
    ("O'Brien & Sons", "OBrien and Sons"),
    ("Bakery P/L", "The Bakery Proprietary Limited"),
    ("Zoë Café", "Zoe Cafe"),
])
def test_names_that_are_the_same_name(a, b):
    frame = pl.DataFrame({"a": [a], "b": [b]})
    assert frame.select(name_key(pl.col("a")) == name_key(pl.col("b"))).item()


@pytest.mark.parametrize("a, b", [("Smith Motors", "Smith Motor"), ("Jane Citizen", "Jane Citizens"),
                                  ("Smith & Co", "Smith")])
def test_names_that_are_not(a, b):
    frame = pl.DataFrame({"a": [a], "b": [b]})
    assert not frame.select(name_key(pl.col("a")) == name_key(pl.col("b"))).item()


@pytest.mark.parametrize("spelling", ["+61 2 9876 5432", "(02) 9876 5432", "02 98765432", "0298765432",
                                      "61 2 98765432", "+61 (0)2 9876 5432", "0011 61 2 9876 5432"])
def test_au_phone_spellings_are_one_number(spelling):
    assert pl.select(phone_key(pl.lit(spelling))).item() == "0298765432"


def test_mobiles_13_numbers_and_junk():
    values = pl.Series(["+61 412 345 678", "0412 345 678", "1300 123 456", "-", "n/a", "", None])
    assert pl.select(phone_key(pl.lit(values))).to_series().to_list() == [
        "0412345678", "0412345678", "1300123456", None, None, None, None]


def test_blank_keys_are_null_so_they_never_match():
    assert pl.select(name_key(pl.lit(" - "))).item() is None
    assert pl.select(email_key(pl.lit(""))).item() is None
    assert pl.select(email_key(pl.lit("  Jo@Example.COM "))).item() == "jo@example.com"
    # two contacts with no email and punctuation-only names never match each other
    _, d = decide(auxo({"auxo_id": "c1", "name": "-", "email": ""}),
                  xero({"contact_id": "x1", "name": "--", "email": ""}))
    assert d["c1"] == ("create", None)


def test_name_and_phone_links_name_and_email_links():
    result, d = decide(
        auxo({"auxo_id": "c1", "name": "Smith Motors Pty Ltd", "phone": "(02) 9876 5432"},
             {"auxo_id": "c2", "name": "Jane Citizen", "email": "Jane@Example.com", "phone": "0299990000"},
             {"auxo_id": "c3", "name": "Bob Jones", "mobile": "0412 345 678"}),
        xero({"contact_id": "x1", "name": "SMITH MOTORS", "phones": ["+61 2 9876 5432"]},
             {"contact_id": "x2", "name": "jane citizen", "email": "jane@example.com", "phones": ["02 1111 2222"]},
             {"contact_id": "x3", "name": "Bob Jones", "phones": ["", "61 412 345 678"]}))
    assert d == {"c1": ("link", "x1"), "c2": ("link", "x2"), "c3": ("link", "x3")}
    scores = dict(result.matches.select("auxo_id", "matched_on").iter_rows())
    assert scores == {"c1": "name+phone", "c2": "name+email", "c3": "name+phone"}
    assert result.review.is_empty()


def test_name_only_goes_to_review_and_is_not_created():
    result, d = decide(auxo({"auxo_id": "c1", "name": "Jane Citizen", "phone": "0299990000", "email": "a@b.co"}),
                       xero({"contact_id": "x1", "name": "JANE CITIZEN", "email": "other@b.co", "phones": ["0298765432"]}))
    assert d == {"c1": ("review", None)}
    (row,) = result.review.iter_rows(named=True)
    assert row["xero_contact_id"] == "x1" and row["score"] == 50 and row["matched_on"] == "name"
    assert "no phone or email in common" in row["reason"]


def test_two_matching_xero_contacts_go_to_review_with_both_candidates():
    result, d = decide(auxo({"auxo_id": "c1", "name": "Acme Plumbing Pty Ltd", "phone": "0298765432",
                             "email": "accounts@acme.com.au"}),
                       xero({"contact_id": "x1", "name": "Acme Plumbing", "phones": ["0298765432"],
                             "email": "accounts@acme.com.au"},
                            {"contact_id": "x2", "name": "Acme Plumbing Pty Ltd", "phones": ["02 9876 5432"],
                             "email": "ACCOUNTS@acme.com.au"}))
    assert d == {"c1": ("review", None)}
    assert sorted(result.review["xero_contact_id"].to_list()) == ["x1", "x2"]
    assert set(result.review["score"].to_list()) == {100}


def test_an_archived_match_is_review_not_link():
    result, d = decide(auxo({"auxo_id": "c1", "name": "Jane Citizen", "phone": "0298765432"}),
                       xero({"contact_id": "x1", "name": "Jane Citizen", "status": "ARCHIVED", "phones": ["0298765432"]}))
    assert d == {"c1": ("review", None)}
    assert result.review["xero_status"].to_list() == ["ARCHIVED"]
    assert "archived" in result.matches["reason"][0]


def test_an_active_match_wins_over_an_archived_look_alike():
    result, d = decide(auxo({"auxo_id": "c1", "name": "Jane Citizen", "phone": "0298765432"}),
                       xero({"contact_id": "x1", "name": "Jane Citizen", "status": "ARCHIVED", "phones": ["0298765432"]},
                            {"contact_id": "x2", "name": "Jane Citizen", "phones": ["0298765432"]}))
    assert d == {"c1": ("link", "x2")}
    assert "x1" in result.matches["reason"][0]


def test_a_merged_contact_counts_as_the_one_it_was_merged_into():
    # x1 was merged into x2 (which was itself merged into x3); x1 and x3 both match: one contact
    result, d = decide(auxo({"auxo_id": "c1", "name": "Jane Citizen", "phone": "0298765432", "email": "j@c.au"}),
                       xero({"contact_id": "x1", "name": "Jane Citizen", "status": "ARCHIVED",
                             "merged_to_contact_id": "x2", "phones": ["0298765432"]},
                            {"contact_id": "x2", "name": "J Citizen", "status": "ARCHIVED", "merged_to_contact_id": "x3"},
                            {"contact_id": "x3", "name": "Jane Citizen", "email": "J@C.AU"}))
    assert d == {"c1": ("link", "x3")}
    assert "merged in Xero" in result.matches["reason"][0]


def test_merged_into_an_archived_contact_is_review():
    _, d = decide(auxo({"auxo_id": "c1", "name": "Jane Citizen", "phone": "0298765432"}),
                  xero({"contact_id": "x1", "name": "Jane Citizen", "status": "ARCHIVED", "merged_to_contact_id": "x2",
                        "phones": ["0298765432"]},
                       {"contact_id": "x2", "name": "Jane C", "status": "ARCHIVED"}))
    assert d == {"c1": ("review", None)}


def test_resolve_merges_follows_chains_and_stops_on_cycles():
    contacts, _ = xero({"contact_id": "a", "name": "A", "status": "ARCHIVED", "merged_to_contact_id": "b"},
                       {"contact_id": "b", "name": "B", "status": "ARCHIVED", "merged_to_contact_id": "c"},
                       {"contact_id": "c", "name": "C"},
                       {"contact_id": "d", "name": "D", "status": "ARCHIVED", "merged_to_contact_id": "e"},
                       {"contact_id": "e", "name": "E", "status": "ARCHIVED", "merged_to_contact_id": "d"})
    got = {r["contact_id"]: (r["effective_id"], r["effective_status"]) for r in resolve_merges(contacts).iter_rows(named=True)}
    assert got["a"] == ("c", "ACTIVE") and got["b"] == ("c", "ACTIVE") and got["c"] == ("c", "ACTIVE")
    assert got["d"][1] == "ARCHIVED" and got["e"][1] == "ARCHIVED"


def test_duplicate_names_link_the_one_whose_phone_matches_and_review_the_other():
    result, d = decide(auxo({"auxo_id": "c1", "name": "Jane Citizen", "phone": "0298765432", "email": "j1@x.au"},
                            {"auxo_id": "c2", "name": "Jane Citizen", "phone": "0233334444", "email": "j2@x.au"}),
                       xero({"contact_id": "x1", "name": "Jane Citizen", "phones": ["0298765432"]}))
    assert d == {"c1": ("link", "x1"), "c2": ("review", None)}
    assert result.review.select("auxo_id", "xero_contact_id").rows() == [("c2", "x1")]


def test_one_xero_contact_is_never_linked_to_two_auxo_contacts_of_a_kind():
    # both customers match x1 uniquely: neither is linked
    _, d = decide(auxo({"auxo_id": "c1", "name": "Jane Citizen", "phone": "0298765432"},
                       {"auxo_id": "c2", "name": "Jane Citizen", "email": "j@x.au"}),
                  xero({"contact_id": "x1", "name": "Jane Citizen", "email": "j@x.au", "phones": ["0298765432"]}))
    assert d == {"c1": ("review", None), "c2": ("review", None)}
    # already linked to c9: a new customer matching it is reviewed, a supplier may still link it
    result, d = decide(auxo({"auxo_id": "c9", "name": "Someone", "linked_xero_id": "x1", "link_source": "auxo"},
                            {"auxo_id": "c1", "name": "Jane Citizen", "phone": "0298765432"},
                            {"auxo_id": "s1", "kind": "supplier", "name": "Jane Citizen", "phone": "0298765432"}),
                       xero({"contact_id": "x1", "name": "Jane Citizen", "phones": ["0298765432"]}))
    assert d == {"c9": ("linked", "x1"), "c1": ("review", None), "s1": ("link", "x1")}
    assert "already linked to customer c9" in result.matches.filter(pl.col("auxo_id") == "c1")["reason"][0]


def test_new_contacts_are_created_once_per_xero_name():
    result, d = decide(auxo({"auxo_id": "c1", "name": "New Person"},
                            {"auxo_id": "c2", "name": "new  person"},
                            {"auxo_id": "c3", "name": "Old Person", "archived": True},
                            {"auxo_id": "c4", "name": "Linked Person", "linked_xero_id": "x9", "link_source": "created"}),
                       xero({"contact_id": "x9", "name": "Linked Person"}))
    assert d == {"c1": ("create", None), "c2": ("review", None), "c3": ("skip", None), "c4": ("linked", "x9")}
    assert result.review.filter(pl.col("auxo_id") == "c2")["xero_contact_id"].to_list() == [None]


def test_connections_never_mix():
    a = auxo({"auxo_id": "c1", "name": "Jane Citizen", "phone": "0298765432"})
    contacts, phones = xero({"contact_id": "x1", "name": "Jane Citizen", "phones": ["0298765432"]})
    other = (contacts.with_columns(connection_id=pl.lit("other")), phones.with_columns(connection_id=pl.lit("other")))
    _, d = decide(a, other)
    assert d == {"c1": ("create", None)}


def test_empty_inputs():
    result = match_contacts(pl.DataFrame(schema=AUXO_INPUT_SCHEMA), pl.DataFrame(schema=XERO_INPUT_SCHEMA),
                            pl.DataFrame(schema=PHONE_INPUT_SCHEMA))
    assert result.matches.is_empty() and result.review.is_empty()


# -- a person settles review cases in sync.contact_overrides ------------------------------------------

def overrides(*rows: dict) -> pl.DataFrame:
    return pl.DataFrame([{"connection_id": C, "kind": "customer", "note": None, "xero_contact_id": None, **r}
                         for r in rows], schema=OVERRIDE_SCHEMA)


def decide_with(a, x, o):
    result = match_contacts(a, *x, overrides=o)
    ContactMatchModel.validate(result.matches, lazy=True)
    ContactReviewModel.validate(result.review, lazy=True)
    return result, {r["auxo_id"]: (r["decision"], r["xero_contact_id"]) for r in result.matches.iter_rows(named=True)}


def test_a_person_links_a_namesake_or_creates_a_new_contact():
    a = auxo({"auxo_id": "c1", "name": "Jane Citizen", "phone": "0299990000"},
             {"auxo_id": "c2", "name": "Bob Jones", "phone": "0233334444"})
    x = xero({"contact_id": "x1", "name": "Jane Citizen", "phones": ["0211112222"]},
             {"contact_id": "x2", "name": "Bob Jones", "status": "ARCHIVED"})
    result, d = decide_with(a, x, overrides({"auxo_id": "c1", "action": "link", "xero_contact_id": "x1",
                                             "note": "same person, new number"},
                                            {"auxo_id": "c2", "action": "create"}))
    assert d == {"c1": ("link", "x1"), "c2": ("create", None)}
    assert "decided by a person: same person, new number" in result.matches["reason"][0]
    assert result.review.is_empty()


def test_an_override_that_is_not_safe_stays_in_review_saying_why():
    a = auxo({"auxo_id": "c9", "name": "Other", "linked_xero_id": "x3", "link_source": "auxo"},
             {"auxo_id": "c1", "name": "Jane Citizen"}, {"auxo_id": "c2", "name": "Bob Jones"},
             {"auxo_id": "c3", "name": "Ann Lee"}, {"auxo_id": "c4", "name": "Sam Taken"})
    x = xero({"contact_id": "x1", "name": "Jane C", "status": "ARCHIVED"}, {"contact_id": "x2", "name": "Bob Jones"},
             {"contact_id": "x3", "name": "Sam Taken"})
    result, d = decide_with(a, x, overrides(
        {"auxo_id": "c1", "action": "link", "xero_contact_id": "x1"},
        {"auxo_id": "c2", "action": "create"},
        {"auxo_id": "c3", "action": "link", "xero_contact_id": "nope"},
        {"auxo_id": "c4", "action": "link", "xero_contact_id": "x3"}))
    reasons = dict(result.matches.select("auxo_id", "reason").iter_rows())
    assert {k: v[0] for k, v in d.items()} == {"c9": "linked", "c1": "review", "c2": "review", "c3": "review",
                                               "c4": "review"}
    assert "ARCHIVED" in reasons["c1"] and "refuses a second one" in reasons["c2"]
    assert "not in Xero's data" in reasons["c3"] and "already linked to customer c9" in reasons["c4"]


def test_an_override_follows_a_merge_and_takes_its_contact_first():
    a = auxo({"auxo_id": "c1", "name": "Jane Citizen", "phone": "0298765432"},
             {"auxo_id": "c2", "name": "J Citizen"})
    x = xero({"contact_id": "x1", "name": "Jane Citizen", "phones": ["0298765432"]},
             {"contact_id": "x0", "name": "JC old", "status": "ARCHIVED", "merged_to_contact_id": "x1"})
    # c1 would match x1 by itself, but a person gave x1 (through its merged-away x0) to c2
    result, d = decide_with(a, x, overrides({"auxo_id": "c2", "action": "link", "xero_contact_id": "x0"}))
    assert d == {"c1": ("review", None), "c2": ("link", "x1")}
    assert "already linked to customer c2" in result.matches.filter(pl.col("auxo_id") == "c1")["reason"][0]
