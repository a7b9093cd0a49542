"""IAM over the synthesized stacks: no wildcard grants, "*" resources only where AWS cannot scope, one role per
function granting only what its environment names, and every service-facing door scoped to this account.

Expectations come from the application contract (``lambdas/payments/functions.py``) and
``payment_infra.permissions.GRANTS``, not from the synthesized JSON itself.
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter, defaultdict

import pytest

from payment_infra.application import functions_module
from payment_infra.constructs.compute import CONSUME_ACTIONS
from payment_infra.permissions import GRANTS, INDEX_GRANTS
from tests.security.support import (
    as_list,
    encryption_key,
    policy_documents,
    refs,
    resources_of,
    single_ref,
    statements,
)

# Actions that AWS cannot scope to a resource: an identity policy may grant them on "*", nothing else.
RESOURCE_STAR_ALLOWED: dict[str, str] = {
    # X-Ray has no resource-level permissions.
    "xray:PutTraceSegments": "X-Ray",
    "xray:PutTelemetryRecords": "X-Ray",
    "xray:GetSamplingRules": "X-Ray",
    "xray:GetSamplingTargets": "X-Ray",
    # ENI management of VPC Lambdas (the actions of AWSLambdaVPCAccessExecutionRole).
    "ec2:CreateNetworkInterface": "VPC Lambda ENIs",
    "ec2:DescribeNetworkInterfaces": "VPC Lambda ENIs",
    "ec2:DeleteNetworkInterface": "VPC Lambda ENIs",
    "ec2:AssignPrivateIpAddresses": "VPC Lambda ENIs",
    "ec2:UnassignPrivateIpAddresses": "VPC Lambda ENIs",
    "ec2:DescribeSubnets": "VPC Lambda ENIs",
    # Step Functions vended log delivery (documented as Resource "*" only).
    "logs:CreateLogDelivery": "Step Functions log delivery",
    "logs:GetLogDelivery": "Step Functions log delivery",
    "logs:UpdateLogDelivery": "Step Functions log delivery",
    "logs:DeleteLogDelivery": "Step Functions log delivery",
    "logs:ListLogDeliveries": "Step Functions log delivery",
    "logs:DescribeLogGroups": "Step Functions log delivery",
    "logs:DescribeResourcePolicies": "Step Functions log delivery",
    "logs:PutResourcePolicy": "Step Functions log delivery",
}
# AWS-managed policies a role may have attached (their content is not in the synthesized JSON).
MANAGED_POLICIES_ALLOWED = {
    # API Gateway's account-level CloudWatch role: the policy AWS documents for exactly this role.
    "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
}
# Services whose trust policy must be pinned to this account (confused deputy).
SOURCE_ACCOUNT_SERVICES = ("states.amazonaws.com", "vpc-flow-logs.amazonaws.com")
# The API Gateway CloudWatch role is an account singleton: it lives in the payment-account stack only.
ACCOUNT_SOURCE_ACCOUNT_SERVICES = ("apigateway.amazonaws.com",)
KMS_KEY_USE = {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"}
ACCOUNT_ROOT = re.compile(r"arn:aws:iam::\$\{data\.aws_caller_identity\.[A-Za-z0-9_]+\.account_id\}:root")

APP = functions_module()


def _is_account_root_statement(stmt: dict) -> bool:
    principal = stmt.get("Principal")
    return (
        isinstance(principal, dict)
        and set(principal) == {"AWS"}
        and all(ACCOUNT_ROOT.fullmatch(p) for p in as_list(principal["AWS"]))
    )


# A VPC endpoint policy is a ceiling on what passes the endpoint, not a grant: it names every principal and
# service action, narrowed to this account's principals and resources (tests/apply_rules/test_endpoint_policies.py).
ENDPOINT_CEILING_KEYS = {"aws:PrincipalAccount", "aws:ResourceAccount"}


# Key policies: a multi-region key's replica (disaster recovery) has a policy of its own, held to the same rules.
KEY_TYPES = ("aws_kms_key", "aws_kms_replica_key")


def _keys(stack: dict):
    return [(lid, key) for rtype in KEY_TYPES for lid, key in resources_of(stack, rtype).items()]


def _is_endpoint_ceiling(rtype: str, stmt: dict) -> bool:
    return (
        rtype == "aws_vpc_endpoint"
        and set((stmt.get("Condition") or {}).get("StringEquals", {})) >= ENDPOINT_CEILING_KEYS
    )


def _allows(stack: dict):
    """(where, statement, is_kms_key_policy) for every Allow statement of every policy in the stack."""
    for rtype, lid, field, document in policy_documents(stack):
        for stmt in statements(document):
            if stmt.get("Effect") == "Allow" and not _is_endpoint_ceiling(rtype, stmt):
                yield f"{rtype}.{lid}.{field} Sid={stmt.get('Sid')}", stmt, rtype in KEY_TYPES


def _role_of(function: dict) -> str:
    rtype, lid, _ = single_ref(function["role"])
    assert rtype == "aws_iam_role"
    return lid


# --- wildcards -------------------------------------------------------------------------------------------------


def test_every_stack_has_policies_to_check(stack: dict) -> None:
    kinds = {rtype for rtype, *_ in policy_documents(stack)}
    assert {"aws_iam_role", "aws_iam_role_policy", "aws_kms_key"} <= kinds


def _is_wildcard(action: str) -> bool:
    return action == "*" or action.endswith(":*")


def wildcard_problems(stack: dict) -> list[str]:
    """Allow statements granting every action, a whole service, or NotAction/NotResource."""
    bad = []
    for where, stmt, kms in _allows(stack):
        if kms and _is_account_root_statement(stmt):
            continue  # the key policy's account-root statement delegates to IAM; it must say kms:*
        if "NotAction" in stmt or "NotResource" in stmt:
            bad.append(f"{where}: Allow with NotAction/NotResource")
        bad += [f"{where}: {action}" for action in as_list(stmt.get("Action")) if _is_wildcard(action)]
    return bad


def principal_star_problems(stack: dict) -> list[str]:
    return [
        where
        for where, stmt, _ in _allows(stack)
        if stmt.get("Principal") == "*" or "*" in as_list((stmt.get("Principal") or {}).get("AWS"))
    ]


def resource_star_problems(stack: dict) -> list[str]:
    """Identity-policy Allow statements on Resource "*" with an action AWS could scope."""
    bad = []
    for where, stmt, kms in _allows(stack):
        if kms:
            continue  # in a key policy "*" means the key itself
        if "*" in as_list(stmt.get("Resource")):
            bad += [f"{where}: {a}" for a in as_list(stmt.get("Action")) if a not in RESOURCE_STAR_ALLOWED]
    return bad


def test_no_allow_of_every_action_or_a_whole_service(stack: dict) -> None:
    bad = wildcard_problems(stack)
    assert not bad, "wildcard Allow:\n" + "\n".join(bad)


def test_no_allow_to_any_principal(stack: dict) -> None:
    bad = principal_star_problems(stack)
    assert not bad, f"Allow to Principal '*': {bad}"


def test_resource_star_only_for_actions_aws_cannot_scope(stack: dict) -> None:
    bad = resource_star_problems(stack)
    assert not bad, "Resource '*' for actions not in RESOURCE_STAR_ALLOWED:\n" + "\n".join(bad)


def _fake_stack(rtype: str, field: str, *stmts: dict) -> dict:
    return {"resource": {rtype: {"x": {field: json.dumps({"Version": "2012-10-17", "Statement": list(stmts)})}}}}


TLS_ONLY = {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "*", "Resource": "arn:x",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}  # fmt: skip
ROOT = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::${data.aws_caller_identity.me.account_id}:root"},
        "Action": "kms:*", "Resource": "*"}  # fmt: skip


@pytest.mark.parametrize(
    ("checker", "stack", "rejected"),
    [
        (wildcard_problems, _fake_stack("aws_iam_role_policy", "policy", {"Effect": "Allow", "Action": "*", "Resource": "arn:x"}), True),
        (wildcard_problems, _fake_stack("aws_iam_role_policy", "policy", {"Effect": "Allow", "Action": ["s3:*"], "Resource": "arn:x"}), True),
        (wildcard_problems, _fake_stack("aws_iam_role_policy", "policy", {"Effect": "Allow", "NotAction": "s3:GetObject", "Resource": "arn:x"}), True),
        (wildcard_problems, _fake_stack("aws_s3_bucket_policy", "policy", TLS_ONLY), False),
        (wildcard_problems, _fake_stack("aws_kms_key", "policy", ROOT), False),
        (wildcard_problems, _fake_stack("aws_kms_key", "policy", {**ROOT, "Principal": {"AWS": "arn:aws:iam::111122223333:role/x"}}), True),
        (principal_star_problems, _fake_stack("aws_sqs_queue_policy", "policy", {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "arn:x"}), True),
        (principal_star_problems, _fake_stack("aws_sqs_queue_policy", "policy", TLS_ONLY), False),
        (resource_star_problems, _fake_stack("aws_iam_role_policy", "policy", {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}), True),
        (resource_star_problems, _fake_stack("aws_iam_role_policy", "policy", {"Effect": "Allow", "Action": "xray:PutTraceSegments", "Resource": ["*"]}), False),
        (resource_star_problems, _fake_stack("aws_kms_key", "policy", ROOT), False),
    ],
)  # fmt: skip
def test_checkers_reject_bad_policies_and_accept_good_ones(checker, stack: dict, rejected: bool) -> None:
    assert bool(checker(stack)) is rejected


def test_kms_root_statement_is_exactly_the_account_root(stack: dict) -> None:
    for lid, key in _keys(stack):
        wildcard = [
            s for s in statements(json.loads(key["policy"])) if any(_is_wildcard(a) for a in as_list(s.get("Action")))
        ]
        assert all(_is_account_root_statement(s) for s in wildcard), f"{lid}: kms:* for someone else: {wildcard}"


def test_the_resource_star_allowlist_is_all_in_use(stacks: dict[str, dict]) -> None:
    used = set()
    for stack in stacks.values():
        for _, stmt, kms in _allows(stack):
            if not kms and "*" in as_list(stmt.get("Resource")):
                used.update(as_list(stmt.get("Action")))
    assert set(RESOURCE_STAR_ALLOWED) - used == set(), "allowlist entries nothing needs: remove them"


def test_only_allowed_managed_policies_are_attached(stack: dict) -> None:
    lambda_roles = {_role_of(f) for f in resources_of(stack, "aws_lambda_function").values()}
    for lid, attachment in resources_of(stack, "aws_iam_role_policy_attachment").items():
        assert attachment["policy_arn"] in MANAGED_POLICIES_ALLOWED, f"{lid}: {attachment['policy_arn']}"
        assert single_ref(attachment["role"])[1] not in lambda_roles, f"{lid}: managed policy on a Lambda role"
    assert not resources_of(stack, "aws_iam_policy"), "customer-managed policies bypass these checks: use inline"


# --- one role per function, granting what its environment names --------------------------------------------------


def test_no_role_is_shared_by_two_functions(stack: dict) -> None:
    roles = Counter(_role_of(f) for f in resources_of(stack, "aws_lambda_function").values())
    shared = {role: n for role, n in roles.items() if n > 1}
    assert not shared, f"roles used by more than one function: {shared}"


def test_lambda_roles_are_assumable_by_lambda_only(stack: dict) -> None:
    for function in resources_of(stack, "aws_lambda_function").values():
        role = resources_of(stack, "aws_iam_role")[_role_of(function)]
        trust = json.loads(role["assume_role_policy"])
        principals = [s.get("Principal") for s in statements(trust)]
        assert principals == [{"Service": "lambda.amazonaws.com"}], f"{role['name']}: {principals}"


def _functions_by_spec(stack: dict) -> dict[str, tuple[str, dict]]:
    """``{spec name: (logical id, function resource)}``, matched by handler string."""
    by_handler = {spec.handler: spec.name for spec in functions_module().FUNCTIONS}
    found = {}
    for lid, function in resources_of(stack, "aws_lambda_function").items():
        assert function["handler"] in by_handler, f"{lid}: handler {function['handler']} is not in functions.py"
        found[by_handler[function["handler"]]] = (lid, function)
    assert set(found) == set(by_handler.values())
    return found


def _policy_of_role(stack: dict, role_lid: str) -> dict:
    policies = [
        p
        for p in resources_of(stack, "aws_iam_role_policy").values()
        if single_ref(p["role"])[:2] == ("aws_iam_role", role_lid)
    ]
    assert len(policies) == 1, f"role {role_lid}: expected one inline policy, found {len(policies)}"
    return json.loads(policies[0]["policy"])


def _expected_targets(stack: dict, name: str, function: dict) -> tuple[dict, str]:
    """What a function's role may name, derived from its spec and wiring.

    Returns ``({(type, logical id): allowed actions}, own log group name)``.
    """
    spec = functions_module().function(name)
    variables = function["environment"]["variables"]
    allowed: dict[tuple[str, str], set[str]] = defaultdict(set)
    protected: list[tuple[str, str]] = []  # resources whose CMK the function needs
    for variable in spec.environment:
        if variable in functions_module().SETTING_VARIABLES:
            continue
        rtype, lid, _ = single_ref(variables[variable])
        allowed[(rtype, lid)] |= set(GRANTS[name][variable]) | set(INDEX_GRANTS.get(name, {}).get(variable, ()))
        protected.append((rtype, lid))
    failure = single_ref(function["dead_letter_config"]["target_arn"])[:2]
    allowed[failure] |= {"sqs:SendMessage"}
    protected.append(failure)
    if name == APP.SETTLEMENT:
        mappings = [
            m
            for m in resources_of(stack, "aws_lambda_event_source_mapping").values()
            if single_ref(m["function_name"])[1] == _functions_by_spec(stack)[name][0]
        ]
        assert len(mappings) == 1
        queue = single_ref(mappings[0]["event_source_arn"])[:2]
        allowed[queue] |= set(CONSUME_ACTIONS)
        protected.append(queue)
    keys = [single_ref(encryption_key(stack, rtype, lid) or "")[:2] for rtype, lid in protected]
    keys.append(single_ref(function["kms_key_arn"])[:2])  # environment variables
    for key in keys:
        allowed[key] |= KMS_KEY_USE
    log_group = resources_of(stack, "aws_cloudwatch_log_group")[single_ref(function["logging_config"]["log_group"])[1]]
    return allowed, log_group["name"]


def function_role_problems(stack: dict) -> list[str]:
    """Role statements naming a resource the function's spec/wiring does not, or actions GRANTS does not list."""
    problems = []
    for name, (_, function) in sorted(_functions_by_spec(stack).items()):
        allowed, log_group = _expected_targets(stack, name, function)
        granted: dict[tuple[str, str], set[str]] = defaultdict(set)
        for stmt in statements(_policy_of_role(stack, _role_of(function))):
            assert stmt["Effect"] == "Allow"
            actions = set(as_list(stmt["Action"]))
            for resource in as_list(stmt["Resource"]):
                if resource == "*":
                    continue  # checked against RESOURCE_STAR_ALLOWED above
                named = refs(resource)
                if not named:
                    own_logs = re.fullmatch(r"arn:aws:logs:[a-z0-9-]+:\$\{[^}]+\}:log-group:(.+):\*", resource)
                    if not (
                        own_logs
                        and own_logs[1] == log_group
                        and actions <= {"logs:CreateLogStream", "logs:PutLogEvents"}
                    ):
                        problems.append(f"{name}: {resource} is not its own log group ({actions})")
                    continue
                for rtype, lid, _ in named:
                    target = (rtype, lid)
                    if target not in allowed:
                        problems.append(f"{name}: {rtype}.{lid} is not named by its environment or wiring")
                    elif not actions <= allowed[target]:
                        problems.append(f"{name}: {sorted(actions - allowed[target])} on {rtype}.{lid} not in GRANTS")
                    granted[target] |= actions
        # every variable the function reads is granted exactly the actions of GRANTS
        variables = function["environment"]["variables"]
        for variable, actions in GRANTS[name].items():
            target = single_ref(variables[variable])[:2]
            if not set(actions) <= granted[target]:
                problems.append(f"{name}: {variable} lacks {sorted(set(actions) - granted[target])}")
    return problems


