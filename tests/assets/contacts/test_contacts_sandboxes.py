"""Contacts end to end on the sandboxes: match, create, link, edits both ways, conflicts, the
email rule — and a re-run that changes nothing in either system."""

import time
from pathlib import Path

import sandbox.xero
from pipelines import settings, warehouse
from tests.assets.contacts.conftest import admin, clear_logs, run_contacts, writes

JANE_X = "0b6c1f8e-0000-4000-8000-00000000aa01"
PARTS_X = "0b6c1f8e-0000-4000-8000-00000000aa02"
NAMESAKE_X = "0b6c1f8e-0000-4000-8000-00000000aa03"


def auxo_post(path: str, body: dict) -> dict:
    response = admin("auxo").post(path, json=body)
    assert response.status_code < 300, response.text
    return response.json()["data"]


def auxo_patch(path: str, body: dict) -> dict:
    response = admin("auxo").patch(path, json=body)
    assert response.status_code < 300, response.text
    return response.json()["data"]


def auxo_record(resource: str, record_id: str) -> dict:
    response = admin("auxo").get(f"/admin/records/{resource}/{record_id}")
    assert response.status_code == 200, response.text
    return response.json()["data"]


def xero_act(action: str, body: dict) -> dict:
    response = admin("xero").post(f"/admin/actions/{action}", json=body)
    assert response.status_code == 200, response.text
    return next(iter(response.json().values()))[0]


def xero_contact(contact_id: str) -> dict:
    contacts = admin("xero").get("/admin/documents/Contacts").json()["Contacts"]
    return next(c for c in contacts if c["ContactID"] == contact_id)


def phone(contact: dict, kind: str = "DEFAULT") -> str:
    slot = next(p for p in contact["Phones"] if p["PhoneType"] == kind)
    return " ".join(filter(None, (slot.get("PhoneCountryCode"), slot.get("PhoneAreaCode"), slot.get("PhoneNumber"))))


def workshop() -> dict[str, str]:
    sandbox.xero.seed(settings.sandbox_state_dir("xero"), {"Contacts": [
        {"ContactID": JANE_X, "Name": "JANE  CITIZEN", "Phones": [{"PhoneType": "DEFAULT",
                                                                    "PhoneNumber": "+61 2 9876 5432"}]},
        {"ContactID": PARTS_X, "Name": "Parts Co", "EmailAddress": "SALES@partsco.com.au"},
        {"ContactID": NAMESAKE_X, "Name": "Bob Jones", "EmailAddress": "bob@elsewhere.net"},
    ]})
    return {
        "jane": auxo_post("/admin/customers", {"name": "Jane Citizen", "first_name": "Jane", "last_name": "Citizen",
                                               "email": "jane@example.com", "phone": "(02) 9876 5432"})["id"],
        "new": auxo_post("/admin/customers", {"name": "Nora Newcomer", "email": "nora@example.com",
                                              "mobile": "0412 345 678"})["id"],
        "bob": auxo_post("/admin/customers", {"name": "Bob Jones", "phone": "0233334444"})["id"],
        "parts": auxo_post("/admin/suppliers", {"name": "Parts Co Pty Ltd", "email": "sales@partsco.com.au",
                                                "contact_person": "Mary Smith", "phone": "1300 123 456"})["id"],
    }


def assert_nothing_written() -> None:
    clear_logs()
    run_contacts()
    assert writes("xero") == [] and writes("auxo") == []
    with warehouse.connect() as con:
        assert con.execute("select count(*) from plans.contact_changes where direction <> 'none'").fetchone() == (0,)


def test_match_create_link_then_a_rerun_writes_nothing(home: Path):
    ids = workshop()
    run_contacts()

    jane = auxo_record("customers", ids["jane"])
    assert jane["xero_contact_id"] == JANE_X and jane["sync_status"] == "synced"
    assert xero_contact(JANE_X)["Name"] == "Jane Citizen"  # Auxo is the master on the first sync
    parts = auxo_record("suppliers", ids["parts"])
    assert parts["xero_contact_id"] == PARTS_X
    assert xero_contact(PARTS_X)["ContactPersons"][0] == {"FirstName": "Mary", "LastName": "Smith"}
    new = auxo_record("customers", ids["new"])
    created = xero_contact(new["xero_contact_id"])
    assert created["Name"] == "Nora Newcomer" and phone(created, "MOBILE") == "0412 345 678"
    bob = auxo_record("customers", ids["bob"])  # a namesake: review, never linked nor created
    assert bob["xero_contact_id"] is None and bob["sync_status"] == "error"
    assert bob["sync_error"]["code"] == "needs_review"
    with warehouse.connect() as con:
        review = con.execute("select auxo_id, xero_contact_id, matched_on from plans.contact_review").fetchall()
        assert review == [(ids["bob"], NAMESAKE_X, "name")]
        contacts = con.execute("select count(*) from plans.contact_matches").fetchone()
        assert contacts == (4,)

    assert_nothing_written()


