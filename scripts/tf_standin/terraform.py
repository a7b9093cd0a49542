"""Run Terraform core's ``validate`` and ``plan -refresh=false`` on a synthesized stack with the stand-in provider.

No network, no credentials, no ``terraform init``: a CLI configuration with ``dev_overrides`` makes Terraform
start ``<plugin dir>/terraform-provider-aws`` (a two-line script running ``plugin.py``) as ``hashicorp/aws``.
Each stack is checked in a temporary copy without its ``backend`` block (state stays local and empty), with
its ``assets`` linked in (``filename`` arguments point there).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import data_sources
from . import schema as schema_module

TERRAFORM_MIN_VERSION = (1, 11, 0)
TERRAFORM_PINNED_VERSION = "1.11.4"  # what CI installs (.github/workflows/*.yml, TERRAFORM_VERSION)
SKIP_SWITCH = "PAYMENT_SKIP_TERRAFORM_CHECK"
REPO_ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_SECONDS = 300


class TerraformMissingError(RuntimeError):
    """Terraform is not installed, or too old: the message says what to install."""


def _install_hint(found: str) -> str:
    minimum = ".".join(map(str, TERRAFORM_MIN_VERSION))
    return (
        f"Terraform >= {minimum} is required for the Terraform validate/plan check ({found}). Install Terraform "
        f"{TERRAFORM_PINNED_VERSION} (https://developer.hashicorp.com/terraform/install) and put `terraform` on PATH, "
        f"or set {SKIP_SWITCH}=1 to skip this check."
    )


def terraform_binary() -> tuple[str, tuple[int, ...]]:
    """Path and version of the ``terraform`` on PATH; raises ``TerraformMissingError`` when absent or too old."""
    path = shutil.which("terraform")
    if path is None:
        raise TerraformMissingError(_install_hint("no `terraform` on PATH"))
    out = subprocess.run(  # noqa: S603 (the terraform on PATH, fixed arguments)
        [path, "version", "-json"], capture_output=True, text=True, timeout=60, check=False
    )
    try:
        version = json.loads(out.stdout)["terraform_version"]
    except (ValueError, KeyError) as err:
        raise TerraformMissingError(_install_hint(f"`{path} version -json` printed {out.stdout[:200]!r}")) from err
    parsed = tuple(int(x) for x in re.findall(r"\d+", version)[:3])
    if parsed < TERRAFORM_MIN_VERSION:
        raise TerraformMissingError(_install_hint(f"found {version} at {path}"))
    return path, parsed


@dataclass(frozen=True)
class StandIn:
    """A plugin directory and CLI configuration that make Terraform use the stand-in provider."""

    root: Path
    schema_path: Path
    terraform: str
    # data source answers (data_sources.py): this file, else TF_STANDIN_DATA from the environment, else defaults
    data: Path | None = None

    @property
    def environ(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "AWS_"))}
        data = self.data or os.environ.get(data_sources.DATA_ENV)
        if data:
            env[data_sources.DATA_ENV] = str(Path(data).resolve())
        env.update(
            TF_CLI_CONFIG_FILE=str(self.root / "terraformrc"),
            TF_DISABLE_PLUGIN_TLS="1",
            TF_IN_AUTOMATION="1",
            TF_INPUT="0",
            CHECKPOINT_DISABLE="1",
        )
        return env


def ensure_schema(package: schema_module.ProviderPackage | None = None) -> Path:
    """The cached schema JSON and its serialized protobuf response, generated on first use."""
    from . import plugin

    path = schema_module.cached_schema(package)
    pb_path = path.with_suffix(".pb")
    if not pb_path.exists():
        pb, _ = plugin.load_protocol()
        tmp = pb_path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_bytes(plugin.schema_response_bytes(pb, schema_module.load(path)))
        tmp.replace(pb_path)
    return path


def stand_in(root: Path, schema_path: Path | None = None) -> StandIn:
    """Write the plugin script and the CLI configuration under ``root``."""
    terraform, _ = terraform_binary()
    schema_path = schema_path or ensure_schema()
    plugins = root / "plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    script = plugins / "terraform-provider-aws"
    script.write_text(
        "#!/bin/sh\n"
        f"PYTHONPATH={shlex.quote(str(REPO_ROOT))} exec {shlex.quote(sys.executable)} -m scripts.tf_standin "
        f"plugin {shlex.quote(str(schema_path))}\n"
    )
    script.chmod(0o755)
    (root / "terraformrc").write_text(
        "provider_installation {\n"
        f'  dev_overrides {{\n    "hashicorp/aws" = {json.dumps(str(plugins))}\n  }}\n'
        "  direct {}\n}\n"
    )
    return StandIn(root, schema_path, terraform)


def mirror_stand_in(root: Path, version: str, schema_path: Path | None = None) -> StandIn:
    """Like ``stand_in``, but installed the way ``terraform init`` installs providers: from a filesystem mirror.

    The cdktf CLI always runs ``terraform init``, which ``dev_overrides`` do not satisfy (init still asks the
    registry). Here ``registry.terraform.io/hashicorp/aws`` ``version`` (the stacks' pinned version) is an
    unpacked mirror entry holding the same plugin script, so init installs it offline and writes its hash into
    the stack's ``.terraform.lock.hcl``; every other provider would come from the registry as usual.
    """
    standin = stand_in(root, schema_path)
    target = f"{platform_name()}"
    entry = root / "mirror" / "registry.terraform.io" / "hashicorp" / "aws" / version / target
    entry.mkdir(parents=True, exist_ok=True)
    plugin = entry / f"terraform-provider-aws_v{version}"
    shutil.copy2(root / "plugins" / "terraform-provider-aws", plugin)
    (root / "terraformrc").write_text(
        "provider_installation {\n"
        f"  filesystem_mirror {{\n    path = {json.dumps(str(root / 'mirror'))}\n"
        '    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n'
        '  direct {\n    exclude = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n'
    )
    return standin


def platform_name() -> str:
    """Terraform's name for this platform (``linux_amd64``...), as in provider mirror directories."""
    import platform

    machine = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine().lower(), "amd64")
    return f"{sys.platform.replace('darwin', 'darwin').split('-')[0]}_{machine}"


