"""What the stand-in's apply makes of a plan: every unknown (computed) value filled with a deterministic value.

Generic over the schema: a string, number, bool, collection or object of the attribute's type. Where the shape
matters to what reads it (outputs smoke uses, references between resources, ARNs in policies), small rules by
attribute name and resource type: ``arn`` / ``*_arn`` are ARNs of the resource's service, region and account;
``id`` is the resource's name where AWS uses the name (tables, buckets, functions, roles), the URL for queues
and the ARN for topics and state machines; ``url`` / ``invoke_url`` are the URLs AWS gives (queue URLs, API
Gateway invoke URLs). Values derive from a hash of the resource's known planned values, so the same
configuration applies to the same values every time (and a rehearsal's outputs are reproducible).

``TF_STANDIN_REFUSE_APPLY`` (comma-separated resource types) makes the apply of those types fail, so a test can
show a deploy stopping at a resource and saying which.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from . import data_sources
from .values import UNKNOWN, Unknown, _is_dynamic_wrapper

REFUSE_ENV = "TF_STANDIN_REFUSE_APPLY"

# resource type prefix -> ARN service (longest prefix wins); the rest use the word after "aws_"
SERVICES = {
    "aws_api_gateway_": "apigateway",
    "aws_appautoscaling_": "application-autoscaling",
    "aws_cloudwatch_log_": "logs",
    "aws_cloudwatch_event_": "events",
    "aws_sfn_": "states",
    "aws_vpc": "ec2",
    "aws_subnet": "ec2",
    "aws_route_table": "ec2",
    "aws_security_group": "ec2",
    "aws_default_security_group": "ec2",
    "aws_flow_log": "ec2",
    "aws_internet_gateway": "ec2",
    "aws_nat_gateway": "ec2",
    "aws_eip": "ec2",
    "aws_network_acl": "ec2",
}
GLOBAL_SERVICES = {"iam", "s3", "route53", "cloudfront"}  # ARNs without region (and, for s3, account)
# resource types whose id AWS sets to their name attribute
ID_IS_NAME = {
    "aws_s3_bucket": "bucket",
    "aws_dynamodb_table": "name",
    "aws_lambda_function": "function_name",
    "aws_iam_role": "name",
    "aws_cloudwatch_log_group": "name",
    "aws_cloudwatch_metric_alarm": "alarm_name",
    "aws_cloudwatch_dashboard": "dashboard_name",
    "aws_kms_alias": "name",
}
ID_IS_ARN = {"aws_sns_topic", "aws_sfn_state_machine", "aws_sns_topic_subscription", "aws_iam_policy"}
# the ARN's resource part, by type: "{name}" is the resource's name (or generated id)
ARN_RESOURCE = {
    "aws_sqs_queue": "{name}",
    "aws_sns_topic": "{name}",
    "aws_sns_topic_subscription": "{name}:{seed}",
    "aws_lambda_function": "function:{name}",
    "aws_dynamodb_table": "table/{name}",
    "aws_sfn_state_machine": "stateMachine:{name}",
    "aws_cloudwatch_log_group": "log-group:{name}",
    "aws_cloudwatch_metric_alarm": "alarm:{name}",
    "aws_kms_key": "key/{uuid}",
    "aws_kms_alias": "{name}",
    "aws_iam_role": "role/{name}",
    "aws_iam_policy": "policy/{name}",
    "aws_s3_bucket": "{name}",
    "aws_api_gateway_rest_api": "/restapis/{id}",
    "aws_api_gateway_stage": "/restapis/{rest_api_id}/stages/{stage_name}",
    "aws_api_gateway_api_key": "/apikeys/{id}",
    "aws_api_gateway_usage_plan": "/usageplans/{id}",
}
NAME_ATTRIBUTES = ("name", "bucket", "function_name", "alarm_name", "dashboard_name")


class ApplyRefusedError(RuntimeError):
    """The stand-in was told to refuse this resource type (``TF_STANDIN_REFUSE_APPLY``)."""


def service_of(type_name: str) -> str:
    prefixes = [p for p in SERVICES if type_name.startswith(p)]
    if prefixes:
        return SERVICES[max(prefixes, key=len)]
    return type_name.removeprefix("aws_").split("_")[0]


def _known(value: Any) -> Any:
    """``value`` with unknowns as ``None`` and bytes as text: the JSON-able base of the deterministic seed."""
    if isinstance(value, Unknown):
        return None
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    if isinstance(value, dict):
        return {str(k): _known(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_known(v) for v in value]
    return value


class _Filler:
    """Fills the unknowns of one resource's planned state."""

    def __init__(self, type_name: str, planned: dict[str, Any], region: str) -> None:
        self.type_name = type_name
        self.planned = planned
        self.region = region
        self.account = data_sources.ACCOUNT_ID
        self.service = service_of(type_name)
        digest = hashlib.sha256(
            json.dumps([type_name, _known(planned)], sort_keys=True, default=str).encode()
        ).hexdigest()
        self.seed = digest[:10]
        self.uuid = f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-8{digest[17:20]}-{digest[20:32]}"

    def _known_string(self, name: str) -> str | None:
        value = self.planned.get(name)
        return value if isinstance(value, str) else None

    @property
    def name(self) -> str:
        for attribute in NAME_ATTRIBUTES:
            if value := self._known_string(attribute):
                return value
        return f"{self.type_name.removeprefix('aws_').replace('_', '-')}-{self.seed}"

    @property
    def id(self) -> str:
        if self.type_name in ID_IS_NAME:
            return self._known_string(ID_IS_NAME[self.type_name]) or self.name
        if self.type_name in ID_IS_ARN:
            return self.arn
        if self.type_name == "aws_sqs_queue":
            return self.url("url")
        if self.type_name == "aws_kms_key":
            return self.uuid
        return self.seed

    @property
    def arn(self) -> str:
        template = ARN_RESOURCE.get(self.type_name, self.type_name.removeprefix("aws_").replace("_", "-") + "/{id}")
        fields = {k: v for k, v in self.planned.items() if isinstance(v, str)}
        resource_id = fields.get("id") or (self.id if "{id}" in template else "")
        fields.update(name=self.name, seed=self.seed, uuid=self.uuid, id=resource_id)
        resource = template.format_map(_Default(fields))
        region = "" if self.service in GLOBAL_SERVICES else self.region
        account = "" if self.service in ("s3", "apigateway") else self.account
        return f"arn:{data_sources.PARTITION}:{self.service}:{region}:{account}:{resource}"

    def url(self, attribute: str) -> str:
        if self.type_name == "aws_sqs_queue":
            return f"https://sqs.{self.region}.amazonaws.com/{self.account}/{self.name}"
        if self.type_name == "aws_api_gateway_stage":
            api, stage = self._known_string("rest_api_id") or self.seed, self._known_string("stage_name") or "stage"
            return f"https://{api}.execute-api.{self.region}.amazonaws.com/{stage}"
        if self.type_name == "aws_api_gateway_deployment":
            api = self._known_string("rest_api_id") or self.seed
            return f"https://{api}.execute-api.{self.region}.amazonaws.com/"
        return f"https://{self.seed}.{self.service}.{self.region}.amazonaws.com/{attribute}"

    def string(self, attribute: str) -> str:
        if attribute == "id":
            return self.id
        if attribute == "arn":
            return self.arn
        if attribute in ("url", "invoke_url") or attribute.endswith("_url"):
            return self.url(attribute)
        if attribute.endswith("_arn"):
            return f"{self.arn}/{attribute.removesuffix('_arn')}"
        if attribute in ("owner_id", "account_id"):
            return self.account
        if attribute == "region":
            return self.region
        return f"stand-in-{attribute.replace('_', '-')}-{self.seed}"


