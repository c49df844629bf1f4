"""Field-level change detection: baseline, later-edit-wins, the email rule, format-only differences."""

from datetime import UTC, datetime

import polars as pl
import pytest

from assets.contacts.changes import BASELINE_SCHEMA, PAIR_SCHEMA, detect_changes
from assets.contacts.models import ContactChangeModel
from assets.contacts.values import auxo_values, xero_values
from mappings import load_mappings
from mappings.loader import ContactField

FIELDS = load_mappings().fields.contact_fields
C = "conn"


def at(hour: int) -> datetime:
    return datetime(2026, 3, 1, hour, tzinfo=UTC)


def compare(auxo: dict, xero: dict, *, baseline: dict | None = None, auxo_edited: int = 1, xero_updated: int = 1,
            synced: int | None = None, pending: bool = False, fields=FIELDS, pull: bool = True, addresses=(),
            xero_phones=(), xero_addresses=(), persons=(), baseline_rows: pl.DataFrame | None = None):
    """One customer (cus_1) linked to x1; ``baseline`` is ``{field: key}`` (None: never synced)."""
    contacts = pl.DataFrame([{"connection_id": C, "kind": "customer", "auxo_id": "cus_1", "name": "Jane Citizen",
                              **auxo}])
    auxo_addr = pl.DataFrame([{"connection_id": C, "kind": "customer", "auxo_id": "cus_1", **a} for a in addresses])
    xc = pl.DataFrame([{"connection_id": C, "contact_id": "x1", "name": "Jane Citizen", "status": "ACTIVE", **xero}])
    xp = pl.DataFrame([{"connection_id": C, "contact_id": "x1", **p} for p in xero_phones])
    xa = pl.DataFrame([{"connection_id": C, "contact_id": "x1", **a} for a in xero_addresses])
    xpe = pl.DataFrame([{"connection_id": C, "contact_id": "x1", **p} for p in persons])
    pairs = pl.DataFrame([{"connection_id": C, "kind": "customer", "auxo_id": "cus_1", "xero_contact_id": "x1",
                           "auxo_link_id": "x1", "auxo_edited_at": at(auxo_edited), "xero_updated_at": at(xero_updated),
                           "auxo_synced_at": at(synced) if synced is not None else None, "auxo_pending": pending}],
                         schema=PAIR_SCHEMA)
    base = pl.DataFrame([{"connection_id": C, "kind": "customer", "auxo_id": "cus_1", "xero_contact_id": "x1",
                          "field": f, "auxo_value": v, "xero_value": v} for f, v in (baseline or {}).items()],
                        schema=BASELINE_SCHEMA)
    if baseline_rows is not None:
        base = baseline_rows
    result = detect_changes(pairs, auxo_values(contacts, auxo_addr, fields), xero_values(xc, xp, xa, xpe, fields),
                            base, fields, pull_from_xero=pull)
    ContactChangeModel.validate(result.changes, lazy=True)
    return result


def rows(result) -> dict[str, tuple]:
    return {r["field"]: (r["direction"], r["rule"]) for r in result.changes.iter_rows(named=True)}


SYNCED = {"name": "Jane Citizen", "email": "jane@example.com", "phone": "0298765432"}
PHONE = [{"phone_type": "DEFAULT", "phone": "0298765432"}]


def test_first_sync_auxo_is_master_and_fills_its_blanks_from_xero():
    result = compare({"email": "jane@example.com", "phone": None},
                     {"email": "old@example.com"}, xero_phones=[{"phone_type": "DEFAULT", "phone": "02 9876 5432"}])
    assert rows(result) == {"email": ("to_xero", "first_sync_auxo_master"),
                            "phone": ("to_auxo", "first_sync_fill_from_xero")}
    # fields that agree already are the baseline now; the differing ones are not
    agreed = dict(result.baseline.select("field", "auxo_value").iter_rows())
    assert agreed["name"] == "Jane Citizen" and "email" not in agreed and "phone" not in agreed


def test_first_sync_a_blank_email_in_auxo_is_filled_not_an_edit():
    # newly linked, nothing says anyone cleared Auxo's email: Xero's fills it (the email rule is for edits)
    result = compare({"email": None}, {"email": "jane@example.com"})
    assert rows(result) == {"email": ("to_auxo", "first_sync_fill_from_xero")}


