"""The make targets around the cdktf CLI that the workflows run: usage errors, the artifact hash, outputs parsing,
and ``provider-validate`` (run here against the stand-in installed as the pinned provider version)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess  # nosec B404 - runs make with fixed arguments
from pathlib import Path

import pytest

from scripts import rehearse, stack_outputs
from scripts.tf_standin import terraform

REPO_ROOT = Path(__file__).resolve().parents[2]


def _make(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # nosec B603 B607 - fixed argv
        ["make", "--no-print-directory", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
        stdin=subprocess.DEVNULL, env=env, check=False,
    )  # fmt: skip


@pytest.mark.parametrize("ci", ["true", ""])
@pytest.mark.parametrize("target", ["deploy", "diff", "output", "destroy"])
def test_cli_targets_without_a_stack_are_usage_errors(target: str, ci: str) -> None:
    result = _make(target, env={**os.environ, "CI": ci})

    assert result.returncode == 2
    assert f"usage: make {target} STACK=payment-<name>" in result.stderr


def test_every_cli_target_has_help_text() -> None:
    listed = _make("help").stdout
    for target in ("deploy", "diff", "output", "destroy", "rehearse", "artifact-hash", "verify-artifact",
                   "provider-validate", "smoke"):  # fmt: skip
        assert f"make {target} " in listed, target


def test_the_cli_is_the_locked_one_and_cdktf_json_needs_no_pipenv() -> None:
    package = json.loads((REPO_ROOT / "package.json").read_text())
    lock = json.loads((REPO_ROOT / "package-lock.json").read_text())
    assert package["devDependencies"]["cdktf-cli"] == "0.21.0"
    assert lock["packages"]["node_modules/cdktf-cli"]["version"] == "0.21.0"
    app = json.loads((REPO_ROOT / "cdktf.json").read_text())["app"]
    assert app == ".venv/bin/python -OO main.py"
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert "CDKTF ?= node_modules/.bin/cdktf" in makefile and "export CHECKPOINT_DISABLE := 1" in makefile


@pytest.fixture
def artifact(synth_dir: Path, tmp_path: Path) -> Path:
    out = tmp_path / "cdktf.out"
    shutil.copytree(synth_dir, out, symlinks=True)
    hashed = _make("artifact-hash", f"CDKTF_OUT={out}")
    assert hashed.returncode == 0, hashed.stderr
    assert "content hash" in hashed.stdout
    return out


def test_verify_artifact_accepts_the_hashed_artifact(artifact: Path) -> None:
    result = _make("verify-artifact", f"CDKTF_OUT={artifact}")

    assert result.returncode == 0, result.stderr
    assert "deploying the tested" in result.stdout


def test_verify_artifact_refuses_a_changed_or_added_file(artifact: Path) -> None:
    stack = artifact / "stacks" / "payment-dev" / "cdk.tf.json"
    original = stack.read_text()
    stack.write_text(original.replace('"dev"', '"DEV"', 1))
    changed = _make("verify-artifact", f"CDKTF_OUT={artifact}")
    stack.write_text(original)
    (artifact / "stacks" / "payment-dev" / "extra.tf.json").write_text("{}")
    added = _make("verify-artifact", f"CDKTF_OUT={artifact}")

    assert changed.returncode != 0 and "payment-dev/cdk.tf.json: FAILED" in changed.stdout + changed.stderr
    assert added.returncode != 0 and "extra.tf.json" in added.stderr


def test_artifact_hash_needs_a_synthesized_directory(tmp_path: Path) -> None:
    result = _make("artifact-hash", f"CDKTF_OUT={tmp_path}")

    assert result.returncode == 2 and "run make synth first" in result.stderr


@pytest.mark.slow
def test_provider_validate_inits_and_validates_every_stack_with_the_pinned_version(
    artifact: Path, tmp_path: Path
) -> None:
    """What ci.yml runs with the real provider, here with the stand-in installed as that exact version."""
    standin = terraform.mirror_stand_in(tmp_path / "provider", rehearse.provider_version())
    result = _make("provider-validate", f"CDKTF_OUT={artifact}", env=standin.environ)

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("Success! The configuration is valid") == len(list((artifact / "stacks").iterdir()))
    lock = (artifact / "stacks" / "payment-dev" / ".terraform.lock.hcl").read_text()
    assert f'version     = "{rehearse.provider_version()}"' in lock


@pytest.mark.slow
def test_provider_validate_fails_on_an_invalid_stack(artifact: Path, tmp_path: Path) -> None:
    stack_file = artifact / "stacks" / "payment-account" / "cdk.tf.json"
    stack = json.loads(stack_file.read_text())
    stack["output"]["broken"] = {"value": "${aws_iam_role.no_such_role.arn}"}
    stack_file.write_text(json.dumps(stack))
    standin = terraform.mirror_stand_in(tmp_path / "provider", rehearse.provider_version())

    result = _make("provider-validate", f"CDKTF_OUT={artifact}", env=standin.environ)

    assert result.returncode != 0
    assert "terraform validate failed in" in result.stderr and "payment-account" in result.stderr


def test_stack_outputs_reads_cdktfs_file_and_names_what_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({"payment-dev": {"apigateway_url": "https://a.execute-api.r.amazonaws.com/dev",
                                                "apigateway_api_key_id": "abc123"}}))  # fmt: skip

    assert stack_outputs.smoke_values(path, "payment-dev") == ("https://a.execute-api.r.amazonaws.com/dev", "abc123")
    with pytest.raises(stack_outputs.OutputsError, match=r"has no stack payment-prod \(it has: payment-dev"):
        stack_outputs.get(path, "payment-prod", "apigateway_url")
    with pytest.raises(stack_outputs.OutputsError, match=r"has no output nope \(it has: apigateway_api_key_id"):
        stack_outputs.get(path, "payment-dev", "nope")
    with pytest.raises(stack_outputs.OutputsError, match="cannot read the outputs file"):
        stack_outputs.get(tmp_path / "missing.json", "payment-dev", "apigateway_url")


@pytest.mark.parametrize("target", ["deploy", "destroy"])
def test_an_apply_in_ci_without_auto_approve_is_an_error_not_a_prompt(target: str) -> None:
    result = _make(target, "STACK=payment-dev", env={**os.environ, "CI": "true"})

    assert result.returncode == 2
    assert f"make {target} in CI (CI=true) needs AUTO_APPROVE=1" in result.stderr


def test_the_apply_targets_ask_on_the_terminal_unless_auto_approved() -> None:
    environ = {k: v for k, v in os.environ.items() if k != "CI"}
    asked = _make("-n", "deploy", "STACK=payment-dev", env=environ).stdout.splitlines()[-1]
    approved = _make("-n", "deploy", "STACK=payment-dev", "AUTO_APPROVE=1", "SKIP_SYNTH=1", env=environ).stdout

    assert "--auto-approve" not in asked and "</dev/null" not in asked
    assert "--auto-approve </dev/null" in approved and "--skip-synth" in approved


def _failing_stack(out: Path, stack: str) -> None:
    """A stack directory the CLI "initialised" whose plan stops at a precondition, as a too-small quota does."""
    stack_dir = out / "stacks" / stack
    (stack_dir / ".terraform").mkdir(parents=True)
    precondition = {"condition": "${var.quota >= 130}", "error_message": "Request an increase to at least 130."}
    config = {
        "variable": {"quota": {"type": "number", "default": 10}},
        "resource": {"terraform_data": {"quota": {"lifecycle": {"precondition": [precondition]}}}},
    }
    (stack_dir / "main.tf.json").write_text(json.dumps(config))


@pytest.mark.parametrize("target", ["deploy", "diff"])
def test_a_failed_cli_run_shows_terraforms_own_errors(target: str, tmp_path: Path) -> None:
    """cdktf 0.21 can exit before printing Terraform's error (cdk-terrain#169): make prints it from a read-only plan
    and keeps the CLI's failure."""
    _failing_stack(tmp_path, "payment-x")

    result = _make(target, "STACK=payment-x", "CDKTF=false", f"CDKTF_OUT={tmp_path}", "AUTO_APPROVE=1")

    assert result.returncode == 2, result.stdout + result.stderr
    assert "payment-x: Terraform's errors" in result.stderr
    assert "Request an increase to at least 130." in result.stderr


def test_a_failure_after_the_plan_says_it_found_no_plan_error(tmp_path: Path) -> None:
    stack_dir = tmp_path / "stacks" / "payment-x"
    (stack_dir / ".terraform").mkdir(parents=True)
    (stack_dir / "main.tf.json").write_text(json.dumps({"resource": {"terraform_data": {"ok": {}}}}))

    result = _make("deploy", "STACK=payment-x", "CDKTF=false", f"CDKTF_OUT={tmp_path}", "AUTO_APPROVE=1")

    assert result.returncode == 2
    assert "payment-x: Terraform plans without an error: the failure happened later (apply)" in result.stderr


def test_a_cli_that_succeeds_runs_no_extra_plan(tmp_path: Path) -> None:
    _failing_stack(tmp_path, "payment-x")

    result = _make("diff", "STACK=payment-x", "CDKTF=true", f"CDKTF_OUT={tmp_path}")

    assert result.returncode == 0
    assert "Terraform's errors" not in result.stderr
