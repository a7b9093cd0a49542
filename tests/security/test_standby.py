"""The security rules of the environment stacks, on the disaster-recovery stacks too (payment-prod-dr and
payment-account-dr): no wildcard grant, no principal "*", Resource "*" only where AWS cannot scope, scoped key
policies, and every data resource encrypted with a key of ours: its own KMS construct's, or the data key's replica
that the primary makes in this region (found by its alias, docs/disaster-recovery.md)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import DR_ACCOUNT_STACK, STANDBY_STACKS
from tests.security.support import encryption_key, resources_of
from tests.security.test_encryption import ENCRYPTED_TYPES, our_keys
from tests.security.test_iam import (
    kms_key_policy_problems,
    principal_star_problems,
    resource_star_problems,
    wildcard_problems,
)

DATA_KEY = re.compile(r"^\$\{data\.aws_kms_key\.(?P<lid>[A-Za-z0-9_-]+)\.arn\}$")
OWN_KEY = re.compile(r"^\$\{aws_kms_key\.(?P<lid>[A-Za-z0-9_-]+)\.arn\}$")


@pytest.fixture(params=[*STANDBY_STACKS, DR_ACCOUNT_STACK])
def dr_stack(request: pytest.FixtureRequest, dr_stacks: dict[str, dict]) -> dict:
    return dr_stacks[request.param]


@pytest.mark.parametrize("checker", [wildcard_problems, principal_star_problems, resource_star_problems,
                                     kms_key_policy_problems])  # fmt: skip
def test_the_iam_rules_hold_on_the_dr_stacks(dr_stack: dict, checker) -> None:
    assert checker(dr_stack) == []


def standby_encryption_problems(stack: dict, stacks: dict[str, dict]) -> list[str]:
    replica_aliases = {
        alias["name"] for other in stacks.values() for alias in resources_of(other, "aws_kms_alias").values()
        if alias.get("target_key_id", "").startswith("${aws_kms_replica_key.")
    }  # fmt: skip
    read_keys = {lid: key["key_id"] for lid, key in stack.get("data", {}).get("aws_kms_key", {}).items()}
    problems = []
    for rtype in ENCRYPTED_TYPES:
        for lid in resources_of(stack, rtype):
            setting = encryption_key(stack, rtype, lid) or ""
            own, read = OWN_KEY.match(setting), DATA_KEY.match(setting)
            if own and own["lid"] in our_keys(stack):
                continue
            if read and read_keys.get(read["lid"]) in replica_aliases:
                continue
            problems.append(
                f"{rtype}.{lid}: {setting or 'no key'} is neither a key of this stack's KMS construct "
                "nor the data key's replica"
            )
    return problems


def test_every_data_resource_of_the_standby_uses_our_keys(dr_stacks: dict, stacks: dict) -> None:
    every = {**dr_stacks, "payment-prod": stacks["prod"]}
    for stack_id in STANDBY_STACKS:
        assert standby_encryption_problems(dr_stacks[stack_id], every) == []
        assert resources_of(dr_stacks[stack_id], "aws_lambda_function")  # something to check


def test_the_standby_encryption_rule_catches_a_key_nobody_replicates(dr_stacks: dict, stacks: dict) -> None:
    import copy

    standby = copy.deepcopy(dr_stacks["payment-prod-dr"])
    for key in standby["data"]["aws_kms_key"].values():
        key["key_id"] = "alias/aws/lambda"
    problems = standby_encryption_problems(standby, {**dr_stacks, "payment-prod": stacks["prod"]})
    assert problems and all("nor the data key's replica" in p for p in problems)