def test_each_function_role_names_only_what_the_function_uses(stack: dict) -> None:
    problems = function_role_problems(stack)
    assert not problems, "\n".join(problems)


def test_grants_cover_exactly_the_resource_variables_of_each_function() -> None:
    for spec in functions_module().FUNCTIONS:
        assert set(GRANTS[spec.name]) == set(spec.environment) - functions_module().SETTING_VARIABLES, spec.name


# --- doors: lambda permissions, key policies, trust policies ------------------------------------------------------


def lambda_permission_problems(stack: dict) -> list[str]:
    problems = []
    for lid, permission in resources_of(stack, "aws_lambda_permission").items():
        if not permission.get("source_arn"):
            problems.append(f"{lid}: no source_arn")
        if permission["principal"] == "s3.amazonaws.com" and not permission.get("source_account"):
            problems.append(f"{lid}: S3 permission without source_account")
    return problems


def test_every_lambda_permission_is_scoped_to_its_source(stack: dict) -> None:
    assert resources_of(stack, "aws_lambda_permission")
    problems = lambda_permission_problems(stack)
    assert not problems, "\n".join(problems)


def _api_path(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "*", path).lstrip("/")


def test_api_gateway_permissions_name_api_stage_method_and_path(stack: dict) -> None:
    apis = resources_of(stack, "aws_api_gateway_rest_api")
    stages = {
        (single_ref(s["rest_api_id"])[1], s["stage_name"])
        for s in resources_of(stack, "aws_api_gateway_stage").values()
    }
    function_lids = {name: lid for name, (lid, _) in _functions_by_spec(stack).items()}
    pattern = re.compile(
        r"\$\{aws_api_gateway_rest_api\.(?P<api>[A-Za-z0-9_]+)\.execution_arn\}"
        r"/(?P<stage>[A-Za-z0-9_-]+)/(?P<method>GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)/(?P<path>.+)"
    )
    seen = set()
    for lid, permission in resources_of(stack, "aws_lambda_permission").items():
        if permission["principal"] != "apigateway.amazonaws.com":
            continue
        match = pattern.fullmatch(permission["source_arn"])
        assert match, f"{lid}: source_arn {permission['source_arn']!r} is not <execution_arn>/<stage>/<METHOD>/<path>"
        assert match["api"] in apis and (match["api"], match["stage"]) in stages, f"{lid}: unknown API or stage"
        seen.add((single_ref(permission["function_name"])[1], match["method"], match["path"]))
    expected = {
        (function_lids[fn], method, _api_path(path)) for (method, path), fn in functions_module().ROUTES.items()
    }
    assert seen == expected, f"missing: {expected - seen}, unexpected: {seen - expected}"


