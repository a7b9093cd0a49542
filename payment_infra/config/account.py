"""The account baseline's settings (``AccountConfig``): what exists once per AWS account and region."""

from __future__ import annotations

from dataclasses import dataclass

from payment_infra.config.lambda_settings import UNRESERVED_CONCURRENCY_MINIMUM
from payment_infra.config.network import PREVIEW_NETWORK_CIDR, VPC_AZ_COUNT, vpc_cidr_problems
from payment_infra.config.problems import ConfigError, Problem, Problems, int_in, is_int
from payment_infra.config.regions import region_problems
from payment_infra.config.retention import LOG_RETENTION_DAYS
from payment_infra.config.tags import standard_tags, tag_problems

DEFAULT_LAMBDA_CONCURRENCY_QUOTA = 1_000  # a new account's quota per region; raise it after a quota increase


@dataclass(frozen=True)
class AccountConfig:
    """The account baseline: what exists once per AWS account and region, whatever the deployments.

    Build it with ``load_account_config``. Its stack ``payment-account`` is applied before any environment and
    never destroyed by the pipeline.
    """

    region: str = "ap-northeast-2"
    lambda_concurrency_quota: int = DEFAULT_LAMBDA_CONCURRENCY_QUOTA
    # The network every preview runs in (VPC, subnets, endpoints): one VPC for any number of previews.
    preview_network_cidr: str = PREVIEW_NETWORK_CIDR
    preview_endpoint_az_count: int = 1  # previews are for trying things: one AZ of interface endpoints
    log_retention_days: int = 30  # the account's log groups (API Gateway's welcome group, preview flow logs)
    project: str = "payment-api"
    owner: str = "payments-team"
    cost_center: str = "payments"
    name: str = "account"

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise ConfigError(self.name, problems, scope="account")

    def problems(self) -> list[Problem]:
        """Every rule the account's fields break."""
        found = Problems(region_problems("region", self.region))
        quota = self.lambda_concurrency_quota
        found.check(
            is_int(quota) and quota > UNRESERVED_CONCURRENCY_MINIMUM,
            "lambda_concurrency_quota",
            quota,
            f"an integer above {UNRESERVED_CONCURRENCY_MINIMUM} (the account's Lambda concurrency quota)",
        )
        found += tag_problems(self.tags)
        found += vpc_cidr_problems(self.preview_network_cidr, "preview_network_cidr")
        found.check(
            int_in(self.preview_endpoint_az_count, (1, VPC_AZ_COUNT)),
            "preview_endpoint_az_count",
            self.preview_endpoint_az_count,
            f"1 to {VPC_AZ_COUNT}",
        )
        found.check(
            self.log_retention_days in LOG_RETENTION_DAYS,
            "log_retention_days",
            self.log_retention_days,
            "one of CloudWatch's values",
        )
        return list(found)

    @property
    def stack_id(self) -> str:
        return f"payment-{self.name}"

    @property
    def reservable_concurrency(self) -> int:
        """The most all deployments together may reserve: the quota minus what Lambda keeps unreserved."""
        return self.lambda_concurrency_quota - UNRESERVED_CONCURRENCY_MINIMUM

    @property
    def tags(self) -> dict[str, str]:
        return standard_tags(self.name, self.name, self.project, self.owner, self.cost_center)
