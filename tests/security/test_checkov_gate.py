"""scripts/checkov_gate.py: the decision on fabricated reports, and (slow) that it bites on a real stack."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.security.support import REPO_ROOT, SCRIPTS, load_script

gate = load_script("checkov_gate")
STACK_DIR = Path("payment-test")


def _stack(*skips: dict, rtype: str = "aws_s3_bucket", name: str = "receipts") -> dict:
    resource: dict = {"bucket": "x"}
    if skips:
        resource["//"] = {"checkov": {"skip": list(skips)}}
    return {"resource": {rtype: {name: resource}}}


def _report(*failed: tuple[str, str], passed: int = 5) -> dict:
    return {
        "results": {
            "failed_checks": [{"check_id": c, "resource": r, "check_name": f"title of {c}"} for c, r in failed]
        },
        "summary": {"passed": passed, "failed": len(failed), "parsing_errors": 0},
    }


def test_a_failure_without_a_skip_fails() -> None:
    result = gate.evaluate(STACK_DIR, _report(("CKV_AWS_21", "aws_s3_bucket.receipts")), _stack())
    assert not result.ok
    assert result.failed == [("CKV_AWS_21", "aws_s3_bucket.receipts", "title of CKV_AWS_21")]


@pytest.mark.parametrize("reported_as", ["aws_s3_bucket.receipts", "resource.receipts"])
def test_a_failure_with_a_justified_skip_is_skipped(reported_as: str) -> None:
    stack = _stack({"id": "CKV_AWS_21", "comment": "versioning is off because ..."})
    result = gate.evaluate(STACK_DIR, _report(("CKV_AWS_21", reported_as)), stack)
    assert result.ok
    assert result.skipped == [("CKV_AWS_21", reported_as, "versioning is off because ...")]
    assert result.failed == [] and result.stale == []


def test_a_skip_that_matches_no_failure_is_stale_and_fails() -> None:
    stack = _stack({"id": "CKV_AWS_21", "comment": "no longer needed"})
    result = gate.evaluate(STACK_DIR, _report(), stack)
    assert not result.ok
    assert result.stale == [("CKV_AWS_21", "receipts")]


@pytest.mark.parametrize("comment", ["", "   ", None])
def test_a_skip_without_justification_fails(comment: str | None) -> None:
    entry = {"id": "CKV_AWS_21"} if comment is None else {"id": "CKV_AWS_21", "comment": comment}
    result = gate.evaluate(STACK_DIR, _report(("CKV_AWS_21", "aws_s3_bucket.receipts")), _stack(entry))
    assert not result.ok
    assert [f[0] for f in result.failed] == ["CKV_AWS_21"]


def test_a_skip_covers_only_its_own_check_and_resource() -> None:
    stack = _stack({"id": "CKV_AWS_144", "comment": "single region"})
    stack["resource"]["aws_s3_bucket"]["imports"] = {"bucket": "y"}
    report = _report(("CKV_AWS_21", "aws_s3_bucket.receipts"), ("CKV_AWS_144", "aws_s3_bucket.imports"))
    result = gate.evaluate(STACK_DIR, report, stack)
    assert not result.ok
    assert {f[:2] for f in result.failed} == {
        ("CKV_AWS_21", "aws_s3_bucket.receipts"),
        ("CKV_AWS_144", "aws_s3_bucket.imports"),
    }
    assert result.stale == [("CKV_AWS_144", "receipts")]


def test_inline_skips_reads_every_resource_type() -> None:
    stack = _stack({"id": "CKV_AWS_21", "comment": " why "})
    stack["resource"]["aws_lambda_function"] = {
        "fn": {"//": {"checkov": {"skip": [{"id": "CKV_AWS_272", "comment": "c"}]}}}
    }
    assert gate.inline_skips(stack) == {("CKV_AWS_21", "receipts"): "why", ("CKV_AWS_272", "fn"): "c"}


def test_a_report_that_checked_nothing_fails() -> None:
    bare_summary = {"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 0, "resource_count": 0}
    assert not gate.evaluate(STACK_DIR, bare_summary, _stack()).ok
    assert gate.evaluate(STACK_DIR, bare_summary, {"resource": {}}).ok  # nothing to check is fine


def test_a_report_with_parsing_errors_fails() -> None:
    report = _report()
    report["summary"]["parsing_errors"] = 1
    assert not gate.evaluate(STACK_DIR, report, _stack()).ok


def test_one_checkov_run_is_split_back_into_one_report_per_stack(tmp_path: Path) -> None:
    """checkov prints a report per directory, each repeating the ones before: every result is counted once, in
    the stack whose file it names, and a parsing error belongs to its stack."""
    dev, prod = tmp_path / "payment-dev", tmp_path / "payment-prod"

    def check(stack: Path, check_id: str, resource: str, lines: list[int]) -> dict:
        return {"check_id": check_id, "resource": resource, "file_abs_path": str(stack / "cdk.tf.json"),
                "file_line_range": lines}  # fmt: skip

    first = {"results": {"passed_checks": [check(dev, "CKV_AWS_1", "aws_x.a", [1, 2])], "failed_checks": []}}
    second = {
        "results": {
            "passed_checks": [
                check(dev, "CKV_AWS_1", "aws_x.a", [1, 2]),  # repeated from the first report
                check(prod, "CKV_AWS_41", "provider.aws", [10, 20]),
                check(prod, "CKV_AWS_41", "provider.aws", [21, 30]),  # a second, aliased provider block
            ],
            "failed_checks": [check(prod, "CKV_AWS_21", "aws_s3_bucket.receipts", [40, 50])],
            "parsing_errors": [str(prod / "cdk.tf.json")],
        }
    }
    reports = gate.split_reports(json.dumps(first) + "\n" + json.dumps([second]), [dev, prod])
    assert reports[dev]["summary"] == {"passed": 1, "parsing_errors": 0}
    assert reports[prod]["summary"] == {"passed": 2, "parsing_errors": 1}
    assert [c["resource"] for c in reports[prod]["results"]["failed_checks"]] == ["aws_s3_bucket.receipts"]
    assert reports[dev]["results"]["failed_checks"] == []
    stray = {"results": {"passed_checks": [check(tmp_path / "elsewhere", "CKV_AWS_1", "aws_x.b", [1, 2])]}}
    with pytest.raises(RuntimeError, match="elsewhere"):
        gate.split_reports(json.dumps(stray), [dev, prod])


# --- the gate bites on a real stack -------------------------------------------------------------------------------


def _start_gate(stack_dir: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(SCRIPTS / "checkov_gate.py"), str(stack_dir)],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    stdout, stderr = proc.communicate(timeout=300)
    return proc.returncode, stdout + stderr


@pytest.mark.slow
def test_the_gate_fails_when_bucket_versioning_is_suspended(synth_dir: Path, tmp_path: Path) -> None:
    if not Path(sys.executable).with_name("checkov").exists():
        pytest.fail("checkov is not installed next to this Python: run `make install`")
    original = shutil.copytree(synth_dir / "stacks" / "payment-dev", tmp_path / "intact" / "payment-dev")
    broken = shutil.copytree(original, tmp_path / "broken" / "payment-dev")
    stack_file = broken / "cdk.tf.json"
    stack = json.loads(stack_file.read_text())
    versioning = stack["resource"]["aws_s3_bucket_versioning"]
    lid = sorted(versioning)[0]
    versioning[lid]["versioning_configuration"]["status"] = "Suspended"
    stack_file.write_text(json.dumps(stack, indent=2))
    bucket = versioning[lid]["bucket"].split(".")[1]

    runs = [_start_gate(broken), _start_gate(original)]  # both at once: checkov takes ~5 s per stack
    (bites_rc, bites), (passes_rc, passes) = (_finish(proc) for proc in runs)

    print(bites, passes, sep="\n")  # shown with -rP: the evidence for the issue
    assert bites_rc == 1, bites
    assert f"FAILED CKV_AWS_21 aws_s3_bucket.{bucket}" in bites
    assert passes_rc == 0, passes
    assert " 0 failed, 0 stale skips" in passes


@pytest.mark.slow
def test_the_gate_passes_the_account_baseline_stack(synth_dir: Path) -> None:
    """payment-account is gated like the environments (``make checkov`` gates every synthesized stack)."""
    returncode, output = _finish(_start_gate(synth_dir / "stacks" / "payment-account"))
    assert returncode == 0, output
    assert "checkov payment-account:" in output and " 0 failed, 0 stale skips" in output
