"""The region's API Gateway CloudWatch role: an account singleton, owned by the account baseline stack only.

``aws_api_gateway_account`` is one setting per account and region. In an environment stack the last apply
would win, the others would drift, and (provider 6.x) destroying any of them resets the setting, stopping the
execution and access logs of every other environment. So it lives in ``payment-account`` alone.
"""

from __future__ import annotations

from constructs import Construct

from payment_infra import policies
from payment_infra.aws import ApiGatewayAccount, DataAwsCallerIdentity, IamRole, IamRolePolicyAttachment

PUSH_TO_CLOUDWATCH = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
ROLE_NAME = "payment-apigateway-cloudwatch"


class ApiGatewayCloudWatchRole(Construct):
    """Exposes ``role_arn``: the role API Gateway assumes to write every stage's logs in this region."""

    def __init__(self, scope: Construct, id_: str):
        super().__init__(scope, id_)
        account_id = DataAwsCallerIdentity(self, "current_account").account_id
        role = IamRole(
            self,
            "cloudwatch_role",
            name=ROLE_NAME,
            description="Lets API Gateway write execution and access logs to CloudWatch Logs (whole region)",
            assume_role_policy=policies.assume_role_policy("apigateway.amazonaws.com", source_account=account_id),
        )
        IamRolePolicyAttachment(self, "cloudwatch_role_policy", role=role.name, policy_arn=PUSH_TO_CLOUDWATCH)
        self.role_arn = role.arn
        ApiGatewayAccount(self, "account", cloudwatch_role_arn=self.role_arn)
