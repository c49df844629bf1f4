import shutil
from pathlib import Path

import pytest

from mappings import MappingError, check_against_xero, load_mappings, mappings_dir


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for source in mappings_dir().glob("*.yaml"):
        shutil.copy(source, tmp_path / source.name)
    return tmp_path


def test_the_shipped_mappings_load():
    mappings = load_mappings()
    assert mappings.accounts.inventory.cogs == "310"
    assert mappings.payment_account("EFTPOS") == "615"
    assert mappings.payment_account("unknown method") == mappings.accounts.payments.clearing
    assert mappings.tracking.for_line("labour") == [{"Name": "Branch", "Option": "Main St"},
                                                    {"Name": "Department", "Option": "Mechanical"}]


def test_a_float_account_code_names_file_key_and_fix(folder: Path):
    text = (folder / "accounts.yaml").read_text().replace('cogs: "310"', "cogs: 310.0")
    (folder / "accounts.yaml").write_text(text)
    with pytest.raises(MappingError) as exc:
        load_mappings(folder)
    assert str(exc.value) == (f"{folder / 'accounts.yaml'}: key inventory.cogs: expected an account code in quotes, "
                              'e.g. "200"')


def test_an_unknown_key_is_reported(folder: Path):
    (folder / "sync.yaml").write_text("contacts:\n  create_in_xreo: true\n")
    with pytest.raises(MappingError) as exc:
        load_mappings(folder)
    assert str(exc.value) == (f"{folder / 'sync.yaml'}: key contacts.create_in_xreo: unknown key — remove it or check "
                              "its spelling")


def test_broken_yaml_is_reported(folder: Path):
    (folder / "tax.yaml").write_text("sales: [OUTPUT\n")
    with pytest.raises(MappingError, match=r"tax.yaml: not valid YAML"):
        load_mappings(folder)


def test_a_missing_file_is_reported(folder: Path):
    (folder / "tracking.yaml").unlink()
    with pytest.raises(MappingError, match=r"tracking.yaml: file missing"):
        load_mappings(folder)


def test_codes_are_checked_against_xeros_chart():
    mappings = load_mappings()
    accounts = [{"Code": code, "Status": "ACTIVE", "Type": "BANK"} for code in mappings.accounts.all_codes().values()]
    accounts += [{"Code": "090", "Status": "ACTIVE", "Type": "BANK"}]
    taxes = [{"TaxType": t, "Status": "ACTIVE", "EffectiveRate": "10.0000"}
             for t in ("OUTPUT", "INPUT", "EXEMPTOUTPUT", "EXEMPTEXPENSES", "BASEXCLUDED")]
    assert check_against_xero(mappings, accounts, taxes) == []
    archived = [dict(a, Status="ARCHIVED") if a["Code"] == "310" else a for a in accounts]
    problems = check_against_xero(mappings, archived, taxes[1:])
    assert any("inventory.cogs" in p and "ARCHIVED" in p for p in problems)
    assert any("tax type 'OUTPUT' is not an active tax rate" in p for p in problems)


def test_a_missing_key_is_reported(folder: Path):
    text = (folder / "accounts.yaml").read_text().replace('  cogs: "310"', "")
    (folder / "accounts.yaml").write_text(text)
    with pytest.raises(MappingError) as exc:
        load_mappings(folder)
    assert str(exc.value) == f"{folder / 'accounts.yaml'}: key inventory.cogs: required key missing — add it"


def test_a_list_instead_of_keys_is_reported(folder: Path):
    (folder / "sync.yaml").write_text("- contacts\n- invoices\n")
    with pytest.raises(MappingError) as exc:
        load_mappings(folder)
    assert str(exc.value) == f"{folder / 'sync.yaml'}: expected a mapping of keys at the top level, got list"


def test_an_account_code_too_long_is_reported(folder: Path):
    text = (folder / "accounts.yaml").read_text().replace('labour: "205"', 'labour: "Labour sales 205"')
    (folder / "accounts.yaml").write_text(text)
    with pytest.raises(MappingError) as exc:
        load_mappings(folder)
    assert str(exc.value) == f"{folder / 'accounts.yaml'}: key sales.labour: an account code has 1 to 10 characters"


def test_a_third_tracking_category_is_reported(folder: Path):
    (folder / "tracking.yaml").write_text("defaults:\n  Branch: Main St\n  Department: Mechanical\n"
                                          "  Region: North\n")
    with pytest.raises(MappingError) as exc:
        load_mappings(folder)
    assert str(exc.value) == (f"{folder / 'tracking.yaml'}: key defaults: Xero allows at most 2 tracking categories "
                              "on a line")


def test_a_code_missing_from_xeros_chart_and_a_gst_rate_that_disagrees_are_reported():
    mappings = load_mappings()
    accounts = [{"Code": code, "Status": "ACTIVE", "Type": "BANK"} for code in mappings.accounts.all_codes().values()
                if code != "635"]
    taxes = [{"TaxType": t, "Status": "ACTIVE", "EffectiveRate": "15.0000" if t == "OUTPUT" else "0.0000"}
             for t in ("OUTPUT", "INPUT", "EXEMPTOUTPUT", "EXEMPTEXPENSES", "BASEXCLUDED")]
    assert check_against_xero(mappings, accounts, taxes) == [
        "mappings/accounts.yaml: key inventory.work_in_progress: account code '635' does not exist in Xero — use a "
        "code from the chart of accounts or create the account",
        "mappings/tax.yaml: key gst_rate_percent: 10% but Xero's OUTPUT rate is 15.0000% — make them agree",
    ]
