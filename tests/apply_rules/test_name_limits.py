"""Apply-time rule: AWS name limits and character sets hold for every named resource.

From terraform-provider-aws validators and the AWS API references (length, characters): S3 ``validBucketName``
(3-63, lowercase letters, digits, hyphens, dots, starting and ending with a letter or digit), IAM
``validRoleName``/``validRolePolicyName`` (role 64 (name_prefix 38), policy 128, ``[\\w+=,.@-]``), Lambda
``FunctionName`` (64, ``[A-Za-z0-9-_]``), SQS ``QueueName`` (80 including ``.fifo``, ``[A-Za-z0-9-_]``), SNS
``TopicName`` (256, ``[A-Za-z0-9-_]`` plus ``.fifo``), CloudWatch Logs ``logGroupName`` (512, ``[.-_/#A-Za-z0-9]``),
DynamoDB ``TableName`` (3-255, ``[A-Za-z0-9_.-]``), KMS alias (``alias/`` + ``[A-Za-z0-9/_-]``, 256, not
``alias/aws/``), Step Functions ``name`` (80), alarm name (255), dashboard name (255, ``[A-Za-z0-9-_]``), WAFv2
web ACL (128, ``[\\w-]``), API Gateway REST API name (1024), security group (255). Tokens ``${...}`` are replaced
by a worst case of their documented length: account id 12 digits, region the longest used, other ids 10 chars.
"""

from __future__ import annotations

import re

from tests.apply_rules.support import Stacks, broken, of_type

# rtype -> [(field, min, max, allowed characters, extra check or None)]
RULES = {
    "aws_s3_bucket": [("bucket", 3, 63, r"[a-z0-9][a-z0-9.-]*[a-z0-9]", None)],
    "aws_iam_role": [("name", 1, 64, r"[\w+=,.@-]+", None), ("name_prefix", 1, 38, r"[\w+=,.@-]+", None)],
    "aws_iam_role_policy": [("name", 1, 128, r"[\w+=,.@-]+", None)],
    "aws_iam_policy": [("name", 1, 128, r"[\w+=,.@-]+", None)],
    "aws_lambda_function": [("function_name", 1, 64, r"[A-Za-z0-9_-]+", None)],
    "aws_sqs_queue": [("name", 1, 80, r"[A-Za-z0-9_-]+(\.fifo)?", "fifo")],
    "aws_sns_topic": [("name", 1, 256, r"[A-Za-z0-9_-]+(\.fifo)?", "fifo")],
    "aws_cloudwatch_log_group": [("name", 1, 512, r"[.\-_/#A-Za-z0-9]+", None)],
    "aws_dynamodb_table": [("name", 3, 255, r"[A-Za-z0-9_.-]+", None)],
    "aws_kms_alias": [("name", 7, 256, r"alias/(?!aws/)[A-Za-z0-9/_-]+", None)],
    "aws_sfn_state_machine": [("name", 1, 80, r"[A-Za-z0-9_-]+", None)],
    "aws_cloudwatch_metric_alarm": [("alarm_name", 1, 255, r"[^\x00-\x1f]+", None)],
    "aws_cloudwatch_dashboard": [("dashboard_name", 1, 255, r"[A-Za-z0-9_-]+", None)],
    "aws_wafv2_web_acl": [("name", 1, 128, r"[\w-]+", None)],
    "aws_api_gateway_rest_api": [("name", 1, 1024, r".+", None)],
    "aws_security_group": [("name", 1, 255, r"[ -~]+", None)],
}
LONGEST_REGION = "ap-southeast-2"
TOKEN = re.compile(r"\$\{[^}]*\}")


def _worst_case(name: str) -> str:
    def placeholder(match: re.Match) -> str:
        token = match.group(0)
        if token.endswith(".account_id}"):
            return "123456789012"
        if "region" in token:
            return LONGEST_REGION
        return "a1b2c3d4e5"  # REST API, queue and other generated ids are 10 characters

    return TOKEN.sub(placeholder, name)


def _fifo_problem(body: dict, name: str) -> str | None:
    """Provider: a FIFO queue/topic name must end in ``.fifo``, and only a FIFO one may."""
    fifo = bool(body.get("fifo_queue") or body.get("fifo_topic"))
    if fifo != name.endswith(".fifo"):
        return "FIFO names must end in .fifo and only FIFO names may"
    return None


def name_limit_problems(stacks: Stacks) -> list[str]:
    problems = []
    for stack_id, stack in stacks.items():
        for rtype, rules in RULES.items():
            for lid, body in of_type(stack, rtype).items():
                for field, low, high, chars, extra in rules:
                    raw = body.get(field)
                    if not isinstance(raw, str):
                        continue
                    name = _worst_case(raw)
                    where = f"{stack_id}: {rtype}.{lid} {field} {raw!r}"
                    if not low <= len(name) <= high:
                        problems.append(f"{where} is {len(name)} characters at worst; AWS allows {low}-{high}")
                    if not re.fullmatch(chars, name):
                        problems.append(f"{where} has characters outside {chars}")
                    if extra == "fifo" and (why := _fifo_problem(body, name)):
                        problems.append(f"{where}: {why}")
    return problems


def test_name_limits_hold(all_stacks: Stacks) -> None:
    assert name_limit_problems(all_stacks) == []


def _rename(rtype: str, field: str, new) -> object:
    def mutate(stack: dict) -> None:
        body = next(iter(stack["resource"][rtype].values()))
        body[field] = new(body[field])

    return mutate


def test_name_limits_catch_a_long_bucket_name_with_the_account_id(all_stacks: Stacks) -> None:
    # 51 characters as written, 63 + 1 once the account id token is 12 digits
    problems = name_limit_problems(
        broken(
            all_stacks,
            "payment-dev",
            _rename("aws_s3_bucket", "bucket", lambda _: "b" * 51 + "-${data.aws_caller_identity.current.account_id}"),
        )
    )
    assert len(problems) == 1 and "64 characters" in problems[0]


def test_name_limits_catch_uppercase_bucket_and_long_role(all_stacks: Stacks) -> None:
    stacks = broken(all_stacks, "payment-dev", _rename("aws_s3_bucket", "bucket", str.upper))
    stacks = broken(stacks, "payment-dev", _rename("aws_iam_role", "name", lambda n: n + "x" * 64))
    problems = name_limit_problems(stacks)
    assert len(problems) == 2 and any("outside" in p for p in problems) and any("1-64" in p for p in problems)


def test_name_limits_catch_a_fifo_queue_without_the_suffix(all_stacks: Stacks) -> None:
    def strip_suffix(stack: dict) -> None:
        for body in stack["resource"]["aws_sqs_queue"].values():
            if body.get("fifo_queue"):
                body["name"] = body["name"].removesuffix(".fifo")
                return

    problems = name_limit_problems(broken(all_stacks, "payment-dev", strip_suffix))
    assert len(problems) == 1 and ".fifo" in problems[0]


def test_name_limits_catch_an_aws_reserved_alias(all_stacks: Stacks) -> None:
    problems = name_limit_problems(
        broken(all_stacks, "payment-dev", _rename("aws_kms_alias", "name", lambda _: "alias/aws/payment"))
    )
    assert len(problems) == 1 and "aws_kms_alias" in problems[0]
