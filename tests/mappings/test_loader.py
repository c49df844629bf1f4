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
    message = str(exc.value)
    assert "accounts.yaml" in message and "inventory.cogs" in message and 'in quotes, e.g. "200"' in message


def test_an_unknown_key_is_reported(folder: Path):
    (folder / "sync.yaml").write_text("contacts:\n  create_in_xreo: true\n")
    with pytest.raises(MappingError, match=r"sync.yaml: key contacts.create_in_xreo: unknown key"):
        load_mappings(folder)


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
