"""Account singletons appear in one account baseline per region only, and never in an environment stack.

Some resources are one setting per account and region, not objects: two stacks that both manage one fight over
it (the last apply wins, the others drift), and destroying either resets it for everyone. For
``aws_api_gateway_account``, terraform-provider-aws 6.x always resets the region's CloudWatch role on destroy
(``reset_on_delete`` was removed in the v6 upgrade), which stops every stage's execution and access logs.
The list below holds the provider's resources of that kind that a project like this one may plausibly add.
A region whose stages log (every environment's, a standby's in the fallback region) needs its baseline's
``aws_api_gateway_account``: without the region's CloudWatch role a stage's access log setting fails to apply.
"""

from __future__ import annotations

from tests.apply_rules.support import Stacks, broken, each_resource, of_type, region_of
from tests.conftest import ACCOUNT_STACK, DR_ACCOUNT_STACK

#: The account baselines: the primary region's and the standbys' region's (``aws_api_gateway_account`` is per region).
ACCOUNT_STACKS = (ACCOUNT_STACK, DR_ACCOUNT_STACK)

ACCOUNT_SINGLETONS = frozenset(
    {
        "aws_api_gateway_account",  # the region's API Gateway CloudWatch role
        "aws_iam_account_password_policy",
        "aws_iam_account_alias",
        "aws_s3_account_public_access_block",
        "aws_ebs_encryption_by_default",
        "aws_ebs_default_kms_key",
        "aws_xray_encryption_config",
        "aws_guardduty_detector",
        "aws_securityhub_account",
        "aws_macie2_account",
        "aws_config_configuration_recorder",
        "aws_cloudwatch_log_account_policy",
    }
)


def account_singletons_in_one_stack(stacks: Stacks) -> list[str]:
    """Each singleton in one account baseline per region (payment-account, and payment-account-dr for the standbys)."""
    problems = []
    owners: dict[tuple[str, str], list[str]] = {}
    for stack_id, stack in stacks.items():
        for rtype, logical_id, body in each_resource(stack):
            if rtype in ACCOUNT_SINGLETONS:
                owners.setdefault((rtype, region_of(stack, body)), []).append(f"{stack_id}: {rtype}.{logical_id}")
                if stack_id not in ACCOUNT_STACKS:
                    problems.append(
                        f"{stack_id}: {rtype}.{logical_id} is an account singleton; allowed only in "
                        + " or ".join(ACCOUNT_STACKS)
                    )
    staged = {region_of(stack, body) for stack in stacks.values() for _, _, body in _stages(stack)}
    for region in sorted(staged - {region for rtype, region in owners if rtype == "aws_api_gateway_account"}):
        problems.append(f"{region} has API stages but no account baseline sets its aws_api_gateway_account")
    for (rtype, region), where in owners.items():
        if len(where) > 1:
            problems.append(
                f"{rtype} is managed {len(where)} times in {region} ({'; '.join(where)}); allowed once per account "
                "and region"
            )
    return problems


def _stages(stack: dict):
    return [item for item in each_resource(stack) if item[0] == "aws_api_gateway_stage"]


def test_account_singletons_in_one_stack_holds(all_stacks: Stacks) -> None:
    assert account_singletons_in_one_stack(all_stacks) == []
    assert of_type(all_stacks[ACCOUNT_STACK], "aws_api_gateway_account")  # the rule has something to hold
    assert of_type(all_stacks[DR_ACCOUNT_STACK], "aws_api_gateway_account")  # the standbys' region has its own


def test_account_singletons_catch_a_standby_region_without_its_own_baseline(all_stacks: Stacks) -> None:
    """Both baselines in one region: the standbys' stages would log through nobody's role."""

    def move_to_primary_region(stack: dict) -> None:
        stack["provider"]["aws"][0]["region"] = "ap-northeast-2"

    problems = account_singletons_in_one_stack(broken(all_stacks, DR_ACCOUNT_STACK, move_to_primary_region))
    assert (
        problems
        == [
            "ap-northeast-1 has API stages but no account baseline sets its aws_api_gateway_account",
            problems[1],
        ]
        and "managed 2 times in ap-northeast-2" in problems[1]
    )


def test_account_singletons_in_one_stack_catches_a_singleton_in_an_environment(all_stacks: Stacks) -> None:
    def add_account_setting(stack: dict) -> None:
        stack["resource"]["aws_api_gateway_account"] = {"account": {"cloudwatch_role_arn": "arn:aws:iam::1:role/x"}}

    problems = account_singletons_in_one_stack(broken(all_stacks, "payment-dev", add_account_setting))
    assert any("payment-dev: aws_api_gateway_account.account is an account singleton" in p for p in problems)
    assert any("aws_api_gateway_account is managed 2 times in ap-northeast-2" in p for p in problems)


def test_account_singletons_in_one_stack_catches_two_in_the_account_stack(all_stacks: Stacks) -> None:
    def duplicate(stack: dict) -> None:
        accounts = stack["resource"]["aws_api_gateway_account"]
        accounts["second"] = dict(next(iter(accounts.values())))

    problems = account_singletons_in_one_stack(broken(all_stacks, ACCOUNT_STACK, duplicate))
    assert problems == [problems[0]] and "managed 2 times" in problems[0]
