"""Queues, topics, the Step Functions workflow, the batch-import trigger, alarms, dashboard and outputs."""

from __future__ import annotations

import json

from payment_infra.config import load_config
from tests.infra.synth_helpers import bucket_named, only, policy, ref, resources

P99 = {"dev": 1000, "staging": 1000, "prod": 500}


def _queue(stack: dict, name: str) -> tuple[str, dict]:
    (match,) = [(k, q) for k, q in resources(stack, "aws_sqs_queue").items() if q["name"] == name]
    return match


def test_fifo_queue_with_dlq_after_three_receives(stack: dict, env: str) -> None:
    dlq_key, dlq = _queue(stack, f"transaction-queue-dlq-{env}.fifo")
    _, queue = _queue(stack, f"transaction-queue-{env}.fifo")
    for q in (queue, dlq):
        assert q["fifo_queue"] is True and q["content_based_deduplication"] is True
        assert q["message_retention_seconds"] == 14 * 24 * 3600
        assert q["kms_master_key_id"].startswith("${aws_kms_key.")
    assert json.loads(queue["redrive_policy"]) == {
        "deadLetterTargetArn": ref("aws_sqs_queue", dlq_key, "arn"),
        "maxReceiveCount": 3,
    }
    assert queue["visibility_timeout_seconds"] >= 6 * 60


def test_only_the_settlement_queue_may_use_the_dlq_without_a_reference_cycle(stack: dict, env: str) -> None:
    """The allow policy is its own resource: on the DLQ it would make queue and DLQ reference each other."""
    dlq_key, dlq = _queue(stack, f"transaction-queue-dlq-{env}.fifo")
    queue_key, _ = _queue(stack, f"transaction-queue-{env}.fifo")
    assert "redrive_allow_policy" not in dlq
    allow = only(stack, "aws_sqs_queue_redrive_allow_policy")
    assert allow["queue_url"] == ref("aws_sqs_queue", dlq_key, "url")
    assert json.loads(allow["redrive_allow_policy"]) == {
        "redrivePermission": "byQueue",
        "sourceQueueArns": [ref("aws_sqs_queue", queue_key, "arn")],
    }


def test_every_queue_and_topic_is_tls_only(stack: dict) -> None:
    for rtype, field in (("aws_sqs_queue_policy", "policy"), ("aws_sns_topic_policy", "policy")):
        for resource in resources(stack, rtype).values():
            statements = policy(resource, field)["Statement"]
            assert any(
                s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
                for s in statements
            )
    assert len(resources(stack, "aws_sqs_queue_policy")) == len(resources(stack, "aws_sqs_queue")) == 4


def test_topics_encrypted_and_email_subscribed(stack: dict, env: str) -> None:
    topics = {t["name"]: t for t in resources(stack, "aws_sns_topic").values()}
    assert set(topics) == {f"payment-notifications-{env}", f"payment-alarms-{env}"}
    assert all(t["kms_master_key_id"].startswith("${aws_kms_key.") for t in topics.values())
    subscriptions = resources(stack, "aws_sns_topic_subscription").values()
    assert {(s["protocol"], s["endpoint"]) for s in subscriptions} == {("email", "admin@example.com")}
    assert len(subscriptions) == 2


def test_workflow_definition_logging_and_tracing(stack: dict, env: str) -> None:
    machine = only(stack, "aws_sfn_state_machine")
    assert machine["name"] == f"payment-processing-{env}"
    assert machine["tracing_configuration"] == {"enabled": True}
    assert machine["logging_configuration"]["level"] == "ALL"
    encryption = machine["encryption_configuration"]
    assert encryption["type"] == "CUSTOMER_MANAGED_KMS_KEY" and encryption["kms_key_id"].startswith("${aws_kms_key.")
    definition = json.loads(machine["definition"])
    states = definition["States"]
    tasks = [s for s in states.values() if s.get("Type") == "Task"]
    assert any("Retry" in s and "Catch" in s for s in tasks)
    assert any(s.get("Resource") == "arn:aws:states:::sns:publish" for s in tasks)
    role_key = machine["role_arn"].split(".")[1]
    trust = json.loads(resources(stack, "aws_iam_role")[role_key]["assume_role_policy"])["Statement"][0]
    assert (
        trust["Principal"] == {"Service": "states.amazonaws.com"}
        and "aws:SourceAccount" in trust["Condition"]["StringEquals"]
    )


