"""Account quotas stop the plan, through Terraform core: a small quota fails it with the message that says what to
do, the default (a fresh account's 1,000 concurrent executions and 5 VPCs) plans (``test_stacks.py``).

The stand-in answers ``aws_servicequotas_service_quota`` with ``TF_STANDIN_DATA``'s value for every quota of the
plan (``scripts/tf_standin/data_sources.py``), so each case sets the one quota its stack reads.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from payment_infra.config import UNRESERVED_CONCURRENCY_MINIMUM, load_config
from scripts.tf_standin import terraform
from tests.conftest import ACCOUNT_STACK, ENVIRONMENTS

pytestmark = pytest.mark.slow  # Terraform core: make test-slow runs it

# What the environments reserve, from the config (a new function or a changed reservation moves them).
RESERVED = {env: load_config(env, {}).reserved_concurrency_total for env in ENVIRONMENTS}
TOTAL = sum(RESERVED.values())
NEEDED = TOTAL + UNRESERVED_CONCURRENCY_MINIMUM


def _plan_with_quota(standin: terraform.StandIn, stack: dict, assets: Path, workdir: Path, value: int):
    answers = workdir / "answers.json"
    workdir.mkdir(parents=True, exist_ok=True)
    answers.write_text(json.dumps({"aws_servicequotas_service_quota": {"value": value}}))
    return terraform.check(
        dataclasses.replace(standin, data=answers), terraform.workdir_copy(stack, workdir / "tf", assets)
    )


def _one_line(result: terraform.Result) -> str:
    return " ".join(result.output.split())  # Terraform wraps long messages


@pytest.mark.parametrize("quota", [10, NEEDED - 1])
def test_a_small_lambda_concurrency_quota_stops_the_plan(
    standin: terraform.StandIn, stacks: dict[str, dict], synth_dir: Path, tmp_path: Path, quota: int
) -> None:
    result = _plan_with_quota(standin, stacks["dev"], synth_dir / "stacks" / "payment-dev" / "assets", tmp_path, quota)

    assert result.validate.returncode == 0, result.output
    assert result.plan is not None and result.plan.returncode != 0, result.output
    out = _one_line(result)
    assert "Error: Resource postcondition failed" in out
    parts = " + ".join(f"{env} {count}" for env, count in RESERVED.items())
    assert (
        f"The deployments of this account reserve {TOTAL} concurrent executions ({parts}) and "
        f"Lambda keeps {UNRESERVED_CONCURRENCY_MINIMUM} unreserved, but this account's Lambda concurrent executions "
        f"quota (lambda L-B99A9384) is {quota}. Request an increase to at least {NEEDED}"
    ) in out
    assert "set PAYMENT_RESERVE_CONCURRENCY=false to reserve nothing" in out


def test_the_quota_the_reservations_need_plans(
    standin: terraform.StandIn, stacks: dict[str, dict], synth_dir: Path, tmp_path: Path
) -> None:
    result = _plan_with_quota(
        standin, stacks["prod"], synth_dir / "stacks" / "payment-prod" / "assets", tmp_path, NEEDED
    )

    assert result.ok, result.output


def test_a_small_vpc_quota_stops_the_account_plan(
    standin: terraform.StandIn, account_stack: dict, synth_dir: Path, tmp_path: Path
) -> None:
    assets = synth_dir / "stacks" / ACCOUNT_STACK / "assets"
    result = _plan_with_quota(standin, account_stack, assets, tmp_path, 4)

    assert result.plan is not None and result.plan.returncode != 0, result.output
    out = _one_line(result)
    assert (
        "The default VPC, the 3 environments' VPCs and the shared preview network need 5 VPCs in ap-northeast-2, "
        "but this account's VPCs per Region quota (vpc L-F678F1CE) is 4. Request an increase to at least 5"
    ) in out
