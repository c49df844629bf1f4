"""Reading: envelope, paging, If-Modified-Since (inclusive), where/order, list filters, settings."""

from __future__ import annotations

from datetime import UTC, datetime

from sandbox.xero.dates import ms_of
from tests.sandbox.xero.conftest import Admin, XeroApi


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_envelope_and_get_by_id(api: XeroApi) -> None:
    contact = api.contact()
    body = api.get(f"Contacts/{contact['ContactID']}").json()
    assert set(body) == {"Id", "Status", "ProviderName", "DateTimeUTC", "Contacts"}
    assert body["Status"] == "OK" and body["DateTimeUTC"].startswith("/Date(") and "+" not in body["DateTimeUTC"]
    assert [c["ContactID"] for c in body["Contacts"]] == [contact["ContactID"]]
    assert api.get("Contacts/3f0c6a4e-0000-4000-8000-000000000000").status_code == 404
    assert api.get("NoSuchThing").status_code == 404
    assert api.get("invoices").status_code == 200  # collection names ignore case


def test_paging(api: XeroApi, admin: Admin) -> None:
    admin.call("POST", "seed", {"Contacts": [{"Name": f"Customer {n:03d}"} for n in range(250)]})
    first = api.get("Contacts", params={"page": 1}).json()
    assert first["pagination"] == {"page": 1, "pageSize": 100, "pageCount": 3, "itemCount": 250}
    assert len(first["Contacts"]) == 100
    last = api.get("Contacts", params={"page": 3, "pageSize": 100}).json()
    assert len(last["Contacts"]) == 50
    assert api.get("Contacts", params={"page": 4}).json()["Contacts"] == []
    big = api.get("Contacts", params={"page": 1, "pageSize": 5000}).json()
    assert big["pagination"]["pageSize"] == 1000 and len(big["Contacts"]) == 250
    assert "pagination" not in api.get("Contacts").json() and len(api.get("Contacts").json()["Contacts"]) == 250
    seen = [c["ContactID"] for p in (1, 2, 3) for c in api.get("Contacts", params={"page": p}).json()["Contacts"]]
    assert len(set(seen)) == 250


