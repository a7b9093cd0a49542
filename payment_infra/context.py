"""Account, partition and region of the deployment, as Terraform tokens shared by every sub-construct."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from payment_infra.aws import DataAwsCallerIdentity
from payment_infra.config import AccountConfig, EnvironmentConfig
from payment_infra.naming import Naming


class _ArnParts:
    """ARNs from ``partition``, ``region`` and ``account_id`` (Terraform tokens for the unknown parts)."""

    partition: str
    region: str
    account_id: str

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


@dataclass(frozen=True)
class DeploymentContext(_ArnParts):
    """What every sub-construct needs besides its own inputs: config, naming and ARN building blocks."""

    config: EnvironmentConfig
    naming: Naming
    account_id: str
    partition: str
    region: str

    @property
    def log_retention_days(self) -> int:
        return self.config.retention.log_retention_days


@dataclass(frozen=True)
class AccountContext(_ArnParts):
    """The account baseline's counterpart of ``DeploymentContext``: its constructs own no deployment's config."""

    naming: Naming
    account_id: str
    partition: str
    region: str
    log_retention_days: int


def deployment_context(scope: Construct, config: EnvironmentConfig, name_suffix: str = "") -> DeploymentContext:
    """Look the account id up once (a data source); region and partition are known from the config.

    Every region in ``config.AWS_REGIONS`` is a commercial region, so the partition is ``aws``. ``name_suffix``
    (a standby's ``-dr``) goes after the deployment's name in every resource name.
    """
    account_id = DataAwsCallerIdentity(scope, "current_account").account_id  # one read, one token
    return DeploymentContext(
        config=config,
        naming=Naming(config.name + name_suffix, account_id=account_id),
        account_id=account_id,
        partition="aws",
        region=config.region,
    )


def account_context(scope: Construct, config: AccountConfig) -> AccountContext:
    """An account baseline's context (the primary region's or the standbys'): the account id read once."""
    return AccountContext(
        naming=Naming(config.name),
        account_id=DataAwsCallerIdentity(scope, "current_account").account_id,
        partition="aws",
        region=config.region,
        log_retention_days=config.log_retention_days,
    )
