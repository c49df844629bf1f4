"""The client's API budget keeps to the organisation's tier and to every limit Xero reports."""

from pathlib import Path

import httpx
import pytest

import sandbox.xero
from pipelines.connections import XeroSettings
from pipelines.http import DailyLimitReached
from pipelines.xero.budget import RateBudget, TierError, tier_limits
from tests.pipelines.test_xero_client import make_client


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def answer(**headers: str) -> httpx.Response:
    return httpx.Response(200, headers={name.replace("_", "-"): value for name, value in headers.items()})


def test_the_tier_sets_the_day_limit_and_the_default_is_not_starter():
    assert RateBudget(tier="starter").per_day == 1000
    assert RateBudget(tier=" Starter ").per_day == 1000
    assert RateBudget().per_day == 5000 and RateBudget().tier == "standard"
    assert RateBudget(tier="premium").per_day == 5000
    limits = tier_limits("starter")
    assert (limits.per_minute, limits.concurrent, limits.app_per_minute) == (60, 5, 10_000)


def test_an_unknown_tier_names_the_setting_and_the_tiers_there_are(monkeypatch: pytest.MonkeyPatch):
    with pytest.raises(TierError, match=r"XERO_TIER='gold' .*starter.*standard"):
        RateBudget(tier="gold")
    monkeypatch.setenv("XERO_TIER", "gold")
    with pytest.raises(TierError, match="XERO_TIER"):
        XeroSettings().limits()
    monkeypatch.setenv("XERO_TIER", "starter")
    assert XeroSettings().limits().per_day == 1000


def test_the_budget_stops_at_the_starter_day_limit_even_before_xero_says_so():
    time = FakeTime()
    budget = RateBudget(tier="starter", per_minute=10_000, clock=time.clock, sleep=time.sleep)
    for _ in range(1000):
        with budget.slot():
            time.now += 0.01
    with pytest.raises(DailyLimitReached, match="starter tier's 1,000 a day"), budget.slot():
        pass
    assert budget.calls == 1000
    time.now += 86_400  # a day later the calls have left the window
    with budget.slot():
        pass


def test_the_budget_keeps_to_what_xero_says_is_left_of_the_day():
    budget = RateBudget(tier="standard")
    budget.observe(answer(X_DayLimit_Remaining="1", X_MinLimit_Remaining="59", X_AppMinLimit_Remaining="9000"))
    with budget.slot():
        pass
    budget.observe(answer(X_DayLimit_Remaining="0"))
    with pytest.raises(DailyLimitReached):
        budget.check_day()


def test_the_apps_minute_used_up_makes_the_budget_wait_a_minute():
    time = FakeTime()
    budget = RateBudget(clock=time.clock, sleep=time.sleep)
    with budget.slot():
        pass
    budget.observe(answer(X_DayLimit_Remaining="4000", X_MinLimit_Remaining="59", X_AppMinLimit_Remaining="0"))
    assert budget.snapshot().app_minute_remaining == 0
    with budget.slot():  # other organisations of the app used the minute: wait it out, then go
        pass
    assert 59 < sum(time.sleeps) < 61.5 and budget.calls == 2
    budget.observe(answer(X_AppMinLimit_Remaining="9999"))
    with budget.slot():
        pass
    assert 59 < sum(time.sleeps) < 61.5  # no further wait once the app's minute has room again


def test_against_the_sandbox_a_starter_organisation_is_counted_from_its_headers(tmp_path: Path):
    state = tmp_path / "xero"
    sandbox.xero.set_rate_limits(state, enabled=True, per_minute=1000)
    sandbox.xero.set_tier(state, "starter")
    client = make_client(state, budget=RateBudget(tier="starter"))
    client.get("Organisation")
    snapshot = client.budget.snapshot()
    assert (snapshot.day_remaining, snapshot.tier) == (999, "starter")
    assert snapshot.app_minute_remaining is not None and snapshot.app_minute_remaining < 10_000
    # the sandbox's count is the truth: a budget told "standard" stops where the organisation's day runs out
    sandbox.xero.set_rate_limits(state, per_day=3)
    wrong_tier = make_client(state, budget=RateBudget(tier="standard"))
    wrong_tier.get("Organisation")
    wrong_tier.get("Organisation")
    with pytest.raises(DailyLimitReached):
        wrong_tier.get("Accounts")
    assert sandbox.xero.request_log(state, path_prefix="/api.xro/2.0/Accounts") == []
