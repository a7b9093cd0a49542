"""payment_local.iam: the emulator evaluates a handler's calls as IAM would, and answers a denied call as AWS does."""

from __future__ import annotations

import json
from unittest import mock

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from payment_local.iam import (
    ALLOW,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    Enforcer,
    Request,
    UnmappedCallError,
    action_of,
    decision,
    resource_of,
    role_statements,
)
from payment_local.stack import Stack

TABLE = "arn:aws:dynamodb:eu-west-1:123456789012:table/payments"


def allow(action: str | list[str], resource: str | list[str], **extra: object) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


@pytest.mark.parametrize(
    ("statements", "request_", "expected"),
    [
        ([allow("dynamodb:Query", TABLE)], Request("dynamodb:Query", TABLE), ALLOW),
        ([allow("DynamoDB:query", TABLE)], Request("dynamodb:Query", TABLE), ALLOW),  # actions ignore case
        ([allow("dynamodb:Query", TABLE.upper())], Request("dynamodb:Query", TABLE), IMPLICIT_DENY),  # ARNs do not
        ([allow("dynamodb:Query", TABLE)], Request("dynamodb:Query", TABLE + "/index/by-date"), IMPLICIT_DENY),
        ([allow("dynamodb:Query", TABLE + "/index/*")], Request("dynamodb:Query", TABLE + "/index/by-date"), ALLOW),
        ([allow("dynamodb:Get*", TABLE)], Request("dynamodb:GetItem", TABLE), ALLOW),
        ([allow("dynamodb:Get?tem", TABLE)], Request("dynamodb:GetItem", TABLE), ALLOW),
        ([allow("dynamodb:PutItem", TABLE)], Request("dynamodb:Query", TABLE), IMPLICIT_DENY),
        (
            [allow("s3:GetObject", "arn:aws:s3:::b/imports/a/*")],
            Request("s3:GetObject", "arn:aws:s3:::b/imports/a/x.csv"),
            ALLOW,
        ),
        (
            [allow("s3:GetObject", "arn:aws:s3:::b/imports/a/*")],
            Request("s3:GetObject", "arn:aws:s3:::b/imports/ab/x"),
            IMPLICIT_DENY,
        ),
        (
            [allow("*", "*"), {"Effect": "Deny", "Action": "dynamodb:*", "Resource": "*"}],
            Request("dynamodb:Query", TABLE),
            EXPLICIT_DENY,
        ),
        (
            [
                allow(
                    "kms:Decrypt",
                    "k",
                    Condition={"StringEquals": {"kms:ViaService": "dynamodb.eu-west-1.amazonaws.com"}},
                )
            ],
            Request("kms:Decrypt", "k"),
            IMPLICIT_DENY,
        ),  # a condition on a key the request lacks does not hold
        ([], Request("sqs:SendMessage", "q"), IMPLICIT_DENY),
    ],
)
def test_decision_follows_iam_evaluation(statements: list[dict], request_: Request, expected: str) -> None:
    assert decision(statements, request_) == expected


def test_a_conditional_deny_it_cannot_evaluate_raises_instead_of_allowing() -> None:
    deny = {
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:RequestedRegion": "x"}},
    }
    with pytest.raises(ValueError, match="cannot evaluate the Deny"):
        decision([allow("*", "*"), deny], Request("dynamodb:Query", TABLE))
    assert (
        decision([allow("*", "*"), deny], Request("dynamodb:Query", TABLE), {"aws:requestedregion": "x"})
        == EXPLICIT_DENY
    )


def test_conditions_are_evaluated_against_the_request_context() -> None:
    statement = allow("kms:Decrypt", "k", Condition={"StringEquals": {"kms:ViaService": "dynamodb.x.amazonaws.com"}})
    assert decision([statement], Request("kms:Decrypt", "k"), {"kms:ViaService": "dynamodb.x.amazonaws.com"}) == ALLOW
    assert (
        decision([statement], Request("kms:Decrypt", "k"), {"kms:ViaService": "sqs.x.amazonaws.com"}) == IMPLICIT_DENY
    )


