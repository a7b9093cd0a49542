"""The WAF never blocks what the product promises: a client within its usage plan, a body the API accepts.

- A per-IP rate-based rule blocks above ``limit`` requests per ``evaluation_window_sec`` (default 300; AWS WAF
  developer guide, "Rate-based rule high-level settings"). One client may send ``rate x window + burst`` under
  its usage plan's token bucket, so the limit must not be lower for any usage plan of the stack.
- A managed rule that blocks bodies below the API's limit must only count (``rule_action_override`` count, or
  the group's ``override_action`` count). Known limits: Common Rule Set ``SizeRestrictions_BODY`` 8 KB.
- Our own body-size rules must not block a body the API accepts, and WAF must inspect at least that much of a
  body (``association_config.request_body.api_gateway.default_size_inspection_limit``, KB_16 by default).

The API's limit is the application contract's ``MAX_REQUEST_BODY_BYTES`` (the handlers answer 413 above it).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from payment_infra.application import functions_module
from tests.apply_rules.support import Stacks, broken, of_type

DEFAULT_EVALUATION_WINDOW = 300
MANAGED_BODY_LIMITS = {("AWSManagedRulesCommonRuleSet", "SizeRestrictions_BODY"): 8 * 1024}
INSPECTION_LIMITS = {"KB_16": 16 * 1024, "KB_32": 32 * 1024, "KB_48": 48 * 1024, "KB_64": 64 * 1024}
DEFAULT_API_GATEWAY_INSPECTION = "KB_16"


def _blocks(rule: dict[str, Any]) -> bool:
    return "block" in (rule.get("action") or {})


def _statements(statement: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A statement and every statement nested in and/or/not statements."""
    yield statement
    for key in ("and_statement", "or_statement"):
        for inner in (statement.get(key) or {}).get("statement", []):
            yield from _statements(inner)
    inner = (statement.get("not_statement") or {}).get("statement")
    if isinstance(inner, dict):
        yield from _statements(inner)


def waf_allows_the_product(stacks: Stacks, max_body_bytes: int) -> list[str]:
    problems = []
    for stack_id, stack in stacks.items():
        plans = of_type(stack, "aws_api_gateway_usage_plan")
        allowed_per_second = [
            (plan_id, settings.get("rate_limit", 0), settings.get("burst_limit", 0))
            for plan_id, plan in plans.items()
            for settings in [plan.get("throttle_settings") or {}]
        ]
        for acl_id, acl in of_type(stack, "aws_wafv2_web_acl").items():
            where = f"{stack_id}: aws_wafv2_web_acl.{acl_id}"
            for rule in acl.get("rule", []):
                for statement in _statements(rule.get("statement") or {}):
                    rate = statement.get("rate_based_statement")
                    if rate and _blocks(rule):
                        window = rate.get("evaluation_window_sec", DEFAULT_EVALUATION_WINDOW)
                        for plan_id, per_second, burst in allowed_per_second:
                            needed = per_second * window + burst
                            if rate.get("limit", 0) < needed:
                                problems.append(
                                    f"{where} rule {rule['name']!r}: limit {rate.get('limit')} per {window} s is below "
                                    f"usage plan {plan_id} ({per_second}/s x {window} s + burst {burst} = {needed})"
                                )
                    size = statement.get("size_constraint_statement")
                    if size and "body" in (size.get("field_to_match") or {}) and _blocks(rule):
                        # GT n blocks sizes > n; GE n blocks >= n; LT/LE/EQ/NE would block small bodies.
                        smallest_blocked = {"GT": size["size"] + 1, "GE": size["size"]}.get(
                            size.get("comparison_operator"), 0
                        )
                        if smallest_blocked <= max_body_bytes:
                            problems.append(
                                f"{where} rule {rule['name']!r} blocks bodies of {smallest_blocked} bytes; the API "
                                f"accepts up to {max_body_bytes}"
                            )
                group = statement.get("managed_rule_group_statement")
                counted_group = "count" in (rule.get("override_action") or {})
                if group and not counted_group:
                    counted = {
                        o["name"]
                        for o in group.get("rule_action_override", [])
                        if "count" in o.get("action_to_use", {})
                    }
                    for (group_name, managed_rule), limit in MANAGED_BODY_LIMITS.items():
                        if group.get("name") == group_name and limit < max_body_bytes and managed_rule not in counted:
                            problems.append(
                                f"{where}: managed rule {group_name}/{managed_rule} blocks bodies over {limit} bytes; "
                                f"the API accepts up to {max_body_bytes}: override it to count"
                            )
            bodies = (acl.get("association_config") or {}).get("request_body") or [{}]
            limit_name = ((bodies[0].get("api_gateway") or {}).get("default_size_inspection_limit")
                          or DEFAULT_API_GATEWAY_INSPECTION)  # fmt: skip
            if INSPECTION_LIMITS.get(limit_name, 0) < max_body_bytes:
                problems.append(
                    f"{where}: WAF inspects {limit_name} of a body, less than the API's {max_body_bytes} bytes"
                )
    return problems


def _max_body() -> int:
    return functions_module().MAX_REQUEST_BODY_BYTES


def _acl(stack: dict) -> dict:
    return next(iter(stack["resource"]["aws_wafv2_web_acl"].values()))


def _rule(stack: dict, name: str) -> dict:
    return next(rule for rule in _acl(stack)["rule"] if rule["name"] == name)


def test_waf_allows_the_product_holds(all_stacks: Stacks) -> None:
    assert waf_allows_the_product(all_stacks, _max_body()) == []


def test_waf_allows_the_product_catches_a_rate_limit_below_the_usage_plan(all_stacks: Stacks) -> None:
    def old_limit(stack: dict) -> None:
        _rule(stack, "rate-limit-per-ip")["statement"]["rate_based_statement"]["limit"] = 2_000

    (problem,) = waf_allows_the_product(broken(all_stacks, "payment-prod", old_limit), _max_body())
    assert "limit 2000 per 300 s is below usage plan" in problem and "400/s x 300 s + burst 5000" in problem


def test_waf_allows_the_product_catches_the_managed_8_kb_body_rule(all_stacks: Stacks) -> None:
    def block_large_bodies(stack: dict) -> None:
        group = _rule(stack, "AWSManagedRulesCommonRuleSet")["statement"]["managed_rule_group_statement"]
        group.pop("rule_action_override")

    (problem,) = waf_allows_the_product(broken(all_stacks, "payment-dev", block_large_bodies), _max_body())
    assert "SizeRestrictions_BODY blocks bodies over 8192 bytes" in problem


def test_waf_allows_the_product_catches_a_body_rule_below_the_api_limit(all_stacks: Stacks) -> None:
    def stricter(stack: dict) -> None:
        _rule(stack, "body-size-limit")["statement"]["size_constraint_statement"]["size"] = 8192

    (problem,) = waf_allows_the_product(broken(all_stacks, "payment-staging", stricter), _max_body())
    assert "blocks bodies of 8193 bytes; the API accepts up to 16384" in problem


def test_waf_allows_the_product_catches_a_short_inspection_limit(all_stacks: Stacks) -> None:
    assert waf_allows_the_product(all_stacks, 20_000)  # an API accepting more than WAF inspects
