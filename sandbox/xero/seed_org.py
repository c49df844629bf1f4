"""The demo organisation every new state folder starts with (docs/architecture.md is the contract).

AU, AUD, GST 10 %, financial year ending 30 June, Australia/Sydney. The account codes matter: the
project's mappings refer to them. Ids are derived from the tenant id (uuid5), so a reset brings back
the same AccountIDs and TrackingOptionIDs and nothing that cached them goes stale.
"""

from __future__ import annotations

import secrets
import uuid
from decimal import Decimal

from sandbox.xero import dates
from sandbox.xero.store import Tx

ORG_NAME = "Auxo Demo Workshop Pty Ltd"

# code, name, type, tax type, extras
ACCOUNTS: list[tuple[str, str, str, str, dict]] = [
    ("090", "Business Bank Account", "BANK", "BASEXCLUDED",
     {"BankAccountNumber": "062000 12345678", "BankAccountType": "BANK", "CurrencyCode": "AUD"}),
    ("091", "Business Savings Account", "BANK", "BASEXCLUDED",
     {"BankAccountNumber": "062000 87654321", "BankAccountType": "BANK", "CurrencyCode": "AUD"}),
    ("200", "Parts Sales", "REVENUE", "OUTPUT", {}),
    ("205", "Labour Sales", "REVENUE", "OUTPUT", {}),
    ("210", "Sundry Sales", "REVENUE", "OUTPUT", {}),
    ("215", "Freight Income", "REVENUE", "OUTPUT", {}),
    ("220", "Discounts Given", "REVENUE", "OUTPUT", {}),
    ("260", "Other Revenue", "REVENUE", "OUTPUT", {}),
    ("270", "Interest Income", "REVENUE", "EXEMPTOUTPUT", {}),
    ("299", "Old Sales", "REVENUE", "OUTPUT", {"Status": "ARCHIVED"}),
    ("310", "Cost of Goods Sold", "DIRECTCOSTS", "BASEXCLUDED", {}),
    ("320", "Freight Inwards", "DIRECTCOSTS", "INPUT", {}),
    ("330", "Stock Adjustment", "DIRECTCOSTS", "BASEXCLUDED", {}),
    ("400", "Advertising", "OVERHEADS", "INPUT", {}),
    ("404", "Bank Fees", "OVERHEADS", "EXEMPTEXPENSES", {}),
    ("408", "Cleaning", "OVERHEADS", "INPUT", {}),
    ("412", "Consulting & Accounting", "OVERHEADS", "INPUT", {}),
    ("416", "Depreciation", "DEPRECIATN", "BASEXCLUDED", {}),
    ("420", "Entertainment", "OVERHEADS", "EXEMPTEXPENSES", {}),
    ("425", "Freight & Courier", "OVERHEADS", "INPUT", {}),
    ("429", "General Expenses", "OVERHEADS", "INPUT", {}),
    ("433", "Insurance", "OVERHEADS", "INPUT", {}),
    ("437", "Interest Expense", "OVERHEADS", "EXEMPTEXPENSES", {}),
    ("441", "Legal Expenses", "OVERHEADS", "INPUT", {}),
    ("445", "Light, Power, Heating", "OVERHEADS", "INPUT", {}),
    ("449", "Motor Vehicle Expenses", "OVERHEADS", "INPUT", {}),
    ("453", "Office Expenses", "OVERHEADS", "INPUT", {}),
    ("461", "Printing & Stationery", "OVERHEADS", "INPUT", {}),
    ("469", "Rent", "OVERHEADS", "INPUT", {}),
    ("473", "Repairs and Maintenance", "OVERHEADS", "INPUT", {}),
    ("477", "Wages and Salaries", "EXPENSE", "BASEXCLUDED", {}),
    ("478", "Superannuation", "EXPENSE", "BASEXCLUDED", {}),
    ("485", "Subscriptions", "OVERHEADS", "INPUT", {}),
    ("489", "Telephone & Internet", "OVERHEADS", "INPUT", {}),
    ("493", "Travel - National", "OVERHEADS", "INPUT", {}),
    ("610", "Accounts Receivable", "CURRENT", "BASEXCLUDED", {"SystemAccount": "DEBTORS"}),
    ("615", "Payment Clearing", "CURRENT", "BASEXCLUDED", {"EnablePaymentsToAccount": True}),
    ("620", "Prepayments", "CURRENT", "BASEXCLUDED", {}),
    ("630", "Stock on Hand", "CURRENT", "BASEXCLUDED", {}),
    ("635", "Work in Progress", "CURRENT", "BASEXCLUDED", {}),
    ("710", "Office Equipment", "FIXED", "CAPEXINPUT", {}),
    ("711", "Less Accumulated Depreciation on Office Equipment", "FIXED", "BASEXCLUDED", {}),
    ("720", "Computer Equipment", "FIXED", "CAPEXINPUT", {}),
    ("730", "Workshop Equipment", "FIXED", "CAPEXINPUT", {}),
    ("800", "Accounts Payable", "CURRLIAB", "BASEXCLUDED", {"SystemAccount": "CREDITORS"}),
    ("820", "GST", "CURRLIAB", "BASEXCLUDED", {"SystemAccount": "GST"}),
    ("825", "PAYG Withholdings Payable", "CURRLIAB", "BASEXCLUDED", {}),
    ("826", "Superannuation Payable", "CURRLIAB", "BASEXCLUDED", {}),
    ("830", "Income Tax Payable", "CURRLIAB", "BASEXCLUDED", {}),
    ("840", "Historical Adjustment", "CURRLIAB", "BASEXCLUDED", {"SystemAccount": "HISTORICAL"}),
    ("850", "Suspense", "CURRLIAB", "BASEXCLUDED", {}),
    ("860", "Rounding", "CURRLIAB", "BASEXCLUDED", {"SystemAccount": "ROUNDING"}),
    ("861", "Invoice Rounding", "EXPENSE", "BASEXCLUDED", {}),
    ("877", "Tracking Transfers", "CURRLIAB", "BASEXCLUDED", {"SystemAccount": "TRACKINGTRANSFERS"}),
    ("900", "Loan", "TERMLIAB", "BASEXCLUDED", {}),
    ("960", "Retained Earnings", "EQUITY", "BASEXCLUDED", {"SystemAccount": "RETAINEDEARNINGS"}),
    ("970", "Owner A Funds Introduced", "EQUITY", "BASEXCLUDED", {}),
    ("980", "Owner A Drawings", "EQUITY", "BASEXCLUDED", {}),
]