def kms_key_policy_problems(stack: dict) -> list[str]:
    problems = []
    for lid, key in _keys(stack):
        document = json.loads(key["policy"])
        roots = [s for s in statements(document) if _is_account_root_statement(s)]
        if len(roots) != 1:
            problems.append(f"{lid}: expected one account-root statement, found {len(roots)}")
        for stmt in statements(document):
            if stmt in roots:
                continue
            principal = stmt.get("Principal")
            if not (isinstance(principal, dict) and set(principal) == {"Service"}):
                problems.append(f"{lid} {stmt.get('Sid')}: principal {principal} is not a service")
            if not stmt.get("Condition"):
                problems.append(f"{lid} {stmt.get('Sid')}: service statement without a Condition")
    return problems


def test_kms_key_policies_scope_every_service_statement(stack: dict) -> None:
    assert resources_of(stack, "aws_kms_key")
    problems = kms_key_policy_problems(stack)
    assert not problems, "\n".join(problems)


def trust_problems(stack: dict, pinned: tuple[str, ...] = SOURCE_ACCOUNT_SERVICES) -> tuple[list[str], set[str]]:
    """(unpinned service trusts, services of ``pinned`` seen)."""
    problems, seen = [], set()
    for lid, role in resources_of(stack, "aws_iam_role").items():
        for stmt in statements(json.loads(role["assume_role_policy"])):
            services = set(as_list((stmt.get("Principal") or {}).get("Service")))
            for service in services & set(pinned):
                seen.add(service)
                keys = {k for block in (stmt.get("Condition") or {}).values() for k in block}
                if "aws:SourceAccount" not in keys:
                    problems.append(f"{lid}: {service} trust without aws:SourceAccount")
    return problems, seen


