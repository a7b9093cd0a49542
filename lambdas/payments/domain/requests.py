"""Strict parsing of API input into typed requests.

JSON is parsed without floats or duplicate keys, and every field is type-checked
exactly: the API never guesses what a caller meant.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from payments.domain.clients import owned_key
from payments.domain.errors import PayloadTooLargeError, ValidationError
from payments.domain.money import Money, parse_amount, parse_currency
from payments.domain.text import require_valid_text
from payments.domain.transaction import validate_description, validate_identifier
from payments.functions import MAX_REQUEST_BODY_BYTES

MAX_BODY_BYTES = MAX_REQUEST_BODY_BYTES  # the WAF's body-size rule enforces the same limit
#: Index partition attributes: the client joined with the customer id or the day (``owned_key``).
CLIENT_CUSTOMER_ATTRIBUTE = "client_customer"
CLIENT_DATE_ATTRIBUTE = "client_date"
IDEMPOTENCY_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
_LIMIT_PATTERN = re.compile(r"^[0-9]{1,3}$")


class _DuplicateKeyError(ValueError):
    pass


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        require_valid_text(key, key)
        if key in result:
            raise _DuplicateKeyError(key)
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_json_object(body: str | bytes | None) -> dict[str, Any]:
    """Parse a request body that must be one JSON object of at most ``MAX_BODY_BYTES``.

    Numbers with a fraction or exponent are kept as ``float`` so that the field
    validators can reject them; ``NaN``/``Infinity`` and duplicate keys are errors.
    """
    if body is None or body == "" or body == b"":
        raise ValidationError("request body is required", code="body_missing")
    raw = body.encode("utf-8") if isinstance(body, str) else body
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLargeError(f"request body must be at most {MAX_BODY_BYTES} bytes")
    try:
        value = json.loads(raw, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant)
    except _DuplicateKeyError as exc:
        name = str(exc.args[0])
        raise ValidationError(f"duplicate field {name!r}", param=name, code="malformed_json") from exc
    except (ValueError, RecursionError) as exc:
        # ValueError covers JSONDecodeError, bad UTF-8 and integers over the digit limit.
        raise ValidationError("request body is not valid JSON", code="malformed_json") from exc
    if not isinstance(value, dict):
        raise ValidationError("request body must be a JSON object", code="malformed_json")
    return value


def _check_fields(obj: Mapping[str, Any], required: tuple[str, ...], optional: tuple[str, ...]) -> None:
    for name, value in obj.items():
        require_valid_text(name, name)
        if isinstance(value, str):
            require_valid_text(value, name)
    unknown = sorted(set(obj) - set(required) - set(optional))
    if unknown:
        raise ValidationError(f"unknown field {unknown[0]!r}", param=unknown[0], code="parameter_unknown")
    for name in required:
        if name not in obj:
            raise ValidationError(f"{name} is required", param=name, code="parameter_missing")


@dataclass(frozen=True)
class CreateTransactionRequest:
    customer_id: str
    money: Money
    description: str | None

    FIELDS_REQUIRED = ("customer_id", "amount", "currency")
    FIELDS_OPTIONAL = ("description",)

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> CreateTransactionRequest:
        _check_fields(obj, cls.FIELDS_REQUIRED, cls.FIELDS_OPTIONAL)
        return cls(
            customer_id=validate_identifier(obj["customer_id"], "customer_id"),
            money=Money(parse_amount(obj["amount"]), parse_currency(obj["currency"])),
            description=validate_description(obj["description"]) if "description" in obj else None,
        )

    def fingerprint(self) -> dict[str, Any]:
        """Canonical content used to tell a replay from a different request."""
        return {
            "customer_id": self.customer_id,
            "amount": self.money.amount,
            "currency": self.money.currency.code,
            "description": self.description,
        }


def parse_idempotency_key(headers: Mapping[str, str] | None) -> str:
    """Find the ``Idempotency-Key`` header in any letter case and validate it."""
    value = None
    for name, header_value in (headers or {}).items():
        if name.lower() == "idempotency-key":
            value = header_value
            break
    if value is None:
        raise ValidationError("Idempotency-Key header is required", param="Idempotency-Key", code="parameter_missing")
    if not isinstance(value, str) or not IDEMPOTENCY_KEY_PATTERN.match(value):
        raise ValidationError(
            "Idempotency-Key must be 1-64 characters of A-Z, a-z, 0-9, _ or -", param="Idempotency-Key"
        )
    return value


@dataclass(frozen=True)
class ListTransactionsQuery:
    """``GET /transactions``: exactly one of ``customer_id`` and ``date``, among ``client_id``'s transactions."""

    customer_id: str | None
    transaction_date: str | None
    limit: int
    cursor: str | None
    client_id: str

    @classmethod
    def from_params(cls, params: Mapping[str, str] | None, *, client_id: str) -> ListTransactionsQuery:
        params = params or {}
        for name, value in params.items():
            require_valid_text(name, name)
            if isinstance(value, str):
                require_valid_text(value, name)
        unknown = sorted(set(params) - {"customer_id", "date", "limit", "cursor"})
        if unknown:
            raise ValidationError(f"unknown query parameter {unknown[0]!r}", param=unknown[0], code="parameter_unknown")
        customer_id = params.get("customer_id")
        day = params.get("date")
        if (customer_id is None) == (day is None):
            raise ValidationError(
                "give exactly one of the query parameters customer_id and date",
                param="customer_id",
                code="parameter_missing" if customer_id is None else "parameter_invalid",
            )
        if customer_id is not None:
            validate_identifier(customer_id, "customer_id")
        if day is not None:
            day = _parse_date(day)
        return cls(
            customer_id=customer_id,
            transaction_date=day,
            limit=_parse_limit(params.get("limit")),
            cursor=params.get("cursor"),
            client_id=client_id,
        )

    @property
    def partition(self) -> tuple[str, str]:
        """(index attribute, value) that the query reads: one partition, holding only the caller's items."""
        if self.customer_id is not None:
            return (CLIENT_CUSTOMER_ATTRIBUTE, owned_key(self.client_id, self.customer_id))
        return (CLIENT_DATE_ATTRIBUTE, owned_key(self.client_id, str(self.transaction_date)))


def _parse_date(value: str) -> str:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValidationError("date must be YYYY-MM-DD", param="date")
    try:
        date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError("date must be a real calendar day (YYYY-MM-DD)", param="date") from exc
    return value


def _parse_limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_PAGE_SIZE
    if not _LIMIT_PATTERN.match(value) or not 1 <= int(value) <= MAX_PAGE_SIZE:
        raise ValidationError(f"limit must be an integer from 1 to {MAX_PAGE_SIZE}", param="limit")
    return int(value)
