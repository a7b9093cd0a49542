"""Apply-time rule: resource policies name only their own service's actions, never ``*`` (SNS: never ``sns:*``).

SNS refuses a topic policy with ``"Action": "*"`` or ``"sns:*"`` (``SetTopicAttributes``: InvalidParameter,
policy statement action out of service scope); AWS's "enforce encryption in transit" example for SNS denies
``sns:Publish``. SQS and S3 accept their service's own actions (``sqs:*``, ``s3:*``), which is what AWS's TLS
examples use; a bare ``*`` is held to the same rule for all three, so one shape is written everywhere.
"""

from __future__ import annotations

import json

import pytest

from tests.apply_rules.support import Stacks, broken, of_type

POLICY_RESOURCES = {"aws_sns_topic_policy": "sns", "aws_sqs_queue_policy": "sqs", "aws_s3_bucket_policy": "s3"}


def resource_policy_action_problems(stacks: Stacks) -> list[str]:
    problems = []
    for stack_id, stack in stacks.items():
        for rtype, service in POLICY_RESOURCES.items():
            for lid, resource in of_type(stack, rtype).items():
                for statement in json.loads(resource["policy"]).get("Statement", []):
                    actions = statement.get("Action", [])
                    for action in [actions] if isinstance(actions, str) else actions:
                        wrong = not action.startswith(f"{service}:") or (service == "sns" and action == "sns:*")
                        if wrong:
                            problems.append(
                                f"{stack_id}: {rtype}.{lid} statement {statement.get('Sid', '?')} "
                                f"names action {action!r}; allowed: {service}:<Action>"
                                + (" (not sns:*)" if service == "sns" else "")
                            )
    return problems


def test_resource_policy_actions_hold(all_stacks: Stacks) -> None:
    assert resource_policy_action_problems(all_stacks) == []


def _set_actions(rtype: str, actions):
    def mutate(stack: dict) -> None:
        resource = next(iter(stack["resource"][rtype].values()))
        policy = json.loads(resource["policy"])
        policy["Statement"][0]["Action"] = actions
        resource["policy"] = json.dumps(policy)

    return mutate


def test_resource_policy_actions_catch_star_on_a_topic(all_stacks: Stacks) -> None:
    problems = resource_policy_action_problems(
        broken(all_stacks, "payment-dev", _set_actions("aws_sns_topic_policy", "*"))
    )
    assert len(problems) == 1 and "aws_sns_topic_policy" in problems[0]


def test_resource_policy_actions_catch_sns_wildcard(all_stacks: Stacks) -> None:
    problems = resource_policy_action_problems(
        broken(all_stacks, "payment-dev", _set_actions("aws_sns_topic_policy", ["sns:*"]))
    )
    assert len(problems) == 1 and "not sns:*" in problems[0]


def test_resource_policy_actions_catch_star_on_a_queue_and_a_bucket(all_stacks: Stacks) -> None:
    for rtype in ("aws_sqs_queue_policy", "aws_s3_bucket_policy"):
        problems = resource_policy_action_problems(broken(all_stacks, "payment-dev", _set_actions(rtype, ["*"])))
        assert len(problems) == 1 and rtype in problems[0]


def test_the_deny_insecure_transport_helper_refuses_a_service_without_an_action_list() -> None:
    from payment_infra.policies import deny_insecure_transport

    assert deny_insecure_transport("sns", ["arn"])["Action"] == sorted(SNS_ACTIONS_EXPECTED)
    with pytest.raises(ValueError, match=r"service 'kms' has no action list; allowed: \['s3', 'sns', 'sqs'\]"):
        deny_insecure_transport("kms", ["arn"])


SNS_ACTIONS_EXPECTED = {"sns:AddPermission", "sns:DeleteTopic", "sns:GetTopicAttributes", "sns:ListSubscriptionsByTopic",
                        "sns:Publish", "sns:RemovePermission", "sns:SetTopicAttributes", "sns:Subscribe"}  # fmt: skip