def test_format_alone_is_never_a_change():
    result = compare(
        {"email": "Jane@Example.com", "phone": "(02) 9876 5432", "mobile": "0412 345 678", "abn": "51 824 753 556",
         "contact_person": "Mary  Smith"},
        {"email": "jane@example.com ", "tax_number": "51824753556"},
        xero_phones=[{"phone_type": "DEFAULT", "phone": "61 2 98765432"}, {"phone_type": "MOBILE", "phone": "+61412345678"},
                     {"phone_type": "FAX", "phone": ""}],
        addresses=[{"type": "street", "line1": "1 Main  St", "suburb": "Sydney", "state": "NSW", "postcode": "2000"}],
        xero_addresses=[{"address_type": "STREET", "line1": "1 MAIN ST", "city": "sydney", "region": "NSW",
                         "postal_code": "2000", "country": ""}, {"address_type": "POBOX", "line1": "", "city": ""}],
        persons=[{"position": 0, "first_name": "Mary", "last_name": "Smith"}])
    assert result.changes.is_empty()


def test_an_edit_on_one_side_goes_to_the_other():
    auxo_edit = compare({**SYNCED, "phone": "0299990000"}, {"email": "jane@example.com"}, baseline=SYNCED,
                        xero_phones=[{"phone_type": "DEFAULT", "phone": "0298765432"}])
    assert rows(auxo_edit) == {"phone": ("to_xero", "auxo_changed")}
    xero_edit = compare(SYNCED, {"email": "jane@new.example"}, baseline=SYNCED,
                        xero_phones=[{"phone_type": "DEFAULT", "phone": "0298765432"}])
    assert rows(xero_edit) == {"email": ("to_auxo", "xero_changed")}
    (row,) = xero_edit.changes.iter_rows(named=True)
    assert (row["auxo_value"], row["xero_value"], row["auxo_baseline"], row["xero_baseline"]) == (
        "jane@example.com", "jane@new.example", "jane@example.com", "jane@example.com")


@pytest.mark.parametrize("auxo_hour, xero_hour, direction, rule", [
    (3, 2, "to_xero", "both_changed_auxo_later"),
    (2, 3, "to_auxo", "both_changed_xero_later"),
    (2, 2, "to_xero", "both_changed_auxo_later"),  # the same moment: Auxo is the master
])
def test_both_sides_changed_the_later_edit_wins(auxo_hour, xero_hour, direction, rule):
    result = compare({**SYNCED, "phone": "0211111111"}, {"email": "jane@example.com"}, baseline=SYNCED,
                     auxo_edited=auxo_hour, xero_updated=xero_hour,
                     xero_phones=[{"phone_type": "DEFAULT", "phone": "02 2222 2222"}])
    assert rows(result) == {"phone": (direction, rule)}


def test_an_email_blank_in_auxo_never_removes_xeros():
    # cleared in Auxo after the last sync: Xero keeps its email, and the decision is recorded
    result = compare({**SYNCED, "email": ""}, {"email": "jane@example.com"}, baseline=SYNCED,
                     xero_phones=[{"phone_type": "DEFAULT", "phone": "0298765432"}])
    assert rows(result) == {"email": ("none", "blank_in_auxo_keeps_xero")}
    # the difference is settled by the rule: both sides' values are the baseline now, and stay unwritten
    settled = {r["field"]: (r["auxo_value"], r["xero_value"]) for r in result.baseline.iter_rows(named=True)}
    assert settled["email"] == (None, "jane@example.com")
    again = compare({**SYNCED, "email": ""}, {"email": "jane@example.com"}, xero_phones=PHONE,
                    baseline_rows=result.baseline)
    assert again.changes.is_empty()
    # until one side moves again: a new email in Xero reaches Auxo
    newer = compare({**SYNCED, "email": ""}, {"email": "jane@new.example"}, xero_phones=PHONE,
                    baseline_rows=result.baseline)
    assert rows(newer) == {"email": ("to_auxo", "xero_changed")}
    # even when Auxo's edit is the later one of two
    both = compare({**SYNCED, "email": None}, {"email": "jane@new.example"}, baseline=SYNCED, auxo_edited=5,
                   xero_updated=4, xero_phones=[{"phone_type": "DEFAULT", "phone": "0298765432"}])
    assert rows(both) == {"email": ("none", "blank_in_auxo_keeps_xero")}
    # a phone cleared in Auxo is cleared in Xero: the rule is the email's only
    phone = compare({**SYNCED, "phone": None}, {"email": "jane@example.com"}, baseline=SYNCED,
                    xero_phones=[{"phone_type": "DEFAULT", "phone": "0298765432"}])
    assert rows(phone) == {"phone": ("to_xero", "auxo_changed")}


