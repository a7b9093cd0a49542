"""``AccountBaselineStack`` (``payment-account``): what exists once per AWS account and region.

Environment stacks never own an account singleton; this stack does, is applied before any environment
(deploy.yml's first job) and is never destroyed by the pipeline (destroy.yml refuses it). Today it holds the
region's API Gateway CloudWatch role.
"""

from __future__ import annotations

from collections.abc import Mapping

from constructs import Construct

from payment_infra.aws import AwsProvider, AwsProviderDefaultTags
from payment_infra.backend import configure_backend
from payment_infra.checkov_skips import apply_checkov_skips
from payment_infra.config import AccountConfig
from payment_infra.constructs.apigateway_account import ApiGatewayCloudWatchRole
from payment_infra.framework import TerraformOutput, TerraformStack


class AccountBaselineStack(TerraformStack):
    """Provider, backend (state key ``{prefix}/account/terraform.tfstate``) and the account singletons."""

    def __init__(self, scope: Construct, config: AccountConfig, environ: Mapping[str, str] | None = None):
        super().__init__(scope, config.stack_id)
        self.config = config
        AwsProvider(self, "aws", region=config.region, default_tags=[AwsProviderDefaultTags(tags=config.tags)])
        configure_backend(self, config, environ)
        self.apigateway_cloudwatch = ApiGatewayCloudWatchRole(self, "apigateway_cloudwatch")
        TerraformOutput(
            self,
            "iam_apigateway_cloudwatch_role_arn",
            value=self.apigateway_cloudwatch.role_arn,
            description="Role API Gateway uses to write every stage's logs in this region",
        )
        apply_checkov_skips(self)