def test_service_trust_policies_are_pinned_to_this_account(stack: dict) -> None:
    problems, seen = trust_problems(stack)
    assert not problems, "\n".join(problems)
    assert seen == set(SOURCE_ACCOUNT_SERVICES), "a service role this test expects is gone: update the test"


def test_account_stack_apigateway_role_trust_has_no_condition(account_stack: dict) -> None:
    """UpdateAccount validates the role by assuming it without aws:SourceAccount (issue 25; docs/operations.md,
    account baseline): a condition there could stop every stage's logging."""
    seen = 0
    for role in resources_of(account_stack, "aws_iam_role").values():
        for stmt in statements(json.loads(role["assume_role_policy"])):
            if set(ACCOUNT_SOURCE_ACCOUNT_SERVICES) & set(as_list(stmt["Principal"].get("Service"))):
                seen += 1
                assert "Condition" not in stmt, stmt
    assert seen == 1


# --- the checks above reject what they should ---------------------------------------------------------------------


def _edit_policy(stack: dict, rtype: str, lid_part: str, field: str, edit) -> None:
    [lid] = [lid for lid in resources_of(stack, rtype) if lid_part in lid]
    resource = resources_of(stack, rtype)[lid]
    document = json.loads(resource[field])
    edit(document)
    resource[field] = json.dumps(document)


