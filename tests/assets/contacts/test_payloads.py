"""The documents the contact sync writes."""

import json
from datetime import UTC, datetime

from assets.contacts import payloads
from mappings import load_mappings
from pipelines.sync.plan import plan_frame

FIELDS = load_mappings().fields.contact_fields
ADDRESS = json.dumps({"line1": "1 Main St", "line2": None, "suburb": "Sydney", "state": "NSW", "postcode": "2000",
                      "country": None})


def test_a_create_carries_what_auxo_has_and_leaves_blanks_out():
    write = payloads.xero_create("c", "customer", "cus_1", {
        "name": "Jane Citizen", "first_name": "Jane", "last_name": "Citizen", "email": "jane@example.com",
        "phone": "02 9876 5432", "mobile": None, "abn": None, "contact_person": None, "street_address": ADDRESS,
        "postal_address": None}, FIELDS)
    assert write.payload == {
        "Name": "Jane Citizen", "FirstName": "Jane", "LastName": "Citizen", "EmailAddress": "jane@example.com",
        "Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": "02 9876 5432", "PhoneAreaCode": "", "PhoneCountryCode": ""}],
        "Addresses": [{"AddressType": "STREET", "AddressLine1": "1 Main St", "AddressLine2": "", "City": "Sydney",
                       "Region": "NSW", "PostalCode": "2000", "Country": ""}]}
    assert (write.target, write.entity, write.operation, write.ref, write.priority) == (
        "xero", "contact", "create", "contact:customer:cus_1", 10)
    assert write.writeback == {"resource": "customers", "id": "cus_1"}


def test_an_update_sends_only_what_changes_and_clears_the_rest_of_a_phone():
    write = payloads.xero_update("c", "supplier", "sup_1", "Parts Co", "x1", {"phone": "1300 123 456", "mobile": None},
                                 FIELDS)
    assert write.payload == {"ContactID": "x1", "Phones": [
        {"PhoneType": "DEFAULT", "PhoneNumber": "1300 123 456", "PhoneAreaCode": "", "PhoneCountryCode": ""},
        {"PhoneType": "MOBILE", "PhoneNumber": "", "PhoneAreaCode": "", "PhoneCountryCode": ""}]}
    assert write.writeback == {"resource": "suppliers", "id": "sup_1"}
    merged = payloads.xero_update("c", "supplier", "sup_1", "Parts Co", "x2", {"phone": "1"}, FIELDS, writeback=False)
    assert merged.writeback is None


def test_the_first_contact_person_changes_and_the_others_stay():
    others = [{"FirstName": "Bob", "LastName": "Jones", "EmailAddress": "bob@x.au"}]
    write = payloads.xero_update("c", "supplier", "sup_1", "P", "x1", {"contact_person": "Mary Jane Smith"}, FIELDS,
                                 other_persons=others)
    assert write.payload["ContactPersons"] == [{"FirstName": "Mary", "LastName": "Jane Smith"}, *others]
    cleared = payloads.xero_update("c", "supplier", "sup_1", "P", "x1", {"contact_person": None}, FIELDS,
                                   other_persons=others)
    assert cleared.payload["ContactPersons"] == others


def test_auxo_changes_replace_one_address_and_keep_the_others():
    current = [{"type": "street", "line1": "1 Old St"}, {"type": "postal", "line1": "PO Box 1"},
               {"type": "street", "line1": "2 Second St"}]
    changes = payloads.auxo_changes({"street_address": ADDRESS, "email": "new@x.au"}, current)
    assert changes["email"] == "new@x.au"
    assert changes["addresses"] == [
        {"type": "street", "line1": "1 Main St", "line2": None, "suburb": "Sydney", "state": "NSW", "postcode": "2000",
         "country": None},
        {"type": "postal", "line1": "PO Box 1"}, {"type": "street", "line1": "2 Second St"}]
    removed = payloads.auxo_changes({"postal_address": None}, current)
    assert removed == {"addresses": [current[0], current[2]]}
    assert payloads.auxo_changes({"name": None}, []) == {}  # Auxo needs a name; Xero never sends a blank one


def test_the_auxo_write_guards_against_a_newer_auxo_edit_and_keeps_its_own_ref():
    edited = datetime(2026, 3, 1, 4, 5, 6, 123456, tzinfo=UTC)
    write = payloads.auxo_update("c", "customer", "cus_1", "Jane", "x1", edited, {"phone": "0299990000"}, linking=True)
    assert write.payload == {"path": "customers/xero-updates", "item": {
        "id": "cus_1", "xero_contact_id": "x1", "if_edited_at": "2026-03-01T04:05:06.123456Z",
        "changes": {"phone": "0299990000"}}}
    # an Auxo write's result is the Auxo id: it must never stand for the Xero contact's ref
    assert write.ref == "auxo:contact:customer:cus_1" and write.priority == 120
    assert "link to Xero contact x1 and phone" in write.description
    frame = plan_frame([write, payloads.xero_update("c", "customer", "cus_1", "Jane", "x1", {"phone": "1"}, FIELDS)])
    assert frame.height == 2
