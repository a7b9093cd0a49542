"""What the stand-in answers for data sources: right-shaped defaults, overridable per type by ``TF_STANDIN_DATA``.

Terraform needs data sources fully known before it plans, and our stacks read the account id, region, partition,
availability zones and (for capacity checks) Service Quotas. The defaults are what a fresh account in the
configured region would answer; a test sets other values with ``TF_STANDIN_DATA=<file>`` holding
``{"<data source type>": {"<attribute>": <value>, ...}, ...}`` (e.g. a Lambda concurrency quota of 10), which
overrides those attributes for every data source of that type. Unknown types or attributes are errors, so a
typo cannot silently leave the default in place.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from . import values

DATA_ENV = "TF_STANDIN_DATA"
ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"
PARTITION = "aws"
# Service Quotas defaults of a fresh account, by quota code (facts.md): anything else reads 0.
QUOTA_DEFAULTS: dict[str, float] = {
    "L-B99A9384": 1000,  # lambda: Concurrent executions
    "L-F678F1CE": 5,  # vpc: VPCs per Region
}


class DataOverrideError(ValueError):
    """``TF_STANDIN_DATA`` names a missing file, is not the documented JSON shape, or names an unknown attribute."""


def overrides(data_schemas: dict[str, Any], environ: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """The parsed ``TF_STANDIN_DATA`` file (``{}`` when unset), checked against the data source schemas."""
    environ = os.environ if environ is None else environ
    name = environ.get(DATA_ENV)
    if not name:
        return {}
    try:
        parsed = json.loads(Path(name).read_text())
    except (OSError, ValueError) as err:
        raise DataOverrideError(f"{DATA_ENV}={name}: cannot read it as JSON ({err})") from err
    if not isinstance(parsed, dict) or not all(isinstance(v, dict) for v in parsed.values()):
        raise DataOverrideError(
            f'{DATA_ENV}={name}: expected {{"<data source type>": {{"<attribute>": <value>, ...}}, ...}}'
        )
    for type_name, attributes in parsed.items():
        if type_name not in data_schemas:
            raise DataOverrideError(f"{DATA_ENV}={name}: {type_name!r} is not a data source of the AWS provider")
        known = data_schemas[type_name]["block"].get("attributes", {})
        unknown = sorted(set(attributes) - set(known))
        if unknown:
            raise DataOverrideError(
                f"{DATA_ENV}={name}: {type_name} has no attribute {', '.join(unknown)} "
                f"(it has {', '.join(sorted(known))})"
            )
    return parsed


def _defaults(type_name: str, config: dict[str, Any], region: str) -> dict[str, Any]:
    """Right-shaped answers for the data sources whose values matter (ARNs, names, quota values)."""
    region = config.get("region") or region
    if type_name == "aws_caller_identity":
        arn = f"arn:{PARTITION}:sts::{ACCOUNT_ID}:assumed-role/stand-in-deployer/rehearsal"
        return {"account_id": ACCOUNT_ID, "arn": arn, "id": ACCOUNT_ID, "user_id": "AROASTANDIN:rehearsal"}
    if type_name == "aws_partition":
        return {"partition": PARTITION, "dns_suffix": "amazonaws.com", "reverse_dns_prefix": "com.amazonaws",
                "id": PARTITION}  # fmt: skip
    if type_name == "aws_region":
        name = config.get("name") or region
        return {"name": name, "region": name, "id": name, "description": name,
                "endpoint": f"ec2.{name}.amazonaws.com"}  # fmt: skip
    if type_name == "aws_availability_zones":
        return {"names": [f"{region}{z}" for z in "abc"], "zone_ids": [f"stand-in-az{i}" for i in (1, 2, 3)],
                "id": region, "group_names": [region]}  # fmt: skip
    if type_name == "aws_servicequotas_service_quota":
        code = config.get("quota_code") or ""
        service = config.get("service_code") or ""
        value = QUOTA_DEFAULTS.get(code, 0)
        return {"value": value, "default_value": value, "quota_code": code, "adjustable": True,
                "arn": f"arn:{PARTITION}:servicequotas:{region}:{ACCOUNT_ID}:{service}/{code}",
                "id": f"{service}/{code}", "global_quota": False, "usage_metric": []}  # fmt: skip
    if type_name == "aws_ssm_parameter":
        return _ssm_parameter(config.get("name") or "", region)
    return {}


# AWS's public parameters the stacks read: /aws/service/powertools/python/{architecture}/{runtime}/{version} holds
# the layer ARN of that Powertools release (published by the Powertools account); the layer number is made up.
POWERTOOLS_LAYER_ACCOUNT = "017000801446"
STANDIN_POWERTOOLS_LAYER_VERSION = 1


def _ssm_parameter(name: str, region: str) -> dict[str, Any]:
    parts = name.split("/")
    if name.startswith("/aws/service/powertools/python/") and len(parts) == 8:
        architecture, runtime = parts[5], parts[6].replace(".", "")
        layer = f"AWSLambdaPowertoolsPythonV3-{runtime}-{architecture}:{STANDIN_POWERTOOLS_LAYER_VERSION}"
        value = f"arn:{PARTITION}:lambda:{region}:{POWERTOOLS_LAYER_ACCOUNT}:layer:{layer}"
    else:
        value = f"stand-in value of {name}"
    return {"value": value, "insecure_value": value, "type": "String", "version": 1, "id": name,
            "arn": f"arn:{PARTITION}:ssm:{region}::parameter{name}"}  # fmt: skip


#: A generated API Gateway key value is 40 characters (API Gateway refuses fewer than 20).
STANDIN_API_KEY_LENGTH = 40


def standby_answers(primary_stack: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``TF_STANDIN_DATA`` answers for a standby stack as if its primary had been applied first: the replicated API
    keys secret holds a value for every key the primary's secret version stores (docs/disaster-recovery.md).
    ``{}`` when the primary stores none (an account baseline)."""
    entries: dict[str, str] = {}
    for version in primary_stack.get("resource", {}).get("aws_secretsmanager_secret_version", {}).values():
        stored = json.loads(version.get("secret_string") or "{}")
        for index, key in enumerate(stored):
            entries[key] = f"standin{index:02d}".ljust(STANDIN_API_KEY_LENGTH, "k")
    return {"aws_secretsmanager_secret_version": {"secret_string": json.dumps(entries)}} if entries else {}


def answer(
    type_name: str,
    block: dict[str, Any],
    config: Any,
    region: str | None,
    overridden: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """``config`` with the data source's computed attributes answered: override, then default, then placeholder."""
    out = dict(config or {})
    answers = {**_defaults(type_name, out, region or DEFAULT_REGION), **overridden.get(type_name, {})}
    attributes = block.get("attributes", {})
    for name, value in answers.items():
        if name in attributes and (name in overridden.get(type_name, {}) or out.get(name) is None):
            out[name] = value
    return values.read_data(block, out)
