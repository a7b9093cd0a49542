"""The private network of the payment Lambdas: no route to or from the internet, AWS services via endpoints.

Layout (the deployment's ``vpc_cidr`` from the config, split into /20s, one private subnet per AZ):

* no public subnet, internet gateway, NAT gateway or Elastic IP: every AWS API the functions call is
  reached through a VPC endpoint, and every endpoint's policy (``endpoint_policy``) admits only this account's
  principals calling this account's resources, so no path leads data to another account's bucket or queue;
* gateway endpoints (free) for S3 and DynamoDB on the private route table;
* interface endpoints with private DNS only for the services function code calls (``aws_services`` of each
  ``FunctionSpec`` in the application contract, minus the gateway services): today SQS, SNS and Step Functions.
  KMS decryption of environment variables, log delivery, X-Ray traces and the SQS event source are done by AWS
  services outside the VPC, so they need no endpoint. Each interface endpoint costs per AZ-hour (scripts/cost.py):
  its ENIs sit in the first ``endpoint_az_count`` subnets (dev 1), reached across AZs by the functions of the others;
* the Lambda security group may only open HTTPS to the interface endpoints' security group and to the
  S3/DynamoDB prefix lists; the endpoints' group only accepts HTTPS from the Lambda group (in the shared preview
  network, from the VPC's range: each preview brings its own Lambda group);
* the VPC's default security group is emptied (nothing should use it, and anything that does gets no traffic);
* flow logs (ALL traffic) go to a CMK-encrypted log group through a role that can only write to that group.

The account baseline builds the same network once for all previews (``shared_by_previews``): tagged
``PREVIEW_NETWORK_TAG`` so each preview finds it (``constructs/preview_network.py``), without a Lambda group.

Availability zones: see ``network_plan.py`` (zone ids from an allowlist, a precondition on their count).
"""

from __future__ import annotations

from constructs import Construct

from payment_infra import policies
from payment_infra.aws import (
    DataAwsAvailabilityZones,
    DataAwsAvailabilityZonesFilter,
    DefaultSecurityGroup,
    FlowLog,
    IamRole,
    IamRolePolicy,
    RouteTable,
    RouteTableAssociation,
    SecurityGroup,
    Subnet,
    Vpc,
    VpcEndpoint,
    VpcSecurityGroupEgressRule,
    VpcSecurityGroupIngressRule,
)
from payment_infra.config import PREVIEW_NETWORK_NAME
from payment_infra.constructs.kms import KeyRef
from payment_infra.constructs.log_group import encrypted_log_group
from payment_infra.constructs.network_plan import (
    AZ_COUNT,
    CANDIDATE_ZONE_NUMBERS,
    ENDPOINT_SERVICE_NAMES,
    GATEWAY_SERVICES,
    SUBNET_PREFIX,
    candidate_zone_ids,
    endpoint_policy,
    interface_services,
    private_subnet_cidrs,
    service_name,
    zone_id_prefix,
)
from payment_infra.context import AccountContext, DeploymentContext
from payment_infra.framework import Fn, Op, Precondition, TerraformResourceLifecycle

HTTPS = 443
FLOW_LOG_ACTIONS = ("logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents")
# How a preview finds the account's shared network (VPC, subnets, endpoints' group) by data source.
PREVIEW_NETWORK_TAG = {"PaymentNetwork": PREVIEW_NETWORK_NAME}
# Re-exported: the subnet plan, zones and endpoint rules live in network_plan.py, their users import them from here.
__all__ = [
    "AZ_COUNT",
    "CANDIDATE_ZONE_NUMBERS",
    "ENDPOINT_SERVICE_NAMES",
    "GATEWAY_SERVICES",
    "HTTPS",
    "PREVIEW_NETWORK_TAG",
    "SUBNET_PREFIX",
    "Network",
    "candidate_zone_ids",
    "endpoint_policy",
    "interface_services",
    "lambda_egress_to_prefix_list",
    "lambda_security_group",
    "private_subnet_cidrs",
    "service_name",
    "zone_id_prefix",
]


