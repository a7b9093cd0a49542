"""``PaymentApiConstruct``: the whole payment API for one environment, composed from small sub-constructs.

Reusable: it takes a validated ``EnvironmentConfig`` and configures no provider or backend (the stack does).
Every sub-construct is exposed as a typed attribute so stacks, tests and outputs reach what it created.
"""

from __future__ import annotations

from collections.abc import Mapping

from constructs import Construct

from payment_infra.application import functions_module
from payment_infra.aws import AwsProvider
from payment_infra.config import EnvironmentConfig
from payment_infra.constructs.api import PaymentRestApi
from payment_infra.constructs.batch_import import BatchImportTrigger
from payment_infra.constructs.compute import Compute
from payment_infra.constructs.messaging import Messaging, QueueRef
from payment_infra.constructs.monitoring import Monitoring
from payment_infra.constructs.network import Network
from payment_infra.constructs.payment_function import PaymentFunction, Placement
from payment_infra.constructs.powertools_layer import PowertoolsLayer
from payment_infra.constructs.preview_network import PreviewNetworkAccess
from payment_infra.constructs.replication import replicate_data
from payment_infra.constructs.settlement_feed import SettlementFeed
from payment_infra.constructs.settlement_switch import hand_settlement_to_operator
from payment_infra.constructs.waf import ApiFirewall
from payment_infra.constructs.workflow import PaymentWorkflow
from payment_infra.context import DeploymentContext, deployment_context
from payment_infra.deployment_parts import PRIMARY, DeploymentParts
from payment_infra.permissions import Resource


