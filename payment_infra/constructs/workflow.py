"""Step Functions payment-processing workflow: validate → process (retry, catch) → notify via SNS.

The only settlement path: the settlement queue consumer starts one execution per transaction (named after its
id) and may do nothing else with this state machine (``states:StartExecution`` on its ARN).

The definition comes from the application (``payments/workflow_definition.py``); this construct deploys it
with its own role (invoke exactly the two step functions, publish to the notifications topic), logging of
every event to a CMK-encrypted log group, and X-Ray tracing.
"""

from __future__ import annotations

from constructs import Construct

from payment_infra import policies
from payment_infra.application import workflow_module
from payment_infra.aws import (
    IamRole,
    IamRolePolicy,
    SfnStateMachine,
    SfnStateMachineEncryptionConfiguration,
    SfnStateMachineLoggingConfiguration,
    SfnStateMachineTracingConfiguration,
)
from payment_infra.compact_json import compact_json
from payment_infra.constructs.kms import KeyRef
from payment_infra.constructs.log_group import encrypted_log_group
from payment_infra.constructs.messaging import TopicRef
from payment_infra.constructs.payment_function import PaymentFunction
from payment_infra.context import DeploymentContext

# CloudWatch Logs delivery for Step Functions is configured through these account-level APIs, which
# accept no resource-level permissions (AWS documents "*" as the only resource).
LOG_DELIVERY_ACTIONS = (
    "logs:CreateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:DescribeLogGroups",
    "logs:DescribeResourcePolicies",
    "logs:GetLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:UpdateLogDelivery",
)
XRAY_ACTIONS = ("xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:PutTelemetryRecords", "xray:PutTraceSegments")


class PaymentWorkflow(Construct):
    """Exposes ``state_machine_arn``, ``state_machine_name`` and ``log_group_name``."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        ctx: DeploymentContext,
        *,
        validate: PaymentFunction,
        process: PaymentFunction,
        topic: TopicRef,
        messaging_key: KeyRef,
        data_key: KeyRef,
        logs_key: KeyRef,
    ):
        super().__init__(scope, id_)
        name = ctx.naming.name("payment-processing")
        log_group = encrypted_log_group(
            self, "log_group", ctx, name=f"/aws/vendedlogs/states/{name}", key_arn=logs_key.arn
        )
        state_machine_arn = ctx.arn("states", f"stateMachine:{name}")
        role = IamRole(
            self,
            "role",
            name=f"{name}-role",
            description=f"Execution role of the {name} state machine only",
            assume_role_policy=policies.assume_role_policy(
                "states.amazonaws.com", source_account=ctx.account_id, source_arn=state_machine_arn
            ),
        )
        statements = [
            policies.allow(
                ["lambda:InvokeFunction"],
                [validate.arn, f"{validate.arn}:*", process.arn, f"{process.arn}:*"],
                sid="InvokeStepFunctions",
            ),
            policies.allow(["sns:Publish"], [topic.arn], sid="PublishOutcome"),
            policies.allow(["kms:Decrypt", "kms:GenerateDataKey"], [messaging_key.arn], sid="EncryptOutcome"),
            # Execution history (customer ids, amounts) is encrypted with the data CMK through this role.
            policies.allow(["kms:Decrypt", "kms:GenerateDataKey"], [data_key.arn], sid="EncryptExecutionData"),
            policies.allow(list(LOG_DELIVERY_ACTIONS), ["*"], sid="VendedLogDelivery"),
            policies.allow(list(XRAY_ACTIONS), ["*"], sid="XRayTracing"),
        ]
        policy = IamRolePolicy(
            self, "policy", name="least-privilege", role=role.id, policy=policies.document(statements)
        )
        definition = workflow_module().build_state_machine_definition(validate.arn, process.arn, topic.arn)
        machine = SfnStateMachine(
            self,
            "state_machine",
            name=name,
            role_arn=role.arn,
            type="STANDARD",
            definition=compact_json(definition),
            logging_configuration=SfnStateMachineLoggingConfiguration(
                level="ALL",
                # Execution input/output holds customer ids and amounts; events without data are enough to operate.
                include_execution_data=False,
                log_destination=f"{log_group.arn}:*",
            ),
            tracing_configuration=SfnStateMachineTracingConfiguration(enabled=True),
            encryption_configuration=SfnStateMachineEncryptionConfiguration(
                type="CUSTOMER_MANAGED_KMS_KEY", kms_key_id=data_key.arn, kms_data_key_reuse_period_seconds=300
            ),
            depends_on=[policy],
        )
        self.state_machine_arn = machine.arn
        self.state_machine_name = machine.name
        self.log_group_name = log_group.name
