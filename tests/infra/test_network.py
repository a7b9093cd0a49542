"""The private network of every environment, read from the synthesized JSON."""

from __future__ import annotations

import re

import pytest

from payment_infra.config import load_config
from payment_infra.constructs.network import (
    candidate_zone_ids,
    interface_services,
    private_subnet_cidrs,
    zone_id_prefix,
)
from tests.infra.synth_helpers import logical_id, only, policy, ref, resources

RETENTION_DAYS = {"dev": 7, "staging": 14, "prod": 30}
# What function code calls today from the VPC without a gateway endpoint (lambdas/payments/functions.py).
INTERFACE_SERVICES = {"sqs", "states"}  # the functions send to SQS and start executions
VPC_CIDRS = {"dev": "10.40.0.0/16", "staging": "10.41.0.0/16", "prod": "10.42.0.0/16"}
REGION = "ap-northeast-2"
ACCOUNT = "${data.aws_caller_identity.payment_api_current_account_9732D2D0.account_id}"
_ELEMENT = re.compile(r"^\$\{element\(data\.aws_availability_zones\.(\w+)\.zone_ids, (\d+)\)\}$")


def _vpc_key(stack: dict) -> str:
    (key,) = resources(stack, "aws_vpc")
    return key


def _sg_key(stack: dict, name: str) -> str:
    return logical_id(stack, "aws_security_group", lambda sg: sg["name"] == name)


def _rules(stack: dict, direction: str, security_group: str) -> list[dict]:
    """The ``aws_vpc_security_group_{direction}_rule``s of ``security_group`` (a ``${...id}`` reference)."""
    rtype = f"aws_vpc_security_group_{direction}_rule"
    return [r for r in resources(stack, rtype).values() if r["security_group_id"] == security_group]


def _private_route_table(stack: dict) -> str:
    (key,) = resources(stack, "aws_route_table")
    return key


def _endpoints(stack: dict, kind: str) -> dict[str, dict]:
    """``{"s3": <endpoint>, ...}`` of the given type (Gateway or Interface)."""
    prefix = f"com.amazonaws.{REGION}."
    found = {}
    for endpoint in resources(stack, "aws_vpc_endpoint").values():
        if endpoint["vpc_endpoint_type"] == kind:
            assert endpoint["service_name"].startswith(prefix)
            found[endpoint["service_name"].removeprefix(prefix)] = endpoint
    return found


# ---- VPC and subnets -------------------------------------------------------------------------------------


def test_one_vpc_with_dns_and_the_documented_cidr(stack: dict, env: str) -> None:
    vpc = only(stack, "aws_vpc")
    assert vpc["cidr_block"] == VPC_CIDRS[env] == load_config(env, environ={}).vpc_cidr
    assert vpc["enable_dns_support"] is True
    assert vpc["enable_dns_hostnames"] is True
    assert vpc["tags"]["Name"] == f"payment-vpc-{env}"


def test_private_subnets_in_distinct_pinned_zones(stack: dict, env: str) -> None:
    subnets = list(resources(stack, "aws_subnet").values())
    assert len(subnets) >= 2
    (zones_key,) = stack["data"]["aws_availability_zones"]
    zones = stack["data"]["aws_availability_zones"][zones_key]
    assert zones["state"] == "available"
    assert zones["filter"] == [{"name": "zone-id", "values": ["apne2-az1", "apne2-az2", "apne2-az3"]}]
    indexes = []
    for subnet in subnets:
        match = _ELEMENT.match(subnet["availability_zone_id"])
        assert match and match.group(1) == zones_key, subnet["availability_zone_id"]
        indexes.append(int(match.group(2)))
        assert subnet["vpc_id"] == ref("aws_vpc", _vpc_key(stack))
        assert subnet["map_public_ip_on_launch"] is False
        (precondition,) = subnet["lifecycle"]["precondition"]
        assert (
            f"length(data.aws_availability_zones.{zones_key}.zone_ids) >= {len(subnets)}" in precondition["condition"]
        )
    assert sorted(indexes) == list(range(len(subnets)))  # element() index i < count: every subnet its own zone
    assert sorted(s["cidr_block"] for s in subnets) == sorted(private_subnet_cidrs(VPC_CIDRS[env], len(subnets)))


