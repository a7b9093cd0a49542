"""Apply-time rule: each API key is in at most one usage plan per stage, and the usage-plan quotas hold.

API Gateway refuses ``CreateUsagePlanKey`` for a key already in another usage plan of the same API stage
(``ConflictException``: the key "cannot reference multiple Usage Plans with the same API Stage"), which only
``terraform apply`` would show. The quotas (Amazon API Gateway quotas, REST APIs): 300 usage plans per account
and region, 10 usage plans per API key. Every stack may share one account, so the plan count is summed over all
stacks. With one usage plan per client (``config.clients``), this is what keeps adding clients deployable.
"""

from __future__ import annotations

from collections import defaultdict

from tests.apply_rules.support import REFERENCE, Stacks, broken, of_type

USAGE_PLANS_PER_ACCOUNT = 300
USAGE_PLANS_PER_API_KEY = 10


def _address(value: str) -> str:
    match = REFERENCE.search(value)
    return match["address"] if match else value


def api_key_usage_plan_problems(stacks: Stacks) -> list[str]:
    problems: list[str] = []
    total_plans = 0
    for stack_id, stack in stacks.items():
        plans = of_type(stack, "aws_api_gateway_usage_plan")
        total_plans += len(plans)
        stages_of = {
            f"aws_api_gateway_usage_plan.{lid}": {(s["api_id"], s["stage"]) for s in plan.get("api_stages", [])}
            for lid, plan in plans.items()
        }
        plans_of_key: dict[str, list[str]] = defaultdict(list)
        for association in of_type(stack, "aws_api_gateway_usage_plan_key").values():
            plans_of_key[_address(association["key_id"])].append(_address(association["usage_plan_id"]))
        for key, key_plans in sorted(plans_of_key.items()):
            if len(key_plans) > USAGE_PLANS_PER_API_KEY:
                problems.append(
                    f"{stack_id}: {key} is in {len(key_plans)} usage plans; AWS allows {USAGE_PLANS_PER_API_KEY}"
                )
            seen: dict[tuple[str, str], str] = {}
            for plan in key_plans:
                for stage in sorted(stages_of.get(plan, set())):
                    if stage in seen:
                        problems.append(
                            f"{stack_id}: {key} is in {seen[stage]} and {plan}, both on stage {stage[1]}; "
                            "AWS allows one usage plan per API key and stage"
                        )
                    seen[stage] = plan
    if total_plans > USAGE_PLANS_PER_ACCOUNT:
        problems.append(
            f"all stacks: {total_plans} usage plans; AWS allows {USAGE_PLANS_PER_ACCOUNT} per account and region"
        )
    return problems


def test_api_key_usage_plans_hold(all_stacks: Stacks) -> None:
    assert api_key_usage_plan_problems(all_stacks) == []


def test_api_key_usage_plans_catch_a_key_in_two_plans_of_one_stage(all_stacks: Stacks) -> None:
    def second_plan_for_the_same_key(stack: dict) -> None:
        plans = stack["resource"]["aws_api_gateway_usage_plan"]
        (plan_id, plan), *_ = plans.items()
        plans[plan_id + "_copy"] = dict(plan)
        associations = stack["resource"]["aws_api_gateway_usage_plan_key"]
        (assoc_id, assoc), *_ = associations.items()
        associations[assoc_id + "_copy"] = {
            **assoc,
            "usage_plan_id": "${aws_api_gateway_usage_plan." + plan_id + "_copy.id}",
        }

    problems = api_key_usage_plan_problems(broken(all_stacks, "payment-dev", second_plan_for_the_same_key))
    assert len(problems) == 1 and "one usage plan per API key and stage" in problems[0]


def test_api_key_usage_plans_catch_too_many_plans(all_stacks: Stacks) -> None:
    def many_plans(stack: dict) -> None:
        plans = stack["resource"]["aws_api_gateway_usage_plan"]
        (plan_id, plan), *_ = plans.items()
        for index in range(USAGE_PLANS_PER_ACCOUNT):
            plans[f"{plan_id}_{index}"] = dict(plan)

    problems = api_key_usage_plan_problems(broken(all_stacks, "payment-dev", many_plans))
    assert len(problems) == 1 and "per account" in problems[0]
