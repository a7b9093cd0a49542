"""``make rehearse``: the deploy procedure, offline, with the locked cdktf CLI and real Terraform core.

The same ``make deploy`` / ``output`` / ``diff`` / ``destroy`` a user and the workflows run, against the stand-in
AWS provider (``scripts/tf_standin``, installed through a filesystem mirror so the CLI's ``terraform init`` works
offline) with local state in a temporary directory:

1. deploy ``payment-account`` (the CLI synthesizes through ``cdktf.json``'s app), then ``payment-dev`` and the
   preview ``payment-pr-1`` from that synthesized output (``--skip-synth``, as CI deploys the tested artifact);
   Before that, a new account: with a Lambda concurrency quota too small for the reservations (the stand-in answers
   Service Quotas with ``NEW_ACCOUNT_LAMBDA_QUOTA``), ``make deploy STACK=payment-dev`` stops at plan time with the
   precondition's message and applies nothing;
2. ``make output STACK=payment-dev`` has the outputs smoke reads (``scripts/stack_outputs.py``), of the right shape;
3. a second plan of every applied stack shows no changes;
4. destroy empties the state; a re-deploy after the destroy works; a final destroy leaves nothing.

Each step fails with ``RehearsalError`` naming the step, the command and the end of its output.
"""

from __future__ import annotations

import json
import os
import re
import subprocess  # nosec B404 - runs make with fixed arguments
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from scripts import stack_outputs
from scripts.tf_standin import terraform

REPO_ROOT = Path(__file__).resolve().parents[1]
ACCOUNT, DEV, PREVIEW = "payment-account", "payment-dev", "payment-pr-1"
PREVIEW_DEPLOYMENT = "pr-1"
LOCK_FILE = REPO_ROOT / ".terraform.lock.hcl"
CLI = REPO_ROOT / "node_modules" / ".bin" / "cdktf"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
NO_CHANGES = "No changes. Your infrastructure matches the configuration."
STEP_TIMEOUT_SECONDS = 600
# A new account's reduced Lambda concurrency quota (AWS raises it with usage): below what dev alone reserves.
NEW_ACCOUNT_LAMBDA_QUOTA = 10
QUOTA_STOP = "Request an increase to at least"
# what the deploy must not inherit: real credentials, a shared state backend, Terraform settings
DROPPED_PREFIXES = ("AWS_", "TF_", "PAYMENT_STATE_", "CDKTF_")


class RehearsalError(RuntimeError):
    """A step of the rehearsal failed: the message names the step and shows the end of its output."""


def provider_version(lock_file: Path = LOCK_FILE) -> str:
    """The hashicorp/aws version pinned in the committed lock file."""
    match = re.search(r'provider "registry\.terraform\.io/hashicorp/aws" \{\s*version\s*=\s*"([^"]+)"',
                      lock_file.read_text())  # fmt: skip
    if match is None:
        raise RehearsalError(f"{lock_file} pins no registry.terraform.io/hashicorp/aws version")
    return match.group(1)


def require_cli(cli: Path = CLI) -> None:
    if not os.access(cli, os.X_OK):
        raise RehearsalError(f"the locked cdktf CLI is missing ({cli}): run `make install` (npm ci)")


