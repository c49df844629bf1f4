"""mappings/fields.yaml: the contact field mapping loads, and a bad one names file, key and fix."""

import shutil
from pathlib import Path

import pytest

from mappings import MappingError, load_mappings, mappings_dir


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for source in mappings_dir().glob("*.yaml"):
        shutil.copy(source, tmp_path / source.name)
    return tmp_path


def test_the_shipped_mapping():
    fields = {f.auxo: f for f in load_mappings().fields.contact_fields}
    assert fields["email"].blank_in_auxo_keeps_xero and fields["email"].compare == "email"
    assert (fields["phone"].xero, fields["phone"].compare) == ("Phones.DEFAULT", "phone")
    assert fields["postal_address"].compare == "address" and fields["abn"].compare == "digits"
    assert {f.direction for f in fields.values()} == {"both"}


@pytest.mark.parametrize("entry, expected", [
    ("  - auxo: fax\n    xero: Phones.FAX\n", r"key contact_fields.10.auxo: unknown Auxo contact field 'fax'"),
    ("  - auxo: mobile\n    xero: Phones.PAGER\n", r"key contact_fields.10.xero: unknown Xero contact field"),
    ("  - auxo: abn\n    xero: Addresses.STREET\n", r"abn and Addresses.STREET do not fit"),
    ("  - auxo: email\n    xero: EmailAddress\n", r"auxo field email is mapped more than once"),
    ("  - auxo: abn\n    xero: TaxNumber\n    direction: sideways\n", r"key contact_fields.9.direction: Input should be 'both', 'to_xero' or 'to_auxo'"),
])
def test_a_bad_entry_names_file_key_and_fix(folder: Path, entry: str, expected: str):
    path = folder / "fields.yaml"
    text = path.read_text()
    if "mapped more than once" not in expected and "abn" in entry and "TaxNumber" in entry:
        text = text.replace("  - auxo: abn\n    xero: TaxNumber\n", "")
    path.write_text(text + entry)
    with pytest.raises(MappingError, match=r"fields.yaml: .*" + expected):
        load_mappings(folder)


def test_the_name_mapping_is_required(folder: Path):
    path = folder / "fields.yaml"
    path.write_text(path.read_text().replace("  - auxo: name\n    xero: Name\n", ""))
    with pytest.raises(MappingError, match=r"fields.yaml: key contact_fields: the mapping auxo: name → xero: Name"):
        load_mappings(folder)
