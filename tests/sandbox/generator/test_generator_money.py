"""The generator prices whole columns with the sandbox's own rules: the two must agree to the cent."""

from __future__ import annotations

import numpy as np

from sandbox.auxo.money import div_round, format_money, format_quantity
from sandbox.auxo.rules import line_amounts
from sandbox.generator import cents
from sandbox.generator.cents import money, quantity


def test_vectorised_line_amounts_match_the_sandbox_rules() -> None:
    rng = np.random.default_rng(1)
    qty = rng.choice([5_000, 10_000, 15_000, 45_000, 3_750, 20_000, 1], 5_000)
    unit = rng.integers(-60_000, 60_000, 5_000)
    includes = rng.random(5_000) < 0.5
    amount, gst, total = cents.line_amounts(qty, unit, includes)
    for i in range(5_000):
        assert (amount[i], gst[i], total[i]) == line_amounts(int(qty[i]), int(unit[i]), bool(includes[i]), "GST")
    numerators = rng.integers(-10**9, 10**9, 2_000)
    assert [int(x) for x in cents.div_round(numerators, 11)] == [div_round(int(n), 11) for n in numerators]


def test_money_and_quantity_text_match_the_api_format() -> None:
    import polars as pl

    values = [0, 1, -1, 5, -5, 99, 100, 12_345, -12_345, 10**10]
    frame = pl.DataFrame({"c": values, "q": [0, 1, 10_000, 25_000, 3_750, 12_345, -5_000, 100_000, 7, 10**9]})
    out = frame.select(m=money("c"), q=quantity("q"))
    assert out["m"].to_list() == [format_money(v) for v in values]
    assert out["q"].to_list() == [format_quantity(v) for v in frame["q"].to_list()]
