"""Money as integer minor units of an ISO 4217 currency. No floats anywhere.

The currency table (``currencies.json``) is copied from the ``iso4217`` package;
``tests/lambdas/test_currencies.py`` keeps it in sync.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from payments.domain.errors import ValidationError

#: Upper bound for one amount, in minor units. Twelve digits keeps every amount
#: exact in JavaScript clients (2**53) and far above any single card payment.
MAX_AMOUNT_MINOR = 999_999_999_999

_TABLE_PATH = Path(__file__).with_name("currencies.json")


@dataclass(frozen=True)
class Currency:
    code: str
    exponent: int
    number: int
    name: str


@cache
def currencies() -> Mapping[str, Currency]:
    """Every active ISO 4217 currency that has a minor unit, keyed by code."""
    raw = json.loads(_TABLE_PATH.read_text(encoding="utf-8"))
    return MappingProxyType({code: Currency(code=code, **entry) for code, entry in raw["currencies"].items()})


def parse_currency(value: Any, *, param: str = "currency") -> Currency:
    """Return the currency for an upper-case ISO 4217 code or raise ``ValidationError``."""
    if not isinstance(value, str):
        raise ValidationError("currency must be a string ISO 4217 code", param=param, code="parameter_invalid_type")
    currency = currencies().get(value)
    if currency is None:
        raise ValidationError(
            "currency must be an active ISO 4217 code in upper case, e.g. USD", param=param, code="currency_unsupported"
        )
    return currency


def parse_amount(value: Any, *, param: str = "amount") -> int:
    """Return a positive integer amount of minor units.

    Only a true integer is accepted: ``bool`` (a Python ``int`` subclass), ``float``
    (even ``100.0``) and numeric strings are rejected.
    """
    if type(value) is not int:
        raise ValidationError(
            "amount must be an integer number of minor units (e.g. cents), not a string, float or boolean",
            param=param,
            code="parameter_invalid_type",
        )
    if value <= 0:
        raise ValidationError("amount must be greater than zero", param=param, code="amount_too_small")
    if value > MAX_AMOUNT_MINOR:
        raise ValidationError(f"amount must be at most {MAX_AMOUNT_MINOR}", param=param, code="amount_too_large")
    return value


@dataclass(frozen=True)
class Money:
    """A positive amount of minor units in one currency."""

    amount: int
    currency: Currency

    @classmethod
    def of(cls, amount: Any, currency: Any) -> Money:
        return cls(parse_amount(amount), parse_currency(currency))

    def format(self) -> str:
        """Exact decimal text for humans, e.g. ``12.345 KWD`` or ``500 JPY``."""
        exponent = self.currency.exponent
        if exponent == 0:
            return f"{self.amount} {self.currency.code}"
        whole, minor = divmod(self.amount, 10**exponent)
        return f"{whole}.{minor:0{exponent}d} {self.currency.code}"