def workdir_copy(stack: dict[str, Any], dest: Path, assets: Path | None = None) -> Path:
    """``dest/cdk.tf.json``: ``stack`` without its backend block; ``dest/assets`` links to ``assets``."""
    dest.mkdir(parents=True, exist_ok=True)
    config = json.loads(json.dumps(stack))
    config.get("terraform", {}).pop("backend", None)
    (dest / "cdk.tf.json").write_text(json.dumps(config, indent=1))
    if assets is not None and assets.exists() and not (dest / "assets").exists():
        (dest / "assets").symlink_to(assets.resolve(), target_is_directory=True)
    return dest


@dataclass
class Result:
    """What Terraform said about one stack."""

    validate: subprocess.CompletedProcess[str]
    plan: subprocess.CompletedProcess[str] | None = None
    plan_json: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.validate.returncode == 0 and self.plan is not None and self.plan.returncode == 0

    @property
    def output(self) -> str:
        parts = [self.validate.stdout, self.validate.stderr]
        if self.plan is not None:
            parts += [self.plan.stdout, self.plan.stderr]
        return "\n".join(p for p in parts if p)


def _run(standin: StandIn, workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (terraform found on PATH, arguments from this module)
        [standin.terraform, *args],
        cwd=workdir,
        env=standin.environ,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )


def check(standin: StandIn, workdir: Path, plan: bool = True) -> Result:
    """``terraform validate``, then (if it passed and ``plan``) ``plan -refresh=false`` and ``show -json``."""
    result = Result(_run(standin, workdir, "validate", "-no-color"))
    if result.validate.returncode != 0 or not plan:
        return result
    result.plan = _run(
        standin, workdir, "plan", "-refresh=false", "-input=false", "-lock=false", "-no-color", "-out=tfplan"
    )
    if result.plan.returncode == 0:
        shown = _run(standin, workdir, "show", "-json", "tfplan")
        if shown.returncode != 0:
            result.plan.returncode = shown.returncode
            result.plan.stderr += shown.stderr
        else:
            result.plan_json = json.loads(shown.stdout)
    return result
