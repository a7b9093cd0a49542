"""The settlement workflow definition of every stack passes ``asl-validator`` (npm, locked in package-lock.json).

The definition is validated as the stack deploys it (from ``aws_sfn_state_machine.definition``), with Terraform
references replaced by ARNs of the right shape, so the validator's ARN and path checks apply. A broken copy shows
the check can fail.
"""

from __future__ import annotations

import json
import re
import subprocess  # nosec B404 - runs the locked validator from node_modules, fixed argv
from pathlib import Path

import pytest

from payment_local.stack import REPO_ROOT

pytestmark = pytest.mark.slow  # Node's asl-validator on every stack: make test-slow runs it

VALIDATOR = REPO_ROOT / "node_modules" / ".bin" / "asl-validator"
_REFERENCE = re.compile(r"\$\{[^}]+\}")


def _definitions(synth_dir: Path) -> dict[str, dict]:
    found = {}
    for stack_file in sorted((synth_dir / "stacks").glob("payment-*/cdk.tf.json")):
        stack = json.loads(stack_file.read_text())
        for machine in stack.get("resource", {}).get("aws_sfn_state_machine", {}).values():
            text = machine["definition"]
            # Lambda and SNS references become ARNs of their kind (the validator checks ARN shapes).
            text = re.sub(
                r"\$\{aws_lambda_function\.[^}]+\}", "arn:aws:lambda:ap-northeast-2:123456789012:function:f", text
            )
            text = re.sub(r"\$\{aws_sns_topic\.[^}]+\}", "arn:aws:sns:ap-northeast-2:123456789012:t", text)
            assert not _REFERENCE.search(text), f"unexpected reference in the definition: {_REFERENCE.search(text)}"
            found[stack_file.parent.name] = json.loads(text)
    return found


def _validate(definition: dict, tmp_path: Path) -> subprocess.CompletedProcess:
    path = tmp_path / "definition.json"
    path.write_text(json.dumps(definition))
    return subprocess.run(  # nosec B603 - the locked validator, fixed argv
        [str(VALIDATOR), "--json-path", str(path)], capture_output=True, text=True, timeout=60, check=False
    )


@pytest.fixture(scope="module")
def definitions(synth_dir: Path) -> dict[str, dict]:
    if not VALIDATOR.exists():
        pytest.fail(f"{VALIDATOR} is missing: run `npm ci` (make test installs it)")
    found = _definitions(synth_dir)
    assert set(found) >= {"payment-dev", "payment-staging", "payment-prod"}
    return found


def test_every_stack_definition_is_valid_asl(definitions: dict[str, dict], tmp_path: Path) -> None:
    for stack_id, definition in definitions.items():
        result = _validate(definition, tmp_path)
        assert result.returncode == 0, f"{stack_id}: {result.stdout}{result.stderr}"


def test_the_validator_catches_a_broken_definition(definitions: dict[str, dict], tmp_path: Path) -> None:
    broken = json.loads(json.dumps(definitions["payment-dev"]))
    broken["States"]["Validate"]["Next"] = "NoSuchState"
    result = _validate(broken, tmp_path)
    assert result.returncode != 0 and "NoSuchState" in result.stdout + result.stderr
