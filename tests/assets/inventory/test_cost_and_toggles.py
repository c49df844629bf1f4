"""The two as-of rules: a part's cost at a moment, and a setting's value at a moment."""

import polars as pl
import pytest

from assets.inventory.cost_at import cost_at
from assets.inventory.toggles import SyncSettings, covered, in_force
from tests.assets.inventory.factories import at, cost, d


def _costs(history: list[dict], moments: list[tuple[str | None, object]]) -> list:
    frame = pl.DataFrame({"part_id": [p for p, _ in moments], "moment": [m for _, m in moments]},
                         schema={"part_id": pl.String, "moment": pl.Datetime("us", "UTC")})
    history_frame = pl.DataFrame(history, schema={"part_id": pl.String, "effective_at": pl.Datetime("us", "UTC"),
                                                  "average_cost": pl.Decimal(18, 2), "id": pl.String})
    return cost_at(frame, history_frame)["unit_cost"].to_list()


def test_the_cost_at_a_moment_is_the_latest_entry_at_or_before_it():
    history = [cost("p", at(1, 8), "10.00"), cost("p", at(2, 8), "12.00"), cost("q", at(1, 9), "3.00")]
    moments = [("p", at(1, 7)), ("p", at(1, 8)), ("p", at(2, 7, 59)), ("p", at(2, 8)), ("p", at(9, 0)),
               ("q", at(1, 8)), ("q", at(5, 0))]
    assert _costs(history, moments) == [None, d("10.00"), d("10.00"), d("12.00"), d("12.00"), None, d("3.00")]


def test_rows_keep_their_order_and_missing_parts_or_moments_have_no_cost():
    history = [cost("p", at(1, 8), "10.00")]
    assert _costs(history, [("x", at(3, 0)), (None, at(3, 0)), ("p", None), ("p", at(3, 0))]) == [
        None, None, None, d("10.00")]


def test_two_entries_at_one_instant_the_later_id_wins():
    history = [cost("p", at(1, 8), "10.00", id="pch_2"), cost("p", at(1, 8), "11.00", id="pch_1")]
    assert _costs(history, [("p", at(1, 9))]) == [d("10.00")]


JOURNALS = "create_inventory_journals"


def _on(settings: SyncSettings, moments: list, backfill: bool | None = None) -> list[bool]:
    frame = pl.DataFrame({"t": moments}, schema={"t": pl.Datetime("us", "UTC")})
    if backfill is None:
        return in_force(frame, settings, JOURNALS, "t")["setting_on"].to_list()
    return covered(frame, settings, JOURNALS, "t", backfill=backfill)["setting_on"].to_list()


def test_a_setting_holds_from_its_switch_until_the_next():
    settings = SyncSettings.from_rows([(JOURNALS, True, at(1, 6)), (JOURNALS, False, at(2, 14)),
                                       (JOURNALS, True, at(2, 16)), ("send_purchase_orders", False, at(2, 15))])
    moments = [at(1, 5), at(1, 6), at(2, 13, 59), at(2, 14), at(2, 15), at(2, 16), at(3, 0), None]
    assert _on(settings, moments) == [False, True, True, False, False, True, True, False]


def test_switched_on_later_does_not_reach_back_unless_a_backfill_is_asked_and_it_is_on_now():
    on_later = SyncSettings.from_rows([(JOURNALS, False, at(1, 0)), (JOURNALS, True, at(3, 0))])
    assert _on(on_later, [at(2, 0), at(4, 0)], backfill=False) == [False, True]
    assert _on(on_later, [at(2, 0), at(4, 0)], backfill=True) == [True, True]
    off_now = SyncSettings.from_rows([(JOURNALS, True, at(1, 0)), (JOURNALS, False, at(3, 0))])
    assert _on(off_now, [at(2, 0), at(4, 0)], backfill=True) == [True, False]


def test_no_history_means_off_and_an_unknown_setting_is_refused():
    assert _on(SyncSettings.from_rows([]), [at(2, 0)]) == [False]
    with pytest.raises(ValueError, match="unknown Auxo sync setting"):
        in_force(pl.DataFrame({"t": [at(1, 0)]}), SyncSettings.from_rows([]), "journals", "t")
