"""The private network's plan as pure functions: subnet CIDRs, candidate zone ids, endpoint services and policies.

Availability zones: ``data.aws_availability_zones`` filtered to an allowlist of zone *ids* (``apne2-az1`` ..
``-az3``; ids name the same physical zone in every account, zone letters do not) and state ``available``;
subnet ``i`` takes ``element(zone_ids, i)``. Region name + ``a``/``b`` was rejected: not every letter exists
(new accounts get no ``ap-northeast-1b``). The closed allowlist keeps the set from growing when AWS adds a zone
(checkov CKV_AWS_394) and leaves out Local/Wavelength zones; regions where one of az1-az3 is retired or
constrained (us-west-1, ap-northeast-1) still return two, and a precondition on the subnets fails the plan
if fewer than ``AZ_COUNT`` come back. The zone ids are known only at plan time; the subnet count and CIDRs are
fixed at synth.
"""

from __future__ import annotations

import ipaddress
import itertools

from payment_infra import policies
from payment_infra.application import functions_module
from payment_infra.config import VPC_AZ_COUNT, VPC_SUBNET_PREFIX

# The subnet plan lives in config/network.py (validated with each deployment's vpc_cidr): a /16 holds 16 /20 subnets
# (4,091 usable addresses each; Lambda ENIs are shared per subnet + security group).
SUBNET_PREFIX = VPC_SUBNET_PREFIX
AZ_COUNT = VPC_AZ_COUNT
GATEWAY_SERVICES = ("s3", "dynamodb")
# boto3 service name -> the endpoint service suffix, where they differ (com.amazonaws.<region>.<suffix>).
ENDPOINT_SERVICE_NAMES = {"stepfunctions": "states"}
CANDIDATE_ZONE_NUMBERS = (1, 2, 3)
_DIRECTIONS = {"northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw",
               "north": "n", "south": "s", "east": "e", "west": "w", "central": "c"}  # fmt: skip


def interface_services() -> tuple[str, ...]:
    """The endpoint services the functions call from the VPC that no gateway endpoint serves, sorted."""
    called = {service for spec in functions_module().FUNCTIONS for service in spec.aws_services}
    return tuple(sorted(ENDPOINT_SERVICE_NAMES.get(s, s) for s in called if s not in GATEWAY_SERVICES))


def private_subnet_cidrs(vpc_cidr: str, count: int = AZ_COUNT, prefix: int = SUBNET_PREFIX) -> list[str]:
    """The first ``count`` /``prefix`` blocks of ``vpc_cidr``: ``["10.40.0.0/20", "10.40.16.0/20", ...]``."""
    blocks = list(itertools.islice(ipaddress.ip_network(vpc_cidr).subnets(new_prefix=prefix), count))
    if len(blocks) < count:
        raise ValueError(f"{vpc_cidr} holds only {len(blocks)} /{prefix} subnets, {count} requested")
    return [str(block) for block in blocks]


def zone_id_prefix(region: str) -> str:
    """The prefix of a region's AZ ids: ``ap-northeast-2`` -> ``apne2``, ``us-east-1`` -> ``use1``."""
    area, direction, number = region.split("-")
    return f"{area}{_DIRECTIONS[direction]}{number}"


def candidate_zone_ids(region: str) -> list[str]:
    """The AZ ids the network may use in ``region`` (only the ones that exist and are available are returned)."""
    return [f"{zone_id_prefix(region)}-az{n}" for n in CANDIDATE_ZONE_NUMBERS]


def service_name(region: str, service: str) -> str:
    return f"com.amazonaws.{region}.{service}"


def endpoint_policy(service: str, account_id: str) -> str:
    """The endpoint's policy: ``<service>:*`` by this account's principals on this account's resources only.

    The default policy (none given) allows any principal any action on any account's resources through the
    endpoint, so stolen credentials of another account, or our role writing to another account's bucket, would
    pass. ``aws:PrincipalAccount`` and ``aws:ResourceAccount`` are global condition keys every service here sets
    (IAM User Guide, "AWS global condition context keys"; VPC endpoint policies, "Restrict access to a specific
    account").
    """
    return policies.document(
        [
            policies.allow(
                [f"{service}:*"],
                ["*"],
                sid="ThisAccountOnly",
                principals={"AWS": "*"},  # an endpoint policy names every principal, then narrows by condition
                conditions={"StringEquals": {"aws:PrincipalAccount": account_id, "aws:ResourceAccount": account_id}},
            )
        ]
    )
