"""The one door to the AWS provider: every provider class this project uses is imported here, and only here.

Why a door: ``import cdktf_cdktf_provider_aws`` runs a root ``__init__`` that imports ~2,200 service
modules (~12 s), and the jsii kernel then ``require``s all their JavaScript (~3 s). This module

1. gives the jsii kernel's Node process preloads through ``NODE_OPTIONS``, set before the kernel starts:
   ``lazy_provider_preload.js`` makes the provider's JavaScript root load namespaces on first use,
   ``lazy_cdktf_archiver_preload.js`` defers cdktf's zip library (never used: we zip in Python), and
   ``jsii_in_process_preload.js`` runs the kernel in the process Python starts instead of a relayed child;
2. registers the Python package without executing its root ``__init__`` (``find_spec`` +
   ``module_from_spec``), loads the jsii assembly (``._jsii``) and imports only the submodules we use;
3. keeps the cyclic garbage collector out of the imports and then freezes what they created: thousands of
   classes that live until exit, which every later collection (and the final one at exit) would walk again.

All of this keeps ``cdktf.out`` byte-identical (tested). Other modules import provider classes from here,
which also makes a move to the maintained fork (``cdktn-provider-aws``) a one-file change.

Environment, for comparisons, benchmarks and diagnosis: ``PAYMENT_LAZY_PROVIDER=0`` turns off all preloads
of (1), ``PAYMENT_JSII_IN_PROCESS=0`` only the in-process kernel, ``PAYMENT_GC_FREEZE=0`` turns off (3).
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import os
import re
import shlex
import sys
from pathlib import Path
from types import ModuleType

PROVIDER_PACKAGE = "cdktf_cdktf_provider_aws"
PRELOAD_SCRIPT = Path(__file__).resolve().with_name("lazy_provider_preload.js")
ARCHIVER_SCRIPT = Path(__file__).resolve().with_name("lazy_cdktf_archiver_preload.js")
LAZY_SWITCH = "PAYMENT_LAZY_PROVIDER"
# Tells the lazy preload which JavaScript namespaces to load while Python imports its own modules.
NAMESPACES_VARIABLE = "PAYMENT_PROVIDER_NAMESPACES"
IN_PROCESS_SCRIPT = Path(__file__).resolve().with_name("jsii_in_process_preload.js")
IN_PROCESS_SWITCH = "PAYMENT_JSII_IN_PROCESS"
GC_SWITCH = "PAYMENT_GC_FREEZE"
# The flag jsii's wrapper gives its kernel child: packages are linked from jsii's package cache by symlink.
PRESERVE_SYMLINKS = "--preserve-symlinks"


def _node_require_option(script: Path) -> str:
    """A NODE_OPTIONS fragment that preloads ``script`` (quoted when the path needs it)."""
    text = str(script)
    if any(ch.isspace() or ch in "\"'\\" for ch in text):
        return '--require "' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"--require={text}"


def _append_node_options(environ: dict[str, str] | os._Environ[str], *options: str) -> None:
    """Append ``options`` to NODE_OPTIONS, keeping what the user set and adding nothing twice.

    Compared token by token: ``--preserve-symlinks-main`` is not ``--preserve-symlinks``.
    """
    current = environ.get("NODE_OPTIONS", "")
    missing = [option for option in options if not _contains_tokens(current, option)]
    if missing:
        environ["NODE_OPTIONS"] = " ".join([current, *missing]).strip()


def _contains_tokens(options: str, option: str) -> bool:
    def tokens(text: str) -> list[str]:
        try:
            return shlex.split(text)
        except ValueError:  # unbalanced quotes: Node would reject them anyway
            return text.split()

    have, wanted = tokens(options), tokens(option)
    return any(have[i : i + len(wanted)] == wanted for i in range(len(have) - len(wanted) + 1))


def provider_namespaces(source: str) -> list[str]:
    """The provider's JavaScript namespaces behind the ``from cdktf_cdktf_provider_aws.<module> import`` lines.

    jsii names a Python submodule after its namespace in snake_case: ``s3_bucket_logging`` is ``s3BucketLogging``.
    """
    modules = re.findall(rf"^from {PROVIDER_PACKAGE}\.(\w+) import", source, flags=re.MULTILINE)
    return [_camel_case(module) for module in modules]


def _camel_case(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def install_lazy_provider_preload(environ: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """Append the lazy-loading preloads to NODE_OPTIONS, keeping what the user set. Returns whether they are active.

    ``lazy_provider_preload.js`` (the provider's root, with the warm-up named in ``PAYMENT_PROVIDER_NAMESPACES``)
    and ``lazy_cdktf_archiver_preload.js`` (cdktf's zip library, which synth never uses here).

    Must run before the jsii kernel starts (first import of ``cdktf`` or ``constructs``): the kernel's
    Node process reads NODE_OPTIONS once, when it is spawned.
    """
    if environ.get(LAZY_SWITCH, "1") == "0":
        return False
    _append_node_options(environ, _node_require_option(PRELOAD_SCRIPT), _node_require_option(ARCHIVER_SCRIPT))
    environ[NAMESPACES_VARIABLE] = ",".join(provider_namespaces(Path(__file__).read_text(encoding="utf-8")))
    return True


def install_in_process_kernel(environ: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """Append the in-process kernel preload (and the flag the kernel needs) to NODE_OPTIONS. Returns whether active.

    Same timing rule as :func:`install_lazy_provider_preload`. Off with either switch set to ``0``.
    """
    if environ.get(LAZY_SWITCH, "1") == "0" or environ.get(IN_PROCESS_SWITCH, "1") == "0":
        return False
    _append_node_options(environ, PRESERVE_SYMLINKS, _node_require_option(IN_PROCESS_SCRIPT))
    return True


def register_provider_package() -> ModuleType:
    """Put the provider package in ``sys.modules`` without running its root ``__init__``, load its assembly."""
    package = sys.modules.get(PROVIDER_PACKAGE)
    if package is None:
        spec = importlib.util.find_spec(PROVIDER_PACKAGE)
        if spec is None:
            raise ModuleNotFoundError(
                f"{PROVIDER_PACKAGE} is not installed; `make synth` or `make test` installs it from Pipfile.lock"
            )
        package = importlib.util.module_from_spec(spec)
        sys.modules[PROVIDER_PACKAGE] = package
    importlib.import_module(f"{PROVIDER_PACKAGE}._jsii")
    return package


os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
_KERNEL_NOT_STARTED = "cdktf._jsii" not in sys.modules
IN_PROCESS_KERNEL_ACTIVE = install_in_process_kernel() and _KERNEL_NOT_STARTED
LAZY_PRELOAD_ACTIVE = install_lazy_provider_preload() and _KERNEL_NOT_STARTED
FREEZE_IMPORTS = os.environ.get(GC_SWITCH, "1") != "0"
_GC_WAS_ENABLED = gc.isenabled()
if FREEZE_IMPORTS:
    gc.disable()
register_provider_package()

# Only the service modules this project uses; add a line here when a construct needs a new resource type.
from cdktf_cdktf_provider_aws.api_gateway_account import ApiGatewayAccount
from cdktf_cdktf_provider_aws.api_gateway_api_key import ApiGatewayApiKey
from cdktf_cdktf_provider_aws.api_gateway_deployment import ApiGatewayDeployment
from cdktf_cdktf_provider_aws.api_gateway_method_settings import (
    ApiGatewayMethodSettings,
    ApiGatewayMethodSettingsSettings,
)
from cdktf_cdktf_provider_aws.api_gateway_rest_api import ApiGatewayRestApi, ApiGatewayRestApiEndpointConfiguration
from cdktf_cdktf_provider_aws.api_gateway_stage import ApiGatewayStage, ApiGatewayStageAccessLogSettings
from cdktf_cdktf_provider_aws.api_gateway_usage_plan import (
    ApiGatewayUsagePlan,
    ApiGatewayUsagePlanApiStages,
    ApiGatewayUsagePlanQuotaSettings,
    ApiGatewayUsagePlanThrottleSettings,
)
from cdktf_cdktf_provider_aws.api_gateway_usage_plan_key import ApiGatewayUsagePlanKey
from cdktf_cdktf_provider_aws.appautoscaling_policy import (
    AppautoscalingPolicy,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification,
)
from cdktf_cdktf_provider_aws.appautoscaling_target import AppautoscalingTarget
from cdktf_cdktf_provider_aws.cloudwatch_dashboard import CloudwatchDashboard
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import (
    CloudwatchMetricAlarm,
    CloudwatchMetricAlarmMetricQuery,
    CloudwatchMetricAlarmMetricQueryMetric,
)
from cdktf_cdktf_provider_aws.data_aws_availability_zones import (
    DataAwsAvailabilityZones,
    DataAwsAvailabilityZonesFilter,
)
from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.default_security_group import DefaultSecurityGroup
from cdktf_cdktf_provider_aws.dynamodb_table import (
    DynamodbTable,
    DynamodbTableAttribute,
    DynamodbTableGlobalSecondaryIndex,
    DynamodbTablePointInTimeRecovery,
    DynamodbTableServerSideEncryption,
    DynamodbTableTtl,
)
from cdktf_cdktf_provider_aws.flow_log import FlowLog
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.lambda_event_source_mapping import LambdaEventSourceMapping
from cdktf_cdktf_provider_aws.lambda_function import (
    LambdaFunction,
    LambdaFunctionDeadLetterConfig,
    LambdaFunctionEnvironment,
    LambdaFunctionLoggingConfig,
    LambdaFunctionTracingConfig,
    LambdaFunctionVpcConfig,
)
from cdktf_cdktf_provider_aws.lambda_permission import LambdaPermission
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from cdktf_cdktf_provider_aws.route_table import RouteTable
from cdktf_cdktf_provider_aws.route_table_association import RouteTableAssociation
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
)
from cdktf_cdktf_provider_aws.s3_bucket_logging import S3BucketLoggingA
from cdktf_cdktf_provider_aws.s3_bucket_notification import S3BucketNotification, S3BucketNotificationLambdaFunction
from cdktf_cdktf_provider_aws.s3_bucket_ownership_controls import (
    S3BucketOwnershipControls,
    S3BucketOwnershipControlsRule,
)
from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy
from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)
from cdktf_cdktf_provider_aws.s3_bucket_versioning import (
    S3BucketVersioningA,
    S3BucketVersioningVersioningConfiguration,
)
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.sfn_state_machine import (
    SfnStateMachine,
    SfnStateMachineEncryptionConfiguration,
    SfnStateMachineLoggingConfiguration,
    SfnStateMachineTracingConfiguration,
)
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_policy import SnsTopicPolicy
from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue
from cdktf_cdktf_provider_aws.sqs_queue_policy import SqsQueuePolicy
from cdktf_cdktf_provider_aws.sqs_queue_redrive_allow_policy import SqsQueueRedriveAllowPolicy
from cdktf_cdktf_provider_aws.subnet import Subnet
from cdktf_cdktf_provider_aws.vpc import Vpc
from cdktf_cdktf_provider_aws.vpc_endpoint import VpcEndpoint
from cdktf_cdktf_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from cdktf_cdktf_provider_aws.wafv2_web_acl import (
    Wafv2WebAcl,
    Wafv2WebAclAssociationConfig,
    Wafv2WebAclAssociationConfigRequestBody,
    Wafv2WebAclAssociationConfigRequestBodyApiGateway,
    Wafv2WebAclDefaultAction,
    Wafv2WebAclRule,
    Wafv2WebAclRuleVisibilityConfig,
    Wafv2WebAclVisibilityConfig,
)
from cdktf_cdktf_provider_aws.wafv2_web_acl_association import Wafv2WebAclAssociation
from cdktf_cdktf_provider_aws.wafv2_web_acl_logging_configuration import (
    Wafv2WebAclLoggingConfiguration,
    Wafv2WebAclLoggingConfigurationRedactedFields,
)

# Everything imported above lives until exit: take it out of every later collection (see (3) above).
if FREEZE_IMPORTS:
    gc.freeze()
    if _GC_WAS_ENABLED:
        gc.enable()

__all__ = [
    "ApiGatewayAccount",
    "ApiGatewayApiKey",
    "ApiGatewayDeployment",
    "ApiGatewayMethodSettings",
    "ApiGatewayMethodSettingsSettings",
    "ApiGatewayRestApi",
    "ApiGatewayRestApiEndpointConfiguration",
    "ApiGatewayStage",
    "ApiGatewayStageAccessLogSettings",
    "ApiGatewayUsagePlan",
    "ApiGatewayUsagePlanApiStages",
    "ApiGatewayUsagePlanKey",
    "ApiGatewayUsagePlanQuotaSettings",
    "ApiGatewayUsagePlanThrottleSettings",
    "AppautoscalingPolicy",
    "AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration",
    "AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification",
    "AppautoscalingTarget",
    "AwsProvider",
    "AwsProviderDefaultTags",
    "CloudwatchDashboard",
    "CloudwatchLogGroup",
    "CloudwatchMetricAlarm",
    "CloudwatchMetricAlarmMetricQuery",
    "CloudwatchMetricAlarmMetricQueryMetric",
    "DataAwsAvailabilityZones",
    "DataAwsAvailabilityZonesFilter",
    "DataAwsCallerIdentity",
    "DefaultSecurityGroup",
    "DynamodbTable",
    "DynamodbTableAttribute",
    "DynamodbTableGlobalSecondaryIndex",
    "DynamodbTablePointInTimeRecovery",
    "DynamodbTableServerSideEncryption",
    "DynamodbTableTtl",
    "FlowLog",
    "IamRole",
    "IamRolePolicy",
    "IamRolePolicyAttachment",
    "KmsAlias",
    "KmsKey",
    "LambdaEventSourceMapping",
    "LambdaFunction",
    "LambdaFunctionDeadLetterConfig",
    "LambdaFunctionEnvironment",
    "LambdaFunctionLoggingConfig",
    "LambdaFunctionTracingConfig",
    "LambdaFunctionVpcConfig",
    "LambdaPermission",
    "RouteTable",
    "RouteTableAssociation",
    "S3Bucket",
    "S3BucketLifecycleConfiguration",
    "S3BucketLifecycleConfigurationRule",
    "S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload",
    "S3BucketLifecycleConfigurationRuleExpiration",
    "S3BucketLifecycleConfigurationRuleFilter",
    "S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration",
    "S3BucketLoggingA",
    "S3BucketNotification",
    "S3BucketNotificationLambdaFunction",
    "S3BucketOwnershipControls",
    "S3BucketOwnershipControlsRule",
    "S3BucketPolicy",
    "S3BucketPublicAccessBlock",
    "S3BucketServerSideEncryptionConfigurationA",
    "S3BucketServerSideEncryptionConfigurationRuleA",
    "S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA",
    "S3BucketVersioningA",
    "S3BucketVersioningVersioningConfiguration",
    "SecurityGroup",
    "SfnStateMachine",
    "SfnStateMachineEncryptionConfiguration",
    "SfnStateMachineLoggingConfiguration",
    "SfnStateMachineTracingConfiguration",
    "SnsTopic",
    "SnsTopicPolicy",
    "SnsTopicSubscription",
    "SqsQueue",
    "SqsQueuePolicy",
    "SqsQueueRedriveAllowPolicy",
    "Subnet",
    "Vpc",
    "VpcEndpoint",
    "VpcSecurityGroupEgressRule",
    "VpcSecurityGroupIngressRule",
    "Wafv2WebAcl",
    "Wafv2WebAclAssociation",
    "Wafv2WebAclAssociationConfig",
    "Wafv2WebAclAssociationConfigRequestBody",
    "Wafv2WebAclAssociationConfigRequestBodyApiGateway",
    "Wafv2WebAclDefaultAction",
    "Wafv2WebAclLoggingConfiguration",
    "Wafv2WebAclLoggingConfigurationRedactedFields",
    "Wafv2WebAclRule",
    "Wafv2WebAclRuleVisibilityConfig",
    "Wafv2WebAclVisibilityConfig",
]
