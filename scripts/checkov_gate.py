#!/usr/bin/env python3
"""Security gate: checkov on every synthesized stack; 0 failed checks, skips only inline on resources.

A failed check passes the gate only if its resource carries ``"//": {"checkov": {"skip": [{"id", "comment"}]}}``
with that id and a non-empty comment (written by ``payment_infra/checkov_skips.py``). A skip that matches no
failure is stale and fails the gate too, so the list cannot outlive its reason.

Usage: scripts/checkov_gate.py [cdktf.out/stacks/<stack> ...]   (default: every stack under cdktf.out/stacks)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

CHECKOV = Path(sys.executable).with_name("checkov")


@dataclass
class StackResult:
    stack: str
    passed: int = 0
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # (check, resource, justification)
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # (check, resource, title)
    stale: list[tuple[str, str]] = field(default_factory=list)  # (check, resource)
    problems: list[str] = field(default_factory=list)  # the report cannot be trusted (nothing checked, parse errors)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed and not self.stale and not self.problems


def inline_skips(stack_json: dict) -> dict[tuple[str, str], str]:
    """``{(check id, logical id): justification}`` for every inline skip in a synthesized stack.

    Logical ids are unique within a stack (cdktf derives them from the construct path), and checkov names
    the resource inconsistently (``aws_x.id`` or ``resource.id``), so the id alone identifies it.
    """
    skips = {}
    for resources in stack_json.get("resource", {}).values():
        for name, resource in resources.items():
            for entry in resource.get("//", {}).get("checkov", {}).get("skip", []):
                skips[(entry["id"], name)] = entry.get("comment", "").strip()
    return skips


def run_checkov(stack_dir: Path) -> dict:
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    proc = subprocess.run(  # noqa: S603  (fixed argv: our venv's checkov on our stack dirs)
        [str(CHECKOV), "-d", str(stack_dir), "--framework", "terraform_json", "-o", "json",
         "--skip-download", "--compact"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"checkov failed on {stack_dir} (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    report = json.loads(proc.stdout)
    return report[0] if isinstance(report, list) else report


def evaluate(stack_dir: Path, report: dict, stack_json: dict) -> StackResult:
    result = StackResult(stack=stack_dir.name)
    skips = inline_skips(stack_json)
    results = report.get("results", {})
    # With nothing to report, checkov prints its bare summary instead of {"results", "summary"}.
    summary = report.get("summary", report)
    result.passed = int(summary.get("passed", 0))
    # An empty report must not read as "0 failed": a stack with resources that checkov did not check, or
    # could not parse, fails the gate.
    if int(summary.get("parsing_errors", 0)):
        result.problems.append(f"checkov could not parse {summary['parsing_errors']} file(s)")
    checked = result.passed + len(results.get("failed_checks", []))
    if stack_json.get("resource") and not checked:
        result.problems.append("checkov ran no check on a stack that has resources")
    used = set()
    for check in results.get("failed_checks", []):
        key = (check["check_id"], check["resource"].rsplit(".", 1)[-1])
        justification = skips.get(key)
        if justification:
            used.add(key)
            result.skipped.append((check["check_id"], check["resource"], justification))
        else:
            result.failed.append((check["check_id"], check["resource"], check.get("check_name", "")))
    result.stale = sorted(set(skips) - used)
    return result


def gate(stack_dir: Path) -> StackResult:
    started = time.monotonic()
    stack_json = json.loads((stack_dir / "cdk.tf.json").read_text())
    result = evaluate(stack_dir, run_checkov(stack_dir), stack_json)
    result.seconds = time.monotonic() - started
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stacks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    stacks = args.stacks or sorted(p for p in Path("cdktf.out/stacks").iterdir() if (p / "cdk.tf.json").exists())
    if not stacks:
        print("no synthesized stacks: run `make synth` first", file=sys.stderr)
        return 2
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=min(len(stacks), os.cpu_count() or 1)) as pool:
        results = list(pool.map(gate, stacks))
    for r in results:
        print(f"checkov {r.stack}: {r.passed} passed, {len(r.skipped)} skipped inline, "
              f"{len(r.failed)} failed, {len(r.stale)} stale skips ({r.seconds:.1f} s)")  # fmt: skip
        for check, resource, title in r.failed:
            print(f"  FAILED {check} {resource}: {title}")
        for check, resource in r.stale:
            print(f"  STALE SKIP {check} on {resource}: the check passes now, remove the skip")
        for problem in r.problems:
            print(f"  BROKEN REPORT: {problem}")
    print(f"checkov gate: {len(results)} stacks in {time.monotonic() - started:.1f} s")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