def _variable_ref(stack: dict, function: str, variable: str) -> str:
    _, fn = _functions_by_spec(stack)[function]
    rtype, lid, _ = single_ref(fn["environment"]["variables"][variable])
    return "${" + f"{rtype}.{lid}.arn" + "}"


def test_function_role_check_rejects_a_resource_outside_the_environment(stacks: dict[str, dict]) -> None:
    stack = copy.deepcopy(stacks["dev"])
    idempotency = _variable_ref(stack, APP.TRANSACTIONS, APP.IDEMPOTENCY_TABLE)
    _edit_policy(stack, "aws_iam_role_policy", "compute_status_policy", "policy", lambda d: d["Statement"].append(
        {"Effect": "Allow", "Action": ["dynamodb:GetItem"], "Resource": [idempotency]}
    ))  # fmt: skip
    assert any("status:" in p and "not named by its environment" in p for p in function_role_problems(stack))


def test_function_role_check_rejects_an_action_outside_grants(stacks: dict[str, dict]) -> None:
    stack = copy.deepcopy(stacks["dev"])
    table = _variable_ref(stack, APP.STATUS, APP.TRANSACTIONS_TABLE)
    _edit_policy(stack, "aws_iam_role_policy", "compute_status_policy", "policy", lambda d: d["Statement"].append(
        {"Effect": "Allow", "Action": ["dynamodb:DeleteItem"], "Resource": [table]}
    ))  # fmt: skip
    assert any("dynamodb:DeleteItem" in p for p in function_role_problems(stack))


