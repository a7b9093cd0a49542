"""Each function's role allows every AWS call its code makes, and nothing more.

The calls are measured, not declared: the emulator checks and records every call a handler makes
(``payment_local.iam``) while ``recorded_calls`` (conftest) runs every path of the API once. To those the rule
adds what Lambda itself does with the execution role, read from each function's configuration in the stack
(Lambda developer guide, "Lambda execution role" and the AWS managed policies it names):

- ``logging_config.log_group``: create streams in and write to that group;
- ``tracing_config.mode = Active``: send X-Ray segments and telemetry;
- ``vpc_config``: manage its network interfaces (AWSLambdaVPCAccessExecutionRole);
- ``kms_key_arn``: decrypt the environment variables with that key;
- ``dead_letter_config``: send failed asynchronous events to that queue;
- an SQS event source mapping: receive, delete and read the attributes of that queue
  (AWSLambdaSQSQueueExecutionRole).

Every call on a resource protected by a customer managed key also needs, on that key, the KMS actions of
``payment_infra.permissions.CALLER_KMS_ACTIONS`` (DynamoDB's with ``kms:ViaService``).

A call a library makes only on a path no emulator can reach is declared in ``LIBRARY_CALLS`` with its reason.

Covered: every need is allowed by the role (``payment_local.iam.decision``, as AWS evaluates it). No more: each
action on each resource of each statement serves at least one need. Per-client resources (``imports/<client>/``)
recorded for the emulator's client are expected for every client of the stack.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from payment_infra.constructs.compute import CONSUME_ACTIONS as ESM_SQS_ACTIONS
from payment_infra.permissions import CALLER_KMS_ACTIONS, ENI_ACTIONS, XRAY_ACTIONS
from payment_local.iam import ALLOW, Request, decision, role_statements, statement_matches
from tests.apply_rules.support import Stacks, broken, of_type
from tests.security.support import as_list, encryption_key, single_ref

LOG_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")
# Calls the code (or a library it runs) makes only on a path the emulator cannot reach, per handler:
# (action, the environment variable naming the resource, path below it with {client} per client, why).
UNREACHED_CALLS: Mapping[str, tuple[tuple[str, str, str, str], ...]] = {
    "payments.handlers.transactions.handler": (
        (
            "dynamodb:GetItem",
            "IDEMPOTENCY_TABLE",
            "",
            "Powertools idempotency reads the record only when a failed "
            "conditional put returns no old item; DynamoDB (and moto) return it",
        ),
    ),
    "payments.handlers.batch_import.handler": (
        (
            "s3:GetObject",
            "IMPORT_BUCKET",
            "/imports/{client}/file.csv",
            "an S3 event without a versionId (an object "
            "written before the bucket's versioning took effect); the emulator's bucket is versioned from the start",
        ),
    ),
}
# The only wildcards a resource may carry: every resource (actions AWS cannot scope; tests/security holds which),
# a table's indexes, the streams of a log group, and objects below a named folder of a bucket.
# (a standby's receipts bucket is named by ARN: the replica another stack makes, docs/disaster-recovery.md)
ALLOWED_WILDCARDS = re.compile(
    r"\*|.+/index/\*|arn:aws:logs:.+:log-group:[^*]+:\*|\$\{aws_s3_bucket\.[^}]+\}/[^*]+/\*|arn:aws:s3:::[^*/]+/[^*]+/\*"
)
VIA_SERVICE = {"aws_dynamodb_table": "dynamodb", "aws_sfn_state_machine": "states"}
_VARIABLE_REF = re.compile(r"\$\{(?:data\.)?(?P<rtype>aws_[a-z0-9_]+)\.(?P<lid>[A-Za-z0-9_-]+)\.[a-z_]+\}")
_ARN_REF = re.compile(r"\$\{(?P<rtype>aws_[a-z0-9_]+)\.(?P<lid>[A-Za-z0-9_-]+)\.arn\}")


@dataclass(frozen=True)
class Need:
    """One (action, resource) the role must allow, with the request context AWS would evaluate it in."""

    action: str
    resource: str
    why: str
    context: tuple[tuple[str, str], ...] = field(default=(), compare=False)


def _region(stack: dict) -> str:
    return stack["provider"]["aws"][0]["region"]


def _stack_clients(function: dict) -> list[str]:
    clients = (function.get("environment") or {}).get("variables", {}).get("API_CLIENTS")
    return sorted(json.loads(clients)) if clients else []


@dataclass(frozen=True)
class Elsewhere:
    """A resource a standby reads but another stack made: its name in this stack and the key protecting it."""

    resource: str
    key: str
    rtype: str


def standby_resources(stack: dict) -> dict[str, Elsewhere]:
    """``{the workload's reference (the primary's): Elsewhere}`` for a standby (docs/disaster-recovery.md): its
    tables are the replicas (data sources), its receipts bucket the replica (a name). Empty for other stacks."""
    data = stack.get("data", {})
    if not data.get("aws_dynamodb_table"):
        return {}
    keys = {lid: f"${{data.aws_kms_key.{lid}.arn}}" for lid in data.get("aws_kms_key", {})}
    (table_key,) = [key for lid, key in keys.items() if lid.startswith("payment_api_kms_")]
    (receipts_key,) = [key for lid, key in keys.items() if lid.startswith("payment_api_storage_receipts_key")]
    found = {
        f"${{aws_dynamodb_table.{lid}.arn}}": Elsewhere(f"${{data.aws_dynamodb_table.{lid}.arn}}", table_key,
                                                        "aws_dynamodb_table")
        for lid in data["aws_dynamodb_table"]
    }  # fmt: skip
    for function in of_type(stack, "aws_lambda_function").values():
        name = (function.get("environment") or {}).get("variables", {}).get("RECEIPTS_BUCKET")
        if name:
            found[f"${{aws_s3_bucket.{RECEIPTS_BUCKET_LID}.arn}}"] = Elsewhere(f"arn:aws:s3:::{name}", receipts_key,
                                                                                 "aws_s3_bucket")  # fmt: skip
    return found


RECEIPTS_BUCKET_LID = "payment_api_storage_receipts_bucket_3DD5264E"  # the same construct path in every stack


def _in_stack(stack: dict, resource: str) -> tuple[str, Elsewhere | None]:
    """``resource`` as ``stack`` names it (a standby's replicas differ), and where it lives if elsewhere."""
    for reference, elsewhere in standby_resources(stack).items():
        if resource.startswith(reference):
            return elsewhere.resource + resource[len(reference) :], elsewhere
    return resource, None


def _kms_needs(stack: dict, action: str, resource: str, why: str, elsewhere: Elsewhere | None = None) -> list[Need]:
    if elsewhere is not None:
        context = ()
        if elsewhere.rtype in VIA_SERVICE:
            context = (("kms:ViaService", f"{VIA_SERVICE[elsewhere.rtype]}.{_region(stack)}.amazonaws.com"),)
        return [
            Need(kms, elsewhere.key, f"{why}: {action} on a resource the key protects", context)
            for kms in CALLER_KMS_ACTIONS[action]
        ]
    match = _ARN_REF.match(resource)
    if match is None or match["rtype"] == "aws_kms_key":
        return []
    key = encryption_key(stack, match["rtype"], match["lid"])
    if not key or key.startswith("alias/aws/"):
        return []
    context: tuple[tuple[str, str], ...] = ()
    if match["rtype"] in VIA_SERVICE:
        context = (("kms:ViaService", f"{VIA_SERVICE[match['rtype']]}.{_region(stack)}.amazonaws.com"),)
    return [
        Need(kms, key, f"{why}: {action} on a resource the key protects", context) for kms in CALLER_KMS_ACTIONS[action]
    ]


def platform_needs(stack: dict, lid: str, function: dict) -> list[tuple[str, str, str]]:
    """(action, resource, why) of what Lambda does with the role, from the function's configuration."""
    needs: list[tuple[str, str, str]] = []
    group = single_ref(function["logging_config"]["log_group"])
    group_name = of_type(stack, "aws_cloudwatch_log_group")[group[1]]["name"]
    account = next(iter(stack["data"]["aws_caller_identity"]))
    log_arn = (
        f"arn:aws:logs:{_region(stack)}:${{data.aws_caller_identity.{account}.account_id}}:log-group:{group_name}:*"
    )
    needs += [(a, log_arn, "logging_config") for a in LOG_ACTIONS]
    if (function.get("tracing_config") or {}).get("mode") == "Active":
        needs += [(a, "*", "tracing_config") for a in XRAY_ACTIONS]
    if function.get("vpc_config"):
        needs += [(a, "*", "vpc_config") for a in ENI_ACTIONS]
    if function.get("kms_key_arn"):
        needs.append(("kms:Decrypt", function["kms_key_arn"], "kms_key_arn (environment variables)"))
    target = (function.get("dead_letter_config") or {}).get("target_arn")
    if target:
        needs.append(("sqs:SendMessage", target, "dead_letter_config"))
    for mapping in of_type(stack, "aws_lambda_event_source_mapping").values():
        if mapping["function_name"] in (
            f"${{aws_lambda_function.{lid}.arn}}",
            f"${{aws_lambda_function.{lid}.function_name}}",
        ):
            needs += [(a, mapping["event_source_arn"], "SQS event source mapping") for a in ESM_SQS_ACTIONS]
    return needs


def function_needs(stack: dict, lid: str, function: dict, calls: Sequence[Mapping[str, str]]) -> list[Need]:
    """Everything the role of one function must allow: its code's calls, Lambda's use, and their keys."""
    pairs = platform_needs(stack, lid, function)
    clients = _stack_clients(function)
    for call in calls:
        if call["handler"] != function["handler"]:
            continue
        resources = [call["resource"]]
        recorded_client = call.get("client")
        if recorded_client and f"/{recorded_client}/" in call["resource"]:
            assert clients, f"{function['function_name']}: a per-client call, but no API_CLIENTS to expand it for"
            resources = [call["resource"].replace(f"/{recorded_client}/", f"/{c}/") for c in clients]
        pairs += [(call["action"], resource, "its code") for resource in resources]
    variables = (function.get("environment") or {}).get("variables", {})
    for action, variable, path, why in UNREACHED_CALLS.get(function["handler"], ()):
        # the primary's reference (a standby's replica is a data source of the same construct path: _in_stack)
        rtype, resource_lid = _VARIABLE_REF.fullmatch(variables[variable]).group("rtype", "lid")
        paths = [path.format(client=c) for c in clients] if "{client}" in path else [path]
        pairs += [
            (action, f"${{{rtype}.{resource_lid}.arn}}{p}", f"a path the workload cannot reach ({why})") for p in paths
        ]
    placed = [(action, *_in_stack(stack, resource), why) for action, resource, why in pairs]
    needs = [Need(action, resource, why) for action, resource, _, why in placed]
    for action, resource, elsewhere, why in placed:
        needs += _kms_needs(stack, action, resource, why, elsewhere)
    return needs


def iam_problems(stacks: Stacks, recorded: Mapping[str, Any]) -> list[str]:
    problems = []
    calls = recorded["calls"]
    for stack_id, stack in sorted(stacks.items()):
        for lid, function in sorted(of_type(stack, "aws_lambda_function").items()):
            name = function["function_name"]
            statements = role_statements(stack, function["role"])
            needs = function_needs(stack, lid, function, calls)
            if function["handler"] not in recorded["invocations"]:
                problems.append(f"{stack_id} {name}: the workload never invoked {function['handler']}")
            for need in needs:
                verdict = decision(statements, Request(need.action, need.resource), dict(need.context))
                if verdict != ALLOW:
                    problems.append(f"{stack_id} {name}: {need.action} on {need.resource} ({need.why}): {verdict}")
            for statement in statements:
                if statement["Effect"] != "Allow":
                    continue
                for action in as_list(statement["Action"]):
                    if "*" in action or "?" in action:
                        problems.append(f"{stack_id} {name}: {statement.get('Sid')} allows {action}: name each action")
                    for resource in as_list(statement["Resource"]):
                        if ("*" in resource or "?" in resource) and not ALLOWED_WILDCARDS.fullmatch(resource):
                            problems.append(
                                f"{stack_id} {name}: {statement.get('Sid')} allows {action} on {resource}, "
                                "wider than any one resource or folder"
                            )
                        single = {**statement, "Action": [action], "Resource": [resource]}
                        if not any(
                            statement_matches(single, Request(n.action, n.resource), dict(n.context)) for n in needs
                        ):
                            problems.append(
                                f"{stack_id} {name}: {statement.get('Sid')} allows {action} on "
                                f"{resource}, which nothing it does needs"
                            )
    return problems


def _function_stacks(all_stacks: Stacks) -> dict[str, dict]:
    return {sid: s for sid, s in all_stacks.items() if of_type(s, "aws_lambda_function")}


def test_every_function_role_allows_exactly_what_its_code_and_lambda_do(
    all_stacks: Stacks, recorded_calls: dict[str, Any]
) -> None:
    stacks = _function_stacks(all_stacks)
    assert len(stacks) >= 3
    problems = iam_problems(stacks, recorded_calls)
    assert not problems, "\n".join(problems)


def test_no_call_of_the_workload_was_denied(recorded_calls: dict[str, Any]) -> None:
    denied = [c for c in recorded_calls["calls"] if c["decision"] != ALLOW]
    assert not denied, denied


# --- the rule catches each kind of mistake on a deliberately broken stack --------------------------------------


def _edit_statement(stack: dict, function_name: str, sid: str, edit) -> None:
    """Replace the statement ``sid`` of the role of the function named ``function_name…`` by ``edit(statement)``
    (``None`` drops it)."""
    function = next(
        f for f in of_type(stack, "aws_lambda_function").values() if f["function_name"].startswith(function_name)
    )
    role = single_ref(function["role"])[1]
    for policy in of_type(stack, "aws_iam_role_policy").values():
        if single_ref(policy["role"])[1] == role:
            document = json.loads(policy["policy"])
            document["Statement"] = [
                s for s in (edit(s) if s.get("Sid") == sid else s for s in document["Statement"]) if s
            ]
            policy["policy"] = json.dumps(document)
            return
    raise AssertionError(f"no policy for {function_name}")


def _without(action: str):
    return lambda s: {**s, "Action": [a for a in as_list(s["Action"]) if a != action]}


def _with(action: str):
    return lambda s: {**s, "Action": [*as_list(s["Action"]), action]}


@pytest.mark.parametrize(
    ("function", "sid", "edit", "expected"),
    [
        # a call its code makes (the sweep re-sends a stale pending transaction) is no longer allowed
        ("payment-sweep-", "QueueUrl", _without("sqs:SendMessage"), "sqs:SendMessage on"),
        # an action nothing calls (a table scan) is allowed
        ("payment-status-", "TransactionsTable", _with("dynamodb:Scan"), "allows dynamodb:Scan"),
        # the GSIs opened to a function that never lists
        (
            "payment-status-",
            "TransactionsTable",
            lambda s: {**s, "Resource": [*s["Resource"], s["Resource"][0] + "/index/*"]},
            "/index/*, which nothing",
        ),
        # Lambda's own use: the event source mapping can no longer receive
        ("payment-settlement-", "ConsumeSettlementQueue", _without("sqs:ReceiveMessage"), "sqs:ReceiveMessage on"),
        # a key permission the documented table does not ask for
        ("payment-workflow-process-", "ReceiptsBucketKms", _with("kms:Decrypt"), "allows kms:Decrypt"),
        # a key permission it needs: a single-part upload generates a data key of the bucket's CMK
        ("payment-workflow-process-", "ReceiptsBucketKms", lambda s: None, "kms:GenerateDataKey on"),
        # the X-Ray permission of a traced function
        ("payment-health-", "XRayTracing", lambda s: None, "xray:PutTraceSegments on *"),
        # an action wildcard that also covers what nothing calls
        ("payment-status-", "TransactionsTable", lambda s: {**s, "Action": ["dynamodb:Query*"]}, "name each action"),
        # a whole bucket instead of the client's folder
        (
            "payment-workflow-process-",
            "ReceiptsBucketPutObject",
            lambda s: {**s, "Resource": [s["Resource"][0].split("}")[0] + "}/*"]},
            "wider than any one resource",
        ),
        # the settlement consumer's key permission for StartExecution (through Step Functions only)
        ("payment-settlement-", "StateMachineArnKms", lambda s: None, "kms:GenerateDataKey on"),
    ],
)
def test_rule_catches_a_broken_role(
    all_stacks: Stacks, recorded_calls: dict[str, Any], function, sid, edit, expected
) -> None:
    stacks = _function_stacks(all_stacks)
    assert not iam_problems({"payment-dev": stacks["payment-dev"]}, recorded_calls)
    bad = broken(stacks, "payment-dev", lambda s: _edit_statement(s, function, sid, edit))
    problems = iam_problems({"payment-dev": bad["payment-dev"]}, recorded_calls)
    assert any(expected in p and function in p for p in problems), problems


def test_rule_catches_a_function_the_workload_never_ran(all_stacks: Stacks, recorded_calls: dict[str, Any]) -> None:
    """A function nobody invoked has unmeasured calls: the rule refuses to vouch for its role."""
    recorded = {
        **recorded_calls,
        "invocations": {h: n for h, n in recorded_calls["invocations"].items() if "health" not in h},
    }
    problems = iam_problems({"payment-dev": all_stacks["payment-dev"]}, recorded)
    assert any("never invoked payments.handlers.health" in p for p in problems), problems


def test_rule_catches_a_call_no_grant_covers(all_stacks: Stacks, recorded_calls: dict[str, Any]) -> None:
    """New code calling something new (a status read with GetItem) fails until the grant is added."""
    status = next(c for c in recorded_calls["calls"] if "status" in c["handler"])
    extra = {**status, "action": "dynamodb:GetItem"}
    recorded = {**recorded_calls, "calls": [*recorded_calls["calls"], extra]}
    problems = iam_problems({"payment-dev": all_stacks["payment-dev"]}, recorded)
    assert any("dynamodb:GetItem on" in p and "its code" in p for p in problems), problems


def test_a_standby_role_must_use_the_key_of_the_replica_it_writes(
    all_stacks: Stacks, recorded_calls: dict[str, Any]
) -> None:
    """The receipts' replica is encrypted with the data key's replica (S3 replication re-encrypts into it): a standby
    granting its own storage key instead could not write a receipt after a failover."""

    def own_storage_key(stack: dict) -> None:
        storage = next(lid for lid in of_type(stack, "aws_kms_key") if lid.startswith("payment_api_kms_storage"))
        for policy in of_type(stack, "aws_iam_role_policy").values():
            document = json.loads(policy["policy"])
            for statement in document["Statement"]:
                if statement.get("Sid") == "ReceiptsBucketKms":
                    statement["Resource"] = [f"${{aws_kms_key.{storage}.arn}}"]
            policy["policy"] = json.dumps(document)

    stacks = {"payment-prod-dr": broken(all_stacks, "payment-prod-dr", own_storage_key)["payment-prod-dr"]}
    problems = iam_problems(stacks, recorded_calls)
    assert any("kms:GenerateDataKey on ${data.aws_kms_key.payment_api_storage_receipts_key" in p for p in problems), (
        problems
    )