def lambda_security_group(
    scope: Construct,
    ctx: DeploymentContext | AccountContext,
    vpc_id: str,
    endpoint_sg_id: str,
    lifecycle: TerraformResourceLifecycle | None = None,
) -> str:
    """The deployment's Lambda group in ``vpc_id`` with its egress to the endpoints' group; returns its id."""
    naming = ctx.naming
    lambda_sg = SecurityGroup(
        scope,
        "lambda_security_group",
        name=naming.name("payment-lambda"),
        description="Payment API functions: HTTPS egress to VPC endpoints only",
        vpc_id=vpc_id,
        lifecycle=lifecycle,
        tags={"Name": naming.name("payment-lambda")},
    )
    lambda_sg_id = lambda_sg.id
    VpcSecurityGroupEgressRule(
        scope,
        "lambda_egress_to_endpoints",
        security_group_id=lambda_sg_id,
        referenced_security_group_id=endpoint_sg_id,
        ip_protocol="tcp",
        from_port=HTTPS,
        to_port=HTTPS,
        description="HTTPS to the interface VPC endpoints",
    )
    return lambda_sg_id


def lambda_egress_to_prefix_list(scope: Construct, service: str, lambda_sg_id: str, prefix_list_id: str) -> None:
    """HTTPS from the Lambda group to a gateway service's prefix list (the addresses of S3 or DynamoDB)."""
    VpcSecurityGroupEgressRule(
        scope,
        f"lambda_egress_to_{service}",
        security_group_id=lambda_sg_id,
        prefix_list_id=prefix_list_id,
        ip_protocol="tcp",
        from_port=HTTPS,
        to_port=HTTPS,
        description=f"HTTPS to {service} through its gateway endpoint",
    )


