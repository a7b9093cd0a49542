"""Apply-time rules of the settlement feed's resource types: EventBridge pipes, DynamoDB streams, scheduled rules.

What the provider validates beyond the schema and what the services refuse or silently mis-run at apply time:

- ``aws_pipes_pipe`` (terraform-provider-aws ``internal/service/pipes``; EventBridge Pipes user guide): ``name``
  1-64 characters of ``[.\\-_A-Za-z0-9]``; a DynamoDB stream source needs ``starting_position`` (``TRIM_HORIZON``
  or ``LATEST``), ``batch_size`` 1-10,000, ``maximum_retry_attempts`` -1-10,000, ``maximum_record_age_in_seconds``
  -1 or 60-604,800, at most 5 filters of at most 4,096 characters each (valid JSON, or nothing matches); its
  dead-letter target is an SQS standard queue or an SNS topic (a stream source cannot dead-letter to FIFO); an SQS
  FIFO target needs ``message_group_id``; the pipe's role must be assumable by ``pipes.amazonaws.com`` and allow
  what the pipe does (read the stream, send to the target and the DLQ, use their keys), or the pipe fails to
  start (``CREATE_FAILED``) or fails every batch.
- ``aws_dynamodb_table``: ``stream_enabled`` needs ``stream_view_type`` (``KEYS_ONLY``, ``NEW_IMAGE``,
  ``OLD_IMAGE``, ``NEW_AND_OLD_IMAGES``); a pipe whose filter or template reads ``NewImage`` needs a view that
  carries it, or every record is filtered out silently.
- ``aws_cloudwatch_event_rule``: ``name`` 1-64 of ``[.\\-_A-Za-z0-9]``; ``schedule_expression`` at most 256
  characters, ``rate(1 minute)``/``rate(N minutes)`` (singular only for 1) or ``cron(...)``, and only on the
  default bus; a Lambda target runs only if a ``aws_lambda_permission`` lets ``events.amazonaws.com`` invoke it
  from that rule (``source_arn``).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.apply_rules.support import REFERENCE, Stacks, broken, of_type
from tests.security.support import as_list

NAME = re.compile(r"^[.\-_A-Za-z0-9]{1,64}$")
STARTING_POSITIONS = {"TRIM_HORIZON", "LATEST"}
STREAM_VIEW_TYPES = {"KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"}
RATE = re.compile(r"^rate\((1 (minute|hour|day)|([2-9]|[1-9]\d+) (minutes|hours|days))\)$")
CRON = re.compile(r"^cron\(\S+( \S+){5}\)$")
STREAM_READ = {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"}


def _one(block: Any) -> dict[str, Any]:
    if isinstance(block, list):
        return block[0] if block else {}
    return block or {}


def _address(value: Any) -> str | None:
    match = REFERENCE.search(value) if isinstance(value, str) else None
    return match["address"] if match else None


def _body(stack: dict, address: str | None) -> dict[str, Any] | None:
    if not address:
        return None
    rtype, lid = address.split(".", 1)
    return of_type(stack, rtype).get(lid)


def _role_statements(stack: dict, role_address: str) -> list[dict[str, Any]]:
    lid = role_address.split(".", 1)[1]
    found = []
    for policy in of_type(stack, "aws_iam_role_policy").values():
        if _address(policy.get("role")) == f"aws_iam_role.{lid}":
            found += json.loads(policy["policy"])["Statement"]
    return found


def _allowed(statements: list[dict[str, Any]], action: str, resource_address: str | None) -> bool:
    """An Allow of ``action`` on a resource that references ``resource_address``."""
    for statement in statements:
        if statement.get("Effect") != "Allow" or action not in as_list(statement.get("Action")):
            continue
        if any(_address(resource) == resource_address for resource in as_list(statement.get("Resource"))):
            return True
    return False


def _key_of(stack: dict, address: str | None) -> str | None:
    body = _body(stack, address) or {}
    if address and address.startswith("aws_dynamodb_table."):
        return _address((body.get("server_side_encryption") or {}).get("kms_key_arn"))
    return _address(body.get("kms_master_key_id"))


def _pipe_problems(stack_id: str, lid: str, pipe: dict[str, Any], stack: dict) -> list[str]:
    where = f"{stack_id}: aws_pipes_pipe.{lid}"
    problems = []
    if not NAME.match(str(pipe.get("name", ""))):
        problems.append(f"{where}: name {pipe.get('name')!r} must be 1-64 characters of [.-_A-Za-z0-9]")
    source_parameters = _one(pipe.get("source_parameters"))
    stream = _one(source_parameters.get("dynamodb_stream_parameters"))
    source = str(pipe.get("source", ""))
    reads_new_image = "NewImage" in json.dumps(
        [source_parameters.get("filter_criteria"), pipe.get("target_parameters")]
    )
    # A standby's pipe reads its replica's stream: the primary's table configures it (test_disaster_recovery.py).
    if source.endswith(".stream_arn}") and not source.startswith("${data."):
        table = _body(stack, _address(source)) or {}
        view = table.get("stream_view_type")
        if not table.get("stream_enabled"):
            problems.append(f"{where}: its source table has no stream (stream_enabled)")
        elif reads_new_image and view not in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"):
            problems.append(f"{where}: reads NewImage but the table's stream_view_type is {view!r}")
        if not stream:
            problems.append(f"{where}: a DynamoDB stream source needs dynamodb_stream_parameters")
    if stream:
        if stream.get("starting_position") not in STARTING_POSITIONS:
            problems.append(
                f"{where}: starting_position {stream.get('starting_position')!r} must be one of "
                f"{sorted(STARTING_POSITIONS)}"
            )
        for field, low, high in (("batch_size", 1, 10_000), ("maximum_retry_attempts", -1, 10_000)):
            if field in stream and not low <= int(stream[field]) <= high:
                problems.append(f"{where}: {field} {stream[field]} must be from {low} to {high}")
        age = stream.get("maximum_record_age_in_seconds")
        if age is not None and not (int(age) == -1 or 60 <= int(age) <= 604_800):
            problems.append(f"{where}: maximum_record_age_in_seconds {age} must be -1 or 60-604800")
        dlq = _address(_one(stream.get("dead_letter_config")).get("arn"))
        dlq_body = _body(stack, dlq) or {}
        if dlq and dlq.startswith("aws_sqs_queue.") and dlq_body.get("fifo_queue"):
            problems.append(f"{where}: the dead-letter target {dlq} is FIFO; a stream source needs a standard queue")
    filters = _one(source_parameters.get("filter_criteria")).get("filter") or []
    if len(filters) > 5:
        problems.append(f"{where}: {len(filters)} filters, at most 5")
    for item in filters:
        pattern = item.get("pattern", "")
        if not 1 <= len(pattern) <= 4096:
            problems.append(f"{where}: a filter pattern must be 1-4096 characters")
        try:
            json.loads(pattern)
        except ValueError:
            problems.append(f"{where}: filter pattern {pattern[:60]!r} is not JSON")
    target = _address(pipe.get("target"))
    target_body = _body(stack, target) or {}
    sqs_parameters = _one(_one(pipe.get("target_parameters")).get("sqs_queue_parameters"))
    if target_body.get("fifo_queue") and not sqs_parameters.get("message_group_id"):
        problems.append(f"{where}: its target {target} is FIFO and needs sqs_queue_parameters.message_group_id")
    problems += _pipe_role_problems(where, pipe, stack, target, stream)
    return problems


def _pipe_role_problems(
    where: str, pipe: dict[str, Any], stack: dict, target: str | None, stream: dict[str, Any]
) -> list[str]:
    role = _address(pipe.get("role_arn"))
    if not role or not role.startswith("aws_iam_role."):
        return [f"{where}: role_arn must name a role of this stack"]
    problems = []
    trust = json.loads((_body(stack, role) or {}).get("assume_role_policy", "{}"))
    if not any(
        "pipes.amazonaws.com" in as_list((s.get("Principal") or {}).get("Service")) for s in trust.get("Statement", [])
    ):
        problems.append(f"{where}: its role {role} cannot be assumed by pipes.amazonaws.com")
    statements = _role_statements(stack, role)
    source = _address(pipe.get("source"))
    needs = [(action, source) for action in sorted(STREAM_READ)] + [("sqs:SendMessage", target)]
    dlq = _address(_one(stream.get("dead_letter_config")).get("arn"))
    if dlq:
        needs.append(("sqs:SendMessage", dlq))
    needs.append(("kms:Decrypt", _key_of(stack, source)))
    for queue in (target, dlq):
        key = _key_of(stack, queue)
        if key:
            needs += [("kms:GenerateDataKey", key), ("kms:Decrypt", key)]
    for action, resource in needs:
        if resource and not _allowed(statements, action, resource):
            problems.append(f"{where}: its role {role} does not allow {action} on {resource}")
    return problems


def settlement_feed_problems(stacks: Stacks) -> list[str]:
    problems = []
    for stack_id, stack in stacks.items():
        for lid, table in of_type(stack, "aws_dynamodb_table").items():
            if table.get("stream_enabled") and table.get("stream_view_type") not in STREAM_VIEW_TYPES:
                problems.append(
                    f"{stack_id}: aws_dynamodb_table.{lid}: stream_enabled needs stream_view_type, one of "
                    f"{sorted(STREAM_VIEW_TYPES)} (got {table.get('stream_view_type')!r})"
                )
        for lid, pipe in of_type(stack, "aws_pipes_pipe").items():
            problems += _pipe_problems(stack_id, lid, pipe, stack)
        problems += _rule_problems(stack_id, stack)
    return problems


def _rule_problems(stack_id: str, stack: dict) -> list[str]:
    problems = []
    rules = of_type(stack, "aws_cloudwatch_event_rule")
    for lid, rule in rules.items():
        where = f"{stack_id}: aws_cloudwatch_event_rule.{lid}"
        if not NAME.match(str(rule.get("name", ""))):
            problems.append(f"{where}: name {rule.get('name')!r} must be 1-64 characters of [.-_A-Za-z0-9]")
        expression = rule.get("schedule_expression")
        if expression is not None:
            if len(expression) > 256 or not (RATE.match(expression) or CRON.match(expression)):
                problems.append(
                    f"{where}: schedule_expression {expression!r} is not rate(1 minute), rate(N minutes) "
                    "(N > 1) or cron(6 fields)"
                )
            if rule.get("event_bus_name") not in (None, "default"):
                problems.append(f"{where}: a schedule runs only on the default event bus")
    permissions = list(of_type(stack, "aws_lambda_permission").values())
    for lid, target in of_type(stack, "aws_cloudwatch_event_target").items():
        function = _address(target.get("arn"))
        rule = _address(target.get("rule"))
        if not function or not function.startswith("aws_lambda_function."):
            continue
        allowed = any(
            p.get("principal") == "events.amazonaws.com"
            and p.get("action") == "lambda:InvokeFunction"
            and _address(p.get("source_arn")) == rule
            and _address(p.get("function_name")) == function
            for p in permissions
        )
        if not allowed:
            problems.append(
                f"{stack_id}: aws_cloudwatch_event_target.{lid}: no aws_lambda_permission lets "
                f"events.amazonaws.com invoke {function} from {rule}"
            )
    return problems


def test_settlement_feed_resources_apply(all_stacks: Stacks) -> None:
    assert settlement_feed_problems(all_stacks) == []
    baselines = ("payment-account", "payment-account-dr")
    assert all(of_type(stack, "aws_pipes_pipe") for stack_id, stack in all_stacks.items() if stack_id not in baselines)


def _first(stack: dict, rtype: str) -> dict[str, Any]:
    return next(iter(of_type(stack, rtype).values()))


def _streamed_table(stack: dict) -> dict[str, Any]:
    return _body(stack, _address(_first(stack, "aws_pipes_pipe")["source"]))


def _pipe_stream(stack: dict) -> dict[str, Any]:
    return _one(_one(_first(stack, "aws_pipes_pipe")["source_parameters"])["dynamodb_stream_parameters"])


def _drop_role_action(action: str):
    def mutate(stack: dict) -> None:
        pipe_role = _address(_first(stack, "aws_pipes_pipe")["role_arn"])
        for policy in of_type(stack, "aws_iam_role_policy").values():
            if _address(policy.get("role")) == pipe_role:
                document = json.loads(policy["policy"])
                for statement in document["Statement"]:
                    statement["Action"] = [a for a in as_list(statement["Action"]) if a != action]
                document["Statement"] = [s for s in document["Statement"] if s["Action"]]
                policy["policy"] = json.dumps(document)

    return mutate


def _set(getter, field: str, value: Any):
    def mutate(stack: dict) -> None:
        block = getter(stack)
        if value is None:
            block.pop(field, None)
        else:
            block[field] = value

    return mutate


def _fifo_pipe_dlq(stack: dict) -> None:
    dlq = _address(_one(_pipe_stream(stack)["dead_letter_config"])["arn"])
    _body(stack, dlq)["fifo_queue"] = True


def _no_group_id(stack: dict) -> None:
    _one(_one(_first(stack, "aws_pipes_pipe")["target_parameters"])["sqs_queue_parameters"]).pop("message_group_id")


def _no_permission(stack: dict) -> None:
    stack["resource"]["aws_lambda_permission"] = {
        lid: p
        for lid, p in of_type(stack, "aws_lambda_permission").items()
        if p.get("principal") != "events.amazonaws.com"
    }


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (_set(_pipe_stream, "starting_position", None), "starting_position None"),
        (_set(_pipe_stream, "starting_position", "AT_TIMESTAMP"), "starting_position 'AT_TIMESTAMP'"),
        (_set(_pipe_stream, "batch_size", 10_001), "batch_size 10001"),
        (_set(_pipe_stream, "maximum_record_age_in_seconds", 30), "maximum_record_age_in_seconds 30"),
        (_fifo_pipe_dlq, "is FIFO; a stream source needs a standard queue"),
        (_no_group_id, "needs sqs_queue_parameters.message_group_id"),
        (_set(lambda s: _first(s, "aws_pipes_pipe"), "name", "payment settlement feed"), "must be 1-64 characters"),
        (_set(_streamed_table, "stream_view_type", "KEYS_ONLY"), "reads NewImage"),
        (_set(_streamed_table, "stream_view_type", None), "stream_enabled needs"),
        (_drop_role_action("dynamodb:GetRecords"), "does not allow dynamodb:GetRecords"),
        (_drop_role_action("kms:GenerateDataKey"), "does not allow kms:GenerateDataKey"),
        (
            _set(lambda s: _first(s, "aws_cloudwatch_event_rule"), "schedule_expression", "rate(5 minute)"),
            "is not rate(1 minute)",
        ),
        (
            _set(lambda s: _first(s, "aws_cloudwatch_event_rule"), "schedule_expression", "rate(1 minutes)"),
            "is not rate(1 minute)",
        ),
        (_no_permission, "no aws_lambda_permission lets events.amazonaws.com"),
    ],
)
def test_settlement_feed_rules_catch_a_broken_stack(all_stacks: Stacks, mutate, expected: str) -> None:
    problems = settlement_feed_problems(broken(all_stacks, "payment-dev", mutate))
    assert any(expected in problem and problem.startswith("payment-dev") for problem in problems), problems
