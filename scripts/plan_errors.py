"""Terraform's own plan errors of stacks whose ``make deploy`` / ``make diff`` failed.

The cdktf CLI 0.21 can exit on Terraform's failure before it has printed Terraform's error output (the child's
exit event arrives before its stderr is drained; the same bug as open-constructs/cdk-terrain#169, fixed in
cdktn-cli 0.23). A user then sees only ``Invoking Terraform CLI failed with exit code 1``. After such a failure the
Makefile runs this: ``terraform plan`` (read-only: ``-lock=false -refresh=false``, no apply) in each stack's
directory, which the CLI has already initialised, and prints the ``Error:`` blocks Terraform reports. A failure
during apply shows no plan error; this says so rather than inventing one.

Usage: ``python -m scripts.plan_errors <cdktf.out> <stack> [<stack> ...]``; always exits 0 (the caller's own
failure is what fails make).
"""

from __future__ import annotations

import re
import shutil
import subprocess  # nosec B404 - runs terraform with fixed arguments
import sys
from pathlib import Path

PLAN_TIMEOUT_SECONDS = 600
ERROR_START = re.compile(r"^[│╷\s]*Error: ")


def error_blocks(output: str) -> list[str]:
    """The lines of Terraform's diagnostics from the first ``Error:`` on (its box drawing kept)."""
    lines = output.splitlines()
    for index, line in enumerate(lines):
        if ERROR_START.match(line):
            start = index - 1 if index and lines[index - 1].strip() == "╷" else index
            return lines[start:]
    return []


def plan_errors(stack_dir: Path, terraform: str) -> str:
    """What Terraform says when it plans ``stack_dir``: its error blocks, or a sentence saying there are none."""
    if not (stack_dir / ".terraform").is_dir():
        return f"{stack_dir.name}: not initialised (the CLI failed before terraform init): see its output above"
    try:
        done = subprocess.run(  # noqa: S603  # nosec B603 - terraform with fixed arguments
            [terraform, "plan", "-input=false", "-lock=false", "-refresh=false", "-no-color"],
            cwd=stack_dir, capture_output=True, text=True, timeout=PLAN_TIMEOUT_SECONDS, check=False,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return f"{stack_dir.name}: terraform plan did not finish in {PLAN_TIMEOUT_SECONDS} s"
    blocks = error_blocks(done.stdout + "\n" + done.stderr)
    if not blocks:
        return f"{stack_dir.name}: Terraform plans without an error: the failure happened later (apply): see above"
    return "\n".join([f"{stack_dir.name}: Terraform's errors (terraform plan in {stack_dir}):", *blocks])


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: python -m scripts.plan_errors <cdktf.out> <stack> [<stack> ...]", file=sys.stderr)
        return 2
    terraform = shutil.which("terraform")
    if terraform is None:
        print("plan_errors: no terraform on PATH: cannot show Terraform's own errors", file=sys.stderr)
        return 0
    out = Path(argv[0])
    for stack in argv[1:]:
        print(plan_errors(out / "stacks" / stack, terraform), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
