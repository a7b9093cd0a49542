"""Apply-time rule: every log group's retention is a value CloudWatch Logs accepts, and is set.

The provider refuses any other ``retention_in_days`` at plan time (terraform-provider-aws
``internal/service/logs/group.go``: ``validation.IntInSlice`` of CloudWatch's values), a check the stand-in
provider of ``tests/terraform`` does not make. 0 (also accepted: kept forever) is not allowed here: every
group expires (``config.LOG_RETENTION_DAYS`` lists the values without it).
"""

from __future__ import annotations

from payment_infra.config import LOG_RETENTION_DAYS
from tests.apply_rules.support import Stacks, broken, of_type


def log_retention_problems(stacks: Stacks) -> list[str]:
    problems = []
    for stack_id, stack in sorted(stacks.items()):
        for lid, group in sorted(of_type(stack, "aws_cloudwatch_log_group").items()):
            days = group.get("retention_in_days")
            if days not in LOG_RETENTION_DAYS:
                problems.append(
                    f"{stack_id}: aws_cloudwatch_log_group.{lid} ({group.get('name')}) retention_in_days "
                    f"= {days!r}: allowed {', '.join(map(str, LOG_RETENTION_DAYS))}"
                )
    return problems


def test_every_log_group_keeps_its_events_for_an_accepted_number_of_days(all_stacks: Stacks) -> None:
    assert sum(len(of_type(s, "aws_cloudwatch_log_group")) for s in all_stacks.values()) >= 10
    problems = log_retention_problems(all_stacks)
    assert not problems, "\n".join(problems)


def test_rule_catches_a_retention_cloudwatch_refuses_and_one_left_unset(all_stacks: Stacks) -> None:
    def edit(stack: dict) -> None:
        groups = iter(of_type(stack, "aws_cloudwatch_log_group").values())
        next(groups)["retention_in_days"] = 2
        next(groups).pop("retention_in_days")

    problems = log_retention_problems(broken(all_stacks, "payment-prod", edit))
    assert len(problems) == 2, problems
    assert "= 2: allowed 1, 3, 5" in problems[0] + problems[1]
    assert "= None" in problems[0] + problems[1]
