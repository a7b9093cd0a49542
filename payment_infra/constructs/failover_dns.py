"""The API's custom domain with Route 53 failover (``dr.failover_mode = "dns"``): one part in each region's stack.

Each stack (the primary ``payment-<env>`` and the standby ``payment-<env>-dr``) gives ``dr.domain_name`` a regional API
Gateway custom domain in its region: an ACM certificate validated by DNS in ``dr.hosted_zone_id`` (both regions'
certificates use the same validation record, so it may be overwritten), the domain mapped to the stage at the root
path, and a failover record of the name pointing at the regional domain's target:

- the primary's record is ``PRIMARY`` and carries a Route 53 HTTPS health check of the primary's own ``/health``
  (its execute-api host and stage, so the check sees that region only);
- the standby's record is ``SECONDARY`` (no health check: Route 53 answers with it whenever the primary is unhealthy).

RTO with DNS: the health check turns unhealthy after ``health_check_interval_seconds`` x
``health_check_failure_threshold`` (10 s x 3), Route 53 propagates within a minute, and resolvers keep the old answer
at most ``dns_ttl_seconds`` (60 s): 150 s by default, validated to stay within ``RTO_TARGET_SECONDS`` (300 s).
``/health`` is liveness (API Gateway and Lambda of the region): a regional loss of DynamoDB alone is failed over by an
operator (make failover), docs/disaster-recovery.md. Route 53 is a global service: the records and the health check
keep working when either region is lost.
"""

from __future__ import annotations

from typing import Any

from constructs import Construct

from payment_infra.aws import (
    AcmCertificate,
    AcmCertificateValidation,
    ApiGatewayBasePathMapping,
    ApiGatewayDomainName,
    ApiGatewayDomainNameEndpointConfiguration,
    Route53HealthCheck,
    Route53Record,
    Route53RecordFailoverRoutingPolicy,
)
from payment_infra.config.dr import DrSettings
from payment_infra.constructs.api import PaymentRestApi
from payment_infra.context import DeploymentContext
from payment_infra.framework import TerraformResourceLifecycle

PRIMARY, SECONDARY = "PRIMARY", "SECONDARY"
TLS_POLICY = "TLS_1_2"
HEALTH_PATH = "/health"
#: The failover record's type: a CNAME to the regional domain's target, so its TTL is ours (dr.dns_ttl_seconds).
RECORD_TYPE = "CNAME"


def execute_api_host(rest_api_id: str, region: str) -> str:
    """``<id>.execute-api.<region>.amazonaws.com``: the region's own endpoint, whatever the custom domain says."""
    return f"{rest_api_id}.execute-api.{region}.amazonaws.com"


class FailoverDomain(Construct):
    """Exposes ``domain_name``, ``regional_target`` and ``health_check_id`` (primary only, else None)."""

    def __init__(self, scope: Construct, id_: str, ctx: DeploymentContext, *, api: PaymentRestApi, role: str):
        super().__init__(scope, id_)
        if role not in (PRIMARY, SECONDARY):
            raise ValueError(f"role {role!r}: allowed {PRIMARY} or {SECONDARY}")
        dr = ctx.config.dr
        self.domain_name = dr.domain_name
        certificate = AcmCertificate(
            self,
            "certificate",
            domain_name=dr.domain_name,
            validation_method="DNS",
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )
        validation = AcmCertificateValidation(
            self,
            "certificate_validation",
            certificate_arn=certificate.arn,
            validation_record_fqdns=self._validation_record(certificate, role, dr),
        )
        domain = ApiGatewayDomainName(
            self,
            "domain",
            domain_name=dr.domain_name,
            regional_certificate_arn=validation.certificate_arn,
            endpoint_configuration=ApiGatewayDomainNameEndpointConfiguration(types=["REGIONAL"]),
            security_policy=TLS_POLICY,
        )
        ApiGatewayBasePathMapping(
            self, "base_path_mapping", api_id=api.rest_api_id, stage_name=api.stage_name, domain_name=domain.domain_name
        )
        self.regional_target = domain.regional_domain_name
        self.health_check_id: str | None = None
        if role == PRIMARY:
            check = Route53HealthCheck(
                self,
                "health_check",
                type="HTTPS",
                fqdn=execute_api_host(api.rest_api_id, ctx.region),
                port=443,
                resource_path=f"/{ctx.config.name}{HEALTH_PATH}",
                request_interval=dr.health_check_interval_seconds,
                failure_threshold=dr.health_check_failure_threshold,
                tags={"Name": ctx.naming.name("payment-api-health")},
            )
            self.health_check_id = check.id
        Route53Record(
            self,
            "failover_record",  # per region, told apart by set_identifier
            zone_id=dr.hosted_zone_id,
            name=dr.domain_name,
            type=RECORD_TYPE,
            ttl=dr.dns_ttl_seconds,
            records=[self.regional_target],
            set_identifier=f"{ctx.naming.environment}-{role.lower()}",
            failover_routing_policy=Route53RecordFailoverRoutingPolicy(type=role),
            health_check_id=self.health_check_id,
        )

    def _validation_record(self, certificate: AcmCertificate, role: str, dr: DrSettings) -> list[str] | None:
        """The DNS validation record, created by the primary only.

        ACM validates every certificate of one domain name in one account with the same CNAME, whatever the region
        (so terraform-aws-modules/acm creates the records once for several certificates). Two stacks managing it
        would each delete it on destroy; the standby's certificate waits for the primary's record instead.
        """
        if role != PRIMARY:
            return None
        option = certificate.domain_validation_options.get(0)
        record = Route53Record(
            self,
            "certificate_validation_record",
            zone_id=dr.hosted_zone_id,
            name=option.resource_record_name,
            type=option.resource_record_type,
            records=[option.resource_record_value],
            ttl=dr.dns_ttl_seconds,
            allow_overwrite=True,  # a record left by an earlier certificate of the domain has this name and value
        )
        return [record.fqdn]


def failover_domain(api: Any) -> FailoverDomain | None:
    """``api``'s (a ``PaymentApiConstruct``) part of the DNS failover when its deployment asks for it, else None."""
    dr, standby = api.config.dr, api.parts.is_standby
    if dr.failover_mode != "dns" or not (dr.enabled or standby):
        return None
    return FailoverDomain(api, "failover_domain", api.context, api=api.api, role=SECONDARY if standby else PRIMARY)