def test_csv_upload_triggers_the_import_function(stack: dict, env: str) -> None:
    imports_key, _ = bucket_named(stack, "imports")
    (notification,) = [
        n
        for n in resources(stack, "aws_s3_bucket_notification").values()
        if n["bucket"] == ref("aws_s3_bucket", imports_key)
    ]
    (target,) = notification["lambda_function"]
    assert target["events"] == ["s3:ObjectCreated:*"]
    # One rule per client folder; the default configuration has the one client "default".
    assert (target["filter_prefix"], target["filter_suffix"]) == ("imports/default/", ".csv")
    permission = next(
        p for p in resources(stack, "aws_lambda_permission").values() if p["principal"] == "s3.amazonaws.com"
    )
    assert permission["source_arn"] == ref("aws_s3_bucket", imports_key, "arn") and "source_account" in permission


def _alarms(stack: dict) -> dict[str, dict]:
    return {a["alarm_name"]: a for a in resources(stack, "aws_cloudwatch_metric_alarm").values()}


def test_alarm_thresholds(stack: dict, env: str) -> None:
    alarms = _alarms(stack)
    topic = next(k for k, t in resources(stack, "aws_sns_topic").items() if t["name"] == f"payment-alarms-{env}")
    for alarm in alarms.values():
        assert alarm["alarm_actions"] == [ref("aws_sns_topic", topic, "arn")]
    for fn in resources(stack, "aws_lambda_function").values():
        short = fn["function_name"].removeprefix("payment-").removesuffix(f"-{env}")
        errors = alarms[f"payment-{short}-errors-{env}"]
        assert (errors["metric_name"], errors["threshold"], errors["period"]) == ("Errors", 1, 300)
        assert errors["comparison_operator"] == "GreaterThanOrEqualToThreshold"
    latency = alarms[f"payment-api-latency-p99-{env}"]
    assert (latency["extended_statistic"], latency["threshold"]) == ("p99", P99[env])
    rate = alarms[f"payment-api-5xx-rate-{env}"]
    assert rate["threshold"] == 1 and rate["comparison_operator"] == "GreaterThanThreshold"
    expression = next(q for q in rate["metric_query"] if q.get("return_data"))
    assert "100 * errors / requests" in expression["expression"]
    dlq = alarms[f"payment-dlq-not-empty-{env}"]
    dlq_key, _ = _queue(stack, f"transaction-queue-dlq-{env}.fifo")
    assert (dlq["metric_name"], dlq["threshold"], dlq["dimensions"]) == (
        "ApproximateNumberOfMessagesVisible", 1, {"QueueName": ref("aws_sqs_queue", dlq_key, "name")},
    )  # fmt: skip
    age = alarms[f"payment-queue-age-{env}"]
    assert (age["metric_name"], age["threshold"]) == ("ApproximateAgeOfOldestMessage", 300)
    table = next(
        k for k, t in resources(stack, "aws_dynamodb_table").items() if t["name"] == f"payment-transactions-{env}"
    )
    for kind in ("read", "write"):
        dimensions = alarms[f"payment-dynamodb-{kind}-throttles-{env}"]["dimensions"]
        assert dimensions == {"TableName": ref("aws_dynamodb_table", table, "name")}


def test_dashboard_covers_api_lambda_queue_and_table(stack: dict, env: str) -> None:
    dashboard = only(stack, "aws_cloudwatch_dashboard")
    assert dashboard["dashboard_name"] == f"payment-api-{env}"
    metrics = json.dumps(json.loads(dashboard["dashboard_body"]))
    for metric in ("5XXError", "4XXError", "Latency", "Errors", "Duration", "Throttles", "ApproximateAgeOfOldestMessage",
                   "ApproximateNumberOfMessagesVisible", "ReadThrottleEvents"):  # fmt: skip
        assert metric in metrics


