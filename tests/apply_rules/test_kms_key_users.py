"""Apply-time rule: every AWS service that uses a CMK on its own behalf is allowed by that key's policy.

A service principal missing from the key policy is not a plan error: the resource applies and then the service
fails at run time (log delivery stops, alarms never reach the topic, S3 access logs are dropped). Which
principal uses the key for which usage (each row's source in the table below):
"""

from __future__ import annotations

import json
import re

from tests.apply_rules.support import REFERENCE, Stacks, broken, of_type

ROOT_DELEGATION = "account root (IAM of the caller)"
LOGS_REGIONAL = "logs.<region>.amazonaws.com"

# usage -> principal that must be allowed by the key policy
# - log group kms_key_id: CloudWatch Logs User Guide, "Encrypt log data using AWS KMS" (logs.<region>).
# - Step Functions encrypted with a CMK and logging: Step Functions Developer Guide, "Data at rest encryption"
#   (delivery.logs.amazonaws.com decrypts execution events).
# - SNS topic with a CMK that CloudWatch alarms publish to: SNS Developer Guide, "Enable compatibility between
#   event sources from AWS services and encrypted topics" (cloudwatch.amazonaws.com); EventBridge likewise.
# - SQS queue with a CMK that an SNS topic / EventBridge / S3 sends to: SQS Developer Guide, "Enable compatibility
#   between AWS services and encrypted queues".
# - S3 bucket with a CMK that receives server access logs: S3 User Guide, "Enabling Amazon S3 server access
#   logging" (logging.s3.amazonaws.com).
# - DynamoDB, Lambda, Step Functions role: the caller's IAM, through the account root statement.
PRINCIPALS = {
    "log_group": LOGS_REGIONAL,
    "state_machine_logging": "delivery.logs.amazonaws.com",
    "topic_alarm_publisher": "cloudwatch.amazonaws.com",
    "topic_event_publisher": "events.amazonaws.com",
    "queue_sns_subscription": "sns.amazonaws.com",
    "queue_event_target": "events.amazonaws.com",
    "queue_s3_notification": "s3.amazonaws.com",
    "bucket_access_log_target": "logging.s3.amazonaws.com",
}


def _address(value: object) -> str | None:
    match = REFERENCE.search(value) if isinstance(value, str) else None
    return match["address"] if match else None


def _key_uses(stack: dict):
    """(user address, usage, key address) for every usage of a CMK by a service."""
    for lid, group in of_type(stack, "aws_cloudwatch_log_group").items():
        yield f"aws_cloudwatch_log_group.{lid}", "log_group", _address(group.get("kms_key_id"))
    for lid, machine in of_type(stack, "aws_sfn_state_machine").items():
        key = _address((machine.get("encryption_configuration") or {}).get("kms_key_id"))
        if (machine.get("logging_configuration") or {}).get("level", "OFF") != "OFF":
            yield f"aws_sfn_state_machine.{lid}", "state_machine_logging", key
        yield f"aws_sfn_state_machine.{lid}", ROOT_DELEGATION, key
    topic_key = {
        f"aws_sns_topic.{lid}": _address(t.get("kms_master_key_id"))
        for lid, t in of_type(stack, "aws_sns_topic").items()
    }
    queue_key = {
        f"aws_sqs_queue.{lid}": _address(q.get("kms_master_key_id"))
        for lid, q in of_type(stack, "aws_sqs_queue").items()
    }
    for alarm in of_type(stack, "aws_cloudwatch_metric_alarm").values():
        for action in [
            *alarm.get("alarm_actions", []),
            *alarm.get("ok_actions", []),
            *alarm.get("insufficient_data_actions", []),
        ]:
            if _address(action) in topic_key:
                yield _address(action), "topic_alarm_publisher", topic_key[_address(action)]
    for target in of_type(stack, "aws_cloudwatch_event_target").values():
        target_address = _address(target.get("arn"))
        if target_address in topic_key:
            yield target_address, "topic_event_publisher", topic_key[target_address]
        if target_address in queue_key:
            yield target_address, "queue_event_target", queue_key[target_address]
    for sub in of_type(stack, "aws_sns_topic_subscription").values():
        if sub.get("protocol") == "sqs" and _address(sub.get("endpoint")) in queue_key:
            yield _address(sub["endpoint"]), "queue_sns_subscription", queue_key[_address(sub["endpoint"])]
    for note in of_type(stack, "aws_s3_bucket_notification").values():
        for queue in note.get("queue", []):
            if _address(queue.get("queue_arn")) in queue_key:
                yield _address(queue["queue_arn"]), "queue_s3_notification", queue_key[_address(queue["queue_arn"])]
    bucket_key = {}
    for sse in of_type(stack, "aws_s3_bucket_server_side_encryption_configuration").values():
        for rule in sse.get("rule", []):
            key = _address((rule.get("apply_server_side_encryption_by_default") or {}).get("kms_master_key_id"))
            if key:
                bucket_key[_address(sse["bucket"])] = key
    for logging in of_type(stack, "aws_s3_bucket_logging").values():
        target = _address(logging.get("target_bucket"))
        if target in bucket_key:
            yield target, "bucket_access_log_target", bucket_key[target]
    for lid, table in of_type(stack, "aws_dynamodb_table").items():
        yield (
            f"aws_dynamodb_table.{lid}",
            ROOT_DELEGATION,
            _address((table.get("server_side_encryption") or {}).get("kms_key_arn")),
        )
    for lid, function in of_type(stack, "aws_lambda_function").items():
        yield f"aws_lambda_function.{lid}", ROOT_DELEGATION, _address(function.get("kms_key_arn"))
    # An EventBridge pipe reads its stream and sends to its queues as its own role: the source table's key and the
    # target's and dead-letter queue's keys are used through IAM (the account root statement).
    table_key = {
        f"aws_dynamodb_table.{lid}": _address((t.get("server_side_encryption") or {}).get("kms_key_arn"))
        for lid, t in of_type(stack, "aws_dynamodb_table").items()
    }
    for lid, pipe in of_type(stack, "aws_pipes_pipe").items():
        stream = (pipe.get("source_parameters") or {}).get("dynamodb_stream_parameters") or {}
        dead_letter = (stream.get("dead_letter_config") or {}).get("arn")
        for used in (
            table_key.get(_address(pipe.get("source"))),
            queue_key.get(_address(pipe.get("target"))),
            queue_key.get(_address(dead_letter)),
        ):
            yield f"aws_pipes_pipe.{lid}", ROOT_DELEGATION, used


