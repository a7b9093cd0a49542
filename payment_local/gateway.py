"""The HTTP front: what API Gateway does before and after invoking a function.

Served under the stage's path (``/<stage>/...``) like the stage URL of API Gateway, and driven by the
deployed OpenAPI document from the stack: route matching on its paths,
the API key check where the operation's security asks for ``x-api-key``, the usage
plan's throttle and quota, the ``body-and-parameters`` request validator (required
parameters present, body valid against the JSON schema, draft 4 like API Gateway), the
Lambda proxy integration (a real REST proxy event in, the proxy response out), mock
integrations (CORS preflight) and the gateway responses (error bodies) of the document.
"""

from __future__ import annotations

import hmac
import json
import re
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from werkzeug.wrappers import Request, Response

from payment_local.api_operations import Operation, load_operations
from payment_local.clients import LocalClient
from payment_local.events import api_event
from payment_local.request_validation import INVALID_BODY, check_body
from payment_local.stack import Stack
from payment_local.usage_plan import TokenBucket

CONTROL_PREFIX = "/__local/"
_CONTEXT_VAR = re.compile(r"\$context\.([A-Za-z.]+)")

#: Status codes API Gateway uses for each gateway response type.
RESPONSE_STATUS = {
    "INVALID_API_KEY": 403,
    "MISSING_AUTHENTICATION_TOKEN": 403,  # nosec B105 - a response type, not a secret
    "BAD_REQUEST_BODY": 400,
    "BAD_REQUEST_PARAMETERS": 400,
    "THROTTLED": 429,
    "QUOTA_EXCEEDED": 429,
    "INTEGRATION_FAILURE": 502,
    "DEFAULT_4XX": 400,
    "DEFAULT_5XX": 502,
}
DEFAULT_MESSAGES = {
    "INVALID_API_KEY": "Forbidden",
    "MISSING_AUTHENTICATION_TOKEN": "Missing Authentication Token",  # nosec B105 - a response type
    "BAD_REQUEST_BODY": INVALID_BODY,
    "BAD_REQUEST_PARAMETERS": "Missing required request parameters",
    "THROTTLED": "Too Many Requests",
    "QUOTA_EXCEEDED": "Limit Exceeded",
    "INTEGRATION_FAILURE": "Internal server error",
}