def test_edits_on_either_side_arrive_on_the_other_and_the_later_edit_wins(home: Path):
    ids = workshop()
    run_contacts()
    run_contacts()  # both sides agree now: the baseline is set

    # one edit on each side, as people make them
    xero_act("edit-contact", {"ContactID": JANE_X, "EmailAddress": "jane.citizen@example.com"})
    auxo_patch(f"/admin/suppliers/{ids['parts']}", {"phone": "1300 999 888"})
    run_contacts()
    assert auxo_record("customers", ids["jane"])["email"] == "jane.citizen@example.com"
    assert phone(xero_contact(PARTS_X)) == "1300 999 888"
    assert_nothing_written()

    # both sides change Jane's phone: Xero first, Auxo later → Auxo's wins
    xero_act("edit-contact", {"ContactID": JANE_X, "Phones": [{"PhoneType": "DEFAULT", "PhoneAreaCode": "02",
                                                                "PhoneNumber": "8111 1111"}]})
    time.sleep(0.01)
    auxo_patch(f"/admin/customers/{ids['jane']}", {"phone": "02 8222 2222"})
    run_contacts()
    assert phone(xero_contact(JANE_X)) == "02 8222 2222"
    assert auxo_record("customers", ids["jane"])["phone"] == "02 8222 2222"
    # and the other way round: Auxo first, Xero later → Xero's wins
    auxo_patch(f"/admin/customers/{ids['jane']}", {"phone": "02 8333 3333"})
    time.sleep(0.01)
    xero_act("edit-contact", {"ContactID": JANE_X, "Phones": [{"PhoneType": "DEFAULT", "PhoneAreaCode": "",
                                                                "PhoneNumber": "02 8444 4444"}]})
    run_contacts()
    assert auxo_record("customers", ids["jane"])["phone"] == "02 8444 4444"
    assert phone(xero_contact(JANE_X)) == "02 8444 4444"
    with warehouse.connect() as con:
        rules = [r[0] for r in con.execute(
            "select rule from sync.contact_decisions where auxo_id = ? and field = 'phone' order by decided_at",
            [ids["jane"]]).fetchall()]
    assert rules[-2:] == ["both_changed_auxo_later", "both_changed_xero_later"]
    assert_nothing_written()


def test_an_email_blank_in_auxo_never_removes_xeros(home: Path):
    ids = workshop()
    run_contacts()
    run_contacts()
    auxo_patch(f"/admin/customers/{ids['jane']}", {"email": ""})
    run_contacts()
    assert xero_contact(JANE_X)["EmailAddress"] == "jane@example.com"
    assert not auxo_record("customers", ids["jane"])["email"]
    with warehouse.connect() as con:
        decided = con.execute("select direction, rule, auxo_value, xero_value from sync.contact_decisions "
                              "where auxo_id = ? and field = 'email' order by decided_at", [ids["jane"]]).fetchall()
    # the first sync gave Xero Auxo's email; clearing it in Auxo is recorded, and sent nowhere
    assert decided == [("to_xero", "first_sync_auxo_master", "jane@example.com", None),
                       ("none", "blank_in_auxo_keeps_xero", None, "jane@example.com")]
    assert_nothing_written()


def test_merged_and_archived_contacts_are_not_written_to_blindly(home: Path):
    ids = workshop()
    run_contacts()
    run_contacts()
    # Jane's Xero contact is merged into another one; the next edit in Auxo goes to the survivor
    survivor = "0b6c1f8e-0000-4000-8000-00000000aa09"
    sandbox.xero.seed(settings.sandbox_state_dir("xero"), {"Contacts": [{"ContactID": survivor, "Name": "J Citizen"}]})
    xero_act("merge-contacts", {"ContactID": JANE_X, "IntoContactID": survivor})
    # Parts Co is archived in Xero: left alone
    xero_act("archive-contact", {"ContactID": PARTS_X})
    auxo_patch(f"/admin/suppliers/{ids['parts']}", {"phone": "1300 777 666"})
    run_contacts()
    assert xero_contact(survivor)["Name"] == "Jane Citizen"
    assert auxo_record("customers", ids["jane"])["xero_contact_id"] == JANE_X  # Auxo's link is never rewritten
    assert phone(xero_contact(PARTS_X)) == "1300 123 456"  # the Auxo edit did not reach the archived contact
    with warehouse.connect() as con:
        from assets.contacts.links import contact_links

        links = dict(contact_links(con, "default").select("auxo_id", "xero_contact_id").iter_rows())
    assert links[ids["jane"]] == survivor  # invoices go to the contact Xero kept
    assert links[ids["parts"]] == PARTS_X  # and to the archived one as linked: Xero's message tells a person
    assert_nothing_written()


