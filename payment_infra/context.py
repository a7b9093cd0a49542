"""Account, partition and region of the deployment, as Terraform tokens shared by every sub-construct."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from payment_infra.aws import DataAwsCallerIdentity
from payment_infra.config import EnvironmentConfig
from payment_infra.naming import Naming


@dataclass(frozen=True)
class DeploymentContext:
    """What every sub-construct needs besides its own inputs: config, naming and ARN building blocks."""

    config: EnvironmentConfig
    naming: Naming
    account_id: str
    partition: str
    region: str

    def arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        """``arn:{partition}:{service}:{region}:{account}:{resource}`` with tokens for the unknown parts."""
        return ":".join(
            [
                "arn",
                self.partition,
                service,
                self.region if region else "",
                self.account_id if account else "",
                resource,
            ]
        )

    @property
    def account_root(self) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:root"


def deployment_context(scope: Construct, config: EnvironmentConfig) -> DeploymentContext:
    """Look the account id up once (a data source); region and partition are known from the config.

    Every region in ``config.AWS_REGIONS`` is a commercial region, so the partition is ``aws``.
    """
    account_id = DataAwsCallerIdentity(scope, "current_account").account_id  # one read, one token
    return DeploymentContext(
        config=config,
        naming=Naming(config.name, account_id=account_id),
        account_id=account_id,
        partition="aws",
        region=config.region,
    )
