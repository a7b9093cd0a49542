"""The VPC plan every deployment's network follows, and the rule a VPC range must meet to hold it.

``AZ_COUNT`` private subnets of ``/SUBNET_PREFIX`` each are carved from the deployment's ``vpc_cidr``;
previews share one network the account baseline owns (``PREVIEW_NETWORK_CIDR``).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from payment_infra.config.problems import Problem

PREVIEW_NETWORK_NAME = "previews"
# The shared preview network of the account baseline: outside the environments' 10.40-10.42/16.
PREVIEW_NETWORK_CIDR = "10.128.0.0/16"
# The VPC plan: AZ_COUNT private subnets of /SUBNET_PREFIX each, carved from the deployment's vpc_cidr. Two AZs
# is the spec's minimum and what Lambda needs for AZ resilience; each extra AZ adds one ENI (and its hourly
# charge) per interface endpoint.
VPC_AZ_COUNT = 2
# Interface endpoints may sit in fewer AZs than the subnets (``endpoint_az_count``): a function in the other AZ
# reaches them across AZs (same private DNS name), so a lost AZ costs that endpoint, not the service.
VPC_SUBNET_PREFIX = 20
VPC_PREFIX_RANGE = (16, 28)  # what AWS allows for a VPC's primary CIDR block
PRIVATE_RANGES = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))


def vpc_cidr_problems(cidr: Any, name: str = "vpc_cidr") -> list[Problem]:
    """A VPC range AWS accepts (/16-/28), private (RFC 1918), with room for the subnet plan."""
    try:
        network = ipaddress.ip_network(cidr, strict=True) if isinstance(cidr, str) else None
    except ValueError:
        network = None
    if network is None or network.version != 4:
        return [(name, cidr, "an IPv4 network like 10.40.0.0/16 (no host bits set)")]
    low, high = VPC_PREFIX_RANGE
    largest = VPC_SUBNET_PREFIX - (VPC_AZ_COUNT - 1).bit_length()  # the smallest VPC holding the subnets
    problems = []
    if not any(network.subnet_of(private) for private in PRIVATE_RANGES):
        private = "a private (RFC 1918) range inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"
        problems.append((name, cidr, private))
    if not low <= network.prefixlen <= min(high, largest):
        problems.append(
            (
                name,
                cidr,
                f"a prefix from /{low} to /{min(high, largest)}: AWS allows /{low}-/{high} and the network needs "
                f"{VPC_AZ_COUNT} /{VPC_SUBNET_PREFIX} subnets",
            )
        )
    return problems
