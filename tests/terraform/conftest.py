"""Session fixtures: the stand-in provider, and Terraform's verdict on every real stack (run once, in parallel).

``PAYMENT_SKIP_TERRAFORM_CHECK=1`` skips these tests (``make test`` says so loudly); without it a missing or
old Terraform fails them with the message that names what to install.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from scripts.tf_standin import terraform
from tests.conftest import ACCOUNT_STACK

# Terraform is multi-threaded and the plugins mostly wait on it: three at once beat two on 2 cores.
PARALLEL = 3


@pytest.fixture(scope="session")
def standin(tmp_path_factory: pytest.TempPathFactory) -> terraform.StandIn:
    if os.environ.get(terraform.SKIP_SWITCH) == "1":
        pytest.skip(f"{terraform.SKIP_SWITCH}=1: Terraform validate/plan of the stacks is SKIPPED")
    try:
        return terraform.stand_in(tmp_path_factory.mktemp("tf-standin"))
    except terraform.TerraformMissingError as err:
        pytest.fail(str(err), pytrace=False)


def check_all(
    standin: terraform.StandIn, configs: dict[str, dict], root: Path, assets: Path | None, plan: bool
) -> dict[str, terraform.Result]:
    """``terraform.check`` on each config (name -> cdk.tf.json), in parallel, each in its own directory."""

    def one(item: tuple[str, dict]) -> tuple[str, terraform.Result]:
        name, config = item
        return name, terraform.check(standin, terraform.workdir_copy(config, root / name, assets), plan=plan)

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        return dict(pool.map(one, configs.items()))


@pytest.fixture(scope="session")
def terraform_results(
    standin: terraform.StandIn,
    stacks: dict[str, dict],
    account_stack: dict,
    synth_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, terraform.Result]:
    """``{"dev": Result, ..., ACCOUNT_STACK: Result}``: validate + plan -refresh=false + show -json of every
    synthesized stack, the account baseline included."""
    root = tmp_path_factory.mktemp("tf-stacks")
    configs = {env: (stack, f"payment-{env}") for env, stack in stacks.items()}
    configs[ACCOUNT_STACK] = (account_stack, ACCOUNT_STACK)
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        futures = {
            name: pool.submit(
                terraform.check,
                standin,
                terraform.workdir_copy(stack, root / name, synth_dir / "stacks" / stack_id / "assets"),
            )
            for name, (stack, stack_id) in configs.items()
        }
        return {name: future.result() for name, future in futures.items()}


@pytest.fixture(scope="session")
def dr_terraform_results(
    standin: terraform.StandIn,
    dr_stacks: dict[str, dict],
    stacks: dict[str, dict],
    dns_stacks: dict[str, dict],
    synth_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, terraform.Result]:
    """validate + plan of the disaster-recovery stacks: ``{"payment-prod-dr": ..., "payment-account-dr": ...,
    "dns/payment-prod": ..., "dns/payment-prod-dr": ...}`` (dns/: prod with dr.failover_mode dns). A standby is
    planned as if its primary were applied (the stand-in answers its replicated secret with the primary's keys)."""
    import dataclasses
    import json

    from scripts.tf_standin import data_sources

    root = tmp_path_factory.mktemp("tf-dr-stacks")
    assets = synth_dir / "stacks" / "payment-prod" / "assets"  # the same Lambda package in every stack
    configs = {
        **dr_stacks,
        "dns/payment-prod": dns_stacks["payment-prod"],
        "dns/payment-prod-dr": dns_stacks["payment-prod-dr"],
    }
    answers = root / "standby-answers.json"
    answers.write_text(json.dumps(data_sources.standby_answers(stacks["prod"])))
    after_primary = dataclasses.replace(standin, data=answers)

    def one(name: str) -> terraform.Result:
        runner = after_primary if name.endswith("prod-dr") else standin
        return terraform.check(runner, terraform.workdir_copy(configs[name], root / name.replace("/", "-"), assets))

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        return dict(zip(configs, pool.map(one, configs), strict=True))
