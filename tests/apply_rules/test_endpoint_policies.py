"""Every VPC endpoint admits only this account's principals on this account's resources, and every call the
functions make passes the endpoint of its service.

An endpoint without ``policy`` gets AWS's default full-access policy: any principal, any action, any account's
resources through that endpoint (AWS PrivateLink guide, "Control access to VPC endpoints using endpoint
policies"), so code in our subnets could write payment data to another account's bucket or queue. The rule:
each endpoint has a policy whose every Allow is conditioned on ``aws:PrincipalAccount`` and
``aws:ResourceAccount`` equal to the stack's own account and grants only its own service's actions.

Keeping Lambda working: every call the emulator recorded (``recorded_calls``) goes to a service with an endpoint
in the VPC, and that endpoint's policy allows it (``payment_local.iam.decision``, with the request's accounts).
"""

from __future__ import annotations

import json
import re
from typing import Any

from payment_local.iam import ALLOW, Request, decision
from payment_local.stack import FAKE_ACCOUNT_ID
from tests.apply_rules.support import Stacks, broken, of_type

ACCOUNT_TOKEN = r"\$\{data\.aws_caller_identity\.[A-Za-z0-9_]+\.account_id\}"
CALLER_ACCOUNT = re.compile(f"^{ACCOUNT_TOKEN}$")
ACCOUNT_KEYS = ("aws:PrincipalAccount", "aws:ResourceAccount")


def _service(endpoint: dict[str, Any]) -> str:
    """The endpoint's service (``com.amazonaws.<region>.sqs`` -> ``sqs``), also its IAM action prefix here."""
    return endpoint["service_name"].rsplit(".", 1)[1]


def endpoint_policy_problems(stacks: Stacks) -> list[str]:
    problems = []
    for stack_id, stack in sorted(stacks.items()):
        for lid, endpoint in sorted(of_type(stack, "aws_vpc_endpoint").items()):
            where = f"{stack_id}: aws_vpc_endpoint.{lid} ({endpoint['service_name']})"
            if not endpoint.get("policy"):
                problems.append(f"{where} has no policy: AWS applies full access to any account's resources")
                continue
            service = _service(endpoint)
            for statement in json.loads(endpoint["policy"])["Statement"]:
                if statement["Effect"] != "Allow":
                    continue
                equals = (statement.get("Condition") or {}).get("StringEquals", {})
                for key in ACCOUNT_KEYS:
                    if not CALLER_ACCOUNT.match(str(equals.get(key, ""))):
                        problems.append(
                            f"{where} Sid={statement.get('Sid')}: {key} = {equals.get(key)!r}; allowed "
                            "only this stack's account (data.aws_caller_identity)"
                        )
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                foreign = [a for a in actions if not a.startswith(f"{service}:")]
                if foreign:
                    problems.append(f"{where} Sid={statement.get('Sid')}: actions {foreign}; allowed {service}:* only")
    return problems


def test_endpoint_policies_hold(all_stacks: Stacks) -> None:
    assert sum(len(of_type(s, "aws_vpc_endpoint")) for s in all_stacks.values()) >= 12
    assert endpoint_policy_problems(all_stacks) == []


def test_endpoint_policies_catch_a_default_policy_and_another_account(all_stacks: Stacks) -> None:
    def edit(stack: dict) -> None:
        endpoints = iter(of_type(stack, "aws_vpc_endpoint").values())
        del next(endpoints)["policy"]
        other = next(endpoints)
        other["policy"] = re.sub(
            r'"aws:ResourceAccount":"[^"]+"', '"aws:ResourceAccount":"999999999999"', other["policy"]
        )

    problems = endpoint_policy_problems(broken(all_stacks, "payment-dev", edit))
    assert len(problems) == 2, problems
    assert "has no policy" in problems[0] + problems[1]
    assert "aws:ResourceAccount = '999999999999'" in problems[0] + problems[1]


def endpoint_denials(stack: dict, calls: list[dict[str, Any]]) -> list[str]:
    """Each recorded call whose service has no endpoint in the VPC, or whose endpoint policy denies it."""
    by_service = {_service(e): e for e in of_type(stack, "aws_vpc_endpoint").values()}
    problems = []
    for call in calls:
        service = call["action"].split(":", 1)[0]
        endpoint = by_service.get(service)
        if endpoint is None:
            problems.append(f"{call['handler']}: {call['action']} has no endpoint in the VPC (no route to {service})")
            continue
        statements = json.loads(re.sub(ACCOUNT_TOKEN, FAKE_ACCOUNT_ID, endpoint["policy"]))["Statement"]
        resource = call["resource"]
        # a reference to one of the stack's resources is in the stack's account; an ARN says its own
        resource_account = FAKE_ACCOUNT_ID if resource.startswith("${") else resource.split(":")[4]
        context = {"aws:PrincipalAccount": FAKE_ACCOUNT_ID, "aws:ResourceAccount": resource_account}
        verdict = decision(statements, Request(call["action"], resource), context)
        if verdict != ALLOW:
            problems.append(f"{call['handler']}: {call['action']} on {resource} denied by the {service} endpoint")
    return problems


def test_every_recorded_call_passes_its_endpoint(all_stacks: Stacks, recorded_calls: dict[str, Any]) -> None:
    calls = recorded_calls["calls"]
    assert {c["action"].split(":")[0] for c in calls} >= {"dynamodb", "sqs", "s3", "states"}
    assert endpoint_denials(all_stacks["payment-dev"], calls) == []


def test_every_recorded_call_catches_a_narrowed_endpoint(all_stacks: Stacks, recorded_calls: dict[str, Any]) -> None:
    def narrow(stack: dict) -> None:
        for endpoint in of_type(stack, "aws_vpc_endpoint").values():
            if endpoint["service_name"].endswith(".sqs"):
                endpoint["policy"] = endpoint["policy"].replace('"sqs:*"', '"sqs:ReceiveMessage"')
            if endpoint["service_name"].endswith(".states"):
                endpoint["vpc_endpoint_type"] = "Gateway"
                endpoint["service_name"] = endpoint["service_name"].replace(".states", ".kinesis")

    problems = endpoint_denials(broken(all_stacks, "payment-dev", narrow)["payment-dev"], recorded_calls["calls"])
    assert any("sqs:SendMessage" in p and "denied by the sqs endpoint" in p for p in problems), problems
    assert any("states:StartExecution has no endpoint" in p for p in problems), problems
