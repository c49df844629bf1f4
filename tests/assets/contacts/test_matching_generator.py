"""The matcher alone on the generator's contact books (no sandboxes): every planted case decided
exactly as the generator expects — links with their Xero ids, the review queue with its candidates,
the creates."""

from datetime import date
from types import SimpleNamespace

import polars as pl
import pytest

from assets.contacts.matching import match_contacts
from sandbox.generator import expected
from sandbox.generator.contacts import build_contact_book
from sandbox.generator.pools import build_pools
from sandbox.generator.profiles import get_profile
from sandbox.generator.timeline import Timeline


def book_of(profile_name: str):
    profile = get_profile(profile_name)
    timeline = Timeline.for_profile(profile.pre_sync_days, profile.synced_days, profile.window_days, date(2026, 3, 1))
    return build_contact_book(profile, build_pools(42), timeline, 42)


def matcher_inputs(book) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    def auxo_side(frame: pl.DataFrame, kind: str) -> pl.DataFrame:
        return frame.select(connection_id=pl.lit("c"), kind=pl.lit(kind), auxo_id="id", name="name", email="email",
                            phone="phone", mobile="mobile", archived="archived", linked_xero_id="xero_contact_id",
                            link_source=pl.when(pl.col("xero_contact_id").is_not_null()).then(pl.lit("auxo")))

    contacts = book.xero_contacts
    xero = contacts.select(connection_id=pl.lit("c"), contact_id="ContactID", name="Name", email="EmailAddress",
                           status="ContactStatus", merged_to_contact_id=pl.lit(None, pl.String))
    phones = pl.concat([
        contacts.select(connection_id=pl.lit("c"), contact_id="ContactID", phone=pl.concat_str(
            [pl.col("PhoneAreaCode").fill_null(""), pl.col("PhoneNumber").fill_null("")], separator=" ")),
        contacts.select(connection_id=pl.lit("c"), contact_id="ContactID", phone="MobileNumber"),
    ]).drop_nulls("phone")
    return pl.concat([auxo_side(book.customers, "customer"), auxo_side(book.suppliers, "supplier")]), xero, phones


@pytest.mark.parametrize("profile", ["tiny", "demo"])
def test_the_generators_planted_cases(profile: str):
    book = book_of(profile)
    result = match_contacts(*matcher_inputs(book))
    shim = SimpleNamespace(xero_contacts=book.xero_contacts, customers=book.customers, suppliers=book.suppliers)
    links = set(expected.contact_links(shim).select("auxo_kind", "auxo_id", "xero_contact_id").iter_rows())
    got = set(result.matches.filter(pl.col("decision").is_in(["link", "linked"]))
              .select("kind", "auxo_id", "xero_contact_id").iter_rows())
    assert (got - links, links - got) == (set(), set())
    review = expected.contact_review(shim)
    assert {a: sorted(ids) for a, ids in result.review.group_by("auxo_id").agg("xero_contact_id").iter_rows()} == {
        row["auxo_id"]: sorted(row["candidate_xero_contact_ids"]) for row in review.iter_rows(named=True)}
    creates = expected.contacts_to_create(shim)
    assert set(result.matches.filter(pl.col("decision") == "create").select("kind", "auxo_id").iter_rows()) == set(
        creates.select("auxo_kind", "auxo_id").iter_rows())
