"""Terraform core accepts every synthesized stack: validate, then a plan that creates exactly what was synthesized.

The environment stacks run through the ``env`` parameter; the account baseline (``payment-account``) through the
same checks in the ``*_account_stack`` tests.
"""

from __future__ import annotations

from collections import Counter

import pytest

from scripts.tf_standin import terraform
from tests.conftest import ACCOUNT_STACK

pytestmark = pytest.mark.slow  # Terraform core: make test-slow runs it


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


def test_plan_has_every_synthesized_output(
    terraform_results: dict[str, terraform.Result], stack: dict, env: str
) -> None:
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


def test_terraform_validates_and_plans_a_preview_in_the_shared_network(
    standin: terraform.StandIn, side_by_side: dict[str, dict], synth_dir, tmp_path
) -> None:
    """A preview finds the account's preview network by data source and creates its own security group only."""
    from tests.conftest import PREVIEWS

    preview = side_by_side[f"payment-{PREVIEWS[0]}"]
    assets = synth_dir / "stacks" / "payment-dev" / "assets"  # the same Lambda package
    result = terraform.check(standin, terraform.workdir_copy(preview, tmp_path / "preview", assets))
    _assert_valid_and_planned(result)
    _assert_plans_exactly(result, preview)
    planned = {c["type"] for c in _managed_changes(result)}
    assert "aws_vpc" not in planned and "aws_subnet" not in planned and "aws_vpc_endpoint" not in planned
    assert "aws_security_group" in planned


def test_a_preview_plan_stops_while_the_shared_network_is_missing(
    standin: terraform.StandIn, side_by_side: dict[str, dict], synth_dir, tmp_path
) -> None:
    import dataclasses
    import json

    from tests.conftest import PREVIEWS

    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"aws_subnets": {"ids": []}}))
    preview = side_by_side[f"payment-{PREVIEWS[0]}"]
    workdir = terraform.workdir_copy(preview, tmp_path / "preview", synth_dir / "stacks" / "payment-dev" / "assets")
    result = terraform.check(dataclasses.replace(standin, data=answers), workdir)
    assert result.plan is not None and result.plan.returncode != 0
    assert "deploy the account baseline payment-account first" in " ".join(result.output.split())
