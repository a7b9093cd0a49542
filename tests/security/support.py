"""Readers shared by the security tests: policy documents, Terraform references, the repo's scripts."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = REPO_ROOT / "scripts"

# "${aws_sqs_queue.payment_api_messaging_queue_08783C0B.arn}" -> (type, logical id, attribute)
REF = re.compile(r"\$\{(?P<rtype>aws_[a-z0-9_]+)\.(?P<lid>[A-Za-z0-9_-]+)\.(?P<attr>[a-z_]+)\}")
# Resource attributes that hold a JSON policy document.
POLICY_FIELDS = ("policy", "assume_role_policy", "policy_document", "access_policy")


def load_script(name: str) -> ModuleType:
    """``scripts/<name>.py`` as a module (``scripts/`` is not a package)."""
    module_name = f"payment_scripts_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, SCRIPTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses look their module up while executing
    spec.loader.exec_module(module)
    return module


def as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def refs(text: str) -> list[tuple[str, str, str]]:
    """Every ``(type, logical id, attribute)`` referenced in ``text``."""
    return [(m["rtype"], m["lid"], m["attr"]) for m in REF.finditer(text)]


def single_ref(text: str) -> tuple[str, str, str]:
    """The one reference that ``text`` consists of, e.g. a table name set to ``${aws_dynamodb_table.x.name}``."""
    match = REF.fullmatch(text or "")
    assert match, f"expected exactly one Terraform reference, got {text!r}"
    return match["rtype"], match["lid"], match["attr"]


def policy_documents(stack: dict) -> Iterator[tuple[str, str, str, dict]]:
    """``(resource type, logical id, field, parsed document)`` for every policy in the stack."""
    for rtype, resources in stack.get("resource", {}).items():
        for lid, resource in resources.items():
            for field in POLICY_FIELDS:
                value = resource.get(field)
                if isinstance(value, str) and value.lstrip().startswith("{"):
                    yield rtype, lid, field, json.loads(value)


def statements(document: dict) -> list[dict]:
    return as_list(document.get("Statement"))


def resources_of(stack: dict, rtype: str) -> dict[str, dict[str, Any]]:
    return stack.get("resource", {}).get(rtype, {})


def bucket_key(stack: dict, bucket_lid: str) -> str | None:
    """``kms_master_key_id`` of the SSE configuration of bucket ``bucket_lid`` (None if it has none)."""
    for config in resources_of(stack, "aws_s3_bucket_server_side_encryption_configuration").values():
        if REF.fullmatch(config.get("bucket", "")) and single_ref(config["bucket"])[:2] == (
            "aws_s3_bucket",
            bucket_lid,
        ):
            for rule in as_list(config.get("rule")):
                default = rule.get("apply_server_side_encryption_by_default", {})
                if default.get("sse_algorithm") == "aws:kms":
                    return default.get("kms_master_key_id")
    return None


def encryption_key(stack: dict, rtype: str, lid: str) -> str | None:
    """The key setting that protects a data resource, as written in the stack (None if unencrypted/unknown)."""
    resource = resources_of(stack, rtype)[lid]
    if rtype == "aws_dynamodb_table":
        sse = resource.get("server_side_encryption") or {}
        return sse.get("kms_key_arn") if sse.get("enabled") else None
    if rtype == "aws_s3_bucket":
        return bucket_key(stack, lid)
    if rtype in ("aws_sqs_queue", "aws_sns_topic"):
        return resource.get("kms_master_key_id")
    if rtype == "aws_cloudwatch_log_group":
        return resource.get("kms_key_id")
    if rtype == "aws_lambda_function":
        return resource.get("kms_key_arn")
    if rtype == "aws_secretsmanager_secret":  # and each replica's key: see test_encryption.py
        return resource.get("kms_key_id")
    if rtype == "aws_sfn_state_machine":
        encryption = resource.get("encryption_configuration") or {}
        return encryption.get("kms_key_id") if encryption.get("type") == "CUSTOMER_MANAGED_KMS_KEY" else None
    raise KeyError(rtype)
