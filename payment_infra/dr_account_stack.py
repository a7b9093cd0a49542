"""``DrAccountBaselineStack`` (``payment-account-dr``): the account singletons of the standbys' region.

``aws_api_gateway_account`` is one setting per account and region: the standbys' stages log through it, so their
region needs its own baseline, applied before any standby (``payment-account`` is the primary region's). It holds
what the primary baseline holds minus the previews' network (previews run in the primary region only), with its own
role (IAM names are global) and its state in the fallback region's bucket.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from constructs import Construct

from payment_infra.aws import AwsProvider, AwsProviderDefaultTags
from payment_infra.backend import configure_standby_backend
from payment_infra.checkov_skips import apply_checkov_skips
from payment_infra.config import KMS_DELETION_WINDOW_DAYS_PROTECTED, AccountConfig
from payment_infra.config.dr import standby_name
from payment_infra.constructs.apigateway_account import ROLE_NAME, WELCOME_LOG_GROUP, ApiGatewayCloudWatchRole
from payment_infra.constructs.kms import customer_managed_key, logs_service_statement
from payment_infra.constructs.log_group import encrypted_log_group
from payment_infra.constructs.quotas import VPCS_PER_REGION, require_quota
from payment_infra.context import account_context
from payment_infra.framework import TerraformOutput, TerraformStack


def dr_account_config(account: AccountConfig, region: str) -> AccountConfig:
    """The primary baseline's settings in ``region``, named ``account-dr`` (stack ``payment-account-dr``)."""
    return replace(account, region=region, name=standby_name(account.name))


class DrAccountBaselineStack(TerraformStack):
    """Provider and backend of the fallback region, the region's API Gateway CloudWatch role and a logs CMK."""

    def __init__(
        self, scope: Construct, config: AccountConfig, environ: Mapping[str, str] | None = None, *, standby_vpcs: int
    ):
        """``config``: ``dr_account_config``'s; ``standby_vpcs``: how many standby stacks create a VPC here."""
        super().__init__(scope, config.stack_id)
        self.config = config
        AwsProvider(self, "aws", region=config.region, default_tags=[AwsProviderDefaultTags(tags=config.tags)])
        configure_standby_backend(self, config.name, config.region, environ)
        vpcs = 1 + standby_vpcs  # the default VPC and each standby's
        require_quota(
            self,
            "vpcs_per_region_quota",
            VPCS_PER_REGION,
            at_least=vpcs,
            why=f"The default VPC and the {standby_vpcs} standbys' VPCs need {vpcs} VPCs in {config.region}",
        )
        ctx = account_context(self, config)
        logs_key = customer_managed_key(
            self,
            "logs",
            ctx,
            description=f"payment-api account baseline of {config.region} (standbys): CloudWatch Logs log groups",
            deletion_window_days=KMS_DELETION_WINDOW_DAYS_PROTECTED,  # never destroyed by the pipeline
            service_statements=[logs_service_statement(ctx)],
        )
        welcome = encrypted_log_group(
            self, "apigateway_welcome_log_group", ctx, name=WELCOME_LOG_GROUP, key_arn=logs_key.arn
        )
        self.apigateway_cloudwatch = ApiGatewayCloudWatchRole(
            self, "apigateway_cloudwatch", log_groups=[welcome], role_name=f"{ROLE_NAME}-{config.region}"
        )
        TerraformOutput(
            self,
            "iam_apigateway_cloudwatch_role_arn",
            value=self.apigateway_cloudwatch.role_arn,
            description=f"Role API Gateway uses to write every stage's logs in {config.region} (the standbys')",
        )
        apply_checkov_skips(self)
