"""The body check of API Gateway's request validator, with its messages.

API Gateway validates a body against the method's model (JSON schema draft 4, with the
messages of the Java json-schema-validator it runs) and answers a failure with the
``BAD_REQUEST_BODY`` gateway response: ``$context.error.message`` is always
``Invalid request body``, and the details, e.g. ``[instance type (boolean) does not match
any allowed primitive type (allowed: ["integer"])]``, are in
``$context.error.validationErrorString``. This module renders those details from
``jsonschema``'s errors (never Python reprs), and turns a body too deeply nested to parse
or validate into the same 400 instead of a crash.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from jsonschema import Draft4Validator
from jsonschema.exceptions import ValidationError as SchemaError

INVALID_BODY = "Invalid request body"
MAX_REPORTED_ERRORS = 5


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _type_name(instance: Any) -> str:
    """The JSON type of ``instance`` as the validator names it (a number with a fraction is ``number``)."""
    if instance is None:
        return "null"
    if isinstance(instance, bool):
        return "boolean"
    if isinstance(instance, int):
        return "integer"
    if isinstance(instance, float):
        return "number"
    if isinstance(instance, str):
        return "string"
    if isinstance(instance, list):
        return "array"
    return "object"


def _scalar(instance: Any) -> str:
    """A number or a string as JSON; anything else only by its type (never a deep repr)."""
    if isinstance(instance, (int, float, str)) and not isinstance(instance, bool):
        return _json(instance)
    return _type_name(instance)


def _allowed_types(error: SchemaError) -> list[str]:
    types = error.validator_value
    return [types] if isinstance(types, str) else list(types)


_MESSAGES: dict[str, Callable[[SchemaError], str]] = {
    "type": lambda e: (
        f"instance type ({_type_name(e.instance)}) does not match any allowed primitive type "
        f"(allowed: {_json(_allowed_types(e))})"
    ),
    "required": lambda e: (
        "object has missing required properties ("
        + _json(sorted(name for name in e.validator_value if name not in e.instance))
        + ")"
    ),
    "additionalProperties": lambda e: (
        "object instance has properties which are not allowed by the schema: "
        + _json(sorted(name for name in e.instance if name not in (e.schema.get("properties") or {})))
    ),
    "minimum": lambda e: (
        f"numeric instance is lower than the required minimum (minimum: {e.validator_value}, "
        f"found: {_scalar(e.instance)})"
    ),
    "maximum": lambda e: (
        f"numeric instance is greater than the required maximum (maximum: {e.validator_value}, "
        f"found: {_scalar(e.instance)})"
    ),
    "minLength": lambda e: (
        f"string {_scalar(e.instance)} is too short (length: {len(e.instance)}, required minimum: {e.validator_value})"
    ),
    "maxLength": lambda e: (
        f"string {_scalar(e.instance)} is too long (length: {len(e.instance)}, maximum allowed: {e.validator_value})"
    ),
    "pattern": lambda e: f"ECMA 262 regex {_json(e.validator_value)} does not match input string {_scalar(e.instance)}",
    "enum": lambda e: (
        f"instance value ({_scalar(e.instance)}) not found in enum (possible values: {_json(e.validator_value)})"
    ),
}


def describe(error: SchemaError) -> str:
    """One error in API Gateway's wording (a generic sentence for a keyword not listed above)."""
    render = _MESSAGES.get(str(error.validator))
    return render(error) if render else f"instance failed to match the schema keyword {_json(error.validator)}"


def check_body(validator: Draft4Validator, body: bytes) -> str | None:
    """``None`` if ``body`` is JSON valid for the model, else the ``validationErrorString``.

    A body nested deeper than Python can parse or walk is rejected like a malformed one
    (API Gateway answers it with a 400 too; the emulator must never answer it with a 500).
    """
    try:
        document = json.loads(body or b"null")
    except (ValueError, RecursionError):
        return "[Invalid JSON in the request body]"
    try:
        errors = sorted(validator.iter_errors(document), key=lambda e: [str(part) for part in e.path])
        if not errors:
            return None
        # jsonschema reports each missing property apart; the Java validator lists them in one message.
        messages = list(dict.fromkeys(describe(error) for error in errors))
        return "[" + ", ".join(messages[:MAX_REPORTED_ERRORS]) + "]"
    except RecursionError:
        return "[request body is nested too deeply to validate]"