@pytest.mark.parametrize(
    "unsupported", [{"NotAction": "s3:*"}, {"NotResource": "*"}, {"Condition": {"ArnLike": {"aws:SourceArn": "x"}}}]
)
def test_what_it_cannot_evaluate_raises_instead_of_allowing(unsupported: dict) -> None:
    with pytest.raises(ValueError, match="not supported"):
        decision([{**allow("s3:GetObject", "*"), **unsupported}], Request("s3:GetObject", "arn:aws:s3:::b/k"))


@pytest.mark.parametrize(
    ("prefix", "operation", "params", "action", "resource"),
    [
        (
            "dynamodb",
            "Query",
            {"TableName": "payments", "IndexName": "by-date"},
            "dynamodb:Query",
            TABLE + "/index/by-date",
        ),
        ("dynamodb", "PutItem", {"TableName": "payments"}, "dynamodb:PutItem", TABLE),
        (
            "sqs",
            "SendMessageBatch",
            {"QueueUrl": "http://127.0.0.1:5000/123456789012/q.fifo"},
            "sqs:SendMessage",
            "arn:aws:sqs:eu-west-1:123456789012:q.fifo",
        ),
        (
            "s3",
            "GetObject",
            {"Bucket": "b", "Key": "imports/a/x.csv", "VersionId": "v1"},
            "s3:GetObjectVersion",
            "arn:aws:s3:::b/imports/a/x.csv",
        ),
        ("s3", "GetObject", {"Bucket": "b", "Key": "k"}, "s3:GetObject", "arn:aws:s3:::b/k"),
        ("s3", "ListObjectsV2", {"Bucket": "b"}, "s3:ListBucket", "arn:aws:s3:::b"),
        (
            "states",
            "StartExecution",
            {"stateMachineArn": "arn:aws:states:eu-west-1:1:stateMachine:m", "name": "n"},
            "states:StartExecution",
            "arn:aws:states:eu-west-1:1:stateMachine:m",
        ),
    ],
)
def test_calls_map_to_the_action_and_resource_iam_checks(prefix, operation, params, action, resource) -> None:
    assert action_of(prefix, operation, params) == action
    assert resource_of(prefix, operation, params, "eu-west-1", "123456789012") == resource


def test_a_call_without_a_known_resource_is_refused_loudly() -> None:
    with pytest.raises(UnmappedCallError, match="dynamodb:ListTables"):
        resource_of("dynamodb", "ListTables", {}, "eu-west-1", "123456789012")


def _stack(statements: list[dict]) -> Stack:
    document = {
        "provider": {"aws": [{"region": "eu-west-1"}]},
        "resource": {
            "aws_lambda_function": {
                "fn": {
                    "function_name": "payment-status-dev",
                    "handler": "status.handler",
                    "role": "${aws_iam_role.r.arn}",
                }
            },
            "aws_iam_role": {"r": {"name": "payment-status-dev-role"}},
            "aws_iam_role_policy": {
                "p": {"role": "${aws_iam_role.r.id}", "policy": json.dumps({"Statement": statements})}
            },
            "aws_dynamodb_table": {"t": {"name": "payments"}},
        },
    }
    stack = Stack(env="dev", path=None, document=document, region="eu-west-1")  # type: ignore[arg-type]
    stack.attributes[("aws_dynamodb_table", "t")] = {"arn": TABLE, "name": "payments"}
    return stack


def test_role_statements_gathers_the_role_policies_of_the_stack() -> None:
    stack = _stack([allow("dynamodb:Query", "${aws_dynamodb_table.t.arn}")])
    assert role_statements(stack.document, "${aws_iam_role.r.arn}") == [
        allow("dynamodb:Query", "${aws_dynamodb_table.t.arn}")
    ]
    stack.document["resource"]["aws_iam_role_policy_attachment"] = {
        "a": {"role": "${aws_iam_role.r.name}", "policy_arn": "arn:aws:iam::aws:policy/AdministratorAccess"}
    }
    with pytest.raises(ValueError, match="cannot evaluate"):
        role_statements(stack.document, "${aws_iam_role.r.arn}")


def _client():
    return boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x", region_name="eu-west-1").client(
        "dynamodb", endpoint_url="http://127.0.0.1:9"
    )