class Gateway:
    """A WSGI application serving the stack's REST API."""

    def __init__(
        self,
        stack: Stack,
        invoke: Callable[[str, dict[str, Any]], Any],
        *,
        clients: Sequence[LocalClient],
        throttle: bool = True,
        control: Callable[[Request], Response | None] | None = None,
    ) -> None:
        self._stack = stack
        self._invoke = invoke
        self._clients = list(clients)
        self._control = control
        self._document = stack.openapi
        self._responses = self._document.get("x-amazon-apigateway-gateway-responses", {})
        plan = stack.usage_plan
        # A usage plan per client: one client's traffic never uses up another's throttle or quota.
        self._buckets = {c.api_key_id: TokenBucket(plan) for c in self._clients} if plan and throttle else {}
        self._operations = load_operations(self._document, stack.handler_for_arn_ref)
        self._api_id = "local" + stack.env

    # -- set-up ------------------------------------------------------------------

    def gateway_response_warnings(self) -> list[str]:
        """Templates that would not render valid JSON in real API Gateway."""
        warnings = []
        for name, response in self._responses.items():
            for template in response.get("responseTemplates", {}).values():
                if '"$context.error.messageString"' in template:
                    warnings.append(
                        f"{name}: $context.error.messageString is already quoted; quoting it again "
                        "produces invalid JSON in API Gateway"
                    )
                if '"$context.error.validationErrorString"' in template:
                    warnings.append(
                        f"{name}: $context.error.validationErrorString is not JSON-escaped; a message "
                        "holding a double quote produces invalid JSON in API Gateway"
                    )
        return warnings

    # -- responses ------------------------------------------------------------------

    def gateway_response(
        self,
        response_type: str,
        request_id: str,
        message: str | None = None,
        status: int | None = None,
        validation_errors: str | None = None,
    ) -> Response:
        definition = self._responses.get(response_type)
        if definition is None:
            family = "DEFAULT_5XX" if RESPONSE_STATUS.get(response_type, 400) >= 500 else "DEFAULT_4XX"
            definition = self._responses.get(family, {})
        message = message or DEFAULT_MESSAGES.get(response_type, response_type)
        context = {
            "error.responseType": response_type,
            # messageString renders as a quoted JSON string (as in API Gateway); the others JSON-escaped in place.
            "error.messageString": message,
            "error.message": message,
            "error.validationErrorString": validation_errors or message,
            "requestId": request_id,
        }

        def substitute(match: re.Match[str]) -> str:
            value = context.get(match.group(1), "")
            if match.group(1) == "error.messageString":
                return json.dumps(value)  # API Gateway renders it quoted and escaped, like a JSON string
            return json.dumps(value)[1:-1]

        templates = definition.get("responseTemplates", {})
        if "application/json" in templates:
            body = _CONTEXT_VAR.sub(substitute, templates["application/json"])
        else:
            body = json.dumps({"message": message})
        headers = {
            "Content-Type": "application/json",
            "x-amzn-RequestId": request_id,
            "x-amzn-ErrorType": _error_type(response_type),
        }
        for name, value in definition.get("responseParameters", {}).items():
            if name.startswith("gatewayresponse.header."):
                headers[name.removeprefix("gatewayresponse.header.")] = value.strip("'")
        code = status or int(definition.get("statusCode", RESPONSE_STATUS.get(response_type, 400)))
        return Response(body, status=code, headers=headers)

    # -- request handling ------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        try:
            response = self.handle(request)
        except Exception:
            import logging

            logging.getLogger("payment_local").exception("gateway error")
            response = self.gateway_response("DEFAULT_5XX", str(uuid.uuid4()), status=500)
        return response(environ, start_response)

    def _match(self, method: str, path: str) -> tuple[Operation | None, dict[str, str]]:
        for operation in self._operations:
            if operation.method != method:
                continue
            match = operation.pattern.match(path)
            if match:
                return operation, match.groupdict()
        return None, {}

    @property
    def stage_prefix(self) -> str:
        """``/<stage>``: every URL of the API starts with it, as on the stage URL of execute-api."""
        return f"/{self._stack.stage_name}"

    def handle(self, request: Request) -> Response:
        request_id = str(uuid.uuid4())
        prefix = self.stage_prefix
        if request.path != prefix and not request.path.startswith(prefix + "/"):
            # No stage, no deployment: execute-api answers before any of the API's gateway responses apply.
            return Response(
                json.dumps({"message": "Forbidden"}),
                status=403,
                headers={
                    "Content-Type": "application/json",
                    "x-amzn-RequestId": request_id,
                    "x-amzn-ErrorType": "ForbiddenException",
                },
            )
        path = request.path[len(prefix) :] or "/"
        if path.startswith(CONTROL_PREFIX) and self._control is not None:
            if self._client_of(request) is None:
                return self.gateway_response("INVALID_API_KEY", request_id)
            return self._control(request) or self.gateway_response("MISSING_AUTHENTICATION_TOKEN", request_id)
        operation, path_parameters = self._match(request.method, path)
        if operation is None:
            return self.gateway_response("MISSING_AUTHENTICATION_TOKEN", request_id)
        client = self._client_of(request) if operation.needs_api_key else None
        if operation.needs_api_key and client is None:
            return self.gateway_response("INVALID_API_KEY", request_id)
        if client is not None and client.api_key_id in self._buckets:
            limited = self._buckets[client.api_key_id].take()
            if limited:
                return self.gateway_response(limited, request_id)
        body = request.get_data(cache=False)
        rejection = self._validate(operation, request, path_parameters, body)
        if rejection:
            response_type, message, details = rejection
            return self.gateway_response(response_type, request_id, message, validation_errors=details)
        if operation.integration.get("type") == "mock":
            return self._mock(operation)
        if operation.handler is None:
            return self.gateway_response("DEFAULT_5XX", request_id, "unsupported integration", status=500)
        event = api_event(
            method=operation.method,
            path=path,
            resource=operation.template,
            path_parameters=path_parameters,
            headers=list(request.headers.items()),
            query=list(request.args.items(multi=True)),
            body=body or None,
            stage=self._stack.stage_name,
            account_id=self._stack.account_id,
            api_id=self._api_id,
            api_key=client.api_key if client else None,
            api_key_id=client.api_key_id if client else None,
            source_ip=request.remote_addr or "127.0.0.1",
            domain_name=request.host or "127.0.0.1",
            request_id=request_id,
        )
        try:
            result = self._invoke(operation.handler, event)
        except Exception:
            return self.gateway_response("INTEGRATION_FAILURE", request_id, "Internal server error")
        return self._proxy_response(result, request_id)

    def _client_of(self, request: Request) -> LocalClient | None:
        """The client whose key the request carries (every key compared in constant time), else ``None``."""
        given = request.headers.get("x-api-key", "").encode("utf-8", "replace")
        found = None
        for client in self._clients:
            if hmac.compare_digest(given, client.api_key.encode("utf-8")):
                found = client
        return found

    def _validate(
        self, operation: Operation, request: Request, path_parameters: dict[str, str], body: bytes
    ) -> tuple[str, str, str] | None:
        """``(gateway response type, $context.error.message, validationErrorString)`` of a rejection, or ``None``."""
        if operation.validate_parameters:
            missing = []
            for location, name in operation.required_parameters:
                present = {
                    "header": name in request.headers,
                    "query": name in request.args,
                    "path": bool(path_parameters.get(name)),
                }.get(location, True)
                if not present:
                    missing.append(name)
            if missing:
                message = f"Missing required request parameters: [{', '.join(missing)}]"
                return "BAD_REQUEST_PARAMETERS", message, message
        if operation.validate_body and operation.body_validator is not None:
            if not body and not operation.body_required:
                return None
            details = check_body(operation.body_validator, body)
            if details is not None:
                return "BAD_REQUEST_BODY", INVALID_BODY, details
        return None

    @staticmethod
    def _mock(operation: Operation) -> Response:
        default = operation.integration.get("responses", {}).get("default", {})
        headers = {}
        for name, value in default.get("responseParameters", {}).items():
            if name.startswith("method.response.header."):
                headers[name.removeprefix("method.response.header.")] = value.strip("'")
        return Response("", status=int(default.get("statusCode", 200)), headers=headers)

    def _proxy_response(self, result: Any, request_id: str) -> Response:
        if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int):
            return self.gateway_response("INTEGRATION_FAILURE", request_id, "Internal server error")
        body = result.get("body") or ""
        if result.get("isBase64Encoded"):
            import base64

            payload: bytes | str = base64.b64decode(body)
        else:
            payload = body
        response = Response(payload, status=result["statusCode"])
        response.headers.pop("Content-Type", None)
        for name, values in (result.get("multiValueHeaders") or {}).items():
            for value in values:
                response.headers.add(name, str(value))
        for name, value in (result.get("headers") or {}).items():
            response.headers[name] = str(value)
        response.headers["x-amzn-RequestId"] = request_id
        return response


def _error_type(response_type: str) -> str:
    return {
        "INVALID_API_KEY": "ForbiddenException",
        "MISSING_AUTHENTICATION_TOKEN": "MissingAuthenticationTokenException",  # nosec B105 - an error type
        "BAD_REQUEST_BODY": "BadRequestException",
        "BAD_REQUEST_PARAMETERS": "BadRequestException",
        "THROTTLED": "TooManyRequestsException",
        "QUOTA_EXCEEDED": "LimitExceededException",
    }.get(response_type, "InternalServerErrorException")
