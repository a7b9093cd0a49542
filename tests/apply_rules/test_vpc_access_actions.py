"""Every VPC function's role allows what Lambda does with its network interfaces today.

Lambda uses the execution role to create, describe and delete the function's ENIs; the current version of the
AWS managed policy ``AWSLambdaVPCAccessExecutionRole`` lists those actions, ``ec2:DescribeSubnets`` included
(added in a later version of the policy; AWS managed policy reference). A role missing one can fail the
function's creation or update (``InvalidParameterValueException``: the role lacks permissions).
"""

from __future__ import annotations

import json

from tests.apply_rules.support import Stacks, broken, of_type

VPC_ACCESS_EXECUTION_ROLE_EC2 = frozenset({
    "ec2:AssignPrivateIpAddresses", "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface",
    "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "ec2:UnassignPrivateIpAddresses",
})  # fmt: skip


def vpc_access_problems(stacks: Stacks) -> list[str]:
    problems = []
    for stack_id, stack in sorted(stacks.items()):
        policies = of_type(stack, "aws_iam_role_policy").values()
        for lid, function in sorted(of_type(stack, "aws_lambda_function").items()):
            if not function.get("vpc_config"):
                continue
            role = function["role"].replace(".arn}", ".id}")
            granted = {
                action
                for policy in policies
                if policy["role"] == role
                for statement in json.loads(policy["policy"])["Statement"]
                if statement["Effect"] == "Allow" and statement["Resource"] in (["*"], "*")
                for action in statement["Action"]
            }
            missing = sorted(VPC_ACCESS_EXECUTION_ROLE_EC2 - granted)
            if missing:
                problems.append(
                    f"{stack_id}: aws_lambda_function.{lid} role lacks {missing} "
                    "(AWSLambdaVPCAccessExecutionRole's EC2 actions, on Resource *)"
                )
    return problems


def test_vpc_access_rule_holds(all_stacks: Stacks) -> None:
    assert vpc_access_problems(all_stacks) == []


def test_vpc_access_rule_catches_a_role_without_describe_subnets(all_stacks: Stacks) -> None:
    def edit(stack: dict) -> None:
        policy = next(iter(of_type(stack, "aws_iam_role_policy").values()))
        policy["policy"] = policy["policy"].replace('"ec2:DescribeSubnets",', "")

    (problem,) = vpc_access_problems(broken(all_stacks, "payment-prod", edit))
    assert "role lacks ['ec2:DescribeSubnets']" in problem
