"""The deployed OpenAPI document read as API Gateway reads it: one ``Operation`` per path and method.

Each operation carries what the gateway checks before invoking (API key, request validator, required
parameters, the body's JSON schema) and its integration (Lambda proxy or mock).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft4Validator


def _deref(document: dict[str, Any], node: Any) -> Any:
    """``node`` with every local ``$ref`` inlined (the API document has no recursive schemas)."""
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = document
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            return _deref(document, target)
        return {key: _deref(document, value) for key, value in node.items()}
    if isinstance(node, list):
        return [_deref(document, item) for item in node]
    return node


def _json_schema(openapi_schema: Any) -> Any:
    """OpenAPI 3.0 schema -> JSON schema draft 4 (``nullable`` becomes a type union)."""
    if isinstance(openapi_schema, list):
        return [_json_schema(item) for item in openapi_schema]
    if not isinstance(openapi_schema, dict):
        return openapi_schema
    schema = {k: _json_schema(v) for k, v in openapi_schema.items() if k != "nullable"}
    if openapi_schema.get("nullable") is True and isinstance(schema.get("type"), str):
        schema["type"] = [schema["type"], "null"]
    return schema


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    spec: dict[str, Any]
    needs_api_key: bool
    validate_body: bool
    validate_parameters: bool
    required_parameters: tuple[tuple[str, str], ...]
    body_validator: Draft4Validator | None
    body_required: bool
    integration: dict[str, Any]
    handler: str | None


def load_operations(document: dict[str, Any], handler_for_arn_ref: Callable[[str], str]) -> list[Operation]:
    """Every operation of ``document``, the ones with fewer path parameters first (matched in this order)."""
    validators = document.get("x-amazon-apigateway-request-validators", {})
    default_validator = document.get("x-amazon-apigateway-request-validator")
    schemes = document.get("components", {}).get("securitySchemes", {})
    operations = []
    for template, item in document.get("paths", {}).items():
        path_parameters = item.get("parameters", [])
        for method, raw in item.items():
            if method == "parameters" or not isinstance(raw, dict):
                continue
            spec = _deref(document, raw)
            # As API Gateway: only the operation's own `security` counts; a document-level one is ignored.
            security = spec.get("security", [])
            needs_key = any(
                schemes.get(name, {}).get("type") == "apiKey" for requirement in security for name in requirement
            )
            validator = validators.get(spec.get("x-amazon-apigateway-request-validator", default_validator), {})
            parameters = _deref(document, path_parameters) + spec.get("parameters", [])
            required = tuple((p["in"], p["name"]) for p in parameters if p.get("required"))
            body = spec.get("requestBody") or {}
            schema = (body.get("content", {}).get("application/json") or {}).get("schema")
            integration = spec.get("x-amazon-apigateway-integration", {})
            handler = None
            if integration.get("type") == "aws_proxy":
                handler = handler_for_arn_ref(integration["uri"])
            regex = "^" + re.sub(r"\{([A-Za-z0-9_]+)\}", r"(?P<\1>[^/]+)", template) + "$"
            operations.append(
                Operation(
                    method=method.upper(),
                    template=template,
                    pattern=re.compile(regex),
                    spec=spec,
                    needs_api_key=needs_key,
                    validate_body=bool(validator.get("validateRequestBody")),
                    validate_parameters=bool(validator.get("validateRequestParameters")),
                    required_parameters=required,
                    body_validator=Draft4Validator(_json_schema(schema)) if schema else None,
                    body_required=bool(body.get("required")),
                    integration=integration,
                    handler=handler,
                )
            )
    # Static path segments win over parameters, as in API Gateway.
    operations.sort(key=lambda op: op.template.count("{"))
    return operations