def test_outputs_are_described(stack: dict) -> None:
    outputs = stack["output"]
    assert {"apigateway_url", "apigateway_api_key_id", "dynamodb_transactions_table_name", "s3_receipts_bucket_name",
            "s3_imports_bucket_name", "s3_logs_bucket_name", "sqs_transaction_queue_url", "sns_notifications_topic_arn",
            "sns_alarms_topic_arn", "cloudwatch_dashboard_url"} <= set(outputs)  # fmt: skip
    assert all(o["description"] for o in outputs.values())


# --- the settlement workflow: started by the consumer, least privilege, watched ------------------------------


def _machine(stack: dict) -> tuple[str, dict]:
    (item,) = resources(stack, "aws_sfn_state_machine").items()
    return item


def _function_key(stack: dict, env: str, short: str) -> str:
    return next(
        k for k, f in resources(stack, "aws_lambda_function").items() if f["function_name"] == f"payment-{short}-{env}"
    )


def test_consumer_starts_the_state_machine_and_nothing_else(stack: dict, env: str) -> None:
    machine_key, _ = _machine(stack)
    consumer = resources(stack, "aws_lambda_function")[_function_key(stack, env, "settlement")]
    assert consumer["environment"]["variables"]["STATE_MACHINE_ARN"] == ref("aws_sfn_state_machine", machine_key, "arn")
    role_key = consumer["role"].split(".")[1]
    (attached,) = [
        p for p in resources(stack, "aws_iam_role_policy").values() if p["role"] == ref("aws_iam_role", role_key)
    ]
    statements = policy(attached)["Statement"]
    named = [s for s in statements if any("aws_sfn_state_machine" in r for r in _as_list(s["Resource"]))]
    assert [(s["Action"], s["Resource"]) for s in named] == [
        (["states:StartExecution"], [ref("aws_sfn_state_machine", machine_key, "arn")])
    ]
    actions = {a for s in statements for a in _as_list(s["Action"])}
    assert not {a for a in actions if a.split(":")[0] in ("dynamodb", "s3", "sns", "lambda")}
    assert "states:StartExecution" in actions and not {
        a for a in actions if a.startswith("states:") and a != "states:StartExecution"
    }
    kms = next(s for s in statements if s.get("Sid") == "StateMachineArnKms")
    assert kms["Action"] == ["kms:GenerateDataKey"] and kms["Resource"] == [
        _machine(stack)[1]["encryption_configuration"]["kms_key_id"]
    ]
    assert kms["Condition"] == {
        "StringEquals": {"kms:ViaService": f"states.{stack['provider']['aws'][0]['region']}.amazonaws.com"}
    }


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def test_state_machine_role_invokes_its_two_functions_and_publishes_to_its_topic_only(stack: dict, env: str) -> None:
    _, machine = _machine(stack)
    role_key = machine["role_arn"].split(".")[1]
    (attached,) = [
        p for p in resources(stack, "aws_iam_role_policy").values() if p["role"] == ref("aws_iam_role", role_key)
    ]
    statements = {s["Sid"]: s for s in policy(attached)["Statement"]}
    validate, process = (_function_key(stack, env, n) for n in ("workflow-validate", "workflow-process"))
    invoke = statements["InvokeStepFunctions"]
    assert invoke["Action"] == ["lambda:InvokeFunction"]
    assert set(invoke["Resource"]) == {
        ref("aws_lambda_function", k, "arn") + suffix for k in (validate, process) for suffix in ("", ":*")
    }
    topic = next(k for k, t in resources(stack, "aws_sns_topic").items() if t["name"] == f"payment-notifications-{env}")
    assert statements["PublishOutcome"]["Resource"] == [ref("aws_sns_topic", topic, "arn")]
    lambda_or_sns = [
        s for s in statements.values() if any(a.startswith(("lambda:", "sns:")) for a in _as_list(s["Action"]))
    ]
    assert len(lambda_or_sns) == 2
    definition = json.loads(machine["definition"])
    used = {
        s["Parameters"].get("FunctionName")
        for s in definition["States"].values()
        if s.get("Resource", "").endswith("lambda:invoke")
    }
    assert used == {ref("aws_lambda_function", validate, "arn"), ref("aws_lambda_function", process, "arn")}
    topics = {
        s["Parameters"]["TopicArn"]
        for s in definition["States"].values()
        if s.get("Resource", "").endswith("sns:publish")
    }
    assert topics == {ref("aws_sns_topic", topic, "arn")}