def _allows(policy: dict, principal: str) -> bool:
    """An Allow statement for ``principal`` with encrypt/decrypt data-key actions and a source/context condition."""
    for statement in policy.get("Statement", []):
        if statement.get("Effect") != "Allow":
            continue
        principals = statement.get("Principal", {})
        if principal == ROOT_DELEGATION:
            aws = principals.get("AWS", []) if isinstance(principals, dict) else []
            aws = [aws] if isinstance(aws, str) else aws
            if any(re.search(r":root(\W|$)", a) for a in aws) and "kms:*" in statement.get("Action", []):
                return True
            continue
        services = principals.get("Service", []) if isinstance(principals, dict) else []
        services = [services] if isinstance(services, str) else services
        wanted = (
            re.compile(r"^logs\.[a-z0-9-]+\.amazonaws\.com$")
            if principal == LOGS_REGIONAL
            else re.compile(re.escape(principal) + "$")
        )
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        data_key = (
            any(a in ("kms:GenerateDataKey", "kms:GenerateDataKey*") for a in actions) or "kms:Decrypt" in actions
        )
        condition = json.dumps(statement.get("Condition", {}))
        guarded = any(k in condition for k in ("aws:SourceAccount", "aws:SourceArn", "kms:EncryptionContext"))
        if any(wanted.match(s) for s in services) and data_key and guarded:
            return True
    return False


def kms_key_user_problems(stacks: Stacks) -> list[str]:
    problems = []
    for stack_id, stack in stacks.items():
        keys = of_type(stack, "aws_kms_key")
        for user, usage, key in _key_uses(stack):
            if not key or not key.startswith("aws_kms_key."):
                continue
            policy = json.loads(keys[key.split(".", 1)[1]]["policy"])
            principal = PRINCIPALS.get(usage, usage)
            if not _allows(policy, principal):
                problems.append(
                    f"{stack_id}: {user} ({usage}) uses {key}, whose policy has no Allow for {principal} "
                    "with data-key actions and a source-account/ARN or encryption-context condition"
                )
    return problems


def test_kms_key_users_hold(all_stacks: Stacks) -> None:
    assert kms_key_user_problems(all_stacks) == []


def _drop_statement(sid: str):
    def mutate(stack: dict) -> None:
        for key in stack["resource"]["aws_kms_key"].values():
            policy = json.loads(key["policy"])
            policy["Statement"] = [s for s in policy["Statement"] if s.get("Sid") != sid]
            key["policy"] = json.dumps(policy)

    return mutate


def test_kms_key_users_catch_step_functions_log_delivery_missing(all_stacks: Stacks) -> None:
    problems = kms_key_user_problems(
        broken(all_stacks, "payment-dev", _drop_statement("AllowStepFunctionsLogDelivery"))
    )
    assert len(problems) == 1 and "state_machine_logging" in problems[0] and "delivery.logs" in problems[0]


def test_kms_key_users_catch_log_service_missing(all_stacks: Stacks) -> None:
    problems = kms_key_user_problems(broken(all_stacks, "payment-dev", _drop_statement("AllowCloudWatchLogs")))
    assert problems and all("(log_group)" in p for p in problems)


def test_kms_key_users_catch_a_pipe_whose_keys_do_not_delegate_to_iam(all_stacks: Stacks) -> None:
    def mutate(stack: dict) -> None:
        _drop_statement("EnableIamPoliciesOfThisAccount")(stack)

    problems = kms_key_user_problems(broken(all_stacks, "payment-dev", mutate))
    assert any(p.startswith("payment-dev: aws_pipes_pipe.") for p in problems), problems


def test_kms_key_users_catch_alarm_publisher_missing(all_stacks: Stacks) -> None:
    problems = kms_key_user_problems(broken(all_stacks, "payment-dev", _drop_statement("AllowAlarmAndEventPublishing")))
    assert problems and all("topic_alarm_publisher" in p for p in problems)
