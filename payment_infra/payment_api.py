"""``PaymentApiConstruct``: the whole payment API for one environment, composed from small sub-constructs.

Reusable: it takes a validated ``EnvironmentConfig`` and configures no provider or backend (the stack does).
Every sub-construct is exposed as a typed attribute so stacks, tests and outputs reach what it created.
"""

from __future__ import annotations

from constructs import Construct

from payment_infra.config import EnvironmentConfig
from payment_infra.constructs.database import Database
from payment_infra.constructs.kms import KmsKeys
from payment_infra.constructs.network import Network
from payment_infra.constructs.storage import Storage
from payment_infra.context import DeploymentContext, deployment_context


class PaymentApiConstruct(Construct):
    """KMS keys → storage and database → (compute, API, messaging, network, monitoring)."""

    def __init__(self, scope: Construct, id_: str, config: EnvironmentConfig):
        super().__init__(scope, id_)
        self.config = config
        self.context: DeploymentContext = deployment_context(self, config)
        self.keys = KmsKeys(self, "kms", self.context)
        self.storage = Storage(self, "storage", self.context, self.keys.storage)
        self.database = Database(self, "database", self.context, self.keys.data)
        self.network = Network(self, "network", self.context, self.keys.logs)