def test_the_syncs_own_write_is_not_an_edit():
    # the sync pushed Auxo's phone: Xero's UpdatedDateUTC moved past Auxo's edit, but both agree
    before = compare({**SYNCED, "phone": "0299990000"}, {"email": "jane@example.com"}, baseline=SYNCED,
                     xero_phones=[{"phone_type": "DEFAULT", "phone": "0298765432"}])
    after = compare({**SYNCED, "phone": "0299990000"}, {"email": "jane@example.com"},
                    baseline_rows=before.baseline, auxo_edited=1, xero_updated=9,
                    xero_phones=[{"phone_type": "DEFAULT", "phone": "0299990000"}])
    assert after.changes.is_empty()
    assert dict(after.baseline.select("field", "auxo_value").iter_rows())["phone"] == "0299990000"


def test_a_fixed_direction_and_edits_from_xero_switched_off():
    only_to_xero = [ContactField(auxo=f.auxo, xero=f.xero, direction="to_xero" if f.auxo == "name" else f.direction,
                                 blank_in_auxo_keeps_xero=f.blank_in_auxo_keeps_xero) for f in FIELDS]
    result = compare(SYNCED, {"name": "Jane Q Citizen", "email": "jane@example.com"}, baseline=SYNCED,
                     fields=only_to_xero, xero_phones=[{"phone_type": "DEFAULT", "phone": "0298765432"}])
    assert rows(result) == {"name": ("to_xero", "always_to_xero")}
    no_pull = compare(SYNCED, {"email": "jane@new.example"}, baseline=SYNCED, pull=False,
                      xero_phones=[{"phone_type": "DEFAULT", "phone": "0298765432"}, {"phone_type": "MOBILE",
                                                                                      "phone": "0412345678"}])
    assert rows(no_pull) == {"email": ("to_xero", "always_to_xero"), "mobile": ("none", "pull_from_xero_off")}


def test_a_field_left_out_of_the_mapping_is_not_compared():
    fields = [f for f in FIELDS if f.auxo != "abn"]
    result = compare({**SYNCED, "abn": "51824753556"}, {"email": "jane@example.com", "tax_number": "11111111111"},
                     baseline=SYNCED, fields=fields, xero_phones=[{"phone_type": "DEFAULT", "phone": "0298765432"}])
    assert result.changes.is_empty()


# -- linked before this sync kept a baseline: the record timestamps say who moved since Auxo's synced_at


def test_no_baseline_an_edit_in_xero_after_the_last_sync_goes_to_auxo():
    result = compare(SYNCED, {"email": "new.jane@example.com"}, synced=2, auxo_edited=1, xero_updated=5,
                     xero_phones=PHONE)
    assert rows(result) == {"email": ("to_auxo", "xero_changed")}


def test_no_baseline_an_edit_in_auxo_after_the_last_sync_goes_to_xero():
    result = compare({**SYNCED, "mobile": "0412 000 111"}, {"email": "jane@example.com"}, synced=2, auxo_edited=5,
                     xero_updated=2, pending=True, xero_phones=PHONE)
    assert rows(result) == {"mobile": ("to_xero", "auxo_changed")}


def test_no_baseline_email_cleared_in_auxo_keeps_xeros_and_the_phone_goes():
    result = compare({**SYNCED, "email": None, "phone": "0255556666"}, {"email": "jane@example.com"}, synced=2,
                     auxo_edited=5, xero_updated=2, pending=True, xero_phones=PHONE)
    assert rows(result) == {"email": ("none", "blank_in_auxo_keeps_xero"), "phone": ("to_xero", "auxo_changed")}


def test_no_baseline_a_blank_never_clears_the_other_side():
    # Xero moved (e.g. flagged as a customer by an invoice) but has no contact person: Auxo's fills Xero
    result = compare({**SYNCED, "contact_person": "Mary Smith"}, {"email": "jane@example.com"}, synced=2,
                     auxo_edited=1, xero_updated=5, xero_phones=PHONE)
    assert rows(result) == {"contact_person": ("to_xero", "first_sync_auxo_master")}
    # Auxo moved but has no mobile: Xero's fills Auxo
    result = compare(SYNCED, {"email": "jane@example.com"}, synced=2, auxo_edited=5, xero_updated=1,
                     xero_phones=[*PHONE, {"phone_type": "MOBILE", "phone": "0412000111"}])
    assert rows(result) == {"mobile": ("to_auxo", "first_sync_fill_from_xero")}


def test_no_baseline_both_moved_auxo_is_the_master():
    # Xero's record moved later, but nothing says its move touched the phone (its UpdatedDateUTC also moves
    # for other reasons): Auxo's edit wins; with a baseline the later edit of the field would
    result = compare({**SYNCED, "phone": "0211111111"}, {"email": "jane@example.com"}, synced=2, auxo_edited=5,
                     xero_updated=6, xero_phones=[{"phone_type": "DEFAULT", "phone": "0222222222"}])
    assert rows(result) == {"phone": ("to_xero", "both_moved_auxo_master")}
