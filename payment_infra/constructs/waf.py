"""AWS WAF in front of the API stage: AWS managed rule groups, a per-IP rate limit, and logged decisions.

Managed groups: common exploits, known bad inputs (incl. Log4j), Amazon IP reputation, anonymous IPs. Logs go to a
CMK-encrypted log group whose name WAF requires to start with ``aws-waf-logs-``; the ``x-api-key`` and
``Idempotency-Key`` headers are redacted from them.

The WAF never blocks what the product promises:

* the per-IP rate limit comes from the environment (``api.waf_rate_limit_per_ip`` per
  ``api.waf_evaluation_window_seconds``), validated to be at least what one client may send under its usage plan;
* the Common Rule Set's ``SizeRestrictions_BODY`` blocks bodies over 8 KB, below the API's own limit
  (``MAX_REQUEST_BODY_BYTES`` of the application contract, 16 KiB): it only counts here, and our own
  ``body-size-limit`` rule blocks bodies over the API's limit. API Gateway lets WAF inspect 16 KB of a body by
  default; the web ACL says so explicitly, and a body beyond the inspection limit matches (is blocked) rather
  than passing uninspected.
"""

from __future__ import annotations

from constructs import Construct

from payment_infra.application import functions_module
from payment_infra.aws import (
    Wafv2WebAcl,
    Wafv2WebAclAssociation,
    Wafv2WebAclAssociationConfig,
    Wafv2WebAclAssociationConfigRequestBody,
    Wafv2WebAclAssociationConfigRequestBodyApiGateway,
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
# Rules of managed groups that only count. Payment clients are often servers in a cloud: requests from hosting
# providers are counted, not blocked. SizeRestrictions_BODY (8 KB) is stricter than the API: BODY_SIZE_RULE
# enforces the API's own limit instead.
RULES_ONLY_COUNTED = {
    "AWSManagedRulesAnonymousIpList": ("HostingProviderIPList",),
    "AWSManagedRulesCommonRuleSet": ("SizeRestrictions_BODY",),
}
BODY_SIZE_RULE = "body-size-limit"
RATE_LIMIT_RULE = "rate-limit-per-ip"
# How much of a body WAF inspects for an API Gateway stage (KB_16 is API Gateway's default; KB_32..KB_64 cost
# extra). It must cover the API's limit, or a body between the two would pass unchecked by BODY_SIZE_RULE.
API_GATEWAY_BODY_INSPECTION_LIMIT = "KB_16"
INSPECTION_LIMIT_BYTES = {"KB_16": 16 * 1024, "KB_32": 32 * 1024, "KB_48": 48 * 1024, "KB_64": 64 * 1024}
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


def body_size_statement(max_body_bytes: int) -> dict:
    """Matches a body larger than ``max_body_bytes``; a body beyond WAF's inspection limit matches too."""
    return {
        "size_constraint_statement": {
            "comparison_operator": "GT",
            "size": max_body_bytes,
            "field_to_match": {"body": {"oversize_handling": "MATCH"}},
            "text_transformation": [{"priority": 0, "type": "NONE"}],
        }
    }


class ApiFirewall(Construct):
    """Exposes ``web_acl_arn`` and ``log_group_name``."""

    def __init__(self, scope: Construct, id_: str, ctx: DeploymentContext, *, stage_arn: str, logs_key: KeyRef):
        super().__init__(scope, id_)
        name = ctx.naming.name("payment-api-waf")
        api = ctx.config.api
        max_body_bytes = functions_module().MAX_REQUEST_BODY_BYTES
        if INSPECTION_LIMIT_BYTES[API_GATEWAY_BODY_INSPECTION_LIMIT] < max_body_bytes:
            raise ValueError(
                f"API_GATEWAY_BODY_INSPECTION_LIMIT {API_GATEWAY_BODY_INSPECTION_LIMIT} is below the API's body "
                f"limit ({max_body_bytes} bytes): allowed one of " + ", ".join(INSPECTION_LIMIT_BYTES)
            )
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
                name=BODY_SIZE_RULE,
                priority=len(rules),
                action={"block": {}},
                statement=body_size_statement(max_body_bytes),
                visibility_config=_visibility(BODY_SIZE_RULE),
            )
        )
        rules.append(
            Wafv2WebAclRule(
                name=RATE_LIMIT_RULE,
                priority=len(rules),
                action={"block": {}},
                statement={
                    "rate_based_statement": {
                        "limit": api.waf_rate_limit_per_ip,
                        "evaluation_window_sec": api.waf_evaluation_window_seconds,
                        "aggregate_key_type": "IP",
                    }
                },
                visibility_config=_visibility(RATE_LIMIT_RULE),
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
            association_config=Wafv2WebAclAssociationConfig(
                request_body=[
                    Wafv2WebAclAssociationConfigRequestBody(
                        api_gateway=Wafv2WebAclAssociationConfigRequestBodyApiGateway(
                            default_size_inspection_limit=API_GATEWAY_BODY_INSPECTION_LIMIT
                        )
                    )
                ]
            ),
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