def test_every_subnet_uses_the_private_route_table_which_has_no_routes(stack: dict) -> None:
    route_table_key = _private_route_table(stack)
    assert "route" not in resources(stack, "aws_route_table")[route_table_key]
    assert "aws_route" not in stack["resource"]
    associated = {
        a["subnet_id"]
        for a in resources(stack, "aws_route_table_association").values()
        if a["route_table_id"] == ref("aws_route_table", route_table_key)
    }
    assert associated == {ref("aws_subnet", key) for key in resources(stack, "aws_subnet")}


def test_no_path_to_or_from_the_internet(stack: dict) -> None:
    for rtype in (
        "aws_internet_gateway",
        "aws_egress_only_internet_gateway",
        "aws_nat_gateway",
        "aws_eip",
        "aws_route",
        "aws_vpn_gateway",
    ):
        assert rtype not in stack["resource"], rtype
    assert all(not s.get("map_public_ip_on_launch") for s in resources(stack, "aws_subnet").values())
    assert all(not s.get("assign_ipv6_address_on_creation") for s in resources(stack, "aws_subnet").values())


def test_default_security_group_is_emptied(stack: dict) -> None:
    default = only(stack, "aws_default_security_group")
    assert default["vpc_id"] == ref("aws_vpc", _vpc_key(stack))
    assert "ingress" not in default and "egress" not in default


# ---- endpoints -------------------------------------------------------------------------------------------


def test_gateway_endpoints_for_s3_and_dynamodb_on_the_private_route_table(stack: dict) -> None:
    gateways = _endpoints(stack, "Gateway")
    assert set(gateways) == {"s3", "dynamodb"}
    for endpoint in gateways.values():
        assert endpoint["route_table_ids"] == [ref("aws_route_table", _private_route_table(stack))]
        assert endpoint["vpc_id"] == ref("aws_vpc", _vpc_key(stack))


def test_interface_endpoints_with_private_dns_in_the_private_subnets(stack: dict, env: str) -> None:
    interfaces = _endpoints(stack, "Interface")
    assert set(interfaces) == INTERFACE_SERVICES == set(interface_services())
    subnets = sorted(ref("aws_subnet", key) for key in resources(stack, "aws_subnet"))
    endpoint_sg = ref("aws_security_group", _sg_key(stack, f"payment-endpoints-{env}"))
    az_count = load_config(env, {}).endpoint_az_count
    assert az_count == (1 if env == "dev" else 2)  # dev pays for one AZ of endpoints (issue 25, cost)
    for endpoint in interfaces.values():
        assert endpoint["private_dns_enabled"] is True
        assert endpoint["subnet_ids"] == [ref("aws_subnet", key) for key in resources(stack, "aws_subnet")][:az_count]
        assert set(endpoint["subnet_ids"]) <= set(subnets)
        assert endpoint["security_group_ids"] == [endpoint_sg]


# ---- security groups -------------------------------------------------------------------------------------


def test_every_security_group_and_rule_is_described_and_uses_separate_rules(stack: dict) -> None:
    for sg in resources(stack, "aws_security_group").values():
        assert sg["description"].strip()
        assert "ingress" not in sg and "egress" not in sg  # inline rules would fight the rule resources
    for rtype in ("aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"):
        for rule in resources(stack, rtype).values():
            assert rule["description"].strip()


def test_lambda_egress_is_https_to_endpoints_and_prefix_lists_only(stack: dict, env: str) -> None:
    lambda_sg = ref("aws_security_group", _sg_key(stack, f"payment-lambda-{env}"))
    endpoint_sg = ref("aws_security_group", _sg_key(stack, f"payment-endpoints-{env}"))
    gateway_keys = [
        key for key, e in resources(stack, "aws_vpc_endpoint").items() if e["vpc_endpoint_type"] == "Gateway"
    ]
    rules = _rules(stack, "egress", lambda_sg)
    destinations = set()
    for rule in rules:
        assert (rule["ip_protocol"], rule["from_port"], rule["to_port"]) == ("tcp", 443, 443)
        assert "cidr_ipv4" not in rule and "cidr_ipv6" not in rule
        destinations.add(rule.get("referenced_security_group_id") or rule["prefix_list_id"])
    assert destinations == {endpoint_sg, *(ref("aws_vpc_endpoint", key, "prefix_list_id") for key in gateway_keys)}
    assert len(rules) == 3
    assert _rules(stack, "ingress", lambda_sg) == []


def test_endpoint_group_accepts_https_from_the_lambda_group_only(stack: dict, env: str) -> None:
    lambda_sg = ref("aws_security_group", _sg_key(stack, f"payment-lambda-{env}"))
    endpoint_sg = ref("aws_security_group", _sg_key(stack, f"payment-endpoints-{env}"))
    (rule,) = _rules(stack, "ingress", endpoint_sg)
    assert (rule["ip_protocol"], rule["from_port"], rule["to_port"]) == ("tcp", 443, 443)
    assert rule["referenced_security_group_id"] == lambda_sg
    assert _rules(stack, "egress", endpoint_sg) == []


