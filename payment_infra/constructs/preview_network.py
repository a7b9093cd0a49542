"""A preview's place in the account's shared preview network: found by tags, never created.

A region allows 5 VPCs by default; the default VPC and the three environments leave room for one preview, so a
second one creating its own VPC fails (``VpcLimitExceeded``). The account baseline (``payment-account``) owns one
network for every preview (``Network(shared_by_previews=True)``: VPC, subnets, endpoints with their policies,
flow logs); a preview reads it by the ``PREVIEW_NETWORK_TAG`` data sources and creates only its own Lambda
security group. It pays for no endpoint and its destroy deletes no subnet (the longest wait of a VPC destroy).
"""

from __future__ import annotations

from constructs import Construct

from payment_infra.aws import (
    DataAwsPrefixList,
    DataAwsSecurityGroup,
    DataAwsSubnets,
    DataAwsSubnetsFilter,
    DataAwsVpc,
)
from payment_infra.constructs.network import (
    AZ_COUNT,
    GATEWAY_SERVICES,
    PREVIEW_NETWORK_TAG,
    lambda_egress_to_prefix_list,
    lambda_security_group,
    service_name,
)
from payment_infra.context import DeploymentContext
from payment_infra.framework import Fn, Op, Precondition, TerraformResourceLifecycle


class PreviewNetworkAccess(Construct):
    """Exposes ``vpc_id``, ``private_subnet_ids``, ``lambda_security_group_id`` (the preview's own group) and
    ``default_security_group_id`` (the shared VPC's emptied default group, the functions' replacement on destroy).
    """

    def __init__(self, scope: Construct, id_: str, ctx: DeploymentContext):
        super().__init__(scope, id_)
        vpc = DataAwsVpc(self, "vpc", tags=PREVIEW_NETWORK_TAG)
        vpc_id = vpc.id
        subnets = DataAwsSubnets(
            self, "subnets", filter=[DataAwsSubnetsFilter(name="vpc-id", values=[vpc_id])], tags=PREVIEW_NETWORK_TAG
        )
        subnet_ids = subnets.ids
        endpoints = DataAwsSecurityGroup(self, "endpoint_security_group", vpc_id=vpc_id, tags=PREVIEW_NETWORK_TAG)
        default = DataAwsSecurityGroup(self, "default_security_group", vpc_id=vpc_id, name="default")
        tag = ", ".join(f"{k}={v}" for k, v in PREVIEW_NETWORK_TAG.items())
        enough_subnets = TerraformResourceLifecycle(
            precondition=[
                Precondition(
                    condition=Op.gte(Fn.length_of(subnet_ids), AZ_COUNT),
                    error_message=f"the shared preview network (tag {tag}) has fewer than {AZ_COUNT} subnets: deploy "
                    "the account baseline payment-account first",
                )
            ]
        )
        self.lambda_security_group_id = lambda_security_group(self, ctx, vpc_id, endpoints.id, lifecycle=enough_subnets)
        for service in GATEWAY_SERVICES:
            prefix_list = DataAwsPrefixList(self, f"{service}_prefix_list", name=service_name(ctx.region, service))
            lambda_egress_to_prefix_list(self, service, self.lambda_security_group_id, prefix_list.id)
        self.vpc_id = vpc_id
        self.private_subnet_ids = subnet_ids
        self.default_security_group_id = default.id