class PaymentApiConstruct(Construct):
    """KMS keys → storage, database, network (a preview's: the account's shared one), messaging → functions +
    workflow → API, batch import → monitoring."""
    """KMS keys → storage, database, network, messaging → functions + workflow → API, batch import → settlement feed
    (stream, pipe, sweep) → monitoring."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        config: EnvironmentConfig,
        *,
        parts: DeploymentParts = PRIMARY,
        fallback: AwsProvider | None = None,
    ):
        """``parts``: the primary's (default) or a standby's (deployment_parts.py); ``fallback``: the stack's
        provider of ``fallback_region``, where a deployment with ``dr.enabled`` replicates its data."""
        super().__init__(scope, id_)
        self.config = config
        self.parts = parts
        self.context: DeploymentContext = deployment_context(self, config, parts.name_suffix)
        self.keys = parts.keys(self, "kms", self.context)
        self.storage = parts.storage(self, "storage", self.context, self.keys.storage)
        self.database = parts.database(self, "database", self.context, self.keys.data)
        self.network = (
            PreviewNetworkAccess(self, "network", self.context)
            if config.is_preview
            else Network(
                self,
                "network",
                self.context,
                self.keys.logs,
                vpc_cidr=config.vpc_cidr,
                endpoint_az_count=config.endpoint_az_count,
            )
        )
        app = functions_module()
        self.client_keys = parts.client_keys(self, "api_clients", self.context)
        settlement_timeout = app.function(app.SETTLEMENT).timeout_seconds
        self.messaging = Messaging(
            self, "messaging", self.context, self.keys.messaging, consumer_timeout_seconds=settlement_timeout
        )
        self.replication = replicate_data(self, fallback)
        self.compute = Compute(
            self,
            "compute",
            self.context,
            resources=self._resources(),
            placement=Placement(
                subnet_ids=self.network.private_subnet_ids,
                security_group_ids=[self.network.lambda_security_group_id],
                replacement_security_group_ids=[self.network.default_security_group_id],
                environment_key_arn=self.keys.data.arn,
                logs_key_arn=self.keys.logs.arn,
                failure_queue_arn=self.messaging.failures.arn,
                powertools_layer_arn=PowertoolsLayer(self, "powertools_layer", config.lambda_).arn,
            ),
            failure_queue=self._queue(self.messaging.failures),
            settlement_queue=self._queue(self.messaging.queue),
            client_directory=self.client_keys.directory_json,
            late_resources=self._workflow_resources,
        )
        functions = self.compute.functions
        self.api = PaymentRestApi(
            self, "api", self.context, functions=functions, logs_key=self.keys.logs, client_keys=self.client_keys
        )
        self.firewall = ApiFirewall(self, "waf", self.context, stage_arn=self.api.stage_arn, logs_key=self.keys.logs)
        BatchImportTrigger(
            self,
            "batch_import",
            self.context,
            bucket=self.storage.imports,
            function=functions[app.BATCH_IMPORT],
            clients=[client.name for client in config.clients],
        )
        self.settlement_feed = SettlementFeed(
            self,
            "settlement_feed",
            self.context,
            table=self.database.transactions,
            data_key=self.keys.data,
            queue=self.messaging.queue,
            messaging_key=self.keys.messaging,
            sweep=functions[app.SWEEP],
        )
        if config.dr.enabled or parts.is_standby:  # from now on make failover/failback switch it
            hand_settlement_to_operator(self.settlement_feed, running=bool(parts.settlement_running))
        self.monitoring = Monitoring(
            self,
            "monitoring",
            self.context,
            functions=functions,
            api_name=self.api.api_name,
            stage_name=self.api.stage_name,
            queue=self.messaging.queue,
            dlq=self.messaging.dlq,
            failures=self.messaging.failures,
            table_name=self.database.transactions.name,
            index_names=self.database.index_names,
            alarm_topic=self.messaging.alarms,
            state_machine_arn=self.workflow.state_machine_arn,
            feed=self.settlement_feed,
        )

    def _workflow_resources(self, functions: Mapping[str, PaymentFunction]) -> dict[str, Resource]:
        """The settlement workflow, built from its two functions; the consumer's ``STATE_MACHINE_ARN`` names it."""
        self.workflow = PaymentWorkflow(
            self,
            "workflow",
            self.context,
            validate=functions[functions_module().WORKFLOW_VALIDATE],
            process=functions[functions_module().WORKFLOW_PROCESS],
            topic=self.messaging.notifications,
            messaging_key=self.keys.messaging,
            data_key=self.keys.data,
            logs_key=self.keys.logs,
        )
        app, arn = functions_module(), self.workflow.state_machine_arn
        variable = app.STATE_MACHINE_ARN
        return {variable: Resource(arn, arn, self.keys.data.arn, app.RESOURCE_KINDS[variable])}

    def _queue(self, queue: QueueRef) -> Resource:
        return Resource(value=queue.url, arn=queue.arn, key_arn=self.keys.messaging.arn, kind="queue")

    def _resources(self) -> dict[str, Resource]:
        """What each environment variable of the application names, in this environment.

        The variables and their kinds are the application's (``RESOURCE_KINDS``); this says which resource.
        """
        app = functions_module()
        data, messaging = self.keys.data.arn, self.keys.messaging.arn
        tables, buckets, queue = self.database, self.storage, self.messaging.queue
        # (value, ARN, key) of each variable's resource
        named = {
            app.TRANSACTIONS_TABLE: (tables.transactions.name, tables.transactions.arn, data),
            app.IDEMPOTENCY_TABLE: (tables.idempotency.name, tables.idempotency.arn, data),
            app.QUEUE_URL: (queue.url, queue.arn, messaging),
            app.RECEIPTS_BUCKET: (buckets.receipts.name, buckets.receipts.arn, buckets.receipts.key_arn),
            app.IMPORT_BUCKET: (buckets.imports.name, buckets.imports.arn, buckets.imports.key_arn),
        }
        late = {app.STATE_MACHINE_ARN}  # built from functions: see _workflow_resources
        if set(named) | late != set(app.RESOURCE_KINDS):
            raise ValueError(
                f"resources for {sorted(named | late)} but the application's RESOURCE_KINDS are "
                f"{sorted(app.RESOURCE_KINDS)}"
            )
        return {variable: Resource(*named[variable], app.RESOURCE_KINDS[variable]) for variable in named}
