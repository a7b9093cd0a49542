"""Destroying a VPC function's security group does not wait for Lambda's network interfaces.

Before deleting a security group or subnet that Lambda ENIs use, terraform-provider-aws waits for Lambda to
release them (``deleteLingeringLambdaENIs``, at least 45 minutes; hashicorp/terraform-provider-aws#32130 reports
57+), while the destroy jobs time out at their ``timeout-minutes``. With ``replace_security_groups_on_destroy``
the provider first moves the function onto ``replacement_security_group_ids`` (hashicorp/terraform-provider-aws
#37624), so the function's own groups are free at once. The replacement must be a group the same destroy does not
delete (the VPC's default group, ``aws_default_security_group``, which Terraform only forgets, or a group found
by data source), else its own deletion waits instead; and it must not be one of the function's groups.
"""

from __future__ import annotations

import re

from tests.apply_rules.support import Stacks, broken, of_type

NOT_DELETED = re.compile(r"^\$\{(aws_default_security_group|data\.aws_security_group)\.[A-Za-z0-9_-]+\.id\}$")


def destroy_eni_problems(stacks: Stacks) -> list[str]:
    problems = []
    for stack_id, stack in sorted(stacks.items()):
        for lid, function in sorted(of_type(stack, "aws_lambda_function").items()):
            if not function.get("vpc_config"):
                continue
            where = f"{stack_id}: aws_lambda_function.{lid}"
            replacements = function.get("replacement_security_group_ids") or []
            if function.get("replace_security_groups_on_destroy") is not True:
                problems.append(
                    f"{where}: replace_security_groups_on_destroy is not true; destroying its security "
                    "group waits up to ~45 min for the Lambda ENIs"
                )
            if not replacements:
                problems.append(f"{where}: no replacement_security_group_ids")
            for group in replacements:
                if group in function["vpc_config"]["security_group_ids"]:
                    problems.append(f"{where}: replacement {group} is one of the function's own groups")
                elif not NOT_DELETED.match(group):
                    problems.append(
                        f"{where}: replacement {group} is deleted by the same destroy; allowed the VPC's "
                        "default group or a group found by data source"
                    )
    return problems


def test_destroy_eni_rule_holds(all_stacks: Stacks) -> None:
    assert destroy_eni_problems(all_stacks) == []


def test_destroy_eni_rule_holds_on_a_preview(side_by_side: Stacks) -> None:
    preview = next(s for stack_id, s in side_by_side.items() if stack_id != "payment-dev")
    functions = of_type(preview, "aws_lambda_function").values()
    assert all(f["replacement_security_group_ids"][0].startswith("${data.aws_security_group.") for f in functions)
    assert destroy_eni_problems(side_by_side) == []


def test_destroy_eni_rule_catches_a_missing_switch_and_a_deleted_replacement(all_stacks: Stacks) -> None:
    def edit(stack: dict) -> None:
        functions = iter(of_type(stack, "aws_lambda_function").values())
        del next(functions)["replace_security_groups_on_destroy"]
        second = next(functions)
        second["replacement_security_group_ids"] = list(second["vpc_config"]["security_group_ids"])
        third = next(functions)
        third["replacement_security_group_ids"] = ["${aws_security_group.spare.id}"]

    problems = destroy_eni_problems(broken(all_stacks, "payment-staging", edit))
    assert len(problems) == 3, problems
    assert "replace_security_groups_on_destroy is not true" in problems[0] + problems[1] + problems[2]
    assert "is one of the function's own groups" in " ".join(problems)
    assert "is deleted by the same destroy" in " ".join(problems)