class _Default(dict):
    def __missing__(self, key: str) -> str:
        return f"stand-in-{key}"


def _value(type_: Any, attribute: str, filler: _Filler) -> Any:
    if type_ == "string":
        return filler.string(attribute)
    if type_ == "number":
        return 0
    if type_ == "bool":
        return False
    if isinstance(type_, list) and type_[0] in ("list", "set", "tuple"):
        return []
    if isinstance(type_, list) and type_[0] == "map":
        return {}
    if isinstance(type_, list) and type_[0] == "object":
        return {name: _value(t, name, filler) for name, t in type_[1].items()}
    return None  # dynamic: null is a valid value of any type


def _fill_value(type_: Any, value: Any, attribute: str, filler: _Filler) -> Any:
    """``value`` of ``type_`` with unknowns replaced, including unknowns inside known collections and objects."""
    if isinstance(value, Unknown):
        return _value(type_, attribute, filler)
    if value is None or not isinstance(type_, list) or _is_dynamic_wrapper(value):
        return value
    kind = type_[0]
    if kind in ("list", "set"):
        return [_fill_value(type_[1], v, attribute, filler) for v in value]
    if kind == "map":
        return {k: _fill_value(type_[1], v, attribute, filler) for k, v in value.items()}
    if kind == "object":
        return {k: _fill_value(type_[1].get(k), v, k, filler) for k, v in value.items()}
    return value


def _fill_block(block: dict[str, Any], value: Any, filler: _Filler) -> Any:
    if value is None or isinstance(value, Unknown) or _is_dynamic_wrapper(value):
        return value
    out = dict(value)
    for name, attr in block.get("attributes", {}).items():
        if name not in out:
            continue
        if "nested_type" in attr:
            nested = attr["nested_type"]
            out[name] = _each(nested["nesting_mode"], out[name], lambda v, n=nested: _fill_block(n, v, filler))
        else:
            out[name] = _fill_value(attr.get("type"), out[name], name, filler)
    for name, nested in block.get("block_types", {}).items():
        if out.get(name) is not None:
            out[name] = _each(nested["nesting_mode"], out[name], lambda v, n=nested: _fill_block(n["block"], v, filler))
    return out


def _each(nesting: str, value: Any, fn: Any) -> Any:
    if isinstance(value, Unknown):
        return UNKNOWN
    if _is_dynamic_wrapper(value) or value is None:
        return value
    if nesting == "single":
        return fn(value)
    if nesting == "map":
        return {k: fn(v) for k, v in value.items()}
    return [fn(v) for v in value]


def refused(environ: dict[str, str] | None = None) -> set[str]:
    environ = os.environ if environ is None else environ
    return {t.strip() for t in environ.get(REFUSE_ENV, "").split(",") if t.strip()}


def apply(type_name: str, block: dict[str, Any], planned: Any, region: str | None) -> Any:
    """The new state for ``planned`` (``None`` when destroying): unknowns filled, known values as planned."""
    if planned is None:
        return None
    if type_name in refused():
        raise ApplyRefusedError(f"the stand-in refuses to apply {type_name} ({REFUSE_ENV}={os.environ[REFUSE_ENV]})")
    filler = _Filler(type_name, _known(planned), region or data_sources.DEFAULT_REGION)
    return _fill_block(block, planned, filler)