CLASS_OF_TYPE = {
    "BANK": "ASSET", "CURRENT": "ASSET", "FIXED": "ASSET", "INVENTORY": "ASSET", "NONCURRENT": "ASSET",
    "PREPAYMENT": "ASSET", "CURRLIAB": "LIABILITY", "LIABILITY": "LIABILITY", "TERMLIAB": "LIABILITY",
    "PAYG": "LIABILITY", "EQUITY": "EQUITY", "REVENUE": "REVENUE", "SALES": "REVENUE",
    "OTHERINCOME": "REVENUE", "DIRECTCOSTS": "EXPENSE", "EXPENSE": "EXPENSE", "OVERHEADS": "EXPENSE",
    "DEPRECIATN": "EXPENSE",
}

# tax type, name, rate %, report tax type, can apply to (Assets, Equity, Expenses, Liabilities, Revenue)
TAX_RATES: list[tuple[str, str, str, str, tuple[bool, bool, bool, bool, bool]]] = [
    ("OUTPUT", "GST on Income", "10", "OUTPUT", (True, True, False, True, True)),
    ("INPUT", "GST on Expenses", "10", "INPUT", (True, True, True, True, False)),
    ("EXEMPTOUTPUT", "GST Free Income", "0", "EXEMPTOUTPUT", (True, True, False, True, True)),
    ("EXEMPTEXPENSES", "GST Free Expenses", "0", "EXEMPTEXPENSES", (True, True, True, True, False)),
    ("BASEXCLUDED", "BAS Excluded", "0", "BASEXCLUDED", (True, True, True, True, True)),
    ("INPUTTAXED", "Input Taxed", "0", "INPUTTAXED", (True, True, True, True, True)),
    ("GSTONIMPORTS", "GST on Imports", "0", "GSTONIMPORTS", (True, True, True, True, False)),
    ("CAPEXINPUT", "GST on Capital", "10", "CAPEXINPUT", (True, False, True, False, False)),
]

TRACKING = {"Branch": ["Main St", "Northside"], "Department": ["Mechanical", "Tyres", "Auto Electrical"]}


def derived_id(tenant_id: str, name: str) -> str:
    return str(uuid.uuid5(uuid.UUID(tenant_id), name))


def new_credentials() -> dict[str, str]:
    return {
        "client_id": secrets.token_hex(16).upper(),
        "client_secret": secrets.token_urlsafe(36),
        "tenant_id": str(uuid.uuid4()),
        "signing_key": secrets.token_hex(32),
    }


