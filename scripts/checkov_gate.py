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


def _documents(text: str) -> list[dict]:
    """Every report in checkov's output: one JSON value per directory, back to back (a list for several frameworks)."""
    decoder, documents = json.JSONDecoder(), []
    position = len(text) - len(text.lstrip())
    while position < len(text):
        value, end = decoder.raw_decode(text, position)
        documents.extend(value if isinstance(value, list) else [value])
        position = end + len(text[end:]) - len(text[end:].lstrip())
    return documents


def _owner(stack_dirs: list[Path], file: str) -> Path:
    """The stack directory a reported file lies in."""
    path = Path(file).resolve()
    for stack_dir in stack_dirs:
        if path.is_relative_to(stack_dir.resolve()):
            return stack_dir
    raise RuntimeError(f"checkov reported {file}, which is in none of {[str(d) for d in stack_dirs]}")


def run_checkov(stack_dirs: list[Path]) -> dict[Path, dict]:
    """One checkov process over every stack (its start-up, ~1.5 s, is most of a small stack's time), split back
    into one report per stack by each result's file. checkov prints a report per ``-d``, each repeating the
    results of the directories before it: a result is counted once per (file, check, resource, lines; two
    aliased provider blocks are two resources of one name)."""
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    directories = [arg for stack_dir in stack_dirs for arg in ("-d", str(stack_dir))]
    proc = subprocess.run(  # noqa: S603  (fixed argv: our venv's checkov on our stack dirs)
        [str(CHECKOV), *directories, "--framework", "terraform_json", "-o", "json", "--skip-download", "--compact"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"checkov failed on {stack_dirs} (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    return split_reports(proc.stdout, stack_dirs)


def split_reports(output: str, stack_dirs: list[Path]) -> dict[Path, dict]:
    """checkov's output over several directories as one report per stack directory (see :func:`run_checkov`)."""
    found = {stack_dir: {"passed_checks": {}, "failed_checks": {}} for stack_dir in stack_dirs}
    broken: dict[Path, set[str]] = {stack_dir: set() for stack_dir in stack_dirs}
    for document in _documents(output):
        results = document.get("results", {})
        for kind in ("passed_checks", "failed_checks"):
            for check in results.get(kind, []):
                key = (check["file_abs_path"], check["check_id"], check["resource"], str(check.get("file_line_range")))
                found[_owner(stack_dirs, check["file_abs_path"])][kind][key] = check
        for path in results.get("parsing_errors", []):
            broken[_owner(stack_dirs, path)].add(path)
    return {
        stack_dir: {
            "results": {kind: list(checks.values()) for kind, checks in found[stack_dir].items()},
            "summary": {"passed": len(found[stack_dir]["passed_checks"]), "parsing_errors": len(broken[stack_dir])},
        }
        for stack_dir in stack_dirs
    }


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


def gate(stack_dirs: list[Path]) -> list[StackResult]:
    reports = run_checkov(stack_dirs)
    return [evaluate(d, reports[d], json.loads((d / "cdk.tf.json").read_text())) for d in stack_dirs]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stacks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    stacks = args.stacks or sorted(p for p in Path("cdktf.out/stacks").iterdir() if (p / "cdk.tf.json").exists())
    if not stacks:
        print("no synthesized stacks: run `make synth` first", file=sys.stderr)
        return 2
    started = time.monotonic()
    results = gate(stacks)
    for r in results:
        print(f"checkov {r.stack}: {r.passed} passed, {len(r.skipped)} skipped inline, "
              f"{len(r.failed)} failed, {len(r.stale)} stale skips")  # fmt: skip
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
