"""The mapping keys the money plans added: deposits' bank account and prepayment line, Auxo's card method."""

from mappings import check_against_xero, load_mappings


def test_deposits_have_a_bank_account_and_a_line_account_and_card_payments_a_method():
    mappings = load_mappings()
    assert mappings.accounts.payments.deposit_bank == "090"
    assert mappings.accounts.sales.deposit == "210"
    assert mappings.payment_account("credit_card") == "615"


def test_the_deposit_bank_must_be_a_bank_account_in_xero():
    mappings = load_mappings()
    accounts = [{"Code": code, "Status": "ACTIVE", "Type": "BANK"} for code in mappings.accounts.all_codes().values()]
    taxes = [{"TaxType": t, "Status": "ACTIVE", "EffectiveRate": "10.0000"}
             for t in ("OUTPUT", "INPUT", "EXEMPTOUTPUT", "EXEMPTEXPENSES", "BASEXCLUDED")]
    assert check_against_xero(mappings, accounts, taxes) == []
    clearing_only = [dict(a, Type="CURRENT", EnablePaymentsToAccount=True) if a["Code"] == "090" else a
                     for a in accounts]
    problems = check_against_xero(mappings, clearing_only, taxes)
    assert any("payments.deposit_bank" in p and "not a BANK account" in p for p in problems)