def test_a_person_settles_a_review_case(home: Path):
    ids = workshop()
    run_contacts()
    assert auxo_record("customers", ids["bob"])["sync_error"]["code"] == "needs_review"
    with warehouse.connect() as con:
        con.execute("insert into sync.contact_overrides (connection_id, kind, auxo_id, action, xero_contact_id, note) "
                    "values ('default', 'customer', ?, 'link', ?, 'same Bob, new number')", [ids["bob"], NAMESAKE_X])
    run_contacts()
    bob = auxo_record("customers", ids["bob"])
    assert bob["xero_contact_id"] == NAMESAKE_X and bob["sync_status"] == "synced"
    assert bob["email"] == "bob@elsewhere.net"  # Auxo had none: filled from Xero
    assert phone(xero_contact(NAMESAKE_X)) == "0233334444"  # Xero had none: Auxo's
    assert_nothing_written()


def test_a_supplier_edited_in_xero_comes_back_to_auxo_and_conflicts_follow_the_customer_rule(home: Path):
    ids = workshop()
    run_contacts()
    run_contacts()  # Parts Co is linked and both sides agree: the baseline is set

    # a bookkeeper edits the supplier in Xero: name, email, phone and street address
    xero_act("edit-contact", {
        "ContactID": PARTS_X, "Name": "Parts Co Wholesale Pty Ltd", "EmailAddress": "accounts@partsco.com.au",
        "Phones": [{"PhoneType": "DEFAULT", "PhoneAreaCode": "", "PhoneNumber": "1300 222 333"}],
        "Addresses": [{"AddressType": "STREET", "AddressLine1": "4 Depot Rd", "City": "Botany", "Region": "NSW",
                       "PostalCode": "2019", "Country": "Australia"}]})
    run_contacts()
    parts = auxo_record("suppliers", ids["parts"])
    assert (parts["name"], parts["email"], parts["phone"]) == (
        "Parts Co Wholesale Pty Ltd", "accounts@partsco.com.au", "1300 222 333")
    street = [a for a in parts["addresses"] if a["type"] == "street"]
    assert [(a["line1"], a["suburb"], a["state"], a["postcode"]) for a in street] == [
        ("4 Depot Rd", "Botany", "NSW", "2019")]
    assert parts["xero_contact_id"] == PARTS_X and parts["sync_status"] == "synced"
    assert_nothing_written()

    # both sides change the supplier's phone, as for a customer: the later edit wins, either way round
    xero_act("edit-contact", {"ContactID": PARTS_X, "Phones": [{"PhoneType": "DEFAULT", "PhoneAreaCode": "",
                                                                 "PhoneNumber": "1300 444 555"}]})
    time.sleep(0.01)
    auxo_patch(f"/admin/suppliers/{ids['parts']}", {"phone": "1300 666 777"})
    run_contacts()
    assert phone(xero_contact(PARTS_X)) == "1300 666 777"
    assert auxo_record("suppliers", ids["parts"])["phone"] == "1300 666 777"
    auxo_patch(f"/admin/suppliers/{ids['parts']}", {"phone": "1300 888 999"})
    time.sleep(0.01)
    xero_act("edit-contact", {"ContactID": PARTS_X, "Phones": [{"PhoneType": "DEFAULT", "PhoneAreaCode": "",
                                                                 "PhoneNumber": "1300 111 000"}]})
    run_contacts()
    assert auxo_record("suppliers", ids["parts"])["phone"] == "1300 111 000"
    assert phone(xero_contact(PARTS_X)) == "1300 111 000"
    with warehouse.connect() as con:
        decided = con.execute(
            "select field, direction, rule from sync.contact_decisions where kind = 'supplier' and auxo_id = ? "
            "and rule not like 'first_sync%' order by decided_at, field", [ids["parts"]]).fetchall()
    assert decided == [("email", "to_auxo", "xero_changed"), ("name", "to_auxo", "xero_changed"),
                       ("phone", "to_auxo", "xero_changed"), ("street_address", "to_auxo", "xero_changed"),
                       ("phone", "to_xero", "both_changed_auxo_later"),
                       ("phone", "to_auxo", "both_changed_xero_later")]
    assert_nothing_written()