def test_if_modified_since_is_inclusive_to_the_millisecond(api: XeroApi) -> None:
    first = api.contact("First")
    second = api.contact("Second")
    stamp = ms_of(second["UpdatedDateUTC"])
    assert stamp is not None and stamp > ms_of(first["UpdatedDateUTC"])
    names = lambda since: [c["Name"] for c in api.ok(  # noqa: E731
        api.get("Contacts", headers={"If-Modified-Since": since}), "Contacts")]
    assert names(iso(stamp)) == ["Second"]
    assert names(iso(stamp + 1)) == []
    assert names(iso(stamp - 1)) == ["Second"]
    assert names(datetime.fromtimestamp(stamp / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")) in (
        ["Second"], ["First", "Second"])
    assert api.get("Contacts", headers={"If-Modified-Since": "not a date"}).status_code == 400


def test_where_forms_and_order(api: XeroApi) -> None:
    a, b = api.contact("Alpha"), api.contact("Beta")
    inv1 = api.invoice(a, Reference="REG ABC123", Date="2026-11-01")
    inv2 = api.invoice(b, Reference="REG XYZ789", Date="2026-11-15")
    api.one("PUT", "Invoices", "Invoices", {"Type": "ACCPAY", "Contact": {"ContactID": a["ContactID"]},
                                            "LineItems": [{"Description": "x", "LineAmount": 5}]})

    def numbers(where: str, **params: str) -> list[str]:
        found = api.ok(api.get("Invoices", params={"where": where, **params}), "Invoices")
        return [d["InvoiceNumber"] for d in found]

    assert numbers('Reference=="REG ABC123"') == [inv1["InvoiceNumber"]]
    guid = b["ContactID"].upper()
    assert numbers(f'Type=="ACCREC" AND Contact.ContactID==Guid("{guid}")') == [
        inv2["InvoiceNumber"]]
    assert numbers("Date>=DateTime(2026,11,10) AND Date<DateTime(2026, 11, 16)") == [inv2["InvoiceNumber"]]
    assert numbers('Status=="AUTHORISED" && AmountDue>100', order="InvoiceNumber DESC") == [
        inv2["InvoiceNumber"], inv1["InvoiceNumber"]]
    assert numbers('Reference.Contains("xyz")') == [inv2["InvoiceNumber"]]
    assert numbers('Type=="ACCREC" OR Status=="DRAFT"', order="UpdatedDateUTC ASC") == [
        inv1["InvoiceNumber"], inv2["InvoiceNumber"], ""]
    assert api.get("Invoices", params={"where": 'Status=="AUTHORISED'}).status_code == 400


def test_invoice_list_parameters(api: XeroApi) -> None:
    a, b = api.contact("Alpha"), api.contact("Beta")
    inv1, inv2 = api.invoice(a), api.invoice(b)
    draft = api.one("PUT", "Invoices", "Invoices", {"Type": "ACCREC", "Contact": {"ContactID": a["ContactID"]},
                                                    "LineItems": [{"Description": "x", "LineAmount": 5}]})

    def ids(**params: str) -> set[str]:
        return {d["InvoiceID"] for d in api.ok(api.get("Invoices", params=params), "Invoices")}

    assert ids(IDs=f"{inv1['InvoiceID']},{draft['InvoiceID']}") == {inv1["InvoiceID"], draft["InvoiceID"]}
    assert ids(InvoiceNumbers=inv2["InvoiceNumber"]) == {inv2["InvoiceID"]}
    assert ids(ContactIDs=a["ContactID"]) == {inv1["InvoiceID"], draft["InvoiceID"]}
    assert ids(Statuses="DRAFT") == {draft["InvoiceID"]}
    assert ids(statuses="draft,authorised") == {inv1["InvoiceID"], inv2["InvoiceID"], draft["InvoiceID"]}
    summary = api.ok(api.get("Invoices", params={"summaryOnly": "True"}), "Invoices")
    assert all("LineItems" not in d and "Total" in d for d in summary)


def test_boolean_query_values_ignore_case(api: XeroApi, admin: Admin) -> None:
    contact = api.contact("Gone")
    admin.act("archive-contact", {"ContactID": contact["ContactID"]})
    for value in ("true", "True", "TRUE"):
        assert len(api.ok(api.get("Contacts", params={"includeArchived": value}), "Contacts")) == 1
    assert api.ok(api.get("Contacts", params={"includeArchived": "False"}), "Contacts") == []
    assert len(api.ok(api.get("Contacts", params={"IncludeArchived": "true"}), "Contacts")) == 1


def test_organisation_settings_and_chart_of_accounts(api: XeroApi) -> None:
    org = api.ok(api.get("Organisation"), "Organisations")[0]
    assert (org["CountryCode"], org["BaseCurrency"], org["Version"], org["Timezone"]) == (
        "AU", "AUD", "AU", "AUSEASTERNSTANDARDTIME")
    assert (org["FinancialYearEndDay"], org["FinancialYearEndMonth"]) == (30, 6)
    assert org["OrganisationID"] == api.creds["tenant_id"]
    assert api.ok(api.get("Organisations"), "Organisations")[0]["OrganisationID"] == org["OrganisationID"]
    accounts = {a["Code"]: a for a in api.ok(api.get("Accounts"), "Accounts")}
    expected = {"090": "BANK", "200": "REVENUE", "205": "REVENUE", "210": "REVENUE", "215": "REVENUE",
                "220": "REVENUE", "299": "REVENUE", "310": "DIRECTCOSTS", "320": "DIRECTCOSTS", "330": "DIRECTCOSTS",
                "610": "CURRENT", "615": "CURRENT", "630": "CURRENT", "635": "CURRENT", "800": "CURRLIAB",
                "820": "CURRLIAB", "860": "CURRLIAB", "861": "EXPENSE", "960": "EQUITY", "400": "OVERHEADS",
                "489": "OVERHEADS", "710": "FIXED", "970": "EQUITY"}
    assert {code: accounts[code]["Type"] for code in expected} == expected
    assert accounts["299"]["Status"] == "ARCHIVED" and accounts["615"]["EnablePaymentsToAccount"] is True
    assert {accounts[c]["SystemAccount"] for c in ("610", "800", "820", "860", "960")} == {
        "DEBTORS", "CREDITORS", "GST", "ROUNDING", "RETAINEDEARNINGS"}
    banks = api.ok(api.get("Accounts", params={"where": 'Type=="BANK" AND Status=="ACTIVE"'}), "Accounts")
    assert {a["Code"] for a in banks} == {"090", "091"}
    rates = {r["TaxType"]: r for r in api.ok(api.get("TaxRates"), "TaxRates")}
    assert set(rates) >= {"OUTPUT", "INPUT", "EXEMPTOUTPUT", "EXEMPTEXPENSES", "BASEXCLUDED", "INPUTTAXED",
                          "GSTONIMPORTS", "CAPEXINPUT"}
    assert rates["OUTPUT"]["Name"] == "GST on Income" and rates["OUTPUT"]["EffectiveRate"] == 10
    tracking = {t["Name"]: [o["Name"] for o in t["Options"]] for t in api.ok(api.get("TrackingCategories"),
                                                                             "TrackingCategories")}
    assert tracking == {"Branch": ["Main St", "Northside"], "Department": ["Mechanical", "Tyres", "Auto Electrical"]}
    assert api.ok(api.get("Currencies"), "Currencies") == [{"Code": "AUD", "Description": "Australian Dollar"}]


def test_tracking_on_lines(api: XeroApi) -> None:
    invoice = api.invoice(api.contact(), [{"Description": "Tyres", "Quantity": 1, "UnitAmount": 100,
                                           "AccountCode": "200",
                                           "Tracking": [{"Name": "Branch", "Option": "Northside"},
                                                        {"Name": "department", "Option": "tyres"}]}])
    tracking = invoice["LineItems"][0]["Tracking"]
    assert [(t["Name"], t["Option"]) for t in tracking] == [("Branch", "Northside"), ("Department", "Tyres")]
    assert all(t["TrackingCategoryID"] and t["TrackingOptionID"] for t in tracking)


def test_accounts_create_update_archive(api: XeroApi) -> None:
    created = api.one("PUT", "Accounts", "Accounts", {"Code": "450", "Name": "Workshop Consumables",
                                                      "Type": "OVERHEADS", "TaxType": "INPUT"})
    assert created["Class"] == "EXPENSE"
    duplicate = api.put("Accounts", {"Accounts": [{"Code": "451", "Name": "workshop consumables",
                                                   "Type": "OVERHEADS"}]})
    assert duplicate.json()["Elements"][0]["ValidationErrors"][0]["Message"] == "Please enter a unique Name."
    archived = api.one("POST", f"Accounts/{created['AccountID']}", "Accounts", {"Status": "ARCHIVED"})
    assert archived["Status"] == "ARCHIVED"
    assert api.fetch("Accounts", created["AccountID"])["Status"] == "ARCHIVED"
