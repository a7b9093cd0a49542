"""The AWS regions a deployment may name: one list, so a typo fails at synth instead of at apply."""

from __future__ import annotations

from typing import Any

from payment_infra.config.problems import Problem

# Commercial AWS regions (2026). A region outside this list is almost always a typo.
AWS_REGIONS: tuple[str, ...] = (
    "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
    "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1",
    "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
    "il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2",
    "us-west-1", "us-west-2",
)  # fmt: skip


def region_problems(name: str, value: Any) -> list[Problem]:
    """``value`` of the field ``name`` is not an AWS region."""
    return [] if value in AWS_REGIONS else [(name, value, "an AWS region, one of " + ", ".join(AWS_REGIONS))]
