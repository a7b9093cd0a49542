"""Account quotas read at plan time: a plan that would fail half-way through an apply stops before it starts.

Quotas differ per account: new accounts get a reduced Lambda concurrency quota that AWS raises with usage
(Lambda quotas page: "New AWS accounts have reduced concurrency and memory quotas"), and a region allows 5 VPCs
by default. Synth cannot know them; ``aws_servicequotas_service_quota`` reads the applied value when Terraform
plans, and a postcondition on it stops the plan with what to do, instead of ``InvalidParameterValueException``
(reservations) or ``VpcLimitExceeded`` after some resources exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from payment_infra.aws import DataAwsServicequotasServiceQuota
from payment_infra.framework import Postcondition, TerraformResourceLifecycle


@dataclass(frozen=True)
class Quota:
    """A Service Quotas quota: its service and code, and how to ask for more."""

    service_code: str
    quota_code: str
    title: str

    def increase_command(self, value: int) -> str:
        return (
            f"aws service-quotas request-service-quota-increase --service-code {self.service_code} "
            f"--quota-code {self.quota_code} --desired-value {value}"
        )


LAMBDA_CONCURRENCY = Quota("lambda", "L-B99A9384", "Lambda concurrent executions")
VPCS_PER_REGION = Quota("vpc", "L-F678F1CE", "VPCs per Region")


def require_quota(scope: Construct, id_: str, quota: Quota, *, at_least: int, why: str, otherwise: str = "") -> None:
    """Stop the plan unless the account's applied ``quota`` is at least ``at_least``.

    ``why`` says what needs that much; ``otherwise`` names a setting that needs less. The message names the quota,
    what the account allows and the command that requests an increase.
    """
    DataAwsServicequotasServiceQuota(
        scope,
        id_,
        service_code=quota.service_code,
        quota_code=quota.quota_code,
        lifecycle=TerraformResourceLifecycle(
            postcondition=[
                Postcondition(
                    condition=f"${{self.value >= {at_least}}}",
                    error_message=(
                        f"{why}, but this account's {quota.title} quota ({quota.service_code} {quota.quota_code}) is "
                        f"${{self.value}}. Request an increase to at least {at_least} "
                        f"({quota.increase_command(at_least)}, or the Service Quotas console), then plan again"
                        + (f"; or {otherwise}" if otherwise else "")
                        + "."
                    ),
                )
            ]
        ),
    )
