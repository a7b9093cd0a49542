"""Turns the application's OpenAPI document into the body of an API Gateway REST API.

Adds, in code, what only API Gateway needs: Lambda proxy integrations per route, request validation of
body and parameters, API keys (the document's ``api_key`` scheme), CORS preflight methods, and gateway
responses that answer API Gateway's own errors with the API's error envelope. Pure function: tested on
its own and fed to ``aws_api_gateway_rest_api.body``.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from payment_infra.compact_json import compact_json

METHODS = ("get", "post", "put", "patch", "delete")
CORS_HEADERS = "Content-Type,Idempotency-Key,X-Api-Key,X-Amz-Date,Authorization,X-Amz-Security-Token"
VALIDATOR = "body-and-parameters"
# API Gateway's own errors (missing key, failed validation, throttling) in the API's envelope: (type, code,
# message). A message is either a literal or API Gateway's ``$context.error.messageString``, which API Gateway
# renders already quoted and escaped. ``$context.error.validationErrorString`` is left out on purpose: it is
# not escaped and holds double quotes (``[object has missing required properties (["amount"])]``), which
# would break the JSON body.
MESSAGE_FROM_GATEWAY = "$context.error.messageString"
GATEWAY_ERRORS = {
    "DEFAULT_4XX": ("invalid_request_error", "$context.error.responseType", MESSAGE_FROM_GATEWAY),
    "BAD_REQUEST_BODY": ("invalid_request_error", "invalid_body", MESSAGE_FROM_GATEWAY),
    "BAD_REQUEST_PARAMETERS": ("invalid_request_error", "invalid_parameters", MESSAGE_FROM_GATEWAY),
    "INVALID_API_KEY": ("authentication_error", "invalid_api_key", "A valid x-api-key header is required"),
    "MISSING_AUTHENTICATION_TOKEN": ("invalid_request_error", "not_found", "No such route"),
    "THROTTLED": ("rate_limit_error", "throttled", "Too many requests"),
    "QUOTA_EXCEEDED": ("rate_limit_error", "quota_exceeded", "Daily request quota exceeded"),
    "DEFAULT_5XX": ("api_error", "$context.error.responseType", "Internal error"),
}


def _resolve_refs(node: Any, components: Mapping[str, Any]) -> Any:
    """Inline ``#/components/parameters|responses`` refs (API Gateway imports models, not those)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(("#/components/parameters/", "#/components/responses/")):
            _, _, kind, name = ref.split("/")
            return _resolve_refs(copy.deepcopy(components[kind][name]), components)
        return {k: _resolve_refs(v, components) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve_refs(v, components) for v in node]
    return node


def _integration(invoke_arn: str) -> dict[str, Any]:
    return {"type": "aws_proxy", "httpMethod": "POST", "uri": invoke_arn, "passthroughBehavior": "when_no_match"}


def _preflight(methods: list[str]) -> dict[str, Any]:
    allow_methods = ",".join(sorted({m.upper() for m in methods} | {"OPTIONS"}))
    return {
        "summary": "CORS preflight",
        "security": [],
        "responses": {
            "200": {
                "description": "CORS headers",
                "headers": {
                    name: {"schema": {"type": "string"}}
                    for name in (
                        "Access-Control-Allow-Origin",
                        "Access-Control-Allow-Methods",
                        "Access-Control-Allow-Headers",
                    )
                },
            }
        },
        "x-amazon-apigateway-integration": {
            "type": "mock",
            "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "responses": {
                "default": {
                    "statusCode": "200",
                    "responseParameters": {
                        "method.response.header.Access-Control-Allow-Origin": "'*'",
                        "method.response.header.Access-Control-Allow-Methods": f"'{allow_methods}'",
                        "method.response.header.Access-Control-Allow-Headers": f"'{CORS_HEADERS}'",
                    },
                }
            },
        },
    }


def _gateway_responses() -> dict[str, Any]:
    responses = {}
    for response_type, (error_type, code, message) in GATEWAY_ERRORS.items():
        envelope = {
            "type": error_type,
            "code": code,
            "message": "__MESSAGE__",
            "param": None,
            "request_id": "$context.requestId",
        }
        rendered_message = message if message == MESSAGE_FROM_GATEWAY else json.dumps(message)
        body = json.dumps({"error": envelope}).replace('"__MESSAGE__"', rendered_message)
        responses[response_type] = {
            "responseParameters": {"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
            "responseTemplates": {"application/json": body},
        }
    return responses


def gateway_body(
    document: Mapping[str, Any], routes: Mapping[tuple[str, str], str], invoke_arns: Mapping[str, str]
) -> dict[str, Any]:
    """The API Gateway body for ``document``; ``routes`` maps (METHOD, path) to a function short name.

    Raises ``ValueError`` if a documented operation has no route or a route is not documented.
    """
    body = _resolve_refs(copy.deepcopy(dict(document)), document.get("components", {}))
    body["components"] = {k: v for k, v in body.get("components", {}).items() if k in ("schemas", "securitySchemes")}
    documented = {
        (method.upper(), path) for path, item in body["paths"].items() for method in item if method in METHODS
    }
    if documented != set(routes):
        raise ValueError(
            f"OpenAPI operations and routes differ: undocumented routes {sorted(set(routes) - documented)}, "
            f"unrouted operations {sorted(documented - set(routes))}"
        )
    # API Gateway sets each method's apiKeyRequired from the operation's own `security` and ignores the
    # document-level one on import: write it on every operation that does not state its own (e.g. /health: []).
    document_security = body.pop("security", [])
    for path, item in body["paths"].items():
        methods = [m for m in item if m in METHODS]
        for method in methods:
            item[method].setdefault("security", copy.deepcopy(document_security))
            item[method]["x-amazon-apigateway-integration"] = _integration(invoke_arns[routes[(method.upper(), path)]])
        item["options"] = _preflight(methods)
    schemes = body["components"].setdefault("securitySchemes", {})
    if "api_key" in schemes:
        schemes["api_key"] = {"type": "apiKey", "name": "x-api-key", "in": "header"}
    body["x-amazon-apigateway-api-key-source"] = "HEADER"
    body["x-amazon-apigateway-request-validators"] = {
        VALIDATOR: {"validateRequestBody": True, "validateRequestParameters": True}
    }
    body["x-amazon-apigateway-request-validator"] = VALIDATOR
    body["x-amazon-apigateway-gateway-responses"] = _gateway_responses()
    return body


def body_hash(body: Mapping[str, Any]) -> str:
    """Stable hash of a body: the deployment is replaced whenever it changes."""
    return hashlib.sha256(compact_json(body, sort_keys=True).encode()).hexdigest()
