"""Which systems ``recon/views`` re-reads after a run: those the run sent writes to, no others."""

from assets.recon.assets import systems_to_re_read
from tests.assets.recon.conftest import Books


def test_only_systems_the_run_sent_to_are_re_read(books: Books) -> None:
    books.write("invoice:inv_1", "confirmed", run_id="r2", sent_at="2026-03-02T01:00:00Z")
    # set aside by run r2, but sent by an earlier run: a refused version replaced by a newer one
    books.write("invoice:inv_2", "skipped", target="auxo", run_id="r2", sent_at="2026-03-01T01:00:00Z")
    books.write("invoice:inv_3", "confirmed", target="auxo", run_id="r1", sent_at="2026-03-01T01:00:00Z")
    assert systems_to_re_read(books.con, "auto", "r2", run_extracted=True) == ["xero"]
    assert systems_to_re_read(books.con, "auto", "r3", run_extracted=True) == []
    assert systems_to_re_read(books.con, "auto", "r3", run_extracted=False) == ["xero", "auxo"]
