"""The reserved concurrency of all deployments in one account fits the account's quota.

Lambda refuses ``PutFunctionConcurrency`` when the account's unreserved concurrency would fall below 100
(UnreservedConcurrentExecution minimum, AWS Lambda quotas): the function that crosses the line fails to deploy,
whichever stack it belongs to. Summed over every synthesized stack, because they share the account.
"""

from __future__ import annotations

from payment_infra.config import UNRESERVED_CONCURRENCY_MINIMUM, load_account_config
from tests.apply_rules.support import Stacks, broken, of_type


def reserved_concurrency_fits_the_quota(stacks: Stacks, quota: int) -> list[str]:
    reservable = quota - UNRESERVED_CONCURRENCY_MINIMUM
    total, parts = 0, []
    for stack_id, stack in stacks.items():
        reserved = 0
        for body in of_type(stack, "aws_lambda_function").values():
            value = body.get("reserved_concurrent_executions", -1)  # -1: draws from the unreserved pool
            reserved += value if isinstance(value, int) and value > 0 else 0
        if reserved:
            parts.append(f"{stack_id} {reserved}")
        total += reserved
    if total > reservable:
        return [
            f"reserved concurrency of all stacks is {total} ({' + '.join(parts)}); allowed at most {reservable} "
            f"(account quota {quota} minus the {UNRESERVED_CONCURRENCY_MINIMUM} Lambda keeps unreserved)"
        ]
    return []


def test_reserved_concurrency_fits_the_quota_holds(all_stacks: Stacks) -> None:
    quota = load_account_config({}).lambda_concurrency_quota
    assert reserved_concurrency_fits_the_quota(all_stacks, quota) == []


def test_reserved_concurrency_fits_the_quota_catches_an_oversized_function(all_stacks: Stacks) -> None:
    def reserve_most(stack: dict) -> None:
        function = next(iter(stack["resource"]["aws_lambda_function"].values()))
        function["reserved_concurrent_executions"] = 800

    (problem,) = reserved_concurrency_fits_the_quota(broken(all_stacks, "payment-prod", reserve_most), 1000)
    assert "allowed at most 900" in problem and "payment-prod" in problem


def test_reserved_concurrency_fits_the_quota_catches_a_smaller_quota(all_stacks: Stacks) -> None:
    assert reserved_concurrency_fits_the_quota(all_stacks, 400)