class Rehearsal:
    """One rehearsal: a temporary synth/state directory, the stand-in provider, and the make commands run in it."""

    def __init__(
        self,
        root: Path,
        environ: dict[str, str] | None = None,
        log: Callable[[str], None] = print,
        variables: dict[str, str] | None = None,
    ) -> None:
        self.root = root
        self.variables = variables or {}  # more make variables for every command (tests: APP=...)
        self.out = root / "cdktf.out"
        self.outputs_file = root / "outputs.json"
        self.log = log
        standin = terraform.mirror_stand_in(root / "provider", provider_version())
        base = {k: v for k, v in (environ if environ is not None else os.environ).items()
                if not k.startswith(DROPPED_PREFIXES)}  # fmt: skip
        base.update({k: v for k, v in standin.environ.items() if k.startswith("TF_")})
        base.update(
            CHECKPOINT_DISABLE="1", CDKTF_DISABLE_PLUGIN_CACHE_ENV="1", CI="true", FORCE_COLOR="0",
            PAYMENT_DEPLOYMENT=PREVIEW_DEPLOYMENT,
        )  # fmt: skip
        for key in ("TF_STANDIN_DATA", "TF_STANDIN_REFUSE_APPLY"):  # a test's instructions to the stand-in
            if environ is not None and key in environ:
                base[key] = environ[key]
        self.environ = base

    def make(
        self,
        step: str,
        target: str,
        stacks: Iterable[str],
        *,
        expect_failure: bool = False,
        environ: dict[str, str] | None = None,
        **variables: str,
    ) -> str:
        """Run ``make <target> STACK='<stacks>' ...`` in the repo; the output, or ``RehearsalError`` naming the step.

        ``expect_failure``: the command must fail (its output is returned); succeeding is the error.
        """
        settings = {"CDKTF_OUT": str(self.out), "OUTPUTS_FILE": str(self.outputs_file), "PROVIDER_LOCK": "0",
                    **self.variables, **variables}  # fmt: skip
        args = ["make", "--no-print-directory", target, f"STACK={' '.join(stacks)}",
                *(f"{k}={v}" for k, v in settings.items())]  # fmt: skip
        started = time.monotonic()
        try:
            done = subprocess.run(  # noqa: S603  # nosec B603 B607 - make with fixed arguments
                args, cwd=REPO_ROOT, env={**self.environ, **(environ or {})}, capture_output=True, text=True,
                timeout=STEP_TIMEOUT_SECONDS,
                stdin=subprocess.DEVNULL, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired as err:
            raise RehearsalError(f"rehearsal step '{step}': `{' '.join(args)}` timed out") from err
        output = ANSI.sub("", done.stdout + done.stderr)
        if expect_failure:
            if done.returncode == 0:
                raise RehearsalError(f"rehearsal step '{step}': `{' '.join(args)}` succeeded, but it must fail")
            self.log(f"  ok  {step} ({time.monotonic() - started:.1f} s)")
            return output
        if done.returncode != 0:
            tail = "\n".join(output.rstrip().splitlines()[-40:])
            raise RehearsalError(f"rehearsal step '{step}' failed: `{' '.join(args)}` exited {done.returncode}\n{tail}")
        self.log(f"  ok  {step} ({time.monotonic() - started:.1f} s)")
        return output

    def state_resources(self, stack: str) -> list[str]:
        """Addresses of the managed resources in ``stack``'s local state."""
        path = self.out / "stacks" / stack / f"terraform.{stack}.tfstate"
        if not path.exists():
            raise RehearsalError(f"no state file for {stack} at {path} (did the deploy use the local backend?)")
        state = json.loads(path.read_text())
        return [f"{r['type']}.{r['name']}" for r in state.get("resources", []) if r.get("mode") == "managed"]

    def assert_applied(self, stack: str) -> None:
        synthesized = json.loads((self.out / "stacks" / stack / "cdk.tf.json").read_text())
        expected = {f"{t}.{n}" for t, by_name in synthesized.get("resource", {}).items() for n in by_name}
        applied = set(self.state_resources(stack))
        if applied != expected:
            missing, extra = sorted(expected - applied)[:10], sorted(applied - expected)[:10]
            raise RehearsalError(
                f"{stack}: the state does not hold what was synthesized: missing {missing}, extra {extra}"
            )

    def assert_empty(self, stack: str) -> None:
        left = self.state_resources(stack)
        if left:
            raise RehearsalError(f"{stack}: destroy left {len(left)} resources in the state: {left[:10]}")

    def assert_quota_stops_the_deploy(self, stack: str) -> None:
        """A new account's small Lambda quota stops ``make deploy`` at plan time, naming what to do; nothing applied."""
        answers = self.root / "new-account-quotas.json"
        answers.write_text(json.dumps({"aws_servicequotas_service_quota": {"value": NEW_ACCOUNT_LAMBDA_QUOTA}}))
        step = f"new account (Lambda quota {NEW_ACCOUNT_LAMBDA_QUOTA}): make deploy STACK={stack} stops at plan time"
        output = self.make(step, "deploy", [stack], expect_failure=True, environ={"TF_STANDIN_DATA": str(answers)},
                           AUTO_APPROVE="1", SKIP_SYNTH="1")  # fmt: skip
        flat = " ".join(output.split())
        if QUOTA_STOP not in flat or "Resource postcondition failed" not in flat:
            tail = "\n".join(output.rstrip().splitlines()[-30:])
            raise RehearsalError(f"rehearsal step '{step}': it failed without the quota precondition's "
                                 f"message:\n{tail}")  # fmt: skip
        state = self.out / "stacks" / stack / f"terraform.{stack}.tfstate"
        applied = self.state_resources(stack) if state.exists() else []
        if applied:
            raise RehearsalError(f"rehearsal step '{step}': the failed deploy applied {applied[:5]}")

    def outputs(self) -> tuple[str, str]:
        self.make(f"make output STACK={DEV}", "output", [DEV], SKIP_SYNTH="1")
        try:
            url, key_id = stack_outputs.smoke_values(self.outputs_file, DEV)
        except stack_outputs.OutputsError as err:
            raise RehearsalError(f"rehearsal step 'make output STACK={DEV}': {err}") from err
        if not re.fullmatch(r"https://[a-z0-9]+\.execute-api\.[a-z0-9-]+\.amazonaws\.com/[A-Za-z0-9_-]+", url):
            raise RehearsalError(f"rehearsal step 'make output STACK={DEV}': {stack_outputs.URL} is {url!r}, "
                                 "not an API Gateway stage invoke URL")  # fmt: skip
        return url, key_id

    def assert_no_changes(self, stack: str) -> None:
        output = self.make(f"second plan of {stack} (make diff)", "diff", [stack], SKIP_SYNTH="1")
        if NO_CHANGES not in " ".join(output.split()):
            plan = "\n".join(line for line in output.splitlines() if re.search(r"#|~|Plan:", line))[:4000]
            raise RehearsalError(f"rehearsal step 'second plan of {stack}': the applied stack is not what the "
                                 f"configuration says (perpetual diff):\n{plan}")  # fmt: skip

    def run(self, after_synth: Callable[[Path], None] | None = None) -> None:
        self.make(f"make deploy STACK={ACCOUNT} (synth through cdktf.json's app)", "deploy", [ACCOUNT],
                  AUTO_APPROVE="1")  # fmt: skip
        self.assert_applied(ACCOUNT)
        if after_synth is not None:
            after_synth(self.out)
        self.assert_quota_stops_the_deploy(DEV)
        self.make(f"make deploy STACK='{DEV} {PREVIEW}' SKIP_SYNTH=1", "deploy", [DEV, PREVIEW],
                  AUTO_APPROVE="1", SKIP_SYNTH="1")  # fmt: skip
        for stack in (DEV, PREVIEW):
            self.assert_applied(stack)
        url, key_id = self.outputs()
        self.log(f"      {DEV}: {stack_outputs.URL}={url} {stack_outputs.API_KEY_ID}={key_id}")
        for stack in (ACCOUNT, DEV):
            self.assert_no_changes(stack)
        self.make(f"make destroy STACK='{DEV} {PREVIEW}'", "destroy", [DEV, PREVIEW], AUTO_APPROVE="1",
                  SKIP_SYNTH="1")  # fmt: skip
        for stack in (DEV, PREVIEW):
            self.assert_empty(stack)
        self.make(f"re-deploy after destroy: make deploy STACK={PREVIEW}", "deploy", [PREVIEW], AUTO_APPROVE="1",
                  SKIP_SYNTH="1")  # fmt: skip
        self.assert_applied(PREVIEW)
        self.make(f"make destroy STACK='{PREVIEW} {ACCOUNT}'", "destroy", [PREVIEW, ACCOUNT], AUTO_APPROVE="1",
                  SKIP_SYNTH="1")  # fmt: skip
        for stack in (PREVIEW, ACCOUNT):
            self.assert_empty(stack)


def main() -> int:
    started = time.monotonic()
    try:
        terraform.terraform_binary()
        require_cli()
        with tempfile.TemporaryDirectory(prefix="payment-rehearsal-") as tmp:
            print(f"rehearsal in {tmp} (stand-in provider, local state, no network)")
            Rehearsal(Path(tmp)).run()
    except (RehearsalError, terraform.TerraformMissingError) as err:
        print(f"REHEARSAL FAILED: {err}", file=sys.stderr)
        return 1
    print(f"rehearsal passed in {time.monotonic() - started:.0f} s: deploy, a new account's quota stop, output, "
          "no-change re-plan, destroy, re-deploy")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
