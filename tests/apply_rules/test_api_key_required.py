"""Apply-time rule: every non-public operation of the imported API requires the API key at operation level.

When API Gateway imports an OpenAPI document (``aws_api_gateway_rest_api`` ``body``), it sets each method's
``apiKeyRequired`` from that operation's own ``security``; a document-level ``security`` is ignored (AWS's API-key
example, "x-amazon-apigateway-api-key-source", puts ``security`` on every method). Public: ``GET /health`` and
the CORS ``OPTIONS`` mocks.
"""

from __future__ import annotations

import json

from tests.apply_rules.support import Stacks, broken, of_type

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
PUBLIC = {("get", "/health")}


def _api_key_schemes(body: dict) -> set[str]:
    schemes = body.get("components", {}).get("securitySchemes", {})
    return {
        name
        for name, scheme in schemes.items()
        if scheme.get("type") == "apiKey"
        and scheme.get("in") == "header"
        and scheme.get("name", "").lower() == "x-api-key"
    }


def api_key_required_problems(stacks: Stacks) -> list[str]:
    problems = []
    for stack_id, stack in stacks.items():
        for logical_id, api in of_type(stack, "aws_api_gateway_rest_api").items():
            body = json.loads(api["body"])
            schemes = _api_key_schemes(body)
            for path, item in body.get("paths", {}).items():
                for method, operation in item.items():
                    if method not in HTTP_METHODS or method == "options" or (method, path) in PUBLIC:
                        continue
                    named = {name for requirement in operation.get("security") or [] for name in requirement}
                    if not named & schemes:
                        problems.append(
                            f"{stack_id}: aws_api_gateway_rest_api.{logical_id} {method.upper()} {path} has no "
                            f"operation-level security naming an x-api-key scheme (defined: {sorted(schemes)}); "
                            "API Gateway would not require the API key"
                        )
    return problems


def test_api_key_required_holds(all_stacks: Stacks) -> None:
    assert api_key_required_problems(all_stacks) == []


def _rewrite_body(stack: dict, change) -> None:
    api = next(iter(stack["resource"]["aws_api_gateway_rest_api"].values()))
    body = json.loads(api["body"])
    change(body)
    api["body"] = json.dumps(body)


def test_api_key_required_catches_document_level_security_only(all_stacks: Stacks) -> None:
    def document_level_only(body: dict) -> None:
        body["security"] = [{name: []} for name in _api_key_schemes(body)]
        for path, item in body["paths"].items():
            for method, operation in item.items():
                if method in HTTP_METHODS and method != "options" and (method, path) not in PUBLIC:
                    operation.pop("security", None)

    problems = api_key_required_problems(
        broken(all_stacks, "payment-dev", lambda stack: _rewrite_body(stack, document_level_only))
    )
    assert problems and all("no operation-level security" in p for p in problems)
    assert any("POST /transactions" in p for p in problems)


def test_api_key_required_catches_an_undefined_scheme(all_stacks: Stacks) -> None:
    def undefined_scheme(body: dict) -> None:
        body["paths"]["/transactions"]["post"]["security"] = [{"no_such_scheme": []}]

    baseline = set(api_key_required_problems(all_stacks))
    problems = api_key_required_problems(
        broken(all_stacks, "payment-dev", lambda stack: _rewrite_body(stack, undefined_scheme))
    )
    assert any("payment-dev:" in p and "POST /transactions" in p for p in problems)
    assert len(set(problems) - baseline) <= 1  # only the rewritten operation is new
