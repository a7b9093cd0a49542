"""Read stack outputs from the file cdktf writes with ``--outputs-file``: ``{"<stack>": {"<output>": value}}``.

The one place that knows which outputs the deploy procedure reads (smoke: the stage URL and the API key id; the
preview comment: the URL), so ``make smoke``, the preview workflow and the rehearsal (``scripts/rehearse.py``)
agree. A missing stack or output fails naming the file, the stack, the output and what is there.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

URL = "apigateway_url"
API_KEY_ID = "apigateway_api_key_id"
SMOKE_OUTPUTS = (URL, API_KEY_ID)


class OutputsError(LookupError):
    """The outputs file lacks the stack or the output asked for, or is not cdktf's JSON."""


def load(path: Path, stack: str) -> dict[str, Any]:
    """The outputs of ``stack`` in the outputs file ``path``."""
    try:
        parsed = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise OutputsError(f"cannot read the outputs file {path} ({err}); run `make output STACK={stack}`") from err
    if not isinstance(parsed, dict) or stack not in parsed or not isinstance(parsed[stack], dict):
        found = ", ".join(sorted(parsed)) if isinstance(parsed, dict) else type(parsed).__name__
        raise OutputsError(f"outputs file {path} has no stack {stack} (it has: {found or 'nothing'})")
    return parsed[stack]


def get(path: Path, stack: str, name: str) -> Any:
    outputs = load(path, stack)
    if name not in outputs:
        raise OutputsError(
            f"outputs file {path}: stack {stack} has no output {name} (it has: {', '.join(sorted(outputs)) or 'none'})"
        )
    return outputs[name]


def smoke_values(path: Path, stack: str) -> tuple[str, str]:
    """``(stage URL, API key id)`` for ``make smoke``."""
    url, key_id = (get(path, stack, name) for name in SMOKE_OUTPUTS)
    for name, value in zip(SMOKE_OUTPUTS, (url, key_id), strict=True):
        if not isinstance(value, str) or not value or " " in value:
            raise OutputsError(f"outputs file {path}: {stack}.{name} is {value!r}, not a single word")
    return url, key_id


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.stack_outputs", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    smoke = sub.add_parser("smoke", help="print '<stage URL> <API key id>'")
    one = sub.add_parser("get", help="print one output (JSON for non-strings)")
    for command in (smoke, one):
        command.add_argument("outputs_file", type=Path)
        command.add_argument("stack")
    one.add_argument("name")
    args = parser.parse_args(argv)
    try:
        if args.command == "smoke":
            print(" ".join(smoke_values(args.outputs_file, args.stack)))
        else:
            value = get(args.outputs_file, args.stack, args.name)
            print(value if isinstance(value, str) else json.dumps(value))
    except OutputsError as err:
        print(f"ERROR: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
