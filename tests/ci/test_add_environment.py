"""Adding an environment is one entry in the environment matrix (README "Add an environment").

A copy of the repository gets a fourth environment, ``qa`` between staging and prod with a CIDR of its own, and
nothing else; then synth (of the account baseline and qa only: the other stacks are what they were), the cost
script, the emulator's stack loading, the Makefile's stack list and the workflow generator all take it in. The
copy runs on this checkout's installed .venv, by path (nothing is installed).
"""

from __future__ import annotations

import ast
import inspect
import json
import os
import shutil
import subprocess  # nosec B404 - runs this repository's own scripts with fixed arguments
import sys
from pathlib import Path

import pytest
import yaml

from payment_infra import config
from payment_infra.stack_ids import deployment_stacks

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_PY = REPO_ROOT / ".venv" / "bin" / "python"
NEW, NEW_CIDR = "qa", "10.43.0.0/16"
BEFORE = config.ENVIRONMENT_NAMES[-1]  # qa is promoted to production last: it goes before it
LIKE = config.ENVIRONMENT_NAMES[-2]  # and is sized like the environment before it (staging)
# Synth must not depend on the developer's shell (tests/conftest.py's rule): no remote backend, default region.
CHILD_ENV = {k: v for k, v in os.environ.items() if not k.startswith("PAYMENT_") or k == "PAYMENT_ENGINE"}

pytestmark = pytest.mark.slow


def matrix_source() -> tuple[Path, ast.Tuple]:
    """The file that writes the environment matrix (``MATRIX``: a header row of environment names, then one row per
    setting) and its tuple literal, found from the module whose ``ENVIRONMENT_DEFAULTS`` config exports."""
    owners = [
        module for module in list(sys.modules.values())
        if getattr(module, "ENVIRONMENT_DEFAULTS", None) is config.ENVIRONMENT_DEFAULTS
    ]  # fmt: skip
    for module in owners:
        for node in ast.parse(inspect.getsource(module)).body:
            target = node.target if isinstance(node, ast.AnnAssign) else getattr(node, "targets", [None])[0]
            if getattr(target, "id", None) == "MATRIX" and isinstance(node.value, ast.Tuple):
                return Path(inspect.getsourcefile(module)), node.value
    raise AssertionError(f"no module among {[m.__name__ for m in owners]} writes the MATRIX table")


def with_new_environment(source: str, matrix: ast.Tuple) -> str:
    """``source`` with one column more in the matrix: ``LIKE``'s cells under ``NEW``, before ``BEFORE``, with
    ``NEW_CIDR`` as its vpc_cidr."""
    header, *rows = matrix.elts
    names = [cell.value for cell in header.elts]
    like, before = names.index(LIKE), names.index(BEFORE)

    def cells(row: ast.Tuple) -> list[str]:
        return [ast.get_source_segment(source, cell) or "" for cell in row.elts]

    table = [cells(header), *(cells(row) for row in rows)]
    for row in table:
        cell = f'"{NEW}"' if row is table[0] else f'"{NEW_CIDR}"' if row[0] == '"vpc_cidr"' else row[like]
        row.insert(before, cell)
    assert any(row[0] == '"vpc_cidr"' for row in table), "the matrix has no vpc_cidr row"
    text = "(\n" + "".join(f"    ({', '.join(row)}),\n" for row in table) + ")"
    lines = source.splitlines(keepends=True)
    head = "".join(lines[: matrix.lineno - 1]) + lines[matrix.lineno - 1][: matrix.col_offset]
    tail = lines[matrix.end_lineno - 1][matrix.end_col_offset :] + "".join(lines[matrix.end_lineno :])
    return head + text + tail