def _reachable(stack: dict, start: str) -> set[str]:
    """Every resource ``start`` depends on, directly or not, through ``${type.name...}`` references."""
    import re

    pattern = re.compile(r"\$\{(aws_[a-z0-9_]+)\.([A-Za-z0-9_]+)[.}]")
    nodes = {f"{t}.{k}": r for t, group in stack["resource"].items() for k, r in group.items()}
    seen: set[str] = set()
    todo = [start]
    while todo:
        for t, k in pattern.findall(json.dumps(nodes[todo.pop()])):
            target = f"{t}.{k}"
            if target in nodes and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_consumer_state_machine_and_workflow_functions_form_no_reference_cycle(stack: dict, env: str) -> None:
    # The whole-graph cycle rule lives in tests/apply_rules; this pins the edges this wiring added.
    machine = f"aws_sfn_state_machine.{_machine(stack)[0]}"
    consumer = f"aws_lambda_function.{_function_key(stack, env, 'settlement')}"
    workflow = {
        f"aws_lambda_function.{_function_key(stack, env, n)}" for n in ("workflow-validate", "workflow-process")
    }
    assert machine in _reachable(stack, consumer)
    assert workflow <= _reachable(stack, machine)
    for node in (machine, consumer, *workflow):
        assert node not in _reachable(stack, node), f"{node} depends on itself"
    assert consumer not in _reachable(stack, machine)
    broken = json.loads(json.dumps(stack))
    _machine(broken)[1]["tags"] = {"consumer": ref("aws_lambda_function", consumer.split(".")[1], "arn")}
    assert machine in _reachable(broken, machine)  # the check catches a state machine that names its own starter


def test_failed_and_timed_out_executions_alarm(stack: dict, env: str) -> None:
    machine_key, _ = _machine(stack)
    alarms = _alarms(stack)
    for metric, name in (("ExecutionsFailed", "failed"), ("ExecutionsTimedOut", "timed-out")):
        alarm = alarms[f"payment-workflow-executions-{name}-{env}"]
        assert (alarm["namespace"], alarm["metric_name"], alarm["statistic"], alarm["threshold"]) == (
            "AWS/States",
            metric,
            "Sum",
            1,
        )
        assert alarm["dimensions"] == {"StateMachineArn": ref("aws_sfn_state_machine", machine_key, "arn")}
        assert alarm["comparison_operator"] == "GreaterThanOrEqualToThreshold"
        assert "docs/operations.md" in alarm["alarm_description"]


def test_dashboard_shows_workflow_executions(stack: dict) -> None:
    machine_key, _ = _machine(stack)
    widgets = json.loads(only(stack, "aws_cloudwatch_dashboard")["dashboard_body"])["widgets"]
    (executions,) = [w for w in widgets if w["properties"]["title"] == "Settlement workflow executions"]
    metrics = {m[1]: m for m in executions["properties"]["metrics"]}
    assert set(metrics) == {"ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut"}
    assert all(m[2:] == ["StateMachineArn", ref("aws_sfn_state_machine", machine_key, "arn")] for m in metrics.values())


def test_consumer_reaches_step_functions_through_the_vpc_interface_endpoint(stack: dict, env: str) -> None:
    region = stack["provider"]["aws"][0]["region"]
    consumer = resources(stack, "aws_lambda_function")[_function_key(stack, env, "settlement")]
    (endpoint,) = [
        e
        for e in resources(stack, "aws_vpc_endpoint").values()
        if e["service_name"] == f"com.amazonaws.{region}.states"
    ]
    assert endpoint["vpc_endpoint_type"] == "Interface" and endpoint["private_dns_enabled"] is True
    # in the first endpoint_az_count of the consumer's subnets (reached across AZs from the others)
    assert set(endpoint["subnet_ids"]) <= set(consumer["vpc_config"]["subnet_ids"])
    assert len(endpoint["subnet_ids"]) == load_config(env, {}).endpoint_az_count
