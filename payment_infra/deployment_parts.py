"""What differs between a deployment's primary stack and its warm standby: ``PaymentApiConstruct`` builds either.

The standby is the same API, functions, queue, workflow, alarms and VPC in ``fallback_region``; only the data parts
differ (the primary's replicas, read by name: ``constructs/standby_data.py``), its names carry ``-dr``, and its
settlement path starts paused (``constructs/settlement_switch.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from payment_infra.constructs.api_clients import ApiClientKeys
from payment_infra.constructs.database import Database
from payment_infra.constructs.kms import KmsKeys
from payment_infra.constructs.standby_data import ReplicaTables, StandbyClientKeys, StandbyKeys, StandbyStorage
from payment_infra.constructs.storage import Storage
from payment_infra.dr_settings import STANDBY_SUFFIX


@dataclass(frozen=True)
class DeploymentParts:
    """The constructs of the parts that differ, each called like the primary's (scope, id, context, ...)."""

    name_suffix: str  # after the deployment's name in every resource name
    keys: Callable[..., Any]
    storage: Callable[..., Any]
    database: Callable[..., Any]
    client_keys: Callable[..., Any]
    # The settlement path at creation when a standby exists (then the operator's, make failover/failback); None:
    # no standby, the path is simply on.
    settlement_running: bool | None

    @property
    def is_standby(self) -> bool:
        return self.name_suffix == STANDBY_SUFFIX


PRIMARY = DeploymentParts("", KmsKeys, Storage, Database, ApiClientKeys, settlement_running=True)
STANDBY = DeploymentParts(
    STANDBY_SUFFIX, StandbyKeys, StandbyStorage, ReplicaTables, StandbyClientKeys, settlement_running=False
)
