"""``AccountBaselineStack`` (``payment-account``): what exists once per AWS account and region.

Environment stacks never own an account singleton; this stack does, is applied before any environment
(deploy.yml's first job) and is never destroyed by the pipeline (destroy.yml refuses it). It holds the region's
API Gateway CloudWatch role (with API Gateway's own ``/aws/apigateway/welcome`` group, retention and key set), a
logs CMK, and the network every preview shares (``Network(shared_by_previews=True)``, see
``constructs/preview_network.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from constructs import Construct

from payment_infra.aws import AwsProvider, AwsProviderDefaultTags
from payment_infra.backend import configure_backend
from payment_infra.checkov_skips import apply_checkov_skips
from payment_infra.config import KMS_DELETION_WINDOW_DAYS_PROTECTED, PREVIEW_NETWORK_NAME, AccountConfig
from payment_infra.constructs.apigateway_account import WELCOME_LOG_GROUP, ApiGatewayCloudWatchRole
from payment_infra.constructs.kms import customer_managed_key, logs_service_statement
from payment_infra.constructs.log_group import encrypted_log_group
from payment_infra.constructs.network import Network
from payment_infra.constructs.quotas import VPCS_PER_REGION, require_quota
from payment_infra.context import account_context
from payment_infra.framework import TerraformOutput, TerraformStack
from payment_infra.naming import Naming


class AccountBaselineStack(TerraformStack):
    """Provider, backend (state key ``{prefix}/account/terraform.tfstate``) and the account singletons."""

    def __init__(
        self,
        scope: Construct,
        config: AccountConfig,
        environ: Mapping[str, str] | None = None,
        *,
        environment_vpcs: int = 3,
    ):
        """``environment_vpcs``: how many environment stacks each create a VPC beside this stack's preview network."""
        super().__init__(scope, config.stack_id)
        self.config = config
        AwsProvider(self, "aws", region=config.region, default_tags=[AwsProviderDefaultTags(tags=config.tags)])
        configure_backend(self, config, environ)
        # The default VPC, each environment's and the shared preview network: checked before the network exists.
        vpcs = 1 + environment_vpcs + 1
        require_quota(
            self,
            "vpcs_per_region_quota",
            VPCS_PER_REGION,
            at_least=vpcs,
            why=f"The default VPC, the {environment_vpcs} environments' VPCs and the shared preview network need "
            f"{vpcs} VPCs in {config.region}",
        )
        ctx = account_context(self, config)
        self.logs_key = customer_managed_key(
            self,
            "logs",
            ctx,
            description="payment-api account baseline: CloudWatch Logs log groups",
            deletion_window_days=KMS_DELETION_WINDOW_DAYS_PROTECTED,  # never destroyed by the pipeline
            service_statements=[logs_service_statement(ctx)],
        )
        welcome = encrypted_log_group(
            self, "apigateway_welcome_log_group", ctx, name=WELCOME_LOG_GROUP, key_arn=self.logs_key.arn
        )
        self.apigateway_cloudwatch = ApiGatewayCloudWatchRole(self, "apigateway_cloudwatch", log_groups=[welcome])
        self.preview_network = Network(
            self,
            "preview_network",
            replace(ctx, naming=Naming(PREVIEW_NETWORK_NAME)),
            self.logs_key,
            vpc_cidr=config.preview_network_cidr,
            endpoint_az_count=config.preview_endpoint_az_count,
            shared_by_previews=True,
        )
        TerraformOutput(
            self,
            "iam_apigateway_cloudwatch_role_arn",
            value=self.apigateway_cloudwatch.role_arn,
            description="Role API Gateway uses to write every stage's logs in this region",
        )
        TerraformOutput(
            self,
            "vpc_preview_network_id",
            value=self.preview_network.vpc_id,
            description="The VPC every preview (PAYMENT_DEPLOYMENT) runs in, found by its PaymentNetwork tag",
        )
        apply_checkov_skips(self)