def account_doc(tenant_id: str, code: str, name: str, type_: str, tax: str, extra: dict) -> dict:
    doc = {
        "AccountID": derived_id(tenant_id, f"account:{code}"),
        "Code": code,
        "Name": name,
        "Status": "ACTIVE",
        "Type": type_,
        "TaxType": tax,
        "Class": CLASS_OF_TYPE[type_],
        "EnablePaymentsToAccount": False,
        "ShowInExpenseClaims": CLASS_OF_TYPE[type_] == "EXPENSE",
        "BankAccountType": "",
        "ReportingCode": "",
        "ReportingCodeName": "",
        "HasAttachments": False,
        "AddToWatchlist": False,
    }
    doc.update(extra)
    return doc


def tax_rate_doc(tax_type: str, name: str, rate: str, report: str, applies: tuple) -> dict:
    value = Decimal(rate).quantize(Decimal("0.0000"))
    return {
        "Name": name,
        "TaxType": tax_type,
        "ReportTaxType": report,
        "CanApplyToAssets": applies[0],
        "CanApplyToEquity": applies[1],
        "CanApplyToExpenses": applies[2],
        "CanApplyToLiabilities": applies[3],
        "CanApplyToRevenue": applies[4],
        "DisplayTaxRate": value,
        "EffectiveRate": value,
        "Status": "ACTIVE",
        "TaxComponents": [{"Name": "GST", "Rate": value, "IsCompound": False, "IsNonRecoverable": False}],
    }


def organisation_doc(tenant_id: str, created_ms: int) -> dict:
    return {
        "OrganisationID": tenant_id,
        "APIKey": "",
        "Name": ORG_NAME,
        "LegalName": ORG_NAME,
        "PaysTax": True,
        "Version": "AU",
        "OrganisationType": "COMPANY",
        "BaseCurrency": "AUD",
        "CountryCode": "AU",
        "IsDemoCompany": False,
        "OrganisationStatus": "ACTIVE",
        "RegistrationNumber": "",
        "TaxNumber": "12 345 678 901",
        "FinancialYearEndDay": 30,
        "FinancialYearEndMonth": 6,
        "SalesTaxBasis": "ACCRUALS",
        "SalesTaxPeriod": "QUARTERLY1",
        "DefaultSalesTax": "Tax Exclusive",
        "DefaultPurchasesTax": "Tax Exclusive",
        "CreatedDateUTC": dates.ms_timestamp(created_ms),
        "Timezone": "AUSEASTERNSTANDARDTIME",
        "OrganisationEntityType": "COMPANY",
        "ShortCode": "!AuX0d",
        "Class": "PREMIUM",
        "Edition": "BUSINESS",
        "LineOfBusiness": "Automotive repair and servicing",
        "Addresses": [{"AddressType": "STREET", "AddressLine1": "12 Main St", "City": "Parramatta",
                       "Region": "NSW", "PostalCode": "2150", "Country": "Australia"}],
        "Phones": [{"PhoneType": "OFFICE", "PhoneNumber": "9876 5432", "PhoneAreaCode": "02"}],
        "ExternalLinks": [],
        "PaymentTerms": {"Sales": {"Day": 14, "Type": "DAYSAFTERBILLDATE"},
                         "Bills": {"Day": 30, "Type": "DAYSAFTERBILLDATE"}},
    }


def tracking_doc(tenant_id: str, name: str, options: list[str]) -> dict:
    return {
        "TrackingCategoryID": derived_id(tenant_id, f"tracking:{name}"),
        "Name": name,
        "Status": "ACTIVE",
        "Options": [
            {"TrackingOptionID": derived_id(tenant_id, f"tracking:{name}:{option}"), "Name": option,
             "Status": "ACTIVE"}
            for option in options
        ],
    }


def seed_demo_organisation(tx: Tx, tenant_id: str) -> None:
    """Write the organisation, chart of accounts, tax rates, tracking categories and currency."""
    stamp = tx.stamp()
    tx.put("Organisation", organisation_doc(tenant_id, stamp))
    for code, name, type_, tax, extra in ACCOUNTS:
        tx.put("Account", account_doc(tenant_id, code, name, type_, tax, extra))
    for row in TAX_RATES:
        tx.put("TaxRate", tax_rate_doc(*row))
    for name, options in TRACKING.items():
        tx.put("TrackingCategory", tracking_doc(tenant_id, name, options))
    tx.put("Currency", {"Code": "AUD", "Description": "Australian Dollar"})
