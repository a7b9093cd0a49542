"""The reserved concurrency of all deployments in one account and region fits that region's quota.

Lambda refuses ``PutFunctionConcurrency`` when the account's unreserved concurrency would fall below 100
(UnreservedConcurrentExecution minimum, AWS Lambda quotas): the function that crosses the line fails to deploy,
whichever stack it belongs to. Summed over every synthesized stack of one region, because they share the account's
quota there (quotas are per region: the standbys in the fallback region count against that region's).
"""

from __future__ import annotations

from payment_infra.config import UNRESERVED_CONCURRENCY_MINIMUM, load_account_config
from tests.apply_rules.support import Stacks, broken, of_type, stack_region


def _reserved(stack: dict) -> int:
    values = (body.get("reserved_concurrent_executions", -1) for body in of_type(stack, "aws_lambda_function").values())
    return sum(v for v in values if isinstance(v, int) and v > 0)  # -1: draws from the unreserved pool


def reserved_concurrency_fits_the_quota(stacks: Stacks, quota: int) -> list[str]:
    reservable = quota - UNRESERVED_CONCURRENCY_MINIMUM
    by_region: dict[str, list[tuple[str, int]]] = {}
    for stack_id, stack in stacks.items():
        if _reserved(stack):
            by_region.setdefault(stack_region(stack), []).append((stack_id, _reserved(stack)))
    problems = []
    for region, reservations in sorted(by_region.items()):
        total = sum(count for _, count in reservations)
        if total > reservable:
            parts = " + ".join(f"{stack_id} {count}" for stack_id, count in reservations)
            problems.append(
                f"reserved concurrency of all stacks in {region} is {total} ({parts}); allowed at most {reservable} "
                f"(account quota {quota} minus the {UNRESERVED_CONCURRENCY_MINIMUM} Lambda keeps unreserved)"
            )
    return problems


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


def quota_checked_at_plan_time(stacks: Stacks) -> list[str]:
    """Every stack that reserves concurrency reads the account's real quota (Service Quotas lambda L-B99A9384) and
    stops its plan unless it covers every stack's reservations in its region plus the unreserved minimum (synth
    cannot know the quota: new accounts get a reduced one)."""
    totals: dict[str, int] = {}
    for stack in stacks.values():
        totals[stack_region(stack)] = totals.get(stack_region(stack), 0) + _reserved(stack)
    problems = []
    for stack_id, stack in sorted(stacks.items()):
        total = totals[stack_region(stack)]
        functions = of_type(stack, "aws_lambda_function").values()
        if not any((f.get("reserved_concurrent_executions") or 0) > 0 for f in functions):
            continue
        quotas = [
            q for q in stack.get("data", {}).get("aws_servicequotas_service_quota", {}).values()
            if (q.get("service_code"), q.get("quota_code")) == ("lambda", "L-B99A9384")
        ]  # fmt: skip
        conditions = [c["condition"] for q in quotas for c in (q.get("lifecycle") or {}).get("postcondition", [])]
        wanted = f"${{self.value >= {total + UNRESERVED_CONCURRENCY_MINIMUM}}}"
        if wanted not in conditions:
            problems.append(
                f"{stack_id} reserves concurrency but no aws_servicequotas_service_quota (lambda "
                f"L-B99A9384) postcondition {wanted}; found {conditions}"
            )
    return problems


def test_quota_checked_at_plan_time_holds(all_stacks: Stacks) -> None:
    assert quota_checked_at_plan_time(all_stacks) == []


def test_quota_checked_at_plan_time_catches_a_missing_check_and_a_stale_total(all_stacks: Stacks) -> None:
    def drop(stack: dict) -> None:
        del stack["data"]["aws_servicequotas_service_quota"]

    (problem,) = quota_checked_at_plan_time(broken(all_stacks, "payment-staging", drop))
    assert "payment-staging reserves concurrency but no aws_servicequotas_service_quota" in problem

    def reserve_more(stack: dict) -> None:
        next(iter(stack["resource"]["aws_lambda_function"].values()))["reserved_concurrent_executions"] += 1

    # every stack of the region; the standby's region is not affected
    assert len(quota_checked_at_plan_time(broken(all_stacks, "payment-dev", reserve_more))) == 3

    def reserve_more_in_the_standby(stack: dict) -> None:
        next(iter(stack["resource"]["aws_lambda_function"].values()))["reserved_concurrent_executions"] += 1

    (problem,) = quota_checked_at_plan_time(broken(all_stacks, "payment-prod-dr", reserve_more_in_the_standby))
    assert problem.startswith("payment-prod-dr reserves concurrency")


def test_reserved_concurrency_fits_the_quota_catches_an_oversized_standby(all_stacks: Stacks) -> None:
    def reserve_most(stack: dict) -> None:
        next(iter(stack["resource"]["aws_lambda_function"].values()))["reserved_concurrent_executions"] = 600

    (problem,) = reserved_concurrency_fits_the_quota(broken(all_stacks, "payment-prod-dr", reserve_most), 1000)
    assert "in ap-northeast-1" in problem and "payment-prod-dr" in problem
