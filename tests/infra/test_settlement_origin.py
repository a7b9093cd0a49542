"""Each region's settlement pipe carries only the payments created in that region.

A global table's replica emits stream records for the writes replicated into it; a pipe carrying them would settle
the other region's payments a second time whenever both pipes are on (a primary coming back after a failover
could not be switched off while it was down). The transaction item names the region that created it
(``ORIGIN_REGION_ATTRIBUTE``, written by the repository); the pipe's filter requires the stack's own region.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from payment_infra.application import functions_module

STACKS = ["payment-dev", "payment-staging", "payment-prod", "payment-prod-dr"]


@pytest.mark.parametrize("stack_name", STACKS)
def test_the_pipe_carries_only_payments_created_in_its_stacks_region(synth_dir: Path, stack_name: str) -> None:
    stack = json.loads((synth_dir / "stacks" / stack_name / "cdk.tf.json").read_text())
    region = next(p["region"] for p in stack["provider"]["aws"] if "alias" not in p)
    (pipe,) = stack["resource"]["aws_pipes_pipe"].values()
    (criteria,) = pipe["source_parameters"]["filter_criteria"]["filter"]
    image = json.loads(criteria["pattern"])["dynamodb"]["NewImage"]
    assert image[functions_module().ORIGIN_REGION_ATTRIBUTE] == {"S": [region]}
    assert image["status"] == {"S": ["pending"]}


def test_primary_and_standby_filter_on_different_regions(synth_dir: Path) -> None:
    patterns = set()
    for name in ("payment-prod", "payment-prod-dr"):
        stack = json.loads((synth_dir / "stacks" / name / "cdk.tf.json").read_text())
        (pipe,) = stack["resource"]["aws_pipes_pipe"].values()
        patterns.add(pipe["source_parameters"]["filter_criteria"]["filter"][0]["pattern"])
    assert len(patterns) == 2