class Network(Construct):
    """VPC, private subnets, endpoints, security groups and flow logs of one environment.

    Attributes for later constructs (all Terraform tokens):
        vpc_id, private_subnet_ids, private_route_table_id,
        lambda_security_group_id: attach to every function in the VPC (None in the shared preview network),
        default_security_group_id: the VPC's emptied default group (replacement group on function destroy),
        endpoint_security_group_id,
        gateway_endpoint_ids / interface_endpoint_ids: ``{"s3": ..., "sqs": ...}``,
        flow_log_group_name, flow_log_group_arn, flow_log_role_arn.
    """

    vpc_id: str
    private_subnet_ids: list[str]
    private_route_table_id: str
    lambda_security_group_id: str | None
    default_security_group_id: str
    endpoint_security_group_id: str
    gateway_endpoint_ids: dict[str, str]
    interface_endpoint_ids: dict[str, str]
    flow_log_group_name: str
    flow_log_group_arn: str
    flow_log_role_arn: str

    def __init__(
        self,
        scope: Construct,
        id_: str,
        ctx: DeploymentContext | AccountContext,
        logs_key: KeyRef,
        *,
        vpc_cidr: str,
        endpoint_az_count: int,
        shared_by_previews: bool = False,
    ):
        super().__init__(scope, id_)
        self._ctx = ctx
        found = PREVIEW_NETWORK_TAG if shared_by_previews else {}
        vpc_id = self._vpc(vpc_cidr, found)
        route_table_id, subnet_ids = self._private_subnets(vpc_id, vpc_cidr, found)
        endpoint_sg_id, lambda_sg_id = self._security_groups(vpc_id, vpc_cidr, found, shared_by_previews)
        self._gateway_endpoints(vpc_id, route_table_id, lambda_sg_id)
        self._interface_endpoints(vpc_id, subnet_ids[:endpoint_az_count], endpoint_sg_id)
        self._flow_logs(vpc_id, logs_key)
        self.vpc_id = vpc_id
        self.private_subnet_ids = subnet_ids
        self.private_route_table_id = route_table_id
        self.lambda_security_group_id = lambda_sg_id
        self.endpoint_security_group_id = endpoint_sg_id

    def _vpc(self, vpc_cidr: str, found: dict[str, str]) -> str:
        """The VPC (DNS on) and its emptied default group; returns the VPC id."""
        naming = self._ctx.naming
        vpc = Vpc(
            self,
            "vpc",
            cidr_block=vpc_cidr,
            enable_dns_support=True,  # both required for private DNS of interface endpoints
            enable_dns_hostnames=True,
            tags={"Name": naming.name("payment-vpc"), **found},
        )
        vpc_id = vpc.id  # attributes are read once: each read is a round trip to the jsii kernel
        # Terraform adopts the default group and removes all of its rules; it is also every function's replacement
        # group on destroy (payment_function.py): never deleted, no rule, no traffic.
        default_sg = DefaultSecurityGroup(self, "default_security_group", vpc_id=vpc_id)
        self.default_security_group_id = default_sg.id
        return vpc_id

    def _private_subnets(self, vpc_id: str, vpc_cidr: str, found: dict[str, str]) -> tuple[str, list[str]]:
        """One private subnet per AZ on one route table (no route out); returns the table's and subnets' ids."""
        ctx, naming = self._ctx, self._ctx.naming
        zones = DataAwsAvailabilityZones(
            self,
            "availability_zones",
            state="available",
            filter=[DataAwsAvailabilityZonesFilter(name="zone-id", values=candidate_zone_ids(ctx.region))],
        )
        route_table = RouteTable(
            self,
            "private_route_table",
            vpc_id=vpc_id,
            tags={"Name": naming.name("payment-private")},
        )
        # element() wraps around: with fewer zones than subnets two subnets would silently share a zone.
        enough_zones = TerraformResourceLifecycle(
            precondition=[
                Precondition(
                    condition=Op.gte(Fn.length_of(zones.zone_ids), AZ_COUNT),
                    error_message=f"need {AZ_COUNT} available AZs among {', '.join(candidate_zone_ids(ctx.region))}",
                )
            ]
        )
        route_table_id = route_table.id
        zone_ids = zones.zone_ids
        subnet_ids = []
        for index, cidr in enumerate(private_subnet_cidrs(vpc_cidr)):
            subnet = Subnet(
                self,
                f"private_subnet_{index}",
                vpc_id=vpc_id,
                cidr_block=cidr,
                availability_zone_id=Fn.element(zone_ids, index),
                map_public_ip_on_launch=False,
                lifecycle=enough_zones,
                tags={"Name": naming.name(f"payment-private-{index}"), **found},
            )
            subnet_id = subnet.id
            subnet_ids.append(subnet_id)
            RouteTableAssociation(
                self, f"private_subnet_{index}_route_table", subnet_id=subnet_id, route_table_id=route_table_id
            )
        return route_table_id, subnet_ids

    def _security_groups(
        self, vpc_id: str, vpc_cidr: str, found: dict[str, str], shared_by_previews: bool
    ) -> tuple[str, str | None]:
        """The endpoints' group and who may reach it; returns its id and the Lambda group's (None when shared)."""
        naming = self._ctx.naming
        endpoint_sg = SecurityGroup(
            self,
            "endpoint_security_group",
            name=naming.name("payment-endpoints"),
            description="Interface VPC endpoints: HTTPS from the payment API functions only",
            vpc_id=vpc_id,
            tags={"Name": naming.name("payment-endpoints"), **found},
        )
        endpoint_sg_id = endpoint_sg.id
        lambda_sg_id = None
        if shared_by_previews:
            # Previews come and go, each with its own Lambda group: admit the VPC's range, which holds nothing else.
            VpcSecurityGroupIngressRule(
                self,
                "endpoint_ingress_from_vpc",
                security_group_id=endpoint_sg_id,
                cidr_ipv4=vpc_cidr,
                ip_protocol="tcp",
                from_port=HTTPS,
                to_port=HTTPS,
                description="HTTPS from the previews' functions in this VPC",
            )
        else:
            lambda_sg_id = self._lambda_security_group(vpc_id, endpoint_sg_id)
        return endpoint_sg_id, lambda_sg_id

    def _gateway_endpoints(self, vpc_id: str, route_table_id: str, lambda_sg_id: str | None) -> None:
        """S3 and DynamoDB gateway endpoints on the private route table, each opened to the Lambda group."""
        ctx, naming = self._ctx, self._ctx.naming
        self.gateway_endpoint_ids = {}
        for service in GATEWAY_SERVICES:
            endpoint = VpcEndpoint(
                self,
                f"{service}_gateway_endpoint",
                vpc_id=vpc_id,
                service_name=service_name(ctx.region, service),
                vpc_endpoint_type="Gateway",
                route_table_ids=[route_table_id],
                policy=endpoint_policy(service, ctx.account_id),
                tags={"Name": naming.name(f"payment-{service}")},
            )
            if lambda_sg_id is not None:
                # The prefix list of the endpoint's service: the only non-VPC addresses the functions may reach.
                lambda_egress_to_prefix_list(self, service, lambda_sg_id, endpoint.prefix_list_id)
            self.gateway_endpoint_ids[service] = endpoint.id

    def _interface_endpoints(self, vpc_id: str, subnet_ids: list[str], endpoint_sg_id: str) -> None:
        """An interface endpoint (private DNS) in ``subnet_ids`` for each service the functions call."""
        ctx, naming = self._ctx, self._ctx.naming
        self.interface_endpoint_ids = {}
        for service in interface_services():
            endpoint = VpcEndpoint(
                self,
                f"{service}_interface_endpoint",
                vpc_id=vpc_id,
                service_name=service_name(ctx.region, service),
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=subnet_ids,
                security_group_ids=[endpoint_sg_id],
                policy=endpoint_policy(service, ctx.account_id),
                tags={"Name": naming.name(f"payment-{service}")},
            )
            self.interface_endpoint_ids[service] = endpoint.id

    def _lambda_security_group(self, vpc_id: str, endpoint_sg_id: str) -> str:
        """The functions' group: HTTPS to the endpoints' group only (gateway prefix lists are added after)."""
        lambda_sg_id = lambda_security_group(self, self._ctx, vpc_id, endpoint_sg_id)
        VpcSecurityGroupIngressRule(
            self,
            "endpoint_ingress_from_lambda",
            security_group_id=endpoint_sg_id,
            referenced_security_group_id=lambda_sg_id,
            ip_protocol="tcp",
            from_port=HTTPS,
            to_port=HTTPS,
            description="HTTPS from the payment API functions",
        )
        return lambda_sg_id

    def _flow_logs(self, vpc_id: str, logs_key: KeyRef) -> None:
        ctx = self._ctx
        group = encrypted_log_group(
            self, "flow_log_group", ctx, name=f"/aws/vpc/flow-logs/{ctx.naming.name('payment')}", key_arn=logs_key.arn
        )
        role = IamRole(
            self,
            "flow_log_role",
            name=ctx.naming.name("payment-vpc-flow-logs"),
            description="VPC flow logs delivery to the payment flow-log group",
            assume_role_policy=policies.assume_role_policy(
                "vpc-flow-logs.amazonaws.com",
                source_account=ctx.account_id,
                source_arn=ctx.arn("ec2", "vpc-flow-log/*"),
            ),
        )
        self.flow_log_group_name = group.name
        self.flow_log_group_arn = group.arn
        self.flow_log_role_arn = role.arn
        IamRolePolicy(
            self,
            "flow_log_role_policy",
            name="write-flow-log-group",
            role=role.id,
            policy=policies.document(
                [policies.allow(list(FLOW_LOG_ACTIONS), [f"{self.flow_log_group_arn}:*"], sid="WriteFlowLogGroup")]
            ),
        )
        FlowLog(
            self,
            "flow_log",
            vpc_id=vpc_id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=self.flow_log_group_arn,
            iam_role_arn=self.flow_log_role_arn,
            max_aggregation_interval=60,
            tags={"Name": ctx.naming.name("payment-vpc-flow-logs")},
        )
