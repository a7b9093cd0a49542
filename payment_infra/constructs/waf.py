"""AWS WAF in front of the API stage: AWS managed rule groups, a per-IP rate limit, and logged decisions.

Managed groups: common exploits, known bad inputs (incl. Log4j), Amazon IP reputation, anonymous IPs. Logs go to a
CMK-encrypted log group whose name WAF requires to start with ``aws-waf-logs-``; the ``x-api-key`` and
``Idempotency-Key`` headers are redacted from them.
"""

from __future__ import annotations

from constructs import Construct

from payment_infra.aws import (
    Wafv2WebAcl,
    Wafv2WebAclAssociation,
    Wafv2WebAclDefaultAction,
    Wafv2WebAclLoggingConfiguration,
    Wafv2WebAclLoggingConfigurationRedactedFields,
    Wafv2WebAclRule,
    Wafv2WebAclRuleVisibilityConfig,
    Wafv2WebAclVisibilityConfig,
)
from payment_infra.constructs.kms import KeyRef
from payment_infra.constructs.log_group import encrypted_log_group
from payment_infra.context import DeploymentContext

MANAGED_RULE_GROUPS = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesAnonymousIpList",
)
# Payment clients are often servers in a cloud: count, don't block, requests from hosting providers.
RULES_ONLY_COUNTED = {"AWSManagedRulesAnonymousIpList": ("HostingProviderIPList",)}
RATE_LIMIT_PER_IP_5_MIN = 2_000  # far above one client's legitimate traffic, far below a flood
REDACTED_HEADERS = ("x-api-key", "idempotency-key")


def _visibility(metric: str) -> Wafv2WebAclRuleVisibilityConfig:
    return Wafv2WebAclRuleVisibilityConfig(
        cloudwatch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
    )


def _managed_group(group: str) -> dict:
    statement: dict = {"name": group, "vendor_name": "AWS"}
    counted = RULES_ONLY_COUNTED.get(group, ())
    if counted:
        statement["rule_action_override"] = [{"name": rule, "action_to_use": {"count": {}}} for rule in counted]
    return statement


class ApiFirewall(Construct):
    """Exposes ``web_acl_arn`` and ``log_group_name``."""

    def __init__(self, scope: Construct, id_: str, ctx: DeploymentContext, *, stage_arn: str, logs_key: KeyRef):
        super().__init__(scope, id_)
        name = ctx.naming.name("payment-api-waf")
        rules = [
            Wafv2WebAclRule(
                name=group,
                priority=priority,
                override_action={"none": {}},
                statement={"managed_rule_group_statement": _managed_group(group)},
                visibility_config=_visibility(group),
            )
            for priority, group in enumerate(MANAGED_RULE_GROUPS)
        ]
        rules.append(
            Wafv2WebAclRule(
                name="rate-limit-per-ip",
                priority=len(MANAGED_RULE_GROUPS),
                action={"block": {}},
                statement={"rate_based_statement": {"limit": RATE_LIMIT_PER_IP_5_MIN, "aggregate_key_type": "IP"}},
                visibility_config=_visibility("rate-limit-per-ip"),
            )
        )
        acl = Wafv2WebAcl(
            self,
            "web_acl",
            name=name,
            description="Managed protections and per-IP rate limit for the payment API",
            scope="REGIONAL",
            default_action=Wafv2WebAclDefaultAction(allow={}),
            rule=rules,
            visibility_config=Wafv2WebAclVisibilityConfig(
                cloudwatch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
            ),
        )
        self.web_acl_arn = acl.arn  # read once: every attribute read is a round trip to the jsii kernel
        Wafv2WebAclAssociation(self, "association", resource_arn=stage_arn, web_acl_arn=self.web_acl_arn)
        log_group = encrypted_log_group(self, "log_group", ctx, name=f"aws-waf-logs-{name}", key_arn=logs_key.arn)
        Wafv2WebAclLoggingConfiguration(
            self,
            "logging",
            resource_arn=self.web_acl_arn,
            log_destination_configs=[log_group.arn],
            redacted_fields=[
                Wafv2WebAclLoggingConfigurationRedactedFields(single_header={"name": header})
                for header in REDACTED_HEADERS
            ],
        )
        self.log_group_name = log_group.name
