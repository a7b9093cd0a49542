"""Terraform core accepts every synthesized stack: validate, then a plan that creates exactly what was synthesized.

The environment stacks run through the ``env`` parameter; the account baseline (``payment-account``) through the
same checks in the ``*_account_stack`` tests.
"""

from __future__ import annotations

from collections import Counter

from scripts.tf_standin import terraform
from tests.conftest import ACCOUNT_STACK


def _managed_changes(result: terraform.Result) -> list[dict]:
    assert result.plan_json is not None, result.output
    return [c for c in result.plan_json.get("resource_changes", []) if c["mode"] == "managed"]


def test_terraform_validates_and_plans_the_stack(terraform_results: dict[str, terraform.Result], env: str) -> None:
    _assert_valid_and_planned(terraform_results[env])


def _assert_valid_and_planned(result: terraform.Result) -> None:
    assert result.validate.returncode == 0, result.output
    assert "Success! The configuration is valid" in result.validate.stdout
    # the one warning allowed is Terraform's notice that the stand-in overrides hashicorp/aws
    warnings = [line for line in result.output.splitlines() if line.startswith("Warning:")]
    assert set(warnings) == {"Warning: Provider development overrides are in effect"}, result.output
    assert result.ok, result.output


def test_plan_only_creates(terraform_results: dict[str, terraform.Result], env: str) -> None:
    actions = Counter(tuple(c["change"]["actions"]) for c in _managed_changes(terraform_results[env]))

    assert set(actions) == {("create",)}, actions


def test_plan_creates_every_synthesized_resource_once(
    terraform_results: dict[str, terraform.Result], stack: dict, env: str
) -> None:
    _assert_plans_exactly(terraform_results[env], stack)


def _assert_plans_exactly(result: terraform.Result, stack: dict) -> None:
    assert {tuple(c["change"]["actions"]) for c in _managed_changes(result)} == {("create",)}
    planned = Counter(c["type"] for c in _managed_changes(result))
    synthesized = Counter({rtype: len(by_id) for rtype, by_id in stack["resource"].items()})

    assert planned == synthesized
    addresses = {c["address"] for c in _managed_changes(result)}
    assert addresses == {f"{t}.{i}" for t, by_id in stack["resource"].items() for i in by_id}


def test_plan_has_every_synthesized_output(terraform_results: dict[str, terraform.Result], stack: dict, env: str) -> None:
    plan = terraform_results[env].plan_json
    assert plan is not None

    assert set(plan["output_changes"]) == set(stack["output"])


def test_terraform_validates_and_plans_the_account_stack(
    terraform_results: dict[str, terraform.Result], account_stack: dict
) -> None:
    result = terraform_results[ACCOUNT_STACK]
    _assert_valid_and_planned(result)
    _assert_plans_exactly(result, account_stack)
    assert result.plan_json is not None
    assert set(result.plan_json.get("output_changes", {})) == set(account_stack.get("output", {}))
