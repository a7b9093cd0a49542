"""Opaque pagination cursors.

A cursor is base64url (no padding) of a small JSON object holding the index
name, the queried partition value and DynamoDB's ``LastEvaluatedKey`` as plain
strings. Decoding checks every piece, so a tampered or foreign cursor is a 400,
never a 500 and never a read outside the queried partition.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from payments.domain.errors import ValidationError
from payments.domain.text import first_invalid_code_point

_VERSION = 1
MAX_CURSOR_LENGTH = 1024


def invalid_cursor() -> ValidationError:
    """The error for any cursor that was not issued for this query."""
    return ValidationError("cursor is invalid or belongs to another query", param="cursor", code="cursor_invalid")


def encode_cursor(partition_attr: str, partition_value: str, last_key: dict[str, str]) -> str:
    payload = {"v": _VERSION, "p": [partition_attr, partition_value], "k": last_key}
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str, partition_attr: str, partition_value: str, key_attrs: tuple[str, ...]) -> dict[str, str]:
    """Return the ``ExclusiveStartKey`` for a cursor issued for this exact query.

    ``key_attrs`` are the attribute names a key of the queried index must have.
    """
    if not isinstance(cursor, str) or not 0 < len(cursor) <= MAX_CURSOR_LENGTH:
        raise invalid_cursor()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload: Any = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError) as exc:
        raise invalid_cursor() from exc
    if not isinstance(payload, dict) or set(payload) != {"v", "p", "k"} or payload["v"] != _VERSION:
        raise invalid_cursor()
    if payload["p"] != [partition_attr, partition_value]:
        raise invalid_cursor()
    key = payload["k"]
    if (
        not isinstance(key, dict)
        or set(key) != set(key_attrs)
        or not all(
            isinstance(value, str) and 0 < len(value) <= 128 and first_invalid_code_point(value) is None
            for value in key.values()
        )
    ):
        raise invalid_cursor()
    if key[partition_attr] != partition_value:
        raise invalid_cursor()
    return key
