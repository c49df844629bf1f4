from datetime import UTC, date, datetime

import pytest

from pipelines.xero.dates import convert_dates, format_if_modified_since, ms_date_to_date, parse_ms_date


def test_ms_dates_parse_to_utc():
    assert parse_ms_date("/Date(1552326816230)/") == datetime(2019, 3, 11, 17, 53, 36, 230000, tzinfo=UTC)
    assert ms_date_to_date("/Date(1539993600000+0000)/") == date(2018, 10, 20)


def test_local_dates_with_an_offset_keep_their_calendar_date():
    # Xero's own example: a lock date of 31 Dec 2014 in NZ is 30 Dec 11:00 UTC
    assert ms_date_to_date("/Date(1419937200000+1300)/") == date(2014, 12, 31)
    assert convert_dates({"PeriodLockDate": "/Date(1419937200000+1300)/"}) == {"PeriodLockDate": date(2014, 12, 31)}


def test_convert_dates_copies_nested_records():
    record = {"Invoices": [{"Date": "/Date(1539993600000+0000)/", "Total": 1}]}
    converted = convert_dates(record)
    assert converted["Invoices"][0]["Date"] == datetime(2018, 10, 20, tzinfo=UTC)
    assert record["Invoices"][0]["Date"] == "/Date(1539993600000+0000)/"


def test_if_modified_since_is_utc_iso():
    assert format_if_modified_since(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05.000Z"
    with pytest.raises(ValueError):
        format_if_modified_since(datetime(2026, 1, 2))


def test_garbage_is_rejected():
    with pytest.raises(ValueError):
        parse_ms_date("2026-01-01")
