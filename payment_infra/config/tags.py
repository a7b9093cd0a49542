"""The tags every stack puts on every taggable resource, and what AWS accepts as a tag value."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from payment_infra.config.problems import Problem

_TAG_VALUE = re.compile(r"^[\w .:/=+\-@]{1,256}$")


def standard_tags(environment: str, deployment: str, project: str, owner: str, cost_center: str) -> dict[str, str]:
    """The tags every stack puts on every taggable resource (provider ``default_tags``)."""
    return {
        "Environment": environment,
        "Deployment": deployment,
        "Project": project,
        "Owner": owner,
        "CostCenter": cost_center,
        "ManagedBy": "cdktf",
    }


def tag_problems(tags: Mapping[str, Any]) -> list[Problem]:
    """Every tag value AWS would refuse, as ``tags.<key>``."""
    return [
        (f"tags.{tag}", value, "1-256 characters of letters, digits, spaces and _.:/=+-@")
        for tag, value in tags.items()
        if not (isinstance(value, str) and _TAG_VALUE.match(value))
    ]
