"""The deploy procedure rehearsed offline (``make rehearse``), and the rehearsal failing where the procedure breaks.

``make rehearse`` is the locked cdktf CLI driving real Terraform core against the stand-in provider: deploy,
outputs, a no-change re-plan, destroy, re-deploy (scripts/rehearse.py). The other tests break one thing each
on purpose and show the rehearsal stopping at that step, saying where.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from scripts import rehearse, stack_outputs
from scripts.tf_standin import terraform
from tests.rehearsal import background

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _terraform_and_cli() -> None:
    if os.environ.get(terraform.SKIP_SWITCH) == "1":
        pytest.skip(f"{terraform.SKIP_SWITCH}=1: the deploy rehearsal (Terraform) is SKIPPED")
    try:
        terraform.terraform_binary()
        rehearse.require_cli()
    except (terraform.TerraformMissingError, rehearse.RehearsalError) as err:
        pytest.fail(str(err), pytrace=False)


def test_make_rehearse_deploys_outputs_replans_destroys_and_redeploys() -> None:
    returncode, out = background.result()  # started when collection finished (conftest.py), so it overlaps the rest

    assert returncode == 0, out
    for step in ("make deploy STACK=payment-account",
                 f"new account (Lambda quota {rehearse.NEW_ACCOUNT_LAMBDA_QUOTA}): make deploy STACK=payment-dev stops",
                 "make deploy STACK='payment-dev payment-pr-1' SKIP_SYNTH=1",
                 "make output STACK=payment-dev", "second plan of payment-dev", "make destroy STACK='payment-dev",
                 "re-deploy after destroy", "make destroy STACK='payment-pr-1 payment-account'"):  # fmt: skip
        assert f"ok  {step}" in out, out
    assert "rehearsal passed" in out


def test_an_app_command_that_fails_stops_the_first_deploy(tmp_path: Path) -> None:
    broken = rehearse.Rehearsal(tmp_path, log=lambda line: None,
                                variables={"APP": "sh -c 'echo synth exploded >&2; exit 3'"})  # fmt: skip

    with pytest.raises(rehearse.RehearsalError) as caught:
        broken.run()

    message = str(caught.value)
    assert "rehearsal step 'make deploy STACK=payment-account" in message
    assert "synth exploded" in message


def test_a_resource_the_provider_refuses_stops_the_deploy_naming_it(tmp_path: Path) -> None:
    environ = {**os.environ, "TF_STANDIN_REFUSE_APPLY": "aws_api_gateway_account"}
    refusing = rehearse.Rehearsal(tmp_path, environ=environ, log=lambda line: None)

    with pytest.raises(rehearse.RehearsalError) as caught:
        refusing.run()

    message = " ".join(str(caught.value).split())
    assert "rehearsal step 'make deploy STACK=payment-account" in message
    assert "the stand-in refuses to apply aws_api_gateway_account" in message
    assert "aws_api_gateway_account.apigateway_cloudwatch_account" in message  # Terraform names the resource


def test_a_stack_that_does_not_read_the_quota_fails_the_new_account_step(synth_dir: Path, tmp_path: Path) -> None:
    """Without its plan-time quota check, dev deploys into an account whose quota cannot hold its reservations."""
    rehearsal = rehearse.Rehearsal(tmp_path, log=lambda line: None)
    shutil.copytree(synth_dir, rehearsal.out, symlinks=True)
    stack_file = rehearsal.out / "stacks" / rehearse.DEV / "cdk.tf.json"
    stack = json.loads(stack_file.read_text())
    for quota in stack["data"]["aws_servicequotas_service_quota"].values():
        quota.pop("lifecycle")
    stack_file.write_text(json.dumps(stack))

    with pytest.raises(rehearse.RehearsalError) as caught:
        rehearsal.assert_quota_stops_the_deploy(rehearse.DEV)

    assert "make deploy STACK=payment-dev stops at plan time" in str(caught.value)
    assert "succeeded, but it must fail" in str(caught.value)


def test_a_renamed_output_fails_the_output_step_naming_it(synth_dir: Path, tmp_path: Path) -> None:
    """Deploy a synthesized dev stack whose stage URL output was renamed: smoke's outputs are not there."""
    rehearsal = rehearse.Rehearsal(tmp_path, log=lambda line: None)
    shutil.copytree(synth_dir, rehearsal.out, symlinks=True)
    stack_file = rehearsal.out / "stacks" / rehearse.DEV / "cdk.tf.json"
    stack = json.loads(stack_file.read_text())
    stack["output"]["stage_url"] = stack["output"].pop(stack_outputs.URL)
    names = stack["//"]["outputs"][rehearse.DEV]  # the map cdktf writes the outputs file from, renamed alike
    del names[stack_outputs.URL]
    names["stage_url"] = "stage_url"
    stack_file.write_text(json.dumps(stack))
    rehearsal.make("deploy", "deploy", [rehearse.DEV], AUTO_APPROVE="1", SKIP_SYNTH="1")
    # the structure cdktf writes with --outputs-file, pinned: {stack: {output name as synthesized: value}}
    written = json.loads(rehearsal.outputs_file.read_text())
    assert list(written) == [rehearse.DEV] and set(written[rehearse.DEV]) == set(stack["output"])
    assert written[rehearse.DEV]["stage_url"].startswith("https://")

    with pytest.raises(rehearse.RehearsalError) as caught:
        rehearsal.outputs()

    message = str(caught.value)
    assert f"rehearsal step 'make output STACK={rehearse.DEV}'" in message
    assert f"stack {rehearse.DEV} has no output {stack_outputs.URL}" in message and "stage_url" in message


def test_a_missing_cli_fails_naming_the_install_command(tmp_path: Path) -> None:
    with pytest.raises(rehearse.RehearsalError, match=r"locked cdktf CLI is missing .*make install"):
        rehearse.require_cli(tmp_path / "cdktf")


def test_the_rehearsal_installs_the_provider_version_the_stacks_pin(account_stack: dict) -> None:
    pinned = account_stack["terraform"]["required_providers"]["aws"]["version"]

    assert rehearse.provider_version() == pinned
