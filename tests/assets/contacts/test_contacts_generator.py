"""On the generator's tiny workshop, the contact sync does exactly what the generator planted:
the expected links (no false links, no missed ones), exactly the review cases, the creates, the
planted edits on both sides — and a re-run writes nothing."""

from datetime import date

import polars as pl
import pytest

from assets.contacts.matching import phone_key
from pipelines import settings, warehouse
from sandbox.generator import expected as expected_outcome
from sandbox.generator import generate, seed_sandboxes
from tests.assets.contacts.conftest import admin, clear_logs, data_home, run_contacts, writes

END = date(2026, 3, 1)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    with data_home(tmp_path_factory.mktemp("generator") / "data"):
        workshop = generate("tiny", 42, END)
        seed_sandboxes(workshop, settings.sandbox_state_dir("xero"), settings.sandbox_state_dir("auxo"))
        expected = expected_outcome.expected_tables(workshop)
        run_contacts(END.isoformat())
        with warehouse.connect() as con:
            matches = con.sql("select * from plans.contact_matches").pl()
            review = con.sql("select * from plans.contact_review").pl()
        yield {"expected": expected, "matches": matches, "review": review}


def test_the_links_are_exactly_the_expected_ones(world):
    expected = world["expected"]["contact_links"]
    want = set(expected.select("auxo_kind", "auxo_id", "xero_contact_id").iter_rows())
    got = set(world["matches"].filter(pl.col("decision").is_in(["link", "linked"]))
              .select("kind", "auxo_id", "xero_contact_id").iter_rows())
    assert got - want == set(), "false links"
    assert want - got == set(), "missed links"
    # the ones to link were found by the matcher; the existing ones were taken as linked
    to_link = set(expected.filter(pl.col("state") == "to_link")["auxo_id"])
    assert set(world["matches"].filter(pl.col("decision") == "link")["auxo_id"]) == to_link


def test_the_review_queue_holds_exactly_the_ambiguous_cases(world):
    expected = world["expected"]["contact_review"]
    review = world["review"]
    assert set(review.select("kind", "auxo_id").unique().iter_rows()) == set(
        expected.select("auxo_kind", "auxo_id").iter_rows())
    candidates = {auxo_id: sorted(ids) for auxo_id, ids in review.group_by("auxo_id").agg("xero_contact_id").iter_rows()}
    assert candidates == {row["auxo_id"]: sorted(row["candidate_xero_contact_ids"])
                          for row in expected.iter_rows(named=True)}
    assert set(world["matches"].filter(pl.col("decision") == "review")["auxo_id"]) == set(expected["auxo_id"])


def test_new_contacts_are_created_and_auxo_records_their_ids(world):
    expected = world["expected"]["contacts_to_create"]
    creates = world["matches"].filter(pl.col("decision") == "create")
    assert set(creates.select("kind", "auxo_id").iter_rows()) == set(
        expected.select("auxo_kind", "auxo_id").iter_rows())
    xero_names = {c["ContactID"]: c["Name"] for c in admin("xero").get("/admin/documents/Contacts").json()["Contacts"]}
    for row in expected.iter_rows(named=True):
        record = admin("auxo").get(f"/admin/records/{row['auxo_kind']}s/{row['auxo_id']}").json()["data"]
        assert xero_names.get(record["xero_contact_id"]) == row["name"]
        assert record["sync_status"] == "synced"
    links = world["expected"]["contact_links"]
    for row in links.filter(pl.col("state") == "to_link").iter_rows(named=True):
        record = admin("auxo").get(f"/admin/records/{row['auxo_kind']}s/{row['auxo_id']}").json()["data"]
        assert record["xero_contact_id"] == row["xero_contact_id"]


def _same(field: str, a: str | None, b: str | None) -> bool:
    if field in ("phone", "mobile"):
        return pl.select(phone_key(pl.lit(a, pl.String)) == phone_key(pl.lit(b, pl.String))).item() is True
    return (a or "").strip().lower() == (b or "").strip().lower()


def test_the_planted_edits_arrive_on_the_other_side(world):
    contacts = {c["ContactID"]: c for c in admin("xero").get("/admin/documents/Contacts").json()["Contacts"]}
    for row in world["expected"]["contact_updates"].iter_rows(named=True):
        if row["update_side"] == "xero":
            contact = contacts[row["xero_contact_id"]]
            if row["field"] == "email":
                value = contact.get("EmailAddress")
            else:
                slot = next(p for p in contact["Phones"] if p["PhoneType"] == ("MOBILE" if row["field"] == "mobile"
                                                                               else "DEFAULT"))
                value = " ".join(filter(None, (slot.get("PhoneAreaCode"), slot.get("PhoneNumber"))))
        else:
            value = admin("auxo").get(f"/admin/records/customers/{row['auxo_id']}").json()["data"][row["field"]]
        assert _same(row["field"], value, row["expected_value"]), (row["case"], row["field"], value)
    # the blank email stays blank in Auxo: it never removed Xero's, and Xero's did not come back into Auxo
    blank = world["expected"]["contact_updates"].filter(pl.col("case") == "blank_email")["auxo_id"][0]
    assert not admin("auxo").get(f"/admin/records/customers/{blank}").json()["data"]["email"]


def test_a_rerun_changes_nothing_in_either_system(world):
    clear_logs()
    run_contacts(END.isoformat())
    assert writes("xero") == []
    assert writes("auxo") == []


def test_the_review_needs_a_person_in_auxo_too(world):
    for auxo_id in world["expected"]["contact_review"]["auxo_id"]:
        record = admin("auxo").get(f"/admin/records/customers/{auxo_id}").json()["data"]
        assert record["xero_contact_id"] is None
        assert record["sync_status"] == "error" and record["sync_error"]["code"] == "needs_review"


def test_the_tiny_profile_has_every_case(world):
    cases = set(world["expected"]["contact_links"]["case"]) | set(world["expected"]["contact_review"]["reason"])
    assert {"linked", "archived_linked", "exact", "normalised", "duplicate_name", "name_only", "ambiguous",
            "archived_match"} <= cases
