"""``python -m scripts.tf_standin``: ``require`` (Terraform there?), ``schema``, ``check <stack dir>...``, ``plugin``.

``check`` is for developers (``make terraform-check``); ``make test`` runs the same through tests/terraform/.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.tf_standin", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("require", help="fail with one message naming what to install when Terraform is missing or old")
    schema_cmd = sub.add_parser("schema", help="generate (or find) the cached schema; print its path")
    schema_cmd.add_argument("--package", default="cdktf-cdktf-provider-aws", help="provider distribution name")
    check_cmd = sub.add_parser("check", help="terraform validate + plan -refresh=false on synthesized stack dirs")
    check_cmd.add_argument("stack_dirs", nargs="+", type=Path, help="e.g. cdktf.out/stacks/payment-dev")
    plugin_cmd = sub.add_parser("plugin", help="serve as Terraform's hashicorp/aws plugin (Terraform starts this)")
    plugin_cmd.add_argument("schema_path", type=Path)
    args = parser.parse_args(argv)

    from . import terraform

    if args.command == "plugin":
        from . import plugin

        return plugin.serve(args.schema_path)
    if args.command == "require":
        try:
            terraform.terraform_binary()
        except terraform.TerraformMissingError as err:
            print(f"ERROR: {err}", file=sys.stderr)
            return 1
        return 0
    if args.command == "schema":
        from . import schema

        print(terraform.ensure_schema(schema.installed_provider_package(args.package)))
        return 0
    return _check(args.stack_dirs)


def _check(stack_dirs: list[Path]) -> int:
    from . import terraform

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tf-standin-") as tmp:
        standin = terraform.stand_in(Path(tmp))

        def one(stack_dir: Path) -> tuple[Path, terraform.Result]:
            stack = json.loads((stack_dir / "cdk.tf.json").read_text())
            workdir = terraform.workdir_copy(stack, Path(tmp) / stack_dir.name, stack_dir / "assets")
            return stack_dir, terraform.check(_as_after_primary(standin, stack_dir, Path(tmp)), workdir)

        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(one, stack_dirs))
    failed = 0
    for stack_dir, result in results:
        if result.ok:
            changes = [c["change"]["actions"] for c in result.plan_json.get("resource_changes", [])]
            print(f"{stack_dir.name}: validate ok, plan ok ({len(changes)} resource changes)")
        else:
            failed += 1
            print(f"{stack_dir.name}: FAILED\n{result.output}", file=sys.stderr)
    print(f"terraform check: {len(results) - failed} passed, {failed} failed in {time.monotonic() - started:.1f} s")
    return 1 if failed else 0


def _as_after_primary(standin, stack_dir: Path, tmp: Path):
    """A standby (``payment-<env>-dr``) is planned as if its primary (``payment-<env>``, beside it) were applied."""
    import dataclasses

    from . import data_sources

    primary = stack_dir.with_name(stack_dir.name.removesuffix("-dr")) / "cdk.tf.json"
    if not stack_dir.name.endswith("-dr") or not primary.exists():
        return standin
    answers = data_sources.standby_answers(json.loads(primary.read_text()))
    if not answers:
        return standin
    path = tmp / f"{stack_dir.name}-data.json"
    path.write_text(json.dumps(answers))
    return dataclasses.replace(standin, data=path)


if __name__ == "__main__":
    sys.exit(main())
