#!/usr/bin/env python3
"""Print the README's table of checkov skips from a synthesized ``cdktf.out``: one row per unique
(check id, resource type, justification) over every stack, sorted.

The rows come from the inline ``"//": {"checkov": {"skip": [...]}}`` metadata that
``payment_infra/checkov_skips.py`` writes and ``scripts/checkov_gate.py`` honours, so the table lists exactly
what the gate lets through. ``tests/security/test_skips_table.py`` compares docs/testing.md's ``## Security gate``
table with this output.

Usage: scripts/checkov_skips_table.py [cdktf.out]   (run `make synth` first)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HEADER = ("Check", "Resource type", "Justification")


def skip_rows(outdir: Path) -> list[tuple[str, str, str]]:
    """Sorted unique ``(check id, resource type, justification)`` over ``outdir/stacks/*/cdk.tf.json``."""
    rows = set()
    for stack_file in sorted(outdir.glob("stacks/*/cdk.tf.json")):
        stack = json.loads(stack_file.read_text())
        for rtype, resources in stack.get("resource", {}).items():
            for resource in resources.values():
                for entry in resource.get("//", {}).get("checkov", {}).get("skip", []):
                    rows.add((entry["id"], rtype, " ".join(entry.get("comment", "").split())))
    return sorted(rows)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render(rows: list[tuple[str, str, str]]) -> str:
    """The markdown table, header first, one line per row."""
    lines = [f"| {' | '.join(HEADER)} |", "|---|---|---|"]
    lines += [f"| {_cell(check)} | `{_cell(rtype)}` | {_cell(comment)} |" for check, rtype, comment in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", nargs="?", type=Path, default=Path("cdktf.out"))
    args = parser.parse_args(argv)
    if not any(args.outdir.glob("stacks/*/cdk.tf.json")):
        print(f"no synthesized stacks under {args.outdir}/stacks: run `make synth` first", file=sys.stderr)
        return 2
    print(render(skip_rows(args.outdir)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
