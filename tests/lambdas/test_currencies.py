"""The copied ISO 4217 table stays identical to the maintained source."""

from __future__ import annotations

import json

from payments.domain.money import currencies

from tests.lambdas.currency_table import TABLE_PATH, build_table, render


def test_table_matches_the_iso4217_package():
    assert TABLE_PATH.read_text(encoding="utf-8") == render(build_table()), (
        "currencies.json is stale: run .venv/bin/python tests/lambdas/currency_table.py"
    )


def test_all_active_codes_with_their_exponents():
    table = currencies()
    assert len(table) >= 150
    assert (table["JPY"].exponent, table["KRW"].exponent, table["USD"].exponent) == (0, 0, 2)
    assert (table["KWD"].exponent, table["BHD"].exponent, table["CLF"].exponent) == (3, 3, 4)
    assert all(isinstance(c.exponent, int) and 0 <= c.exponent <= 4 for c in table.values())
    assert all(code.isalpha() and code.isupper() and len(code) == 3 for code in table)
    excluded = json.loads(TABLE_PATH.read_text())["excluded_without_minor_unit"]
    assert "XAU" in excluded and "XAU" not in table
