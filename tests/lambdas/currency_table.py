"""Builds ``lambdas/payments/domain/currencies.json`` from the ``iso4217`` package.

The Lambda does not ship ``iso4217``; it reads the copied table. ``test_currencies``
rebuilds the table and compares, so a package upgrade that changes the data fails
the suite until the file is regenerated with::

    .venv/bin/python tests/lambdas/currency_table.py
"""

from __future__ import annotations

import json
from pathlib import Path

import iso4217

TABLE_PATH = Path(__file__).resolve().parents[2] / "lambdas" / "payments" / "domain" / "currencies.json"


def build_table() -> dict:
    currencies = {}
    without_minor_unit = []
    for currency in iso4217.Currency:
        if currency.exponent is None:
            # Gold, SDR, test codes ...: ISO gives no minor unit, so they cannot be
            # expressed as an integer amount of minor units.
            without_minor_unit.append(currency.code)
            continue
        currencies[currency.code] = {
            "exponent": currency.exponent,
            "number": currency.number,
            "name": currency.currency_name,
        }
    return {
        "source": f"iso4217 package {iso4217.__version__} (ISO 4217 list one)",
        "published": iso4217.__published__.isoformat(),
        "excluded_without_minor_unit": sorted(without_minor_unit),
        "currencies": dict(sorted(currencies.items())),
    }


def render(table: dict) -> str:
    return json.dumps(table, indent=1, ensure_ascii=False, sort_keys=False) + "\n"


if __name__ == "__main__":
    TABLE_PATH.write_text(render(build_table()), encoding="utf-8")
    print(f"wrote {TABLE_PATH}")