def test_no_rule_anywhere_opens_to_the_world(stack: dict) -> None:
    for rtype in ("aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"):
        for rule in resources(stack, rtype).values():
            assert rule.get("cidr_ipv4") != "0.0.0.0/0" and rule.get("cidr_ipv6") != "::/0"
            assert rule["ip_protocol"] != "-1"


# ---- flow logs -------------------------------------------------------------------------------------------


def test_flow_logs_capture_all_traffic_into_the_encrypted_group(stack: dict, env: str) -> None:
    group_key = logical_id(
        stack, "aws_cloudwatch_log_group", lambda g: g["name"] == f"/aws/vpc/flow-logs/payment-{env}"
    )
    group = resources(stack, "aws_cloudwatch_log_group")[group_key]
    logs_key = next(k for k, v in resources(stack, "aws_kms_key").items() if "CloudWatch Logs" in v["description"])
    assert group["kms_key_id"] == ref("aws_kms_key", logs_key, "arn")
    assert group["retention_in_days"] == RETENTION_DAYS[env]

    flow_log = only(stack, "aws_flow_log")
    assert flow_log["vpc_id"] == ref("aws_vpc", _vpc_key(stack))
    assert flow_log["traffic_type"] == "ALL"
    assert flow_log["log_destination_type"] == "cloud-watch-logs"
    assert flow_log["log_destination"] == ref("aws_cloudwatch_log_group", group_key, "arn")


def test_flow_log_role_is_pinned_and_can_only_write_to_its_group(stack: dict, env: str) -> None:
    flow_log = only(stack, "aws_flow_log")
    role_key = logical_id(stack, "aws_iam_role", lambda r: r["name"] == f"payment-vpc-flow-logs-{env}")
    assert flow_log["iam_role_arn"] == ref("aws_iam_role", role_key, "arn")
    (trust,) = policy(resources(stack, "aws_iam_role")[role_key], "assume_role_policy")["Statement"]
    assert trust["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    assert trust["Condition"]["ArnLike"] == {"aws:SourceArn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc-flow-log/*"}

    group_key = logical_id(stack, "aws_cloudwatch_log_group", lambda g: g["name"].startswith("/aws/vpc/flow-logs/"))
    role_policy = only(stack, "aws_iam_role_policy", lambda p: p["role"] == ref("aws_iam_role", role_key))
    (statement,) = policy(role_policy)["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
    assert statement["Resource"] == [ref("aws_cloudwatch_log_group", group_key, "arn") + ":*"]


# ---- pure helpers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "prefix"),
    [("ap-northeast-2", "apne2"), ("us-east-1", "use1"), ("eu-central-1", "euc1"), ("ap-southeast-2", "apse2"),
     ("sa-east-1", "sae1"), ("us-west-1", "usw1"), ("eu-north-1", "eun1"), ("af-south-1", "afs1")],
)  # fmt: skip
def test_zone_id_prefix(region: str, prefix: str) -> None:
    assert zone_id_prefix(region) == prefix
    assert candidate_zone_ids(region) == [f"{prefix}-az1", f"{prefix}-az2", f"{prefix}-az3"]


def test_subnet_plan_is_non_overlapping_and_inside_the_vpc() -> None:
    import ipaddress

    cidr = VPC_CIDRS["dev"]
    vpc = ipaddress.ip_network(cidr)
    blocks = [ipaddress.ip_network(c) for c in private_subnet_cidrs(cidr, 16)]
    assert all(b.subnet_of(vpc) and b.prefixlen == 20 for b in blocks)
    assert len(set(blocks)) == 16
    with pytest.raises(ValueError, match="only 16"):
        private_subnet_cidrs(cidr, 17)


def test_interface_endpoints_follow_what_the_functions_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """A function that starts to call SNS gets its endpoint; gateway services never get one."""
    import dataclasses

    from payment_infra.application import functions_module

    app = functions_module()
    changed = tuple(
        dataclasses.replace(spec, aws_services=(*spec.aws_services, "sns", "s3")) if spec.name == "settlement" else spec
        for spec in app.FUNCTIONS
    )
    monkeypatch.setattr(app, "FUNCTIONS", changed)
    assert interface_services() == ("sns", "sqs", "states")