def test_the_enforcer_denies_a_call_the_role_does_not_allow_as_aws_does() -> None:
    enforcer = Enforcer(_stack([allow("dynamodb:Query", "${aws_dynamodb_table.t.arn}/index/*")]))
    Enforcer.install()
    client = _client()
    with enforcer.acting_as("status.handler"), pytest.raises(ClientError) as caught:
        client.query(TableName="payments", KeyConditionExpression="id = :v")
    error = caught.value.response["Error"]
    assert error["Code"] == "AccessDeniedException"
    assert "is not authorized to perform: dynamodb:Query on resource: " + TABLE in error["Message"]
    assert ":assumed-role/payment-status-dev-role/payment-status-dev " in error["Message"]
    assert enforcer.calls() == [
        {
            "function": "payment-status-dev",
            "handler": "status.handler",
            "action": "dynamodb:Query",
            "resource": "${aws_dynamodb_table.t.arn}",
            "decision": IMPLICIT_DENY,
            "count": 1,
        }
    ]
    assert enforcer.invocations() == {"status.handler": 1}


def test_the_enforcer_lets_an_allowed_call_through_and_ignores_calls_outside_an_invocation() -> None:
    enforcer = Enforcer(_stack([allow("dynamodb:Query", "${aws_dynamodb_table.t.arn}")]))
    Enforcer.install()
    client = _client()
    with Stubber(client) as stub:
        stub.add_response("query", {"Items": []})
        stub.add_response("query", {"Items": []})
        with enforcer.acting_as("status.handler"):
            assert client.query(TableName="payments", KeyConditionExpression="id = :v")["Items"] == []
        client.query(TableName="other", KeyConditionExpression="id = :v")  # the emulator's own call: not checked
    assert [(c["resource"], c["decision"]) for c in enforcer.calls()] == [("${aws_dynamodb_table.t.arn}", ALLOW)]


def test_per_client_grants_follow_the_emulators_clients() -> None:
    """Emulator clients beyond the stack's get the stack's per-client folder grants, as provision gives them folders."""
    stack = _stack([allow("s3:GetObjectVersion", "${aws_s3_bucket.b.arn}/imports/default/*")])
    stack.document["resource"]["aws_lambda_function"]["fn"]["environment"] = {
        "variables": {"API_CLIENTS": json.dumps({"default": ["id"]})}
    }
    stack.attributes[("aws_s3_bucket", "b")] = {"arn": "arn:aws:s3:::imports"}
    enforcer = Enforcer(stack, clients=["default", "client-2"])
    Enforcer.install()
    s3 = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x", region_name="eu-west-1").client(
        "s3", endpoint_url="http://127.0.0.1:9"
    )
    with Stubber(s3) as stub, enforcer.acting_as("status.handler"):
        stub.add_response("get_object", {}, {"Bucket": "imports", "Key": "imports/client-2/x.csv", "VersionId": "v"})
        s3.get_object(Bucket="imports", Key="imports/client-2/x.csv", VersionId="v")
        with pytest.raises(ClientError, match="AccessDenied"):
            s3.get_object(Bucket="imports", Key="imports/other/x.csv", VersionId="v")
    assert [(c["resource"], c["decision"]) for c in enforcer.calls()] == [
        ("${aws_s3_bucket.b.arn}/imports/client-2/x.csv", ALLOW),
        ("${aws_s3_bucket.b.arn}/imports/other/x.csv", IMPLICIT_DENY),
    ]


def test_the_enforcer_evaluates_a_call_once_and_answers_every_repeat_alike() -> None:
    enforcer = Enforcer(_stack([allow("dynamodb:Query", "${aws_dynamodb_table.t.arn}/index/*")]))
    Enforcer.install()
    client = _client()
    with mock.patch("payment_local.iam.decision", wraps=decision) as evaluated:
        for _ in range(3):
            with enforcer.acting_as("status.handler"), pytest.raises(ClientError, match="AccessDenied"):
                client.query(TableName="payments", KeyConditionExpression="id = :v")
    assert evaluated.call_count == 1
    assert [call["count"] for call in enforcer.calls()] == [3]  # every call is still recorded