def test_function_role_check_rejects_another_functions_log_group(stacks: dict[str, dict]) -> None:
    stack = copy.deepcopy(stacks["dev"])

    def widen(document: dict) -> None:
        logs = document["Statement"][0]
        logs["Resource"] = [logs["Resource"][0].replace("payment-status-", "payment-transactions-")]

    _edit_policy(stack, "aws_iam_role_policy", "compute_status_policy", "policy", widen)
    assert any("not its own log group" in p for p in function_role_problems(stack))


def test_door_checks_reject_missing_scoping(stacks: dict[str, dict]) -> None:
    stack = copy.deepcopy(stacks["dev"])
    for permission in resources_of(stack, "aws_lambda_permission").values():
        permission.pop("source_account", None)
    assert any("without source_account" in p for p in lambda_permission_problems(stack))
    for permission in resources_of(stack, "aws_lambda_permission").values():
        permission.pop("source_arn")
    assert len(lambda_permission_problems(stack)) >= len(resources_of(stack, "aws_lambda_permission"))

    _edit_policy(stack, "aws_kms_key", "kms_logs", "policy", lambda d: d["Statement"][1].pop("Condition"))
    assert any("without a Condition" in p for p in kms_key_policy_problems(stack))

    _edit_policy(stack, "aws_iam_role", "flow_log_role", "assume_role_policy",
                 lambda d: d["Statement"][0]["Condition"].pop("StringEquals"))  # fmt: skip
    assert any("vpc-flow-logs" in p for p in trust_problems(stack)[0])
