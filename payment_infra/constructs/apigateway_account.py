"""The region's API Gateway CloudWatch role: an account singleton, owned by the account baseline stack only.

``aws_api_gateway_account`` is one setting per account and region. In an environment stack the last apply
would win, the others would drift, and (provider 6.x) destroying any of them resets the setting, stopping the
execution and access logs of every other environment. So it lives in ``payment-account`` alone.

The role's trust policy has no ``aws:SourceAccount`` condition: AWS's own examples of this role have none, and
``UpdateAccount`` validates the role by assuming it, apparently without that key (a merged fix in
aws-solutions-library-samples/accelerated-intelligent-document-processing-on-aws#479 removed the same condition);
with it, the setting could fail and every stage's logging with it. The trade-off (any account's API Gateway
could be pointed at the role by name, only to write logs here) is in the README's account-baseline section.
"""

from __future__ import annotations

from collections.abc import Sequence

from constructs import Construct

from payment_infra import policies
from payment_infra.aws import ApiGatewayAccount, CloudwatchLogGroup, IamRole, IamRolePolicyAttachment

PUSH_TO_CLOUDWATCH = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
ROLE_NAME = "payment-apigateway-cloudwatch"
# API Gateway writes a first message here when the role is set (the group exists before the setting).
WELCOME_LOG_GROUP = "/aws/apigateway/welcome"


class ApiGatewayCloudWatchRole(Construct):
    """Exposes ``role_arn``: the role API Gateway assumes to write every stage's logs in this region.

    ``log_groups``: groups API Gateway writes to as soon as the setting exists (the welcome group), created first.
    """

    def __init__(
        self, scope: Construct, id_: str, *, log_groups: Sequence[CloudwatchLogGroup] = (), role_name: str = ROLE_NAME
    ):
        """``role_name``: IAM names are global, so each region's baseline names its own role."""
        super().__init__(scope, id_)
        role = IamRole(
            self,
            "cloudwatch_role",
            name=role_name,
            description="Lets API Gateway write execution and access logs to CloudWatch Logs (whole region)",
            assume_role_policy=policies.assume_role_policy("apigateway.amazonaws.com"),
        )
        attachment = IamRolePolicyAttachment(
            self, "cloudwatch_role_policy", role=role.name, policy_arn=PUSH_TO_CLOUDWATCH
        )
        self.role_arn = role.arn
        # UpdateAccount checks the role can write logs: the policy must be attached before.
        ApiGatewayAccount(self, "account", cloudwatch_role_arn=self.role_arn, depends_on=[attachment, *log_groups])
