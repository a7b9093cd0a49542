"""Small readers over a synthesized ``cdk.tf.json``."""

from __future__ import annotations

import filecmp
import json
from typing import Any


def resources(stack: dict, rtype: str) -> dict[str, dict[str, Any]]:
    return stack.get("resource", {}).get(rtype, {})


#: The provider a primary stack uses for its resources in fallback_region (payment_infra/regional.py).
FALLBACK_PROVIDER = "aws.fallback"


def home_region(stack: dict, rtype: str) -> dict[str, dict[str, Any]]:
    """``resources`` of the stack's own region: without those a primary places in fallback_region (dr.enabled)."""
    return {k: r for k, r in resources(stack, rtype).items() if r.get("provider") != FALLBACK_PROVIDER}


def in_fallback_region(stack: dict, rtype: str) -> dict[str, dict[str, Any]]:
    """The resources of ``rtype`` a primary stack manages in fallback_region (empty without dr.enabled)."""
    return {k: r for k, r in resources(stack, rtype).items() if r.get("provider") == FALLBACK_PROVIDER}


def only(stack: dict, rtype: str, predicate=lambda r: True) -> dict[str, Any]:
    matches = [r for r in resources(stack, rtype).values() if predicate(r)]
    assert len(matches) == 1, f"expected exactly one {rtype}, found {len(matches)}"
    return matches[0]


def ref(rtype: str, logical_id: str, attribute: str = "id") -> str:
    return "${" + f"{rtype}.{logical_id}.{attribute}" + "}"


def logical_id(stack: dict, rtype: str, predicate) -> str:
    ids = [k for k, r in resources(stack, rtype).items() if predicate(r)]
    assert len(ids) == 1, f"expected exactly one {rtype}, found {ids}"
    return ids[0]


def policy(resource: dict, field: str = "policy") -> dict:
    return json.loads(resource[field])


def bucket_named(stack: dict, purpose: str) -> tuple[str, dict]:
    """(logical id, resource) of the bucket ``payment-{purpose}-{env}-{account}`` in the stack's own region."""
    for key, bucket in home_region(stack, "aws_s3_bucket").items():
        if bucket["bucket"].startswith(f"payment-{purpose}-"):
            return key, bucket
    raise AssertionError(f"no bucket for {purpose}")


def tree_differences(comparison: filecmp.dircmp) -> list[str]:
    """Names of files that differ, or exist on one side only, anywhere below two compared directories."""
    found = [*comparison.left_only, *comparison.right_only, *comparison.funny_files]
    _, mismatch, errors = filecmp.cmpfiles(comparison.left, comparison.right, comparison.common_files, shallow=False)
    found += mismatch + errors
    for sub in comparison.subdirs.values():
        found += tree_differences(sub)
    return found