def run(copy: Path, *argv: str) -> str:
    result = subprocess.run(  # nosec B603 - fixed argv: this checkout's interpreter or make, in the copy
        list(argv), cwd=copy, env=CHILD_ENV, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, f"{argv} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


SYNTH_NEW = f"""
import payment_infra.accelerate as accelerate
accelerate.enable()
from payment_infra.app import build_app
build_app(environments=({NEW!r},), outdir="cdktf.out").synth()
"""


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the files git knows (tracked, or new and not ignored) with ``qa`` in the matrix, synthesized."""
    root = tmp_path_factory.mktemp("four-environments")
    listed = subprocess.run(  # nosec B603 B607 - fixed argv
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO_ROOT,
        capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        if (REPO_ROOT / name).is_file():  # a file deleted in the working tree is not copied
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / name, root / name)
    path, matrix = matrix_source()
    target = root / path.relative_to(REPO_ROOT)
    target.write_text(with_new_environment(path.read_text(), matrix))
    run(root, str(VENV_PY), "-c", SYNTH_NEW)
    return root


def expected_stacks() -> list[str]:
    """This checkout's stacks in deploy order with qa's before prod's group (qa, sized like staging, has no standby;
    prod keeps its standby after it and the account baseline the standbys' baseline)."""
    here = deployment_stacks({})
    names = list(here)
    order = [*names[: names.index(BEFORE)], NEW, *names[names.index(BEFORE) :]]
    return [stack for name in order for stack in here.get(name, (f"payment-{name}",))]


def test_the_new_entry_makes_an_environment_in_promotion_order(copy: Path) -> None:
    probe = "from payment_infra.config import ENVIRONMENT_NAMES as n; from payment_infra.stack_ids import stack_ids"
    out = run(copy, str(VENV_PY), "-c", f"{probe}; print(list(n)); print(list(stack_ids({{}})))").splitlines()
    names = [*config.ENVIRONMENT_NAMES[:-1], NEW, BEFORE]
    assert out == [str(names), str(expected_stacks())]


def test_synth_writes_its_stack_as_an_environment(copy: Path) -> None:
    stack = json.loads((copy / "cdktf.out" / "stacks" / f"payment-{NEW}" / "cdk.tf.json").read_text())
    (vpc,) = stack["resource"]["aws_vpc"].values()
    assert vpc["cidr_block"] == NEW_CIDR
    (provider,) = stack["provider"]["aws"]
    assert provider["default_tags"][0]["tags"]["Environment"] == NEW  # not "preview"
    functions = stack["resource"]["aws_lambda_function"].values()
    assert all(fn["reserved_concurrent_executions"] > 0 for fn in functions)  # a preview reserves none


def test_the_cost_script_lists_it_in_promotion_order(copy: Path, synth_dir: Path, tmp_path: Path) -> None:
    """Beside the other environments' stacks (the session's synth of this checkout), qa's row comes before prod's."""
    stacks = tmp_path / "stacks"
    shutil.copytree(synth_dir / "stacks", stacks, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*"))
    shutil.copytree(copy / "cdktf.out" / "stacks" / f"payment-{NEW}", stacks / f"payment-{NEW}")
    table = run(copy, str(VENV_PY), "scripts/cost.py", "--stacks", str(stacks))
    rows = [line.split("`")[1] for line in table.splitlines() if line.startswith("| `")]
    assert rows == expected_stacks()


def test_the_emulator_loads_its_stack(copy: Path) -> None:
    probe = (
        "from payment_local.stack import load_stack; "
        f"s = load_stack({NEW!r}, synth_if_missing=False); print(s.env, len(s.functions), s.region)"
    )
    env, functions, region = run(copy, str(VENV_PY), "-c", probe).split()
    assert (env, region) == (NEW, "ap-northeast-2") and int(functions) > 0


@pytest.mark.parametrize(("env", "extra"), [("", ()), ("dev", ()), ("pr-9", ("payment-pr-9",))])
def test_the_makefile_asks_the_app_for_its_stacks(env: str, extra: tuple[str, ...]) -> None:
    """Here, unchanged: the stacks `make terraform-check` checks are stack_ids', a preview's (ENV) last."""
    from payment_infra.stack_ids import stack_ids

    dry = run(REPO_ROOT, "make", "--no-print-directory", "-n", "terraform-check", f"ENV={env}")
    check = next(line for line in dry.splitlines() if "scripts.tf_standin check" in line)
    assert check.split()[4:] == [f"cdktf.out/stacks/{stack}" for stack in (*stack_ids({}), *extra)]


def test_the_makefile_lists_its_stack(copy: Path) -> None:
    """`make terraform-check` (dry run) checks every stack stack_ids lists, qa's too."""
    dry = run(copy, "make", "--no-print-directory", "-n", "terraform-check", f"VENV={REPO_ROOT / '.venv'}")
    check = next(line for line in dry.splitlines() if "scripts.tf_standin check" in line)
    assert f"cdktf.out/stacks/payment-{BEFORE}" in check
    assert check.index(f"cdktf.out/stacks/payment-{LIKE} ") < check.index(f"cdktf.out/stacks/payment-{NEW} ")


def test_the_workflow_generator_deploys_plans_and_offers_it(copy: Path) -> None:
    workflows = copy / ".github" / "workflows"
    assert f"deploy-{NEW}" not in (workflows / "deploy.yml").read_text()  # the committed ones know three
    run(copy, str(VENV_PY), "scripts/workflows.py")
    run(copy, str(VENV_PY), "scripts/workflows.py", "--check")
    jobs = yaml.safe_load((workflows / "deploy.yml").read_text())["jobs"]
    assert jobs[f"deploy-{NEW}"]["needs"] == f"deploy-{LIKE}" and jobs[f"deploy-{BEFORE}"]["needs"] == f"deploy-{NEW}"
    assert jobs[f"deploy-{NEW}"]["with"] == {"environment": NEW, "stacks": f"payment-{NEW}", "smoke": True}
    plan = yaml.safe_load((workflows / "ci.yml").read_text())["jobs"]["plan"]["strategy"]["matrix"]["stack"]
    assert plan.index(f"payment-{LIKE}") < plan.index(f"payment-{NEW}") < plan.index(f"payment-{BEFORE}")
    destroy = yaml.safe_load((workflows / "destroy.yml").read_text())
    assert NEW in destroy[True]["workflow_dispatch"]["inputs"]["environment"]["options"]  # pyyaml: `on` is True
